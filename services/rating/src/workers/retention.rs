//! What the rating service forgets, and when: idempotency keys after `[retention]
//! requests_days`, delivered outbox events and processed-event records after `events_days`.
//! Ratings, their explanations, their change events and the evaluations they were computed from
//! are the public record of each quarter and are kept; none of them holds personal data.

use onaltu_db::retention::{RetentionSettings, Rule};

/// The rating service's retention rules.
pub fn rules(settings: &RetentionSettings) -> Vec<Rule> {
    let mut rules = vec![onaltu_db::requests::retention(settings)];
    rules.extend(onaltu_events::retention(settings));
    rules
}
