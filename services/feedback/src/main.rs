//! `onaltu-feedback`: `serve` (the gRPC server), `migrate` (apply database migrations) and
//! `check-config`.

use std::process::ExitCode;

use onaltu_feedback::settings::Settings;

#[tokio::main]
async fn main() -> ExitCode {
    onaltu_service::main::<Settings, _, _>(
        "feedback",
        "Recipients' evaluations of rehabilitation centres, moderation and complaints",
        &onaltu_feedback::migrations(),
        onaltu_feedback::serve,
    )
    .await
}
