//! `onaltu-transport`: `serve` (the gRPC server), `migrate` (apply database migrations) and
//! `check-config`.

use std::process::ExitCode;

use onaltu_transport::settings::Settings;

#[tokio::main]
async fn main() -> ExitCode {
    onaltu_service::main::<Settings, _, _>(
        "transport",
        "Invataxi booking and dispatch, buses to rehabilitation, service measures",
        &onaltu_transport::migrations(),
        onaltu_transport::serve,
    )
    .await
}
