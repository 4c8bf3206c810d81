//! The dial-a-ride solver on Cordeau's instances: the cost found, the gap to the best known
//! (optimal) cost, the time, and two feasibility checks, instance by instance: one against the
//! parsed problem and one against the file's own numbers (read apart from the solver's parser).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use onaltu_transport::domain::darp::model::Problem;
use onaltu_transport::domain::darp::{check, cordeau, solver};

/// Solves every instance listed in `dir/optimal.csv` with `time_limit` each.
pub fn cordeau_instances(dir: &Path, time_limit: Duration, seed: u64) -> anyhow::Result<()> {
    let index = std::fs::read_to_string(dir.join("optimal.csv"))
        .with_context(|| format!("reading {}", dir.join("optimal.csv").display()))?;
    println!(
        "{:<7} {:>4} {:>9} {:>9} {:>7} {:>8} {:>7}  feasible",
        "name", "n", "best", "found", "gap %", "ms", "iters"
    );
    let (mut gaps, mut all_feasible, mut slowest) = (Vec::new(), true, Duration::ZERO);
    for line in index.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let [name, _, requests, optimal, _] = f[..] else {
            continue;
        };
        let optimal: f64 = optimal.parse()?;
        let text = std::fs::read_to_string(dir.join(format!("{name}.txt")))?;
        let p = cordeau::parse(&text).map_err(anyhow::Error::msg)?;
        let raw = check::instance::read(&text).map_err(anyhow::Error::msg)?;
        let options = solver::Options {
            seed,
            iterations: 1_000_000,
            time_limit,
            unserved_penalty: 1e6,
            threads: 2,
            duration_weight: 0.0,
        };
        let start = Instant::now();
        let s = solver::solve(&p, &options, &[]);
        let took = start.elapsed();
        slowest = slowest.max(took);
        let mut problems = check::violations(&p, &s);
        problems.extend(
            check::instance::violations(&raw, &s)
                .into_iter()
                .map(|v| format!("against the file: {v}")),
        );
        let feasible = problems.is_empty() && s.unassigned.is_empty();
        all_feasible &= feasible;
        let gap = 100.0 * (s.cost - optimal) / optimal;
        gaps.push(gap);
        println!(
            "{name:<7} {requests:>4} {optimal:>9.2} {:>9.2} {gap:>7.2} {:>8} {:>7}  {}",
            s.cost,
            took.as_millis(),
            s.iterations,
            if feasible {
                "yes".to_string()
            } else {
                format!(
                    "NO: {} unserved, {}",
                    s.unassigned.len(),
                    problems.join("; ")
                )
            }
        );
    }
    let mean = gaps.iter().sum::<f64>() / gaps.len().max(1) as f64;
    println!(
        "Cordeau instances: {} solved, mean gap {mean:.2}% (goal <= 2%), slowest {} ms (goal < 1000 ms each), all feasible: {}",
        gaps.len(),
        slowest.as_millis(),
        if all_feasible { "yes" } else { "NO" }
    );
    Ok(())
}

/// An Astana-like day: `requests` invataxi trips between 9:00 and 17:00 from homes across the
/// city to rehabilitation centres and clinics (two in five by wheelchair), six vehicles with two
/// wheelchair places and three seats from 9:00 to 18:00. Trips served per vehicle-hour by the
/// planner beside a naive dispatcher run in the same bench: first come, first served (in booking
/// order), one trip at a time; and beside the same dispatcher taking the trips in order of pickup
/// time, a stronger greedy that knows the whole day before it starts.
pub fn astana_day(requests: usize, time_limit: Duration, seed: u64) -> anyhow::Result<()> {
    use onaltu_transport::domain::plan::{self, ShiftInput, TripInput};
    use onaltu_transport::domain::travel::TravelModel;
    use onaltu_transport::domain::trip::{self, BookingRules, Requested};
    use rand::{Rng, SeedableRng};

    let rules = BookingRules::default();
    let travel = TravelModel::default();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    // Rehabilitation centres and clinics (approximate points of Astana's districts).
    let destinations = [
        (51.1605, 71.4704),
        (51.1282, 71.4307),
        (51.0905, 71.4180),
        (51.1801, 71.4460),
        (51.1450, 71.3900),
        (51.1200, 71.5100),
    ];
    let depot = (51.1400, 71.4400);
    let trips: Vec<TripInput> = (0..requests)
        .map(|_| {
            let home = (
                rng.random_range(51.08..51.20),
                rng.random_range(71.36..71.54),
            );
            let centre = destinations[rng.random_range(0..destinations.len())];
            let outbound = rng.random_bool(0.6);
            let (from, to) = if outbound {
                (home, centre)
            } else {
                (centre, home)
            };
            let direct = travel.seconds(from, to);
            let max_ride = trip::max_ride_seconds(direct, &rules);
            // Requested pickups every 5 minutes from 9:00 to 17:00.
            let at = 9.0 * 3600.0 + 300.0 * f64::from(rng.random_range(0..96));
            TripInput {
                pickup: from,
                dropoff: to,
                windows: trip::windows(Requested::Pickup(at), direct, max_ride, &rules),
                max_ride,
                wheelchair: rng.random_bool(0.4),
                escorts: i32::from(rng.random_bool(0.3)),
            }
        })
        .collect();
    let shifts = vec![
        ShiftInput {
            depot,
            start: 9.0 * 3600.0,
            end: 18.0 * 3600.0,
            wheelchairs: 2,
            seats: 3,
        };
        6
    ];
    let p = plan::problem(&shifts, &trips, |points| travel.matrix(points), &rules);
    let start = Instant::now();
    let s = solver::solve(
        &p,
        &solver::Options {
            seed,
            iterations: 1_000_000,
            time_limit,
            unserved_penalty: 1e7,
            threads: 2,
            duration_weight: 1.0,
        },
        &[],
    );
    let took = start.elapsed();
    let problems = check::violations(&p, &s);
    let served = requests - s.unassigned.len();
    let hours: f64 = s
        .routes
        .iter()
        .map(|r| r.arrival - r.departure)
        .sum::<f64>()
        / 3600.0;
    let (shared, ratio) = plan::ride_measures(&p, &s);
    // Where the vehicle-hours go: driving, boarding and alighting, and waiting for a window.
    let (mut driving, mut boarding) = (0.0, 0.0);
    for route in &s.routes {
        let vehicle = &p.vehicles[route.vehicle];
        let mut at = vehicle.start;
        for visit in &route.visits {
            let stop = p.stop(*visit);
            driving += p.matrix.time(at, stop.location);
            boarding += stop.service;
            at = stop.location;
        }
        driving += p.matrix.time(at, vehicle.end);
    }
    let waiting = hours - (driving + boarding) / 3600.0;
    let planned_rate = served as f64 / hours.max(1e-9);

    // The naive dispatchers: requests in booking order (first come), and for reference in
    // order of pickup time (a greedy that already knows the whole day).
    let (naive_served, naive_hours) = one_at_a_time(&p, &(0..requests).collect::<Vec<_>>());
    let mut by_time: Vec<usize> = (0..requests).collect();
    by_time.sort_by(|a, b| {
        p.requests[*a]
            .pickup
            .earliest
            .total_cmp(&p.requests[*b].pickup.earliest)
    });
    let (greedy_served, greedy_hours) = one_at_a_time(&p, &by_time);
    let naive_rate = naive_served as f64 / naive_hours.max(1e-9);
    let greedy_rate = greedy_served as f64 / greedy_hours.max(1e-9);
    println!(
        "Astana-like day, {requests} requests, 6 vehicles 9:00-18:00: planner serves {served} in {hours:.1} vehicle-hours ({:.1} h driving, {:.1} h at stops, {waiting:.1} h waiting) = {planned_rate:.2} trips per vehicle-hour ({:.0}% shared rides, ride {ratio:.2}x direct, {} ms, feasible: {}); naive first-come dispatch (booking order, one trip at a time) serves {naive_served} in {naive_hours:.1} vehicle-hours = {naive_rate:.2}; ratio {:.2}x (goal >= 1.5x); beside one trip at a time in order of pickup time ({greedy_served} in {greedy_hours:.1} h = {greedy_rate:.2}): {:.2}x",
        driving / 3600.0,
        boarding / 3600.0,
        shared * 100.0,
        took.as_millis(),
        if problems.is_empty() { "yes" } else { "NO" },
        planned_rate / naive_rate.max(1e-9),
        planned_rate / greedy_rate.max(1e-9),
    );
    Ok(())
}

/// A dispatcher without a planner, for comparison: each request in `order`, alone in a vehicle
/// (one trip at a time), at the earliest time some vehicle's day still has room for it between
/// the trips it has already taken, which are never moved. Vehicles start at 9:00 and must be
/// back by 18:00. Returns the trips served and the vehicle-hours (from leaving the depot for the
/// first trip to returning after the last).
fn one_at_a_time(p: &Problem, order: &[usize]) -> (usize, f64) {
    /// A trip taken: where from and to, when the pickup begins and when the drop-off is done.
    struct Taken {
        from: usize,
        to: usize,
        begin: f64,
        end: f64,
    }
    let t = |a: usize, b: usize| p.matrix.time(a, b);
    let mut days: Vec<Vec<Taken>> = p.vehicles.iter().map(|_| Vec::new()).collect();
    let mut served = 0;
    for &r in order {
        let req = &p.requests[r];
        let (from, to) = (req.pickup.location, req.dropoff.location);
        // (begin, vehicle, position among its trips, end)
        let mut best: Option<(f64, usize, usize, f64)> = None;
        for (v, taken) in days.iter().enumerate() {
            let vehicle = &p.vehicles[v];
            if req.wheelchairs > vehicle.wheelchairs || req.seats > vehicle.seats {
                continue;
            }
            for k in 0..=taken.len() {
                let (free, at) = match k {
                    0 => (vehicle.shift_start, vehicle.start),
                    _ => (taken[k - 1].end, taken[k - 1].to),
                };
                let begin = (free + t(at, from)).max(req.pickup.earliest);
                let drop = begin + req.pickup.service + t(from, to);
                let end = drop + req.dropoff.service;
                let next_ok = match taken.get(k) {
                    Some(next) => end + t(to, next.from) <= next.begin,
                    None => end + t(to, vehicle.end) <= vehicle.shift_end,
                };
                if begin <= req.pickup.latest
                    && drop <= req.dropoff.latest
                    && next_ok
                    && best.is_none_or(|b| begin < b.0)
                {
                    best = Some((begin, v, k, end));
                }
            }
        }
        if let Some((begin, v, k, end)) = best {
            days[v].insert(
                k,
                Taken {
                    from,
                    to,
                    begin,
                    end,
                },
            );
            served += 1;
        }
    }
    let hours = days
        .iter()
        .enumerate()
        .filter_map(|(v, taken)| {
            let (first, last) = (taken.first()?, taken.last()?);
            let vehicle = &p.vehicles[v];
            Some(last.end + t(last.to, vehicle.end) - (first.begin - t(vehicle.start, first.from)))
        })
        .sum::<f64>()
        / 3600.0;
    (served, hours)
}
