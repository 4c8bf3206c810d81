//! The feedback service's `EvaluationPublished` and `EvaluationWithdrawn` events, applied to the
//! rating's own counts in the consumer's transaction (so a redelivered event changes nothing).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use onaltu_api::{Period, to_date};
use onaltu_events::{Event, EventError, EventHandler};
use onaltu_proto::feedback as fpb;
use prost::Message as _;
use uuid::Uuid;

use crate::domain::feedback::{self as fb, EvaluationScores};
use crate::store::feedback as store;

/// The stream the feedback service publishes on.
pub const STREAM: &str = onaltu_proto::streams::FEEDBACK_EVALUATIONS;
/// The consumer group of the rating service.
pub const GROUP: &str = "rating";
const PUBLISHED: &str = onaltu_proto::streams::EVALUATION_PUBLISHED;
const WITHDRAWN: &str = onaltu_proto::streams::EVALUATION_WITHDRAWN;

/// Applies feedback events.
pub struct FeedbackEvents;

fn id(what: &str, s: &str) -> Result<Uuid, EventError> {
    Uuid::parse_str(s).map_err(|_| EventError::Handler(format!("{what} is not a UUID")))
}

/// The first day of the month an evaluation counts in: its submission's month, or for events
/// from before `submitted_on` existed, the first month of its period.
fn month_of(
    submitted: Option<&onaltu_proto::common::Date>,
    period: Option<&onaltu_proto::common::Period>,
) -> Result<NaiveDate, EventError> {
    let day = submitted
        .and_then(to_date)
        .or_else(|| Some(Period::decode("period", period?).ok()?.start()))
        .ok_or_else(|| EventError::Handler("the event has no date".into()))?;
    Ok(day.with_day(1).unwrap_or(day))
}

fn time(t: Option<&prost_types::Timestamp>) -> Option<DateTime<Utc>> {
    t.and_then(|t| DateTime::from_timestamp(t.seconds, t.nanos.max(0) as u32))
}

fn scores(e: &fpb::EvaluationPublished) -> EvaluationScores {
    fb::valid(EvaluationScores {
        scores: e.scores.unwrap_or_default().in_order(),
        would_recommend: e.would_recommend,
    })
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
            PUBLISHED => published(conn, event).await,
            WITHDRAWN => withdrawn(conn, event).await,
            other => {
                tracing::debug!(event_type = other, "event type not used by the rating");
                Ok(())
            }
        }
    }
}

/// Counts a published evaluation, in place of what an earlier publication of it counted.
async fn published(conn: &mut AsyncPgConnection, event: &Event) -> Result<(), EventError> {
    let e = fpb::EvaluationPublished::decode(event.payload.as_slice())
        .map_err(|e| EventError::Handler(format!("EvaluationPublished: {e}")))?;
    let evaluation = id("evaluation_id", &e.evaluation_id)?;
    let center = id("center_id", &e.center_id)?;
    let month = month_of(e.submitted_on.as_ref(), e.period.as_ref())?;
    let at = time(e.publish_time.as_ref()).unwrap_or(event.occurred_at);
    let old = store::get_for_update(conn, evaluation).await?;
    if !fb::is_newer(old.as_ref().and_then(|o| o.as_of), at) {
        return Ok(());
    }
    if let Some(old) = old.as_ref().filter(|o| o.counted) {
        let taken = fb::contribution(&stored_scores(old), -1);
        store::apply(conn, old.center_id, old.month, &taken).await?;
    }
    let new = scores(&e);
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
            as_of: Some(at),
        },
    )
    .await?;
    Ok(())
}

/// Takes a withdrawn evaluation out of the counts.
async fn withdrawn(conn: &mut AsyncPgConnection, event: &Event) -> Result<(), EventError> {
    let e = fpb::EvaluationWithdrawn::decode(event.payload.as_slice())
        .map_err(|e| EventError::Handler(format!("EvaluationWithdrawn: {e}")))?;
    let evaluation = id("evaluation_id", &e.evaluation_id)?;
    let at = time(e.withdraw_time.as_ref()).unwrap_or(event.occurred_at);
    let old = store::get_for_update(conn, evaluation).await?;
    if !fb::is_newer(old.as_ref().and_then(|o| o.as_of), at) {
        return Ok(());
    }
    let row = match old {
        Some(old) => {
            if old.counted {
                let taken = fb::contribution(&stored_scores(&old), -1);
                store::apply(conn, old.center_id, old.month, &taken).await?;
            }
            store::EvaluationRow {
                counted: false,
                as_of: Some(at),
                ..old
            }
        }
        // Withdrawn before its publication arrived: remembered, so the late publication
        // (older) is ignored.
        None => store::EvaluationRow {
            evaluation_id: evaluation,
            center_id: id("center_id", &e.center_id)?,
            month: month_of(None, e.period.as_ref())?,
            scores: Vec::new(),
            would_recommend: None,
            counted: false,
            as_of: Some(at),
        },
    };
    store::put(conn, &row).await?;
    Ok(())
}
