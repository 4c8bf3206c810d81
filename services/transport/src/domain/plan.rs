//! A service day as a dial-a-ride problem: each shift is a vehicle (its depot, hours, places);
//! each trip a request with its windows and longest ride; then why a trip was left unplanned.

use onaltu_proto::transport::{TripRejectionReason, TripState as S, UnassignedReason};
use uuid::Uuid;

use super::darp::model::Visit;
use super::darp::model::{Matrix, Problem, Request, Solution, Stop, Vehicle};
use super::darp::schedule::{Infeasible, schedule};
use super::travel::TravelModel;
use super::trip::{
    BookingRules, Rejection, Requested, Windows, is_under_way, max_ride_seconds, windows,
};

/// A shift as planned: seconds since local midnight, depot point, places.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShiftInput {
    /// Depot (latitude, longitude).
    pub depot: (f64, f64),
    /// Start, seconds since local midnight.
    pub start: f64,
    /// End, seconds since local midnight.
    pub end: f64,
    /// Wheelchair places.
    pub wheelchairs: i32,
    /// Seats.
    pub seats: i32,
}

/// A trip as planned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TripInput {
    /// Pickup (latitude, longitude).
    pub pickup: (f64, f64),
    /// Drop-off (latitude, longitude).
    pub dropoff: (f64, f64),
    /// Windows, seconds since local midnight.
    pub windows: Windows,
    /// Longest ride, seconds.
    pub max_ride: f64,
    /// Travels in a wheelchair.
    pub wheelchair: bool,
    /// Escorts, each taking a seat.
    pub escorts: i32,
}

/// The problem of a day: locations are the depots first, then each trip's pickup and drop-off.
pub fn problem(
    shifts: &[ShiftInput],
    trips: &[TripInput],
    travel: impl Fn(&[(f64, f64)]) -> Matrix,
    rules: &BookingRules,
) -> Problem {
    let mut points: Vec<(f64, f64)> = shifts.iter().map(|s| s.depot).collect();
    let vehicles = shifts
        .iter()
        .enumerate()
        .map(|(i, s)| Vehicle {
            start: i,
            end: i,
            shift_start: s.start,
            shift_end: s.end,
            max_duration: s.end - s.start,
            wheelchairs: s.wheelchairs,
            seats: s.seats,
        })
        .collect();
    let requests = trips
        .iter()
        .map(|t| {
            let service = rules.stop_service_seconds as f64 * if t.wheelchair { 2.0 } else { 1.0 };
            let pickup = points.len();
            points.push(t.pickup);
            points.push(t.dropoff);
            Request {
                pickup: Stop {
                    location: pickup,
                    service,
                    earliest: t.windows.pickup.0,
                    latest: t.windows.pickup.1,
                },
                dropoff: Stop {
                    location: pickup + 1,
                    service,
                    earliest: t.windows.dropoff.0,
                    latest: t.windows.dropoff.1,
                },
                max_ride: t.max_ride,
                wheelchairs: i32::from(t.wheelchair),
                seats: t.escorts + i32::from(!t.wheelchair),
            }
        })
        .collect();
    Problem {
        requests,
        vehicles,
        matrix: travel(&points),
    }
}

/// A trip of the day as the planner sees it, in seconds of the service day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayTrip {
    /// Its state.
    pub state: S,
    /// Pickup (latitude, longitude).
    pub pickup: (f64, f64),
    /// Drop-off (latitude, longitude).
    pub dropoff: (f64, f64),
    /// What the passenger asked for.
    pub requested: Requested,
    /// The direct ride, seconds.
    pub direct_seconds: f64,
    /// The pickup it was planned at, if any.
    pub planned_pickup: Option<f64>,
    /// Travels in a wheelchair.
    pub wheelchair: bool,
    /// Escorts, each taking a seat.
    pub escorts: i32,
    /// The vehicle it is on.
    pub vehicle: Option<Uuid>,
    /// A dispatcher placed it there.
    pub manually_assigned: bool,
}

/// A trip as planned: its windows from what was asked, or for a trip under way the pickup it
/// was planned at.
pub fn trip_input(t: &DayTrip, rules: &BookingRules) -> TripInput {
    let max_ride = max_ride_seconds(t.direct_seconds, rules);
    let mut planned = windows(t.requested, t.direct_seconds, max_ride, rules);
    if let Some(at) = t.planned_pickup.filter(|_| is_under_way(t.state)) {
        planned = keep_pickup(planned, at);
    }
    TripInput {
        pickup: t.pickup,
        dropoff: t.dropoff,
        windows: planned,
        max_ride,
        wheelchair: t.wheelchair,
        escorts: t.escorts,
    }
}

/// The problem of a day's `shifts` and `trips`, timed by `travel`.
pub fn day_problem(
    shifts: &[ShiftInput],
    trips: &[DayTrip],
    travel: &TravelModel,
    rules: &BookingRules,
) -> Problem {
    let inputs: Vec<TripInput> = trips.iter().map(|t| trip_input(t, rules)).collect();
    problem(shifts, &inputs, |points| travel.matrix(points), rules)
}

/// The trips a dispatcher placed by hand, each pinned to the shift of its vehicle that can
/// serve it (`shift_vehicles`: the vehicle of each shift of `p`, a vehicle's shifts side by
/// side).
pub fn manual_pins(p: &Problem, shift_vehicles: &[Uuid], trips: &[DayTrip]) -> Vec<(usize, usize)> {
    trips
        .iter()
        .enumerate()
        .filter(|(_, t)| t.manually_assigned)
        .filter_map(|(i, t)| {
            let theirs: Vec<usize> = (0..shift_vehicles.len())
                .filter(|&k| Some(shift_vehicles[k]) == t.vehicle)
                .collect();
            Some((i, shift_for(p, &theirs, i)?))
        })
        .collect()
}

/// In a re-plan of one vehicle (every shift of `p` is its), the trips under way pinned to the
/// shift that holds them: only the others may be left out.
pub fn under_way_pins(p: &Problem, trips: &[DayTrip]) -> Vec<(usize, usize)> {
    let shifts: Vec<usize> = (0..p.vehicles.len()).collect();
    trips
        .iter()
        .enumerate()
        .filter(|(_, t)| is_under_way(t.state))
        .filter_map(|(i, _)| Some((i, shift_for(p, &shifts, i)?)))
        .collect()
}

/// The routes of `solution` by vehicle: the indices of its routes (one per shift used), for
/// each vehicle that has any, in the order of the shifts (`shift_vehicles`: each one's
/// vehicle).
pub fn by_vehicle(shift_vehicles: &[Uuid], solution: &Solution) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut last: Option<Uuid> = None;
    for (k, r) in solution.routes.iter().enumerate() {
        let id = shift_vehicles[r.vehicle];
        match out.last_mut() {
            Some(group) if last == Some(id) => group.push(k),
            _ => out.push(vec![k]),
        }
        last = Some(id);
    }
    out
}

/// A planner's reason as its code, e.g. `PICKUP_WINDOW`.
pub fn reason_code(reason: UnassignedReason) -> &'static str {
    reason
        .as_str_name()
        .trim_start_matches("UNASSIGNED_REASON_")
}

/// A planner's reason in words, e.g. `pickup window`.
pub fn reason_words(reason: UnassignedReason) -> String {
    reason_code(reason).to_lowercase().replace('_', " ")
}

/// How a trip no vehicle of a day's plan could take (request `r` of `p`) is turned away: for
/// want of a vehicle (NO_CAPACITY), so a dispatcher may still place it, the planner's reason
/// as its note.
pub fn unserved(p: &Problem, r: usize) -> Rejection {
    Rejection {
        reason: TripRejectionReason::NoCapacity,
        note: reason_code(why_unplanned(p, r)).to_string(),
    }
}

/// What a PlanDay may tune of the booking rules; zero keeps the configured value.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Tuning {
    /// Longest ride as a multiple of the direct ride (at least 1).
    pub max_ride_factor: f64,
    /// Longest ride in minutes.
    pub max_ride_minutes: i32,
    /// Time at each stop, seconds.
    pub stop_service_seconds: i32,
    /// Pickup window length, minutes.
    pub pickup_window_minutes: i32,
}

/// `rules` with what `t` tunes.
pub fn tuned(mut rules: BookingRules, t: &Tuning) -> BookingRules {
    if t.max_ride_factor >= 1.0 {
        rules.max_ride_factor = t.max_ride_factor;
    }
    if t.max_ride_minutes > 0 {
        rules.max_ride_minutes = i64::from(t.max_ride_minutes);
    }
    if t.stop_service_seconds > 0 {
        rules.stop_service_seconds = i64::from(t.stop_service_seconds);
    }
    if t.pickup_window_minutes > 0 {
        rules.pickup_window_minutes = i64::from(t.pickup_window_minutes);
    }
    rules
}

/// A trip under way (the driver on the way, arrived, or the passenger aboard) keeps the pickup
/// time it was planned at, to the second it was stored to: the rest of its vehicle's route is
/// planned around it, and it cannot be moved to make room.
pub fn keep_pickup(windows: Windows, planned: f64) -> Windows {
    Windows {
        // Every time that rounds to the stored second.
        pickup: (planned - 0.5, planned + 0.499),
        ..windows
    }
}

/// Request `r` as a route of its own: picked up, then dropped off.
fn by_itself(r: usize) -> [Visit; 2] {
    [
        Visit {
            request: r,
            pickup: true,
        },
        Visit {
            request: r,
            pickup: false,
        },
    ]
}

/// The shift (among `shifts`, vehicles of `p` that are one vehicle's shifts in order) a trip
/// pinned to that vehicle belongs to: the first that could serve request `r` alone, else the
/// first whose hours overlap its pickup window, else the first; `None` without shifts.
pub fn shift_for(p: &Problem, shifts: &[usize], r: usize) -> Option<usize> {
    let alone = by_itself(r);
    let pickup = &p.requests[r].pickup;
    shifts
        .iter()
        .copied()
        .find(|&k| schedule(p, &p.vehicles[k], &alone).is_ok())
        .or_else(|| {
            shifts.iter().copied().find(|&k| {
                let v = &p.vehicles[k];
                v.shift_start <= pickup.latest && pickup.earliest <= v.shift_end
            })
        })
        .or_else(|| shifts.first().copied())
}

/// Why request `r` could not be planned: no wheelchair place anywhere, no shift covering it,
/// its window or ride time unreachable even on an empty vehicle, or else the fleet was full.
pub fn why_unplanned(p: &Problem, r: usize) -> UnassignedReason {
    let req = &p.requests[r];
    if req.wheelchairs > 0 && p.vehicles.iter().all(|v| v.wheelchairs < req.wheelchairs) {
        return UnassignedReason::NoWheelchairPlace;
    }
    let covering: Vec<_> = p
        .vehicles
        .iter()
        .filter(|v| req.pickup.latest >= v.shift_start && req.dropoff.earliest <= v.shift_end)
        .collect();
    if covering.is_empty() {
        return UnassignedReason::OutsideShifts;
    }
    let alone = by_itself(r);
    let mut reason = UnassignedReason::NoCapacity;
    for v in covering {
        match schedule(p, v, &alone) {
            Ok(_) => return UnassignedReason::NoCapacity,
            Err(Infeasible::RideTime) => reason = UnassignedReason::MaxRideTime,
            Err(Infeasible::TimeWindow | Infeasible::Duration) => {
                if reason != UnassignedReason::MaxRideTime {
                    reason = UnassignedReason::PickupWindow;
                }
            }
            Err(Infeasible::Capacity) => {}
        }
    }
    reason
}

/// Shared-ride share and mean ride over direct ride of a solution: a trip shares its ride when
/// someone else is aboard at some moment of it.
pub fn ride_measures(p: &Problem, s: &Solution) -> (f64, f64) {
    let (mut trips, mut shared, mut ratio_sum) = (0usize, 0usize, 0.0);
    for route in &s.routes {
        // Each request's time aboard on this route.
        let mut aboard: Vec<(usize, f64, f64)> = Vec::new();
        for (k, v) in route.visits.iter().enumerate() {
            if !v.pickup {
                continue;
            }
            let Some(drop_k) = route
                .visits
                .iter()
                .position(|x| x.request == v.request && !x.pickup)
            else {
                continue;
            };
            let r = &p.requests[v.request];
            let on = route.service_starts[k] + r.pickup.service;
            let off = route.service_starts[drop_k];
            aboard.push((v.request, on, off));
            let direct = p
                .matrix
                .time(r.pickup.location, r.dropoff.location)
                .max(1.0);
            ratio_sum += (off - on).max(direct) / direct;
        }
        for (i, a) in aboard.iter().enumerate() {
            trips += 1;
            if aboard
                .iter()
                .enumerate()
                .any(|(j, b)| i != j && a.1 < b.2 && b.1 < a.2)
            {
                shared += 1;
            }
        }
    }
    if trips == 0 {
        return (0.0, 0.0);
    }
    (shared as f64 / trips as f64, ratio_sum / trips as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::travel::TravelModel;
    use crate::domain::trip::{Requested, max_ride_seconds, windows};

    fn trip(at: f64, wheelchair: bool) -> TripInput {
        let rules = BookingRules::default();
        let direct = 600.0;
        let max_ride = max_ride_seconds(direct, &rules);
        TripInput {
            pickup: (51.12, 71.40),
            dropoff: (51.15, 71.45),
            windows: windows(Requested::Pickup(at), direct, max_ride, &rules),
            max_ride,
            wheelchair,
            escorts: 1,
        }
    }

    fn shift(wheelchairs: i32) -> ShiftInput {
        ShiftInput {
            depot: (51.13, 71.43),
            start: 9.0 * 3600.0,
            end: 18.0 * 3600.0,
            wheelchairs,
            seats: 3,
        }
    }

    #[test]
    fn shifts_become_vehicles_and_trips_requests_with_their_places() {
        let rules = BookingRules::default();
        let travel = TravelModel::default();
        let p = problem(
            &[shift(2)],
            &[trip(36_000.0, true), trip(36_000.0, false)],
            |pts| travel.matrix(pts),
            &rules,
        );
        assert_eq!(p.vehicles.len(), 1);
        assert_eq!(p.vehicles[0].max_duration, 9.0 * 3600.0);
        assert_eq!((p.requests[0].wheelchairs, p.requests[0].seats), (1, 1));
        assert_eq!((p.requests[1].wheelchairs, p.requests[1].seats), (0, 2));
        assert_eq!(
            p.requests[0].pickup.service, 240.0,
            "a wheelchair takes double"
        );
        assert_eq!(p.matrix.len(), 5);
    }

    #[test]
    fn a_trip_under_way_stays_at_its_planned_pickup_and_the_rest_goes_around_it() {
        use crate::domain::darp::check::violations;
        use crate::domain::darp::solver::{Options, solve};
        let rules = BookingRules::default();
        let travel = TravelModel::default();
        // One wheelchair place. The passenger asked for 10:00 but was picked up as planned at
        // 10:20 and keeps that time; another wheelchair user asking for 9:30 rides before.
        let mut aboard = trip(36_000.0, true);
        aboard.windows = keep_pickup(aboard.windows, 37_200.0);
        assert_eq!(aboard.windows.pickup, (37_199.5, 37_200.499));
        assert_eq!(aboard.windows.dropoff, trip(36_000.0, true).windows.dropoff);
        let p = problem(
            &[shift(1)],
            &[aboard, trip(34_200.0, true)],
            |pts| travel.matrix(pts),
            &rules,
        );
        let s = solve(&p, &Options::default(), &[]);
        assert_eq!(violations(&p, &s), Vec::<String>::new());
        assert!(s.unassigned.is_empty(), "{:?}", s.unassigned);
        let route = &s.routes[0];
        let k = route
            .visits
            .iter()
            .position(|v| v.request == 0 && v.pickup)
            .unwrap();
        assert_eq!(route.service_starts[k].round(), 37_200.0);
        let other = route
            .visits
            .iter()
            .position(|v| v.request == 1 && v.pickup)
            .unwrap();
        assert_eq!(other, 0, "the other passenger rides before");
    }

    #[test]
    fn a_pinned_trip_goes_to_the_shift_that_can_serve_it() {
        let rules = BookingRules::default();
        let travel = TravelModel::default();
        let hours = |from: f64, to: f64| ShiftInput {
            start: from * 3600.0,
            end: to * 3600.0,
            ..shift(1)
        };
        let shifts = [hours(9.0, 12.0), hours(12.0, 18.0)];
        let p = problem(
            &shifts,
            &[
                trip(10.0 * 3600.0, true),
                trip(15.0 * 3600.0, true),
                // Picked up from 11:50: it overlaps the first shift but ends in the second.
                trip(11.0 * 3600.0 + 50.0 * 60.0, true),
                trip(20.0 * 3600.0, true),
            ],
            |pts| travel.matrix(pts),
            &rules,
        );
        assert_eq!(shift_for(&p, &[0, 1], 0), Some(0));
        assert_eq!(shift_for(&p, &[0, 1], 1), Some(1));
        assert_eq!(shift_for(&p, &[0, 1], 2), Some(1));
        assert_eq!(shift_for(&p, &[0, 1], 3), Some(0), "none can: the first");
        assert_eq!(shift_for(&p, &[], 0), None);
    }

    fn day_trip(at: f64) -> DayTrip {
        DayTrip {
            state: S::Requested,
            pickup: (51.12, 71.40),
            dropoff: (51.15, 71.45),
            requested: Requested::Pickup(at),
            direct_seconds: 600.0,
            planned_pickup: None,
            wheelchair: false,
            escorts: 0,
            vehicle: None,
            manually_assigned: false,
        }
    }

    #[test]
    fn a_day_trip_is_planned_in_its_windows_unless_under_way() {
        let rules = BookingRules::default();
        let asked = day_trip(36_000.0);
        let expected = TripInput {
            escorts: 0,
            ..trip(36_000.0, false)
        };
        assert_eq!(trip_input(&asked, &rules), expected);
        // A scheduled trip may still move; one under way stays at its planned pickup.
        let scheduled = DayTrip {
            state: S::Scheduled,
            planned_pickup: Some(36_600.0),
            ..asked
        };
        assert_eq!(
            trip_input(&scheduled, &rules).windows.pickup,
            (36_000.0, 37_800.0)
        );
        let aboard = DayTrip {
            state: S::OnBoard,
            ..scheduled
        };
        assert_eq!(
            trip_input(&aboard, &rules).windows.pickup,
            (36_599.5, 36_600.499)
        );
    }

    #[test]
    fn pins_hold_manual_trips_to_their_vehicle_and_trips_under_way_to_their_shift() {
        let rules = BookingRules::default();
        let travel = TravelModel::default();
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let shifts = [shift(1), shift(1), shift(1)];
        let trips = [
            DayTrip {
                vehicle: Some(b),
                manually_assigned: true,
                ..day_trip(36_000.0)
            },
            DayTrip {
                vehicle: Some(a),
                ..day_trip(36_000.0)
            },
            DayTrip {
                state: S::OnBoard,
                planned_pickup: Some(40_000.0),
                ..day_trip(40_000.0)
            },
        ];
        let p = day_problem(&shifts, &trips, &travel, &rules);
        assert_eq!(manual_pins(&p, &[a, b, b], &trips), vec![(0, 1)]);
        assert_eq!(under_way_pins(&p, &trips), vec![(2, 0)]);
    }

    #[test]
    fn routes_are_grouped_by_vehicle_in_shift_order() {
        use crate::domain::darp::model::PlannedRoute;
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let route = |vehicle: usize| PlannedRoute {
            vehicle,
            visits: Vec::new(),
            departure: 0.0,
            service_starts: Vec::new(),
            arrival: 0.0,
        };
        let s = Solution {
            routes: vec![route(0), route(1), route(2)],
            unassigned: Vec::new(),
            cost: 0.0,
            iterations: 0,
        };
        assert_eq!(by_vehicle(&[a, a, b], &s), vec![vec![0, 1], vec![2]]);
    }

    #[test]
    fn an_unserved_trip_is_turned_away_for_want_of_a_vehicle_with_the_planners_reason() {
        let rules = BookingRules::default();
        let travel = TravelModel::default();
        let p = day_problem(
            &[shift(0)],
            &[DayTrip {
                wheelchair: true,
                ..day_trip(36_000.0)
            }],
            &travel,
            &rules,
        );
        let why = unserved(&p, 0);
        assert_eq!(why.reason, TripRejectionReason::NoCapacity);
        assert_eq!(why.note, "NO_WHEELCHAIR_PLACE");
        assert_eq!(
            reason_words(UnassignedReason::PickupWindow),
            "pickup window"
        );
    }

    #[test]
    fn a_plan_tunes_only_what_it_names() {
        let rules = BookingRules::default();
        assert_eq!(tuned(rules, &Tuning::default()), rules);
        let t = Tuning {
            max_ride_factor: 1.5,
            pickup_window_minutes: 20,
            ..Tuning::default()
        };
        let r = tuned(rules, &t);
        assert_eq!((r.max_ride_factor, r.pickup_window_minutes), (1.5, 20));
        assert_eq!(r.max_ride_minutes, rules.max_ride_minutes);
    }

    #[test]
    fn the_reason_a_trip_was_left_out_is_named() {
        let rules = BookingRules::default();
        let travel = TravelModel::default();
        let m = |pts: &[(f64, f64)]| travel.matrix(pts);
        let p = problem(&[shift(0)], &[trip(36_000.0, true)], m, &rules);
        assert_eq!(why_unplanned(&p, 0), UnassignedReason::NoWheelchairPlace);
        let p = problem(&[shift(1)], &[trip(7.0 * 3600.0, false)], m, &rules);
        assert_eq!(why_unplanned(&p, 0), UnassignedReason::OutsideShifts);
        let p = problem(&[shift(1)], &[trip(36_000.0, false)], m, &rules);
        assert_eq!(
            why_unplanned(&p, 0),
            UnassignedReason::NoCapacity,
            "it fits alone: the fleet was busy"
        );
    }
}
