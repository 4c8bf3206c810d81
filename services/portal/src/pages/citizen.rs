//! A citizen's own pages: their services (episodes and queue positions, also of the persons
//! they represent), the evaluation of a service received and its edit within 14 days, their
//! evaluations with the moderation status, and their complaints with the deadlines. Every call
//! carries the person's own token, so the services decide what is theirs; every page here is
//! personal and never stored by a cache (`Cache-Control: no-store`).

use std::collections::{HashMap, HashSet};

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::future::join_all;
use onaltu_auth::Role;
use onaltu_proto::common::Language;
use onaltu_proto::feedback as fb;
use onaltu_proto::registry as reg;
use serde::Deserialize;
use uuid::Uuid;

use super::ErrorPage;
use super::trips;
use crate::domain::citizen_view as view;
use crate::domain::evaluation_form::{self as eval, EvaluationFields};
use crate::domain::form::{self, FormErrors};
use crate::domain::text::localized;
use crate::i18n::{Lang, Tr};
use crate::web::{AppState, Ctx, Layout, PageError, render, see_other};

/// A citizen's routes (trips included).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/my/services", get(services))
        .route("/my/evaluate/{episode_id}", get(evaluate).post(submit))
        .route("/my/evaluations", get(evaluations))
        .route("/my/evaluations/{id}/edit", get(edit).post(update))
        .route("/my/complaints", get(complaints))
        .merge(trips::routes())
        .layer(axum::middleware::map_response(crate::web::no_store))
}

/// The signed-in citizen's person id, or a refusal for anyone else.
pub(crate) fn citizen(ctx: &Ctx) -> Result<Uuid, PageError> {
    ctx.require(&[Role::Citizen])?
        .claims
        .person_id
        .ok_or(PageError::Forbidden)
}

/// A page notice named in the query string (`?notice=sent`), by its key.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct NoticeQuery {
    /// Which notice.
    pub notice: String,
}

impl NoticeQuery {
    /// The notice's text, when it names one of `known` (value, key).
    pub fn text(&self, tr: &Tr, known: &[(&str, &str)]) -> String {
        known
            .iter()
            .find(|(value, _)| *value == self.notice)
            .map(|(_, key)| tr.t(key))
            .unwrap_or_default()
    }
}

/// The page's language as the comment's language in the contract.
fn comment_language(lang: Lang) -> Language {
    match lang {
        Lang::Kk => Language::Kk,
        Lang::Ru => Language::Ru,
        Lang::En => Language::Unspecified,
    }
}

/// The names of centres `ids` in the page's language (public and cached by the registry).
pub(crate) async fn centre_names(
    state: &AppState,
    ctx: &Ctx,
    ids: impl IntoIterator<Item = String>,
) -> HashMap<String, String> {
    let ids: HashSet<String> = ids.into_iter().filter(|id| !id.is_empty()).collect();
    let calls = ids.into_iter().map(|id| async move {
        let name = state
            .backend
            .registry(ctx.token())
            .get_center(
                state
                    .backend
                    .to_registry(reg::GetCenterRequest { id: id.clone() }),
            )
            .await
            .ok()
            .and_then(|r| r.into_inner().center)
            .map(|c| localized(c.name.as_ref(), ctx.lang))
            .unwrap_or_default();
        (id, name)
    });
    join_all(calls).await.into_iter().collect()
}

/// A refusal a page is answered with, in the page's language: `key`'s message under the title
/// `title_key`, with `status`.
pub(crate) fn refusal(ctx: &Ctx, status: StatusCode, title_key: &str, key: &str) -> Response {
    let tr = ctx.tr();
    let page = ErrorPage {
        message: tr.t(key),
        sign_in: false,
        page: ctx.page(tr.t(title_key)),
    };
    (status, render(&page)).into_response()
}

// ---------------------------------------------------------------------------------------------
// Form views shared by the citizen's forms.

/// One line of a form's error summary: the message and the field it links to (none for the
/// form as a whole).
#[derive(Debug, Clone)]
pub(crate) struct ErrorLine {
    /// The id of the input to go to; empty for the form as a whole.
    pub anchor: String,
    /// The message.
    pub message: String,
}

/// A text input or text area as shown.
#[derive(Debug, Clone, Default)]
pub(crate) struct FieldView {
    /// Its id and name.
    pub id: String,
    /// Its label.
    pub label: String,
    /// Its hint, if any.
    pub hint: String,
    /// What was typed.
    pub value: String,
    /// Its error, if any.
    pub error: String,
    /// Lowest value (dates, times).
    pub min: String,
    /// Highest value.
    pub max: String,
    /// A keyboard hint (`numeric`).
    pub inputmode: String,
}

impl FieldView {
    /// The ids of its hint and error, for `aria-describedby`.
    pub fn describedby(&self) -> String {
        describedby(&self.id, &self.hint, &self.error)
    }
}

/// A group of radio buttons (in a fieldset with a legend) as shown.
#[derive(Debug, Clone, Default)]
pub(crate) struct RadioGroup {
    /// The field's name, and the fieldset's id.
    pub name: String,
    /// The question.
    pub legend: String,
    /// The hint, if any.
    pub hint: String,
    /// The error, if any.
    pub error: String,
    /// The choices.
    pub choices: Vec<Choice>,
}

impl RadioGroup {
    /// The ids of its hint and error, for `aria-describedby`.
    pub fn describedby(&self) -> String {
        describedby(&self.name, &self.hint, &self.error)
    }
}

/// One radio button or select option.
#[derive(Debug, Clone, Default)]
pub(crate) struct Choice {
    /// Its id (radio buttons).
    pub id: String,
    /// Its value.
    pub value: String,
    /// Its label.
    pub label: String,
    /// Whether chosen.
    pub checked: bool,
}

/// A select list as shown.
#[derive(Debug, Clone, Default)]
pub(crate) struct SelectView {
    /// Its id and name.
    pub id: String,
    /// Its label.
    pub label: String,
    /// Its hint, if any.
    pub hint: String,
    /// Its error, if any.
    pub error: String,
    /// The options.
    pub options: Vec<Choice>,
}

impl SelectView {
    /// The ids of its hint and error, for `aria-describedby`.
    pub fn describedby(&self) -> String {
        describedby(&self.id, &self.hint, &self.error)
    }
}

fn describedby(id: &str, hint: &str, error: &str) -> String {
    let mut ids = Vec::new();
    if !hint.is_empty() {
        ids.push(format!("{id}-hint"));
    }
    if !error.is_empty() {
        ids.push(format!("{id}-error"));
    }
    ids.join(" ")
}

/// The message of `field`'s error in `errors`, or empty.
pub(crate) fn error_of(tr: &Tr, errors: &FormErrors, field: &str) -> String {
    errors
        .of(field)
        .map(|e| tr.n(e.key, e.n))
        .unwrap_or_default()
}

/// The summary lines of `errors`; `anchor` gives the input a field's line links to.
pub(crate) fn summary(
    tr: &Tr,
    errors: &FormErrors,
    anchor: impl Fn(&str) -> String,
) -> Vec<ErrorLine> {
    errors
        .all()
        .iter()
        .map(|e| ErrorLine {
            anchor: if e.field.is_empty() {
                String::new()
            } else {
                anchor(e.field)
            },
            message: tr.n(e.key, e.n),
        })
        .collect()
}

/// A new id for one filling-in of a form.
pub(crate) fn new_request_id() -> String {
    Uuid::now_v7().to_string()
}

/// The request id a form came back with, which must be one the portal gave it.
pub(crate) fn sent_request_id(typed: &str) -> Result<String, PageError> {
    Uuid::parse_str(typed.trim())
        .map(|id| id.to_string())
        .map_err(|_| PageError::BadRequest("request_id".into()))
}

// ---------------------------------------------------------------------------------------------
// My services.

#[derive(Debug, Clone)]
struct EpisodeRow {
    centre: String,
    state: String,
    referral_date: String,
    admitted_on: String,
    ended_on: String,
    queue: String,
    evaluate_href: String,
    evaluated: bool,
}

#[derive(Debug, Clone)]
struct PersonServices {
    heading: String,
    episodes: Vec<EpisodeRow>,
}

#[derive(askama::Template)]
#[template(path = "my_services.html")]
struct ServicesPage {
    page: Layout,
    people: Vec<PersonServices>,
}

async fn services(ctx: Ctx, State(state): State<AppState>) -> Response {
    let result = async {
        let me = citizen(&ctx)?;
        let people = people(&state, &ctx, me).await?;
        let lists = join_all(people.iter().map(|(id, _)| episodes_of(&state, &ctx, id))).await;
        let evaluated = evaluated_episodes(&state, &ctx).await?;
        let mut all = Vec::new();
        for list in lists {
            all.push(list?);
        }
        let centres = centre_names(
            &state,
            &ctx,
            all.iter()
                .flatten()
                .filter_map(|e| e.referral.as_ref().map(|r| r.center_id.clone())),
        )
        .await;
        let tr = ctx.tr();
        let mut shown = Vec::new();
        for ((_, heading), episodes) in people.into_iter().zip(all) {
            let positions = join_all(episodes.iter().map(|e| position(&state, &ctx, e))).await;
            let rows = episodes
                .iter()
                .zip(positions)
                .map(|(e, p)| episode_row(&tr, e, p, &centres, &evaluated))
                .collect();
            shown.push(PersonServices {
                heading,
                episodes: rows,
            });
        }
        Ok(render(&ServicesPage {
            page: ctx.page(tr.t("my-services-title")),
            people: shown,
        }))
    }
    .await;
    ctx.answer(result)
}

/// The citizen and the persons they represent: (id, heading of their part of the page).
async fn people(state: &AppState, ctx: &Ctx, me: Uuid) -> Result<Vec<(String, String)>, PageError> {
    let tr = ctx.tr();
    let own = get_person(state, ctx, &me.to_string()).await?;
    let mut people = vec![(me.to_string(), tr.t("my-services-own"))];
    let represented = join_all(
        own.represented_person_ids
            .iter()
            .map(|id| get_person(state, ctx, id)),
    )
    .await;
    for person in represented {
        let p = person?;
        let name = format!("{} {}", p.given_name, p.surname);
        people.push((p.id, tr.s("my-services-represented", "name", name.trim())));
    }
    Ok(people)
}

pub(crate) async fn get_person(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
) -> Result<reg::Person, PageError> {
    state
        .backend
        .registry(ctx.token())
        .get_person(
            state
                .backend
                .to_registry(reg::GetPersonRequest { id: id.into() }),
        )
        .await
        .map_err(|s| PageError::from_status(&s))?
        .into_inner()
        .person
        .ok_or(PageError::NotFound)
}

async fn episodes_of(
    state: &AppState,
    ctx: &Ctx,
    person: &str,
) -> Result<Vec<reg::Episode>, PageError> {
    Ok(state
        .backend
        .registry(ctx.token())
        .list_episodes(state.backend.to_registry(reg::ListEpisodesRequest {
            person_id: person.into(),
            page_size: 100,
            ..Default::default()
        }))
        .await
        .map_err(|s| PageError::from_status(&s))?
        .into_inner()
        .episodes)
}

/// The queue position of a waiting episode; `None` for the others (or when it cannot be read:
/// the rest of the page still shows).
async fn position(state: &AppState, ctx: &Ctx, e: &reg::Episode) -> Option<reg::QueuePosition> {
    if !view::waiting(e.state) {
        return None;
    }
    state
        .backend
        .registry(ctx.token())
        .get_queue_position(state.backend.to_registry(reg::GetQueuePositionRequest {
            episode_id: e.id.clone(),
        }))
        .await
        .ok()
        .and_then(|r| r.into_inner().queue_position)
}

/// The episodes the citizen has evaluated (as recipient or as representative).
async fn evaluated_episodes(state: &AppState, ctx: &Ctx) -> Result<HashSet<String>, PageError> {
    Ok(my_evaluations(state, ctx)
        .await?
        .into_iter()
        .map(|e| e.episode_id)
        .collect())
}

async fn my_evaluations(state: &AppState, ctx: &Ctx) -> Result<Vec<fb::Evaluation>, PageError> {
    Ok(state
        .backend
        .feedback(ctx.token())
        .list_evaluations(state.backend.to_feedback(fb::ListEvaluationsRequest {
            mine: true,
            page_size: 500,
            ..Default::default()
        }))
        .await
        .map_err(|s| PageError::from_status(&s))?
        .into_inner()
        .evaluations)
}

fn episode_row(
    tr: &Tr,
    e: &reg::Episode,
    position: Option<reg::QueuePosition>,
    centres: &HashMap<String, String>,
    evaluated: &HashSet<String>,
) -> EpisodeRow {
    let centre_id = e
        .referral
        .as_ref()
        .map(|r| r.center_id.clone())
        .unwrap_or_default();
    let done = evaluated.contains(&e.id);
    let queue = match position {
        Some(p) if p.position > 0 => {
            let mut told = tr.args(
                "my-services-position",
                &[
                    ("position", p.position.into()),
                    ("length", p.queue_length.into()),
                ],
            );
            if let Some(median) = p.median_wait_days {
                told.push(' ');
                told.push_str(&tr.n("my-services-median-wait", median.round()));
            }
            told
        }
        Some(p) if p.arrival_due_date.is_some() => tr.s(
            "my-services-arrival-due",
            "date",
            view::date(p.arrival_due_date.as_ref()),
        ),
        _ => String::new(),
    };
    EpisodeRow {
        centre: centres.get(&centre_id).cloned().unwrap_or_default(),
        state: tr.t(&view::episode_state_key(e.state)),
        referral_date: view::date(e.referral.as_ref().and_then(|r| r.referral_date.as_ref())),
        admitted_on: view::date(e.admitted_on.as_ref()),
        ended_on: view::date(e.ended_on.as_ref()),
        queue,
        evaluate_href: if view::evaluable(e.state, e.admitted_on.is_some(), done) {
            format!("/my/evaluate/{}", e.id)
        } else {
            String::new()
        },
        evaluated: done,
    }
}

// ---------------------------------------------------------------------------------------------
// The evaluation form.

/// The evaluation form as shown.
#[derive(Debug, Clone)]
pub(crate) struct EvaluationFormView {
    errors: Vec<ErrorLine>,
    scores_error: String,
    criteria: Vec<RadioGroup>,
    recommend: RadioGroup,
    days_waited: FieldView,
    comment: FieldView,
    complaint: Option<FieldView>,
}

#[derive(askama::Template)]
#[template(path = "my_evaluate.html")]
struct EvaluatePage {
    page: Layout,
    action: String,
    centre: String,
    about: String,
    request_id: String,
    submit_label: String,
    form: EvaluationFormView,
}

/// The input a field's summary line links to: the first radio button of a group (the highest
/// score comes first).
fn evaluation_anchor(field: &str) -> String {
    match field {
        "scores" => "results-5".into(),
        "would_recommend" => "would_recommend-10".into(),
        f if eval::CRITERIA.contains(&f) => format!("{f}-5"),
        f => f.into(),
    }
}

/// The legend of criterion `c`, in the page's language.
fn criterion_legend(tr: &Tr, c: &str) -> String {
    tr.t(&format!("my-criterion-{}", c.replace('_', "-")))
}

/// Criterion `c`'s radio group: a score from 5 down to 1, then "not applicable".
fn criterion_group(tr: &Tr, fields: &EvaluationFields, errors: &FormErrors, c: &str) -> RadioGroup {
    let chosen = fields.score(c);
    let mut choices: Vec<Choice> = (1..=5)
        .rev()
        .map(|s: i32| Choice {
            id: format!("{c}-{s}"),
            value: s.to_string(),
            label: tr.t(&format!("my-score-{s}")),
            checked: chosen == s.to_string(),
        })
        .collect();
    choices.push(Choice {
        id: format!("{c}-na"),
        value: eval::NOT_APPLICABLE.into(),
        label: tr.t("my-score-na"),
        checked: chosen == eval::NOT_APPLICABLE,
    });
    RadioGroup {
        name: c.into(),
        legend: criterion_legend(tr, c),
        hint: tr.t(&format!("my-criterion-{}-hint", c.replace('_', "-"))),
        error: error_of(tr, errors, c),
        choices,
    }
}

/// Whether the person would recommend the centre: from the most down to 0, or no answer.
fn recommend_group(tr: &Tr, fields: &EvaluationFields, errors: &FormErrors) -> RadioGroup {
    let mut choices: Vec<Choice> = (0..=eval::MAX_RECOMMEND)
        .rev()
        .map(|r| Choice {
            id: format!("would_recommend-{r}"),
            value: r.to_string(),
            label: r.to_string(),
            checked: fields.would_recommend.trim() == r.to_string(),
        })
        .collect();
    choices.push(Choice {
        id: "would_recommend-none".into(),
        value: String::new(),
        label: tr.t("my-recommend-no-answer"),
        checked: fields.would_recommend.trim().is_empty(),
    });
    RadioGroup {
        name: "would_recommend".into(),
        legend: tr.t("my-recommend-legend"),
        hint: tr.t("my-recommend-hint"),
        error: error_of(tr, errors, "would_recommend"),
        choices,
    }
}

/// The error summary of the evaluation form.
fn evaluation_summary(tr: &Tr, errors: &FormErrors) -> Vec<ErrorLine> {
    summary(tr, errors, evaluation_anchor)
        .into_iter()
        .zip(errors.all())
        .map(|(mut line, e)| {
            // Seven criteria share one message: the summary names which one it is.
            if eval::CRITERIA.contains(&e.field) {
                let legend = criterion_legend(tr, e.field);
                line.message = format!("{legend}: {}", line.message);
            }
            line
        })
        .collect()
}

fn evaluation_view(
    tr: &Tr,
    fields: &EvaluationFields,
    errors: &FormErrors,
    with_complaint: bool,
) -> EvaluationFormView {
    EvaluationFormView {
        errors: evaluation_summary(tr, errors),
        scores_error: error_of(tr, errors, "scores"),
        criteria: eval::CRITERIA
            .iter()
            .map(|c| criterion_group(tr, fields, errors, c))
            .collect(),
        recommend: recommend_group(tr, fields, errors),
        days_waited: FieldView {
            id: "days_waited".into(),
            label: tr.t("my-days-waited-label"),
            hint: tr.t("my-days-waited-hint"),
            value: fields.days_waited.clone(),
            error: error_of(tr, errors, "days_waited"),
            inputmode: "numeric".into(),
            ..FieldView::default()
        },
        comment: FieldView {
            id: "comment".into(),
            label: tr.t("my-comment-label"),
            hint: tr.n("my-comment-hint", eval::MAX_COMMENT_CHARS),
            value: fields.comment.clone(),
            error: error_of(tr, errors, "comment"),
            ..FieldView::default()
        },
        complaint: with_complaint.then(|| FieldView {
            id: "complaint".into(),
            label: tr.t("my-complaint-label"),
            hint: tr.n("my-complaint-hint", eval::MAX_COMPLAINT_CHARS),
            value: fields.complaint.clone(),
            error: error_of(tr, errors, "complaint"),
            ..FieldView::default()
        }),
    }
}

/// What the page says of the episode evaluated: its centre and its dates.
async fn episode_about(
    state: &AppState,
    ctx: &Ctx,
    episode_id: &str,
) -> Result<(reg::Episode, String, String), PageError> {
    let episode = state
        .backend
        .registry(ctx.token())
        .get_episode(state.backend.to_registry(reg::GetEpisodeRequest {
            id: episode_id.into(),
        }))
        .await
        .map_err(|s| PageError::from_status(&s))?
        .into_inner()
        .episode
        .ok_or(PageError::NotFound)?;
    let centre_id = episode
        .referral
        .as_ref()
        .map(|r| r.center_id.clone())
        .unwrap_or_default();
    let centre = centre_names(state, ctx, [centre_id.clone()])
        .await
        .remove(&centre_id)
        .unwrap_or_default();
    let tr = ctx.tr();
    let about = tr.args(
        "my-evaluate-about",
        &[
            ("admitted", view::date(episode.admitted_on.as_ref()).into()),
            ("ended", view::date(episode.ended_on.as_ref()).into()),
        ],
    );
    Ok((episode, centre, about))
}

#[allow(clippy::too_many_arguments)]
fn evaluate_page(
    ctx: &Ctx,
    action: String,
    centre: String,
    about: String,
    request_id: String,
    fields: &EvaluationFields,
    errors: &FormErrors,
    editing: bool,
) -> Response {
    let tr = ctx.tr();
    let title_key = if editing {
        "my-edit-title"
    } else {
        "my-evaluate-title"
    };
    let page = EvaluatePage {
        page: ctx.page(tr.t(title_key)).with_errors(!errors.is_empty()),
        action,
        centre,
        about,
        request_id,
        submit_label: tr.t(if editing {
            "my-edit-submit"
        } else {
            "my-evaluate-submit"
        }),
        form: evaluation_view(&tr, fields, errors, !editing),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, render(&page)).into_response()
}

async fn evaluate(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(episode_id): Path<String>,
) -> Response {
    let result = async {
        citizen(&ctx)?;
        let (episode, centre, about) = episode_about(&state, &ctx, &episode_id).await?;
        if episode.admitted_on.is_none() {
            return Ok(refusal(
                &ctx,
                StatusCode::CONFLICT,
                "my-evaluate-title",
                "my-eval-error-not-received",
            ));
        }
        let fields = EvaluationFields {
            days_waited: episode.wait_days.map(|d| d.to_string()).unwrap_or_default(),
            ..EvaluationFields::default()
        };
        Ok(evaluate_page(
            &ctx,
            format!("/my/evaluate/{episode_id}"),
            centre,
            about,
            new_request_id(),
            &fields,
            &FormErrors::new(),
            false,
        ))
    }
    .await;
    ctx.answer(result)
}

/// What became of a form the service was sent.
enum Sent {
    /// Done: go to this address.
    Done(String),
    /// Refused for what was typed: show the form again with these errors.
    Form(FormErrors),
}

async fn submit(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(episode_id): Path<String>,
    Form(fields): Form<EvaluationFields>,
) -> Response {
    let result = async {
        ctx.form_session(&fields.csrf)?;
        citizen(&ctx)?;
        let request_id = sent_request_id(&fields.request_id)?;
        let errors = match eval::validate(&fields) {
            Ok(input) => {
                match send_evaluation(&state, &ctx, &episode_id, &request_id, &input).await? {
                    Sent::Done(to) => return Ok(see_other(&to)),
                    Sent::Form(errors) => errors,
                }
            }
            Err(errors) => errors,
        };
        let (_, centre, about) = episode_about(&state, &ctx, &episode_id).await?;
        Ok(evaluate_page(
            &ctx,
            format!("/my/evaluate/{episode_id}"),
            centre,
            about,
            request_id,
            &fields,
            &errors,
            false,
        ))
    }
    .await;
    ctx.answer(result)
}

async fn send_evaluation(
    state: &AppState,
    ctx: &Ctx,
    episode_id: &str,
    request_id: &str,
    input: &eval::EvaluationInput,
) -> Result<Sent, PageError> {
    let answer = state
        .backend
        .feedback(ctx.token())
        .submit_evaluation(state.backend.to_feedback(fb::SubmitEvaluationRequest {
            request_id: request_id.into(),
            evaluation: Some(input.evaluation(episode_id, "", comment_language(ctx.lang))),
            complaint_text: input.complaint.clone(),
        }))
        .await;
    match answer {
        Ok(_) => Ok(Sent::Done("/my/evaluations?notice=sent".into())),
        Err(s) => match s.code() {
            tonic::Code::InvalidArgument => Ok(Sent::Form(eval::service_errors(&s))),
            tonic::Code::AlreadyExists => Ok(Sent::Done("/my/evaluations?notice=exists".into())),
            tonic::Code::FailedPrecondition => {
                let kinds = form::failed_preconditions(&s);
                if kinds.iter().any(|k| k == "REQUEST_ID_REUSED") {
                    return Ok(Sent::Done("/my/evaluations?notice=exists".into()));
                }
                let mut errors = FormErrors::new();
                errors.add("", "my-eval-error-not-received");
                Ok(Sent::Form(errors))
            }
            _ => Err(PageError::from_status(&s)),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Editing an evaluation.

async fn get_evaluation(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
) -> Result<fb::Evaluation, PageError> {
    state
        .backend
        .feedback(ctx.token())
        .get_evaluation(
            state
                .backend
                .to_feedback(fb::GetEvaluationRequest { id: id.into() }),
        )
        .await
        .map_err(|s| PageError::from_status(&s))?
        .into_inner()
        .evaluation
        .ok_or(PageError::NotFound)
}

/// The evaluation `id` as its author edits it: the centre's name and the dates said, or the
/// refusal once the 14 days have passed.
async fn editable_evaluation(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
) -> Result<Result<(fb::Evaluation, String, String), Response>, PageError> {
    let e = get_evaluation(state, ctx, id).await?;
    if !view::editable(chrono::Utc::now(), e.editable_until.as_ref()) {
        return Ok(Err(edit_closed(ctx)));
    }
    let centre = centre_names(state, ctx, [e.center_id.clone()])
        .await
        .remove(&e.center_id)
        .unwrap_or_default();
    let about = ctx.tr().args(
        "my-edit-about",
        &[
            ("sent", view::local_day(e.submit_time.as_ref()).into()),
            (
                "until",
                view::local_day_time(e.editable_until.as_ref()).into(),
            ),
        ],
    );
    Ok(Ok((e, centre, about)))
}

fn edit_closed(ctx: &Ctx) -> Response {
    refusal(
        ctx,
        StatusCode::CONFLICT,
        "my-edit-title",
        "my-eval-error-edit-window",
    )
}

async fn edit(ctx: Ctx, State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let result = async {
        citizen(&ctx)?;
        let (e, centre, about) = match editable_evaluation(&state, &ctx, &id).await? {
            Ok(found) => found,
            Err(closed) => return Ok(closed),
        };
        Ok(evaluate_page(
            &ctx,
            format!("/my/evaluations/{id}/edit"),
            centre,
            about,
            String::new(),
            &EvaluationFields::of_evaluation(&e),
            &FormErrors::new(),
            true,
        ))
    }
    .await;
    ctx.answer(result)
}

async fn update(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(fields): Form<EvaluationFields>,
) -> Response {
    let result = async {
        ctx.form_session(&fields.csrf)?;
        citizen(&ctx)?;
        let errors = match eval::validate(&fields) {
            Ok(input) => match send_update(&state, &ctx, &id, &input).await? {
                Some(Sent::Done(to)) => return Ok(see_other(&to)),
                Some(Sent::Form(errors)) => errors,
                None => return Ok(edit_closed(&ctx)),
            },
            Err(errors) => errors,
        };
        let (_, centre, about) = match editable_evaluation(&state, &ctx, &id).await? {
            Ok(found) => found,
            Err(closed) => return Ok(closed),
        };
        let action = format!("/my/evaluations/{id}/edit");
        Ok(evaluate_page(
            &ctx,
            action,
            centre,
            about,
            String::new(),
            &fields,
            &errors,
            true,
        ))
    }
    .await;
    ctx.answer(result)
}

/// Sends an author's edit; `None` when the edit window has closed.
async fn send_update(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    input: &eval::EvaluationInput,
) -> Result<Option<Sent>, PageError> {
    let answer = state
        .backend
        .feedback(ctx.token())
        .update_evaluation(
            state.backend.to_feedback(fb::UpdateEvaluationRequest {
                evaluation: Some(input.evaluation("", id, comment_language(ctx.lang))),
                update_mask: Some(prost_types::FieldMask {
                    paths: eval::UPDATE_PATHS
                        .iter()
                        .map(|p| (*p).to_string())
                        .collect(),
                }),
            }),
        )
        .await;
    match answer {
        Ok(_) => Ok(Some(Sent::Done("/my/evaluations?notice=updated".into()))),
        Err(s) if s.code() == tonic::Code::InvalidArgument => {
            Ok(Some(Sent::Form(eval::service_errors(&s))))
        }
        Err(s) if s.code() == tonic::Code::FailedPrecondition => Ok(None),
        Err(s) => Err(PageError::from_status(&s)),
    }
}

// ---------------------------------------------------------------------------------------------
// My evaluations.

#[derive(Debug, Clone)]
struct EvaluationRow {
    centre: String,
    submitted: String,
    status: String,
    status_class: String,
    note: String,
    reply: String,
    edit_href: String,
    editable_until: String,
    complaint: bool,
}

#[derive(askama::Template)]
#[template(path = "my_evaluations.html")]
struct EvaluationsPage {
    page: Layout,
    notice: String,
    rows: Vec<EvaluationRow>,
}

async fn evaluations(
    ctx: Ctx,
    State(state): State<AppState>,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let result = async {
        citizen(&ctx)?;
        let list = my_evaluations(&state, &ctx).await?;
        let centres = centre_names(&state, &ctx, list.iter().map(|e| e.center_id.clone())).await;
        let tr = ctx.tr();
        let now = chrono::Utc::now();
        let rows = list
            .iter()
            .map(|e| evaluation_row(&tr, e, &centres, now))
            .collect();
        let notices = [
            ("sent", "my-notice-eval-sent"),
            ("updated", "my-notice-eval-updated"),
            ("exists", "my-notice-eval-exists"),
        ];
        Ok(render(&EvaluationsPage {
            page: ctx.page(tr.t("my-evaluations-title")),
            notice: q.text(&tr, &notices),
            rows,
        }))
    }
    .await;
    ctx.answer(result)
}

fn evaluation_row(
    tr: &Tr,
    e: &fb::Evaluation,
    centres: &HashMap<String, String>,
    now: chrono::DateTime<chrono::Utc>,
) -> EvaluationRow {
    let editable = view::editable(now, e.editable_until.as_ref());
    let rejected = e.status == fb::EvaluationStatus::Rejected as i32;
    EvaluationRow {
        centre: centres.get(&e.center_id).cloned().unwrap_or_default(),
        submitted: view::local_day(e.submit_time.as_ref()),
        status: tr.t(&view::evaluation_status_key(e.status)),
        status_class: view::evaluation_status_key(e.status),
        note: if rejected {
            e.moderation
                .as_ref()
                .map(|m| m.note.clone())
                .unwrap_or_default()
        } else {
            String::new()
        },
        reply: e.reply.as_ref().map(|r| r.text.clone()).unwrap_or_default(),
        edit_href: if editable {
            format!("/my/evaluations/{}/edit", e.id)
        } else {
            String::new()
        },
        editable_until: view::local_day_time(e.editable_until.as_ref()),
        complaint: !e.complaint_id.is_empty(),
    }
}

// ---------------------------------------------------------------------------------------------
// My complaints.

#[derive(Debug, Clone)]
struct ComplaintRow {
    centre: String,
    received: String,
    status: String,
    deadline: String,
    deadline_iso: String,
    overdue: bool,
    closed: String,
    text: String,
    response: String,
    resolution: String,
}

#[derive(askama::Template)]
#[template(path = "my_complaints.html")]
struct ComplaintsPage {
    page: Layout,
    rows: Vec<ComplaintRow>,
}

async fn complaints(ctx: Ctx, State(state): State<AppState>) -> Response {
    let result = async {
        citizen(&ctx)?;
        let list = state
            .backend
            .feedback(ctx.token())
            .list_complaints(state.backend.to_feedback(fb::ListComplaintsRequest {
                page_size: 500,
                ..Default::default()
            }))
            .await
            .map_err(|s| PageError::from_status(&s))?
            .into_inner()
            .complaints;
        let centres = centre_names(&state, &ctx, list.iter().map(|c| c.center_id.clone())).await;
        let tr = ctx.tr();
        let rows = list
            .iter()
            .map(|c| ComplaintRow {
                centre: centres.get(&c.center_id).cloned().unwrap_or_default(),
                received: view::local_day(c.create_time.as_ref()),
                status: tr.t(&view::complaint_status_key(c.status)),
                deadline: view::date(c.deadline.as_ref()),
                deadline_iso: view::iso_date(c.deadline.as_ref()),
                overdue: c.overdue,
                closed: view::local_day(c.close_time.as_ref()),
                text: c.text.clone(),
                response: c.center_response.clone(),
                resolution: c.resolution.clone(),
            })
            .collect();
        Ok(render(&ComplaintsPage {
            page: ctx.page(tr.t("my-complaints-title")),
            rows,
        }))
    }
    .await;
    ctx.answer(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys the pages choose at run time (passed on, or built from a criterion or a score), which
    /// the catalogue scan cannot see.
    #[test]
    fn every_key_chosen_at_run_time_is_translated() {
        let mut keys: Vec<String> = [
            "my-evaluate-title",
            "my-edit-title",
            "my-evaluate-submit",
            "my-edit-submit",
            "my-eval-error-edit-window",
            "my-notice-eval-sent",
            "my-notice-eval-updated",
            "my-notice-eval-exists",
            "my-notice-trip-requested",
            "my-notice-trip-rejected",
            "my-notice-trip-cancelled",
            "my-notice-trip-late-cancelled",
            "my-trip-cancel-title",
            "my-trip-cancel-impossible",
            "my-trip-to-centre",
            "my-trip-from-centre",
            "my-trip-time-pickup",
            "my-trip-time-arrival",
            "my-score-na",
        ]
        .map(String::from)
        .to_vec();
        for c in eval::CRITERIA {
            let c = c.replace('_', "-");
            keys.push(format!("my-criterion-{c}"));
            keys.push(format!("my-criterion-{c}-hint"));
        }
        for s in 1..=5 {
            keys.push(format!("my-score-{s}"));
        }
        for lang in Lang::ALL {
            let tr = Tr::new(lang);
            for key in &keys {
                assert!(tr.has(key), "{} lacks {key}", lang.code());
            }
        }
    }

    #[test]
    fn a_field_is_described_by_its_hint_and_its_error() {
        assert_eq!(describedby("comment", "hint", ""), "comment-hint");
        assert_eq!(
            describedby("comment", "hint", "error"),
            "comment-hint comment-error"
        );
        assert_eq!(describedby("comment", "", ""), "");
        assert_eq!(evaluation_anchor("scores"), "results-5");
        assert_eq!(evaluation_anchor("waiting"), "waiting-5");
        assert_eq!(evaluation_anchor("comment"), "comment");
    }

    #[test]
    fn an_error_titles_the_page() {
        let layout = crate::web::Layout {
            tr: Tr::new(Lang::En),
            lang: Lang::En,
            title: "Form".into(),
            heading: "Form".into(),
            here: "/".into(),
            role: None,
            csrf: String::new(),
        };
        let with = layout.clone().with_errors(true);
        assert_eq!(
            (with.title.as_str(), with.heading.as_str()),
            ("Error: Form", "Form")
        );
        assert_eq!(layout.with_errors(false).title, "Form");
        assert!(
            Tr::new(Lang::Kk)
                .s("title-with-errors", "title", "X")
                .starts_with("Қате:")
        );
    }
}
