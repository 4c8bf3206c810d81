//! What every service binary shares: the command line (`serve`, `migrate`, `check-config`, and
//! the commands a service adds of its own, [`Task`]), the gRPC server skeleton (message limits,
//! the auth interceptor, health under the generated service name), the database readiness check
//! behind its health, the one error a service cannot start with, and the outbox relay that runs
//! beside the server for as long as it serves.

use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use diesel_migrations::EmbeddedMigrations;
use onaltu_auth::{AuthInterceptor, AuthSettings, Authenticator, Caller};
use onaltu_cache::CacheSettings;
use onaltu_config::{Checker, SecretString, Validate};
use onaltu_db::{DatabaseSettings, Pool};
use onaltu_events::{Relay, StreamSettings};
use onaltu_server::{GrpcServer, ReadinessCheck, ServerError, ServerSettings};
use onaltu_telemetry::TelemetrySettings;
use serde::de::DeserializeOwned;
use tokio::net::TcpListener;
use tonic::server::NamedService;
use tonic::service::Routes;
use tonic::service::interceptor::InterceptedService;

/// Why a service could not start serving.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Configuration that only fails when used (the message names the key).
    #[error("configuration: {0}")]
    Config(String),
    /// The database could not be read at start-up.
    #[error("database: {0}")]
    Database(String),
    /// The server failed.
    #[error(transparent)]
    Server(#[from] ServerError),
    /// A command of the service's own ([`Task`]) could not finish (the message says what was
    /// and was not done).
    #[error("{0}")]
    Task(String),
}

impl StartError {
    /// A configuration error of `key`.
    pub fn config(key: &str, err: impl std::fmt::Display) -> Self {
        Self::Config(format!("{key}: {err}"))
    }

    /// A database error at start-up.
    pub fn database(err: impl std::fmt::Display) -> Self {
        Self::Database(err.to_string())
    }
}

/// A generated tonic server whose message limits can be set (the generated types share no trait
/// for it).
pub trait MessageLimits: Sized {
    /// Decoding and encoding limited to `bytes`.
    fn with_message_limit(self, bytes: usize) -> Self;
}

macro_rules! message_limits {
    ($($server:ident < $service:path >),* $(,)?) => {$(
        impl<T: $service> MessageLimits for $server<T> {
            fn with_message_limit(self, bytes: usize) -> Self {
                self.max_decoding_message_size(bytes)
                    .max_encoding_message_size(bytes)
            }
        }
    )*};
}

use onaltu_proto::feedback::feedback_service_server::{FeedbackService, FeedbackServiceServer};
use onaltu_proto::rating::rating_service_server::{RatingService, RatingServiceServer};
use onaltu_proto::registry::registry_service_server::{RegistryService, RegistryServiceServer};
use onaltu_proto::transport::transport_service_server::{TransportService, TransportServiceServer};

message_limits!(
    RegistryServiceServer<RegistryService>,
    FeedbackServiceServer<FeedbackService>,
    RatingServiceServer<RatingService>,
    TransportServiceServer<TransportService>,
);

/// Authenticates every call ([`AuthInterceptor`]) and, where the server requires client
/// certificates, believes a service's own token (`service:<name>`) only from a peer whose
/// certificate names that service ([`onaltu_server::identity`]).
#[derive(Debug, Clone)]
pub struct CallerIdentity {
    auth: AuthInterceptor,
    bind_service_tokens: bool,
}

impl CallerIdentity {
    /// Tokens verified by `authenticator`; service tokens bound to the peer certificate when
    /// `bind_service_tokens` (the server requires mutual TLS).
    pub fn new(authenticator: Arc<Authenticator>, bind_service_tokens: bool) -> Self {
        Self {
            auth: AuthInterceptor::new(authenticator),
            bind_service_tokens,
        }
    }
}

impl tonic::service::Interceptor for CallerIdentity {
    fn call(&mut self, request: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        let request = self.auth.call(request)?;
        if !self.bind_service_tokens {
            return Ok(request);
        }
        if let Some(Caller::Authenticated(claims)) = request.extensions().get::<Caller>() {
            let certs = request.peer_certs();
            if let Some(problem) = onaltu_server::identity::service_token_problem(
                &claims.sub,
                certs.as_ref().map(|c| c.as_slice()),
            ) {
                tracing::warn!(subject = %claims.sub, "service token refused: {problem}");
                return Err(tonic::Status::unauthenticated(problem));
            }
        }
        Ok(request)
    }
}

/// The gRPC server of one service: `service` with the configured message limits, behind the auth
/// interceptor ([`CallerIdentity`]), its health reported under the generated name
/// (`NamedService::NAME`), ready while the database of `pool` answers. `long_running` names the
/// methods (e.g. `PlanDay`) that get the stream timeout.
pub fn grpc_server<S>(
    settings: ServerSettings,
    auth: &AuthSettings,
    pool: &Pool,
    service: S,
    long_running: &[&str],
) -> Result<GrpcServer, StartError>
where
    S: MessageLimits
        + NamedService
        + tower::Service<
            http::Request<tonic::body::Body>,
            Response = http::Response<tonic::body::Body>,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    let authenticator =
        Arc::new(Authenticator::from_settings(auth).map_err(|e| StartError::config("auth", e))?);
    let service = service.with_message_limit(settings.max_message_bytes);
    let bind = settings
        .tls
        .as_ref()
        .is_some_and(|tls| tls.requires_client_certificates());
    let routes = Routes::new(InterceptedService::new(
        service,
        CallerIdentity::new(authenticator, bind),
    ));
    let paths: Vec<String> = long_running
        .iter()
        .map(|method| format!("/{}/{method}", S::NAME))
        .collect();
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    Ok(GrpcServer::new(settings, routes, &[S::NAME])
        .with_long_running(&paths)
        .with_readiness(database_readiness(pool)))
}

/// The signal a serving service stops on.
pub type Shutdown = std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

/// What a service starts serving from: its settings, its database pool, a bound listener, and
/// the signal to stop on.
pub struct Start<S> {
    /// The validated settings.
    pub settings: S,
    /// The service's database.
    pub pool: Pool,
    /// Where to serve.
    pub listener: TcpListener,
    /// Resolves when the service should drain and stop.
    pub shutdown: Shutdown,
}

/// What the shared start-up needs of a service's settings (implemented by [`settings!`]).
pub trait ServiceSettings: DeserializeOwned + Validate {
    /// `[server]`.
    fn server(&self) -> &ServerSettings;
    /// `[database]`.
    fn database(&self) -> &DatabaseSettings;
    /// `[auth]`.
    fn auth(&self) -> &AuthSettings;
    /// `[telemetry]`.
    fn telemetry(&self) -> &TelemetrySettings;
    /// `[server] listen`.
    fn listen(&self) -> std::net::SocketAddr {
        self.server().listen
    }
}

/// Re-exports for [`settings!`].
#[doc(hidden)]
pub mod __settings {
    pub use onaltu_auth::AuthSettings;
    pub use onaltu_config::{Checker, SecretString, Validate};
    pub use onaltu_db::{DatabaseSettings, RetentionSettings};
    pub use onaltu_server::ServerSettings;
    pub use onaltu_telemetry::TelemetrySettings;
}

/// A service's settings: the core every service reads (`[server]`, `[database]`, `[auth]`,
/// `[telemetry]`, `[retention]`) and the sections of its own, each validated under its name,
/// unknown keys refused. An optional `validate_with = path;` adds rules across sections. The generated
/// `local_core(database, hs256_secret)` is a local instance for tests and tools (tokens signed
/// with the secret, health checked every 100 ms).
#[macro_export]
macro_rules! settings {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty ),* $(,)?
        }
        $( validate_with = $extra:path; )?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, ::serde::Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            /// gRPC listener and limits.
            pub server: $crate::__settings::ServerSettings,
            /// The service's own Postgres database.
            pub database: $crate::__settings::DatabaseSettings,
            /// Token verification.
            pub auth: $crate::__settings::AuthSettings,
            /// Logs and traces.
            pub telemetry: $crate::__settings::TelemetrySettings,
            /// How long shared records (idempotency keys, delivered events) are kept.
            pub retention: $crate::__settings::RetentionSettings,
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl $name {
            /// A local instance (tests, tools) on `database`, tokens signed with
            /// `hs256_secret`, health checked every 100 ms; the service's own sections default.
            pub fn local_core(
                database: $crate::__settings::DatabaseSettings,
                hs256_secret: $crate::__settings::SecretString,
            ) -> Self {
                let mut settings = Self {
                    database,
                    ..Self::default()
                };
                settings.server.health_check_interval_ms = 100;
                settings.auth.hs256_secret = Some(hs256_secret);
                settings
            }
        }

        impl $crate::ServiceSettings for $name {
            fn server(&self) -> &$crate::__settings::ServerSettings {
                &self.server
            }
            fn database(&self) -> &$crate::__settings::DatabaseSettings {
                &self.database
            }
            fn auth(&self) -> &$crate::__settings::AuthSettings {
                &self.auth
            }
            fn telemetry(&self) -> &$crate::__settings::TelemetrySettings {
                &self.telemetry
            }
        }

        impl $crate::__settings::Validate for $name {
            fn validate(&self, c: &mut $crate::__settings::Checker) {
                c.section("server", &self.server);
                c.section("database", &self.database);
                c.section("auth", &self.auth);
                c.section("telemetry", &self.telemetry);
                c.section("retention", &self.retention);
                $( c.section(stringify!($field), &self.$field); )*
                $( $extra(self, c); )?
            }
        }
    };
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

/// What a service's own command runs with: its validated settings and its database.
pub struct TaskStart<S> {
    /// The validated settings.
    pub settings: S,
    /// The service's database.
    pub pool: Pool,
}

/// The work of a service's own command.
pub type TaskRun = Pin<Box<dyn Future<Output = Result<(), StartError>> + Send>>;

/// A command a service adds beside `serve`, `migrate` and `check-config` (e.g. the feedback
/// service's `rebuild-eligibility`): run once with the validated settings and the service's
/// database, then exit.
pub struct Task<S> {
    /// The subcommand, e.g. `rebuild-eligibility`.
    pub name: &'static str,
    /// One line for `--help`.
    pub about: &'static str,
    /// What the command needs of the configuration beyond what serving needs (e.g. a token of
    /// the service's own), checked for the environment before it runs: a violation exits 2
    /// naming its key, as a bad configuration does.
    pub rules: fn(&S, &mut Checker),
    /// The command.
    pub run: fn(TaskStart<S>) -> TaskRun,
}

/// Runs the binary of service `name` (`registry`, `feedback`, …): parses the command line, loads
/// and validates the configuration (exit 2 naming the bad key), then migrates, checks the
/// configuration, or serves with `serve(start)` until SIGTERM or SIGINT.
pub async fn main<S, F, Fut>(
    name: &str,
    about: &'static str,
    migrations: &[&'static EmbeddedMigrations],
    serve: F,
) -> ExitCode
where
    S: ServiceSettings,
    F: FnOnce(Start<S>) -> Fut,
    Fut: Future<Output = Result<(), StartError>>,
{
    main_with_tasks(name, about, migrations, serve, &[]).await
}

/// [`main`] with commands of the service's own beside the shared ones, each a subcommand named
/// by its [`Task::name`].
pub async fn main_with_tasks<S, F, Fut>(
    name: &str,
    about: &'static str,
    migrations: &[&'static EmbeddedMigrations],
    serve: F,
    tasks: &[Task<S>],
) -> ExitCode
where
    S: ServiceSettings,
    F: FnOnce(Start<S>) -> Fut,
    Fut: Future<Output = Result<(), StartError>>,
{
    let binary = format!("onaltu-{name}");
    let command = tasks.iter().fold(
        <Cli as clap::CommandFactory>::command()
            .bin_name(binary.clone())
            .about(about),
        |command, task| command.subcommand(clap::Command::new(task.name).about(task.about)),
    );
    let matches = command.get_matches();
    let chosen = match tasks
        .iter()
        .find(|t| matches.subcommand_name() == Some(t.name))
    {
        Some(task) => Chosen::Task(task),
        None => match <Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
            Ok(cli) => Chosen::Shared(cli.command),
            Err(err) => err.exit(),
        },
    };
    let loaded = onaltu_config::load(name).and_then(|settings| match &chosen {
        Chosen::Task(task) => task_rules(task, settings),
        Chosen::Shared(_) => Ok(settings),
    });
    let settings: S = match loaded {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("{binary}: {err}");
            return ExitCode::from(2);
        }
    };
    let result = match chosen {
        Chosen::Task(task) => run_task(name, settings, task).await,
        Chosen::Shared(Command::CheckConfig) => {
            println!("configuration is valid");
            Ok(())
        }
        Chosen::Shared(Command::Migrate) => migrate(&settings.database().url, migrations).await,
        Chosen::Shared(Command::Serve) => run(name, settings, serve).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{binary}: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The command a binary was started with.
enum Chosen<'a, S> {
    /// One every service has.
    Shared(Command),
    /// One of the service's own.
    Task(&'a Task<S>),
}

/// `settings`, unless they break the rules of `task` for the environment (`ONALTU_ENV`).
fn task_rules<S>(task: &Task<S>, settings: S) -> Result<S, onaltu_config::ConfigError> {
    let env = onaltu_config::Sources::from_process()?.env;
    let mut checker = Checker::for_env(&env);
    (task.rules)(&settings, &mut checker);
    match checker.violations() {
        [] => Ok(settings),
        violations => Err(onaltu_config::ConfigError::Invalid(violations.to_vec())),
    }
}

/// Runs `task` of service `name` with its logs and traces, on a checked database.
async fn run_task<S: ServiceSettings>(
    name: &str,
    settings: S,
    task: &Task<S>,
) -> Result<(), StartError> {
    let telemetry = onaltu_telemetry::init(name, settings.telemetry())
        .map_err(|e| StartError::config("telemetry", e))?;
    let pool = database(&settings, &format!("onaltu-{name}-{}", task.name)).await?;
    let done = (task.run)(TaskStart { settings, pool }).await;
    telemetry.flush();
    done
}

/// The service's database, checked to answer, as a pool named `application` in its sessions.
async fn database<S: ServiceSettings>(settings: &S, application: &str) -> Result<Pool, StartError> {
    onaltu_db::check(settings.database())
        .await
        .map_err(StartError::database)?;
    onaltu_db::build_pool(settings.database(), application)
        .map_err(|e| StartError::config("database", e))
}

async fn migrate(
    url: &SecretString,
    migrations: &[&'static EmbeddedMigrations],
) -> Result<(), StartError> {
    let applied = onaltu_db::run_migrations(url, migrations)
        .await
        .map_err(StartError::database)?;
    println!(
        "applied {} migration(s): {}",
        applied.len(),
        applied.join(", ")
    );
    Ok(())
}

async fn run<S, F, Fut>(name: &str, settings: S, serve: F) -> Result<(), StartError>
where
    S: ServiceSettings,
    F: FnOnce(Start<S>) -> Fut,
    Fut: Future<Output = Result<(), StartError>>,
{
    let telemetry = onaltu_telemetry::init(name, settings.telemetry())
        .map_err(|e| StartError::config("telemetry", e))?;
    // Before the pool and the server, whose instruments bind to it on first use.
    let metrics = onaltu_telemetry::Metrics::start(name, settings.telemetry())
        .await
        .map_err(|e| StartError::config("telemetry", e))?;
    let pool = database(&settings, &format!("onaltu-{name}")).await?;
    let listen = settings.listen();
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| StartError::config("server.listen", format!("{listen}: {e}")))?;
    serve(Start {
        settings,
        pool,
        listener,
        shutdown: Box::pin(onaltu_server::shutdown_signal()),
    })
    .await?;
    metrics.shutdown().await;
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

/// Serves `server` while the outbox relay publishes `pool`'s events to the Redis of `cache`
/// (`[cache] url`, over TLS for `rediss://`); the relay stops once the server has drained.
pub async fn serve_with_relay<T>(
    pool: Pool,
    cache: &CacheSettings,
    server: impl Future<Output = T>,
) -> Result<T, StartError> {
    let redis = cache.client().map_err(|e| StartError::config("cache", e))?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let relay = tokio::spawn(Relay::new(pool, redis, StreamSettings::default()).run(stopped));
    let served = server.await;
    let _ = stop.send(true);
    let _ = relay.await;
    Ok(served)
}
