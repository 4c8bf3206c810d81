//! The rating service: the electronic rating of rehabilitation centres' quality
//! (оңалту орталықтарының электрондық рейтингі) from registry indicators, published evaluations
//! and the city's inspections, with stars, incentive and penalty tiers, explained line by line
//! and streamed to city systems.

pub mod api;
pub mod clients;
pub mod domain;
pub mod events;
pub mod schema;
pub mod settings;
pub mod store;
pub mod workers;

use std::sync::Arc;
use std::time::Duration;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use onaltu_cache::Cache;
use onaltu_events::{Consumer, StreamSettings, WatchLimits};
use onaltu_proto::rating::rating_service_server::RatingServiceServer;
use onaltu_service::{Start, StartError};
use prost::Message as _;
use tonic::server::NamedService as _;

use crate::api::watch::EventHub;
use crate::clients::registry::RegistryClient;
use crate::events::feedback::{self as feedback_events, FeedbackEvents};
use crate::store::events::RatingEvents;

/// The rating service's own migrations (run after the shared event tables).
pub static MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Every migration set the rating database needs, in order.
pub fn migrations() -> [&'static EmbeddedMigrations; 3] {
    [
        &onaltu_events::MIGRATIONS,
        &onaltu_db::requests::MIGRATIONS,
        &MIGRATIONS,
    ]
}

/// The gRPC service name reported by health checks.
pub const SERVICE_NAME: &str = RatingServiceServer::<api::Rating>::NAME;

/// Serves the rating service on its listener until its shutdown signal resolves. Meanwhile it
/// consumes the feedback service's events, tails its own rating events for subscribers, and (when
/// configured) rates each quarter once it has ended.
pub async fn serve(start: Start<settings::Settings>) -> Result<(), StartError> {
    let Start {
        settings,
        pool,
        listener,
        shutdown,
    } = start;
    let cache = Cache::new(&settings.cache).map_err(|e| StartError::config("cache", e))?;
    let methodology = settings
        .methodology
        .load()
        .map_err(|e| StartError::config("methodology", e))?;
    let registry = RegistryClient::new(&settings.registry, &settings.auth)
        .map_err(|e| StartError::config("registry", e))?;
    let last_event = {
        let mut conn = onaltu_db::connection(&pool)
            .await
            .map_err(StartError::database)?;
        store::methodologies::ensure(
            &mut conn,
            &methodology.version,
            methodology.effective_from,
            api::convert::methodology(&methodology).encode_to_vec(),
        )
        .await
        .map_err(StartError::database)?;
        store::events::last(&mut conn)
            .await
            .map_err(StartError::database)?
    };
    let redis = settings
        .cache
        .client()
        .map_err(|e| StartError::config("cache", e))?;

    let (closing, closed) = tokio::sync::watch::channel(false);
    let closing = Arc::new(closing);
    let hub = EventHub::new(
        RatingEvents,
        pool.clone(),
        WatchLimits::default(),
        closed.clone(),
    );
    let rating = api::Rating::new(
        pool.clone(),
        cache,
        registry,
        methodology,
        hub.clone(),
        settings.compute.registry_concurrency,
    );
    let mut tasks = vec![tokio::spawn(hub.run_tail(last_event))];
    // One consumer name for every instance: a crashed instance's pending events are retried by
    // the others, and the processed-events record keeps them from counting twice.
    let consumer = Consumer::new(
        pool.clone(),
        redis,
        feedback_events::GROUP,
        "rating",
        &[feedback_events::STREAM],
        StreamSettings::default(),
    );
    tasks.push(tokio::spawn(
        consumer.run(Arc::new(FeedbackEvents), closed.clone()),
    ));
    if settings.compute.scheduled {
        tasks.push(tokio::spawn(workers::schedule::run(
            rating.clone(),
            Duration::from_secs(settings.compute.check_interval_secs),
            closed.clone(),
        )));
    }

    onaltu_db::retention::spawn(
        pool.clone(),
        &settings.retention,
        workers::retention::rules(&settings.retention),
    );

    let server = onaltu_service::grpc_server(
        settings.server,
        &settings.auth,
        &pool,
        RatingServiceServer::new(rating),
        &[],
    )?;
    let on_shutdown = closing.clone();
    let shutdown = async move {
        shutdown.await;
        // Live streams end so the drain can finish; subscribers resume elsewhere.
        let _ = on_shutdown.send(true);
    };
    let served = server.serve(listener, shutdown).await;
    let _ = closing.send(true);
    for task in tasks {
        let _ = task.await;
    }
    served?;
    Ok(())
}
