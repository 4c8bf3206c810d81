//! `onaltu-registry`: `serve` (the gRPC server), `migrate` (apply database migrations) and
//! `check-config`.

use std::process::ExitCode;

use onaltu_registry::settings::Settings;

#[tokio::main]
async fn main() -> ExitCode {
    onaltu_service::main::<Settings, _, _>(
        "registry",
        "Registry of persons with disabilities and rehabilitation centres",
        &onaltu_registry::migrations(),
        onaltu_registry::serve,
    )
    .await
}
