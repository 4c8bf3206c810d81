//! gRPC server bootstrap shared by every service: `grpc.health.v1` per service (NOT_SERVING while
//! a dependency such as the database is unreachable, and while draining), server reflection in
//! both `grpc.reflection.v1` and `v1alpha`, explicit limits, optional TLS and mutual TLS,
//! telemetry on every call, and graceful shutdown on SIGTERM/SIGINT: NOT_SERVING first, then stop
//! accepting, drain in-flight calls, return (the caller then drops its telemetry guard, which
//! flushes traces).
//!
//! With `[server] health_listen`, a second, plaintext listener serves `grpc.health.v1` alone,
//! from the same health state (no business calls, no reflection): what the kubelet's `grpc`
//! probes, which cannot speak TLS, ask while the gRPC port itself requires mutual TLS.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

mod deadline;
pub mod identity;

pub use deadline::DeadlineLayer;
use onaltu_config::{Checker, Validate};
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tonic::service::Routes;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Certificate, Identity, ServerTlsConfig};
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

/// TLS settings (`[server.tls]`). With `client_ca_path`, every caller of the gRPC port must
/// present a certificate that CA signed (mutual TLS): the other services with their own, outside
/// callers through a gateway holding one. The health port (`health_listen`) stays plaintext.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSettings {
    /// Server certificate chain (PEM).
    pub cert_path: String,
    /// Server private key (PEM).
    pub key_path: String,
    /// CA that signs client certificates; set it to require mutual TLS. A token whose subject is
    /// `service:<name>` is then accepted only from a peer whose certificate names `<name>`
    /// ([`identity`]).
    pub client_ca_path: Option<String>,
}

impl TlsSettings {
    /// Whether callers must present a client certificate (mutual TLS).
    pub fn requires_client_certificates(&self) -> bool {
        self.client_ca_path.is_some()
    }
}

/// Server settings (`[server]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// A second, plaintext listener serving only `grpc.health.v1` (same health as the main
    /// port), for probes that cannot speak TLS; none when unset.
    pub health_listen: Option<SocketAddr>,
    /// Longest a call may run before it answers DEADLINE_EXCEEDED (a shorter client deadline wins).
    pub request_timeout_ms: u64,
    /// The same for the methods a service names long-running (client-streaming imports).
    pub stream_timeout_ms: u64,
    /// Calls served at once per connection; beyond it calls are shed with UNAVAILABLE.
    pub concurrency_limit_per_connection: usize,
    /// HTTP/2 streams a client may open at once per connection.
    pub max_concurrent_streams: u32,
    /// Largest request or response message.
    pub max_message_bytes: usize,
    /// HTTP/2 keepalive ping interval.
    pub keepalive_interval_secs: u64,
    /// How long to wait for a keepalive answer before closing the connection.
    pub keepalive_timeout_secs: u64,
    /// How often dependencies (the database) are checked for health.
    pub health_check_interval_ms: u64,
    /// Time between reporting NOT_SERVING and closing the listener, so balancers stop routing.
    pub drain_delay_ms: u64,
    /// Longest to wait for in-flight calls once the listener is closed.
    pub drain_timeout_secs: u64,
    /// Optional TLS.
    pub tls: Option<TlsSettings>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([0, 0, 0, 0], 50051)),
            health_listen: None,
            request_timeout_ms: 10_000,
            stream_timeout_ms: 30 * 60 * 1000,
            concurrency_limit_per_connection: 256,
            max_concurrent_streams: 512,
            max_message_bytes: 4 * 1024 * 1024,
            keepalive_interval_secs: 30,
            keepalive_timeout_secs: 10,
            health_check_interval_ms: 2_000,
            drain_delay_ms: 0,
            drain_timeout_secs: 25,
            tls: None,
        }
    }
}

impl Validate for ServerSettings {
    fn validate(&self, c: &mut Checker) {
        c.check(
            self.request_timeout_ms >= 10,
            "request_timeout_ms",
            "must be at least 10",
        );
        c.check(
            (1..=100_000).contains(&self.concurrency_limit_per_connection),
            "concurrency_limit_per_connection",
            "must be between 1 and 100000",
        );
        c.check(
            self.max_concurrent_streams >= 1,
            "max_concurrent_streams",
            "must be at least 1",
        );
        c.check(
            (1024..=64 * 1024 * 1024).contains(&self.max_message_bytes),
            "max_message_bytes",
            "must be between 1 KiB and 64 MiB",
        );
        c.check(
            self.keepalive_interval_secs >= 1,
            "keepalive_interval_secs",
            "must be at least 1",
        );
        c.check(
            self.keepalive_timeout_secs >= 1,
            "keepalive_timeout_secs",
            "must be at least 1",
        );
        c.check(
            self.health_check_interval_ms >= 50,
            "health_check_interval_ms",
            "must be at least 50",
        );
        if let Some(health) = self.health_listen {
            c.check(
                health.port() != self.listen.port() || health.port() == 0,
                "health_listen",
                "must be another port than server.listen: it serves health alone, in plaintext",
            );
        }
        if let Some(tls) = &self.tls {
            for (key, path) in [
                ("tls.cert_path", &tls.cert_path),
                ("tls.key_path", &tls.key_path),
            ] {
                c.check(
                    std::path::Path::new(path).is_file(),
                    key,
                    "file does not exist",
                );
            }
            if let Some(ca) = &tls.client_ca_path {
                c.check(
                    std::path::Path::new(ca).is_file(),
                    "tls.client_ca_path",
                    "file does not exist",
                );
            }
        }
    }
}

/// Why the server stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// A TLS file could not be read.
    #[error("server.tls: {0}")]
    Tls(String),
    /// The transport failed.
    #[error("server: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// Reflection could not be built from the descriptor sets.
    #[error("server reflection: {0}")]
    Reflection(String),
    /// The health listener could not be bound.
    #[error("server.health_listen: {0}")]
    HealthListen(String),
}

/// An async health check of a dependency: `true` when it answers.
pub type ReadinessCheck = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync>;

/// A gRPC server for one service, with health, reflection and limits.
pub struct GrpcServer {
    settings: ServerSettings,
    routes: Routes,
    service_names: Vec<String>,
    readiness: Option<ReadinessCheck>,
    long_running: std::collections::HashSet<String>,
    health_listener: Option<TcpListener>,
}

impl GrpcServer {
    /// A server for `routes`, reporting health for each of `service_names` (the full gRPC
    /// names, e.g. `onaltu.registry.v1.RegistryService`) and for the whole server (`""`).
    pub fn new(settings: ServerSettings, routes: Routes, service_names: &[&str]) -> Self {
        Self {
            settings,
            routes,
            service_names: service_names.iter().map(|s| s.to_string()).collect(),
            readiness: None,
            long_running: Default::default(),
            health_listener: None,
        }
    }

    /// Serves the plaintext health port on `listener` instead of binding `health_listen`.
    pub fn with_health_listener(mut self, listener: TcpListener) -> Self {
        self.health_listener = Some(listener);
        self
    }

    /// Gives these methods (`/pkg.Service/Method`) `stream_timeout_ms` instead of
    /// `request_timeout_ms`.
    pub fn with_long_running(mut self, paths: &[&str]) -> Self {
        self.long_running
            .extend(paths.iter().map(|p| p.to_string()));
        self
    }

    /// Reports NOT_SERVING whenever `check` answers `false`.
    pub fn with_readiness(mut self, check: ReadinessCheck) -> Self {
        self.readiness = Some(check);
        self
    }

    /// Serves on `listener` until `shutdown` resolves, then drains.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let settings = self.settings;
        let (reporter, health_service) = tonic_health::server::health_reporter();
        let mut names = self.service_names.clone();
        names.push(String::new());

        // Both reflection versions: many stock clients (grpcio-reflection among them) still
        // speak only v1alpha.
        let reflection = || {
            tonic_reflection::server::Builder::configure()
                .register_encoded_file_descriptor_set(onaltu_proto::FILE_DESCRIPTOR_SET)
                .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        };
        let reflection_v1 = reflection()
            .build_v1()
            .map_err(|e| ServerError::Reflection(e.to_string()))?;
        let reflection_v1alpha = reflection()
            .build_v1alpha()
            .map_err(|e| ServerError::Reflection(e.to_string()))?;
        let health_only = Routes::new(health_service.clone());
        let routes = self
            .routes
            .add_service(health_service)
            .add_service(reflection_v1)
            .add_service(reflection_v1alpha);
        let health_listener = match (self.health_listener, settings.health_listen) {
            (Some(listener), _) => Some(listener),
            (None, Some(addr)) => Some(
                TcpListener::bind(addr)
                    .await
                    .map_err(|e| ServerError::HealthListen(format!("{addr}: {e}")))?,
            ),
            (None, None) => None,
        };

        // Until the first readiness check answers, every name is known and NOT_SERVING.
        set_all(&reporter, &names, ServingStatus::NotServing).await;

        // Draining: a watch that flips once; the health task and the server both follow it.
        let (draining_tx, draining_rx) = watch::channel(false);
        let health_task = tokio::spawn(report_health(
            reporter.clone(),
            names.clone(),
            self.readiness,
            Duration::from_millis(settings.health_check_interval_ms),
            draining_rx.clone(),
        ));

        let drain_delay = Duration::from_millis(settings.drain_delay_ms);
        let stop_accepting = {
            let reporter = reporter.clone();
            let names = names.clone();
            async move {
                shutdown.await;
                tracing::info!("shutdown requested: reporting NOT_SERVING and draining");
                let _ = draining_tx.send(true);
                set_all(&reporter, &names, ServingStatus::NotServing).await;
                tokio::time::sleep(drain_delay).await;
            }
        };

        let deadlines = DeadlineLayer::new(
            Duration::from_millis(settings.request_timeout_ms),
            Duration::from_millis(settings.stream_timeout_ms),
            self.long_running,
        );
        let mut builder = tonic::transport::Server::builder()
            .concurrency_limit_per_connection(settings.concurrency_limit_per_connection)
            .load_shed(true)
            .max_concurrent_streams(settings.max_concurrent_streams)
            .http2_keepalive_interval(Some(Duration::from_secs(settings.keepalive_interval_secs)))
            .http2_keepalive_timeout(Some(Duration::from_secs(settings.keepalive_timeout_secs)));
        if let Some(tls) = &settings.tls {
            builder = builder.tls_config(tls_config(tls)?)?;
        }
        let local = listener.local_addr().ok();
        let incoming = TcpIncoming::from(listener)
            .with_nodelay(Some(true))
            .with_keepalive(Some(Duration::from_secs(settings.keepalive_interval_secs)));
        tracing::info!(addr = ?local, services = ?self.service_names, "serving");

        let serve = builder
            .layer(
                tower::ServiceBuilder::new()
                    .layer(onaltu_telemetry::GrpcTelemetryLayer)
                    .layer(deadlines),
            )
            .add_routes(routes)
            .serve_with_incoming_shutdown(incoming, stop_accepting);
        tokio::pin!(serve);

        // The health port answers, NOT_SERVING included, until the main server has stopped.
        let (health_stop, health_stopped) = tokio::sync::oneshot::channel::<()>();
        let health_server = health_listener.map(|listener| {
            tokio::spawn(serve_health(listener, health_only, &settings, async move {
                let _ = health_stopped.await;
            }))
        });

        let drain_timeout = Duration::from_secs(settings.drain_timeout_secs);
        let mut draining = draining_rx;
        let result = tokio::select! {
            result = &mut serve => result.map_err(ServerError::from),
            () = async {
                let _ = draining.wait_for(|d| *d).await;
                tokio::time::sleep(drain_delay + drain_timeout).await;
            } => {
                tracing::warn!(?drain_timeout, "drain timed out; stopping with calls in flight");
                Ok(())
            }
        };
        health_task.abort();
        let _ = health_stop.send(());
        if let Some(mut health_server) = health_server {
            // A health Watch never ends by itself: the port is given a moment to close, no more.
            match tokio::time::timeout(HEALTH_PORT_CLOSE, &mut health_server).await {
                Ok(Ok(Err(err))) => {
                    tracing::warn!(error = %err, "the health port stopped with an error")
                }
                Ok(Err(err)) => tracing::warn!(error = %err, "the health port's task failed"),
                Ok(Ok(Ok(()))) => {}
                Err(_) => health_server.abort(),
            }
        }
        tracing::info!("server stopped");
        result
    }
}

/// Longest the health port waits for its open calls (a Watch) once the server has stopped.
const HEALTH_PORT_CLOSE: Duration = Duration::from_secs(1);

/// The plaintext health port: `grpc.health.v1` alone, with the main server's limits.
fn serve_health(
    listener: TcpListener,
    routes: Routes,
    settings: &ServerSettings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> impl Future<Output = Result<(), tonic::transport::Error>> + Send + 'static {
    let local = listener.local_addr().ok();
    tracing::info!(addr = ?local, "serving health (plaintext, grpc.health.v1 only)");
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    tonic::transport::Server::builder()
        .concurrency_limit_per_connection(16)
        .load_shed(true)
        .timeout(Duration::from_millis(settings.request_timeout_ms))
        .http2_keepalive_interval(Some(Duration::from_secs(settings.keepalive_interval_secs)))
        .http2_keepalive_timeout(Some(Duration::from_secs(settings.keepalive_timeout_secs)))
        .add_routes(routes)
        .serve_with_incoming_shutdown(incoming, shutdown)
}

fn tls_config(tls: &TlsSettings) -> Result<ServerTlsConfig, ServerError> {
    let read = |key: &str, path: &str| {
        std::fs::read(path).map_err(|e| ServerError::Tls(format!("{key} {path}: {e}")))
    };
    let identity = Identity::from_pem(
        read("cert_path", &tls.cert_path)?,
        read("key_path", &tls.key_path)?,
    );
    let mut config = ServerTlsConfig::new().identity(identity);
    if let Some(ca) = &tls.client_ca_path {
        config = config.client_ca_root(Certificate::from_pem(read("client_ca_path", ca)?));
    }
    Ok(config)
}

async fn set_all(reporter: &HealthReporter, names: &[String], status: ServingStatus) {
    for name in names {
        reporter.set_service_status(name.as_str(), status).await;
    }
}

/// Keeps health in step with readiness until draining starts; logs only transitions.
async fn report_health(
    reporter: HealthReporter,
    names: Vec<String>,
    readiness: Option<ReadinessCheck>,
    interval: Duration,
    mut draining: watch::Receiver<bool>,
) {
    let mut last: Option<bool> = None;
    loop {
        if *draining.borrow() {
            return;
        }
        let ready = match &readiness {
            Some(check) => check().await,
            None => true,
        };
        if *draining.borrow() {
            return;
        }
        if last != Some(ready) {
            if ready {
                tracing::info!("dependencies reachable: SERVING");
            } else {
                tracing::warn!("a dependency is unreachable: NOT_SERVING");
            }
            let status = if ready {
                ServingStatus::Serving
            } else {
                ServingStatus::NotServing
            };
            set_all(&reporter, &names, status).await;
            last = Some(ready);
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = draining.changed() => return,
        }
    }
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
