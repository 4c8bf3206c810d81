//! What a publication or a withdrawal changes besides the evaluation: the summary aggregates and
//! the event the rating service consumes, both in the caller's transaction.

use chrono::{Datelike, NaiveDate};
use onaltu_api::{date, now, timestamp};
use onaltu_errors::ApiError;
use onaltu_proto::feedback as pb;
use prost::Message as _;
use uuid::Uuid;

use crate::api::convert;
use crate::domain::summary;
use crate::store::{Conn, evaluations::EvaluationRow, totals};

/// The stream the rating service reads.
pub const STREAM: &str = onaltu_proto::streams::FEEDBACK_EVALUATIONS;
/// Type name of [`pb::EvaluationPublished`].
pub const PUBLISHED: &str = onaltu_proto::streams::EVALUATION_PUBLISHED;
/// Type name of [`pb::EvaluationWithdrawn`].
pub const WITHDRAWN: &str = onaltu_proto::streams::EVALUATION_WITHDRAWN;

fn month_of(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// `row` starts counting: added to the aggregates, announced as `EvaluationPublished`.
pub async fn published(conn: &mut Conn, row: &EvaluationRow) -> Result<(), ApiError> {
    let answers = convert::answers(row);
    totals::apply(
        conn,
        row.center_id,
        month_of(row.submitted_on),
        &summary::contribution(&answers, 1),
    )
    .await?;
    let id = Uuid::now_v7();
    let event = pb::EvaluationPublished {
        event_id: id.to_string(),
        evaluation_id: row.id.to_string(),
        center_id: row.center_id.to_string(),
        period: Some(convert::period(row).encode()),
        scores: Some(convert::scores(&answers.scores)),
        would_recommend: row.would_recommend.map(i32::from),
        days_waited: row.days_waited,
        publish_time: Some(timestamp(row.publish_time.unwrap_or_else(now))),
        submitted_on: Some(date(row.submitted_on)),
    };
    onaltu_events::enqueue_as(conn, id, STREAM, PUBLISHED, event.encode_to_vec()).await?;
    Ok(())
}

/// `row`, published until now, stops counting: taken out of the aggregates, announced as
/// `EvaluationWithdrawn`.
pub async fn withdrawn(conn: &mut Conn, row: &EvaluationRow) -> Result<(), ApiError> {
    let answers = convert::answers(row);
    totals::apply(
        conn,
        row.center_id,
        month_of(row.submitted_on),
        &summary::contribution(&answers, -1),
    )
    .await?;
    let id = Uuid::now_v7();
    let event = pb::EvaluationWithdrawn {
        event_id: id.to_string(),
        evaluation_id: row.id.to_string(),
        center_id: row.center_id.to_string(),
        period: Some(convert::period(row).encode()),
        withdraw_time: Some(timestamp(now())),
    };
    onaltu_events::enqueue_as(conn, id, STREAM, WITHDRAWN, event.encode_to_vec()).await?;
    Ok(())
}
