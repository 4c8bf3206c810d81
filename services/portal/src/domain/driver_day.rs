//! The driver's day (жүргізушінің күні / день водителя): the stops of the routes of their shifts
//! in the order they are driven, the next stop, and the one step the driver reports there,
//! following the trip's states: SCHEDULED → DRIVER_EN_ROUTE → ARRIVED → ON_BOARD → COMPLETED, or
//! NO_SHOW once the driver has waited at the pickup. The transport service decides what the driver
//! may see and report; these rules only order what it answered and offer the step it would take.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use onaltu_proto::transport::{Route, Shift, StopKind, Trip, TripState};

use super::citizen_view::instant;

/// Minutes a driver waits at a pickup before a no-show may be recorded, counted from the later of
/// the arrival and the start of the pickup window: the transport service's `[booking]
/// no_show_wait_minutes` as configured by default. The service keeps the rule; the page offers
/// the no-show only once the wait is over, and explains the service's refusal should it differ.
pub const NO_SHOW_WAIT_MINUTES: i64 = 10;

/// A step a driver reports on a trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// On the way to the pickup (жолда / в пути).
    EnRoute,
    /// At the pickup (келдім / прибыл).
    Arrived,
    /// The passenger boarded (отырды / в машине).
    OnBoard,
    /// The passenger was dropped off (жеткізілді / доставлен).
    Completed,
    /// The passenger did not come out (келмеді / неявка).
    NoShow,
}

impl Step {
    /// Every step, in the trip's order.
    pub const ALL: [Step; 5] = [
        Step::EnRoute,
        Step::Arrived,
        Step::OnBoard,
        Step::Completed,
        Step::NoShow,
    ];

    /// The step as the status form sends it.
    pub fn value(self) -> &'static str {
        match self {
            Step::EnRoute => "en-route",
            Step::Arrived => "arrived",
            Step::OnBoard => "on-board",
            Step::Completed => "completed",
            Step::NoShow => "no-show",
        }
    }

    /// The step a status form's `state` names.
    pub fn parse(value: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.value() == value.trim())
    }

    /// The trip's state after the step.
    pub fn state(self) -> TripState {
        match self {
            Step::EnRoute => TripState::DriverEnRoute,
            Step::Arrived => TripState::Arrived,
            Step::OnBoard => TripState::OnBoard,
            Step::Completed => TripState::Completed,
            Step::NoShow => TripState::NoShow,
        }
    }

    /// The message key of the button that reports the step.
    pub fn key(self) -> &'static str {
        match self {
            Step::EnRoute => "driver-step-en-route",
            Step::Arrived => "driver-step-arrived",
            Step::OnBoard => "driver-step-on-board",
            Step::Completed => "driver-step-completed",
            Step::NoShow => "driver-step-no-show",
        }
    }
}

/// The day `?date=` names (`YYYY-MM-DD`), `today` when it names none; `Err` says what is wrong.
pub fn asked_day(asked: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let asked = asked.trim();
    if asked.is_empty() {
        return Ok(today);
    }
    NaiveDate::parse_from_str(asked, "%Y-%m-%d")
        .map_err(|_| "date: expected a day as YYYY-MM-DD".to_string())
}

/// The vehicles of `shifts`, each once, in the order the shifts start.
pub fn vehicles(shifts: &[Shift]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in shifts {
        if !s.vehicle_id.is_empty() && !out.contains(&s.vehicle_id) {
            out.push(s.vehicle_id.clone());
        }
    }
    out
}

/// The step reported next at a stop (a pickup, else a drop-off) of a trip in `state`: none when
/// the stop is behind the driver or its trip is not theirs to move (the drop-off waits for the
/// pickup). At an arrived pickup the step is boarding; a no-show is the other way out
/// ([`no_show_from`]).
pub fn next_step(pickup: bool, state: TripState) -> Option<Step> {
    match (pickup, state) {
        (true, TripState::Scheduled) => Some(Step::EnRoute),
        (true, TripState::DriverEnRoute) => Some(Step::Arrived),
        (true, TripState::Arrived) => Some(Step::OnBoard),
        (false, TripState::OnBoard) => Some(Step::Completed),
        _ => None,
    }
}

/// Whether a stop (a pickup, else a drop-off) of a trip in `state` is still ahead of the driver.
pub fn ahead(pickup: bool, state: TripState) -> bool {
    use TripState as S;
    match state {
        S::Scheduled | S::DriverEnRoute | S::Arrived => true,
        S::OnBoard => !pickup,
        _ => false,
    }
}

/// Whether a stop of a trip in `state` has been served (the passenger picked up or dropped off,
/// or did not come out): stops of cancelled or refused trips are no stops of the day.
pub fn served(pickup: bool, state: TripState) -> bool {
    use TripState as S;
    match state {
        S::Completed | S::NoShow => true,
        S::OnBoard => pickup,
        _ => false,
    }
}

/// One stop of the day: a pickup or a drop-off of one of the driver's trips.
#[derive(Debug, Clone, PartialEq)]
pub struct DayStop<'a> {
    /// The trip served.
    pub trip: &'a Trip,
    /// A pickup; else a drop-off.
    pub pickup: bool,
    /// The planned arrival at the stop.
    pub at: Option<prost_types::Timestamp>,
    /// The window the arrival must fall in (the pickup window at a pickup).
    pub window: Option<(prost_types::Timestamp, prost_types::Timestamp)>,
    /// Where.
    pub address: String,
    /// The note for the driver about the place (entrance, floor, landmark).
    pub note: String,
}

impl DayStop<'_> {
    /// The trip's state.
    pub fn state(&self) -> TripState {
        TripState::try_from(self.trip.state).unwrap_or(TripState::Unspecified)
    }

    /// The step reported next here.
    pub fn step(&self) -> Option<Step> {
        next_step(self.pickup, self.state())
    }
}

/// The day as the driver drives it: the next stop, the stops after it, and those served.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Day<'a> {
    /// The stop the driver is heading for or at.
    pub next: Option<DayStop<'a>>,
    /// The stops after it, in order.
    pub later: Vec<DayStop<'a>>,
    /// The stops served, in order.
    pub served: Vec<DayStop<'a>>,
}

/// The day of `routes` (one per vehicle; several shifts on several vehicles follow one another
/// by the route's start) over `trips`, the trips the service shows the driver: each route's
/// pickups and drop-offs in the route's order. A stop of a trip not among `trips` is left out (the
/// service shows the driver only the trips within their shifts' hours).
pub fn day_of<'a>(routes: &'a [Route], trips: &'a [Trip]) -> Day<'a> {
    let mut ordered: Vec<&Route> = routes.iter().collect();
    ordered.sort_by_key(|r| r.start_time.as_ref().map_or(i64::MAX, |t| t.seconds));
    let mut day = Day::default();
    for route in ordered {
        let mut stops: Vec<_> = route.stops.iter().collect();
        stops.sort_by_key(|s| s.sequence);
        for stop in stops {
            let pickup = match StopKind::try_from(stop.kind) {
                Ok(StopKind::Pickup) => true,
                Ok(StopKind::Dropoff) => false,
                _ => continue,
            };
            let Some(trip) = trips.iter().find(|t| t.id == stop.trip_id) else {
                continue;
            };
            let place = if pickup { &trip.pickup } else { &trip.dropoff };
            let place = place.clone().unwrap_or_default();
            let s = DayStop {
                trip,
                pickup,
                at: stop.planned_arrival_time,
                window: stop
                    .window
                    .as_ref()
                    .and_then(|w| Some((w.start_time?, w.end_time?))),
                address: if stop.address.is_empty() {
                    place.address
                } else {
                    stop.address.clone()
                },
                note: place.note,
            };
            let state = s.state();
            if ahead(pickup, state) {
                if day.next.is_none() {
                    day.next = Some(s);
                } else {
                    day.later.push(s);
                }
            } else if served(pickup, state) {
                day.served.push(s);
            }
        }
    }
    day
}

/// From when a no-show may be recorded for `trip`, the driver at its pickup: the wait counted
/// from the later of the arrival (the trip's last change, which its arrival was) and the start of
/// the pickup window. None unless the driver has arrived.
pub fn no_show_from(trip: &Trip) -> Option<DateTime<Utc>> {
    if trip.state != TripState::Arrived as i32 {
        return None;
    }
    let arrived = trip.update_time.as_ref().and_then(instant)?;
    let window_start = trip
        .planned_pickup_window
        .as_ref()
        .and_then(|w| w.start_time.as_ref())
        .and_then(instant);
    let from = window_start.map_or(arrived, |w| w.max(arrived));
    Some(from + Duration::minutes(NO_SHOW_WAIT_MINUTES))
}

/// The message key that explains the transport service's refusal of a step (`code`, and the
/// precondition types of a FAILED_PRECONDITION), or none where its own message is shown.
pub fn refusal_key(code: tonic::Code, preconditions: &[String]) -> Option<&'static str> {
    let has = |t: &str| preconditions.iter().any(|p| p == t);
    match code {
        tonic::Code::FailedPrecondition if has("NO_SHOW_WAIT") => {
            Some("driver-refused-no-show-wait")
        }
        tonic::Code::FailedPrecondition if has("TRIP_STATE") => Some("driver-refused-trip-state"),
        tonic::Code::FailedPrecondition => Some("driver-refused-precondition"),
        tonic::Code::PermissionDenied => Some("driver-refused-not-yours"),
        tonic::Code::NotFound => Some("driver-refused-not-found"),
        _ => None,
    }
}

/// Whether a refusal `code` is told on the day's page (the driver can do something else); any
/// other failure is the portal's or a service's trouble, shown as an error page.
pub fn told_on_the_page(code: tonic::Code) -> bool {
    matches!(
        code,
        tonic::Code::FailedPrecondition
            | tonic::Code::PermissionDenied
            | tonic::Code::NotFound
            | tonic::Code::InvalidArgument
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::i18n::{Lang, Tr};
    use onaltu_proto::transport::{Place, Stop, TimeWindow};
    use prost_types::Timestamp;

    fn ts(seconds: i64) -> Timestamp {
        Timestamp { seconds, nanos: 0 }
    }

    fn trip(id: &str, state: TripState) -> Trip {
        Trip {
            id: id.into(),
            state: state as i32,
            pickup: Some(Place {
                address: format!("home of {id}"),
                note: "entrance 3".into(),
                ..Default::default()
            }),
            dropoff: Some(Place {
                address: format!("centre of {id}"),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn stop(sequence: i32, kind: StopKind, trip: &str, at: i64) -> Stop {
        Stop {
            sequence,
            kind: kind as i32,
            trip_id: trip.into(),
            planned_arrival_time: Some(ts(at)),
            ..Default::default()
        }
    }

    fn route(start: i64, stops: Vec<Stop>) -> Route {
        Route {
            start_time: Some(ts(start)),
            stops,
            ..Default::default()
        }
    }

    fn shared_ride() -> Route {
        route(
            0,
            vec![
                stop(0, StopKind::DepotStart, "", 0),
                stop(1, StopKind::Pickup, "a", 100),
                stop(3, StopKind::Dropoff, "a", 300),
                stop(2, StopKind::Pickup, "b", 200),
                stop(4, StopKind::Dropoff, "b", 400),
                stop(5, StopKind::DepotEnd, "", 500),
            ],
        )
    }

    fn order(day: &Day<'_>) -> Vec<(String, bool)> {
        day.next
            .iter()
            .chain(&day.later)
            .map(|s| (s.trip.id.clone(), s.pickup))
            .collect()
    }

    #[test]
    fn a_scheduled_trip_starts_with_driving_to_the_pickup() {
        assert_eq!(next_step(true, TripState::Scheduled), Some(Step::EnRoute));
        assert_eq!(next_step(false, TripState::Scheduled), None, "pickup first");
    }

    #[test]
    fn on_the_way_the_next_step_is_arriving() {
        assert_eq!(
            next_step(true, TripState::DriverEnRoute),
            Some(Step::Arrived)
        );
        assert_eq!(next_step(false, TripState::DriverEnRoute), None);
    }

    #[test]
    fn at_the_pickup_the_next_step_is_boarding() {
        assert_eq!(next_step(true, TripState::Arrived), Some(Step::OnBoard));
        assert_eq!(next_step(false, TripState::Arrived), None);
    }

    #[test]
    fn on_board_the_next_step_is_the_drop_off() {
        assert_eq!(next_step(false, TripState::OnBoard), Some(Step::Completed));
        assert_eq!(
            next_step(true, TripState::OnBoard),
            None,
            "picked up already"
        );
        assert!(!ahead(true, TripState::OnBoard) && served(true, TripState::OnBoard));
        assert!(ahead(false, TripState::OnBoard) && !served(false, TripState::OnBoard));
    }

    #[test]
    fn a_trip_over_or_never_planned_has_no_step() {
        for state in [
            TripState::Unspecified,
            TripState::Requested,
            TripState::Completed,
            TripState::Cancelled,
            TripState::LateCancelled,
            TripState::NoShow,
            TripState::Rejected,
        ] {
            assert_eq!(next_step(true, state), None, "{state:?}");
            assert_eq!(next_step(false, state), None, "{state:?}");
            assert!(!ahead(true, state) && !ahead(false, state), "{state:?}");
        }
        assert!(served(true, TripState::Completed) && served(false, TripState::NoShow));
        assert!(
            !served(true, TripState::Cancelled),
            "a cancelled trip is no stop"
        );
    }

    #[test]
    fn each_step_leads_to_the_state_the_service_records() {
        for step in Step::ALL {
            assert_eq!(Step::parse(step.value()), Some(step));
        }
        assert_eq!(Step::parse("on-board").unwrap().state(), TripState::OnBoard);
        assert_eq!(Step::parse("no-show").unwrap().state(), TripState::NoShow);
        assert_eq!(Step::parse("COMPLETED"), None);
        assert_eq!(Step::parse(""), None);
    }

    #[test]
    fn stops_follow_the_route_and_the_first_ahead_is_next() {
        let trips = [
            trip("a", TripState::Scheduled),
            trip("b", TripState::Scheduled),
        ];
        let routes = [shared_ride()];
        let day = day_of(&routes, &trips);
        assert_eq!(
            order(&day),
            [
                ("a".to_string(), true),
                ("b".to_string(), true),
                ("a".to_string(), false),
                ("b".to_string(), false)
            ]
        );
        let next = day.next.unwrap();
        assert_eq!(next.step(), Some(Step::EnRoute));
        assert_eq!(next.address, "home of a");
        assert_eq!(next.note, "entrance 3");
        assert!(day.served.is_empty());
    }

    #[test]
    fn with_a_passenger_aboard_the_next_pickup_comes_before_their_drop_off() {
        let trips = [
            trip("a", TripState::OnBoard),
            trip("b", TripState::Scheduled),
        ];
        let routes = [shared_ride()];
        let day = day_of(&routes, &trips);
        let next = day.next.as_ref().unwrap();
        assert_eq!((next.trip.id.as_str(), next.pickup), ("b", true));
        assert_eq!(day.served.len(), 1, "a's pickup is behind");
        assert_eq!(day.later.len(), 2);
    }

    #[test]
    fn served_stops_are_kept_apart_and_cancelled_ones_dropped() {
        let trips = [
            trip("a", TripState::Completed),
            trip("b", TripState::Cancelled),
        ];
        let routes = [shared_ride()];
        let day = day_of(&routes, &trips);
        assert!(day.next.is_none() && day.later.is_empty());
        assert_eq!(day.served.len(), 2, "a's pickup and drop-off");
        assert!(day.served.iter().all(|s| s.trip.id == "a"));
    }

    #[test]
    fn a_stop_of_a_trip_the_service_did_not_show_is_left_out() {
        let trips = [trip("b", TripState::Scheduled)];
        let routes = [shared_ride()];
        let day = day_of(&routes, &trips);
        assert_eq!(
            order(&day),
            [("b".to_string(), true), ("b".to_string(), false)]
        );
    }

    #[test]
    fn routes_of_several_shifts_follow_one_another_by_their_start() {
        let trips = [
            trip("a", TripState::Scheduled),
            trip("c", TripState::Scheduled),
        ];
        let afternoon = route(
            1_000,
            vec![
                stop(0, StopKind::Pickup, "c", 1_100),
                stop(1, StopKind::Dropoff, "c", 1_200),
            ],
        );
        let morning = route(
            0,
            vec![
                stop(0, StopKind::Pickup, "a", 100),
                stop(1, StopKind::Dropoff, "a", 200),
            ],
        );
        let routes = [afternoon, morning];
        let day = day_of(&routes, &trips);
        assert_eq!(day.next.unwrap().trip.id, "a");
        assert_eq!(day.later.last().unwrap().trip.id, "c");
    }

    #[test]
    fn a_no_show_is_offered_after_the_wait_from_the_later_of_arrival_and_window() {
        let mut t = trip("a", TripState::Arrived);
        t.update_time = Some(ts(10_000));
        t.planned_pickup_window = Some(TimeWindow {
            start_time: Some(ts(9_000)),
            end_time: Some(ts(10_800)),
        });
        let from = no_show_from(&t).unwrap();
        assert_eq!(from.timestamp(), 10_000 + NO_SHOW_WAIT_MINUTES * 60);
        // Arrived early: the wait starts with the window.
        t.update_time = Some(ts(8_000));
        assert_eq!(
            no_show_from(&t).unwrap().timestamp(),
            9_000 + NO_SHOW_WAIT_MINUTES * 60
        );
        t.state = TripState::DriverEnRoute as i32;
        assert_eq!(no_show_from(&t), None, "not arrived yet");
    }

    #[test]
    fn the_day_asked_is_today_unless_named() {
        let today = NaiveDate::from_ymd_opt(2026, 7, 5).unwrap();
        assert_eq!(asked_day("", today), Ok(today));
        assert_eq!(
            asked_day("2026-07-06", today),
            Ok(NaiveDate::from_ymd_opt(2026, 7, 6).unwrap())
        );
        assert!(asked_day("06.07.2026", today).unwrap_err().contains("date"));
        assert!(asked_day("2026-02-30", today).is_err());
    }

    #[test]
    fn the_vehicles_of_the_shifts_are_named_once() {
        let shift = |v: &str| Shift {
            vehicle_id: v.into(),
            ..Default::default()
        };
        assert_eq!(
            vehicles(&[shift("v1"), shift("v2"), shift("v1"), shift("")]),
            ["v1", "v2"]
        );
    }

    #[test]
    fn refusals_are_explained_by_their_reason() {
        let pre = |t: &str| vec![t.to_string()];
        let fp = tonic::Code::FailedPrecondition;
        assert_eq!(
            refusal_key(fp, &pre("NO_SHOW_WAIT")),
            Some("driver-refused-no-show-wait")
        );
        assert_eq!(
            refusal_key(fp, &pre("TRIP_STATE")),
            Some("driver-refused-trip-state")
        );
        assert_eq!(refusal_key(fp, &[]), Some("driver-refused-precondition"));
        assert_eq!(
            refusal_key(tonic::Code::PermissionDenied, &[]),
            Some("driver-refused-not-yours")
        );
        assert_eq!(refusal_key(tonic::Code::InvalidArgument, &[]), None);
        assert!(told_on_the_page(tonic::Code::InvalidArgument));
        assert!(!told_on_the_page(tonic::Code::Unavailable));
    }

    /// The keys are computed, so the catalogue scan cannot see them.
    #[test]
    fn every_step_and_refusal_is_translated() {
        let mut keys: Vec<&str> = Step::ALL.iter().map(|s| s.key()).collect();
        let codes = [
            tonic::Code::FailedPrecondition,
            tonic::Code::PermissionDenied,
            tonic::Code::NotFound,
        ];
        for code in codes {
            for pre in [
                vec![],
                vec!["NO_SHOW_WAIT".into()],
                vec!["TRIP_STATE".into()],
            ] {
                keys.extend(refusal_key(code, &pre));
            }
        }
        for lang in Lang::ALL {
            let tr = Tr::new(lang);
            for key in &keys {
                assert!(tr.has(key), "{} lacks {key}", lang.code());
            }
        }
    }
}
