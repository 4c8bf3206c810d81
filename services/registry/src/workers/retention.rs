//! What the registry forgets, and when:
//! - idempotency keys (`requests`) after `[retention] requests_days` (7 by default);
//! - delivered outbox events and processed-event records after `[retention] events_days` (30);
//! - audit events (who read or changed whose record) after `[audit] keep_days` (five years).
//!
//! Persons, their assessments, households and education, centres, and episodes with their
//! journal are the registry itself and are kept; a person's record is changed or closed by the
//! city office, not by age.

use chrono::Duration;
use onaltu_db::retention::Rule;

use crate::settings::Settings;

/// The audit trail's rule: events older than `keep_days`, oldest first, in batches.
pub fn audit_events(keep_days: u32) -> Rule {
    Rule {
        name: "audit_events",
        keep: Duration::days(i64::from(keep_days)),
        sql: "DELETE FROM audit_events WHERE id IN \
              (SELECT id FROM audit_events WHERE event_time < $1 ORDER BY event_time LIMIT $2 \
               FOR UPDATE SKIP LOCKED)",
    }
}

/// The registry's retention rules: the shared ones, then its own.
pub fn rules(settings: &Settings) -> Vec<Rule> {
    let mut rules = vec![onaltu_db::requests::retention(&settings.retention)];
    rules.extend(onaltu_events::retention(&settings.retention));
    rules.push(audit_events(settings.audit.keep_days));
    rules
}
