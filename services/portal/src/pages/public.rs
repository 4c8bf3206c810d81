//! The public pages, no sign-in: centres by region with their current rating, a centre's page
//! (contacts, the rating explained line by line, its history, the feedback summary and the
//! published evaluations with the centre's replies), and the methodology. The services are
//! called without a token whoever is signed in, so every visitor sees the same public view, and
//! every page is cacheable for a minute with an entity tag of what it shows.

use std::collections::HashMap;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH, VARY};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use onaltu_proto::feedback as fb;
use onaltu_proto::rating as rt;
use onaltu_proto::registry as reg;
use serde::Deserialize;

use crate::domain::centre_view::{self, Filter, FilterChoices};
use crate::domain::chart::{self, Chart};
use crate::domain::paging::{Pager, Trail};
use crate::domain::rating_view::{self as view, CriterionLine, RatingSummary};
use crate::domain::{etag, text};
use crate::i18n::Tr;
use crate::web::{AppState, Ctx, Layout, PageError, see_other};

/// Centres on a page of the list.
const CENTRES_PER_PAGE: i32 = 20;
/// Ratings asked for at once to match a page of centres (the services' largest page).
const RATINGS_AT_ONCE: i32 = 500;
/// Evaluations on a page of a centre's page.
const EVALUATIONS_PER_PAGE: i32 = 10;
/// Periods of a centre's history shown (five years of quarters).
const HISTORY_PERIODS: i32 = 20;

/// Public routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { see_other("/centres") }))
        .route("/centres", get(centres))
        .route("/centres/{id}", get(centre))
        .route("/methodology", get(methodology))
}

/// A public page as the response: rendered, tagged with an entity tag of its body and cacheable
/// for a minute; `304 Not Modified` with no body when the visitor already holds it. A signed-in
/// visitor's copy carries the session's form token, so it is kept out of shared caches.
pub fn public_page<T: askama::Template>(
    ctx: &Ctx,
    request: &HeaderMap,
    template: &T,
) -> Result<Response, PageError> {
    let body = template
        .render()
        .map_err(|e| PageError::Internal(format!("template: {e}")))?;
    let tag = etag::of(body.as_bytes());
    let cache = if ctx.session.is_some() {
        "private, no-cache"
    } else {
        "public, max-age=60"
    };
    let headers = [
        (CACHE_CONTROL, HeaderValue::from_static(cache)),
        (VARY, HeaderValue::from_static("Cookie, Accept-Language")),
        (
            ETAG,
            HeaderValue::from_str(&tag).map_err(|e| PageError::Internal(e.to_string()))?,
        ),
    ];
    if etag::matches(request.get(IF_NONE_MATCH), &tag) {
        return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    Ok((headers, Html(body)).into_response())
}

/// A service's answer, or the page its refusal becomes.
fn answered<T>(result: Result<tonic::Response<T>, tonic::Status>) -> Result<T, PageError> {
    result
        .map(tonic::Response::into_inner)
        .map_err(|s| PageError::from_status(&s))
}

/// A service's answer; `None` when it has no such record.
fn found<T>(result: Result<tonic::Response<T>, tonic::Status>) -> Result<Option<T>, PageError> {
    match result {
        Ok(r) => Ok(Some(r.into_inner())),
        Err(s) if s.code() == tonic::Code::NotFound => Ok(None),
        Err(s) => Err(PageError::from_status(&s)),
    }
}

/// The centres list's query string.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CentresQuery {
    /// Region code (ISO 3166-2:KZ).
    pub region: String,
    /// Sector's address name.
    pub sector: String,
    /// Kind's address name.
    pub kind: String,
    /// Service form's address name.
    pub form: String,
    /// Name search.
    pub q: String,
    /// The trail of page tokens.
    pub page: String,
}

/// A centre as the list shows it.
#[derive(Debug, Clone)]
pub struct CentreRow {
    /// Its id.
    pub id: String,
    /// Its name in the page's language (Kazakh or Russian, whichever exists).
    pub name: String,
    /// Its region's name.
    pub region: String,
    /// Its sector's name.
    pub sector: String,
    /// Its kind's name.
    pub kind: String,
    /// Its service forms, joined.
    pub forms: String,
    /// Its current rating, when rated.
    pub rating: Option<RatingSummary>,
}

impl CentreRow {
    fn new(c: &reg::Center, rating: Option<&rt::CenterRating>, tr: &Tr) -> Self {
        Self {
            id: c.id.clone(),
            name: text::localized(c.name.as_ref(), tr.lang()),
            region: centre_view::region_name(tr, &c.region_code),
            sector: centre_view::sector_name(tr, c.sector),
            kind: centre_view::kind_name(tr, c.kind),
            forms: centre_view::form_names(tr, &c.service_forms).join(", "),
            rating: rating.map(|r| RatingSummary::of(r, tr)),
        }
    }
}

#[derive(askama::Template)]
#[template(path = "centres.html")]
struct CentresPage {
    page: Layout,
    filter: Filter,
    choices: FilterChoices,
    centres: Vec<CentreRow>,
    /// How many centres match, in words (the registry counts on the first page only).
    found: Option<String>,
    pager: Pager,
}

async fn centres(
    ctx: Ctx,
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<CentresQuery>, QueryRejection>,
) -> Response {
    let result = async {
        let query = query.map(|q| q.0).unwrap_or_default();
        let filter = Filter::new(
            &query.region,
            &query.sector,
            &query.kind,
            &query.form,
            &query.q,
        );
        let trail = Trail::parse(&query.page);
        let (list, board) = tokio::join!(
            list_centres(&state, &filter, &trail),
            leaderboard(&state, &filter)
        );
        let list = list?;
        let ratings = ratings_of(&state, &list.centers, board?).await?;
        let tr = ctx.tr();
        let page = CentresPage {
            page: ctx.page(tr.t("centres-title")),
            choices: FilterChoices::new(&tr, &filter),
            centres: (list.centers.iter())
                .map(|c| CentreRow::new(c, ratings.get(&c.id), &tr))
                .collect(),
            found: (trail.is_first()).then(|| tr.n("centres-found", list.total_size)),
            pager: Pager::new("/centres", &filter.params(), &trail, &list.next_page_token),
            filter,
        };
        public_page(&ctx, &headers, &page)
    }
    .await;
    ctx.answer(result)
}

/// The page of centres `filter` and `trail` ask for.
async fn list_centres(
    state: &AppState,
    filter: &Filter,
    trail: &Trail,
) -> Result<reg::ListCentersResponse, PageError> {
    let request = reg::ListCentersRequest {
        page_size: CENTRES_PER_PAGE,
        page_token: trail.current().to_string(),
        region_code: filter.region.clone(),
        sector: filter.sector_value(),
        kind: filter.kind_value(),
        service_form: filter.form_value(),
        name_query: filter.q.clone(),
        ..Default::default()
    };
    answered(
        state
            .backend
            .registry(None)
            .list_centers(state.backend.to_registry(request))
            .await,
    )
}

/// The latest ratings of the centres in `filter`'s region, sector and kind: one call covers a
/// page of centres unless the region holds more rated centres than the call returns.
async fn leaderboard(
    state: &AppState,
    filter: &Filter,
) -> Result<rt::ListRatingsResponse, PageError> {
    let request = rt::ListRatingsRequest {
        page_size: RATINGS_AT_ONCE,
        region_code: filter.region.clone(),
        sector: filter.sector_value(),
        kind: filter.kind_value(),
        ..Default::default()
    };
    answered(
        state
            .backend
            .rating(None)
            .list_ratings(state.backend.to_rating(request))
            .await,
    )
}

/// The ratings of `centres` by centre id: from the leaderboard, and for the centres beyond it
/// (only when the leaderboard has more pages) one by one.
async fn ratings_of(
    state: &AppState,
    centres: &[reg::Center],
    board: rt::ListRatingsResponse,
) -> Result<HashMap<String, rt::CenterRating>, PageError> {
    let more = !board.next_page_token.is_empty();
    let mut by_id: HashMap<String, rt::CenterRating> = board
        .ratings
        .into_iter()
        .map(|r| (r.center_id.clone(), r))
        .collect();
    if more {
        let missing = centres.iter().filter(|c| !by_id.contains_key(&c.id));
        let asks = missing.map(|c| async move {
            let request = rt::GetCenterRatingRequest {
                center_id: c.id.clone(),
                ..Default::default()
            };
            let mut client = state.backend.rating(None);
            found(
                client
                    .get_center_rating(state.backend.to_rating(request))
                    .await,
            )
        });
        for answer in futures::future::join_all(asks).await {
            if let Some(rating) = answer?.and_then(|r| r.rating) {
                by_id.insert(rating.center_id.clone(), rating);
            }
        }
    }
    Ok(by_id)
}

/// The query string of a centre's page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CentreQuery {
    /// The trail of page tokens of the evaluations.
    pub page: String,
}

/// A centre's facts as its page shows them.
#[derive(Debug, Clone)]
pub struct CentreFacts {
    /// Region's name.
    pub region: String,
    /// Sector's name.
    pub sector: String,
    /// Kind's name.
    pub kind: String,
    /// Postal address, with the district when given.
    pub address: String,
    /// Phones.
    pub phones: Vec<String>,
    /// E-mails.
    pub emails: Vec<String>,
    /// Website, when it is a web address.
    pub website: Option<String>,
    /// Service forms, joined.
    pub forms: String,
    /// Ages served, in words.
    pub ages: String,
}

impl CentreFacts {
    fn new(c: &reg::Center, tr: &Tr) -> Self {
        let address = [c.district.trim(), c.address.trim()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        Self {
            region: centre_view::region_name(tr, &c.region_code),
            sector: centre_view::sector_name(tr, c.sector),
            kind: centre_view::kind_name(tr, c.kind),
            address,
            phones: c.phones.clone(),
            emails: c.emails.clone(),
            website: Some(c.website.trim().to_string()).filter(|w| centre_view::linkable(w)),
            forms: centre_view::form_names(tr, &c.service_forms).join(", "),
            ages: centre_view::ages_text(tr, c.ages_served.as_ref()),
        }
    }
}

/// The current rating with its explanation.
#[derive(Debug, Clone)]
pub struct RatingBlock {
    /// Stars, tier, ranks.
    pub summary: RatingSummary,
    /// The service's explanation, line by line.
    pub explanations: Vec<String>,
    /// The flags explained.
    pub flags: Vec<String>,
    /// The criteria with their indicators.
    pub criteria: Vec<CriterionLine>,
    /// The methodology version used.
    pub methodology: String,
}

impl RatingBlock {
    fn new(r: &rt::CenterRating, tr: &Tr) -> Self {
        Self {
            summary: RatingSummary::of(r, tr),
            explanations: (r.explanations.iter())
                .map(|e| view::explanation_line(e, tr.lang()))
                .collect(),
            flags: r.flags.iter().map(|f| tr.t(view::flag_key(*f))).collect(),
            criteria: view::criteria_lines(r, tr),
            methodology: tr.s(
                "rating-methodology-version",
                "version",
                &r.methodology_version,
            ),
        }
    }
}

/// The feedback summary of the current quarter.
#[derive(Debug, Clone)]
pub struct FeedbackBlock {
    /// The period, in words.
    pub period: String,
    /// Evaluations counted.
    pub n: i64,
    /// Fewer than the minimum: the values are not shown.
    pub suppressed: bool,
    /// The minimum.
    pub min: i64,
    /// Overall Bayesian mean.
    pub overall: Option<String>,
    /// Would-recommend share in words.
    pub recommend: Option<String>,
    /// Median days waited, in words.
    pub median_wait: Option<String>,
    /// Per criterion.
    pub lines: Vec<view::FeedbackLine>,
    /// The headings of the score columns, 1 to 5.
    pub columns: Vec<String>,
}

/// Published evaluations needed before a summary shows its values.
const MIN_EVALUATIONS: i64 = 5;

impl FeedbackBlock {
    fn new(s: &fb::CenterFeedbackSummary, tr: &Tr) -> Self {
        Self {
            period: view::period_text(tr, s.period.as_ref()),
            n: s.n,
            suppressed: s.suppressed,
            min: MIN_EVALUATIONS,
            overall: s
                .overall_bayesian_mean
                .map(|m| view::decimal(m, 2, tr.lang())),
            recommend: s
                .recommend
                .filter(|r| r.n > 0)
                .map(|r| tr.s("feedback-recommend-share", "share", view::percent(r.share))),
            median_wait: s.median_days_waited.map(|d| tr.n("unit-days", d.round())),
            lines: view::feedback_lines(s, tr),
            columns: (1..=5).map(|n| tr.n("feedback-score-column", n)).collect(),
        }
    }
}

#[derive(askama::Template)]
#[template(path = "centre.html")]
struct CentrePage {
    page: Layout,
    centre: CentreFacts,
    rating: Option<RatingBlock>,
    history: Vec<view::HistoryRow>,
    chart: Chart,
    chart_label: String,
    feedback: Option<FeedbackBlock>,
    evaluations: Vec<view::EvaluationView>,
    pager: Pager,
}

async fn centre(
    ctx: Ctx,
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    query: Result<Query<CentreQuery>, QueryRejection>,
) -> Response {
    let result = async {
        let id = uuid::Uuid::parse_str(&id)
            .map_err(|_| PageError::NotFound)?
            .to_string();
        let query = query.map(|q| q.0).unwrap_or_default();
        let trail = Trail::parse(&query.page);
        let (centre, rating, history, summary, listed) = tokio::join!(
            get_centre(&state, &id),
            current_rating(&state, &id),
            rating_history(&state, &id),
            feedback_summary(&state, &id),
            evaluations(&state, &id, &trail),
        );
        let (centre, history, listed) = (centre?, history?, listed?);
        let tr = ctx.tr();
        let name = text::localized(centre.name.as_ref(), tr.lang());
        let (rows, series) = view::history(&history, &tr);
        let page = CentrePage {
            page: ctx.page(name.clone()),
            centre: CentreFacts::new(&centre, &tr),
            rating: rating?.as_ref().map(|r| RatingBlock::new(r, &tr)),
            chart: chart::draw(&series),
            chart_label: tr.s("history-chart", "name", &name),
            history: rows,
            feedback: summary?.as_ref().map(|s| FeedbackBlock::new(s, &tr)),
            evaluations: (listed.evaluations.iter())
                .map(|e| view::evaluation_view(e, &tr))
                .collect(),
            pager: Pager::new(
                &format!("/centres/{id}"),
                &[],
                &trail,
                &listed.next_page_token,
            ),
        };
        public_page(&ctx, &headers, &page)
    }
    .await;
    ctx.answer(result)
}

/// The centre `id`; NOT_FOUND also for an id the registry refuses.
async fn get_centre(state: &AppState, id: &str) -> Result<reg::Center, PageError> {
    let request = reg::GetCenterRequest { id: id.to_string() };
    let answer = state
        .backend
        .registry(None)
        .get_center(state.backend.to_registry(request))
        .await;
    match answer {
        Err(s) if s.code() == tonic::Code::InvalidArgument => Err(PageError::NotFound),
        other => answered(other)?.center.ok_or(PageError::NotFound),
    }
}

/// The centre's latest rating, if it has been rated.
async fn current_rating(state: &AppState, id: &str) -> Result<Option<rt::CenterRating>, PageError> {
    let request = rt::GetCenterRatingRequest {
        center_id: id.to_string(),
        ..Default::default()
    };
    let answer = state
        .backend
        .rating(None)
        .get_center_rating(state.backend.to_rating(request))
        .await;
    Ok(found(answer)?.and_then(|r| r.rating))
}

/// The centre's latest rating of each period, newest first.
async fn rating_history(state: &AppState, id: &str) -> Result<Vec<rt::CenterRating>, PageError> {
    let request = rt::GetRatingHistoryRequest {
        page_size: HISTORY_PERIODS,
        center_id: id.to_string(),
        ..Default::default()
    };
    let answer = state
        .backend
        .rating(None)
        .get_rating_history(state.backend.to_rating(request))
        .await;
    Ok(found(answer)?.map(|h| h.ratings).unwrap_or_default())
}

/// The summary of the centre's published evaluations this quarter.
async fn feedback_summary(
    state: &AppState,
    id: &str,
) -> Result<Option<fb::CenterFeedbackSummary>, PageError> {
    let request = fb::GetCenterFeedbackSummaryRequest {
        center_id: id.to_string(),
        period: None,
    };
    let answer = state
        .backend
        .feedback(None)
        .get_center_feedback_summary(state.backend.to_feedback(request))
        .await;
    Ok(found(answer)?.and_then(|s| s.summary))
}

/// A page of the centre's published evaluations, newest first.
async fn evaluations(
    state: &AppState,
    id: &str,
    trail: &Trail,
) -> Result<fb::ListEvaluationsResponse, PageError> {
    let request = fb::ListEvaluationsRequest {
        page_size: EVALUATIONS_PER_PAGE,
        page_token: trail.current().to_string(),
        center_id: id.to_string(),
        statuses: vec![fb::EvaluationStatus::Published as i32],
        ..Default::default()
    };
    let answer = state
        .backend
        .feedback(None)
        .list_evaluations(state.backend.to_feedback(request))
        .await;
    Ok(found(answer)?.unwrap_or_default())
}

#[derive(askama::Template)]
#[template(path = "methodology.html")]
struct MethodologyPage {
    page: Layout,
    m: view::MethodologyView,
}

async fn methodology(ctx: Ctx, State(state): State<AppState>, headers: HeaderMap) -> Response {
    let result = async {
        let request = rt::GetMethodologyRequest::default();
        let answer = state
            .backend
            .rating(None)
            .get_methodology(state.backend.to_rating(request))
            .await;
        let methodology = answered(answer)?.methodology.unwrap_or_default();
        let tr = ctx.tr();
        let page = MethodologyPage {
            page: ctx.page(tr.t("method-title")),
            m: view::methodology_view(&methodology, &tr),
        };
        public_page(&ctx, &headers, &page)
    }
    .await;
    ctx.answer(result)
}
