//! `onaltu`: the operator's command line for the Onaltu services.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

#[derive(Parser)]
#[command(name = "onaltu", about = "Operator tools for the Onaltu services")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Ask a server's grpc.health.v1 service; exits 0 only when it answers SERVING.
    Health {
        /// Server address.
        #[arg(long, default_value = "http://127.0.0.1:50051")]
        addr: String,
        /// Service name to ask about (empty: the whole server).
        #[arg(long, default_value = "")]
        service: String,
        /// Keep asking until SERVING or this many seconds have passed.
        #[arg(long, default_value_t = 0)]
        wait: u64,
    },
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run(Cli::parse().command).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) => {
            eprintln!("onaltu: {err:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(command: Command) -> anyhow::Result<bool> {
    match command {
        Command::Health {
            addr,
            service,
            wait,
        } => {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(wait);
            loop {
                let answer = health(&addr, &service).await;
                let serving = matches!(answer, Ok(ServingStatus::Serving));
                if serving || tokio::time::Instant::now() >= deadline {
                    let status = answer?;
                    let name = if service.is_empty() {
                        "server"
                    } else {
                        &service
                    };
                    println!("{name} at {addr}: {}", status.as_str_name());
                    return Ok(serving);
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    }
}

async fn health(addr: &str, service: &str) -> anyhow::Result<ServingStatus> {
    let channel = tonic::transport::Endpoint::from_shared(addr.to_string())
        .with_context(|| format!("bad address {addr}"))?
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(5))
        .connect()
        .await
        .with_context(|| format!("cannot connect to {addr}"))?;
    let response = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: service.to_string(),
        })
        .await
        .with_context(|| format!("health check of {addr}"))?;
    Ok(response.into_inner().status())
}
