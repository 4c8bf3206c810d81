//! An independent check of a finished solution, written apart from the scheduling so that a
//! mistake there cannot hide itself: every request served once or reported unserved, each
//! pickup before its drop-off on the same vehicle, travel times respected between stops, every
//! window, ride time, load, shift and duration respected, and the reported cost the real one.
//!
//! This check reads the solver's parsed [`Problem`]; [`instance`] checks against the instance
//! file's own numbers, so that a mistake in reading the file cannot pass both.

pub mod instance;

use std::collections::HashMap;

use super::model::{Problem, Solution};

/// Tolerance of time comparisons in the check.
const TOLERANCE: f64 = 1e-4;

/// Every violation found, each in words; empty when the solution is feasible.
pub fn violations(p: &Problem, s: &Solution) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen: HashMap<usize, &'static str> = HashMap::new();
    let mut vehicles_used = std::collections::HashSet::new();
    let mut cost = 0.0;
    for route in &s.routes {
        let Some(v) = p.vehicles.get(route.vehicle) else {
            out.push(format!("route of unknown vehicle {}", route.vehicle));
            continue;
        };
        if !vehicles_used.insert(route.vehicle) {
            out.push(format!("vehicle {} has two routes", route.vehicle));
        }
        if route.service_starts.len() != route.visits.len() {
            out.push(format!(
                "vehicle {}: a time for each visit is missing",
                route.vehicle
            ));
            continue;
        }
        if route.departure + TOLERANCE < v.shift_start {
            out.push(format!(
                "vehicle {}: leaves before its shift",
                route.vehicle
            ));
        }
        let (mut wheelchairs, mut seats) = (0, 0);
        let mut at = v.start;
        let mut free_at = route.departure;
        let mut picked: HashMap<usize, f64> = HashMap::new();
        for (visit, &start) in route.visits.iter().zip(&route.service_starts) {
            let r = p.requests.get(visit.request);
            let Some(r) = r else {
                out.push(format!("unknown request {}", visit.request));
                continue;
            };
            let stop = if visit.pickup { &r.pickup } else { &r.dropoff };
            let travel = p.matrix.time(at, stop.location);
            cost += p.matrix.cost(at, stop.location);
            if start + TOLERANCE < free_at + travel {
                out.push(format!(
                    "vehicle {}: request {} served at {start:.2}, cannot arrive before {:.2}",
                    route.vehicle,
                    visit.request,
                    free_at + travel
                ));
            }
            if start + TOLERANCE < stop.earliest || start > stop.latest + TOLERANCE {
                out.push(format!(
                    "request {} {} at {start:.2} outside [{:.2}, {:.2}]",
                    visit.request,
                    if visit.pickup { "pickup" } else { "drop-off" },
                    stop.earliest,
                    stop.latest
                ));
            }
            if visit.pickup {
                if seen.insert(visit.request, "picked").is_some()
                    || picked.contains_key(&visit.request)
                {
                    out.push(format!("request {} picked up twice", visit.request));
                }
                picked.insert(visit.request, start + stop.service);
                wheelchairs += r.wheelchairs;
                seats += r.seats;
            } else {
                match picked.remove(&visit.request) {
                    None => out.push(format!(
                        "request {} dropped off without being picked up on this vehicle first",
                        visit.request
                    )),
                    Some(left) => {
                        if start - left > r.max_ride + TOLERANCE {
                            out.push(format!(
                                "request {} rides {:.2}, more than {:.2}",
                                visit.request,
                                start - left,
                                r.max_ride
                            ));
                        }
                        seen.insert(visit.request, "served");
                    }
                }
                wheelchairs -= r.wheelchairs;
                seats -= r.seats;
            }
            if wheelchairs > v.wheelchairs || seats > v.seats {
                out.push(format!(
                    "vehicle {}: {wheelchairs} wheelchairs and {seats} seats aboard, more than its {} and {}",
                    route.vehicle, v.wheelchairs, v.seats
                ));
            }
            at = stop.location;
            free_at = start + stop.service;
        }
        for r in picked.keys() {
            out.push(format!("request {r} picked up and never dropped off"));
        }
        cost += p.matrix.cost(at, v.end);
        let back = free_at + p.matrix.time(at, v.end);
        if route.arrival + TOLERANCE < back {
            out.push(format!(
                "vehicle {}: back at the depot before it can be",
                route.vehicle
            ));
        }
        if route.arrival > v.shift_end + TOLERANCE {
            out.push(format!("vehicle {}: back after its shift", route.vehicle));
        }
        if route.arrival - route.departure > v.max_duration + TOLERANCE {
            out.push(format!(
                "vehicle {}: the route lasts longer than allowed",
                route.vehicle
            ));
        }
    }
    for r in &s.unassigned {
        if seen.contains_key(r) {
            out.push(format!("request {r} both served and reported unserved"));
        }
        seen.insert(*r, "unserved");
    }
    for r in 0..p.requests.len() {
        match seen.get(&r) {
            Some(&"served") | Some(&"unserved") => {}
            _ => out.push(format!("request {r} neither served nor reported unserved")),
        }
    }
    if (cost - s.cost).abs() > 1e-3 * cost.max(1.0) {
        out.push(format!("reported cost {:.3}, actual {cost:.3}", s.cost));
    }
    out
}
