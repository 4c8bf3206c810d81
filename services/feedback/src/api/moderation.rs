//! ModerateEvaluation, ReplyToEvaluation and ReportEvaluation.

use diesel_async::AsyncConnection as _;
use onaltu_api::{check_etag, now, parse_id};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::feedback as pb;
use uuid::Uuid;

use super::roles::{MODERATORS, REPLIERS, REPORTERS};
use super::{Feedback, convert};
use crate::domain::evaluation::View;
use crate::domain::moderation::{self, Decision, Issue, Move};
use crate::events::evaluations as events;
use crate::store::Conn;
use crate::store::evaluations::{self as store, EvaluationRow};
use onaltu_api::Ctx;

fn not_found(id: Uuid) -> ApiError {
    ApiError::NotFound {
        resource: "evaluation",
        id: id.to_string(),
    }
}

async fn lock(conn: &mut Conn, id: Uuid) -> Result<EvaluationRow, ApiError> {
    store::get_for_update(conn, id)
        .await?
        .ok_or_else(|| not_found(id))
}

/// Writes `row` moved by `m`, with what the move means for the rating.
async fn apply(conn: &mut Conn, row: &mut EvaluationRow, m: Move) -> Result<(), ApiError> {
    if m.withdraws {
        events::withdrawn(conn, row).await?;
    }
    row.status = m.to as i16;
    if m.publishes {
        row.publish_time = Some(now());
        events::published(conn, row).await?;
    }
    row.update_time = now();
    row.version += 1;
    store::update(conn, row).await?;
    Ok(())
}

impl Feedback {
    pub(crate) async fn moderate_evaluation(
        &self,
        ctx: &Ctx,
        req: pb::ModerateEvaluationRequest,
    ) -> Result<pb::ModerateEvaluationResponse, ApiError> {
        ctx.caller.require(MODERATORS)?;
        let id = parse_id("id", &req.id)?;
        let decision = moderation::decide(req.action, req.issue, &req.note)?;
        let subject = ctx.subject();
        let mut conn = self.conn().await?;
        let (row, m) = conn
            .transaction(async |conn| {
                let mut row = lock(conn, id).await?;
                check_etag(&req.etag, row.version, "evaluation")?;
                let m = moderation::moderate(id, convert::status(&row), &decision)?;
                let (action, issue, note) = match &decision {
                    Decision::Publish => (1, None, None),
                    Decision::Reject { issue, note } => {
                        (2, Some(*issue as i16), Some(note.clone()))
                    }
                };
                row.moderation_action = Some(action);
                row.moderation_issue = issue;
                row.moderation_note = note;
                row.moderator_subject = Some(subject);
                row.moderate_time = Some(now());
                apply(conn, &mut row, m).await?;
                Ok::<_, ApiError>((row, m))
            })
            .await?;
        if m.publishes || m.withdraws {
            self.summaries_changed().await;
        }
        let complaint = Self::complaint_of(&mut conn, id).await?;
        Ok(pb::ModerateEvaluationResponse {
            evaluation: Some(convert::evaluation(&row, complaint, View::Full)),
        })
    }

    pub(crate) async fn reply_to_evaluation(
        &self,
        ctx: &Ctx,
        req: pb::ReplyToEvaluationRequest,
    ) -> Result<pb::ReplyToEvaluationResponse, ApiError> {
        let claims = ctx.caller.require(REPLIERS)?.clone();
        let id = parse_id("id", &req.id)?;
        let mut conn = self.conn().await?;
        let row = conn
            .transaction(async |conn| {
                let mut row = lock(conn, id).await?;
                if claims.center_id != Some(row.center_id) {
                    return Err(ApiError::PermissionDenied(
                        "only the staff of the evaluated centre may reply".into(),
                    ));
                }
                let text = moderation::reply(
                    id,
                    convert::status(&row),
                    row.reply_text.is_some(),
                    &req.text,
                )?;
                row.reply_text = Some(text);
                row.reply_author = Some(claims.sub.clone());
                row.reply_time = Some(now());
                row.update_time = now();
                row.version += 1;
                store::update(conn, &row).await?;
                Ok::<_, ApiError>(row)
            })
            .await?;
        let complaint = Self::complaint_of(&mut conn, id).await?;
        Ok(pb::ReplyToEvaluationResponse {
            evaluation: Some(convert::evaluation(&row, complaint, View::Staff)),
        })
    }

    pub(crate) async fn report_evaluation(
        &self,
        ctx: &Ctx,
        req: pb::ReportEvaluationRequest,
    ) -> Result<pb::ReportEvaluationResponse, ApiError> {
        ctx.caller.require(REPORTERS)?;
        let id = parse_id("id", &req.id)?;
        let mut v = Violations::new();
        v.check(
            Issue::from_code(req.issue).is_some(),
            "issue",
            "is required (a reason from the list)",
        );
        onaltu_api::check_text(&mut v, "note", &req.note, moderation::MAX_NOTE_CHARS);
        v.into_result()?;
        let mut conn = self.conn().await?;
        let row = conn
            .transaction(async |conn| {
                let mut row = lock(conn, id).await?;
                let m = moderation::report(id, convert::status(&row))?;
                // The report is the latest word until a moderator's: it tells them why.
                row.moderation_issue = Some(req.issue as i16);
                row.moderation_note = Some(req.note.trim().to_string());
                apply(conn, &mut row, m).await?;
                Ok::<_, ApiError>(row)
            })
            .await?;
        self.summaries_changed().await;
        Ok(pb::ReportEvaluationResponse {
            evaluation: Some(
                self.visible(&mut conn, ctx, &row)
                    .await
                    .unwrap_or_else(|_| {
                        // The reporter may not see a hidden evaluation; the answer says it is hidden.
                        let mut public = convert::evaluation(&row, None, View::Public);
                        public.comment = String::new();
                        public
                    }),
            ),
        })
    }
}
