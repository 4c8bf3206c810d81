//! The feedback service: recipients evaluate the centre that served them (қызметті онлайн
//! бағалау), one evaluation per episode, with pre-moderation, the centre's reply, reports and
//! complaints, and summaries the rating service builds on.

pub mod api;
pub mod clients;
pub mod domain;
pub mod schema;
pub mod settings;
pub mod store;

use std::sync::Arc;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use onaltu_auth::{AuthInterceptor, Authenticator};
use onaltu_cache::Cache;
use onaltu_proto::feedback::feedback_service_server::FeedbackServiceServer;
use onaltu_server::GrpcServer;
use tokio::net::TcpListener;
use tonic::service::Routes;

use crate::clients::registry::RegistryClient;
use crate::domain::calendar::WorkCalendar;

/// The feedback service's own migrations (run after the shared event tables).
pub static MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Every migration set the feedback database needs, in order.
pub fn migrations() -> [&'static EmbeddedMigrations; 2] {
    [&onaltu_events::MIGRATIONS, &MIGRATIONS]
}

/// The gRPC service name reported by health checks.
pub const SERVICE_NAME: &str = "onaltu.feedback.v1.FeedbackService";

/// Why the feedback service could not start serving.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Configuration that only fails when used.
    #[error(transparent)]
    Config(#[from] anyhow::Error),
    /// The server failed.
    #[error(transparent)]
    Server(#[from] onaltu_server::ServerError),
}

/// Serves the feedback service on `listener` until `shutdown` resolves; the outbox relay
/// publishes its events to Redis Streams meanwhile.
pub async fn serve(
    settings: settings::Settings,
    pool: onaltu_db::Pool,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let authenticator =
        Arc::new(Authenticator::from_settings(&settings.auth).map_err(anyhow::Error::from)?);
    let cache = Cache::new(&settings.cache).map_err(anyhow::Error::from)?;
    let registry = RegistryClient::new(&settings.registry).map_err(anyhow::Error::msg)?;
    let calendar = match &settings.complaints.holidays_path {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("complaints.holidays_path {path}: {e}"))
            .and_then(|text| WorkCalendar::parse(&text)),
        None => WorkCalendar::kazakhstan(),
    }
    .map_err(anyhow::Error::msg)?;
    let feedback = api::Feedback::new(
        pool.clone(),
        cache,
        registry,
        calendar,
        settings.complaints.deadline_working_days,
    );
    let service = FeedbackServiceServer::new(feedback)
        .max_decoding_message_size(settings.server.max_message_bytes)
        .max_encoding_message_size(settings.server.max_message_bytes);
    let routes = Routes::new(tonic::service::interceptor::InterceptedService::new(
        service,
        AuthInterceptor::new(authenticator),
    ));
    let server = GrpcServer::new(settings.server, routes, &[SERVICE_NAME])
        .with_readiness(onaltu_service::database_readiness(&pool))
        .serve(listener, shutdown);
    onaltu_service::serve_with_relay(pool, &settings.cache.url, server).await??;
    Ok(())
}
