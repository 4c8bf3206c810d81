//! `onaltu-portal`: `serve` (the web portal) and `check-config`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use onaltu_portal::settings::Settings;

#[derive(Parser)]
#[command(name = "onaltu-portal", about = "The Onaltu web portal")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve HTTP until SIGTERM or SIGINT.
    Serve,
    /// Load and validate the configuration, then exit.
    CheckConfig,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings: Settings = match onaltu_config::load("portal") {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("onaltu-portal: {err}");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Command::CheckConfig => {
            println!("onaltu-portal: configuration is valid");
            ExitCode::SUCCESS
        }
        Command::Serve => serve(settings).await,
    }
}

async fn serve(settings: Settings) -> ExitCode {
    let _telemetry = match onaltu_telemetry::init("portal", &settings.telemetry) {
        Ok(guard) => guard,
        Err(err) => {
            eprintln!("onaltu-portal: {err}");
            return ExitCode::from(2);
        }
    };
    let addr = settings.server.listen;
    let result = async {
        // Prometheus scrapes `[telemetry] metrics_listen`; OTLP exports with `otlp_endpoint`.
        let _metrics = onaltu_telemetry::Metrics::start("portal", &settings.telemetry)
            .await
            .map_err(|e| onaltu_portal::StartError::Config(format!("telemetry.{e}")))?;
        let state = onaltu_portal::state(settings).await?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| onaltu_portal::StartError::Listen { addr, source })?;
        tracing::info!(%addr, "portal listening");
        onaltu_portal::serve(state, listener, shutdown_signal()).await
    }
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "portal stopped");
            eprintln!("onaltu-portal: {err}");
            ExitCode::FAILURE
        }
    }
}

/// SIGTERM (Kubernetes) or SIGINT (a terminal).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
