//! The feedback service: recipients evaluate the centre that served them (қызметті онлайн
//! бағалау), one evaluation per episode, with pre-moderation, the centre's reply, reports and
//! complaints, and summaries the rating service builds on.

pub mod api;
pub mod clients;
pub mod domain;
pub mod events;
pub mod schema;
pub mod settings;
pub mod store;
pub mod workers;

use std::sync::Arc;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use onaltu_cache::Cache;
use onaltu_events::{Consumer, StreamSettings};
use onaltu_proto::feedback::feedback_service_server::FeedbackServiceServer;
use onaltu_service::{Start, StartError};
use tonic::server::NamedService as _;

use crate::clients::registry::RegistryClient;
use crate::domain::calendar::WorkCalendar;
use crate::events::registry::{self as registry_events, RegistryEvents};

/// The feedback service's own migrations (run after the shared tables).
pub static MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Every migration set the feedback database needs, in order.
pub fn migrations() -> [&'static EmbeddedMigrations; 3] {
    [
        &onaltu_events::MIGRATIONS,
        &onaltu_db::requests::MIGRATIONS,
        &MIGRATIONS,
    ]
}

/// The gRPC service name reported by health checks.
pub const SERVICE_NAME: &str = FeedbackServiceServer::<api::Feedback>::NAME;

/// Serves the feedback service on its listener until its shutdown signal resolves; the outbox relay
/// publishes its events to Redis Streams, the registry's events are applied to the eligibility
/// copy, and the retention job forgets what is due meanwhile.
pub async fn serve(start: Start<settings::Settings>) -> Result<(), StartError> {
    let Start {
        settings,
        pool,
        listener,
        shutdown,
    } = start;
    let cache = Cache::new(&settings.cache).map_err(|e| StartError::config("cache", e))?;
    let registry =
        RegistryClient::new(&settings.registry).map_err(|e| StartError::config("registry", e))?;
    let calendar = match &settings.complaints.holidays_path {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("complaints.holidays_path {path}: {e}"))
            .and_then(|text| WorkCalendar::parse(&text)),
        None => WorkCalendar::kazakhstan(),
    }
    .map_err(|e| StartError::config("complaints", e))?;
    let feedback = api::Feedback::new(
        pool.clone(),
        cache,
        registry,
        calendar,
        settings.complaints.deadline_working_days,
        settings.reports,
    );
    onaltu_db::retention::spawn(
        pool.clone(),
        &settings.retention,
        workers::retention::rules(&settings),
    );
    // One consumer name for every instance: a crashed instance's pending events are retried by
    // the others, and the processed-events record keeps them from applying twice.
    let redis = settings
        .cache
        .client()
        .map_err(|e| StartError::config("cache", e))?;
    let consumer = Consumer::new(
        pool.clone(),
        redis,
        registry_events::GROUP,
        "feedback",
        &registry_events::STREAMS,
        StreamSettings::default(),
    );
    let (closing, closed) = tokio::sync::watch::channel(false);
    let applying = tokio::spawn(consumer.run(Arc::new(RegistryEvents), closed));
    let server = onaltu_service::grpc_server(
        settings.server,
        &settings.auth,
        &pool,
        FeedbackServiceServer::new(feedback),
        &[],
    )?
    .serve(listener, shutdown);
    let served = onaltu_service::serve_with_relay(pool, &settings.cache, server).await;
    let _ = closing.send(true);
    let _ = applying.await;
    served??;
    Ok(())
}
