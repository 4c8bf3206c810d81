//! Construction by regret insertion, then large-neighbourhood search: remove some requests
//! (at random, the costliest, or a related group), put them back by greedy or regret insertion
//! with a little noise, and accept the result by simulated annealing. Serving a request always
//! outweighs travel (a large penalty per request left out). Deterministic for a seed and an
//! iteration limit; the time limit can only stop it earlier.

use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::model::{PlannedRoute, Problem, Solution, Visit};
use super::schedule::{route_cost, schedule};

/// How long and how hard to search.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Seed of every random choice.
    pub seed: u64,
    /// Search iterations after construction.
    pub iterations: usize,
    /// Wall-clock limit of the whole solve.
    pub time_limit: Duration,
    /// Cost of leaving one request unserved (larger than any route).
    pub unserved_penalty: f64,
    /// Independent searches run side by side (seeds `seed`, `seed + 1`, ...); the best wins.
    pub threads: usize,
    /// Weight of each route's duration (departure to return, waiting included) added to its
    /// travel cost: 0 for travel alone (Cordeau's objective), 1 when vehicle time counts.
    pub duration_weight: f64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            seed: 1,
            iterations: 25_000,
            time_limit: Duration::from_secs(1),
            unserved_penalty: 1e6,
            threads: 1,
            duration_weight: 0.0,
        }
    }
}

#[derive(Debug, Clone)]
struct State {
    routes: Vec<Vec<Visit>>,
    costs: Vec<f64>,
    unassigned: Vec<usize>,
}

impl State {
    fn objective(&self, penalty: f64) -> f64 {
        self.costs.iter().sum::<f64>() + penalty * self.unassigned.len() as f64
    }
}

/// An insertion: (added cost, pickup position, drop-off position after the pickup's insertion).
type Insertion = (f64, usize, usize);

/// The cheapest feasible way to insert request `r` into `route` of vehicle `v`.
fn best_insertion(p: &Problem, v: usize, route: &[Visit], r: usize) -> Option<Insertion> {
    let vehicle = &p.vehicles[v];
    let req = &p.requests[r];
    if req.wheelchairs > vehicle.wheelchairs || req.seats > vehicle.seats {
        return None;
    }
    let loc = |k: usize| -> usize {
        // Position k of the route with depots: 0 start depot, 1..=m visits, m + 1 end depot.
        if k == 0 {
            vehicle.start
        } else if k > route.len() {
            vehicle.end
        } else {
            p.stop(route[k - 1]).location
        }
    };
    let c = |a: usize, b: usize| p.matrix.cost(a, b);
    let t = |a: usize, b: usize| p.matrix.time(a, b);
    let (pl, dl) = (req.pickup.location, req.dropoff.location);
    let m = route.len();
    // Window of position k (0 and m + 1 are the depots) and its service time.
    let window = |k: usize| -> (f64, f64, f64) {
        if k == 0 || k > m {
            (vehicle.shift_start, vehicle.shift_end, 0.0)
        } else {
            let s = p.stop(route[k - 1]);
            (s.earliest, s.latest, s.service)
        }
    };
    // Earliest departures, latest starts that keep every later window, and loads after each
    // position: necessary conditions checked before the full schedule.
    let mut departure = vec![0.0; m + 2];
    let mut latest = vec![0.0; m + 2];
    let mut load = vec![(0, 0); m + 2];
    departure[0] = vehicle.shift_start;
    for k in 1..=m + 1 {
        let (e, _, s) = window(k);
        departure[k] = (departure[k - 1] + t(loc(k - 1), loc(k))).max(e) + s;
        if k <= m {
            let v = route[k - 1];
            let r = &p.requests[v.request];
            let sign = if v.pickup { 1 } else { -1 };
            load[k] = (
                load[k - 1].0 + sign * r.wheelchairs,
                load[k - 1].1 + sign * r.seats,
            );
        }
    }
    latest[m + 1] = vehicle.shift_end;
    for k in (0..=m).rev() {
        let (_, l, s) = window(k);
        latest[k] = l.min(latest[k + 1] - s - t(loc(k), loc(k + 1)));
    }
    let fits = |k: usize| {
        load[k].0 + req.wheelchairs <= vehicle.wheelchairs && load[k].1 + req.seats <= vehicle.seats
    };
    let (ps, ds) = (req.pickup.service, req.dropoff.service);
    let mut candidates = Vec::new();
    for i in 0..=m {
        // The pickup goes between positions i and i + 1 of the current route.
        if !fits(i) {
            continue;
        }
        let bp = (departure[i] + t(loc(i), pl)).max(req.pickup.earliest);
        if bp > req.pickup.latest + 1e-6 {
            continue;
        }
        let dp = bp + ps;
        let before = c(loc(i), pl) + c(pl, loc(i + 1)) - c(loc(i), loc(i + 1));
        // The drop-off right after the pickup.
        let bd = (dp + t(pl, dl)).max(req.dropoff.earliest);
        if bd <= req.dropoff.latest + 1e-6
            && (bd + ds + t(dl, loc(i + 1))).max(window(i + 1).0) <= latest[i + 1] + 1e-6
        {
            let delta = c(loc(i), pl) + c(pl, dl) + c(dl, loc(i + 1)) - c(loc(i), loc(i + 1));
            candidates.push((delta, i, i));
        }
        // The drop-off after position j > i: the stops between are served later by the detour.
        // `ridden`: the passenger's ride as far as position j without any waiting (the pickup
        // can be delayed to remove it). It only grows as the drop-off moves later; the leg on
        // to the drop-off need not (a matrix may break the triangle inequality).
        let (mut at, mut free, mut ridden) = (pl, dp, 0.0);
        for j in i + 1..=m {
            let (e, _, s) = window(j);
            let bj = (free + t(at, loc(j))).max(e);
            ridden += t(at, loc(j)) + s;
            if bj > latest[j] + 1e-6 || !fits(j) || ridden > req.max_ride + 1e-6 {
                break;
            }
            at = loc(j);
            free = bj + s;
            if ridden + t(at, dl) > req.max_ride + 1e-6 {
                continue;
            }
            let bd = (free + t(at, dl)).max(req.dropoff.earliest);
            if bd <= req.dropoff.latest + 1e-6
                && (bd + ds + t(dl, loc(j + 1))).max(window(j + 1).0) <= latest[j + 1] + 1e-6
            {
                let delta = before + c(loc(j), dl) + c(dl, loc(j + 1)) - c(loc(j), loc(j + 1));
                candidates.push((delta, i, j));
            }
        }
    }
    candidates.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut visits = Vec::with_capacity(m + 2);
    for (delta, i, j) in candidates {
        visits.clear();
        visits.extend_from_slice(&route[..i]);
        visits.push(Visit {
            request: r,
            pickup: true,
        });
        visits.extend_from_slice(&route[i..j]);
        visits.push(Visit {
            request: r,
            pickup: false,
        });
        visits.extend_from_slice(&route[j..]);
        if schedule(p, vehicle, &visits).is_ok() {
            return Some((delta, i, j + 1));
        }
    }
    None
}

fn insert(route: &mut Vec<Visit>, r: usize, i: usize, j: usize) {
    route.insert(
        i,
        Visit {
            request: r,
            pickup: true,
        },
    );
    route.insert(
        j,
        Visit {
            request: r,
            pickup: false,
        },
    );
}

/// Puts `pending` back by regret insertion (`regret` false: greedy, cheapest first), with
/// insertion costs multiplied by a random factor within `noise` of 1.
fn repair(p: &Problem, s: &mut State, rng: &mut ChaCha8Rng, regret: bool, noise: f64) {
    let vehicles = p.vehicles.len();
    let mut pending = std::mem::take(&mut s.unassigned);
    // best[r][v]: the best insertion of pending request r into vehicle v.
    let mut best: Vec<Vec<Option<Insertion>>> = pending
        .iter()
        .map(|&r| {
            (0..vehicles)
                .map(|v| best_insertion(p, v, &s.routes[v], r))
                .collect()
        })
        .collect();
    while !pending.is_empty() {
        let mut choice: Option<(f64, usize, usize, Insertion)> = None;
        for (k, options) in best.iter().enumerate() {
            let mut sorted: Vec<(usize, Insertion)> = options
                .iter()
                .enumerate()
                .filter_map(|(v, o)| o.map(|o| (v, o)))
                .collect();
            if sorted.is_empty() {
                continue;
            }
            sorted.sort_by(|a, b| a.1.0.total_cmp(&b.1.0));
            let (v, first) = sorted[0];
            let factor = if noise > 0.0 {
                rng.random_range(1.0 - noise..1.0 + noise)
            } else {
                1.0
            };
            let score = if regret {
                let second = sorted.get(1).map_or(1e9, |s| s.1.0);
                -(second - first.0) * factor
            } else {
                first.0 * factor
            };
            if choice.as_ref().is_none_or(|c| score < c.0) {
                choice = Some((score, k, v, first));
            }
        }
        let Some((_, k, v, (delta, i, j))) = choice else {
            break;
        };
        let r = pending.swap_remove(k);
        best.swap_remove(k);
        insert(&mut s.routes[v], r, i, j);
        s.costs[v] += delta;
        for (idx, &other) in pending.iter().enumerate() {
            best[idx][v] = best_insertion(p, v, &s.routes[v], other);
        }
    }
    s.unassigned = pending;
}

fn remove_requests(p: &Problem, s: &mut State, requests: &[usize]) {
    for v in 0..s.routes.len() {
        let before = s.routes[v].len();
        s.routes[v].retain(|x| !requests.contains(&x.request));
        if s.routes[v].len() != before {
            s.costs[v] = route_cost(p, &p.vehicles[v], &s.routes[v]);
        }
    }
    s.unassigned.extend_from_slice(requests);
}

fn served(s: &State) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (v, route) in s.routes.iter().enumerate() {
        for x in route.iter().filter(|x| x.pickup) {
            out.push((x.request, v));
        }
    }
    out
}

/// Requests to remove: at random, the costliest to serve, or a group related to a random one.
fn destroy(p: &Problem, s: &State, rng: &mut ChaCha8Rng, q: usize) -> Vec<usize> {
    let served = served(s);
    if served.is_empty() {
        return Vec::new();
    }
    let q = q.min(served.len());
    match rng.random_range(0..3) {
        0 => {
            let mut pool: Vec<usize> = served.iter().map(|x| x.0).collect();
            let mut out = Vec::with_capacity(q);
            for _ in 0..q {
                out.push(pool.swap_remove(rng.random_range(0..pool.len())));
            }
            out
        }
        1 => {
            // Savings of removing each request from its route.
            let mut savings: Vec<(f64, usize)> = served
                .iter()
                .map(|&(r, v)| {
                    let without: Vec<Visit> = s.routes[v]
                        .iter()
                        .copied()
                        .filter(|x| x.request != r)
                        .collect();
                    (s.costs[v] - route_cost(p, &p.vehicles[v], &without), r)
                })
                .collect();
            savings.sort_by(|a, b| b.0.total_cmp(&a.0));
            let mut out = Vec::with_capacity(q);
            while out.len() < q && !savings.is_empty() {
                let y: f64 = rng.random();
                let k = ((y.powi(3)) * savings.len() as f64) as usize;
                out.push(savings.remove(k.min(savings.len() - 1)).1);
            }
            out
        }
        _ => {
            let seed = served[rng.random_range(0..served.len())].0;
            let a = &p.requests[seed];
            let mut related: Vec<(f64, usize)> = served
                .iter()
                .map(|&(r, _)| {
                    let b = &p.requests[r];
                    let d = p.matrix.time(a.pickup.location, b.pickup.location)
                        + p.matrix.time(a.dropoff.location, b.dropoff.location)
                        + 0.5 * (a.pickup.earliest - b.pickup.earliest).abs()
                        + 0.5 * (a.dropoff.latest - b.dropoff.latest).abs();
                    (d, r)
                })
                .collect();
            related.sort_by(|x, y| x.0.total_cmp(&y.0));
            related.into_iter().take(q).map(|x| x.1).collect()
        }
    }
}

/// The solution of `s` with every route timed. A route the scheduling cannot time (it was
/// accepted step by step, so this should not happen) gives its requests up as unserved rather
/// than losing the whole day.
fn finish(p: &Problem, s: &State) -> Option<Solution> {
    let mut routes = Vec::new();
    let mut dropped = Vec::new();
    let mut cost = 0.0;
    for (v, visits) in s.routes.iter().enumerate() {
        if visits.is_empty() {
            continue;
        }
        let Ok(sched) = schedule(p, &p.vehicles[v], visits) else {
            dropped.extend(visits.iter().filter(|x| x.pickup).map(|x| x.request));
            continue;
        };
        cost += route_cost(p, &p.vehicles[v], visits);
        routes.push(PlannedRoute {
            vehicle: v,
            visits: visits.clone(),
            departure: sched.departure,
            service_starts: sched.starts,
            arrival: sched.arrival,
        });
    }
    let mut unassigned = s.unassigned.clone();
    unassigned.extend(dropped);
    unassigned.sort_unstable();
    Some(Solution {
        routes,
        unassigned,
        cost,
        iterations: 0,
    })
}

/// Solves `p`; requests listed in `fixed` (request, vehicle) are placed first on their vehicle
/// and never moved (a dispatcher's override), or reported unserved when they do not fit. With
/// several threads, each searches from its own seed and the best answer is kept (fewest
/// unserved, then lowest cost, then lowest seed), so the answer still depends only on the seed.
pub fn solve(p: &Problem, options: &Options, fixed: &[(usize, usize)]) -> Solution {
    let threads = options.threads.max(1);
    if threads == 1 {
        return solve_one(p, options, fixed);
    }
    let answers: Vec<Solution> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads as u64)
            .map(|k| {
                let mut own = options.clone();
                own.seed = options.seed.wrapping_add(k);
                scope.spawn(move || solve_one(p, &own, fixed))
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let mut best: Option<Solution> = None;
    for s in answers {
        let better = best
            .as_ref()
            .is_none_or(|b| (s.unassigned.len(), s.cost) < (b.unassigned.len(), b.cost - 1e-9));
        if better {
            best = Some(s);
        }
    }
    best.unwrap_or_else(|| solve_one(p, options, fixed))
}

fn solve_one(p: &Problem, options: &Options, fixed: &[(usize, usize)]) -> Solution {
    let started = Instant::now();
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let vehicles = p.vehicles.len();
    let mut s = State {
        routes: vec![Vec::new(); vehicles],
        costs: (0..vehicles)
            .map(|v| route_cost(p, &p.vehicles[v], &[]))
            .collect(),
        unassigned: Vec::new(),
    };
    let mut pinned = vec![false; p.requests.len()];
    let mut left_out = Vec::new();
    for &(r, v) in fixed {
        if r >= p.requests.len() || v >= vehicles {
            continue;
        }
        match best_insertion(p, v, &s.routes[v], r) {
            Some((delta, i, j)) => {
                insert(&mut s.routes[v], r, i, j);
                s.costs[v] += delta;
                pinned[r] = true;
            }
            None => left_out.push(r),
        }
    }
    // Empty routes cost nothing: only a vehicle that serves someone leaves the depot.
    for (v, cost) in s.costs.iter_mut().enumerate() {
        if s.routes[v].is_empty() {
            *cost = 0.0;
        }
    }
    s.unassigned = (0..p.requests.len())
        .filter(|r| !pinned[*r] && !left_out.contains(r))
        .collect();
    repair(p, &mut s, &mut rng, true, 0.0);
    normalise(p, &mut s, options.duration_weight);
    let penalty = options.unserved_penalty;
    let mut best = s.clone();
    let mut current = s;
    let start_cost = current.costs.iter().sum::<f64>().max(1.0);
    // A solution 5% worse is first accepted half the time (Ropke and Pisinger, 2006).
    let t_start = 0.05 * start_cost / std::f64::consts::LN_2;
    let t_end = t_start / 2_000.0;
    let n_served = p.requests.len().max(1);
    let mut done = 0;
    let mut since_best = 0;
    for it in 0..options.iterations {
        if started.elapsed() >= options.time_limit {
            break;
        }
        done = it + 1;
        // Long without a new best: go back to the best and search from there.
        if since_best > 2_000 {
            current = best.clone();
            since_best = 0;
        }
        since_best += 1;
        // Cooling follows whichever budget runs out first: iterations or time.
        let progress = (it as f64 / options.iterations.max(1) as f64)
            .max(started.elapsed().as_secs_f64() / options.time_limit.as_secs_f64().max(1e-9))
            .min(1.0);
        let temperature = t_start * (t_end / t_start).powf(progress);
        let mut next = current.clone();
        let q = rng.random_range(2..=((n_served as f64 * 0.15) as usize).clamp(3, 12));
        let mut removed = destroy(p, &next, &mut rng, q);
        removed.retain(|r| !pinned[*r]);
        remove_requests(p, &mut next, &removed);
        let regret = rng.random_bool(0.5);
        let noise = if rng.random_bool(0.3) { 0.15 } else { 0.0 };
        repair(p, &mut next, &mut rng, regret, noise);
        normalise(p, &mut next, options.duration_weight);
        let delta = next.objective(penalty) - current.objective(penalty);
        if delta < 1e-9 || rng.random::<f64>() < (-delta / temperature).exp() {
            current = next;
            if current.objective(penalty) < best.objective(penalty) - 1e-9 {
                best = current.clone();
                since_best = 0;
            }
        }
    }
    let mut out = finish(p, &best).unwrap_or_else(|| Solution {
        routes: Vec::new(),
        unassigned: (0..p.requests.len()).collect(),
        cost: 0.0,
        iterations: 0,
    });
    out.iterations = done;
    out.unassigned.extend(left_out);
    out.unassigned.sort_unstable();
    out.unassigned.dedup();
    out
}

/// Route costs recomputed from scratch (an empty route costs nothing).
fn normalise(p: &Problem, s: &mut State, duration_weight: f64) {
    for v in 0..s.routes.len() {
        let visits = &s.routes[v];
        s.costs[v] = if visits.is_empty() {
            0.0
        } else {
            let travel = route_cost(p, &p.vehicles[v], visits);
            if duration_weight > 0.0 {
                let duration = schedule(p, &p.vehicles[v], visits)
                    .map_or(p.vehicles[v].max_duration, |s| s.arrival - s.departure);
                travel + duration_weight * duration
            } else {
                travel
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::darp::check::violations;
    use crate::domain::darp::model::{Matrix, Request, Stop, Vehicle};

    fn stop(location: usize, earliest: f64, latest: f64) -> Stop {
        Stop {
            location,
            service: 1.0,
            earliest,
            latest,
        }
    }

    /// A grid of points 10 apart; request i goes from point i to point (i + 5) % n.
    fn problem(requests: usize, vehicles: usize, wheelchair_every: usize) -> Problem {
        let mut points = vec![(0.0, 0.0)];
        for i in 0..12 {
            points.push(((i % 4) as f64 * 10.0, (i / 4) as f64 * 10.0));
        }
        let n = points.len() - 1;
        let requests = (0..requests)
            .map(|i| {
                let at = (i * 7) as f64 % 200.0;
                Request {
                    pickup: stop(1 + i % n, at, at + 30.0),
                    dropoff: stop(1 + (i + 5) % n, 0.0, 400.0),
                    max_ride: 60.0,
                    wheelchairs: i32::from(wheelchair_every > 0 && i % wheelchair_every == 0),
                    seats: i32::from(!(wheelchair_every > 0 && i % wheelchair_every == 0)),
                }
            })
            .collect();
        let vehicle = Vehicle {
            start: 0,
            end: 0,
            shift_start: 0.0,
            shift_end: 400.0,
            max_duration: 400.0,
            wheelchairs: 1,
            seats: 3,
        };
        Problem {
            requests,
            vehicles: vec![vehicle; vehicles],
            matrix: Matrix::euclidean(&points),
        }
    }

    fn options(iterations: usize) -> Options {
        Options {
            seed: 7,
            iterations,
            time_limit: Duration::from_secs(30),
            unserved_penalty: 1e6,
            threads: 1,
            duration_weight: 0.0,
        }
    }

    #[test]
    fn an_insertion_is_found_past_a_stop_with_a_long_leg_to_the_drop_off() {
        // Locations: 0 depot, 1 and 2 the route's passenger, 3 and 4 the new one. Travel times
        // break the triangle inequality: 1 -> 4 and 3 -> 4 are long, 3 -> 1 -> 2 -> 4 is short.
        let n = 5;
        let mut times = vec![100.0; n * n];
        let mut set = |a: usize, b: usize, t: f64| {
            times[a * n + b] = t;
            times[b * n + a] = t;
        };
        for x in 0..n {
            set(0, x, 5.0);
            set(x, x, 0.0);
        }
        set(1, 2, 1.0);
        set(1, 3, 1.0);
        set(2, 4, 1.0);
        let request = |from: usize, to: usize, max_ride: f64| Request {
            pickup: stop(from, 0.0, 1_000.0),
            dropoff: stop(to, 0.0, 1_000.0),
            max_ride,
            wheelchairs: 0,
            seats: 1,
        };
        let p = Problem {
            requests: vec![request(1, 2, 1_000.0), request(3, 4, 20.0)],
            vehicles: vec![Vehicle {
                start: 0,
                end: 0,
                shift_start: 0.0,
                shift_end: 1_000.0,
                max_duration: 1_000.0,
                wheelchairs: 0,
                seats: 2,
            }],
            matrix: Matrix::from_times(n, times),
        };
        let visit = |request: usize, pickup: bool| Visit { request, pickup };
        let mut route = vec![visit(0, true), visit(0, false)];
        // The only feasible way: picked up first, dropped off after the other passenger.
        let (_, i, j) = best_insertion(&p, 0, &route, 1).expect("an insertion");
        insert(&mut route, 1, i, j);
        assert_eq!(
            route,
            [
                visit(1, true),
                visit(0, true),
                visit(0, false),
                visit(1, false)
            ]
        );
        assert!(schedule(&p, &p.vehicles[0], &route).is_ok());
    }

    #[test]
    fn every_request_is_served_feasibly_when_the_fleet_suffices() {
        let p = problem(20, 3, 4);
        let s = solve(&p, &options(300), &[]);
        assert_eq!(violations(&p, &s), Vec::<String>::new());
        assert!(s.unassigned.is_empty(), "unserved: {:?}", s.unassigned);
    }

    #[test]
    fn searching_never_makes_the_construction_worse_and_is_repeatable() {
        let p = problem(24, 3, 0);
        let built = solve(&p, &options(0), &[]);
        let searched = solve(&p, &options(400), &[]);
        assert!(violations(&p, &searched).is_empty());
        assert!(searched.unassigned.len() <= built.unassigned.len());
        if searched.unassigned.len() == built.unassigned.len() {
            assert!(
                searched.cost <= built.cost + 1e-6,
                "{} > {}",
                searched.cost,
                built.cost
            );
        }
        assert_eq!(
            searched,
            solve(&p, &options(400), &[]),
            "same seed, same answer"
        );
        let two = Options {
            threads: 2,
            ..options(400)
        };
        let parallel = solve(&p, &two, &[]);
        assert!(violations(&p, &parallel).is_empty());
        assert!(
            parallel.cost <= searched.cost + 1e-9,
            "the first thread is the one-thread search"
        );
        assert_eq!(parallel, solve(&p, &two, &[]));
    }

    #[test]
    fn a_request_no_vehicle_can_take_is_left_unserved_not_forced() {
        let mut p = problem(6, 2, 0);
        p.requests[3].wheelchairs = 2;
        let s = solve(&p, &options(100), &[]);
        assert_eq!(s.unassigned, vec![3]);
        assert!(violations(&p, &s).is_empty());
    }

    #[test]
    fn a_fixed_request_stays_on_its_vehicle() {
        let p = problem(10, 3, 0);
        let s = solve(&p, &options(200), &[(4, 2)]);
        assert!(violations(&p, &s).is_empty());
        let route = s.routes.iter().find(|r| r.vehicle == 2).unwrap();
        assert!(route.visits.iter().any(|v| v.request == 4));
    }

    #[test]
    fn the_checker_catches_a_broken_solution() {
        let p = problem(6, 2, 0);
        let mut s = solve(&p, &options(50), &[]);
        assert!(violations(&p, &s).is_empty());
        let route = &mut s.routes[0];
        route.service_starts[0] = -100.0;
        let dropped = route.visits.pop().unwrap();
        route.service_starts.pop();
        let found = violations(&p, &s).join("\n");
        assert!(found.contains("outside"), "{found}");
        assert!(
            found.contains(&format!("request {}", dropped.request)),
            "{found}"
        );
    }
}
