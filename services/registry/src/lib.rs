//! The registry service: the unified database of persons with disabilities (мүгедектігі бар
//! адамдар) and of rehabilitation centres (оңалту орталықтары), their queues and episodes.

pub mod api;
pub mod domain;
pub mod events;
pub mod schema;
pub mod settings;
pub mod store;
pub mod workers;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use onaltu_cache::Cache;
use onaltu_proto::registry::registry_service_server::RegistryServiceServer;
use onaltu_service::{Start, StartError};
use tonic::server::NamedService as _;

/// The registry's own migrations (run after the shared event and request tables).
pub static MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Every migration set the registry database needs, in order.
pub fn migrations() -> [&'static EmbeddedMigrations; 3] {
    [
        &onaltu_events::MIGRATIONS,
        &onaltu_db::requests::MIGRATIONS,
        &MIGRATIONS,
    ]
}

/// The gRPC service name reported by health checks.
pub const SERVICE_NAME: &str = RegistryServiceServer::<api::Registry>::NAME;

/// Serves the registry on its listener until its shutdown signal resolves.
pub async fn serve(start: Start<settings::Settings>) -> Result<(), StartError> {
    let Start {
        settings,
        pool,
        listener,
        shutdown,
    } = start;
    let cache = Cache::new(&settings.cache).map_err(|e| StartError::config("cache", e))?;
    let unread = |e: String| {
        StartError::database(format!(
            "reading regions (run `onaltu-registry migrate` first): {e}"
        ))
    };
    let regions = {
        let mut conn = pool.get().await.map_err(|e| unread(e.to_string()))?;
        store::regions::codes(&mut conn)
            .await
            .map_err(|e| unread(e.to_string()))?
    };
    let audit_settings = onaltu_db::DatabaseSettings {
        max_connections: 2,
        ..settings.database.clone()
    };
    let audit_pool = onaltu_db::build_pool(&audit_settings, "onaltu-registry-audit")
        .map_err(|e| StartError::config("database", e))?;
    let registry = api::Registry::new(pool.clone(), audit_pool, cache, regions, &settings);
    onaltu_db::retention::spawn(
        pool.clone(),
        &settings.retention,
        workers::retention::rules(&settings),
    );
    let server = onaltu_service::grpc_server(
        settings.server,
        &settings.auth,
        &pool,
        RegistryServiceServer::new(registry),
        &["ImportPersons", "ImportCenters"],
    )?
    .serve(listener, shutdown);
    onaltu_service::serve_with_relay(pool, &settings.cache, server).await??;
    Ok(())
}
