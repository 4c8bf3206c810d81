//! A citizen's invataxi trips (инватакси): the trips they ride with their state and planned
//! pickup, booking a trip between home and a centre, and cancelling one, warned first when the
//! cancellation would be a late one. The transport service decides what is theirs, asks the
//! registry whether they may ride, and keeps the booking rules.

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use onaltu_proto::registry as reg;
use onaltu_proto::transport::{self as tr_pb, TripState};
use serde::Deserialize;

use super::citizen::{
    Choice, ErrorLine, FieldView, NoticeQuery, RadioGroup, SelectView, citizen, error_of,
    get_person, new_request_id, refusal, sent_request_id, summary,
};
use crate::domain::citizen_view as view;
use crate::domain::form::{self, FormErrors};
use crate::domain::text::localized;
use crate::domain::trip_form::{self, TripContext, TripFields};
use crate::i18n::Tr;
use crate::web::{AppState, Ctx, Layout, PageError, render, see_other};

/// The trip routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/my/trips", get(trips))
        .route("/my/trips/new", get(new_trip).post(book))
        .route("/my/trips/{id}/cancel", get(confirm).post(cancel))
}

// ---------------------------------------------------------------------------------------------
// My trips.

#[derive(Debug, Clone)]
struct TripRow {
    id: String,
    day: String,
    asked: String,
    planned: String,
    from: String,
    to: String,
    state: String,
    reason: String,
    cancellable: bool,
}

#[derive(askama::Template)]
#[template(path = "my_trips.html")]
struct TripsPage {
    page: Layout,
    notice: String,
    rows: Vec<TripRow>,
}

async fn trips(ctx: Ctx, State(state): State<AppState>, Query(q): Query<NoticeQuery>) -> Response {
    let result = async {
        let me = citizen(&ctx)?;
        let list = state
            .backend
            .transport(ctx.token())
            .list_trips(state.backend.to_transport(tr_pb::ListTripsRequest {
                person_id: me.to_string(),
                page_size: 200,
                ..Default::default()
            }))
            .await
            .map_err(|s| PageError::from_status(&s))?
            .into_inner()
            .trips;
        let tr = ctx.tr();
        let notices = [
            ("requested", "my-notice-trip-requested"),
            ("rejected", "my-notice-trip-rejected"),
            ("cancelled", "my-notice-trip-cancelled"),
            ("late-cancelled", "my-notice-trip-late-cancelled"),
        ];
        Ok(render(&TripsPage {
            page: ctx.page(tr.t("my-trips-title")),
            notice: q.text(&tr, &notices),
            rows: list.iter().map(|t| trip_row(&tr, t)).collect(),
        }))
    }
    .await;
    ctx.answer(result)
}

/// What was asked for: "pick up at 09:30" or "arrive by 09:30".
fn asked(tr: &Tr, t: &tr_pb::Trip) -> String {
    match &t.requested_time {
        Some(tr_pb::trip::RequestedTime::RequestedPickupTime(at)) => {
            tr.s("my-trip-asked-pickup", "time", view::local_time(Some(at)))
        }
        Some(tr_pb::trip::RequestedTime::RequestedArrivalTime(at)) => {
            tr.s("my-trip-asked-arrival", "time", view::local_time(Some(at)))
        }
        None => String::new(),
    }
}

fn trip_row(tr: &Tr, t: &tr_pb::Trip) -> TripRow {
    let state = TripState::try_from(t.state).unwrap_or(TripState::Unspecified);
    let window = t.planned_pickup_window.as_ref();
    TripRow {
        id: t.id.clone(),
        day: view::date(t.service_date.as_ref()),
        asked: asked(tr, t),
        planned: match (&t.planned_pickup_time, window) {
            (Some(at), Some(w)) => tr.args(
                "my-trip-planned",
                &[
                    ("time", view::local_time(Some(at)).into()),
                    ("from", view::local_time(w.start_time.as_ref()).into()),
                    ("until", view::local_time(w.end_time.as_ref()).into()),
                ],
            ),
            _ => tr.t("my-trip-not-planned"),
        },
        from: t
            .pickup
            .as_ref()
            .map(|p| p.address.clone())
            .unwrap_or_default(),
        to: t
            .dropoff
            .as_ref()
            .map(|p| p.address.clone())
            .unwrap_or_default(),
        state: tr.t(&view::trip_state_key(t.state)),
        reason: if state == TripState::Rejected {
            tr.t(&view::trip_reason_key(t.rejection_reason))
        } else {
            String::new()
        },
        cancellable: trip_form::cancellable(state),
    }
}

// ---------------------------------------------------------------------------------------------
// Booking a trip.

/// What booking needs to know: the passenger's home and the centres to choose from.
struct Setting {
    home: reg::Person,
    centres: Vec<reg::Center>,
    wheelchair_user: bool,
}

fn located(p: Option<&onaltu_proto::common::GeoPoint>) -> bool {
    p.is_some_and(|p| p.latitude != 0.0 || p.longitude != 0.0)
}

impl Setting {
    fn context(&self) -> TripContext {
        TripContext {
            today: onaltu_api::today(),
            centres: self
                .centres
                .iter()
                .map(|c| (c.id.clone(), located(c.location.as_ref())))
                .collect(),
            home_located: located(self.home.location.as_ref()),
        }
    }
}

async fn setting(state: &AppState, ctx: &Ctx, me: &str) -> Result<Setting, PageError> {
    let home = get_person(state, ctx, me).await?;
    let mut centres = state
        .backend
        .registry(ctx.token())
        .list_centers(state.backend.to_registry(reg::ListCentersRequest {
            page_size: 500,
            ..Default::default()
        }))
        .await
        .map_err(|s| PageError::from_status(&s))?
        .into_inner()
        .centers;
    centres.sort_by_key(|c| localized(c.name.as_ref(), ctx.lang).to_lowercase());
    let wheelchair_user = home.needs.is_some_and(|n| n.wheelchair_user);
    Ok(Setting {
        home,
        centres,
        wheelchair_user,
    })
}

#[derive(askama::Template)]
#[template(path = "my_trip_new.html")]
struct NewTripPage {
    page: Layout,
    request_id: String,
    home_address: String,
    window: String,
    errors: Vec<ErrorLine>,
    direction: RadioGroup,
    centre: SelectView,
    time_kind: RadioGroup,
    date: FieldView,
    time: FieldView,
    wheelchair: bool,
    escorts: SelectView,
    purpose: SelectView,
    note: FieldView,
}

fn radios(name: &str, tr: &Tr, chosen: &str, values: &[(&str, &str)]) -> Vec<Choice> {
    values
        .iter()
        .map(|(value, key)| Choice {
            id: format!("{name}-{value}"),
            value: (*value).into(),
            label: tr.t(key),
            checked: chosen == *value,
        })
        .collect()
}

fn trip_anchor(field: &str) -> String {
    match field {
        "direction" => "direction-to_centre".into(),
        "time_kind" => "time_kind-pickup".into(),
        f => f.into(),
    }
}

/// A radio group `name` of the trip form, headed by `legend`, with `values` (value, label key).
fn trip_radios(
    tr: &Tr,
    errors: &FormErrors,
    (name, legend): (&str, &str),
    chosen: &str,
    values: &[(&str, &str)],
) -> RadioGroup {
    RadioGroup {
        name: name.into(),
        legend: tr.t(legend),
        hint: String::new(),
        error: error_of(tr, errors, name),
        choices: radios(name, tr, chosen, values),
    }
}

/// The centres to ride to or from, by name in the page's language, `chosen` checked.
fn centre_select(ctx: &Ctx, tr: &Tr, s: &Setting, chosen: &str, errors: &FormErrors) -> SelectView {
    let mut options = vec![Choice {
        value: String::new(),
        label: tr.t("my-trip-centre-choose"),
        checked: chosen.is_empty(),
        ..Choice::default()
    }];
    options.extend(s.centres.iter().map(|c| Choice {
        value: c.id.clone(),
        label: localized(c.name.as_ref(), ctx.lang),
        checked: c.id == chosen,
        ..Choice::default()
    }));
    SelectView {
        id: "centre".into(),
        label: tr.t("my-trip-centre-label"),
        hint: String::new(),
        error: error_of(tr, errors, "centre"),
        options,
    }
}

/// The day, within the booking window `(first, last)`, and the time, within the service's hours.
fn when_fields(
    tr: &Tr,
    f: &TripFields,
    errors: &FormErrors,
    (first, last): (NaiveDate, NaiveDate),
) -> (FieldView, FieldView) {
    let date = FieldView {
        id: "date".into(),
        label: tr.t("my-trip-date-label"),
        hint: tr.t("my-trip-date-hint"),
        value: f.date.clone(),
        error: error_of(tr, errors, "date"),
        min: first.format("%Y-%m-%d").to_string(),
        max: last.format("%Y-%m-%d").to_string(),
        ..FieldView::default()
    };
    let time = FieldView {
        id: "time".into(),
        label: tr.t("my-trip-time-label"),
        hint: tr.t("my-trip-time-hint"),
        value: f.time.clone(),
        error: error_of(tr, errors, "time"),
        min: trip_form::service_start().format("%H:%M").to_string(),
        max: trip_form::service_end().format("%H:%M").to_string(),
        ..FieldView::default()
    };
    (date, time)
}

/// How many escorts ride along (none to the most allowed).
fn escorts_select(tr: &Tr, f: &TripFields, errors: &FormErrors) -> SelectView {
    SelectView {
        id: "escorts".into(),
        label: tr.t("my-trip-escorts-label"),
        hint: tr.t("my-trip-escorts-hint"),
        error: error_of(tr, errors, "escorts"),
        options: (0..=trip_form::MAX_ESCORTS)
            .map(|n| Choice {
                value: n.to_string(),
                label: n.to_string(),
                checked: f.escorts.trim() == n.to_string(),
                ..Choice::default()
            })
            .collect(),
    }
}

/// What the trip is for.
fn purpose_select(tr: &Tr, f: &TripFields, errors: &FormErrors) -> SelectView {
    SelectView {
        id: "purpose".into(),
        label: tr.t("my-trip-purpose-label"),
        hint: String::new(),
        error: error_of(tr, errors, "purpose"),
        options: trip_form::PURPOSES
            .iter()
            .map(|(value, p)| Choice {
                value: (*value).into(),
                label: tr.t(&view::trip_purpose_key(*p as i32)),
                checked: f.purpose == *value,
                ..Choice::default()
            })
            .collect(),
    }
}

/// The booking window `(first, last)` in words.
fn window_text(tr: &Tr, (first, last): (NaiveDate, NaiveDate)) -> String {
    tr.args(
        "my-trip-window",
        &[
            ("first", first.format("%d.%m.%Y").to_string().into()),
            ("last", last.format("%d.%m.%Y").to_string().into()),
        ],
    )
}

/// A note for the driver, as long as the service keeps.
fn note_field(tr: &Tr, f: &TripFields, errors: &FormErrors) -> FieldView {
    FieldView {
        id: "note".into(),
        label: tr.t("my-trip-note-label"),
        hint: tr.n("my-trip-note-hint", trip_form::MAX_NOTE_CHARS),
        value: f.note.clone(),
        error: error_of(tr, errors, "note"),
        ..FieldView::default()
    }
}

fn trip_page(
    ctx: &Ctx,
    s: &Setting,
    request_id: String,
    f: &TripFields,
    errors: &FormErrors,
) -> Response {
    let tr = ctx.tr();
    let (first, last) = trip_form::booking_window(onaltu_api::today());
    let (date, time) = when_fields(&tr, f, errors, (first, last));
    let page = NewTripPage {
        page: ctx
            .page(tr.t("my-trip-new-title"))
            .with_errors(!errors.is_empty()),
        request_id,
        home_address: s.home.address.clone(),
        window: window_text(&tr, (first, last)),
        errors: summary(&tr, errors, trip_anchor),
        direction: trip_radios(
            &tr,
            errors,
            ("direction", "my-trip-direction-legend"),
            &f.direction,
            &[
                ("to_centre", "my-trip-to-centre"),
                ("from_centre", "my-trip-from-centre"),
            ],
        ),
        centre: centre_select(ctx, &tr, s, &f.centre, errors),
        time_kind: trip_radios(
            &tr,
            errors,
            ("time_kind", "my-trip-time-kind-legend"),
            &f.time_kind,
            &[
                ("pickup", "my-trip-time-pickup"),
                ("arrival", "my-trip-time-arrival"),
            ],
        ),
        date,
        time,
        wheelchair: f.wheelchair == "yes",
        escorts: escorts_select(&tr, f, errors),
        purpose: purpose_select(&tr, f, errors),
        note: note_field(&tr, f, errors),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, render(&page)).into_response()
}

async fn new_trip(ctx: Ctx, State(state): State<AppState>) -> Response {
    let result = async {
        let me = citizen(&ctx)?;
        let s = setting(&state, &ctx, &me.to_string()).await?;
        let fields = TripFields {
            direction: "to_centre".into(),
            time_kind: "pickup".into(),
            escorts: "0".into(),
            purpose: "rehabilitation".into(),
            wheelchair: if s.wheelchair_user {
                "yes".into()
            } else {
                String::new()
            },
            ..TripFields::default()
        };
        Ok(trip_page(
            &ctx,
            &s,
            new_request_id(),
            &fields,
            &FormErrors::new(),
        ))
    }
    .await;
    ctx.answer(result)
}

async fn book(ctx: Ctx, State(state): State<AppState>, Form(fields): Form<TripFields>) -> Response {
    let result = async {
        ctx.form_session(&fields.csrf)?;
        let me = citizen(&ctx)?;
        let request_id = sent_request_id(&fields.request_id)?;
        let s = setting(&state, &ctx, &me.to_string()).await?;
        let input = match trip_form::validate(&fields, &s.context()) {
            Ok(input) => input,
            Err(errors) => return Ok(trip_page(&ctx, &s, request_id, &fields, &errors)),
        };
        let Some(centre) = s.centres.iter().find(|c| c.id == input.centre) else {
            return Err(PageError::BadRequest("centre".into()));
        };
        let home = tr_pb::Place {
            location: s.home.location,
            address: s.home.address.clone(),
            note: String::new(),
        };
        let centre = tr_pb::Place {
            location: centre.location,
            address: centre.address.clone(),
            note: String::new(),
        };
        let answer = state
            .backend
            .transport(ctx.token())
            .request_trip(state.backend.to_transport(tr_pb::RequestTripRequest {
                request_id: request_id.clone(),
                trip: Some(input.trip(home, centre)),
            }))
            .await;
        booked(&ctx, &s, request_id, &fields, answer)
    }
    .await;
    ctx.answer(result)
}

/// The page a booking is answered with: the trips list when the service took it (requested,
/// or recorded as refused), else the form with what the service found wrong.
fn booked(
    ctx: &Ctx,
    s: &Setting,
    request_id: String,
    fields: &TripFields,
    answer: Result<tonic::Response<tr_pb::RequestTripResponse>, tonic::Status>,
) -> Result<Response, PageError> {
    match answer {
        Ok(r) => {
            let rejected = r
                .into_inner()
                .trip
                .is_some_and(|t| t.state == TripState::Rejected as i32);
            let notice = if rejected { "rejected" } else { "requested" };
            Ok(see_other(&format!("/my/trips?notice={notice}")))
        }
        Err(st) if st.code() == tonic::Code::InvalidArgument => Ok(trip_page(
            ctx,
            s,
            request_id,
            fields,
            &trip_form::service_errors(&st),
        )),
        Err(st) if st.code() == tonic::Code::FailedPrecondition => {
            let errors = if form::failed_preconditions(&st)
                .iter()
                .any(|t| t == "REQUEST_ID_REUSED")
            {
                let mut e = FormErrors::new();
                e.add("", "my-trip-error-resent");
                e
            } else {
                trip_form::service_errors(&st)
            };
            Ok(trip_page(ctx, s, new_request_id(), fields, &errors))
        }
        Err(st) => Err(PageError::from_status(&st)),
    }
}

// ---------------------------------------------------------------------------------------------
// Cancelling a trip.

#[derive(askama::Template)]
#[template(path = "my_trip_cancel.html")]
struct CancelPage {
    page: Layout,
    id: String,
    row: TripRow,
    late: bool,
}

/// The cancel form: `confirm=yes` once the passenger has seen the confirmation page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CancelFields {
    csrf: String,
    confirm: String,
}

async fn get_trip(state: &AppState, ctx: &Ctx, id: &str) -> Result<tr_pb::Trip, PageError> {
    state
        .backend
        .transport(ctx.token())
        .get_trip(
            state
                .backend
                .to_transport(tr_pb::GetTripRequest { id: id.into() }),
        )
        .await
        .map_err(|s| PageError::from_status(&s))?
        .into_inner()
        .trip
        .ok_or(PageError::NotFound)
}

/// The confirmation page of cancelling trip `id`, warning when it would be late; a refusal
/// when the trip is already under way or over.
async fn confirmation(state: &AppState, ctx: &Ctx, id: &str) -> Result<Response, PageError> {
    citizen(ctx)?;
    let trip = get_trip(state, ctx, id).await?;
    let tr = ctx.tr();
    let row = trip_row(&tr, &trip);
    if !row.cancellable {
        return Ok(refusal(
            ctx,
            StatusCode::CONFLICT,
            "my-trip-cancel-title",
            "my-trip-cancel-impossible",
        ));
    }
    let late = trip
        .planned_pickup_window
        .as_ref()
        .and_then(|w| w.start_time.as_ref())
        .and_then(view::instant)
        .is_some_and(|start| trip_form::cancel_is_late(chrono::Utc::now(), start));
    Ok(render(&CancelPage {
        page: ctx.page(tr.t("my-trip-cancel-title")),
        id: id.to_string(),
        row,
        late,
    }))
}

async fn confirm(ctx: Ctx, State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let result = confirmation(&state, &ctx, &id).await;
    ctx.answer(result)
}

async fn cancel(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(fields): Form<CancelFields>,
) -> Response {
    let result = async {
        ctx.form_session(&fields.csrf)?;
        citizen(&ctx)?;
        if fields.confirm != "yes" {
            return confirmation(&state, &ctx, &id).await;
        }
        let answer = state
            .backend
            .transport(ctx.token())
            .cancel_trip(state.backend.to_transport(tr_pb::CancelTripRequest {
                id: id.clone(),
                reason: String::new(),
            }))
            .await;
        match answer {
            Ok(r) => {
                let late = r
                    .into_inner()
                    .trip
                    .is_some_and(|t| t.state == TripState::LateCancelled as i32);
                let notice = if late { "late-cancelled" } else { "cancelled" };
                Ok(see_other(&format!("/my/trips?notice={notice}")))
            }
            Err(s) if s.code() == tonic::Code::FailedPrecondition => Ok(refusal(
                &ctx,
                StatusCode::CONFLICT,
                "my-trip-cancel-title",
                "my-trip-cancel-impossible",
            )),
            Err(s) => Err(PageError::from_status(&s)),
        }
    }
    .await;
    ctx.answer(result)
}
