//! The city's moderators' pages (CITY_OPERATOR, ADMIN): the queue of evaluations waiting for a
//! decision (pending ones, and published or hidden ones with open reports), each published or
//! rejected for a reason with a note to its author; and the complaints with their deadlines,
//! overdue ones first, each moved through OPEN -> IN_REVIEW -> RESOLVED | REJECTED. The
//! feedback service decides, with the moderator's own token; nothing here is cached.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use onaltu_auth::Role;
use onaltu_proto::feedback::{self as fb, ComplaintStatus, EvaluationStatus};

use super::citizen::{Choice, ErrorLine, NoticeQuery, centre_names, error_of, refusal, summary};
use crate::domain::citizen_view as view;
use crate::domain::form::{self, FormErrors};
use crate::domain::moderation_view::{self as rules, ComplaintFields, DecisionFields};
use crate::domain::rating_view;
use crate::i18n::Tr;
use crate::web::{AppState, Ctx, Layout, PageError, render, see_other};

/// Pages of a list read at most (500 each): a queue longer than that is a backlog to clear
/// first, and the page says how many it shows.
const MAX_PAGES: usize = 4;

/// The moderators' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/moderation", get(queue))
        .route("/moderation/{id}", axum::routing::post(decide))
        .route("/moderation/complaints", get(complaints))
        .route("/moderation/complaints/{id}", axum::routing::post(step))
        .layer(axum::middleware::map_response(crate::web::no_store))
}

const MODERATORS: [Role; 2] = [Role::CityOperator, Role::Admin];

/// Every evaluation `request` lists, page after page.
async fn all_evaluations(
    state: &AppState,
    ctx: &Ctx,
    mut request: fb::ListEvaluationsRequest,
) -> Result<Vec<fb::Evaluation>, PageError> {
    let mut all = Vec::new();
    request.page_size = 500;
    for _ in 0..MAX_PAGES {
        let page = state
            .backend
            .feedback(ctx.token())
            .list_evaluations(state.backend.to_feedback(request.clone()))
            .await
            .map_err(|s| PageError::from_status(&s))?
            .into_inner();
        all.extend(page.evaluations);
        if page.next_page_token.is_empty() {
            break;
        }
        request.page_token = page.next_page_token;
    }
    Ok(all)
}

// ---------------------------------------------------------------------------------------------
// The queue of evaluations.

/// One evaluation waiting for a decision, with its form.
#[derive(Debug, Clone)]
struct QueueItem {
    id: String,
    centre: String,
    submitted: String,
    status: String,
    scores: Vec<(String, String)>,
    recommend: Option<String>,
    comment: String,
    comment_lang: &'static str,
    flags: Vec<String>,
    open_reports: usize,
    reports: Vec<String>,
    etag: String,
    reasons: Vec<Choice>,
    issue_error: String,
    note: String,
    note_error: String,
}

impl QueueItem {
    /// The id of this evaluation's `field` (several forms share a page).
    fn field_id(&self, field: &str) -> String {
        format!("{field}-{}", self.id)
    }

    /// The ids of the note's hint and error, for `aria-describedby`.
    fn note_describedby(&self) -> String {
        let mut ids = format!("note-{}-hint", self.id);
        if !self.note_error.is_empty() {
            ids.push_str(&format!(" note-{}-error", self.id));
        }
        ids
    }
}

#[derive(askama::Template)]
#[template(path = "moderation.html")]
struct QueuePage {
    page: Layout,
    notice: String,
    errors: Vec<ErrorLine>,
    pending: Vec<QueueItem>,
    reported: Vec<QueueItem>,
}

/// A form sent back with errors: which evaluation's, what was typed, what is wrong.
type Sent<'a, F> = Option<(&'a str, &'a F, &'a FormErrors)>;

fn queue_item(
    tr: &Tr,
    e: &fb::Evaluation,
    centres: &HashMap<String, String>,
    sent: Sent<'_, DecisionFields>,
) -> QueueItem {
    let public = rating_view::evaluation_view(e, tr);
    let (typed, errors) = match sent {
        Some((id, fields, errors)) if id == e.id => (Some(fields), Some(errors)),
        _ => (None, None),
    };
    let empty = FormErrors::new();
    let errors = errors.unwrap_or(&empty);
    let chosen = typed.map(|f| f.issue.as_str()).unwrap_or("");
    QueueItem {
        id: e.id.clone(),
        centre: centres.get(&e.center_id).cloned().unwrap_or_default(),
        submitted: view::local_day_time(e.submit_time.as_ref()),
        status: tr.t(&view::evaluation_status_key(e.status)),
        scores: public.scores,
        recommend: public.recommend,
        comment: public.comment,
        comment_lang: public.comment_lang,
        flags: e
            .precheck_flags
            .iter()
            .map(|f| tr.t(&rules::flag_key(*f)))
            .collect(),
        open_reports: rules::open_reports(e),
        reports: e
            .reports
            .iter()
            .filter(|r| r.decision == fb::ReportDecision::Open as i32)
            .map(|r| {
                let issue = tr.t(&rules::issue_key(r.issue));
                if r.note.trim().is_empty() {
                    issue
                } else {
                    format!("{issue}: {}", r.note.trim())
                }
            })
            .collect(),
        etag: e.etag.clone(),
        reasons: rules::REASONS
            .iter()
            .map(|r| Choice {
                id: format!("issue-{}-{}", e.id, rules::issue_value(*r)),
                value: rules::issue_value(*r),
                label: tr.t(&rules::issue_key(*r as i32)),
                checked: chosen == rules::issue_value(*r),
            })
            .collect(),
        issue_error: error_of(tr, errors, "issue"),
        note: typed.map(|f| f.note.clone()).unwrap_or_default(),
        note_error: error_of(tr, errors, "note"),
    }
}

/// The queue, with the form of `sent` shown again with its errors.
async fn queue_page(
    state: &AppState,
    ctx: &Ctx,
    notice: String,
    sent: Sent<'_, DecisionFields>,
) -> Result<Response, PageError> {
    let pending = fb::ListEvaluationsRequest {
        statuses: vec![EvaluationStatus::PendingModeration as i32],
        ..Default::default()
    };
    let reported = fb::ListEvaluationsRequest {
        statuses: vec![
            EvaluationStatus::Published as i32,
            EvaluationStatus::HiddenReported as i32,
        ],
        with_open_reports: true,
        ..Default::default()
    };
    let (pending, reported) = futures::try_join!(
        all_evaluations(state, ctx, pending),
        all_evaluations(state, ctx, reported)
    )?;
    let (pending, reported) = (rules::oldest_first(pending), rules::oldest_first(reported));
    let ids = pending.iter().chain(&reported).map(|e| e.center_id.clone());
    let centres = centre_names(state, ctx, ids).await;
    let tr = ctx.tr();
    let errors = sent.map_or_else(Vec::new, |(id, _, errors)| {
        summary(&tr, errors, |field| match field {
            "issue" => format!("issue-{id}-{}", rules::issue_value(rules::REASONS[0])),
            f => format!("{f}-{id}"),
        })
    });
    let items = |list: &[fb::Evaluation]| -> Vec<QueueItem> {
        list.iter()
            .map(|e| queue_item(&tr, e, &centres, sent))
            .collect()
    };
    let page = QueuePage {
        page: ctx
            .page(tr.t("moderation-title"))
            .with_errors(!errors.is_empty()),
        notice,
        pending: items(&pending),
        reported: items(&reported),
        errors,
    };
    let status = if sent.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, render(&page)).into_response())
}

async fn queue(ctx: Ctx, State(state): State<AppState>, Query(q): Query<NoticeQuery>) -> Response {
    let result = async {
        ctx.require(&MODERATORS)?;
        let notices = [
            ("published", "moderation-notice-published"),
            ("rejected", "moderation-notice-rejected"),
        ];
        queue_page(&state, &ctx, q.text(&ctx.tr(), &notices), None).await
    }
    .await;
    ctx.answer(result)
}

async fn decide(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(fields): Form<DecisionFields>,
) -> Response {
    let result = async {
        ctx.form_session(&fields.csrf)?;
        ctx.require(&MODERATORS)?;
        let errors = match rules::decide(&fields) {
            Ok(decision) => {
                let answer = state
                    .backend
                    .feedback(ctx.token())
                    .moderate_evaluation(
                        state
                            .backend
                            .to_feedback(decision.request(&id, &fields.etag)),
                    )
                    .await;
                match answer {
                    Ok(_) => {
                        let notice = match decision {
                            rules::Decision::Publish => "published",
                            rules::Decision::Reject { .. } => "rejected",
                        };
                        return Ok(see_other(&format!("/moderation?notice={notice}")));
                    }
                    Err(s) => match refused_decision(&ctx, &s)? {
                        Ok(errors) => errors,
                        Err(page) => return Ok(page),
                    },
                }
            }
            Err(errors) => errors,
        };
        queue_page(&state, &ctx, String::new(), Some((&id, &fields, &errors))).await
    }
    .await;
    ctx.answer(result)
}

/// The errors a refusal of ModerateEvaluation makes on the form; a refusal of the decision
/// itself (already decided, edited since) is answered as a page of its own.
fn refused_decision(
    ctx: &Ctx,
    status: &tonic::Status,
) -> Result<Result<FormErrors, Response>, PageError> {
    let page = |key| refusal(ctx, StatusCode::CONFLICT, "moderation-title", key);
    match status.code() {
        tonic::Code::InvalidArgument => Ok(Ok(form::from_violations(
            &form::violated_fields(status),
            rules::decision_field,
            "moderation-error-general",
        )
        .ordered(&rules::DECISION_FIELDS))),
        tonic::Code::FailedPrecondition => Ok(Err(page("moderation-refused-decided"))),
        tonic::Code::Aborted => Ok(Err(page("moderation-refused-edited"))),
        _ => Err(PageError::from_status(status)),
    }
}

// ---------------------------------------------------------------------------------------------
// Complaints.

/// One complaint, with the form moving it on.
#[derive(Debug, Clone)]
struct ComplaintItem {
    id: String,
    centre: String,
    received: String,
    status: String,
    deadline: String,
    deadline_iso: String,
    overdue: bool,
    text: String,
    response: String,
    resolution: String,
    etag: String,
    next: Vec<Choice>,
    status_error: String,
    asks_resolution: bool,
    resolution_typed: String,
    resolution_error: String,
}

impl ComplaintItem {
    /// The id of this complaint's `field` (several forms share a page).
    fn field_id(&self, field: &str) -> String {
        format!("{field}-{}", self.id)
    }

    /// The ids of the resolution's hint and error, for `aria-describedby`.
    fn resolution_describedby(&self) -> String {
        let mut ids = format!("resolution-{}-hint", self.id);
        if !self.resolution_error.is_empty() {
            ids.push_str(&format!(" resolution-{}-error", self.id));
        }
        ids
    }
}

#[derive(askama::Template)]
#[template(path = "moderation_complaints.html")]
struct ComplaintsPage {
    page: Layout,
    notice: String,
    errors: Vec<ErrorLine>,
    overdue: usize,
    rows: Vec<ComplaintItem>,
}

fn complaint_item(
    tr: &Tr,
    c: &fb::Complaint,
    centres: &HashMap<String, String>,
    sent: Sent<'_, ComplaintFields>,
) -> ComplaintItem {
    let (typed, errors) = match sent {
        Some((id, fields, errors)) if id == c.id => (Some(fields), Some(errors)),
        _ => (None, None),
    };
    let empty = FormErrors::new();
    let errors = errors.unwrap_or(&empty);
    let next = rules::next_statuses(c.status);
    let chosen = typed.map(|f| f.status.clone()).unwrap_or_else(|| {
        // One step possible: it is the one chosen.
        match next.as_slice() {
            [only] => rules::status_value(*only),
            _ => String::new(),
        }
    });
    ComplaintItem {
        id: c.id.clone(),
        centre: centres.get(&c.center_id).cloned().unwrap_or_default(),
        received: view::local_day(c.create_time.as_ref()),
        status: tr.t(&view::complaint_status_key(c.status)),
        deadline: view::date(c.deadline.as_ref()),
        deadline_iso: view::iso_date(c.deadline.as_ref()),
        overdue: c.overdue,
        text: c.text.clone(),
        response: c.center_response.clone(),
        resolution: c.resolution.clone(),
        etag: c.etag.clone(),
        asks_resolution: next.iter().any(|s| rules::needs_resolution(*s)),
        next: next
            .iter()
            .map(|s| Choice {
                id: format!("status-{}-{}", c.id, rules::status_value(*s)),
                value: rules::status_value(*s),
                label: tr.t(&view::complaint_status_key(*s as i32)),
                checked: chosen == rules::status_value(*s),
            })
            .collect(),
        status_error: error_of(tr, errors, "status"),
        resolution_typed: typed.map(|f| f.resolution.clone()).unwrap_or_default(),
        resolution_error: error_of(tr, errors, "resolution"),
    }
}

/// The complaints still to be handled (open or under review), overdue ones first.
async fn open_complaints(state: &AppState, ctx: &Ctx) -> Result<Vec<fb::Complaint>, PageError> {
    let mut request = fb::ListComplaintsRequest {
        page_size: 500,
        statuses: vec![
            ComplaintStatus::Open as i32,
            ComplaintStatus::InReview as i32,
        ],
        ..Default::default()
    };
    let mut all = Vec::new();
    for _ in 0..MAX_PAGES {
        let page = state
            .backend
            .feedback(ctx.token())
            .list_complaints(state.backend.to_feedback(request.clone()))
            .await
            .map_err(|s| PageError::from_status(&s))?
            .into_inner();
        all.extend(page.complaints);
        if page.next_page_token.is_empty() {
            break;
        }
        request.page_token = page.next_page_token;
    }
    Ok(rules::overdue_first(all))
}

async fn complaints_page(
    state: &AppState,
    ctx: &Ctx,
    list: Vec<fb::Complaint>,
    notice: String,
    sent: Sent<'_, ComplaintFields>,
) -> Result<Response, PageError> {
    let centres = centre_names(state, ctx, list.iter().map(|c| c.center_id.clone())).await;
    let tr = ctx.tr();
    let errors = sent.map_or_else(Vec::new, |(id, _, errors)| {
        let first = list
            .iter()
            .find(|c| c.id == id)
            .and_then(|c| rules::next_statuses(c.status).first().copied())
            .map(rules::status_value)
            .unwrap_or_default();
        summary(&tr, errors, |field| match field {
            "status" => format!("status-{id}-{first}"),
            f => format!("{f}-{id}"),
        })
    });
    let page = ComplaintsPage {
        page: ctx
            .page(tr.t("moderation-complaints-title"))
            .with_errors(!errors.is_empty()),
        notice,
        errors,
        overdue: list.iter().filter(|c| c.overdue).count(),
        rows: list
            .iter()
            .map(|c| complaint_item(&tr, c, &centres, sent))
            .collect(),
    };
    let status = if sent.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, render(&page)).into_response())
}

async fn complaints(
    ctx: Ctx,
    State(state): State<AppState>,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let result = async {
        ctx.require(&MODERATORS)?;
        let list = open_complaints(&state, &ctx).await?;
        let notice = q.text(&ctx.tr(), &[("updated", "moderation-notice-complaint")]);
        complaints_page(&state, &ctx, list, notice, None).await
    }
    .await;
    ctx.answer(result)
}

async fn step(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(fields): Form<ComplaintFields>,
) -> Response {
    let result = async {
        ctx.form_session(&fields.csrf)?;
        ctx.require(&MODERATORS)?;
        let list = open_complaints(&state, &ctx).await?;
        let Some(current) = list.iter().find(|c| c.id == id).map(|c| c.status) else {
            return Ok(complaint_refusal(
                &ctx,
                "moderation-complaint-refused-status",
            ));
        };
        let errors = match rules::step(current, &fields) {
            Err(errors) => errors,
            Ok(step) => {
                let request = step.request(&id, &fields.etag);
                let feedback = state.backend.feedback(ctx.token());
                match feedback
                    .clone()
                    .update_complaint(state.backend.to_feedback(request))
                    .await
                {
                    Ok(_) => return Ok(see_other("/moderation/complaints?notice=updated")),
                    Err(s) => match step_refusal(&ctx, &s)? {
                        Refusal::Fields(errors) => errors,
                        Refusal::Page(page) => return Ok(page),
                    },
                }
            }
        };
        complaints_page(
            &state,
            &ctx,
            list,
            String::new(),
            Some((&id, &fields, &errors)),
        )
        .await
    }
    .await;
    ctx.answer(result)
}

/// How the feedback service's refusal of a complaint's step is shown.
enum Refusal {
    /// Beside the form's fields.
    Fields(form::FormErrors),
    /// As a page of its own.
    Page(Response),
}

/// The page's answer to the service refusing a step: field errors, or a refusal page when the
/// complaint was closed or changed meanwhile.
fn step_refusal(ctx: &Ctx, s: &tonic::Status) -> Result<Refusal, PageError> {
    match s.code() {
        tonic::Code::InvalidArgument => Ok(Refusal::Fields(
            form::from_violations(
                &form::violated_fields(s),
                rules::complaint_field,
                "moderation-error-complaint-general",
            )
            .ordered(&rules::COMPLAINT_FIELDS),
        )),
        tonic::Code::FailedPrecondition => Ok(Refusal::Page(complaint_refusal(
            ctx,
            "moderation-complaint-refused-status",
        ))),
        tonic::Code::Aborted => Ok(Refusal::Page(complaint_refusal(
            ctx,
            "moderation-complaint-refused-changed",
        ))),
        _ => Err(PageError::from_status(s)),
    }
}

/// A step the complaint cannot take now (closed meanwhile, or changed by someone else).
fn complaint_refusal(ctx: &Ctx, key: &str) -> Response {
    refusal(
        ctx,
        StatusCode::CONFLICT,
        "moderation-complaints-title",
        key,
    )
}
