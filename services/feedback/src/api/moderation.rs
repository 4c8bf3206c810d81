//! ModerateEvaluation, ReplyToEvaluation and ReportEvaluation.

use diesel_async::AsyncConnection as _;
use onaltu_api::{Ctx, check_etag, now, parse_id};
use onaltu_errors::ApiError;
use onaltu_proto::feedback as pb;
use uuid::Uuid;

use super::decode::ReportInput;
use super::roles::{MODERATORS, REPLIERS};
use super::{Feedback, convert};
use crate::domain::evaluation::{self, View, Viewer};
use crate::domain::moderation::{self, Decision, Move};
use crate::domain::report::{self, Reporter};
use crate::events::evaluations as events;
use crate::store::Conn;
use crate::store::evaluations::{self as store, EvaluationRow};
use crate::store::reports::{self as reports, ReportRow};

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
                let open = reports::any_open(conn, id).await?;
                let m = moderation::moderate(id, convert::status(&row), open, &decision)?;
                // The decision is final for the reports made until now.
                let settled = report::settled_by(&decision);
                reports::settle(conn, id, settled, &subject, now()).await?;
                let (action, issue, note) = match &decision {
                    Decision::Publish => (1, None, None),
                    Decision::Reject { issue, note } => {
                        (2, Some(*issue as i16), Some(note.clone()))
                    }
                };
                row.moderation_action = Some(action);
                row.moderation_issue = issue;
                row.moderation_note = note;
                row.moderator_subject = Some(subject.clone());
                row.moderate_time = Some(now());
                apply(conn, &mut row, m).await?;
                Ok::<_, ApiError>((row, m))
            })
            .await?;
        if m.publishes || m.withdraws {
            self.summaries_changed().await;
        }
        Ok(pb::ModerateEvaluationResponse {
            evaluation: Some(self.officials_view(&mut conn, &row).await?),
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
        let reporter = Reporter::of(ctx.caller.authenticated()?)?;
        let viewer = Viewer::of(&ctx.caller);
        let input = ReportInput::try_from(req)?;
        let record = convert::new_report(&reporter, &input, now());
        let mut conn = self.conn().await?;
        let row = conn
            .transaction(async |conn| self.report(conn, viewer, &reporter, &record).await)
            .await?;
        Ok(pb::ReportEvaluationResponse {
            evaluation: self.visible(&mut conn, ctx, &row).await.ok(),
            report: Some(convert::report(&record)),
        })
    }

    /// Records `record` by `reporter` (who sees evaluations as `viewer`) in the caller's
    /// transaction, within the report rules; hides the evaluation when the report tips it. The
    /// evaluation as written.
    async fn report(
        &self,
        conn: &mut Conn,
        viewer: Viewer,
        reporter: &Reporter,
        record: &ReportRow,
    ) -> Result<EvaluationRow, ApiError> {
        let (id, at, limits) = (record.evaluation_id, record.create_time, self.reports);
        let mut row = lock(conn, id).await?;
        let status = convert::status(&row);
        let sees = evaluation::view(viewer, status, row.center_id, &convert::authorship(&row));
        report::reportable(id, status, sees.is_some())?;
        reports::hold_reporter(conn, &reporter.subject).await?;
        report::once(id, reports::exists(conn, id, &reporter.subject).await?)?;
        let (recent, oldest) =
            reports::made_since(conn, &reporter.subject, at - report::LIMIT_WINDOW).await?;
        let recent = u32::try_from(recent).unwrap_or(u32::MAX);
        report::within_daily_limit(recent, oldest, limits.daily_limit, at)?;
        reports::insert(conn, record).await?;
        let citizens = u32::try_from(reports::open_citizens(conn, id).await?).unwrap_or(u32::MAX);
        if report::hides(status, reporter.role, citizens, limits.citizens_to_hide) {
            // Hidden from the public until a moderator decides; still counted.
            row.status = evaluation::Status::HiddenReported as i16;
            row.version += 1;
            store::update(conn, &row).await?;
        }
        Ok(row)
    }
}
