//! The registry service: the unified database of persons with disabilities (мүгедектігі бар
//! адамдар) and of rehabilitation centres (оңалту орталықтары), their queues and episodes.

pub mod api;
pub mod domain;
pub mod schema;
pub mod settings;
pub mod store;

use std::sync::Arc;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use onaltu_auth::{AuthInterceptor, Authenticator};
use onaltu_cache::Cache;
use onaltu_proto::registry::registry_service_server::RegistryServiceServer;
use onaltu_server::GrpcServer;
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

/// Why the registry could not start serving.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The region reference table could not be read (are migrations applied?).
    #[error("reading regions (run `onaltu-registry migrate` first): {0}")]
    Regions(String),
    /// Configuration that only fails when used.
    #[error(transparent)]
    Config(#[from] anyhow::Error),
    /// The server failed.
    #[error(transparent)]
    Server(#[from] onaltu_server::ServerError),
}

/// Serves the registry on `listener` until `shutdown` resolves.
pub async fn serve(
    settings: settings::Settings,
    pool: onaltu_db::Pool,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let authenticator =
        Arc::new(Authenticator::from_settings(&settings.auth).map_err(anyhow::Error::from)?);
    let cache = Cache::new(&settings.cache).map_err(anyhow::Error::from)?;
    let regions = {
        let mut conn = pool
            .get()
            .await
            .map_err(|e| StartError::Regions(e.to_string()))?;
        store::regions::codes(&mut conn)
            .await
            .map_err(|e| StartError::Regions(e.to_string()))?
    };
    let audit_settings = onaltu_db::DatabaseSettings {
        max_connections: 2,
        ..settings.database.clone()
    };
    let audit_pool = onaltu_db::build_pool(&audit_settings, "onaltu-registry-audit")
        .map_err(anyhow::Error::from)?;
    let registry = api::Registry::new(pool.clone(), audit_pool, cache, regions);
    let service = RegistryServiceServer::new(registry)
        .max_decoding_message_size(settings.server.max_message_bytes)
        .max_encoding_message_size(settings.server.max_message_bytes);
    let routes = Routes::new(tonic::service::interceptor::InterceptedService::new(
        service,
        AuthInterceptor::new(authenticator),
    ));
    let server = GrpcServer::new(settings.server, routes, &[SERVICE_NAME])
        .with_long_running(&[
            "/onaltu.registry.v1.RegistryService/ImportPersons",
            "/onaltu.registry.v1.RegistryService/ImportCenters",
        ])
        .with_readiness(onaltu_service::database_readiness(&pool))
        .serve(listener, shutdown);
    onaltu_service::serve_with_relay(pool, &settings.cache.url, server).await??;
    Ok(())
}
