//! What the feedback service forgets, and when:
//! - idempotency keys (`requests`) after `[retention] requests_days` (7 by default);
//! - delivered outbox events and processed-event records after `[retention] events_days` (30);
//! - reports a moderator decided on, `[reports] keep_decided_days` (365) after the decision:
//!   who reported what is kept while it can still matter to a moderator, not for ever.
//!
//! Evaluations, replies and complaints are the public record the rating is computed from and
//! the city's answer to each complaint; they are kept.

use chrono::Duration;
use onaltu_db::retention::Rule;

use crate::settings::Settings;

/// Decided reports older than `keep_days` after their decision, in batches.
pub fn decided_reports(keep_days: u32) -> Rule {
    Rule {
        name: "evaluation_reports",
        keep: Duration::days(i64::from(keep_days)),
        sql: "DELETE FROM evaluation_reports WHERE id IN \
              (SELECT id FROM evaluation_reports WHERE decision <> 1 AND decide_time < $1 \
               LIMIT $2 FOR UPDATE SKIP LOCKED)",
    }
}

/// The feedback service's retention rules: the shared ones, then its own.
pub fn rules(settings: &Settings) -> Vec<Rule> {
    let mut rules = vec![onaltu_db::requests::retention(&settings.retention)];
    rules.extend(onaltu_events::retention(&settings.retention));
    rules.push(decided_reports(settings.reports.keep_decided_days));
    rules
}
