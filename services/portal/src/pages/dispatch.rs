//! The dispatcher's day board (диспетчер тақтасы / доска диспетчера): a day's measures, each
//! vehicle's route as a timeline and on a map, the trips not served with why; planning the day
//! (and seeing what the plan changed), adding a shift, putting a trip on a vehicle, cancelling a
//! trip and recording a passenger who did not come out. The board follows the day live: the
//! transport service's dispatch stream is relayed as server-sent events, and a small script
//! fetches the board's changing part anew on each change. Everything works without the script.

use std::collections::HashSet;

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use futures::future::join_all;
use onaltu_auth::Role;
use onaltu_proto::transport::{self as pb, TripState};
use serde::Deserialize;

use super::citizen::{
    Choice, ErrorLine, FieldView, SelectView, error_of, new_request_id, sent_request_id, summary,
};
use crate::domain::board::{self, Board, PlanChanges};
use crate::domain::form::FormErrors;
use crate::i18n::Tr;
use crate::web::{AppState, Ctx, Layout, PageError, encode_component, render, see_other};

/// Who runs the board. An administrator reads it; the service refuses them its actions.
const BOARD_ROLES: &[Role] = &[Role::Dispatcher, Role::Admin];

/// The board's routes, none of them kept by any cache.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dispatch", get(page))
        .route("/dispatch/board", get(fragment))
        .route("/dispatch/events", get(events))
        .route("/dispatch/plan", post(plan))
        .route("/dispatch/shifts", post(add_shift))
        .route("/dispatch/assign", post(assign))
        .route("/dispatch/trips/{id}/cancel", post(cancel))
        .route("/dispatch/trips/{id}/no-show", post(no_show))
        .layer(axum::middleware::map_response(crate::web::no_store))
}

/// The board's query: the day, a notice after an action, the trip to preselect in the
/// assignment form, and where a live stream resumes.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct BoardQuery {
    date: String,
    notice: String,
    trip: String,
    after: Option<i64>,
}

// ---------------------------------------------------------------------------------------------
// What the board reads.

/// The day as the services tell it.
struct Loaded {
    vehicles: Vec<pb::Vehicle>,
    shifts: Vec<pb::Shift>,
    routes: Vec<pb::Route>,
    trips: Vec<pb::Trip>,
    metrics: pb::ServiceMetrics,
}

fn refused(s: tonic::Status) -> PageError {
    PageError::from_status(&s)
}

/// Every trip of `day` (a day is a few hundred trips: a few pages at most).
async fn day_trips(
    state: &AppState,
    ctx: &Ctx,
    day: NaiveDate,
) -> Result<Vec<pb::Trip>, PageError> {
    let mut trips = Vec::new();
    let mut page_token = String::new();
    for _ in 0..20 {
        let page = state
            .backend
            .transport(ctx.token())
            .list_trips(state.backend.to_transport(pb::ListTripsRequest {
                page_size: 500,
                page_token,
                service_date: Some(onaltu_api::date(day)),
                ..Default::default()
            }))
            .await
            .map_err(refused)?
            .into_inner();
        trips.extend(page.trips);
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    Ok(trips)
}

/// The invataxis and the day's shifts.
async fn fleet(
    state: &AppState,
    ctx: &Ctx,
    day: NaiveDate,
) -> Result<(Vec<pb::Vehicle>, Vec<pb::Shift>), PageError> {
    let mut client = state.backend.transport(ctx.token());
    let vehicles = client
        .list_vehicles(state.backend.to_transport(pb::ListVehiclesRequest {
            page_size: 500,
            kind: pb::VehicleKind::Invataxi as i32,
            ..Default::default()
        }))
        .await
        .map_err(refused)?
        .into_inner()
        .vehicles;
    let range = onaltu_proto::common::DateRange {
        start_date: Some(onaltu_api::date(day)),
        end_date: Some(onaltu_api::date(day)),
    };
    let shifts = client
        .list_shifts(state.backend.to_transport(pb::ListShiftsRequest {
            page_size: 500,
            dates: Some(range),
            ..Default::default()
        }))
        .await
        .map_err(refused)?
        .into_inner()
        .shifts;
    Ok((vehicles, shifts))
}

async fn load(state: &AppState, ctx: &Ctx, day: NaiveDate) -> Result<Loaded, PageError> {
    let (vehicles, shifts) = fleet(state, ctx, day).await?;
    let trips = day_trips(state, ctx, day).await?;
    let working: HashSet<String> = shifts
        .iter()
        .map(|s| s.vehicle_id.clone())
        .chain(trips.iter().map(|t| t.vehicle_id.clone()))
        .filter(|id| !id.is_empty())
        .collect();
    let calls = working.into_iter().map(|vehicle_id| async move {
        let asked = state.backend.to_transport(pb::GetRouteRequest {
            vehicle_id,
            service_date: Some(onaltu_api::date(day)),
        });
        match state.backend.transport(ctx.token()).get_route(asked).await {
            Ok(r) => Ok(r.into_inner().route),
            Err(s) if s.code() == tonic::Code::NotFound => Ok(None),
            Err(s) => Err(refused(s)),
        }
    });
    let routes = join_all(calls)
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    let span = pb::get_service_metrics_request::Span::DateRange(onaltu_proto::common::DateRange {
        start_date: Some(onaltu_api::date(day)),
        end_date: Some(onaltu_api::date(day)),
    });
    let metrics = state
        .backend
        .transport(ctx.token())
        .get_service_metrics(
            state
                .backend
                .to_transport(pb::GetServiceMetricsRequest { span: Some(span) }),
        )
        .await
        .map_err(refused)?
        .into_inner()
        .metrics
        .unwrap_or_default();
    Ok(Loaded {
        vehicles,
        shifts,
        routes,
        trips,
        metrics,
    })
}

// ---------------------------------------------------------------------------------------------
// The page.

/// A refusal of the service, shown beside the form it answers: `form` is `plan`, `shift`,
/// `assign`, `cancel` or `no-show`, `trip` the trip of a row's form.
#[derive(Debug, Clone, Default)]
struct Refusal {
    form: String,
    trip: String,
    message: String,
}

impl Refusal {
    fn at(&self, form: &str, trip: &str) -> bool {
        !self.message.is_empty() && self.form == form && self.trip == trip
    }

    /// The id of the message, for the summary's link and `aria-describedby`.
    fn anchor(&self) -> String {
        if self.trip.is_empty() {
            format!("{}-refusal", self.form)
        } else {
            format!("{}-{}-refusal", self.form, self.trip)
        }
    }
}

/// The board's changing part: what the page includes and the live script fetches.
#[derive(askama::Template)]
#[template(path = "dispatch_board.html")]
struct BoardFragment {
    page: Layout,
    board: Board,
    refusal: Refusal,
}

/// The forms as typed, kept when the page comes back with an error.
#[derive(Debug, Default)]
struct Typed {
    shift: ShiftForm,
    assign: AssignForm,
}

impl Typed {
    fn shift(shift: ShiftForm) -> Self {
        Self {
            shift,
            ..Self::default()
        }
    }

    fn assign(assign: AssignForm) -> Self {
        Self {
            assign,
            ..Self::default()
        }
    }
}

#[derive(askama::Template)]
#[template(path = "dispatch.html")]
struct DispatchPage {
    page: Layout,
    board: Board,
    refusal: Refusal,
    errors: Vec<ErrorLine>,
    date: FieldView,
    notice: String,
    changes: Option<PlanChanges>,
    request_id: String,
    events_url: String,
    fragment_url: String,
    shift: ShiftViews,
    assign: AssignViews,
}

/// What a page shows besides the day: a notice, a plan's changes, errors and refusals.
#[derive(Default)]
struct Outcome {
    notice: String,
    changes: Option<PlanChanges>,
    errors: FormErrors,
    refusal: Refusal,
    date_error: &'static str,
    typed: Typed,
}

fn options(
    first: String,
    items: impl Iterator<Item = (String, String)>,
    chosen: &str,
) -> Vec<Choice> {
    let mut all = vec![Choice {
        label: first,
        checked: chosen.is_empty(),
        ..Choice::default()
    }];
    all.extend(items.map(|(value, label)| Choice {
        checked: value == chosen,
        value,
        label,
        ..Choice::default()
    }));
    all
}

fn text(id: &str, label: String, hint: String, value: &str, error: String) -> FieldView {
    FieldView {
        id: id.into(),
        label,
        hint,
        value: value.into(),
        error,
        ..FieldView::default()
    }
}

/// The shift form as shown: the fleet to choose from, what was typed, the errors beside it.
struct ShiftViews {
    vehicle: SelectView,
    driver: FieldView,
    driver_name: FieldView,
    start: FieldView,
    end: FieldView,
}

/// The assignment form as shown: the trips that may be put on a vehicle, and the vehicles at
/// work that day.
struct AssignViews {
    trip: SelectView,
    vehicle: SelectView,
}

fn shift_views(tr: &Tr, loaded: &Loaded, o: &Outcome) -> ShiftViews {
    let e = |field: &str| error_of(tr, &o.errors, field);
    let st = &o.typed.shift;
    let fleet = loaded
        .vehicles
        .iter()
        .map(|v| (v.id.clone(), v.plate_number.clone()));
    let time = |id: &str, key: &str, value: &str| {
        text(id, tr.t(key), tr.t("board-time-hint"), value, e(id))
    };
    ShiftViews {
        vehicle: SelectView {
            id: "shift-vehicle".into(),
            label: tr.t("board-shift-vehicle"),
            hint: String::new(),
            error: e("shift-vehicle"),
            options: options(tr.t("board-choose"), fleet, &st.vehicle),
        },
        driver: text(
            "shift-driver",
            tr.t("board-shift-driver"),
            tr.t("board-shift-driver-hint"),
            &st.driver,
            e("shift-driver"),
        ),
        driver_name: text(
            "shift-driver-name",
            tr.t("board-shift-driver-name"),
            String::new(),
            &st.driver_name,
            e("shift-driver-name"),
        ),
        start: time("shift-start", "board-shift-start", &st.start),
        end: time("shift-end", "board-shift-end", &st.end),
    }
}

fn assign_views(tr: &Tr, loaded: &Loaded, b: &Board, o: &Outcome) -> AssignViews {
    let e = |field: &str| error_of(tr, &o.errors, field);
    let at = &o.typed.assign;
    let plates = b
        .routes
        .iter()
        .map(|r| (r.vehicle_id.clone(), r.plate.clone()));
    let trips = loaded
        .trips
        .iter()
        .filter(|t| {
            let s = TripState::try_from(t.state).unwrap_or(TripState::Unspecified);
            board::assignable(s, t.rejection_reason)
        })
        .map(|t| {
            let label = format!("{} · {}", board::short_id(&t.id), board::asked(tr, t));
            (t.id.clone(), label)
        });
    AssignViews {
        trip: SelectView {
            id: "assign-trip".into(),
            label: tr.t("board-assign-trip"),
            hint: String::new(),
            error: e("assign-trip"),
            options: options(tr.t("board-choose"), trips, &at.trip),
        },
        vehicle: SelectView {
            id: "assign-vehicle".into(),
            label: tr.t("board-assign-vehicle"),
            hint: tr.t("board-assign-vehicle-hint"),
            error: e("assign-vehicle"),
            options: options(tr.t("board-choose"), plates, &at.vehicle),
        },
    }
}

/// The page of `day` as `loaded`, with `o`.
fn board_page(ctx: &Ctx, day: NaiveDate, loaded: &Loaded, o: Outcome) -> DispatchPage {
    let tr = ctx.tr();
    let b = board::board(&tr, &loaded.board_day(day));
    let iso = b.day.clone();
    let date_error = if o.date_error.is_empty() {
        String::new()
    } else {
        tr.t(o.date_error)
    };
    let mut errors = summary(&tr, &o.errors, |f| f.to_string());
    if !o.refusal.message.is_empty() {
        errors.push(ErrorLine {
            anchor: o.refusal.anchor(),
            message: o.refusal.message.clone(),
        });
    }
    if !date_error.is_empty() {
        errors.push(ErrorLine {
            anchor: "date".into(),
            message: date_error.clone(),
        });
    }
    let label = tr.t("board-date-label");
    DispatchPage {
        page: ctx
            .page(tr.t("board-title"))
            .with_errors(!errors.is_empty()),
        date: text("date", label, String::new(), &iso, date_error),
        request_id: new_request_id(),
        events_url: format!("/dispatch/events?date={iso}"),
        fragment_url: format!(
            "/dispatch/board?date={iso}&fragment=1&lang={}",
            ctx.lang.code()
        ),
        shift: shift_views(&tr, loaded, &o),
        assign: assign_views(&tr, loaded, &b, &o),
        notice: o.notice,
        changes: o.changes,
        refusal: o.refusal,
        errors,
        board: b,
    }
}

impl Loaded {
    fn board_day(&self, day: NaiveDate) -> board::Day<'_> {
        board::Day {
            day,
            vehicles: &self.vehicles,
            shifts: &self.shifts,
            routes: &self.routes,
            trips: &self.trips,
            metrics: &self.metrics,
        }
    }
}

/// The page answered to a form: 200, or 422 when it carries errors or a refusal.
fn answered(page: &DispatchPage) -> Response {
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, render(page)).into_response()
}

const NOTICES: &[(&str, &str)] = &[
    ("shift-added", "board-notice-shift-added"),
    ("assigned", "board-notice-assigned"),
    ("cancelled", "board-notice-cancelled"),
    ("late-cancelled", "board-notice-late-cancelled"),
    ("no-show", "board-notice-no-show"),
];

async fn page(ctx: Ctx, State(state): State<AppState>, Query(q): Query<BoardQuery>) -> Response {
    let result = async {
        ctx.require(BOARD_ROLES)?;
        let today = onaltu_api::today();
        let (day, date_error) = match board::board_day(&q.date, today) {
            Ok(day) => (day, ""),
            Err(key) => (today + chrono::Duration::days(1), key),
        };
        let loaded = load(&state, &ctx, day).await?;
        let tr = ctx.tr();
        let notice = NOTICES
            .iter()
            .find(|(value, _)| *value == q.notice)
            .map(|(_, key)| tr.t(key))
            .unwrap_or_default();
        let outcome = Outcome {
            notice,
            date_error,
            typed: Typed {
                assign: AssignForm {
                    trip: q.trip.clone(),
                    ..AssignForm::default()
                },
                ..Typed::default()
            },
            ..Outcome::default()
        };
        let page = board_page(&ctx, day, &loaded, outcome);
        Ok(render(&page))
    }
    .await;
    ctx.answer(result)
}

/// The board's changing part alone (`?fragment=1`), for the live script to swap in.
async fn fragment(
    ctx: Ctx,
    State(state): State<AppState>,
    Query(q): Query<BoardQuery>,
) -> Response {
    let result = async {
        ctx.require(BOARD_ROLES)?;
        let day = form_day(&q.date)?;
        let loaded = load(&state, &ctx, day).await?;
        let tr = ctx.tr();
        Ok(render(&BoardFragment {
            page: ctx.page(tr.t("board-title")),
            board: board::board(&tr, &loaded.board_day(day)),
            refusal: Refusal::default(),
        }))
    }
    .await;
    ctx.answer(result)
}

/// The day's dispatch changes as server-sent events, resuming after the last one the browser
/// saw (`Last-Event-ID`) or after `?after=`.
async fn events(
    ctx: Ctx,
    State(state): State<AppState>,
    Query(q): Query<BoardQuery>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let session = ctx.require(BOARD_ROLES)?;
        let day = form_day(&q.date)?;
        let request = pb::WatchDispatchRequest {
            service_date: Some(onaltu_api::date(day)),
            after_sequence_number: crate::live::resume_after(&headers, q.after),
            ..Default::default()
        };
        let sse = crate::live::relay(&state.backend, &session.token, request).await?;
        Ok(sse.into_response())
    }
    .await;
    ctx.answer(result)
}

// ---------------------------------------------------------------------------------------------
// The actions.

/// The day a query or a form names; a day the board cannot show is a bad request.
fn form_day(date: &str) -> Result<NaiveDate, PageError> {
    board::board_day(date, onaltu_api::today()).map_err(|_| PageError::BadRequest("date".into()))
}

/// A board form's checks, before anything else: its form token, then the person's role.
fn board_form(ctx: &Ctx, csrf: &str) -> Result<(), PageError> {
    ctx.form_session(csrf)?;
    ctx.require(BOARD_ROLES)?;
    Ok(())
}

/// Where an action returns: the board of its day, with a notice.
fn back(day: &str, notice: &str) -> Response {
    see_other(&format!(
        "/dispatch?date={}&notice={notice}",
        encode_component(day)
    ))
}

/// The board of the form's day again, with `o` (errors or a refusal beside the form).
async fn again(state: &AppState, ctx: &Ctx, date: &str, o: Outcome) -> Result<Response, PageError> {
    let day = form_day(date)?;
    let loaded = load(state, ctx, day).await?;
    Ok(answered(&board_page(ctx, day, &loaded, o)))
}

/// The board of the form's day again, the form as `typed` with its `errors` beside it.
async fn with_errors(
    state: &AppState,
    ctx: &Ctx,
    date: &str,
    typed: Typed,
    errors: FormErrors,
) -> Result<Response, PageError> {
    let o = Outcome {
        errors,
        typed,
        ..Outcome::default()
    };
    again(state, ctx, date, o).await
}

/// The answer to a form (`form`, on trip `id` for a row's): back to the board with the notice,
/// or the board again with the form as `typed` and the service's refusal beside its button.
async fn form_answer(
    state: &AppState,
    ctx: &Ctx,
    date: &str,
    (form, id): (&str, &str),
    typed: Typed,
    answer: Result<&str, tonic::Status>,
) -> Result<Response, PageError> {
    match answer {
        Ok(notice) => Ok(back(date, notice)),
        Err(s) => {
            let o = Outcome {
                refusal: refusal_of(ctx, &s, form, id)?,
                typed,
                ..Outcome::default()
            };
            again(state, ctx, date, o).await
        }
    }
}

/// A service's refusal of `form` (of `trip`'s row) as the page tells it: in the page's
/// language where the refusal names a reason, else in the service's words. Anything but a
/// refusal is an error page.
fn refusal_of(ctx: &Ctx, s: &tonic::Status, form: &str, trip: &str) -> Result<Refusal, PageError> {
    use tonic::Code;
    if !matches!(
        s.code(),
        Code::FailedPrecondition | Code::InvalidArgument | Code::PermissionDenied
    ) {
        return Err(refused(s.clone()));
    }
    let message = match board::refusal_key(s) {
        Some(key) => ctx.tr().t(key),
        None => s.message().to_string(),
    };
    Ok(Refusal {
        form: form.into(),
        trip: trip.into(),
        message,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PlanForm {
    csrf: String,
    date: String,
    request_id: String,
}

async fn plan(ctx: Ctx, State(state): State<AppState>, Form(f): Form<PlanForm>) -> Response {
    let result = async {
        board_form(&ctx, &f.csrf)?;
        let request_id = sent_request_id(&f.request_id)?;
        let day = form_day(&f.date)?;
        let before = day_trips(&state, &ctx, day).await?;
        let answer = state
            .backend
            .transport(ctx.token())
            .plan_day(state.backend.to_transport(pb::PlanDayRequest {
                request_id,
                service_date: Some(onaltu_api::date(day)),
                options: None,
            }))
            .await;
        let mut o = Outcome::default();
        match answer {
            Ok(r) => {
                let used: Vec<String> = r
                    .into_inner()
                    .routes
                    .into_iter()
                    .map(|r| r.vehicle_id)
                    .collect();
                let loaded = load(&state, &ctx, day).await?;
                let changes = board::plan_changes(&before, &loaded.trips, &used, &loaded.vehicles);
                o.changes = Some(changes);
                return Ok(answered(&board_page(&ctx, day, &loaded, o)));
            }
            Err(s) => o.refusal = refusal_of(&ctx, &s, "plan", "")?,
        }
        again(&state, &ctx, &f.date, o).await
    }
    .await;
    ctx.answer(result)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ShiftForm {
    csrf: String,
    date: String,
    request_id: String,
    #[serde(rename = "shift-vehicle")]
    vehicle: String,
    #[serde(rename = "shift-driver")]
    driver: String,
    #[serde(rename = "shift-driver-name")]
    driver_name: String,
    #[serde(rename = "shift-start")]
    start: String,
    #[serde(rename = "shift-end")]
    end: String,
}

/// Asks the transport service for `shift`.
async fn create_shift(
    state: &AppState,
    ctx: &Ctx,
    request_id: String,
    shift: board::NewShift,
) -> Result<tonic::Response<pb::CreateShiftResponse>, tonic::Status> {
    state
        .backend
        .transport(ctx.token())
        .create_shift(state.backend.to_transport(pb::CreateShiftRequest {
            request_id,
            shift: Some(pb::Shift {
                vehicle_id: shift.vehicle,
                driver_subject: shift.driver,
                driver_name: shift.driver_name,
                start_time: Some(onaltu_api::timestamp(shift.start)),
                end_time: Some(onaltu_api::timestamp(shift.end)),
                ..Default::default()
            }),
        }))
        .await
}

async fn add_shift(ctx: Ctx, State(state): State<AppState>, Form(f): Form<ShiftForm>) -> Response {
    let result = async {
        board_form(&ctx, &f.csrf)?;
        let request_id = sent_request_id(&f.request_id)?;
        let day = form_day(&f.date)?;
        let (vehicles, _) = fleet(&state, &ctx, day).await?;
        let times = (f.start.as_str(), f.end.as_str());
        let checked =
            board::validate_shift(day, &f.vehicle, &f.driver, &f.driver_name, times, &vehicles);
        let shift = match checked {
            Ok(shift) => shift,
            Err(errors) => {
                let date = f.date.clone();
                return with_errors(&state, &ctx, &date, Typed::shift(f), errors).await;
            }
        };
        let answer = create_shift(&state, &ctx, request_id, shift).await;
        let notice = answer.map(|_| "shift-added");
        let date = f.date.clone();
        form_answer(&state, &ctx, &date, ("shift", ""), Typed::shift(f), notice).await
    }
    .await;
    ctx.answer(result)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AssignForm {
    csrf: String,
    date: String,
    #[serde(rename = "assign-trip")]
    trip: String,
    #[serde(rename = "assign-vehicle")]
    vehicle: String,
}

async fn assign(ctx: Ctx, State(state): State<AppState>, Form(f): Form<AssignForm>) -> Response {
    let result = async {
        board_form(&ctx, &f.csrf)?;
        if let Err(errors) = board::validate_assignment(&f.trip, &f.vehicle) {
            let date = f.date.clone();
            return with_errors(&state, &ctx, &date, Typed::assign(f), errors).await;
        }
        let answer = state
            .backend
            .transport(ctx.token())
            .assign_trip(state.backend.to_transport(pb::AssignTripRequest {
                trip_id: f.trip.trim().to_string(),
                vehicle_id: f.vehicle.trim().to_string(),
                force: false,
                reason: String::new(),
            }))
            .await;
        let notice = answer.map(|_| "assigned");
        let date = f.date.clone();
        form_answer(
            &state,
            &ctx,
            &date,
            ("assign", ""),
            Typed::assign(f),
            notice,
        )
        .await
    }
    .await;
    ctx.answer(result)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TripForm {
    csrf: String,
    date: String,
}

async fn cancel(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form<TripForm>,
) -> Response {
    let result = async {
        board_form(&ctx, &f.csrf)?;
        let answer = state
            .backend
            .transport(ctx.token())
            .cancel_trip(state.backend.to_transport(pb::CancelTripRequest {
                id: id.clone(),
                reason: ctx.tr().t("board-cancel-reason"),
            }))
            .await;
        let notice = answer.map(|r| {
            let late = r
                .into_inner()
                .trip
                .is_some_and(|t| t.state == TripState::LateCancelled as i32);
            if late { "late-cancelled" } else { "cancelled" }
        });
        form_answer(
            &state,
            &ctx,
            &f.date,
            ("cancel", &id),
            Typed::default(),
            notice,
        )
        .await
    }
    .await;
    ctx.answer(result)
}

async fn no_show(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form<TripForm>,
) -> Response {
    let result = async {
        board_form(&ctx, &f.csrf)?;
        let answer = state
            .backend
            .transport(ctx.token())
            .update_trip_status(state.backend.to_transport(pb::UpdateTripStatusRequest {
                trip_id: id.clone(),
                state: TripState::NoShow as i32,
                ..Default::default()
            }))
            .await;
        let notice = answer.map(|_| "no-show");
        form_answer(
            &state,
            &ctx,
            &f.date,
            ("no-show", &id),
            Typed::default(),
            notice,
        )
        .await
    }
    .await;
    ctx.answer(result)
}
