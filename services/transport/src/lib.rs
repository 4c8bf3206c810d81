//! The transport service: invataxi (инватакси) booking and dial-a-ride dispatch, scheduled buses
//! to rehabilitation centres, and the service measures.

pub mod api;
pub mod clients;
pub mod domain;
pub mod schema;
pub mod settings;
pub mod store;

use std::sync::Arc;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use onaltu_auth::{AuthInterceptor, Authenticator};
use onaltu_proto::transport::transport_service_server::TransportServiceServer;
use onaltu_server::GrpcServer;
use tokio::net::TcpListener;
use tonic::service::Routes;

use crate::clients::registry::RegistryClient;
use crate::domain::travel::TravelModel;

/// The transport service's own migrations.
pub static MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Every migration set the transport database needs, in order.
pub fn migrations() -> [&'static EmbeddedMigrations; 1] {
    [&MIGRATIONS]
}

/// The gRPC service name reported by health checks.
pub const SERVICE_NAME: &str = "onaltu.transport.v1.TransportService";

/// Why the transport service could not start serving.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Configuration that only fails when used.
    #[error(transparent)]
    Config(#[from] anyhow::Error),
    /// The server failed.
    #[error(transparent)]
    Server(#[from] onaltu_server::ServerError),
}

/// Serves the transport service on `listener` until `shutdown` resolves.
pub async fn serve(
    settings: settings::Settings,
    pool: onaltu_db::Pool,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let authenticator =
        Arc::new(Authenticator::from_settings(&settings.auth).map_err(anyhow::Error::from)?);
    let registry = RegistryClient::new(&settings.registry).map_err(anyhow::Error::msg)?;
    let rules = settings.booking.rules().map_err(anyhow::Error::msg)?;
    let travel = TravelModel {
        road_factor: settings.travel.road_factor,
        speed_kmh: settings.travel.speed_kmh,
    };
    let transport = api::Transport::new(
        pool.clone(),
        registry,
        rules,
        travel,
        settings.planning.clone(),
    );
    let service = TransportServiceServer::new(transport)
        .max_decoding_message_size(settings.server.max_message_bytes)
        .max_encoding_message_size(settings.server.max_message_bytes);
    let routes = Routes::new(tonic::service::interceptor::InterceptedService::new(
        service,
        AuthInterceptor::new(authenticator),
    ));
    GrpcServer::new(settings.server, routes, &[SERVICE_NAME])
        // PlanDay searches for up to its time limit (at most 25 s).
        .with_long_running(&["/onaltu.transport.v1.TransportService/PlanDay"])
        .with_readiness(onaltu_service::database_readiness(&pool))
        .serve(listener, shutdown)
        .await?;
    Ok(())
}
