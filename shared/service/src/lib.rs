//! What every service binary shares: the command line (`serve`, `migrate`, `check-config`),
//! the database readiness check behind its health, and the outbox relay that runs beside the
//! server for as long as it serves.

use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use diesel_migrations::EmbeddedMigrations;
use onaltu_config::{ExposeSecret as _, SecretString, Validate};
use onaltu_db::{DatabaseSettings, Pool};
use onaltu_events::{Relay, StreamSettings};
use onaltu_server::ReadinessCheck;
use onaltu_telemetry::TelemetrySettings;
use serde::de::DeserializeOwned;
use tokio::net::TcpListener;

/// What the shared start-up needs of a service's settings.
pub trait ServiceSettings: DeserializeOwned + Validate {
    /// `[database]`.
    fn database(&self) -> &DatabaseSettings;
    /// `[telemetry]`.
    fn telemetry(&self) -> &TelemetrySettings;
    /// `[server] listen`.
    fn listen(&self) -> std::net::SocketAddr;
}

#[derive(Parser)]
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

/// Runs the binary of service `name` (`registry`, `feedback`, …): parses the command line, loads
/// and validates the configuration (exit 2 naming the bad key), then migrates, checks the
/// configuration, or serves with `serve(settings, pool, listener, shutdown)` until SIGTERM or
/// SIGINT.
pub async fn main<S, F, Fut, E>(
    name: &str,
    about: &'static str,
    migrations: &[&'static EmbeddedMigrations],
    serve: F,
) -> ExitCode
where
    S: ServiceSettings,
    F: FnOnce(S, Pool, TcpListener) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Into<anyhow::Error>,
{
    let binary = format!("onaltu-{name}");
    let command = <Cli as clap::CommandFactory>::command()
        .bin_name(binary.clone())
        .about(about);
    let cli = match <Cli as clap::FromArgMatches>::from_arg_matches(&command.get_matches()) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    let settings: S = match onaltu_config::load(name) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("{binary}: {err}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::CheckConfig => {
            println!("configuration is valid");
            Ok(())
        }
        Command::Migrate => migrate(&settings.database().url, migrations).await,
        Command::Serve => run(name, settings, serve).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{binary}: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn migrate(
    url: &SecretString,
    migrations: &[&'static EmbeddedMigrations],
) -> anyhow::Result<()> {
    let applied = onaltu_db::run_migrations(url, migrations).await?;
    println!(
        "applied {} migration(s): {}",
        applied.len(),
        applied.join(", ")
    );
    Ok(())
}

async fn run<S, F, Fut, E>(name: &str, settings: S, serve: F) -> anyhow::Result<()>
where
    S: ServiceSettings,
    F: FnOnce(S, Pool, TcpListener) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Into<anyhow::Error>,
{
    let telemetry = onaltu_telemetry::init(name, settings.telemetry())?;
    onaltu_db::check(settings.database()).await?;
    let pool = onaltu_db::build_pool(settings.database(), &format!("onaltu-{name}"))?;
    let listen = settings.listen();
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("server.listen {listen}: {e}"))?;
    serve(settings, pool, listener).await.map_err(Into::into)?;
    telemetry.flush();
    Ok(())
}

/// Health follows the database: ready while `pool` answers within two seconds.
pub fn database_readiness(pool: &Pool) -> ReadinessCheck {
    let pool = pool.clone();
    Arc::new(move || {
        let pool = pool.clone();
        Box::pin(async move {
            tokio::time::timeout(Duration::from_secs(2), onaltu_db::ping(&pool))
                .await
                .unwrap_or(false)
        })
    })
}

/// Serves `server` while the outbox relay publishes `pool`'s events to the Redis at
/// `redis_url`; the relay stops once the server has drained.
pub async fn serve_with_relay<T>(
    pool: Pool,
    redis_url: &SecretString,
    server: impl Future<Output = T>,
) -> anyhow::Result<T> {
    let redis = redis::Client::open(redis_url.expose_secret())
        .map_err(|e| anyhow::anyhow!("cache.url: {e}"))?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let relay = tokio::spawn(Relay::new(pool, redis, StreamSettings::default()).run(stopped));
    let served = server.await;
    let _ = stop.send(true);
    let _ = relay.await;
    Ok(served)
}
