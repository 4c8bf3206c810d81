//! SubmitEvaluation, UpdateEvaluation, GetEvaluation and ListEvaluations.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection as _;
use onaltu_api::{Ctx, Period, check_etag, encode_token, local_date, now, parse_id};
use onaltu_db::requests::{self, Request};
use onaltu_errors::ApiError;
use onaltu_proto::feedback as pb;
use onaltu_telemetry::metrics::Stage;
use prost::Message as _;
use uuid::Uuid;

use super::decode::{ListEvaluationsInput, SubmitInput, UpdateInput};
use super::roles::EVALUATORS;
use super::{Feedback, convert};
use crate::domain::eligibility::{self, Decision};
use crate::domain::evaluation::{self, EpisodeFacts, Field, Status, View, Viewer};
use crate::domain::{answers, complaint, precheck, report};
use crate::events::evaluations as events;
use crate::store::Conn;
use crate::store::complaints::{self as complaint_store, ComplaintRow};
use crate::store::eligibility as eligibility_store;
use crate::store::evaluations::{self as store, EvaluationRow, Filter};
use crate::store::reports;

/// The method name SubmitEvaluation's request ids are kept under.
const SUBMIT: &str = "SubmitEvaluation";

// SubmitEvaluation's stages (`onaltu.rpc.stage.duration`): where its time goes. The waits for a
// database connection between them are the pool's own measure (`db.client.connection.wait_time`).
/// The caller's claims checked and the request decoded into typed input.
const AUTHORISE_DECODE: Stage = Stage::new(SUBMIT, "authorise_decode");
/// The request id looked up, and the evaluation an identical earlier call made read back.
const REPLAY_LOOKUP: Stage = Stage::new(SUBMIT, "replay_lookup");
/// The transaction deciding from the eligibility copy and writing the evaluation, the complaint
/// it opens and its request id.
const DECIDE_WRITE: Stage = Stage::new(SUBMIT, "decide_write");
/// The registry asked about an episode the copy does not know, and the evaluation written with
/// its answer (the wait for that transaction's connection included).
const REGISTRY_FALLBACK: Stage = Stage::new(SUBMIT, "registry_fallback");
/// The evaluation written made into the answer.
const ENCODE: Stage = Stage::new(SUBMIT, "encode");

fn not_found(id: Uuid) -> ApiError {
    ApiError::NotFound {
        resource: "evaluation",
        id: id.to_string(),
    }
}

impl Feedback {
    /// The complaint opened with `evaluation`, if any.
    pub(crate) async fn complaint_of(
        conn: &mut Conn,
        evaluation: Uuid,
    ) -> Result<Option<Uuid>, ApiError> {
        Ok(complaint_store::ids_of(conn, &[evaluation])
            .await?
            .into_iter()
            .next()
            .map(|(_, c)| c))
    }

    /// The evaluation as `ctx` may see it, or the refusal.
    pub(crate) async fn visible(
        &self,
        conn: &mut Conn,
        ctx: &Ctx,
        row: &EvaluationRow,
    ) -> Result<pb::Evaluation, ApiError> {
        let view = evaluation::view(
            Viewer::of(&ctx.caller),
            convert::status(row),
            row.center_id,
            &convert::authorship(row),
        );
        let Some(view) = view else {
            // The public learns nothing of unpublished evaluations.
            ctx.caller.authenticated().map_err(|_| not_found(row.id))?;
            return Err(ApiError::PermissionDenied(
                "this evaluation is not published and is not yours to see".into(),
            ));
        };
        let complaint = if view == View::Public {
            None
        } else {
            Self::complaint_of(conn, row.id).await?
        };
        let mut evaluation = convert::evaluation(row, complaint, view);
        if report::sees_reports(Viewer::of(&ctx.caller)) {
            evaluation.reports = reports::of(conn, &[row.id])
                .await?
                .iter()
                .map(convert::report)
                .collect();
        }
        Ok(evaluation)
    }

    /// The evaluation as officials see it: whole, with its complaint and every report.
    pub(crate) async fn officials_view(
        &self,
        conn: &mut Conn,
        row: &EvaluationRow,
    ) -> Result<pb::Evaluation, ApiError> {
        let complaint = Self::complaint_of(conn, row.id).await?;
        let mut evaluation = convert::evaluation(row, complaint, View::Full);
        evaluation.reports = reports::of(conn, &[row.id])
            .await?
            .iter()
            .map(convert::report)
            .collect();
        Ok(evaluation)
    }

    pub(crate) async fn submit_evaluation(
        &self,
        ctx: &Ctx,
        req: pb::SubmitEvaluationRequest,
    ) -> Result<pb::SubmitEvaluationResponse, ApiError> {
        let decoding = AUTHORISE_DECODE.start();
        let claims = ctx.caller.require(EVALUATORS)?;
        let caller = claims.person_id.ok_or_else(|| {
            ApiError::PermissionDenied("the token names no person (claim person_id)".into())
        })?;
        let body = req.encode_to_vec();
        let input = SubmitInput::try_from(req)?;
        let key = input
            .request_id
            .map(|id| Request::with_fingerprint(&claims.sub, SUBMIT, id, &body));
        drop(decoding);
        let evaluation = match self.earlier(ctx, key.as_ref()).await? {
            Some(first) => first,
            None => self.submit(ctx, caller, input, key.as_ref()).await?,
        };
        Ok(pb::SubmitEvaluationResponse {
            evaluation: Some(evaluation),
        })
    }

    /// The evaluation this caller's earlier identical SubmitEvaluation created, as `ctx` sees
    /// it now; FAILED_PRECONDITION when the request id came with another request.
    async fn earlier(
        &self,
        ctx: &Ctx,
        key: Option<&Request>,
    ) -> Result<Option<pb::Evaluation>, ApiError> {
        let Some(key) = key else {
            return Ok(None);
        };
        let mut conn = self.conn().await?;
        REPLAY_LOOKUP
            .time(async {
                match requests::answered_id(&mut conn, key).await? {
                    Some(id) => Ok(Some(self.answered(&mut conn, ctx, id).await?)),
                    None => Ok(None),
                }
            })
            .await
    }

    /// Evaluation `id`, written by an earlier identical call, as `ctx` sees it now.
    async fn answered(
        &self,
        conn: &mut Conn,
        ctx: &Ctx,
        id: Uuid,
    ) -> Result<pb::Evaluation, ApiError> {
        let first = store::get(conn, id).await?.ok_or_else(|| not_found(id))?;
        self.visible(conn, ctx, &first).await
    }

    /// Writes citizen `caller`'s new evaluation, and the complaint it opens. Who may evaluate the
    /// episode is decided from the eligibility copy in the transaction that writes; what the copy
    /// cannot allow, the registry decides as the caller, and the episode it let the caller read is
    /// kept in the copy.
    async fn submit(
        &self,
        ctx: &Ctx,
        caller: Uuid,
        input: SubmitInput,
        key: Option<&Request>,
    ) -> Result<pb::Evaluation, ApiError> {
        let at = now();
        let mut conn = self.conn().await?;
        let deciding =
            conn.transaction(async |conn| self.submit_locally(conn, caller, &input, key, at).await);
        let local = DECIDE_WRITE
            .time(deciding)
            .await
            .map_err(|e| refused_twice(e, input.episode))?;
        let (row, complaint, written) = match local {
            Some(done) => done,
            None => {
                // No connection is held while the registry answers.
                drop(conn);
                let done = REGISTRY_FALLBACK
                    .time(self.submit_via_registry(ctx, caller, &input, key, at))
                    .await?;
                conn = self.conn().await?;
                done
            }
        };
        match written {
            None => {
                Ok(ENCODE.run(|| convert::evaluation(&row, complaint.map(|c| c.id), View::Full)))
            }
            Some(first) => {
                REPLAY_LOOKUP
                    .time(self.answered(&mut conn, ctx, first))
                    .await
            }
        }
    }

    /// Inside the writing transaction: the evaluation written when the eligibility copy allows
    /// it (with the first answer's id when `key` was answered before), `None` when only the
    /// registry can decide.
    async fn submit_locally(
        &self,
        conn: &mut Conn,
        caller: Uuid,
        input: &SubmitInput,
        key: Option<&Request>,
        at: DateTime<Utc>,
    ) -> Result<Option<Submitted>, ApiError> {
        let known = eligibility_store::episode(conn, input.episode).await?;
        let reps = match &known {
            Some(e) if e.person_id != caller => {
                eligibility_store::representatives(conn, e.person_id).await?
            }
            _ => None,
        };
        match eligibility::decide(caller, known.as_ref(), reps.as_deref()) {
            Decision::Allowed(facts) => {
                let (row, complaint) = self.prepare(caller, input, &facts, at)?;
                let written = write(conn, key, &row, complaint.as_ref()).await?;
                Ok(Some((row, complaint, written)))
            }
            Decision::AskRegistry => Ok(None),
        }
    }

    /// The registry decides as the caller; the episode it let the caller read is kept in the
    /// eligibility copy in the transaction that writes the evaluation.
    async fn submit_via_registry(
        &self,
        ctx: &Ctx,
        caller: Uuid,
        input: &SubmitInput,
        key: Option<&Request>,
        at: DateTime<Utc>,
    ) -> Result<Submitted, ApiError> {
        let read = self.registry.episode(ctx.bearer()?, input.episode).await?;
        let (row, complaint) = self.prepare(caller, input, &read.facts(), at)?;
        let mut conn = self.conn().await?;
        let written = conn
            .transaction(async |conn| {
                eligibility_store::apply_episode(conn, read.clone()).await?;
                write(conn, key, &row, complaint.as_ref()).await
            })
            .await
            .map_err(|e| refused_twice(e, input.episode))?;
        Ok((row, complaint, written))
    }

    /// The evaluation and the complaint `input` makes of an episode with `facts`, or the refusal
    /// when the service was not received.
    fn prepare(
        &self,
        caller: Uuid,
        input: &SubmitInput,
        facts: &EpisodeFacts,
        at: DateTime<Utc>,
    ) -> Result<(EvaluationRow, Option<ComplaintRow>), ApiError> {
        let submission = evaluation::submit(caller, facts, &input.answers, local_date(at))?;
        let row = convert::new_evaluation(input, &submission, at);
        let complaint = complaint::open(
            &input.complaint_text,
            &input.answers,
            &self.calendar,
            submission.submitted_on,
            self.deadline_working_days,
        )
        .map(|c| convert::new_complaint(&row, c, at));
        Ok((row, complaint))
    }

    pub(crate) async fn update_evaluation(
        &self,
        ctx: &Ctx,
        req: pb::UpdateEvaluationRequest,
    ) -> Result<pb::UpdateEvaluationResponse, ApiError> {
        let caller = ctx.caller.require(EVALUATORS)?.person_id;
        let input = UpdateInput::try_from(req)?;
        let at = now();
        let mut conn = self.conn().await?;
        let (row, was_published) = conn
            .transaction(async |conn| edit(conn, caller, &input, at).await)
            .await?;
        if was_published {
            self.summaries_changed().await;
        }
        let complaint = Self::complaint_of(&mut conn, row.id).await?;
        Ok(pb::UpdateEvaluationResponse {
            evaluation: Some(convert::evaluation(&row, complaint, View::Full)),
        })
    }

    pub(crate) async fn get_evaluation(
        &self,
        ctx: &Ctx,
        req: pb::GetEvaluationRequest,
    ) -> Result<pb::GetEvaluationResponse, ApiError> {
        let id = parse_id("id", &req.id)?;
        let mut conn = self.conn().await?;
        let row = store::get(&mut conn, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        Ok(pb::GetEvaluationResponse {
            evaluation: Some(self.visible(&mut conn, ctx, &row).await?),
        })
    }

    pub(crate) async fn list_evaluations(
        &self,
        ctx: &Ctx,
        req: pb::ListEvaluationsRequest,
    ) -> Result<pb::ListEvaluationsResponse, ApiError> {
        let input = ListEvaluationsInput::try_from(req)?;
        let viewer = Viewer::of(&ctx.caller);
        let listing = evaluation::listing(viewer, input.center, input.mine)?;
        if input.with_open_reports {
            report::may_list_queue(viewer)?;
        }
        let statuses = if listing.every_status {
            input.statuses.iter().map(|s| *s as i16).collect()
        } else {
            vec![Status::Published as i16]
        };
        let filter = Filter {
            center: input.center,
            statuses,
            from: input.period.map(Period::start),
            until: input.period.map(Period::end_exclusive),
            person: listing.person,
            with_open_reports: input.with_open_reports,
        };
        let mut conn = self.conn().await?;
        let rows = store::list(&mut conn, &filter, input.after, input.limit).await?;
        let evaluations = listed(&mut conn, viewer, &rows).await?;
        let next_page_token = match rows.last() {
            Some(last) if rows.len() as i64 == input.limit => encode_token(&last.id.to_string()),
            _ => String::new(),
        };
        Ok(pb::ListEvaluationsResponse {
            evaluations,
            next_page_token,
        })
    }
}

/// The author's edit of an evaluation in the caller's transaction: the row written, and whether
/// it was published until now.
async fn edit(
    conn: &mut Conn,
    caller: Option<Uuid>,
    input: &UpdateInput,
    at: DateTime<Utc>,
) -> Result<(EvaluationRow, bool), ApiError> {
    let mut row = store::get_for_update(conn, input.id)
        .await?
        .ok_or_else(|| not_found(input.id))?;
    evaluation::may_edit(caller, &convert::authorship(&row))?;
    check_etag(&input.etag, row.version, "evaluation")?;
    let was_published = evaluation::edit(input.id, convert::status(&row), row.submit_time, at)?;
    let draft = evaluation::edited(convert::stored_draft(&row), &input.draft, &input.fields);
    let answers = answers::validate("evaluation", &draft)?;
    if was_published {
        events::withdrawn(conn, &row).await?;
    }
    if input.fields.contains(&Field::Language) {
        row.language = input.language;
    }
    let flags = precheck::flags(&answers.comment, local_date(at));
    convert::revise(&mut row, answers, &flags, at);
    store::update(conn, &row).await?;
    Ok((row, was_published))
}

/// `rows` as `viewer` sees each, with the complaint each opened.
async fn listed(
    conn: &mut Conn,
    viewer: Viewer,
    rows: &[EvaluationRow],
) -> Result<Vec<pb::Evaluation>, ApiError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let complaints: HashMap<Uuid, Uuid> = complaint_store::ids_of(conn, &ids)
        .await?
        .into_iter()
        .collect();
    let mut reports_of: HashMap<Uuid, Vec<pb::EvaluationReport>> = HashMap::new();
    if report::sees_reports(viewer) {
        for r in reports::of(conn, &ids).await? {
            reports_of
                .entry(r.evaluation_id)
                .or_default()
                .push(convert::report(&r));
        }
    }
    Ok(rows
        .iter()
        .map(|row| {
            let view = evaluation::view(
                viewer,
                convert::status(row),
                row.center_id,
                &convert::authorship(row),
            )
            .unwrap_or(View::Public);
            let mut e = convert::evaluation(row, complaints.get(&row.id).copied(), view);
            e.reports = reports_of.remove(&row.id).unwrap_or_default();
            e
        })
        .collect())
}

/// Writes `row` and `complaint` in the caller's transaction; the id of the evaluation an
/// identical call already made instead, if one did.
async fn write(
    conn: &mut Conn,
    key: Option<&Request>,
    row: &EvaluationRow,
    complaint: Option<&ComplaintRow>,
) -> Result<Option<Uuid>, ApiError> {
    // An identical call racing this one waits on the key, then answers this one's evaluation.
    if let Some(key) = key {
        if let Some(first) = requests::answered_id(conn, key).await? {
            return Ok(Some(first));
        }
        requests::remember_id(conn, key, row.id).await?;
    }
    store::insert(conn, row).await?;
    if let Some(c) = complaint {
        complaint_store::insert(conn, c).await?;
    }
    Ok(None)
}

/// A second evaluation of the episode breaks its unique key: ALREADY_EXISTS.
/// An evaluation written: its row, the complaint it opened, and the first answer's id when the
/// request was answered before.
type Submitted = (EvaluationRow, Option<ComplaintRow>, Option<Uuid>);

fn refused_twice(e: ApiError, episode: Uuid) -> ApiError {
    match e {
        ApiError::AlreadyExists { .. } => already_evaluated(episode),
        other => other,
    }
}

fn already_evaluated(episode: Uuid) -> ApiError {
    ApiError::AlreadyExists {
        resource: "evaluation",
        message: format!("episode {episode} already has its one evaluation"),
    }
}
