//! `onaltu-feedback`: `serve` (the gRPC server) and `migrate` (apply database migrations).

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use onaltu_feedback::settings::Settings;

#[derive(Parser)]
#[command(
    name = "onaltu-feedback",
    about = "Recipients' evaluations of rehabilitation centres, moderation and complaints"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve gRPC until SIGTERM or SIGINT.
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Load and validate the configuration, then exit.
    CheckConfig,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings: Settings = match onaltu_config::load("feedback") {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("onaltu-feedback: {err}");
            return ExitCode::from(2);
        }
    };
    match run(cli.command, settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("onaltu-feedback: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::CheckConfig => {
            println!("configuration is valid");
            Ok(())
        }
        Command::Migrate => {
            let applied =
                onaltu_db::run_migrations(&settings.database.url, &onaltu_feedback::migrations())
                    .await?;
            println!(
                "applied {} migration(s): {}",
                applied.len(),
                applied.join(", ")
            );
            Ok(())
        }
        Command::Serve => serve(settings).await,
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let telemetry = onaltu_telemetry::init("feedback", &settings.telemetry)?;
    onaltu_db::check(&settings.database).await?;
    let pool = onaltu_db::build_pool(&settings.database, "onaltu-feedback")?;
    let listener = tokio::net::TcpListener::bind(settings.server.listen)
        .await
        .map_err(|e| anyhow::anyhow!("server.listen {}: {e}", settings.server.listen))?;
    onaltu_feedback::serve(settings, pool, listener, onaltu_server::shutdown_signal()).await?;
    telemetry.flush();
    Ok(())
}
