//! A second, independent check against the instance file itself: the numbers are read here
//! from the raw text (as one stream of tokens, not line by line, and without the solver's
//! [`Problem`](super::super::model::Problem)), and a solution's routes are replayed against them.
//! A reading mistake in [`cordeau`](super::super::cordeau), such as ignoring a column, then
//! shows up here instead of being agreed with by a checker that reads the same parsed problem.
//!
//! Cordeau's format: `K 2n T Q L` (vehicles, nodes without depots, maximum route duration,
//! capacity, maximum ride time), then 7 numbers per node `id x y service load earliest latest`
//! for the start depot 0, pickups 1..=n, drop-offs n+1..=2n (request i's at i + n) and,
//! optionally, the end depot 2n + 1. Travel times and costs are Euclidean distances.

use std::collections::HashMap;

use crate::domain::darp::model::Solution;

/// Tolerance of time comparisons.
const TOLERANCE: f64 = 1e-4;

/// One node of the file, as written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Node {
    /// Coordinates.
    pub x: f64,
    /// Coordinates.
    pub y: f64,
    /// Service duration.
    pub service: f64,
    /// Places taken (pickup) or given back (drop-off, negative).
    pub load: i64,
    /// Earliest start of service.
    pub earliest: f64,
    /// Latest start of service.
    pub latest: f64,
}

/// The raw numbers of an instance file.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// Vehicles available.
    pub vehicles: usize,
    /// Requests (n).
    pub requests: usize,
    /// Longest route, departure to return.
    pub max_duration: f64,
    /// Places per vehicle.
    pub capacity: i64,
    /// Longest ride of a passenger.
    pub max_ride: f64,
    /// Nodes 0..=2n + 1 (the end depot copied from the start when the file has none).
    pub nodes: Vec<Node>,
}

impl Instance {
    fn distance(&self, a: usize, b: usize) -> f64 {
        let (p, q) = (&self.nodes[a], &self.nodes[b]);
        (p.x - q.x).hypot(p.y - q.y)
    }
}

/// Reads the numbers of an instance file.
pub fn read(text: &str) -> Result<Instance, String> {
    let numbers: Vec<f64> = text
        .split_ascii_whitespace()
        .map(|t| t.parse::<f64>().map_err(|e| format!("`{t}`: {e}")))
        .collect::<Result<_, _>>()?;
    let header = numbers
        .get(..5)
        .ok_or("fewer than 5 numbers in the header")?;
    let whole = |x: f64, what: &str| -> Result<i64, String> {
        if x.fract() == 0.0 && x.abs() < 1e15 {
            Ok(x as i64)
        } else {
            Err(format!("{what} {x} is not a whole number"))
        }
    };
    let vehicles = whole(header[0], "vehicle count")?;
    let two_n = whole(header[1], "node count")?;
    if vehicles < 0 || two_n < 0 || two_n % 2 != 0 {
        return Err(format!("header: {vehicles} vehicles, {two_n} nodes"));
    }
    let n = (two_n / 2) as usize;
    let body = &numbers[5..];
    let nodes_in_file = body.len() / 7;
    if !body.len().is_multiple_of(7) || !(nodes_in_file == 2 * n + 1 || nodes_in_file == 2 * n + 2)
    {
        return Err(format!(
            "{} numbers after the header, expected 7 for each of {} or {} nodes",
            body.len(),
            2 * n + 1,
            2 * n + 2
        ));
    }
    let mut nodes = Vec::with_capacity(2 * n + 2);
    for (id, f) in body.chunks_exact(7).enumerate() {
        if whole(f[0], "node id")? != id as i64 {
            return Err(format!("node {id} is numbered {}", f[0]));
        }
        nodes.push(Node {
            x: f[1],
            y: f[2],
            service: f[3],
            load: whole(f[4], "load")?,
            earliest: f[5],
            latest: f[6],
        });
    }
    if nodes.len() == 2 * n + 1 {
        nodes.push(nodes[0]);
    }
    Ok(Instance {
        vehicles: vehicles as usize,
        requests: n,
        max_duration: header[2],
        capacity: whole(header[3], "capacity")?,
        max_ride: header[4],
        nodes,
    })
}

/// Every violation of `s` against the instance's own numbers, each in words; empty when the
/// solution is feasible. Request r (from 0) is node r + 1 at its pickup and r + 1 + n at its
/// drop-off; vehicles all start at node 0 and end at node 2n + 1.
pub fn violations(inst: &Instance, s: &Solution) -> Vec<String> {
    let n = inst.requests;
    let end = 2 * n + 1;
    let mut out = Vec::new();
    // Per request: how often picked up, how often dropped off, reported unserved.
    let mut picked = vec![0u32; n];
    let mut dropped = vec![0u32; n];
    let mut vehicles: HashMap<usize, usize> = HashMap::new();
    let mut cost = 0.0;
    for route in &s.routes {
        let v = route.vehicle;
        if v >= inst.vehicles {
            out.push(format!(
                "vehicle {v} does not exist (the instance has {})",
                inst.vehicles
            ));
        }
        *vehicles.entry(v).or_default() += 1;
        if route.service_starts.len() != route.visits.len() {
            out.push(format!("vehicle {v}: not one time per visit"));
            continue;
        }
        let depot = &inst.nodes[0];
        if route.departure + TOLERANCE < depot.earliest {
            out.push(format!(
                "vehicle {v}: leaves at {:.2}, before the depot opens at {:.2}",
                route.departure, depot.earliest
            ));
        }
        let mut aboard: i64 = 0;
        let mut at = 0;
        let mut free_at = route.departure;
        // Request -> end of its pickup's service on this route.
        let mut riding: HashMap<usize, f64> = HashMap::new();
        for (visit, &start) in route.visits.iter().zip(&route.service_starts) {
            let r = visit.request;
            if r >= n {
                out.push(format!("vehicle {v}: request {r} does not exist"));
                continue;
            }
            let node = if visit.pickup { r + 1 } else { r + 1 + n };
            let here = &inst.nodes[node];
            let travel = inst.distance(at, node);
            cost += travel;
            if start + TOLERANCE < free_at + travel {
                out.push(format!(
                    "vehicle {v}: node {node} served at {start:.2}, cannot be reached before {:.2}",
                    free_at + travel
                ));
            }
            if start + TOLERANCE < here.earliest || start > here.latest + TOLERANCE {
                out.push(format!(
                    "vehicle {v}: node {node} served at {start:.2}, outside [{:.2}, {:.2}]",
                    here.earliest, here.latest
                ));
            }
            if visit.pickup {
                picked[r] += 1;
                riding.insert(r, start + here.service);
            } else {
                dropped[r] += 1;
                match riding.remove(&r) {
                    None => out.push(format!(
                        "vehicle {v}: request {r} dropped off (node {node}) without being picked up on this vehicle before"
                    )),
                    Some(left) if start - left > inst.max_ride + TOLERANCE => out.push(format!(
                        "vehicle {v}: request {r} rides {:.2}, more than {:.2}",
                        start - left,
                        inst.max_ride
                    )),
                    Some(_) => {}
                }
            }
            aboard += here.load;
            if aboard > inst.capacity {
                out.push(format!(
                    "vehicle {v}: {aboard} aboard after node {node}, more than its capacity {}",
                    inst.capacity
                ));
            }
            if aboard < 0 {
                out.push(format!("vehicle {v}: {aboard} aboard after node {node}"));
            }
            at = node;
            free_at = start + here.service;
        }
        for r in riding.keys() {
            out.push(format!(
                "vehicle {v}: request {r} picked up and never dropped off"
            ));
        }
        let back = inst.distance(at, end);
        cost += back;
        if route.arrival + TOLERANCE < free_at + back {
            out.push(format!(
                "vehicle {v}: back at {:.2}, cannot be before {:.2}",
                route.arrival,
                free_at + back
            ));
        }
        if route.arrival > inst.nodes[end].latest + TOLERANCE {
            out.push(format!(
                "vehicle {v}: back at {:.2}, after the depot closes at {:.2}",
                route.arrival, inst.nodes[end].latest
            ));
        }
        if route.arrival - route.departure > inst.max_duration + TOLERANCE {
            out.push(format!(
                "vehicle {v}: the route lasts {:.2}, more than {:.2}",
                route.arrival - route.departure,
                inst.max_duration
            ));
        }
    }
    for (v, routes) in vehicles {
        if routes > 1 {
            out.push(format!("vehicle {v} has {routes} routes"));
        }
    }
    let mut unserved = vec![0u32; n];
    for &r in &s.unassigned {
        match unserved.get_mut(r) {
            Some(u) => *u += 1,
            None => out.push(format!("unserved request {r} does not exist")),
        }
    }
    for r in 0..n {
        match (picked[r], dropped[r], unserved[r]) {
            (1, 1, 0) | (0, 0, 1) => {}
            (p, d, u) => out.push(format!(
                "request {r}: picked up {p} times, dropped off {d} times, reported unserved {u} times"
            )),
        }
    }
    if (cost - s.cost).abs() > 1e-3 * cost.max(1.0) {
        out.push(format!("reported cost {:.3}, actual {cost:.3}", s.cost));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::domain::darp::model::{PlannedRoute, Problem, Visit};
    use crate::domain::darp::{check, cordeau, solver};

    /// Two vehicles of 3 places, five requests: a parent with two children (load 3), a single
    /// passenger, a pair (load 2), a group of four (more than any vehicle holds) and another
    /// single. Service times differ from the loads; some windows bind at both ends.
    const FAMILIES: &str = "2 10 480 3 30
        0  0 0  0  0   0 1440
        1  1 1  5  3   0   60
        2  2 1  2  1   0 1440
        3  1 2  3  2   5   80
        4  3 3  6  4   0 1440
        5  2 2  1  1   0 1440
        6  5 5  4 -3  10  120
        7  6 4  1 -1   0 1440
        8  4 6  2 -2  20  150
        9  7 7  6 -4   0 1440
        10 5 6  3 -1   0 1440
        11 0 0  0  0   0 1440";

    fn options() -> solver::Options {
        solver::Options {
            seed: 11,
            iterations: 300,
            time_limit: Duration::from_secs(30),
            threads: 1,
            ..solver::Options::default()
        }
    }

    /// A route of `visits` on vehicle 0, each served as early as it can be.
    fn by_hand(p: &Problem, visits: Vec<Visit>) -> Solution {
        let v = &p.vehicles[0];
        let (mut at, mut free, mut cost) = (v.start, v.shift_start, 0.0);
        let mut starts = Vec::new();
        for visit in &visits {
            let stop = p.stop(*visit);
            cost += p.matrix.cost(at, stop.location);
            let start = (free + p.matrix.time(at, stop.location)).max(stop.earliest);
            starts.push(start);
            free = start + stop.service;
            at = stop.location;
        }
        cost += p.matrix.cost(at, v.end);
        let served: Vec<usize> = visits.iter().map(|v| v.request).collect();
        Solution {
            routes: vec![PlannedRoute {
                vehicle: 0,
                visits,
                departure: v.shift_start,
                service_starts: starts,
                arrival: free + p.matrix.time(at, v.end),
            }],
            unassigned: (0..p.requests.len())
                .filter(|r| !served.contains(r))
                .collect(),
            cost,
            iterations: 0,
        }
    }

    fn visit(request: usize, pickup: bool) -> Visit {
        Visit { request, pickup }
    }

    #[test]
    fn the_file_is_read_number_by_number() {
        let inst = read(FAMILIES).unwrap();
        assert_eq!((inst.vehicles, inst.requests, inst.capacity), (2, 5, 3));
        assert_eq!((inst.max_duration, inst.max_ride), (480.0, 30.0));
        let loads: Vec<i64> = inst.nodes.iter().map(|n| n.load).collect();
        assert_eq!(loads, [0, 3, 1, 2, 4, 1, -3, -1, -2, -4, -1, 0]);
        assert_eq!(inst.nodes[6].service, 4.0);
        assert_eq!(
            (inst.nodes[8].earliest, inst.nodes[8].latest),
            (20.0, 150.0)
        );
        // Without the end depot, the vehicles return to the start.
        let without_end = FAMILIES.rsplit_once('\n').unwrap().0;
        assert_eq!(read(without_end).unwrap(), inst);
        assert!(read(&FAMILIES.replace("\n        7  6", "\n        8  6")).is_err());
        assert!(read(&FAMILIES.replace("3  6  4", "3  6  4.5")).is_err());
        assert!(read("2 10 480 3").is_err());
    }

    #[test]
    fn solved_routes_keep_within_capacity_and_the_group_too_large_is_left_unserved() {
        let p = cordeau::parse(FAMILIES).unwrap();
        let inst = read(FAMILIES).unwrap();
        let seats: Vec<i32> = p.requests.iter().map(|r| r.seats).collect();
        assert_eq!(seats, [3, 1, 2, 4, 1]);
        let s = solver::solve(&p, &options(), &[]);
        assert_eq!(violations(&inst, &s), Vec::<String>::new());
        assert_eq!(check::violations(&p, &s), Vec::<String>::new());
        assert_eq!(
            s.unassigned,
            [3],
            "only the group of four, larger than a vehicle"
        );
        // Spelled out: never more than 3 aboard, by the file's own loads.
        for route in &s.routes {
            let mut aboard = 0;
            for v in &route.visits {
                let node = if v.pickup {
                    v.request + 1
                } else {
                    v.request + 6
                };
                aboard += inst.nodes[node].load;
                assert!((0..=3).contains(&aboard), "{aboard} aboard on {route:?}");
            }
        }
    }

    #[test]
    fn an_over_capacity_route_built_by_hand_is_caught_from_the_file() {
        let p = cordeau::parse(FAMILIES).unwrap();
        let inst = read(FAMILIES).unwrap();
        // The family of three and a single passenger aboard together: 4 in 3 places, every
        // window, ride and duration otherwise kept.
        let s = by_hand(
            &p,
            vec![
                visit(0, true),
                visit(1, true),
                visit(0, false),
                visit(1, false),
            ],
        );
        let found = violations(&inst, &s);
        assert_eq!(
            found,
            ["vehicle 0: 4 aboard after node 2, more than its capacity 3"]
        );
        // A reader that gave every request one seat (the old mistake) makes the checker that
        // shares its problem agree; the file's own numbers do not.
        let mut one_seat = p.clone();
        for r in &mut one_seat.requests {
            r.seats = 1;
        }
        assert!(check::violations(&one_seat, &s).is_empty());
        assert!(!check::violations(&p, &s).is_empty());
    }

    #[test]
    fn a_solver_fed_one_seat_per_request_is_caught_from_the_file() {
        let mut p = cordeau::parse(FAMILIES).unwrap();
        for r in &mut p.requests {
            r.seats = 1;
        }
        let s = solver::solve(&p, &options(), &[]);
        assert!(s.unassigned.is_empty(), "with one seat each, all fit");
        assert!(check::violations(&p, &s).is_empty());
        let found = violations(&read(FAMILIES).unwrap(), &s).join("\n");
        assert!(found.contains("more than its capacity 3"), "{found}");
    }

    #[test]
    fn windows_rides_pairing_and_cost_are_checked_from_the_file() {
        let p = cordeau::parse(FAMILIES).unwrap();
        let inst = read(FAMILIES).unwrap();
        let good = by_hand(&p, vec![visit(1, true), visit(1, false)]);
        assert_eq!(violations(&inst, &good), Vec::<String>::new());

        let mut early = good.clone();
        early.routes[0].service_starts[0] -= 1.0;
        assert!(violations(&inst, &early)[0].contains("cannot be reached"));

        // Request 2's pickup opens at 5.
        let mut s = by_hand(&p, vec![visit(2, true), visit(2, false)]);
        s.routes[0].service_starts[0] = 4.0;
        s.routes[0].departure = 0.0;
        let found = violations(&inst, &s).join("\n");
        assert!(found.contains("outside [5.00, 80.00]"), "{found}");

        let mut slow = good.clone();
        slow.routes[0].service_starts[1] += 40.0;
        slow.routes[0].arrival += 40.0;
        let found = violations(&inst, &slow).join("\n");
        assert!(found.contains("rides"), "{found}");

        let mut reversed = good.clone();
        reversed.routes[0].visits.swap(0, 1);
        let found = violations(&inst, &reversed).join("\n");
        assert!(found.contains("without being picked up"), "{found}");

        let mut forgotten = good.clone();
        forgotten.unassigned.retain(|&r| r != 0);
        let found = violations(&inst, &forgotten).join("\n");
        assert!(found.contains("request 0: picked up 0 times"), "{found}");

        let mut long = good.clone();
        long.routes[0].arrival = 481.0;
        let found = violations(&inst, &long).join("\n");
        assert!(found.contains("lasts 481.00"), "{found}");

        let mut cheap = good;
        cheap.cost -= 1.0;
        let found = violations(&inst, &cheap).join("\n");
        assert!(found.contains("reported cost"), "{found}");
    }
}
