//! `onaltu-rating`: `serve` (the gRPC server), `migrate` (apply database migrations) and
//! `check-config`.

use std::process::ExitCode;

use onaltu_rating::settings::Settings;

#[tokio::main]
async fn main() -> ExitCode {
    onaltu_service::main::<Settings, _, _>(
        "rating",
        "The electronic quality rating of rehabilitation centres",
        &onaltu_rating::migrations(),
        onaltu_rating::serve,
    )
    .await
}
