//! The city coordinator's dashboard (үйлестіруші тақтасы / панель координатора), for city
//! operators, auditors and administrators: the registry's statistics by region and breakdown,
//! the quarter's rating leaderboard, and the transport measures month by month, each as a chart
//! and a table, and each as a CSV file. Every call carries the person's own token, so the
//! services decide again what the role may read; the figures are about persons, so no page or
//! file is kept by any cache.

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::future::join_all;
use onaltu_api::Period;
use onaltu_auth::Role;
use onaltu_proto::rating as rt;
use onaltu_proto::registry as reg;
use onaltu_proto::transport as tp;

use super::citizen::{Choice, ErrorLine, FieldView, SelectView, error_of, summary};
use crate::domain::bar_chart::{self, BarChart};
use crate::domain::centre_view::{REGIONS, region_key, region_name};
use crate::domain::dashboard::{self as dash, Breakdown, LeaderRow, MonthRow, RawQuery, Row};
use crate::domain::form::FormErrors;
use crate::domain::paging::{Pager, Trail, link};
use crate::domain::rating_view::{period_label, period_text};
use crate::i18n::Tr;
use crate::web::{AppState, Ctx, Layout, PageError, render};

/// Who reads the dashboard.
const READERS: [Role; 3] = [Role::CityOperator, Role::Auditor, Role::Admin];
/// Centres on a page of the leaderboard.
const LEADERS_PER_PAGE: i32 = 25;
/// Centres asked for at once for a CSV file (the services' largest page).
const LEADERS_AT_ONCE: i32 = 500;
/// Pages of the leaderboard a CSV file reads at most (20,000 centres).
const CSV_PAGES: usize = 40;
const PATH: &str = "/coordinator";

/// The dashboard's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PATH, get(dashboard))
        .route("/coordinator/statistics.csv", get(statistics_csv))
        .route("/coordinator/ratings.csv", get(ratings_csv))
        .route("/coordinator/transport.csv", get(transport_csv))
        .layer(axum::middleware::map_response(crate::web::no_store))
}

/// The query string, or a refusal when it cannot be read at all.
fn raw_query(query: Result<Query<RawQuery>, QueryRejection>) -> Result<RawQuery, PageError> {
    query
        .map(|Query(q)| q)
        .map_err(|e| PageError::BadRequest(e.body_text()))
}

// ---------------------------------------------------------------------------------------------
// Calls.

async fn fetch_statistics(
    state: &AppState,
    ctx: &Ctx,
    region: &str,
) -> Result<reg::Statistics, PageError> {
    let request = reg::GetStatisticsRequest {
        region_code: region.into(),
        as_of: None,
    };
    state
        .backend
        .registry(ctx.token())
        .get_statistics(state.backend.to_registry(request))
        .await
        .map_err(|s| PageError::from_status(&s))?
        .into_inner()
        .statistics
        .ok_or_else(|| PageError::Internal("statistics without a body".into()))
}

async fn fetch_ratings(
    state: &AppState,
    ctx: &Ctx,
    period: Option<Period>,
    page_token: &str,
    page_size: i32,
) -> Result<rt::ListRatingsResponse, PageError> {
    let request = rt::ListRatingsRequest {
        page_size,
        page_token: page_token.into(),
        period: period.map(Period::encode),
        ..Default::default()
    };
    Ok(state
        .backend
        .rating(ctx.token())
        .list_ratings(state.backend.to_rating(request))
        .await
        .map_err(|s| PageError::from_status(&s))?
        .into_inner())
}

async fn fetch_months(
    state: &AppState,
    ctx: &Ctx,
    months: &[Period],
) -> Result<Vec<(Period, tp::ServiceMetrics)>, PageError> {
    let calls = months.iter().map(|month| async move {
        let request = tp::GetServiceMetricsRequest {
            span: Some(tp::get_service_metrics_request::Span::Period(
                month.encode(),
            )),
        };
        let metrics = state
            .backend
            .transport(ctx.token())
            .get_service_metrics(state.backend.to_transport(request))
            .await
            .map_err(|s| PageError::from_status(&s))?
            .into_inner()
            .metrics
            .unwrap_or_default();
        Ok((*month, metrics))
    });
    join_all(calls).await.into_iter().collect()
}

// ---------------------------------------------------------------------------------------------
// The dashboard.

/// The statistics section as shown.
struct StatisticsView {
    title: String,
    caption: String,
    chart_label: String,
    chart: BarChart,
    columns: Vec<String>,
    rows: Vec<Row>,
    totals: Option<Vec<i64>>,
    note: String,
    summary: Vec<(String, String)>,
    as_of: String,
    csv_href: String,
}

/// The leaderboard section as shown.
struct RatingsView {
    caption: String,
    rows: Vec<LeaderRow>,
    pager: Pager,
    csv_href: String,
}

/// The transport section as shown.
struct TransportView {
    caption: String,
    chart_label: String,
    chart: BarChart,
    headers: Vec<String>,
    rows: Vec<MonthRow>,
    totals: Vec<String>,
    csv_href: String,
}

#[derive(askama::Template)]
#[template(path = "coordinator.html")]
struct DashboardPage {
    page: Layout,
    errors: Vec<ErrorLine>,
    region: SelectView,
    breakdown: SelectView,
    quarter: SelectView,
    from: FieldView,
    to: FieldView,
    raw: RawQuery,
    statistics: Option<StatisticsView>,
    ratings: Option<RatingsView>,
    transport: Option<TransportView>,
}

/// The query's choices as links keep them (the leaderboard's page apart).
fn params(raw: &RawQuery) -> [(&'static str, &str); 5] {
    [
        ("region", raw.region.trim()),
        ("breakdown", raw.breakdown.trim()),
        ("quarter", raw.quarter.trim()),
        ("from", raw.from.trim()),
        ("to", raw.to.trim()),
    ]
}

async fn dashboard(
    ctx: Ctx,
    State(state): State<AppState>,
    query: Result<Query<RawQuery>, QueryRejection>,
) -> Response {
    let result = async {
        ctx.require(&READERS)?;
        let raw = raw_query(query)?;
        let today = onaltu_api::today();
        let mut errors = FormErrors::new();
        let asked = dash::statistics_input(&raw, &mut errors);
        let quarter = dash::quarter_input(&raw, today, &mut errors);
        let months = dash::months_input(&raw, today, &mut errors);
        let (statistics, ratings, transport) = tokio::join!(
            shown(asked.as_ref(), |a| statistics_view(&state, &ctx, &raw, a)),
            shown(quarter, |q| ratings_view(&state, &ctx, &raw, q)),
            shown(months.as_deref(), |m| transport_view(&state, &ctx, &raw, m)),
        );
        let tr = ctx.tr();
        let errors = errors.ordered(&dash::FIELDS);
        let status = if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        };
        let page = DashboardPage {
            page: ctx
                .page(tr.t("coord-title"))
                .with_errors(!errors.is_empty()),
            errors: summary(&tr, &errors, str::to_string),
            region: region_select(&tr, &raw, &errors),
            breakdown: breakdown_select(&tr, &raw, &errors),
            quarter: quarter_select(&tr, &raw, &errors),
            from: month_field(
                &tr,
                "from",
                &raw.from,
                months.as_deref().and_then(<[_]>::first),
                &errors,
            ),
            to: month_field(
                &tr,
                "to",
                &raw.to,
                months.as_deref().and_then(<[_]>::last),
                &errors,
            ),
            statistics: statistics?,
            ratings: ratings?,
            transport: transport?,
            raw,
        };
        Ok((status, render(&page)).into_response())
    }
    .await;
    ctx.answer(result)
}

/// `load(input)` when the section's fields are right; nothing to show otherwise.
async fn shown<A, T, F>(input: Option<A>, load: impl FnOnce(A) -> F) -> Result<Option<T>, PageError>
where
    F: Future<Output = Result<T, PageError>>,
{
    match input {
        Some(a) => load(a).await.map(Some),
        None => Ok(None),
    }
}

fn option(value: &str, label: String, current: &str) -> Choice {
    Choice {
        id: String::new(),
        value: value.into(),
        label,
        checked: value == current,
    }
}

fn region_select(tr: &Tr, raw: &RawQuery, errors: &FormErrors) -> SelectView {
    let current = raw.region.trim().to_ascii_uppercase();
    let mut options = vec![option("", tr.t("coord-all-regions"), &current)];
    options.extend(
        REGIONS
            .iter()
            .map(|code| option(code, tr.t(&region_key(code)), &current)),
    );
    SelectView {
        id: "region".into(),
        label: tr.t("coord-region"),
        error: error_of(tr, errors, "region"),
        options,
        ..Default::default()
    }
}

fn breakdown_select(tr: &Tr, raw: &RawQuery, errors: &FormErrors) -> SelectView {
    let current = match raw.breakdown.trim() {
        "" => Breakdown::Region.name(),
        typed => typed,
    };
    SelectView {
        id: "breakdown".into(),
        label: tr.t("coord-breakdown"),
        error: error_of(tr, errors, "breakdown"),
        options: Breakdown::ALL
            .iter()
            .map(|b| option(b.name(), tr.t(&b.key()), current))
            .collect(),
        ..Default::default()
    }
}

fn quarter_select(tr: &Tr, raw: &RawQuery, errors: &FormErrors) -> SelectView {
    let current = raw.quarter.trim().to_ascii_uppercase();
    let mut options = vec![option("", tr.t("coord-latest-quarter"), &current)];
    options.extend(
        dash::offered_quarters(onaltu_api::today())
            .into_iter()
            .map(|q| option(&q.label(), period_text(tr, Some(&q.encode())), &current)),
    );
    SelectView {
        id: "quarter".into(),
        label: tr.t("coord-quarter"),
        error: error_of(tr, errors, "quarter"),
        options,
        ..Default::default()
    }
}

/// A month input showing what was typed, or else the month the section shows.
fn month_field(
    tr: &Tr,
    id: &str,
    typed: &str,
    shown: Option<&Period>,
    errors: &FormErrors,
) -> FieldView {
    let value = match (typed.trim(), shown) {
        ("", Some(month)) => month.label(),
        (typed, _) => typed.to_string(),
    };
    FieldView {
        id: id.into(),
        label: tr.t(&format!("coord-{id}")),
        hint: tr.t("coord-month-hint"),
        value,
        error: error_of(tr, errors, id),
        ..Default::default()
    }
}

fn place(tr: &Tr, region: &str) -> String {
    if region.is_empty() {
        tr.t("coord-all-regions")
    } else {
        region_name(tr, region)
    }
}

async fn statistics_view(
    state: &AppState,
    ctx: &Ctx,
    raw: &RawQuery,
    asked: &dash::StatisticsInput,
) -> Result<StatisticsView, PageError> {
    let s = fetch_statistics(state, ctx, &asked.region).await?;
    let tr = ctx.tr();
    let table = dash::statistics_table(&s, asked.breakdown, &tr);
    let title = tr.t(&asked.breakdown.key());
    let args = [
        ("breakdown", title.clone().into()),
        ("region", place(&tr, &asked.region).into()),
    ];
    Ok(StatisticsView {
        caption: tr.args("coord-table-caption", &args),
        chart_label: tr.args("coord-chart-label", &args),
        chart: bar_chart::draw(&dash::chart_items(&table)),
        columns: table.columns.iter().map(|c| tr.t(c.key)).collect(),
        note: table.note.map(|k| tr.t(k)).unwrap_or_default(),
        summary: dash::statistics_summary(&s, &tr),
        as_of: s
            .as_of
            .map(|d| format!("{:04}-{:02}-{:02}", d.year, d.month, d.day))
            .unwrap_or_default(),
        csv_href: link("/coordinator/statistics.csv", &params(raw)[..2]),
        title,
        rows: table.rows,
        totals: table.totals,
    })
}

async fn ratings_view(
    state: &AppState,
    ctx: &Ctx,
    raw: &RawQuery,
    quarter: Option<Period>,
) -> Result<RatingsView, PageError> {
    let trail = Trail::parse(&raw.page);
    let answer = fetch_ratings(state, ctx, quarter, trail.current(), LEADERS_PER_PAGE).await?;
    let tr = ctx.tr();
    let first = (trail.number() - 1) * LEADERS_PER_PAGE.unsigned_abs() as usize + 1;
    Ok(RatingsView {
        caption: tr.s(
            "coord-ratings-caption",
            "period",
            period_text(&tr, answer.period.as_ref()),
        ),
        rows: dash::leaderboard(&answer.ratings, first, &tr),
        pager: Pager::new(PATH, &params(raw), &trail, &answer.next_page_token),
        csv_href: link("/coordinator/ratings.csv", &params(raw)[2..3]),
    })
}

async fn transport_view(
    state: &AppState,
    ctx: &Ctx,
    raw: &RawQuery,
    months: &[Period],
) -> Result<TransportView, PageError> {
    let measured = fetch_months(state, ctx, months).await?;
    let tr = ctx.tr();
    let (rows, totals) = dash::transport_rows(&measured, tr.lang());
    let span = [
        (
            "from",
            months.first().map(|p| p.label()).unwrap_or_default().into(),
        ),
        (
            "to",
            months.last().map(|p| p.label()).unwrap_or_default().into(),
        ),
    ];
    Ok(TransportView {
        caption: tr.args("coord-transport-caption", &span),
        chart_label: tr.args("coord-transport-chart", &span),
        chart: bar_chart::draw(&dash::transport_chart(&measured)),
        headers: dash::MEASURES.iter().map(|k| tr.t(k)).collect(),
        rows,
        totals,
        csv_href: link("/coordinator/transport.csv", &params(raw)[3..]),
    })
}

// ---------------------------------------------------------------------------------------------
// CSV files.

/// An address the dashboard cannot answer, with each field named.
#[derive(askama::Template)]
#[template(path = "coordinator_bad_query.html")]
struct BadQueryPage {
    page: Layout,
    problems: Vec<(String, String)>,
}

/// The 400 page naming each field of `errors` and what is wrong with it.
fn bad_query(ctx: &Ctx, errors: &FormErrors) -> Response {
    let tr = ctx.tr();
    let problems = errors
        .all()
        .iter()
        .map(|e| (tr.t(&format!("coord-{}", e.field)), tr.n(e.key, e.n)))
        .collect();
    let page = BadQueryPage {
        page: ctx.page(tr.t("coord-bad-query-title")),
        problems,
    };
    (StatusCode::BAD_REQUEST, render(&page)).into_response()
}

/// The input a CSV file is asked for with, checked by `check`: `Ok(Err(page))` names the wrong
/// fields; a refusal when the person may not read the dashboard or the query is unreadable.
fn csv_input<T>(
    ctx: &Ctx,
    query: Result<Query<RawQuery>, QueryRejection>,
    check: impl FnOnce(&RawQuery, &mut FormErrors) -> Option<T>,
) -> Result<Result<T, Response>, PageError> {
    ctx.require(&READERS)?;
    let raw = raw_query(query)?;
    let mut errors = FormErrors::new();
    Ok(check(&raw, &mut errors).ok_or_else(|| bad_query(ctx, &errors)))
}

/// `records` as a CSV file to save as `name`.
fn csv_response(name: &str, records: &[Vec<String>]) -> Result<Response, PageError> {
    let body = dash::csv_file(records).map_err(PageError::Internal)?;
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .map_err(|e| PageError::Internal(e.to_string()))?;
    let headers = [
        (
            CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        ),
        (CONTENT_DISPOSITION, disposition),
    ];
    Ok((headers, body).into_response())
}

async fn statistics_csv(
    ctx: Ctx,
    State(state): State<AppState>,
    query: Result<Query<RawQuery>, QueryRejection>,
) -> Response {
    let result = async {
        let asked = match csv_input(&ctx, query, dash::statistics_input)? {
            Ok(asked) => asked,
            Err(bad) => return Ok(bad),
        };
        let s = fetch_statistics(&state, &ctx, &asked.region).await?;
        let tr = ctx.tr();
        let table = dash::statistics_table(&s, asked.breakdown, &tr);
        let as_of = s
            .as_of
            .map(|d| format!("{:04}-{:02}-{:02}", d.year, d.month, d.day))
            .unwrap_or_default();
        let region = if asked.region.is_empty() {
            "kz"
        } else {
            &asked.region
        };
        let name = dash::file_name("statistics", &[region, asked.breakdown.name(), &as_of]);
        csv_response(&name, &dash::statistics_records(&table, &tr))
    }
    .await;
    ctx.answer(result)
}

async fn ratings_csv(
    ctx: Ctx,
    State(state): State<AppState>,
    query: Result<Query<RawQuery>, QueryRejection>,
) -> Response {
    let result = async {
        let today = onaltu_api::today();
        let quarter = match csv_input(&ctx, query, |raw, e| dash::quarter_input(raw, today, e))? {
            Ok(quarter) => quarter,
            Err(bad) => return Ok(bad),
        };
        let tr = ctx.tr();
        let (mut rows, mut token, mut period) = (Vec::new(), String::new(), None);
        for _ in 0..CSV_PAGES {
            let answer = fetch_ratings(&state, &ctx, quarter, &token, LEADERS_AT_ONCE).await?;
            rows.extend(dash::leaderboard(&answer.ratings, rows.len() + 1, &tr));
            period = answer.period.or(period);
            token = answer.next_page_token;
            if token.is_empty() {
                break;
            }
        }
        let label = period_label(period.as_ref());
        let name = dash::file_name("ratings", &[&label]);
        csv_response(&name, &dash::rating_records(&rows, &label, &tr))
    }
    .await;
    ctx.answer(result)
}

async fn transport_csv(
    ctx: Ctx,
    State(state): State<AppState>,
    query: Result<Query<RawQuery>, QueryRejection>,
) -> Response {
    let result = async {
        let today = onaltu_api::today();
        let months = match csv_input(&ctx, query, |raw, e| dash::months_input(raw, today, e))? {
            Ok(months) => months,
            Err(bad) => return Ok(bad),
        };
        let measured = fetch_months(&state, &ctx, &months).await?;
        let first = months.first().map(|p| p.label()).unwrap_or_default();
        let last = months.last().map(|p| p.label()).unwrap_or_default();
        let name = dash::file_name("transport", &[&first, &last]);
        csv_response(&name, &dash::transport_records(&measured, &ctx.tr()))
    }
    .await;
    ctx.answer(result)
}
