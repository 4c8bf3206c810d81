//! A day's plan as the contract's messages: each vehicle's route with its stops, the trips left
//! out and the plan's measures.

use std::time::Duration;

use onaltu_api::{date, now, timestamp};
use onaltu_proto::common::GeoPoint;
use onaltu_proto::transport as pb;
use uuid::Uuid;

use super::DayPlan;
use crate::api::convert::{at_seconds, seconds_of_day};
use crate::api::trips::state_of;
use crate::domain::darp::model::{PlannedRoute, Solution, Visit};
use crate::domain::plan;
use crate::domain::travel::TravelModel;
use crate::domain::trip;
use crate::store::vehicles::VehicleRow;

fn geo(p: (f64, f64)) -> Option<GeoPoint> {
    Some(GeoPoint {
        latitude: p.0,
        longitude: p.1,
    })
}

/// A stop at the depot of `v`, at `seconds` of the day.
fn depot_stop(plan: &DayPlan, v: &VehicleRow, kind: pb::StopKind, seconds: f64) -> pb::Stop {
    pb::Stop {
        kind: kind as i32,
        location: geo((v.depot_latitude, v.depot_longitude)),
        address: v.depot_address.clone(),
        planned_arrival_time: Some(timestamp(at_seconds(plan.day, seconds))),
        ..Default::default()
    }
}

/// The stop of `visit`, served from `start`, with the load aboard after it.
fn visit_stop(plan: &DayPlan, visit: &Visit, start: f64, load_after: pb::Load) -> pb::Stop {
    let t = &plan.trips[visit.request];
    let req = &plan.problem.requests[visit.request];
    let (point, address, window, kind) = if visit.pickup {
        // A trip under way is planned at its kept time; the driver sees its window.
        let window = if trip::is_under_way(state_of(t)) {
            (
                seconds_of_day(t.window_start, plan.day),
                seconds_of_day(t.window_end, plan.day),
            )
        } else {
            (req.pickup.earliest, req.pickup.latest)
        };
        let place = t.pickup_place();
        (
            t.pickup_point(),
            place.address,
            window,
            pb::StopKind::Pickup,
        )
    } else {
        let window = (req.dropoff.earliest, req.dropoff.latest);
        let place = t.dropoff_place();
        (
            t.dropoff_point(),
            place.address,
            window,
            pb::StopKind::Dropoff,
        )
    };
    pb::Stop {
        sequence: 0,
        kind: kind as i32,
        trip_id: t.id.to_string(),
        location: geo(point),
        address,
        planned_arrival_time: Some(timestamp(at_seconds(plan.day, start))),
        window: Some(pb::TimeWindow {
            start_time: Some(timestamp(at_seconds(plan.day, window.0))),
            end_time: Some(timestamp(at_seconds(plan.day, window.1))),
        }),
        load_after: Some(load_after),
        actual_arrival_time: None,
    }
}

/// The stops of one shift's route `r` of vehicle `v`, depot to depot, and its road metres.
fn shift_stops(
    plan: &DayPlan,
    travel: &TravelModel,
    v: &VehicleRow,
    r: &PlannedRoute,
) -> (Vec<pb::Stop>, f64) {
    let depot = (v.depot_latitude, v.depot_longitude);
    let mut stops = vec![depot_stop(plan, v, pb::StopKind::DepotStart, r.departure)];
    let mut load = pb::Load::default();
    let (mut at, mut metres) = (depot, 0.0);
    for (visit, &start) in r.visits.iter().zip(&r.service_starts) {
        let req = &plan.problem.requests[visit.request];
        let sign = if visit.pickup { 1 } else { -1 };
        load.wheelchairs += sign * req.wheelchairs;
        load.seats += sign * req.seats;
        let t = &plan.trips[visit.request];
        let point = if visit.pickup {
            t.pickup_point()
        } else {
            t.dropoff_point()
        };
        metres += travel.road_m(at, point);
        at = point;
        stops.push(visit_stop(plan, visit, start, load));
    }
    metres += travel.road_m(at, depot);
    stops.push(depot_stop(plan, v, pb::StopKind::DepotEnd, r.arrival));
    (stops, metres)
}

/// The route message of a vehicle's day from its solution routes `ks` (one per shift it works,
/// in order; back to the depot between shifts), with the trips' planned times.
pub fn route_message(
    plan: &DayPlan,
    travel: &TravelModel,
    solution: &Solution,
    ks: &[usize],
    (id, version): (Uuid, i64),
) -> pb::Route {
    let first = &solution.routes[ks[0]];
    let (v, s) = &plan.fleet[first.vehicle];
    let mut stops: Vec<pb::Stop> = Vec::new();
    let mut metres = 0.0;
    for &k in ks {
        let (more, m) = shift_stops(plan, travel, v, &solution.routes[k]);
        stops.extend(more);
        metres += m;
    }
    for (i, stop) in stops.iter_mut().enumerate() {
        stop.sequence = i as i32;
    }
    let last = &solution.routes[ks[ks.len() - 1]];
    pb::Route {
        id: id.to_string(),
        vehicle_id: v.id.to_string(),
        shift_id: s.id.to_string(),
        service_date: Some(date(plan.day)),
        stops,
        start_time: Some(timestamp(at_seconds(plan.day, first.departure))),
        end_time: Some(timestamp(at_seconds(plan.day, last.arrival))),
        distance_meters: metres.round() as i64,
        version,
        update_time: Some(timestamp(now())),
    }
}

/// The trips `solution` left out, each with the planner's reason.
pub fn unassigned(plan: &DayPlan, solution: &Solution) -> Vec<pb::UnassignedTrip> {
    solution
        .unassigned
        .iter()
        .map(|&r| {
            let reason = plan::why_unplanned(&plan.problem, r);
            pb::UnassignedTrip {
                trip_id: plan.trips[r].id.to_string(),
                reason: reason as i32,
                note: plan::reason_words(reason),
            }
        })
        .collect()
}

/// The measures of a day's plan, its `routes` written and solved in `solve_time`.
pub fn plan_metrics(
    plan: &DayPlan,
    solution: &Solution,
    routes: &[pb::Route],
    solve_time: Duration,
) -> pb::PlanMetrics {
    let (shared, ratio) = plan::ride_measures(&plan.problem, solution);
    let total = plan.trips.len();
    pb::PlanMetrics {
        trips_total: total as i32,
        trips_planned: (total - solution.unassigned.len()) as i32,
        trips_unassigned: solution.unassigned.len() as i32,
        vehicles_used: plan::by_vehicle(&plan.shift_vehicles(), solution).len() as i32,
        vehicle_seconds: solution
            .routes
            .iter()
            .map(|r| (r.arrival - r.departure).round() as i64)
            .sum(),
        distance_meters: routes.iter().map(|r| r.distance_meters).sum(),
        lateness_seconds: 0,
        shared_ride_share: shared,
        mean_ride_time_ratio: ratio,
        cost: solution.cost,
        solve_millis: solve_time.as_millis() as i64,
    }
}
