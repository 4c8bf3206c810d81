//! The transport service: invataxi (инватакси) booking and dial-a-ride dispatch, scheduled buses
//! to rehabilitation centres, and the service measures.

pub mod api;
pub mod clients;
pub mod domain;
pub mod events;
pub mod schema;
pub mod settings;
pub mod store;
pub mod workers;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use onaltu_events::WatchLimits;
use onaltu_proto::transport::transport_service_server::TransportServiceServer;
use onaltu_service::{Start, StartError};
use tonic::server::NamedService as _;

use crate::clients::registry::RegistryClient;
use crate::domain::travel::TravelModel;
use crate::events::dispatch::{DispatchEvents, DispatchWatch};

/// The transport service's own migrations.
pub static MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Every migration set the transport database needs, in order: the shared request ids, then
/// the service's own tables.
pub fn migrations() -> [&'static EmbeddedMigrations; 2] {
    [&onaltu_db::requests::MIGRATIONS, &MIGRATIONS]
}

/// The gRPC service name reported by health checks.
pub const SERVICE_NAME: &str = TransportServiceServer::<api::Transport>::NAME;

/// Serves the transport service on its listener until its shutdown signal resolves.
pub async fn serve(start: Start<settings::Settings>) -> Result<(), StartError> {
    let Start {
        settings,
        pool,
        listener,
        shutdown,
    } = start;
    let registry = RegistryClient::new(&settings.registry, &settings.auth)
        .map_err(|e| StartError::config("registry", e))?;
    let rules = settings
        .booking
        .rules()
        .map_err(|e| StartError::config("booking", e))?;
    let travel = TravelModel {
        road_factor: settings.travel.road_factor,
        speed_kmh: settings.travel.speed_kmh,
    };
    let last_event = {
        let mut conn = onaltu_db::connection(&pool)
            .await
            .map_err(StartError::database)?;
        store::events::last(&mut conn)
            .await
            .map_err(StartError::database)?
    };
    let (closing, closed) = tokio::sync::watch::channel(false);
    let watch = DispatchWatch::new(
        DispatchEvents,
        pool.clone(),
        WatchLimits {
            poll: std::time::Duration::from_millis(300),
            ..WatchLimits::default()
        },
        closed,
    );
    let tail = tokio::spawn(watch.clone().run_tail(last_event));
    workers::retention::spawn(pool.clone(), &settings);
    let transport = api::Transport::new(
        pool.clone(),
        registry,
        rules,
        travel,
        settings.planning.clone(),
        watch,
    );
    let shutdown = async move {
        shutdown.await;
        // Live streams end so the drain can finish; subscribers resume elsewhere.
        let _ = closing.send(true);
    };
    let served = onaltu_service::grpc_server(
        settings.server,
        &settings.auth,
        &pool,
        TransportServiceServer::new(transport),
        // PlanDay searches for up to its time limit (at most 25 s).
        &["PlanDay"],
    )?
    .serve(listener, shutdown)
    .await;
    tail.abort();
    served?;
    Ok(())
}
