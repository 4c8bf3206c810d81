//! The registry's configuration: `[server]`, `[database]`, `[cache]`, `[auth]`, `[telemetry]`.

use onaltu_cache::CacheSettings;
use onaltu_db::DatabaseSettings;

onaltu_service::settings! {
    /// Everything the registry reads at start-up.
    pub struct Settings {
        /// Redis for the read cache and the event streams.
        pub cache: CacheSettings,
    }
}

impl Settings {
    /// A local instance (tests, tools): `database`, the Redis at `redis_url`, tokens signed with
    /// `hs256_secret`, health checked every 100 ms.
    pub fn local(
        database: DatabaseSettings,
        redis_url: &str,
        hs256_secret: onaltu_config::SecretString,
    ) -> Self {
        let mut settings = Self::local_core(database, hs256_secret);
        settings.cache = CacheSettings::local(redis_url, "registry");
        settings
    }
}
