//! `onaltu-feedback`: `serve` (the gRPC server), `migrate` (apply database migrations),
//! `check-config`, and `rebuild-eligibility` (the copy of who may evaluate which episode, built
//! anew from the registry).

use std::process::ExitCode;

use onaltu_feedback::settings::Settings;

#[tokio::main]
async fn main() -> ExitCode {
    onaltu_service::main_with_tasks::<Settings, _, _>(
        "feedback",
        "Recipients' evaluations of rehabilitation centres, moderation and complaints",
        &onaltu_feedback::migrations(),
        onaltu_feedback::serve,
        &[onaltu_feedback::workers::rebuild_eligibility::task()],
    )
    .await
}
