//! The rating service's configuration: `[server]`, `[database]`, `[cache]`, `[auth]`,
//! `[telemetry]`, `[registry]` (where the registry is, and this service's own token for it),
//! `[methodology]` and `[compute]`.

use onaltu_cache::CacheSettings;
use onaltu_client::ClientSettings;
use onaltu_config::{Checker, Validate};
use onaltu_db::DatabaseSettings;
use serde::Deserialize;

use crate::domain::methodology::Methodology;

/// Which methodology rates (`[methodology]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MethodologySettings {
    /// A TOML file with a methodology (every number of RATING.md); the city's `2026.1` when unset.
    pub path: Option<String>,
}

impl MethodologySettings {
    /// The methodology to rate with.
    pub fn load(&self) -> Result<Methodology, String> {
        let m = match &self.path {
            None => Methodology::standard(),
            Some(path) => config::Config::builder()
                .add_source(config::File::new(path, config::FileFormat::Toml))
                .build()
                .and_then(config::Config::try_deserialize)
                .map_err(|e| format!("{path}: {e}"))?,
        };
        let problems = m.problems();
        if problems.is_empty() {
            Ok(m)
        } else {
            Err(problems.join("; "))
        }
    }
}

impl Validate for MethodologySettings {
    fn validate(&self, c: &mut Checker) {
        if let Err(e) = self.load() {
            c.check(false, "path", e);
        }
    }
}

/// How and when ratings are computed (`[compute]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ComputeSettings {
    /// Registry calls in flight while gathering a period's inputs.
    pub registry_concurrency: usize,
    /// Whether this instance rates each quarter once it has ended.
    pub scheduled: bool,
    /// How often the schedule looks for an ended, unrated quarter.
    pub check_interval_secs: u64,
}

impl Default for ComputeSettings {
    fn default() -> Self {
        Self {
            registry_concurrency: 16,
            scheduled: true,
            check_interval_secs: 3_600,
        }
    }
}

impl Validate for ComputeSettings {
    fn validate(&self, c: &mut Checker) {
        c.check(
            (1..=256).contains(&self.registry_concurrency),
            "registry_concurrency",
            "must be between 1 and 256",
        );
        c.check(
            (1..=86_400).contains(&self.check_interval_secs),
            "check_interval_secs",
            "must be between 1 and 86400",
        );
    }
}

onaltu_service::settings! {
    /// Everything the rating service reads at start-up.
    pub struct Settings {
        /// Redis for the public-read cache and the feedback event stream.
        pub cache: CacheSettings,
        /// The registry: centres and their registry-derived indicators.
        pub registry: ClientSettings,
        /// The methodology.
        pub methodology: MethodologySettings,
        /// Computation and its schedule.
        pub compute: ComputeSettings,
    }
    validate_with = registry_token_rule;
}

impl Settings {
    /// A local instance (tests, tools): `database`, the Redis at `redis_url`, tokens signed with
    /// `hs256_secret`, the registry at `registry_url`, no schedule, health checked every 100 ms.
    pub fn local(
        database: DatabaseSettings,
        redis_url: &str,
        hs256_secret: onaltu_config::SecretString,
        registry_url: &str,
    ) -> Self {
        let mut settings = Self::local_core(database, hs256_secret);
        settings.cache = CacheSettings::local(redis_url, "rating");
        settings.registry.url = registry_url.to_string();
        settings.registry.backoff_ms = 20;
        settings.compute.scheduled = false;
        settings
    }
}

/// The rating service calls the registry in its own name, `service:rating`: with its own
/// configured token (required in production), or in development one it signs with the HS256
/// secret.
fn registry_token_rule(s: &Settings, c: &mut Checker) {
    onaltu_client::check_own_token(
        c,
        "registry",
        &s.registry,
        &s.auth,
        crate::clients::registry::SERVICE_SUBJECT,
    );
}
