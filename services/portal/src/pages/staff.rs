//! A centre's own page for its staff (CENTER_STAFF, their centre the token's `center_id`): the
//! centre's queue and episodes (ids and numbers, never names), its evaluations in the staff
//! view (no author) with the one public reply each, and the indicators the centre reports
//! itself for the current quarter. Every call carries the staff member's token, so the services
//! keep them to their own centre; nothing here is cached.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use onaltu_auth::Role;
use onaltu_proto::feedback as fb;
use onaltu_proto::rating as rt;
use onaltu_proto::registry as reg;
use uuid::Uuid;

use super::citizen::{
    ErrorLine, NoticeQuery, centre_names, error_of, new_request_id, refusal, sent_request_id,
    summary,
};
use crate::domain::citizen_view as view;
use crate::domain::form::{self, FormErrors};
use crate::domain::staff_forms::{self as rules, IndicatorFields, ReplyFields, ValueError};
use crate::domain::{centre_view, rating_view, text::localized};
use crate::i18n::Tr;
use crate::web::no_store;
use crate::web::{AppState, Ctx, Layout, PageError, render, see_other};

/// Rows of the queue, the episodes and the evaluations a page shows (the newest evaluations;
/// the queue and the episodes in their own order).
const ROWS: i32 = 500;

/// The staff's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff", get(centre_page))
        .route("/staff/evaluations/{id}/reply", post(reply))
        .route("/staff/indicators", post(record))
        .layer(axum::middleware::map_response(no_store))
}

/// The signed-in staff member's centre, or a refusal for anyone else.
fn own_centre(ctx: &Ctx) -> Result<Uuid, PageError> {
    ctx.require(&[Role::CenterStaff])?
        .claims
        .center_id
        .ok_or(PageError::Forbidden)
}

#[derive(Debug, Clone)]
struct QueueRow {
    position: i32,
    referral_number: String,
    form: String,
    state: String,
    referral_date: String,
    arrival_due: String,
    days_waiting: i32,
    out_of_turn: bool,
}

#[derive(Debug, Clone)]
struct EpisodeRow {
    referral_number: String,
    form: String,
    state: String,
    referral_date: String,
    admitted_on: String,
    ended_on: String,
}

#[derive(Debug, Clone)]
struct EvaluationItem {
    id: String,
    day: String,
    status: String,
    scores: Vec<(String, String)>,
    recommend: Option<String>,
    comment: String,
    comment_lang: &'static str,
    reply: Option<(String, String)>,
    can_reply: bool,
    typed: String,
    error: String,
}

impl EvaluationItem {
    /// The id of the reply's text area.
    fn field_id(&self) -> String {
        format!("reply-{}", self.id)
    }

    /// The ids of the reply's hint and error, for `aria-describedby`.
    fn describedby(&self) -> String {
        let mut ids = format!("reply-{}-hint", self.id);
        if !self.error.is_empty() {
            ids.push_str(&format!(" reply-{}-error", self.id));
        }
        ids
    }
}

#[derive(Debug, Clone)]
struct IndicatorInput {
    name: String,
    hint: String,
    value_id: String,
    value: String,
    value_error: String,
    sample_id: String,
    sample: String,
    sample_error: String,
}

#[derive(askama::Template)]
#[template(path = "staff.html")]
struct StaffPage {
    page: Layout,
    notice: String,
    errors: Vec<ErrorLine>,
    centre: String,
    queue: Vec<QueueRow>,
    queue_total: i64,
    episodes: Vec<EpisodeRow>,
    evaluations: Vec<EvaluationItem>,
    indicators: Vec<IndicatorInput>,
    period: String,
    request_id: String,
}

/// A form sent back with errors.
#[derive(Clone, Copy)]
enum Sent<'a> {
    /// No form: the page as it is.
    Nothing,
    /// A reply to evaluation `.0`.
    Reply(&'a str, &'a ReplyFields, &'a FormErrors),
    /// The indicator values, with the form's request id.
    Indicators(&'a IndicatorFields, &'a [ValueError], &'a str),
}

/// What the centre's page shows, read from the three services at once.
struct Read {
    centre: String,
    queue: reg::ListQueueResponse,
    episodes: Vec<reg::Episode>,
    evaluations: Vec<fb::Evaluation>,
    definitions: Vec<rt::IndicatorDefinition>,
}

async fn read(state: &AppState, ctx: &Ctx, centre: &str) -> Result<Read, PageError> {
    let failed = |s: tonic::Status| PageError::from_status(&s);
    let (mut queue_client, mut episode_client) = (
        state.backend.registry(ctx.token()),
        state.backend.registry(ctx.token()),
    );
    let mut feedback = state.backend.feedback(ctx.token());
    let queue = queue_client.list_queue(state.backend.to_registry(reg::ListQueueRequest {
        center_id: centre.into(),
        page_size: ROWS,
        ..Default::default()
    }));
    let episodes =
        episode_client.list_episodes(state.backend.to_registry(reg::ListEpisodesRequest {
            center_id: centre.into(),
            page_size: ROWS,
            ..Default::default()
        }));
    let evaluations =
        feedback.list_evaluations(state.backend.to_feedback(fb::ListEvaluationsRequest {
            center_id: centre.into(),
            page_size: ROWS,
            ..Default::default()
        }));
    let names = centre_names(state, ctx, [centre.to_string()]);
    let (queue, episodes, evaluations, definitions, names) =
        futures::join!(queue, episodes, evaluations, recordable(state, ctx), names);
    Ok(Read {
        centre: names.get(centre).cloned().unwrap_or_default(),
        queue: queue.map_err(failed)?.into_inner(),
        episodes: episodes.map_err(failed)?.into_inner().episodes,
        evaluations: evaluations.map_err(failed)?.into_inner().evaluations,
        definitions: definitions?,
    })
}

fn queue_row(tr: &Tr, e: &reg::QueueEntry, numbers: &HashMap<&str, &str>) -> QueueRow {
    QueueRow {
        position: e.position,
        referral_number: numbers
            .get(e.episode_id.as_str())
            .map(|n| (*n).to_string())
            .unwrap_or_default(),
        form: centre_view::form_names(tr, &[e.service_form]).join(""),
        state: tr.t(&view::episode_state_key(e.state)),
        referral_date: view::date(e.referral_date.as_ref()),
        arrival_due: view::date(e.arrival_due_date.as_ref()),
        days_waiting: e.days_waiting,
        out_of_turn: e.out_of_turn,
    }
}

fn episode_row(tr: &Tr, e: &reg::Episode) -> EpisodeRow {
    let referral = e.referral.clone().unwrap_or_default();
    EpisodeRow {
        referral_number: referral.referral_number,
        form: centre_view::form_names(tr, &[referral.service_form]).join(""),
        state: tr.t(&view::episode_state_key(e.state)),
        referral_date: view::date(referral.referral_date.as_ref()),
        admitted_on: view::date(e.admitted_on.as_ref()),
        ended_on: view::date(e.ended_on.as_ref()),
    }
}

fn evaluation_item(tr: &Tr, e: &fb::Evaluation, sent: Sent<'_>) -> EvaluationItem {
    let public = rating_view::evaluation_view(e, tr);
    let (typed, error) = match sent {
        Sent::Reply(id, fields, errors) if id == e.id => {
            (fields.text.clone(), error_of(tr, errors, "text"))
        }
        _ => (String::new(), String::new()),
    };
    EvaluationItem {
        id: e.id.clone(),
        day: public.day,
        status: tr.t(&view::evaluation_status_key(e.status)),
        scores: public.scores,
        recommend: public.recommend,
        comment: public.comment,
        comment_lang: public.comment_lang,
        can_reply: public.reply.is_none() && e.status == fb::EvaluationStatus::Published as i32,
        reply: public.reply,
        typed,
        error,
    }
}

fn indicator_input(tr: &Tr, d: &rt::IndicatorDefinition, sent: Sent<'_>) -> IndicatorInput {
    let (value_id, sample_id) = (rules::value_field(&d.code), rules::sample_field(&d.code));
    let (fields, errors): (Option<&IndicatorFields>, &[ValueError]) = match sent {
        Sent::Indicators(fields, errors, _) => (Some(fields), errors),
        _ => (None, &[]),
    };
    let typed = |id: &str| {
        fields
            .map(|f| rules::field(f, id).to_string())
            .unwrap_or_default()
    };
    let error = |id: &str| {
        errors
            .iter()
            .find(|e| e.field == id)
            .map(|e| tr.n(e.key, e.n))
            .unwrap_or_default()
    };
    IndicatorInput {
        name: rating_view::indicator_name(tr, &d.code, &localized(d.name.as_ref(), tr.lang())),
        hint: tr.t(rules::unit_hint_key(&d.unit)),
        value: typed(&value_id),
        value_error: error(&value_id),
        sample: typed(&sample_id),
        sample_error: error(&sample_id),
        value_id,
        sample_id,
    }
}

/// The summary lines of the form sent back, linking to its fields.
fn sent_errors(tr: &Tr, sent: Sent<'_>) -> Vec<ErrorLine> {
    match sent {
        Sent::Nothing => Vec::new(),
        Sent::Reply(id, _, errors) => summary(tr, errors, |_| format!("reply-{id}")),
        Sent::Indicators(_, errors, _) => errors
            .iter()
            .map(|e| ErrorLine {
                anchor: e.field.clone(),
                message: tr.n(e.key, e.n),
            })
            .collect(),
    }
}

/// The centre's page, with the form `sent` shown again with its errors.
async fn staff_page(
    state: &AppState,
    ctx: &Ctx,
    notice: String,
    sent: Sent<'_>,
) -> Result<Response, PageError> {
    let centre = own_centre(ctx)?.to_string();
    let r = read(state, ctx, &centre).await?;
    let tr = ctx.tr();
    let numbers: HashMap<&str, &str> = r
        .episodes
        .iter()
        .filter_map(|e| Some((e.id.as_str(), e.referral.as_ref()?.referral_number.as_str())))
        .collect();
    let errors = sent_errors(&tr, sent);
    let page = StaffPage {
        page: ctx
            .page(tr.t("staff-title"))
            .with_errors(!errors.is_empty()),
        notice,
        centre: r.centre,
        queue: r
            .queue
            .entries
            .iter()
            .map(|e| queue_row(&tr, e, &numbers))
            .collect(),
        queue_total: r.queue.total_size,
        episodes: r.episodes.iter().map(|e| episode_row(&tr, e)).collect(),
        evaluations: r
            .evaluations
            .iter()
            .map(|e| evaluation_item(&tr, e, sent))
            .collect(),
        indicators: r
            .definitions
            .iter()
            .map(|d| indicator_input(&tr, d, sent))
            .collect(),
        period: rating_view::period_text(&tr, Some(&current_quarter())),
        request_id: match sent {
            Sent::Indicators(_, _, id) => id.to_string(),
            _ => new_request_id(),
        },
        errors,
    };
    let status = if matches!(sent, Sent::Nothing) {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)).into_response())
}

fn current_quarter() -> onaltu_proto::common::Period {
    rules::quarter_of(rules::today_in_kazakhstan(chrono::Utc::now()))
}

async fn centre_page(
    ctx: Ctx,
    State(state): State<AppState>,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let result = async {
        let notices = [
            ("replied", "staff-notice-replied"),
            ("recorded", "staff-notice-recorded"),
        ];
        staff_page(&state, &ctx, q.text(&ctx.tr(), &notices), Sent::Nothing).await
    }
    .await;
    ctx.answer(result)
}

async fn reply(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(fields): Form<ReplyFields>,
) -> Response {
    let result = async {
        ctx.form_session(&fields.csrf)?;
        own_centre(&ctx)?;
        let errors = match rules::reply(&fields) {
            Ok(text) => {
                let answer = state
                    .backend
                    .feedback(ctx.token())
                    .reply_to_evaluation(state.backend.to_feedback(fb::ReplyToEvaluationRequest {
                        id: id.clone(),
                        text,
                    }))
                    .await;
                match answer {
                    Ok(_) => return Ok(see_other("/staff?notice=replied#evaluations")),
                    Err(s) if s.code() == tonic::Code::InvalidArgument => form::from_violations(
                        &form::violated_fields(&s),
                        rules::reply_field,
                        "staff-reply-error-refused",
                    ),
                    Err(s) => return reply_refused(&ctx, &s),
                }
            }
            Err(errors) => errors,
        };
        staff_page(
            &state,
            &ctx,
            String::new(),
            Sent::Reply(&id, &fields, &errors),
        )
        .await
    }
    .await;
    ctx.answer(result)
}

/// A reply the feedback service will not take, as a page: a second reply, a reply to an
/// evaluation not published, or (from `from_status`) another centre's evaluation.
fn reply_refused(ctx: &Ctx, status: &tonic::Status) -> Result<Response, PageError> {
    let key = match status.code() {
        tonic::Code::AlreadyExists => "staff-refused-replied",
        tonic::Code::FailedPrecondition => "staff-refused-not-published",
        _ => return Err(PageError::from_status(status)),
    };
    Ok(refusal(ctx, StatusCode::CONFLICT, "staff-title", key))
}

async fn record(
    ctx: Ctx,
    State(state): State<AppState>,
    Form(fields): Form<IndicatorFields>,
) -> Response {
    let result = async {
        ctx.form_session(rules::field(&fields, "csrf"))?;
        let centre = own_centre(&ctx)?;
        let request_id = sent_request_id(rules::field(&fields, "request_id"))?;
        let definitions = recordable(&state, &ctx).await?;
        let errors = match rules::values(&definitions, &fields) {
            Ok(values) => {
                let answer = state
                    .backend
                    .rating(ctx.token())
                    .record_indicators(state.backend.to_rating(rt::RecordIndicatorsRequest {
                        request_id: request_id.clone(),
                        center_id: centre.to_string(),
                        period: Some(current_quarter()),
                        values: values.clone(),
                    }))
                    .await;
                match answer {
                    Ok(_) => return Ok(see_other("/staff?notice=recorded#indicators")),
                    Err(s) if s.code() == tonic::Code::InvalidArgument => {
                        rules::service_errors(&form::violated_fields(&s), &values)
                    }
                    Err(s) => return Err(PageError::from_status(&s)),
                }
            }
            Err(errors) => errors,
        };
        let sent = Sent::Indicators(&fields, &errors, &request_id);
        staff_page(&state, &ctx, String::new(), sent).await
    }
    .await;
    ctx.answer(result)
}

/// The indicators of the current methodology a centre reports itself.
async fn recordable(
    state: &AppState,
    ctx: &Ctx,
) -> Result<Vec<rt::IndicatorDefinition>, PageError> {
    Ok(state
        .backend
        .rating(ctx.token())
        .list_indicator_definitions(
            state
                .backend
                .to_rating(rt::ListIndicatorDefinitionsRequest {
                    page_size: ROWS,
                    ..Default::default()
                }),
        )
        .await
        .map_err(|s| PageError::from_status(&s))?
        .into_inner()
        .indicator_definitions
        .into_iter()
        .filter(rules::staff_may_record)
        .collect())
}
