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

impl Validate for Settings {
    fn validate(&self, c: &mut Checker) {
        c.section("server", &self.server);
        c.section("database", &self.database);
        c.section("cache", &self.cache);
        c.section("auth", &self.auth);
        c.section("telemetry", &self.telemetry);
    }
}
