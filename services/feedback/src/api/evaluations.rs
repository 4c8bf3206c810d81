//! SubmitEvaluation, UpdateEvaluation, GetEvaluation and ListEvaluations.

use diesel_async::AsyncConnection as _;
use onaltu_api::{Period, decode_token, encode_token, local_date, now, page_size, parse_id};
use onaltu_auth::Role;
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::common::Language;
use onaltu_proto::feedback as pb;
use uuid::Uuid;

use super::{Feedback, convert, events};
use crate::domain::evaluation::{self, Status, View, Viewer};
use crate::domain::{answers, complaint, precheck};
use crate::store::Conn;
use crate::store::complaints::{self as complaint_store, ComplaintRow};
use crate::store::evaluations::{self as store, EvaluationRow, Filter};
use onaltu_api::Ctx;

/// The longest complaint text.
const MAX_COMPLAINT_CHARS: usize = complaint::MAX_TEXT_CHARS;

fn not_found(id: Uuid) -> ApiError {
    ApiError::NotFound {
        resource: "evaluation",
        id: id.to_string(),
    }
}

fn language(code: i32, field: &str, v: &mut Violations) -> i16 {
    let known = Language::try_from(code).is_ok();
    v.check(known, field, "unknown language");
    if known { code as i16 } else { 0 }
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
        Ok(convert::evaluation(row, complaint, view))
    }

    pub(crate) async fn submit_evaluation(
        &self,
        ctx: &Ctx,
        req: pb::SubmitEvaluationRequest,
    ) -> Result<pb::SubmitEvaluationResponse, ApiError> {
        let claims = ctx.caller.require(&[Role::Citizen])?;
        let caller = claims.person_id.ok_or_else(|| {
            ApiError::PermissionDenied("the token names no person (claim person_id)".into())
        })?;
        let e = req.evaluation.unwrap_or_default();
        let mut v = Violations::new();
        let request_id = req.request_id.trim().to_string();
        if !request_id.is_empty() {
            v.check(
                Uuid::parse_str(&request_id).is_ok(),
                "request_id",
                "must be a UUID",
            );
        }
        let episode = parse_id("evaluation.episode_id", &e.episode_id)
            .map_err(|e| v.absorb(e))
            .ok();
        let lang = language(e.language, "evaluation.language", &mut v);
        onaltu_api::check_text(
            &mut v,
            "complaint_text",
            &req.complaint_text,
            MAX_COMPLAINT_CHARS,
        );
        let answers = match answers::validate("evaluation", &convert::draft(&e)) {
            Ok(a) => Some(a),
            Err(bad) => {
                v.merge(bad);
                None
            }
        };
        v.into_result()?;
        let (Some(episode), Some(answers)) = (episode, answers) else {
            return Err(ApiError::Internal("validated evaluation incomplete".into()));
        };

        if !request_id.is_empty() {
            let mut conn = self.conn().await?;
            if let Some(first) = store::by_request(&mut conn, &request_id).await? {
                return Ok(pb::SubmitEvaluationResponse {
                    evaluation: Some(self.visible(&mut conn, ctx, &first).await?),
                });
            }
        }
        // No connection is held while the registry answers.
        let bearer = ctx
            .bearer
            .as_deref()
            .ok_or_else(|| ApiError::Unauthenticated("this call needs a bearer token".into()))?;
        let facts = self.registry.episode(bearer, episode).await?;
        let author = evaluation::authorship(caller, &facts)?;

        let at = now();
        let today = local_date(at);
        let flags = precheck::flags(&answers.comment, today);
        let row = EvaluationRow {
            id: Uuid::now_v7(),
            request_id: (!request_id.is_empty()).then_some(request_id),
            episode_id: episode,
            center_id: facts.center_id,
            recipient_person_id: author.recipient,
            submitted_by_person_id: author.submitted_by,
            legal_representative: author.legal_representative,
            submitted_on: today,
            scores: convert::stored_scores(&answers.scores),
            days_waited: answers.days_waited,
            would_recommend: answers.would_recommend.map(i16::from),
            comment: answers.comment.clone(),
            language: lang,
            precheck_flags: flags.iter().map(|f| Some(*f as i16)).collect(),
            status: Status::PendingModeration as i16,
            moderation_action: None,
            moderation_issue: None,
            moderation_note: None,
            moderator_subject: None,
            moderate_time: None,
            reply_text: None,
            reply_author: None,
            reply_time: None,
            submit_time: at,
            update_time: at,
            publish_time: None,
            version: 1,
        };
        let complaint =
            complaint::opened_by(&req.complaint_text, &answers).map(|text| ComplaintRow {
                id: Uuid::now_v7(),
                evaluation_id: row.id,
                episode_id: episode,
                center_id: facts.center_id,
                complainant_person_id: author.submitted_by,
                text,
                status: complaint::Status::Open as i16,
                assignee_subject: String::new(),
                deadline: complaint::deadline(&self.calendar, today, self.deadline_working_days),
                center_response: String::new(),
                resolution: String::new(),
                create_time: at,
                update_time: at,
                close_time: None,
                version: 1,
            });
        // A second evaluation of the episode breaks its unique key: ALREADY_EXISTS below.
        let mut conn = self.conn().await?;
        let written = match &complaint {
            None => store::insert(&mut conn, &row).await.map_err(ApiError::from),
            Some(c) => {
                conn.transaction(async |conn| {
                    store::insert(conn, &row).await?;
                    complaint_store::insert(conn, c).await?;
                    Ok::<_, ApiError>(())
                })
                .await
            }
        };
        match written {
            Ok(()) => {}
            Err(ApiError::AlreadyExists { .. }) => {
                // A concurrent retry with the same request id wins the race: answer its result.
                if let Some(rid) = &row.request_id
                    && let Some(first) = store::by_request(&mut conn, rid).await?
                {
                    return Ok(pb::SubmitEvaluationResponse {
                        evaluation: Some(self.visible(&mut conn, ctx, &first).await?),
                    });
                }
                return Err(already_evaluated(episode));
            }
            Err(other) => return Err(other),
        }
        Ok(pb::SubmitEvaluationResponse {
            evaluation: Some(convert::evaluation(
                &row,
                complaint.map(|c| c.id),
                View::Full,
            )),
        })
    }

    pub(crate) async fn update_evaluation(
        &self,
        ctx: &Ctx,
        req: pb::UpdateEvaluationRequest,
    ) -> Result<pb::UpdateEvaluationResponse, ApiError> {
        let claims = ctx.caller.require(&[Role::Citizen])?;
        let caller = claims.person_id;
        let e = req.evaluation.unwrap_or_default();
        let id = parse_id("evaluation.id", &e.id)?;
        let paths = req.update_mask.map(|m| m.paths).unwrap_or_default();
        let mut v = Violations::new();
        v.check(
            !paths.is_empty(),
            "update_mask",
            "name the fields to update",
        );
        let new_language = language(e.language, "evaluation.language", &mut v);
        for p in &paths {
            let known = matches!(
                p.as_str(),
                "scores" | "days_waited" | "would_recommend" | "comment" | "language"
            ) || p
                .strip_prefix("scores.")
                .is_some_and(|c| answers::CRITERIA.iter().any(|k| k.field() == c));
            v.check(
                known,
                format!("update_mask.{p}"),
                "is not a field that can be updated",
            );
        }
        v.into_result()?;

        let mut conn = self.conn().await?;
        let at = now();
        let row = conn
            .transaction(async |conn| {
                let mut row = store::get_for_update(conn, id)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                if caller != Some(row.submitted_by_person_id) {
                    return Err(ApiError::PermissionDenied(
                        "only the author may edit an evaluation".into(),
                    ));
                }
                if !e.etag.is_empty() && e.etag != row.version.to_string() {
                    return Err(ApiError::Aborted(
                        "the evaluation changed since it was read (etag); read it again".into(),
                    ));
                }
                let was_published =
                    evaluation::edit(id, convert::status(&row), row.submit_time, at)?;
                // The edited answers: the stored ones, with the masked fields from the request.
                let mut draft = convert::stored_draft(&row);
                let incoming = convert::draft(&e);
                for p in &paths {
                    match p.as_str() {
                        "scores" => draft.scores = incoming.scores,
                        "days_waited" => draft.days_waited = incoming.days_waited,
                        "would_recommend" => draft.would_recommend = incoming.would_recommend,
                        "comment" => draft.comment = incoming.comment.clone(),
                        "language" => row.language = new_language,
                        other => {
                            if let Some(c) = other.strip_prefix("scores.")
                                && let Some(k) = answers::CRITERIA.iter().find(|k| k.field() == c)
                            {
                                draft.scores[k.index()] = incoming.scores[k.index()];
                            }
                        }
                    }
                }
                let answers = answers::validate("evaluation", &draft)?;
                if was_published {
                    events::withdrawn(conn, &row).await?;
                }
                row.scores = convert::stored_scores(&answers.scores);
                row.days_waited = answers.days_waited;
                row.would_recommend = answers.would_recommend.map(i16::from);
                row.precheck_flags = precheck::flags(&answers.comment, local_date(at))
                    .iter()
                    .map(|f| Some(*f as i16))
                    .collect();
                row.comment = answers.comment;
                row.status = Status::PendingModeration as i16;
                row.publish_time = None;
                row.update_time = at;
                row.version += 1;
                store::update(conn, &row).await?;
                Ok::<_, ApiError>((row, was_published))
            })
            .await?;
        let (row, was_published) = row;
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
        let limit = page_size(req.page_size)?;
        let mut v = Violations::new();
        let after = decode_token(&req.page_token)?
            .map(|s| Uuid::parse_str(&s))
            .transpose()
            .map_err(|_| ApiError::invalid("page_token", "is not a token this service issued"))?;
        let center = onaltu_api::parse_opt_id("center_id", &req.center_id, &mut v);
        let mut statuses = Vec::new();
        for (i, s) in req.statuses.iter().enumerate() {
            match Status::from_code(*s as i16).filter(|_| (1..=4).contains(s)) {
                Some(s) => statuses.push(s),
                None => v.add(format!("statuses[{i}]"), "unknown status"),
            }
        }
        let period = req
            .period
            .as_ref()
            .and_then(|p| Period::decode("period", p).map_err(|e| v.absorb(e)).ok());
        v.into_result()?;

        let viewer = Viewer::of(&ctx.caller);
        let mut filter = Filter {
            center,
            statuses: statuses.iter().map(|s| *s as i16).collect(),
            from: period.map(Period::start),
            until: period.map(Period::end_exclusive),
            person: None,
        };
        if req.mine {
            match viewer {
                Viewer::Citizen(me) => filter.person = Some(me),
                _ => {
                    return Err(ApiError::invalid(
                        "mine",
                        "is for a citizen's own evaluations (a CITIZEN token with person_id)",
                    ));
                }
            }
        } else if !evaluation::lists_every_status(viewer, center) {
            filter.statuses = vec![Status::Published as i16];
        }
        let mut conn = self.conn().await?;
        let rows = store::list(&mut conn, &filter, after, limit).await?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let complaints: std::collections::HashMap<Uuid, Uuid> =
            complaint_store::ids_of(&mut conn, &ids)
                .await?
                .into_iter()
                .collect();
        let mut evaluations = Vec::with_capacity(rows.len());
        for row in &rows {
            let view = evaluation::view(
                viewer,
                convert::status(row),
                row.center_id,
                &convert::authorship(row),
            )
            .unwrap_or(View::Public);
            evaluations.push(convert::evaluation(
                row,
                complaints.get(&row.id).copied(),
                view,
            ));
        }
        let next_page_token = match rows.last() {
            Some(last) if rows.len() as i64 == limit => encode_token(&last.id.to_string()),
            _ => String::new(),
        };
        Ok(pb::ListEvaluationsResponse {
            evaluations,
            next_page_token,
        })
    }
}

fn already_evaluated(episode: Uuid) -> ApiError {
    ApiError::AlreadyExists {
        resource: "evaluation",
        message: format!("episode {episode} already has its one evaluation"),
    }
}
