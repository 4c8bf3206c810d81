//! The end-of-quarter computation: each quarter is rated once more after it ends, so late
//! evaluations and the end-of-period state of violations are in its final rating.
//!
//! Every replica runs this schedule. Whether the final rating is due is looked at first without
//! any lock (the common case, nothing due, costs one read), then decided again under the
//! computation lock ([`Rating::compute_final`]): replicas that all found it due queue on the
//! lock, the first computes, and the others find it done and compute nothing.

use std::time::Duration;

use onaltu_errors::ApiError;
use onaltu_proto::rating as pb;
use tokio::sync::watch;

use crate::api::Rating;
use crate::domain::schedule;
use crate::store::ratings;

/// Who the schedule's versions are computed by.
pub const BY: &str = "schedule";

/// Rates the last ended quarter unless it was rated after it ended; `None` when nothing was
/// due (or another replica rated it first).
pub async fn rate_ended_quarter(
    rating: &Rating,
) -> Result<Option<pb::ComputeRatingsResponse>, ApiError> {
    let period = schedule::ended_quarter(onaltu_api::today());
    let last = {
        let mut conn = rating.conn().await?;
        ratings::latest_run(&mut conn, &period.label()).await?
    };
    let last_computed = last.map(|r| onaltu_api::local_date(r.compute_time));
    if !schedule::needs_final_rating(period, last_computed) {
        return Ok(None);
    }
    rating.compute_final(period, BY).await
}

/// Rates each quarter once it has ended, checking every `every` until `closing`.
pub async fn run(rating: Rating, every: Duration, mut closing: watch::Receiver<bool>) {
    while !*closing.borrow() {
        if let Err(e) = rate_ended_quarter(&rating).await {
            tracing::warn!(error = %e, "scheduled rating failed; will retry");
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = closing.changed() => {}
        }
    }
}
