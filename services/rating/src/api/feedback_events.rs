//! The feedback service's `EvaluationPublished` and `EvaluationWithdrawn` events, applied to the
//! rating's own counts in the consumer's transaction (so a redelivered event changes nothing).

use chrono::{Datelike, NaiveDate};
use diesel_async::AsyncPgConnection;
use onaltu_api::to_date;
use onaltu_events::{Event, EventError, EventHandler};
use onaltu_proto::feedback as fpb;
use prost::Message as _;
use uuid::Uuid;

use crate::domain::feedback::{self as fb, EvaluationScores};
use crate::store::feedback as store;

/// The stream the feedback service publishes on.
pub const STREAM: &str = "feedback.evaluations";
/// The consumer group of the rating service.
pub const GROUP: &str = "rating";
const PUBLISHED: &str = "onaltu.feedback.v1.EvaluationPublished";
const WITHDRAWN: &str = "onaltu.feedback.v1.EvaluationWithdrawn";

/// Applies feedback events.
pub struct FeedbackEvents;

fn id(what: &str, s: &str) -> Result<Uuid, EventError> {
    Uuid::parse_str(s).map_err(|_| EventError::Handler(format!("{what} is not a UUID")))
}

fn month_of(e: &fpb::EvaluationPublished) -> Result<NaiveDate, EventError> {
    let day = e
        .submitted_on
        .as_ref()
        .and_then(to_date)
        .or_else(|| {
            // Events from before `submitted_on` existed: the first month of their quarter.
            let p = e.period.as_ref()?;
            NaiveDate::from_ymd_opt(p.year, (p.number.max(1) as u32 - 1) * 3 + 1, 1)
        })
        .ok_or_else(|| EventError::Handler("EvaluationPublished has no date".into()))?;
    Ok(day.with_day(1).unwrap_or(day))
}

fn scores(e: &fpb::EvaluationPublished) -> EvaluationScores {
    let s = e.scores.unwrap_or_default();
    EvaluationScores {
        scores: [
            s.results,
            s.activities,
            s.accessibility,
            s.information,
            s.comfort,
            s.waiting,
            s.staff_courtesy,
        ],
        would_recommend: e.would_recommend,
    }
}

fn stored_scores(row: &store::EvaluationRow) -> EvaluationScores {
    let mut scores = [None; 7];
    for (slot, s) in scores.iter_mut().zip(&row.scores) {
        *slot = s.map(i32::from);
    }
    EvaluationScores {
        scores,
        would_recommend: row.would_recommend.map(i32::from),
    }
}

#[async_trait::async_trait]
impl EventHandler for FeedbackEvents {
    async fn handle(&self, conn: &mut AsyncPgConnection, event: &Event) -> Result<(), EventError> {
        match event.event_type.as_str() {
            PUBLISHED => {
                let e = fpb::EvaluationPublished::decode(event.payload.as_slice())
                    .map_err(|e| EventError::Handler(format!("EvaluationPublished: {e}")))?;
                let evaluation = id("evaluation_id", &e.evaluation_id)?;
                let center = id("center_id", &e.center_id)?;
                let month = month_of(&e)?;
                let new = scores(&e);
                if let Some(old) = store::get_for_update(conn, evaluation).await?
                    && old.counted
                {
                    store::apply(
                        conn,
                        old.center_id,
                        old.month,
                        &fb::contribution(&stored_scores(&old), -1),
                    )
                    .await?;
                }
                store::apply(conn, center, month, &fb::contribution(&new, 1)).await?;
                store::put(
                    conn,
                    &store::EvaluationRow {
                        evaluation_id: evaluation,
                        center_id: center,
                        month,
                        scores: new.scores.iter().map(|s| s.map(|v| v as i16)).collect(),
                        would_recommend: new.would_recommend.map(|v| v as i16),
                        counted: true,
                    },
                )
                .await?;
            }
            WITHDRAWN => {
                let e = fpb::EvaluationWithdrawn::decode(event.payload.as_slice())
                    .map_err(|e| EventError::Handler(format!("EvaluationWithdrawn: {e}")))?;
                let evaluation = id("evaluation_id", &e.evaluation_id)?;
                if let Some(old) = store::get_for_update(conn, evaluation).await?
                    && old.counted
                {
                    store::apply(
                        conn,
                        old.center_id,
                        old.month,
                        &fb::contribution(&stored_scores(&old), -1),
                    )
                    .await?;
                    store::put(
                        conn,
                        &store::EvaluationRow {
                            counted: false,
                            ..old
                        },
                    )
                    .await?;
                }
            }
            other => tracing::debug!(event_type = other, "event type not used by the rating"),
        }
        Ok(())
    }
}
