//! The registry's configuration: `[server]`, `[database]`, `[cache]`, `[auth]`, `[telemetry]`.

use onaltu_auth::AuthSettings;
use onaltu_cache::CacheSettings;
use onaltu_config::{Checker, Validate};
use onaltu_db::DatabaseSettings;
use onaltu_server::ServerSettings;
use onaltu_telemetry::TelemetrySettings;
use serde::Deserialize;

/// Everything the registry reads at start-up.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// gRPC listener and limits.
    pub server: ServerSettings,
    /// The registry's own Postgres database.
    pub database: DatabaseSettings,
    /// Redis for the read cache and the event streams.
    pub cache: CacheSettings,
    /// Token verification.
    pub auth: AuthSettings,
    /// Logs and traces.
    pub telemetry: TelemetrySettings,
}

impl Settings {
    /// A local instance (tests, tools): `database`, the Redis at `redis_url`, tokens signed with
    /// `hs256_secret`, health checked every 100 ms.
    pub fn local(
        database: DatabaseSettings,
        redis_url: &str,
        hs256_secret: onaltu_config::SecretString,
    ) -> Self {
        let mut settings = Self {
            database,
            ..Self::default()
        };
        settings.server.health_check_interval_ms = 100;
        settings.cache.url = onaltu_config::SecretString::from(redis_url.to_string());
        settings.cache.prefix = "registry".into();
        settings.auth.hs256_secret = Some(hs256_secret);
        settings
    }
}

impl onaltu_service::ServiceSettings for Settings {
    fn database(&self) -> &DatabaseSettings {
        &self.database
    }
    fn telemetry(&self) -> &TelemetrySettings {
        &self.telemetry
    }
    fn listen(&self) -> std::net::SocketAddr {
        self.server.listen
    }
}

impl Validate for Settings {
    fn validate(&self, c: &mut Checker) {
        c.section("server", &self.server);
        c.section("database", &self.database);
        c.section("cache", &self.cache);
        c.section("auth", &self.auth);
        c.section("telemetry", &self.telemetry);
    }
}
