//! The end-of-quarter computation: each quarter is rated once more after it ends, so late
//! evaluations and the end-of-period state of violations are in its final rating.

use std::time::Duration;

use onaltu_errors::ApiError;
use onaltu_proto::rating as pb;
use tokio::sync::watch;

use crate::api::Rating;
use crate::domain::schedule;
use crate::store::ratings;

/// Who the schedule's versions are computed by.
const BY: &str = "schedule";

/// Rates the last ended quarter unless it was rated after it ended; `None` when nothing was
/// due.
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
    rating.compute(period, BY, None).await.map(Some)
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
