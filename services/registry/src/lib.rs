//! The registry service: the unified database of persons with disabilities (мүгедектігі бар
//! адамдар) and of rehabilitation centres (оңалту орталықтары), their queues and episodes.

pub mod settings;

use std::sync::Arc;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use onaltu_server::{GrpcServer, ReadinessCheck};
use tokio::net::TcpListener;
use tonic::service::Routes;

/// The registry's own migrations (run after the shared event tables).
pub static MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Every migration set the registry database needs, in order.
pub fn migrations() -> [&'static EmbeddedMigrations; 2] {
    [&onaltu_events::MIGRATIONS, &MIGRATIONS]
}

/// The gRPC service name reported by health checks.
pub const SERVICE_NAME: &str = "onaltu.registry.v1.RegistryService";

/// Serves the registry on `listener` until `shutdown` resolves.
pub async fn serve(
    settings: settings::Settings,
    pool: onaltu_db::Pool,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), onaltu_server::ServerError> {
    let readiness: ReadinessCheck = {
        let pool = pool.clone();
        Arc::new(move || {
            let pool = pool.clone();
            Box::pin(async move { onaltu_db::ping(&pool).await })
        })
    };
    GrpcServer::new(settings.server, Routes::default(), &[SERVICE_NAME])
        .with_readiness(readiness)
        .serve(listener, shutdown)
        .await
}
