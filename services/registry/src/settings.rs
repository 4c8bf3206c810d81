//! The registry's configuration: `[server]`, `[database]`, `[cache]`, `[auth]`, `[telemetry]`,
//! `[retention]`, and its own `[access]`, `[import]` and `[audit]`.

use onaltu_cache::CacheSettings;
use onaltu_config::{Checker, Validate};
use onaltu_db::DatabaseSettings;
use serde::Deserialize;

/// Who reaches what beyond their role (`[access]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccessSettings {
    /// Days a centre's staff keep seeing a person after the person's stay there ended
    /// (discharge, transfer, expulsion, or termination after admission).
    pub staff_days_after_discharge: u32,
    /// Token subjects (role INTEGRATION) of the services that check a person's transport
    /// eligibility in their own name, stating the trip and the dispatcher as the purpose.
    pub eligibility_checkers: Vec<String>,
    /// Token subjects (role INTEGRATION) of the systems that send referrals, e.g. the district
    /// offices' system of individual rehabilitation programmes (ЖОБ / ИПР). None by default:
    /// referrals then come from the city office.
    pub referral_sources: Vec<String>,
    /// Token subjects (role INTEGRATION) of the services that read, in their own name, every
    /// fact who may evaluate which episode is decided from (StreamEligibilityFacts): the
    /// feedback service, which keeps its own copy of them.
    pub eligibility_fact_readers: Vec<String>,
}

impl Default for AccessSettings {
    fn default() -> Self {
        Self {
            staff_days_after_discharge: 90,
            eligibility_checkers: vec!["service:transport".into()],
            referral_sources: Vec::new(),
            eligibility_fact_readers: vec!["service:feedback".into()],
        }
    }
}

/// Refuses empty or overlong subjects in a list named `field`.
fn check_subjects(c: &mut Checker, field: &str, subjects: &[String]) {
    for (i, s) in subjects.iter().enumerate() {
        c.check(
            !s.trim().is_empty() && s.len() <= 200,
            &format!("{field}[{i}]"),
            "must be a token subject of 1-200 characters",
        );
    }
}

impl Validate for AccessSettings {
    fn validate(&self, c: &mut Checker) {
        c.check(
            (1..=730).contains(&self.staff_days_after_discharge),
            "staff_days_after_discharge",
            "must be between 1 and 730",
        );
        check_subjects(c, "eligibility_checkers", &self.eligibility_checkers);
        check_subjects(c, "referral_sources", &self.referral_sources);
        check_subjects(
            c,
            "eligibility_fact_readers",
            &self.eligibility_fact_readers,
        );
    }
}

/// Bounds of the streaming imports, ImportPersons and ImportCenters (`[import]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImportSettings {
    /// Rows one import call takes; the first row past it and the rows after it are not read.
    pub max_rows: u64,
    /// Rejected rows an answer lists (the first ones); every rejected row is still counted.
    pub max_listed_rejections: u32,
}

impl Default for ImportSettings {
    fn default() -> Self {
        Self {
            max_rows: 200_000,
            max_listed_rejections: 1_000,
        }
    }
}

impl Validate for ImportSettings {
    fn validate(&self, c: &mut Checker) {
        c.check(
            (1..=10_000_000).contains(&self.max_rows),
            "max_rows",
            "must be between 1 and 10000000",
        );
        c.check(
            (1..=100_000).contains(&self.max_listed_rejections),
            "max_listed_rejections",
            "must be between 1 and 100000",
        );
    }
}

/// The audit trail of reads and writes of persons' records (`[audit]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditSettings {
    /// Days an audit event is kept (five years by default).
    pub keep_days: u32,
}

impl Default for AuditSettings {
    fn default() -> Self {
        Self { keep_days: 1_827 }
    }
}

impl Validate for AuditSettings {
    fn validate(&self, c: &mut Checker) {
        c.check(
            (365..=36_500).contains(&self.keep_days),
            "keep_days",
            "must be between 365 and 36500",
        );
    }
}

onaltu_service::settings! {
    /// Everything the registry reads at start-up.
    pub struct Settings {
        /// Redis for the read cache and the event streams.
        pub cache: CacheSettings,
        /// Who reaches what beyond their role.
        pub access: AccessSettings,
        /// Bounds of the streaming imports.
        pub import: ImportSettings,
        /// How long the audit trail is kept.
        pub audit: AuditSettings,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(v: &impl Validate) -> String {
        let mut c = Checker::default();
        v.validate(&mut c);
        format!("{c:?}")
    }

    #[test]
    fn defaults_validate_and_bad_values_are_named() {
        for text in [
            problems(&AccessSettings::default()),
            problems(&ImportSettings::default()),
            problems(&AuditSettings::default()),
        ] {
            assert!(!text.contains("must"), "{text}");
        }
        let access = problems(&AccessSettings {
            staff_days_after_discharge: 0,
            eligibility_checkers: vec![" ".into()],
            referral_sources: vec!["x".repeat(201)],
            eligibility_fact_readers: vec!["service:feedback".into(), String::new()],
        });
        for field in [
            "staff_days_after_discharge",
            "eligibility_checkers[0]",
            "referral_sources[0]",
            "eligibility_fact_readers[1]",
        ] {
            assert!(access.contains(field), "{field} in {access}");
        }
        let import = problems(&ImportSettings {
            max_rows: 0,
            max_listed_rejections: 0,
        });
        assert!(import.contains("max_rows") && import.contains("max_listed_rejections"));
        assert!(problems(&AuditSettings { keep_days: 30 }).contains("keep_days"));
    }
}
