//! Retention: each service forgets what it no longer needs on a schedule. A [`Rule`] deletes (or
//! anonymises) the rows of one table older than its keep period, in batches so no statement
//! holds many locks for long; [`spawn`] runs a service's rules every `[retention] interval_secs`.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use diesel::sql_types::{BigInt, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use onaltu_config::{Checker, Validate};
use serde::Deserialize;

use crate::Pool;

/// Rows a rule's statement touches at most at a time.
pub const BATCH: i64 = 5_000;

/// Retention settings every service shares (`[retention]`); a service's own periods live in its
/// own sections.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionSettings {
    /// How often the rules run.
    pub interval_secs: u64,
    /// Days an idempotency key is kept.
    pub requests_days: u32,
    /// Days a delivered outbox event, and a processed event's record, are kept.
    pub events_days: u32,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        Self {
            interval_secs: 3_600,
            requests_days: 7,
            events_days: 30,
        }
    }
}

impl Validate for RetentionSettings {
    fn validate(&self, c: &mut Checker) {
        c.check(
            (10..=86_400).contains(&self.interval_secs),
            "interval_secs",
            "must be between 10 and 86400",
        );
        c.check(
            (1..=366).contains(&self.requests_days),
            "requests_days",
            "must be between 1 and 366",
        );
        c.check(
            (1..=366).contains(&self.events_days),
            "events_days",
            "must be between 1 and 366",
        );
    }
}

/// What to forget of one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The rule's name in logs and counters, e.g. `audit_events`.
    pub name: &'static str,
    /// How long a row is kept.
    pub keep: Duration,
    /// One statement acting on at most `$2` rows older than `$1` (the cutoff, now - keep), e.g.
    /// `DELETE FROM t WHERE ctid IN (SELECT ctid FROM t WHERE created_at < $1 LIMIT $2 FOR UPDATE
    /// SKIP LOCKED)`. It must not touch a row twice (an anonymising update skips rows already
    /// anonymised), and takes its rows `FOR UPDATE SKIP LOCKED`: every replica runs the rules,
    /// and replicas running one at once share its rows out instead of waiting on, deadlocking
    /// over or touching again each other's.
    pub sql: &'static str,
}

/// Runs every rule at `now` until each has nothing more to do. Returns the rows each touched.
pub async fn run_once(
    conn: &mut AsyncPgConnection,
    rules: &[Rule],
    now: DateTime<Utc>,
) -> diesel::QueryResult<Vec<(&'static str, usize)>> {
    let mut done = Vec::with_capacity(rules.len());
    for rule in rules {
        let cutoff = now - rule.keep;
        let mut total = 0;
        loop {
            let n = diesel::sql_query(rule.sql)
                .bind::<Timestamptz, _>(cutoff)
                .bind::<BigInt, _>(BATCH)
                .execute(conn)
                .await?;
            total += n;
            if (n as i64) < BATCH {
                break;
            }
        }
        done.push((rule.name, total));
    }
    Ok(done)
}

/// Runs `rules` every `settings.interval_secs` (the first time a minute after start) for as long
/// as the runtime lives. A failed run is logged and tried again next time.
pub fn spawn(pool: Pool, settings: &RetentionSettings, rules: Vec<Rule>) {
    let every = StdDuration::from_secs(settings.interval_secs);
    tokio::spawn(async move {
        let start = tokio::time::Instant::now() + every.min(StdDuration::from_secs(60));
        let mut ticks = tokio::time::interval_at(start, every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let outcome = match pool.get().await {
                Ok(mut conn) => run_once(&mut conn, &rules, Utc::now())
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match outcome {
                Ok(done) => {
                    for (rule, rows) in done.into_iter().filter(|(_, rows)| *rows > 0) {
                        tracing::info!(rule, rows, "retention: rows past their keep period");
                    }
                }
                Err(error) => tracing::warn!(%error, "retention run failed; trying next time"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_bounds_are_named() {
        let mut c = Checker::default();
        RetentionSettings::default().validate(&mut c);
        assert!(!format!("{c:?}").contains("key"), "{c:?}");
        let mut c = Checker::default();
        RetentionSettings {
            interval_secs: 1,
            requests_days: 0,
            events_days: 400,
        }
        .validate(&mut c);
        let text = format!("{c:?}");
        for field in ["interval_secs", "requests_days", "events_days"] {
            assert!(text.contains(field), "{field} in {text}");
        }
    }
}
