//! The dispatcher's day board (диспетчер тақтасы / доска диспетчера) as the page shows it: the
//! day asked for, each vehicle's route as a timeline of stops (times, pickups and drop-offs,
//! the load after each stop, the time since the stop before, the passengers' needs), the trips
//! not served with why, the day's measures, what a planning run changed, the forms of a shift
//! and an assignment, and the services' refusals told in the page's language.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use onaltu_proto::transport::{self as pb, StopKind, TripState};
use tonic_types::StatusExt;

use super::citizen_view::{enum_key, local_time};
use super::form::FormErrors;
use super::route_map::{self, LatLon, RouteMap};
use crate::i18n::{Lang, Tr};

/// The longest driver's account or name a shift form takes.
pub const MAX_DRIVER_CHARS: usize = 200;

/// The day a board shows: the date typed (`yyyy-mm-dd`), or tomorrow (the day a dispatcher
/// plans) when none is; a date that is not one is an error of the `date` field.
pub fn board_day(typed: &str, today: NaiveDate) -> Result<NaiveDate, &'static str> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(today + Duration::days(1));
    }
    NaiveDate::parse_from_str(typed, "%Y-%m-%d").map_err(|_| "board-error-date")
}

/// A trip's id as the board shows it: its last eight characters. Trip ids are UUIDv7, whose
/// first characters are the time of booking (the same for every trip booked in the same
/// minute); the last are random, enough to tell a day's trips apart and to find one with the
/// browser's search.
pub fn short_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    chars[chars.len().saturating_sub(8)..].iter().collect()
}

/// The instant of `hh:mm` on local (UTC+5) `day`.
pub fn local_instant(day: NaiveDate, hm: &str) -> Option<DateTime<Utc>> {
    let t = NaiveTime::parse_from_str(hm.trim(), "%H:%M").ok()?;
    Some(day.and_time(t).and_utc() - Duration::hours(5))
}

fn seconds(t: Option<&prost_types::Timestamp>) -> Option<i64> {
    t.map(|t| t.seconds)
}

/// A number with the page language's decimal mark (a comma in Kazakh and Russian).
pub fn decimal(lang: Lang, x: f64, places: usize) -> String {
    let text = format!("{x:.places$}");
    match lang {
        Lang::En => text,
        _ => text.replace('.', ","),
    }
}

// ---------------------------------------------------------------------------------------------
// The measures.

/// One measure of the day: what it is and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    /// What is measured.
    pub label: String,
    /// The value, as text.
    pub value: String,
}

/// The day's measures: the service's own (trips served, turned away, on time…) and how many
/// trips stand planned or waiting now.
pub fn measures(tr: &Tr, m: &pb::ServiceMetrics, trips: &[pb::Trip]) -> Vec<Measure> {
    let lang = tr.lang();
    let count = |states: &[TripState]| {
        trips
            .iter()
            .filter(|t| states.iter().any(|s| *s as i32 == t.state))
            .count()
    };
    let share = |x: Option<f64>| {
        x.map(|x| format!("{} %", decimal(lang, x * 100.0, 0)))
            .unwrap_or_else(|| tr.t("board-measure-none"))
    };
    let ratio = |x: Option<f64>| {
        x.map(|x| decimal(lang, x, 2))
            .unwrap_or_else(|| tr.t("board-measure-none"))
    };
    let row = |key: &str, value: String| Measure {
        label: tr.t(key),
        value,
    };
    vec![
        row("board-measure-requested", m.trips_requested.to_string()),
        row(
            "board-measure-planned",
            count(&[TripState::Scheduled]).to_string(),
        ),
        row(
            "board-measure-waiting",
            count(&[TripState::Requested]).to_string(),
        ),
        row("board-measure-served", m.trips_served.to_string()),
        row("board-measure-denied", m.trips_denied.to_string()),
        row("board-measure-cancelled", m.trips_cancelled.to_string()),
        row(
            "board-measure-late-cancelled",
            m.trips_late_cancelled.to_string(),
        ),
        row("board-measure-no-show", m.trips_no_show.to_string()),
        row("board-measure-on-time", m.on_time_pickups.to_string()),
        row("board-measure-on-time-share", share(m.on_time_share)),
        row("board-measure-ride-ratio", ratio(m.ride_time_ratio)),
        row(
            "board-measure-vehicle-hours",
            decimal(lang, m.vehicle_hours, 1),
        ),
        row("board-measure-per-hour", ratio(m.trips_per_vehicle_hour)),
        row("board-measure-shared", share(m.shared_ride_share)),
    ]
}

// ---------------------------------------------------------------------------------------------
// The routes.

/// One stop of a route's table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StopRow {
    /// Its number on the route, as the map numbers it.
    pub number: usize,
    /// Planned time, `HH:MM`.
    pub time: String,
    /// The window the time must fall in, `HH:MM–HH:MM` (empty at the depot).
    pub window: String,
    /// Pickup, drop-off or depot.
    pub kind: String,
    /// The trip's id, short; empty at the depot.
    pub trip_short: String,
    /// The trip's id.
    pub trip_id: String,
    /// The trip's state.
    pub state: String,
    /// The address.
    pub address: String,
    /// What is aboard after the stop.
    pub load: String,
    /// Time since the stop before (driving and waiting).
    pub wait: String,
    /// The passenger's needs: wheelchair, escorts.
    pub needs: String,
    /// Whether the dispatcher may cancel the trip here (its pickup, while not under way).
    pub cancellable: bool,
    /// Whether the dispatcher may record the passenger did not come out (driver at the pickup).
    pub no_show: bool,
}

/// The bar of a vehicle's day: its shifts as spans and its stops as ticks over the board's
/// hours (decoration: the table carries the data).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Timeline {
    /// Shifts: (x, width).
    pub shifts: Vec<(String, String)>,
    /// Stops: (x, whether a pickup).
    pub stops: Vec<(String, bool)>,
}

/// Width of a timeline bar, in SVG units.
pub const BAR_WIDTH: f64 = 600.0;

/// The hours a day's bars span: from the earliest shift start or stop to the latest, in
/// seconds since the epoch; `None` when nothing is on the board.
pub fn span(times: impl IntoIterator<Item = i64>) -> Option<(i64, i64)> {
    let mut it = times.into_iter();
    let first = it.next()?;
    let (lo, hi) = it.fold((first, first), |(lo, hi), t| (lo.min(t), hi.max(t)));
    Some((lo, hi.max(lo + 1)))
}

/// The bar of `shifts` and `stops` (pickup or not) over `span`.
pub fn timeline(span: (i64, i64), shifts: &[(i64, i64)], stops: &[(i64, bool)]) -> Timeline {
    #[allow(clippy::cast_precision_loss)]
    let x = |t: i64| {
        BAR_WIDTH * (t - span.0).clamp(0, span.1 - span.0) as f64 / (span.1 - span.0) as f64
    };
    let n = |v: f64| format!("{v:.1}");
    Timeline {
        shifts: shifts
            .iter()
            .map(|(s, e)| (n(x(*s)), n((x(*e) - x(*s)).max(1.0))))
            .collect(),
        stops: stops.iter().map(|(t, p)| (n(x(*t)), *p)).collect(),
    }
}

/// A vehicle's day on the board.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RouteView {
    /// The vehicle's id.
    pub vehicle_id: String,
    /// Its plate, how dispatchers name it.
    pub plate: String,
    /// What it carries: wheelchair places and seats.
    pub capacity: String,
    /// Its shifts, `HH:MM–HH:MM` and the driver.
    pub shifts: Vec<String>,
    /// Its line on the map, told in words (the legend).
    pub pattern: String,
    /// Its stops; empty when it has no route that day.
    pub stops: Vec<StopRow>,
    /// Its bar.
    pub bar: Timeline,
    /// Its planned distance, km.
    pub distance: String,
}

/// A trip the day does not serve (turned away, or not yet planned).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UnservedRow {
    /// The trip's id.
    pub trip_id: String,
    /// Its id, short.
    pub trip_short: String,
    /// What was asked: pickup at, or arrival by.
    pub asked: String,
    /// Its state.
    pub state: String,
    /// Why, translated.
    pub reason: String,
    /// The service's note.
    pub note: String,
    /// The passenger's needs.
    pub needs: String,
    /// Pickup and drop-off addresses.
    pub from: String,
    /// Drop-off address.
    pub to: String,
    /// Whether it can be put on a vehicle.
    pub assignable: bool,
    /// Whether the dispatcher may cancel it.
    pub cancellable: bool,
}

/// Everything the board shows of a day.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Board {
    /// The day, `yyyy-mm-dd`.
    pub day: String,
    /// The vehicles with a shift or a route that day, by plate.
    pub routes: Vec<RouteView>,
    /// The map; `None` when no route has stops.
    pub map: Option<RouteMap>,
    /// The trips not served.
    pub unserved: Vec<UnservedRow>,
    /// The day's measures.
    pub measures: Vec<Measure>,
}

/// The key of a reason a trip was turned away, as a dispatcher reads it.
pub fn reason_key(reason: i32) -> String {
    let name =
        pb::TripRejectionReason::try_from(reason).unwrap_or(pb::TripRejectionReason::Unspecified);
    enum_key("board-reason", name.as_str_name(), "TRIP_REJECTION_REASON_")
}

/// The key of a stop's kind.
pub fn stop_kind_key(kind: i32) -> String {
    let name = StopKind::try_from(kind).unwrap_or(StopKind::Unspecified);
    enum_key("board-stop", name.as_str_name(), "STOP_KIND_")
}

/// The passenger's needs as words: a wheelchair, escorts; a dash when none.
pub fn needs(tr: &Tr, t: &pb::Trip) -> String {
    let mut parts = Vec::new();
    if t.wheelchair {
        parts.push(tr.t("board-needs-wheelchair"));
    }
    if t.escorts > 0 {
        parts.push(tr.n("board-needs-escorts", t.escorts));
    }
    if parts.is_empty() {
        "—".into()
    } else {
        parts.join(", ")
    }
}

/// What was asked: a pickup at, or an arrival by, a time.
pub fn asked(tr: &Tr, t: &pb::Trip) -> String {
    match &t.requested_time {
        Some(pb::trip::RequestedTime::RequestedPickupTime(at)) => {
            tr.s("board-asked-pickup", "time", local_time(Some(at)))
        }
        Some(pb::trip::RequestedTime::RequestedArrivalTime(at)) => {
            tr.s("board-asked-arrival", "time", local_time(Some(at)))
        }
        None => String::new(),
    }
}

fn state_of(t: Option<&pb::Trip>) -> TripState {
    t.and_then(|t| TripState::try_from(t.state).ok())
        .unwrap_or(TripState::Unspecified)
}

/// Whether a dispatcher may cancel a trip in `state` (the service refuses once under way).
pub fn cancellable(state: TripState) -> bool {
    matches!(state, TripState::Requested | TripState::Scheduled)
}

/// Whether a trip in `state` with `reason` may be put on a vehicle by hand.
pub fn assignable(state: TripState, reason: i32) -> bool {
    match state {
        TripState::Requested | TripState::Scheduled => true,
        TripState::Rejected => reason == pb::TripRejectionReason::NoCapacity as i32,
        _ => false,
    }
}

fn stop_rows(tr: &Tr, route: &pb::Route, trips: &HashMap<&str, &pb::Trip>) -> Vec<StopRow> {
    let mut before: Option<i64> = None;
    route
        .stops
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let trip = trips.get(s.trip_id.as_str()).copied();
            let at = seconds(s.planned_arrival_time.as_ref());
            let wait = match (before, at) {
                (Some(b), Some(a)) => tr.n("board-minutes", (a - b).max(0) / 60),
                _ => "—".into(),
            };
            before = at.or(before);
            let load = s.load_after.unwrap_or_default();
            let state = state_of(trip);
            let pickup = s.kind == StopKind::Pickup as i32;
            StopRow {
                number: i + 1,
                time: local_time(s.planned_arrival_time.as_ref()),
                window: s
                    .window
                    .as_ref()
                    .map(|w| {
                        format!(
                            "{}–{}",
                            local_time(w.start_time.as_ref()),
                            local_time(w.end_time.as_ref())
                        )
                    })
                    .unwrap_or_default(),
                kind: tr.t(&stop_kind_key(s.kind)),
                trip_short: short_id(&s.trip_id),
                trip_id: s.trip_id.clone(),
                state: trip
                    .map(|t| tr.t(&super::citizen_view::trip_state_key(t.state)))
                    .unwrap_or_default(),
                address: s.address.clone(),
                load: tr.args(
                    "board-load",
                    &[
                        ("wheelchairs", load.wheelchairs.into()),
                        ("seats", load.seats.into()),
                    ],
                ),
                wait,
                needs: trip.map(|t| needs(tr, t)).unwrap_or_default(),
                cancellable: pickup && cancellable(state),
                no_show: pickup && state == TripState::Arrived,
            }
        })
        .collect()
}

fn shift_text(tr: &Tr, s: &pb::Shift) -> String {
    let key = if s.driver_name.trim().is_empty() {
        "board-shift-no-driver"
    } else {
        "board-shift"
    };
    tr.args(
        key,
        &[
            ("start", local_time(s.start_time.as_ref()).into()),
            ("end", local_time(s.end_time.as_ref()).into()),
            ("driver", s.driver_name.clone().into()),
        ],
    )
}

/// What the board shows of a day.
pub struct Day<'a> {
    /// The day.
    pub day: NaiveDate,
    /// The fleet.
    pub vehicles: &'a [pb::Vehicle],
    /// The day's shifts.
    pub shifts: &'a [pb::Shift],
    /// The day's routes.
    pub routes: &'a [pb::Route],
    /// The day's trips.
    pub trips: &'a [pb::Trip],
    /// The day's measures.
    pub metrics: &'a pb::ServiceMetrics,
}

/// The board of `d`: the vehicles with a shift or a route that day (by plate), their routes,
/// the map, the trips not served and the measures.
pub fn board(tr: &Tr, d: &Day<'_>) -> Board {
    let trips: HashMap<&str, &pb::Trip> = d.trips.iter().map(|t| (t.id.as_str(), t)).collect();
    let working: HashSet<&str> = d
        .shifts
        .iter()
        .map(|s| s.vehicle_id.as_str())
        .chain(d.routes.iter().map(|r| r.vehicle_id.as_str()))
        .collect();
    let mut vehicles: Vec<&pb::Vehicle> = d
        .vehicles
        .iter()
        .filter(|v| working.contains(v.id.as_str()))
        .collect();
    vehicles.sort_by(|a, b| a.plate_number.cmp(&b.plate_number));
    let route_of = |id: &str| d.routes.iter().find(|r| r.vehicle_id == id);
    let span = span(
        d.shifts
            .iter()
            .flat_map(|s| [seconds(s.start_time.as_ref()), seconds(s.end_time.as_ref())])
            .chain(d.routes.iter().flat_map(|r| {
                r.stops
                    .iter()
                    .map(|s| seconds(s.planned_arrival_time.as_ref()))
            }))
            .flatten(),
    )
    .unwrap_or((0, 1));
    let mut drawn = Vec::new();
    let routes = vehicles
        .iter()
        .map(|v| {
            let route = route_of(&v.id);
            let stops: &[pb::Stop] = route.map(|r| r.stops.as_slice()).unwrap_or(&[]);
            let shifts: Vec<&pb::Shift> =
                d.shifts.iter().filter(|s| s.vehicle_id == v.id).collect();
            let pattern = if stops.is_empty() {
                String::new()
            } else {
                drawn.push((
                    v.plate_number.clone(),
                    stops
                        .iter()
                        .filter_map(|s| s.location)
                        .map(|p| LatLon {
                            lat: p.latitude,
                            lon: p.longitude,
                        })
                        .collect(),
                ));
                tr.t(&format!(
                    "board-pattern-{}",
                    (drawn.len() - 1) % route_map::PATTERNS.len()
                ))
            };
            RouteView {
                vehicle_id: v.id.clone(),
                plate: v.plate_number.clone(),
                capacity: tr.args(
                    "board-capacity",
                    &[
                        ("wheelchairs", v.wheelchair_places.into()),
                        ("seats", v.seats.into()),
                    ],
                ),
                shifts: shifts.iter().map(|s| shift_text(tr, s)).collect(),
                pattern,
                stops: route.map(|r| stop_rows(tr, r, &trips)).unwrap_or_default(),
                bar: timeline(
                    span,
                    &shifts
                        .iter()
                        .filter_map(|s| {
                            Some((
                                seconds(s.start_time.as_ref())?,
                                seconds(s.end_time.as_ref())?,
                            ))
                        })
                        .collect::<Vec<_>>(),
                    &stops
                        .iter()
                        .filter(|s| !s.trip_id.is_empty())
                        .filter_map(|s| {
                            Some((
                                seconds(s.planned_arrival_time.as_ref())?,
                                s.kind == StopKind::Pickup as i32,
                            ))
                        })
                        .collect::<Vec<_>>(),
                ),
                distance: route
                    .map(|r| {
                        #[allow(clippy::cast_precision_loss)]
                        let km = r.distance_meters as f64 / 1000.0;
                        decimal(tr.lang(), km, 1)
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();
    Board {
        day: d.day.format("%Y-%m-%d").to_string(),
        routes,
        map: route_map::draw(&drawn),
        unserved: d
            .trips
            .iter()
            .filter(|t| {
                t.state == TripState::Rejected as i32 || t.state == TripState::Requested as i32
            })
            .map(|t| unserved_row(tr, t))
            .collect(),
        measures: measures(tr, d.metrics, d.trips),
    }
}

fn unserved_row(tr: &Tr, t: &pb::Trip) -> UnservedRow {
    let state = state_of(Some(t));
    UnservedRow {
        trip_id: t.id.clone(),
        trip_short: short_id(&t.id),
        asked: asked(tr, t),
        state: tr.t(&super::citizen_view::trip_state_key(t.state)),
        reason: if state == TripState::Rejected {
            tr.t(&reason_key(t.rejection_reason))
        } else {
            tr.t("board-reason-not-planned")
        },
        note: t.state_note.clone(),
        needs: needs(tr, t),
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
        assignable: assignable(state, t.rejection_reason),
        cancellable: cancellable(state),
    }
}

// ---------------------------------------------------------------------------------------------
// What a planning run changed.

/// What a plan changed: the trips it scheduled that were not before, those it turned away,
/// and the vehicles its routes use.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlanChanges {
    /// Trips newly on a route (short ids).
    pub scheduled: Vec<String>,
    /// Trips newly turned away (short ids).
    pub turned_away: Vec<String>,
    /// Trips moved to another vehicle (short ids).
    pub moved: Vec<String>,
    /// Plates of the vehicles used.
    pub vehicles: Vec<String>,
}

/// What changed between the day's trips `before` and `after` a plan whose routes use the
/// vehicles `used` (ids), named by `vehicles`.
pub fn plan_changes(
    before: &[pb::Trip],
    after: &[pb::Trip],
    used: &[String],
    vehicles: &[pb::Vehicle],
) -> PlanChanges {
    let was: HashMap<&str, &pb::Trip> = before.iter().map(|t| (t.id.as_str(), t)).collect();
    let newly = |t: &pb::Trip, state: TripState| {
        t.state == state as i32
            && was
                .get(t.id.as_str())
                .is_none_or(|b| b.state != state as i32)
    };
    let mut plates: Vec<String> = used
        .iter()
        .map(|id| {
            vehicles
                .iter()
                .find(|v| &v.id == id)
                .map_or_else(|| short_id(id), |v| v.plate_number.clone())
        })
        .collect();
    plates.sort();
    PlanChanges {
        scheduled: after
            .iter()
            .filter(|t| newly(t, TripState::Scheduled))
            .map(|t| short_id(&t.id))
            .collect(),
        turned_away: after
            .iter()
            .filter(|t| newly(t, TripState::Rejected))
            .map(|t| short_id(&t.id))
            .collect(),
        moved: after
            .iter()
            .filter(|t| {
                t.state == TripState::Scheduled as i32
                    && was.get(t.id.as_str()).is_some_and(|b| {
                        b.state == TripState::Scheduled as i32 && b.vehicle_id != t.vehicle_id
                    })
            })
            .map(|t| short_id(&t.id))
            .collect(),
        vehicles: plates,
    }
}

// ---------------------------------------------------------------------------------------------
// The forms and the services' refusals.

/// A shift typed into the board's form.
#[derive(Debug, Clone, PartialEq)]
pub struct NewShift {
    /// The vehicle.
    pub vehicle: String,
    /// The driver's account (`sub`).
    pub driver: String,
    /// The driver's name.
    pub driver_name: String,
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
}

/// The fields of the shift form, as typed (`vehicle`, `driver`, `driver_name`, `start`, `end`
/// as `HH:MM` on `day`), checked against the vehicles offered.
pub fn validate_shift(
    day: NaiveDate,
    vehicle: &str,
    driver: &str,
    driver_name: &str,
    (start, end): (&str, &str),
    offered: &[pb::Vehicle],
) -> Result<NewShift, FormErrors> {
    let mut e = FormErrors::new();
    if !offered.iter().any(|v| v.id == vehicle) {
        e.add("shift-vehicle", "board-error-vehicle");
    }
    let driver = driver.trim();
    if driver.is_empty() {
        e.add("shift-driver", "board-error-driver");
    } else if driver.chars().count() > MAX_DRIVER_CHARS
        || super::form::has_control_characters(driver)
    {
        e.add_n(
            "shift-driver",
            "board-error-driver-long",
            MAX_DRIVER_CHARS as i64,
        );
    }
    let driver_name = driver_name.trim();
    if driver_name.chars().count() > MAX_DRIVER_CHARS
        || super::form::has_control_characters(driver_name)
    {
        e.add_n(
            "shift-driver-name",
            "board-error-driver-long",
            MAX_DRIVER_CHARS as i64,
        );
    }
    let from = local_instant(day, start);
    let until = local_instant(day, end);
    if from.is_none() {
        e.add("shift-start", "board-error-time");
    }
    if until.is_none() {
        e.add("shift-end", "board-error-time");
    }
    match (from, until) {
        (Some(from), Some(until)) if until > from && e.is_empty() => Ok(NewShift {
            vehicle: vehicle.to_string(),
            driver: driver.to_string(),
            driver_name: driver_name.to_string(),
            start: from,
            end: until,
        }),
        (Some(from), Some(until)) if until <= from => {
            e.add("shift-end", "board-error-end-after-start");
            Err(e)
        }
        _ => Err(e),
    }
}

/// The assignment form's fields checked: a trip and a vehicle chosen.
pub fn validate_assignment(trip: &str, vehicle: &str) -> Result<(), FormErrors> {
    let mut e = FormErrors::new();
    if trip.trim().is_empty() {
        e.add("assign-trip", "board-error-trip");
    }
    if vehicle.trim().is_empty() {
        e.add("assign-vehicle", "board-error-vehicle");
    }
    if e.is_empty() { Ok(()) } else { Err(e) }
}

/// The message key of a refusal the transport service answered an action with, where the
/// refusal names a reason the board can tell in the page's language; `None` leaves the
/// service's own words.
pub fn refusal_key(status: &tonic::Status) -> Option<&'static str> {
    use tonic::Code;
    match status.code() {
        Code::PermissionDenied => Some("board-refusal-forbidden"),
        Code::FailedPrecondition => {
            let violation = status
                .get_details_precondition_failure()
                .and_then(|p| p.violations.into_iter().next())?;
            match violation.r#type.as_str() {
                "ASSIGNMENT" if violation.subject.starts_with("vehicles/") => {
                    Some("board-refusal-assignment-no-shift")
                }
                "ASSIGNMENT" => Some("board-refusal-assignment"),
                "TRIP_STATE" => Some("board-refusal-trip-state"),
                "NO_SHOW_WAIT" => Some("board-refusal-no-show-wait"),
                "SHIFT_OVERLAP" => Some("board-refusal-shift-overlap"),
                "DAY_UNDER_WAY" => Some("board-refusal-day-under-way"),
                "REQUEST_ID_REUSED" => Some("board-refusal-request-reused"),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Every key [`refusal_key`], [`reason_key`], [`stop_kind_key`] and the legend can ask for.
pub const COMPUTED_KEYS: &[&str] = &[
    "board-refusal-forbidden",
    "board-refusal-assignment-no-shift",
    "board-refusal-assignment",
    "board-refusal-trip-state",
    "board-refusal-no-show-wait",
    "board-refusal-shift-overlap",
    "board-refusal-day-under-way",
    "board-refusal-request-reused",
    "board-reason-unspecified",
    "board-reason-not-eligible",
    "board-reason-no-capacity",
    "board-reason-outside-service-hours",
    "board-reason-outside-service-area",
    "board-reason-other",
    "board-stop-unspecified",
    "board-stop-depot-start",
    "board-stop-pickup",
    "board-stop-dropoff",
    "board-stop-depot-end",
    "board-pattern-0",
    "board-pattern-1",
    "board-pattern-2",
    "board-pattern-3",
    "board-pattern-4",
    "board-pattern-5",
];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use onaltu_proto::common::GeoPoint;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 7, 2).unwrap()
    }

    fn ts(h: u32, m: u32) -> prost_types::Timestamp {
        let t = local_instant(day(), &format!("{h:02}:{m:02}")).unwrap();
        prost_types::Timestamp {
            seconds: t.timestamp(),
            nanos: 0,
        }
    }

    fn trip(id: &str, state: TripState) -> pb::Trip {
        pb::Trip {
            id: id.into(),
            state: state as i32,
            ..Default::default()
        }
    }

    #[test]
    fn the_board_opens_on_tomorrow_and_refuses_a_non_date() {
        assert_eq!(board_day("", day()), Ok(day() + Duration::days(1)));
        assert_eq!(
            board_day(" 2026-07-05 ", day()),
            Ok(NaiveDate::from_ymd_opt(2026, 7, 5).unwrap())
        );
        assert_eq!(board_day("05.07.2026", day()), Err("board-error-date"));
        assert_eq!(board_day("2026-02-30", day()), Err("board-error-date"));
    }

    #[test]
    fn local_times_are_kazakhstan_time() {
        let at = local_instant(day(), "09:30").unwrap();
        assert_eq!(at.to_rfc3339(), "2026-07-02T04:30:00+00:00");
        assert!(local_instant(day(), "25:00").is_none());
        assert_eq!(short_id("0190abcd-1234-7000-8000-00a1b2c3d4e5"), "b2c3d4e5");
        // Two trips booked in the same minute share their first characters, never their last.
        assert_ne!(
            short_id("0190abcd-1234-7000-8000-00a1b2c3d4e5"),
            short_id("0190abcd-1234-7000-8000-9f1e2d3c4b5a")
        );
        assert_eq!(decimal(Lang::Ru, 1.25, 1), "1,2");
        assert_eq!(decimal(Lang::En, 2.0, 2), "2.00");
    }

    #[test]
    fn a_route_tells_each_stop_with_load_gap_and_needs() {
        let tr = Tr::new(Lang::En);
        let mut t1 = trip("t1-aaaaaaaa", TripState::Scheduled);
        t1.wheelchair = true;
        t1.escorts = 1;
        let stop = |kind: StopKind, trip: &str, at, wheelchairs, seats| pb::Stop {
            kind: kind as i32,
            trip_id: trip.into(),
            planned_arrival_time: Some(at),
            location: Some(GeoPoint {
                latitude: 51.1,
                longitude: 71.4,
            }),
            load_after: Some(pb::Load { wheelchairs, seats }),
            ..Default::default()
        };
        let route = pb::Route {
            vehicle_id: "v1".into(),
            stops: vec![
                stop(StopKind::DepotStart, "", ts(9, 40), 0, 0),
                stop(StopKind::Pickup, &t1.id, ts(10, 0), 1, 1),
                stop(StopKind::Dropoff, &t1.id, ts(10, 25), 0, 0),
                stop(StopKind::DepotEnd, "", ts(10, 45), 0, 0),
            ],
            distance_meters: 12_345,
            ..Default::default()
        };
        let vehicle = pb::Vehicle {
            id: "v1".into(),
            plate_number: "101AAA01".into(),
            wheelchair_places: 1,
            seats: 3,
            ..Default::default()
        };
        let idle = pb::Vehicle {
            id: "v2".into(),
            plate_number: "202BBB01".into(),
            ..Default::default()
        };
        let away = pb::Vehicle {
            id: "v3".into(),
            plate_number: "000AAA01".into(),
            ..Default::default()
        };
        let shift = |v: &str| pb::Shift {
            vehicle_id: v.into(),
            driver_name: "Ерлан".into(),
            start_time: Some(ts(9, 0)),
            end_time: Some(ts(18, 0)),
            ..Default::default()
        };
        let mut turned = trip("t2-bbbbbbbb", TripState::Rejected);
        turned.rejection_reason = pb::TripRejectionReason::NoCapacity as i32;
        turned.state_note = "no vehicle free".into();
        let b = board(
            &tr,
            &Day {
                day: day(),
                vehicles: &[vehicle, idle, away],
                shifts: &[shift("v1"), shift("v2")],
                routes: &[route],
                trips: &[t1, turned, trip("t3", TripState::Completed)],
                metrics: &pb::ServiceMetrics::default(),
            },
        );
        let plates: Vec<&str> = b.routes.iter().map(|r| r.plate.as_str()).collect();
        assert_eq!(
            plates,
            ["101AAA01", "202BBB01"],
            "vehicles at work, by plate"
        );
        let r = &b.routes[0];
        assert_eq!(r.shifts, ["09:00–18:00, Ерлан"]);
        assert_eq!(r.distance, "12.3");
        assert_eq!(r.stops.len(), 4);
        let pickup = &r.stops[1];
        assert_eq!(pickup.time, "10:00");
        assert_eq!(pickup.kind, "Pickup");
        assert_eq!(pickup.trip_short, "aaaaaaaa");
        assert_eq!(pickup.wait, "20 min");
        assert_eq!(pickup.load, "1 wheelchair, 1 seat");
        assert_eq!(pickup.needs, "wheelchair, 1 escort");
        assert!(pickup.cancellable && !pickup.no_show);
        assert!(
            !r.stops[2].cancellable,
            "cancelled from its pickup row only"
        );
        assert_eq!(r.stops[0].wait, "—");
        assert_eq!(r.bar.stops.len(), 2, "the bar ticks the trips' stops");
        assert!(b.routes[1].stops.is_empty() && b.routes[1].pattern.is_empty());
        assert_eq!(b.map.as_ref().unwrap().lines.len(), 1);
        assert_eq!(b.unserved.len(), 1);
        let u = &b.unserved[0];
        assert_eq!(u.reason, "No vehicle was free at that time");
        assert_eq!(u.note, "no vehicle free");
        assert!(u.assignable);
    }

    #[test]
    fn the_bar_spans_the_days_hours() {
        let s = span([100, 40, 500]).unwrap();
        assert_eq!(s, (40, 500));
        assert_eq!(span(std::iter::empty()), None);
        let bar = timeline((0, 600), &[(0, 300)], &[(600, true), (900, false)]);
        assert_eq!(bar.shifts, [("0.0".to_string(), "300.0".to_string())]);
        assert_eq!(bar.stops[0].0, "600.0");
        assert_eq!(bar.stops[1].0, "600.0", "clamped to the bar");
    }

    #[test]
    fn a_plans_changes_are_told() {
        let before = vec![
            trip("a", TripState::Requested),
            trip("b", TripState::Requested),
            trip("c", TripState::Scheduled),
            trip("d", TripState::Scheduled),
        ];
        let mut after = vec![
            trip("a", TripState::Scheduled),
            trip("b", TripState::Rejected),
            trip("c", TripState::Scheduled),
            trip("d", TripState::Scheduled),
        ];
        after[3].vehicle_id = "v2".into();
        let vehicles = [pb::Vehicle {
            id: "v1".into(),
            plate_number: "101AAA01".into(),
            ..Default::default()
        }];
        let c = plan_changes(&before, &after, &["v1".into(), "v2".into()], &vehicles);
        assert_eq!(c.scheduled, ["a"]);
        assert_eq!(c.turned_away, ["b"]);
        assert_eq!(c.moved, ["d"]);
        assert_eq!(c.vehicles, ["101AAA01", "v2"]);
    }

    #[test]
    fn a_shift_is_a_vehicle_a_driver_and_hours_in_order() {
        let v = [pb::Vehicle {
            id: "v1".into(),
            ..Default::default()
        }];
        let ok =
            validate_shift(day(), "v1", " driver-1 ", "Ерлан", ("09:00", "13:00"), &v).unwrap();
        assert_eq!(ok.driver, "driver-1");
        assert_eq!(ok.start.to_rfc3339(), "2026-07-02T04:00:00+00:00");
        let e = validate_shift(day(), "v9", "", "", ("9", "13:00"), &v).unwrap_err();
        assert_eq!(e.of("shift-vehicle").unwrap().key, "board-error-vehicle");
        assert_eq!(e.of("shift-driver").unwrap().key, "board-error-driver");
        assert_eq!(e.of("shift-start").unwrap().key, "board-error-time");
        let e = validate_shift(day(), "v1", "d", "", ("13:00", "09:00"), &v).unwrap_err();
        assert_eq!(
            e.of("shift-end").unwrap().key,
            "board-error-end-after-start"
        );
        let long = "x".repeat(MAX_DRIVER_CHARS + 1);
        let e = validate_shift(day(), "v1", &long, "", ("09:00", "13:00"), &v).unwrap_err();
        assert_eq!(e.of("shift-driver").unwrap().key, "board-error-driver-long");
        assert!(validate_assignment("t", "").is_err());
        assert!(validate_assignment("t", "v").is_ok());
    }

    #[test]
    fn refusals_with_a_reason_are_told_in_the_pages_language() {
        use tonic_types::ErrorDetails;
        let refused = |kind: &str, subject: &str| {
            let mut d = ErrorDetails::new();
            d.add_precondition_failure_violation(kind, subject, "why");
            tonic::Status::with_error_details(tonic::Code::FailedPrecondition, "no", d)
        };
        assert_eq!(
            refusal_key(&refused("ASSIGNMENT", "trips/1")),
            Some("board-refusal-assignment")
        );
        assert_eq!(
            refusal_key(&refused("ASSIGNMENT", "vehicles/1")),
            Some("board-refusal-assignment-no-shift")
        );
        assert_eq!(
            refusal_key(&refused("NO_SHOW_WAIT", "trips/1")),
            Some("board-refusal-no-show-wait")
        );
        assert_eq!(refusal_key(&refused("SOMETHING_NEW", "x")), None);
        assert_eq!(
            refusal_key(&tonic::Status::invalid_argument("bad")),
            None,
            "the service's words"
        );
        assert_eq!(
            refusal_key(&tonic::Status::permission_denied("no")),
            Some("board-refusal-forbidden")
        );
    }

    #[test]
    fn only_trips_not_yet_under_way_are_cancelled_or_assigned() {
        assert!(cancellable(TripState::Scheduled));
        assert!(!cancellable(TripState::OnBoard));
        let no_capacity = pb::TripRejectionReason::NoCapacity as i32;
        let not_eligible = pb::TripRejectionReason::NotEligible as i32;
        assert!(assignable(TripState::Rejected, no_capacity));
        assert!(!assignable(TripState::Rejected, not_eligible));
        assert!(!assignable(TripState::Completed, 0));
    }

    #[test]
    fn every_computed_key_is_in_every_language() {
        for lang in Lang::ALL {
            let tr = Tr::new(lang);
            for key in COMPUTED_KEYS {
                assert!(tr.has(key), "{} lacks {key}", lang.code());
            }
        }
    }
}
