//! The driver's day (жүргізушінің күні / день водителя), sized for a phone: the next stop first
//! with the one step to report there, the rest of the day's stops below, the served ones folded
//! away. Every call carries the driver's own token, so the transport service shows only the trips
//! of the vehicles their shifts put them on that day and refuses a step on any other; the page
//! tells its refusal beside the step. A dispatcher's change reaches the page live (WatchDispatch
//! relayed as server-sent events, `static/driver.js` fetching the stops anew); without script a
//! "Refresh" link does the same.

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, NaiveDate, Utc};
use onaltu_auth::Role;
use onaltu_proto::common::DateRange;
use onaltu_proto::transport as tr_pb;
use serde::Deserialize;

use crate::domain::citizen_view as view;
use crate::domain::driver_day::{self as rules, DayStop, Step};
use crate::domain::form;
use crate::i18n::Tr;
use crate::live;
use crate::web::{AppState, Ctx, Layout, PageError, encode_component, render, see_other};

/// The driver's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/driver", get(day))
        .route("/driver/events", get(events))
        // Reached by GET only from a refused step's page (its language switch): back to the day.
        .route(
            "/driver/trips/{id}/status",
            get(|| async { see_other("/driver") }).post(report),
        )
        .layer(axum::middleware::map_response(
            |mut r: Response| async move {
                // A driver's day names passengers' addresses and needs: no cache keeps it.
                r.headers_mut()
                    .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
                r
            },
        ))
}

/// `?date=YYYY-MM-DD` (today when absent), `fragment=1` for the stops only, `after=` where the
/// event stream resumes.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DayQuery {
    date: String,
    fragment: String,
    after: Option<i64>,
}

/// A step reported: the form's token, the step, and the day the page showed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StatusFields {
    csrf: String,
    state: String,
    date: String,
}

/// What the transport service shows the driver of a day.
#[derive(Debug, Default)]
struct Loaded {
    shifts: Vec<tr_pb::Shift>,
    routes: Vec<tr_pb::Route>,
    trips: Vec<tr_pb::Trip>,
}

/// A stop as the page tells it.
#[derive(Debug, Clone)]
struct StopView {
    trip_id: String,
    time: String,
    window: String,
    kind: String,
    pickup: bool,
    address: String,
    note: String,
    wheelchair: bool,
    escorts: String,
    state: String,
}

/// A button reporting a step.
#[derive(Debug, Clone)]
struct ActionView {
    value: &'static str,
    label: String,
    /// The way out when the passenger does not come (set apart in colour and words).
    warning: bool,
}

/// The next stop: the stop, its one step (and, at an arrived pickup once the wait is over, the
/// no-show beside it), and until then from when a no-show may be recorded.
#[derive(Debug, Clone)]
struct NextView {
    stop: StopView,
    actions: Vec<ActionView>,
    no_show_hint: String,
}

/// The stops part of the page (also sent alone, for the live update).
#[derive(Debug, Clone)]
struct DayView {
    /// `YYYY-MM-DD`, for addresses and forms.
    date: String,
    /// `dd.mm.yyyy`, as dates are read.
    shown: String,
    has_shift: bool,
    next: Option<NextView>,
    later: Vec<StopView>,
    served: Vec<StopView>,
    /// A refusal of a step on the next stop's trip, told beside its button.
    refusal_here: String,
    /// A refusal of a step on another trip, told above the stops.
    refusal_top: String,
}

#[derive(askama::Template)]
#[template(path = "driver.html")]
struct DayPage {
    page: Layout,
    view: DayView,
    date_label: String,
}

#[derive(askama::Template)]
#[template(path = "driver_stops.html")]
struct StopsPart {
    page: Layout,
    view: DayView,
}

async fn day(ctx: Ctx, State(state): State<AppState>, Query(q): Query<DayQuery>) -> Response {
    let result = async {
        ctx.require(&[Role::Driver])?;
        let date = asked_day(&q.date)?;
        let loaded = load(&state, &ctx, date).await?;
        let view = day_view(&ctx.tr(), date, &loaded, None, onaltu_api::now());
        Ok(show(&ctx, view, q.fragment == "1", StatusCode::OK))
    }
    .await;
    ctx.answer(result)
}

/// The day's changes as server-sent events, as the driver's own WatchDispatch.
async fn events(
    ctx: Ctx,
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<DayQuery>,
) -> Response {
    let result = async {
        let session = ctx.require(&[Role::Driver])?;
        let date = asked_day(&q.date)?;
        let request = tr_pb::WatchDispatchRequest {
            service_date: Some(onaltu_api::date(date)),
            after_sequence_number: live::resume_after(&headers, q.after),
            ..Default::default()
        };
        let stream = live::relay(&state.backend, &session.token, request).await?;
        Ok(stream.into_response())
    }
    .await;
    ctx.answer(result)
}

/// Reports a step of trip `id`: back to the day on success (which then shows the following
/// step), else the day again with the service's refusal told beside the step.
async fn report(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form<StatusFields>,
) -> Response {
    let result = async {
        ctx.form_session(&f.csrf)?;
        ctx.require(&[Role::Driver])?;
        let date = asked_day(&f.date)?;
        let step = Step::parse(&f.state)
            .ok_or_else(|| PageError::BadRequest("state: not a step a driver reports".into()))?;
        let answer = state
            .backend
            .transport(ctx.token())
            .update_trip_status(state.backend.to_transport(tr_pb::UpdateTripStatusRequest {
                trip_id: id.clone(),
                state: step.state() as i32,
                ..Default::default()
            }))
            .await;
        let refused = match answer {
            Ok(_) => return Ok(see_other(&day_address(&f.date))),
            Err(s) if rules::told_on_the_page(s.code()) => s,
            Err(s) => return Err(PageError::from_status(&s)),
        };
        let tr = ctx.tr();
        let loaded = load(&state, &ctx, date).await?;
        let refusal = (id.as_str(), refusal_text(&tr, &refused));
        let view = day_view(&tr, date, &loaded, Some(refusal), onaltu_api::now());
        Ok(show(&ctx, view, false, refusal_status(refused.code())))
    }
    .await;
    ctx.answer(result)
}

/// The day `?date=` names, or a refusal naming the field.
fn asked_day(asked: &str) -> Result<NaiveDate, PageError> {
    rules::asked_day(asked, onaltu_api::today()).map_err(PageError::BadRequest)
}

/// The day's page address (today's without a date).
fn day_address(date: &str) -> String {
    match date.trim() {
        "" => "/driver".into(),
        d => format!("/driver?date={}", encode_component(d)),
    }
}

fn refusal_status(code: tonic::Code) -> StatusCode {
    match code {
        tonic::Code::PermissionDenied => StatusCode::FORBIDDEN,
        tonic::Code::NotFound => StatusCode::NOT_FOUND,
        tonic::Code::InvalidArgument => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::CONFLICT,
    }
}

/// The service's refusal in words: translated where its reason is known, else its own message.
fn refusal_text(tr: &Tr, status: &tonic::Status) -> String {
    match rules::refusal_key(status.code(), &form::failed_preconditions(status)) {
        Some("driver-refused-no-show-wait") => {
            tr.n("driver-refused-no-show-wait", rules::NO_SHOW_WAIT_MINUTES)
        }
        Some(key) => tr.t(key),
        None => status.message().to_string(),
    }
}

/// The whole page, or only its stops (`fragment`), with `status`.
fn show(ctx: &Ctx, view: DayView, fragment: bool, status: StatusCode) -> Response {
    let tr = ctx.tr();
    let refused = !view.refusal_here.is_empty() || !view.refusal_top.is_empty();
    let page = ctx.page(tr.t("driver-title")).with_errors(refused);
    let body = if fragment {
        render(&StopsPart { page, view })
    } else {
        let date_label = tr.s("driver-date", "date", &view.shown);
        render(&DayPage {
            page,
            view,
            date_label,
        })
    };
    (status, body).into_response()
}

/// The driver's shifts of `date`, their vehicles' routes and the trips the service shows them.
async fn load(state: &AppState, ctx: &Ctx, date: NaiveDate) -> Result<Loaded, PageError> {
    let mut transport = state.backend.transport(ctx.token());
    let day = Some(onaltu_api::date(date));
    let to = |m| state.backend.to_transport(m);
    let shifts = transport
        .list_shifts(to(tr_pb::ListShiftsRequest {
            page_size: 50,
            dates: Some(DateRange {
                start_date: day,
                end_date: day,
            }),
            ..Default::default()
        }))
        .await
        .map_err(|s| PageError::from_status(&s))?
        .into_inner()
        .shifts;
    if shifts.is_empty() {
        return Ok(Loaded::default());
    }
    // A vehicle's day is a few dozen trips: one page holds it.
    let trips = transport
        .list_trips(state.backend.to_transport(tr_pb::ListTripsRequest {
            page_size: 500,
            service_date: day,
            ..Default::default()
        }))
        .await
        .map_err(|s| PageError::from_status(&s))?
        .into_inner()
        .trips;
    let mut routes = Vec::new();
    for vehicle_id in rules::vehicles(&shifts) {
        let asked = tr_pb::GetRouteRequest {
            vehicle_id,
            service_date: day,
        };
        match transport.get_route(state.backend.to_transport(asked)).await {
            Ok(r) => routes.extend(r.into_inner().route),
            // Not planned yet: no stops on that vehicle.
            Err(s) if s.code() == tonic::Code::NotFound => {}
            Err(s) => return Err(PageError::from_status(&s)),
        }
    }
    Ok(Loaded {
        shifts,
        routes,
        trips,
    })
}

/// The stops part of the day of `date` as loaded, at `now`, with the refusal of a step on a trip.
fn day_view(
    tr: &Tr,
    date: NaiveDate,
    loaded: &Loaded,
    refusal: Option<(&str, String)>,
    now: DateTime<Utc>,
) -> DayView {
    let day = rules::day_of(&loaded.routes, &loaded.trips);
    let next = day.next.as_ref().map(|s| next_view(tr, s, now));
    let (refusal_here, refusal_top) = match refusal {
        Some((trip, text)) if next.as_ref().is_some_and(|n| n.stop.trip_id == trip) => {
            (text, String::new())
        }
        Some((_, text)) => (String::new(), text),
        None => Default::default(),
    };
    DayView {
        date: date.format("%Y-%m-%d").to_string(),
        shown: date.format("%d.%m.%Y").to_string(),
        has_shift: !loaded.shifts.is_empty(),
        next,
        later: day.later.iter().map(|s| stop_view(tr, s)).collect(),
        served: day.served.iter().map(|s| stop_view(tr, s)).collect(),
        refusal_here,
        refusal_top,
    }
}

fn next_view(tr: &Tr, s: &DayStop<'_>, now: DateTime<Utc>) -> NextView {
    let action = |step: Step| ActionView {
        value: step.value(),
        label: tr.t(step.key()),
        warning: step == Step::NoShow,
    };
    let no_show_from = if s.pickup {
        rules::no_show_from(s.trip)
    } else {
        None
    };
    let no_show_open = no_show_from.is_some_and(|from| now >= from);
    NextView {
        stop: stop_view(tr, s),
        actions: s
            .step()
            .into_iter()
            .chain(no_show_open.then_some(Step::NoShow))
            .map(action)
            .collect(),
        no_show_hint: match no_show_from {
            Some(from) if !no_show_open => {
                let at = onaltu_api::timestamp(from);
                tr.s("driver-no-show-from", "time", view::local_time(Some(&at)))
            }
            _ => String::new(),
        },
    }
}

fn stop_view(tr: &Tr, s: &DayStop<'_>) -> StopView {
    StopView {
        trip_id: s.trip.id.clone(),
        time: view::local_time(s.at.as_ref()),
        window: match &s.window {
            Some((from, until)) if s.pickup => tr.args(
                "driver-window",
                &[
                    ("from", view::local_time(Some(from)).into()),
                    ("until", view::local_time(Some(until)).into()),
                ],
            ),
            _ => String::new(),
        },
        kind: tr.t(if s.pickup {
            "driver-pickup"
        } else {
            "driver-dropoff"
        }),
        pickup: s.pickup,
        address: s.address.clone(),
        note: s.note.clone(),
        wheelchair: s.trip.wheelchair,
        escorts: if s.trip.escorts > 0 {
            tr.n("driver-escorts", s.trip.escorts)
        } else {
            String::new()
        },
        state: tr.t(&view::trip_state_key(s.trip.state)),
    }
}
