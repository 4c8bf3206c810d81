//! The feedback service's configuration: `[server]`, `[database]`, `[cache]`, `[auth]`,
//! `[telemetry]`, `[retention]`, `[registry]` (the client it checks episodes with, and rebuilds
//! the eligibility copy from), `[complaints]` and `[reports]`.

use onaltu_cache::CacheSettings;
use onaltu_config::{Checker, Validate};
use onaltu_db::DatabaseSettings;
use serde::Deserialize;

use crate::clients::registry::RegistryClientSettings;

/// How complaints are handled (`[complaints]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ComplaintSettings {
    /// Response deadline in working days (15 by the law on public appeals).
    pub deadline_working_days: u32,
    /// A holidays file (`date,kind,name`) replacing the one shipped with the service.
    pub holidays_path: Option<String>,
}

impl Default for ComplaintSettings {
    fn default() -> Self {
        Self {
            deadline_working_days: crate::domain::complaint::DEFAULT_DEADLINE_WORKING_DAYS,
            holidays_path: None,
        }
    }
}

impl Validate for ComplaintSettings {
    fn validate(&self, c: &mut Checker) {
        c.check(
            (1..=90).contains(&self.deadline_working_days),
            "deadline_working_days",
            "must be between 1 and 90",
        );
        if let Some(path) = &self.holidays_path {
            match std::fs::read_to_string(path) {
                Ok(text) => {
                    if let Err(e) = crate::domain::calendar::WorkCalendar::parse(&text) {
                        c.check(false, "holidays_path", e);
                    }
                }
                Err(e) => c.check(false, "holidays_path", format!("{path}: {e}")),
            }
        }
    }
}

/// How reports of evaluations weigh (`[reports]`).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportSettings {
    /// Reports one account may make in 24 hours.
    pub daily_limit: u32,
    /// Distinct citizens whose open reports hide a published evaluation before moderation.
    pub citizens_to_hide: u32,
    /// Days a report is kept after the moderator decided on it.
    pub keep_decided_days: u32,
}

impl Default for ReportSettings {
    fn default() -> Self {
        use crate::domain::report::*;
        Self {
            daily_limit: DEFAULT_DAILY_LIMIT,
            citizens_to_hide: DEFAULT_CITIZENS_TO_HIDE,
            keep_decided_days: DEFAULT_KEEP_DECIDED_DAYS,
        }
    }
}

impl Validate for ReportSettings {
    fn validate(&self, c: &mut Checker) {
        c.check(
            (1..=1000).contains(&self.daily_limit),
            "daily_limit",
            "must be between 1 and 1000",
        );
        c.check(
            (2..=100).contains(&self.citizens_to_hide),
            "citizens_to_hide",
            "must be between 2 and 100: one citizen alone never hides an evaluation",
        );
        c.check(
            (30..=3650).contains(&self.keep_decided_days),
            "keep_decided_days",
            "must be between 30 and 3650",
        );
    }
}

onaltu_service::settings! {
    /// Everything the feedback service reads at start-up.
    pub struct Settings {
        /// Redis for the summary cache and the event streams.
        pub cache: CacheSettings,
        /// The registry, asked whose episode is evaluated (with the caller's token) and, by
        /// `rebuild-eligibility`, for the facts of the eligibility copy (with the service's own
        /// `token` or `token_file`).
        pub registry: RegistryClientSettings,
        /// Complaint deadlines.
        pub complaints: ComplaintSettings,
        /// What reports of evaluations weigh.
        pub reports: ReportSettings,
    }
}

impl Settings {
    /// A local instance (tests, tools): `database`, the Redis at `redis_url`, tokens signed with
    /// `hs256_secret`, asking the registry at `registry_url`, health checked every 100 ms.
    pub fn local(
        database: DatabaseSettings,
        redis_url: &str,
        hs256_secret: onaltu_config::SecretString,
        registry_url: &str,
    ) -> Self {
        let mut settings = Self::local_core(database, hs256_secret);
        settings.cache = CacheSettings::local(redis_url, "feedback");
        settings.registry.url = registry_url.to_string();
        settings
    }
}

/// What `rebuild-eligibility` needs beyond serving: it calls the registry in the service's own
/// name, `service:feedback`, with its own configured token (`[registry] token` or `token_file`,
/// required in production), or in development one it signs with the HS256 secret. Serving needs
/// none: it asks the registry with each caller's own token.
pub fn own_registry_token(s: &Settings, c: &mut Checker) {
    onaltu_client::check_own_token(
        c,
        "registry",
        &s.registry,
        &s.auth,
        crate::clients::registry::SERVICE_SUBJECT,
    );
}
