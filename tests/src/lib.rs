//! The suite served in-process for end-to-end tests: every service on its own Postgres schema (as
//! each has its own database in production), one private Redis between them, and clients for
//! any role.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use onaltu_auth::{Claims, Role};
use onaltu_config::SecretString;
use onaltu_proto::registry::registry_service_client::RegistryServiceClient;
use onaltu_testkit::{AuthedChannel, RedisServer, Served, TestDb, authed};

/// The services of the suite, running until dropped.
pub struct Suite {
    /// The registry.
    pub registry: Served,
    /// The registry's database schema.
    pub registry_db: TestDb,
    /// The Redis every service shares for its cache and event streams.
    pub redis: RedisServer,
}

impl Suite {
    /// Starts every service.
    pub async fn start() -> Self {
        let redis = RedisServer::start();
        let registry_db = TestDb::new(&onaltu_registry::migrations()).await;
        let mut settings = onaltu_registry::settings::Settings {
            database: registry_db.settings(),
            ..Default::default()
        };
        settings.server.health_check_interval_ms = 100;
        settings.cache.url = SecretString::from(redis.url());
        settings.cache.prefix = "registry".into();
        settings.auth.hs256_secret = Some(onaltu_testkit::jwt_secret());
        let pool = registry_db.pool();
        let registry = Served::start("registry", move |listener, shutdown| {
            onaltu_registry::serve(settings, pool, listener, shutdown)
        })
        .await;
        Self {
            registry,
            registry_db,
            redis,
        }
    }

    /// A registry client carrying `claims` (or no token).
    pub fn registry(&self, claims: Option<&Claims>) -> RegistryServiceClient<AuthedChannel> {
        RegistryServiceClient::new(authed(&self.registry.channel, claims))
    }
}

/// Claims of `role`, for a test.
pub fn claims(role: Role) -> Claims {
    onaltu_testkit::claims(role)
}

/// Claims of a citizen who is `person`.
pub fn citizen(person: &str) -> Claims {
    let mut c = onaltu_testkit::claims(Role::Citizen);
    c.sub = format!("citizen-{person}");
    c.person_id = Some(person.parse().expect("a person id"));
    c
}

/// A token for `claims`, as a client would send it.
pub fn token(claims: &Claims) -> String {
    onaltu_testkit::token(claims)
}
