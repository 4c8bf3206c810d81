//! Generated dial-a-ride instances in Cordeau's format with what the published "a" instances
//! lack: requests of one to three places (a parent with children, a pair), service times that
//! are not the load (boarding takes longer with a wheelchair or a group), and a time window at
//! both the pickup and the drop-off. The solver at a short time limit is compared with the same
//! solver given a long one, and both answers are checked against the parsed problem and against
//! the file's own numbers.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use onaltu_transport::domain::darp::model::Solution;
use onaltu_transport::domain::darp::{check, cordeau, solver};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Places in each vehicle.
const CAPACITY: i32 = 4;
/// Longest route, departure to return (minutes).
const MAX_DURATION: f64 = 480.0;
/// Longest ride of a passenger (minutes).
const MAX_RIDE: f64 = 45.0;

/// An instance in Cordeau's text format: `requests` trips in a 20 x 20 area around a central
/// depot, picked up over seven hours, served by `vehicles` vehicles of [`CAPACITY`] places.
pub fn generate(seed: u64, requests: usize, vehicles: usize) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let distance =
        |a: (f64, f64), b: (f64, f64)| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
    let depot = (0.0, 0.0);
    // (x, y, service, load, earliest, latest) of each pickup and drop-off.
    let mut pickups = Vec::with_capacity(requests);
    let mut dropoffs = Vec::with_capacity(requests);
    for _ in 0..requests {
        let from = (rng.random_range(-10.0..10.0), rng.random_range(-10.0..10.0));
        let to = (rng.random_range(-10.0..10.0), rng.random_range(-10.0..10.0));
        let load: i32 = match rng.random_range(0..20) {
            0..12 => 1,
            12..17 => 2,
            _ => 3,
        };
        // Boarding takes a couple of minutes plus one a passenger; alighting is quicker.
        let boarding = f64::from(2 + load + rng.random_range(0..3));
        let alighting = f64::from(1 + load);
        let direct = distance(from, to);
        let earliest_pickup = (60.0 + rng.random_range(0.0..420.0_f64))
            .max(distance(depot, from))
            .round();
        let pickup_window = f64::from(rng.random_range(10..=20));
        // The drop-off window opens at the earliest arrival and leaves room for a detour.
        let earliest_drop = (earliest_pickup + boarding + direct).ceil();
        let latest_drop = (earliest_pickup
            + pickup_window
            + boarding
            + direct
            + f64::from(rng.random_range(10..=25)))
        .min(earliest_pickup + pickup_window + boarding + MAX_RIDE)
        .floor();
        pickups.push((
            from,
            boarding,
            load,
            earliest_pickup,
            earliest_pickup + pickup_window,
        ));
        dropoffs.push((to, alighting, -load, earliest_drop, latest_drop));
    }
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{vehicles} {} {MAX_DURATION} {CAPACITY} {MAX_RIDE}",
        2 * requests
    );
    let _ = writeln!(text, "  0 {:.3} {:.3} 0 0 0 1440", depot.0, depot.1);
    for (id, (at, service, load, earliest, latest)) in pickups.iter().chain(&dropoffs).enumerate() {
        let _ = writeln!(
            text,
            "{:>3} {:.3} {:.3} {service} {load} {earliest} {latest}",
            id + 1,
            at.0,
            at.1
        );
    }
    let _ = writeln!(
        text,
        "{:>3} {:.3} {:.3} 0 0 0 1440",
        2 * requests + 1,
        depot.0,
        depot.1
    );
    text
}

/// One solve of a generated instance: the solution, its time and its violations by both checks.
struct Run {
    solution: Solution,
    took: Duration,
    problems: Vec<String>,
}

fn run(text: &str, seed: u64, time_limit: Duration) -> anyhow::Result<Run> {
    let p = cordeau::parse(text).map_err(anyhow::Error::msg)?;
    let raw = check::instance::read(text).map_err(anyhow::Error::msg)?;
    let options = solver::Options {
        seed,
        iterations: usize::MAX,
        time_limit,
        unserved_penalty: 1e6,
        threads: 2,
        duration_weight: 0.0,
    };
    let start = Instant::now();
    let solution = solver::solve(&p, &options, &[]);
    let took = start.elapsed();
    let mut problems = check::violations(&p, &solution);
    problems.extend(
        check::instance::violations(&raw, &solution)
            .into_iter()
            .map(|v| format!("against the file: {v}")),
    );
    Ok(Run {
        solution,
        took,
        problems,
    })
}

/// Generates `count` instances from `seed` (written to `out` when given) and solves each with
/// `time_limit` and with `reference` as the yardstick.
pub fn report(
    seed: u64,
    count: usize,
    requests: usize,
    vehicles: usize,
    time_limit: Duration,
    reference: Duration,
    out: Option<&Path>,
) -> anyhow::Result<()> {
    println!(
        "{:<10} {:>4} {:>3} {:>10} {:>10} {:>7} {:>6} {:>8}  feasible (short, reference)",
        "name", "n", "K", "reference", "found", "gap %", "ms", "unserved"
    );
    let mut gaps = Vec::new();
    for k in 0..count {
        let instance_seed = seed.wrapping_add(k as u64);
        let name = format!("g{instance_seed}-{requests}");
        let text = generate(instance_seed, requests, vehicles);
        if let Some(dir) = out {
            std::fs::create_dir_all(dir)?;
            let path = dir.join(format!("{name}.txt"));
            std::fs::write(&path, &text).with_context(|| format!("writing {}", path.display()))?;
        }
        let short = run(&text, seed, time_limit)?;
        let long = run(&text, seed, reference)?;
        let gap = 100.0 * (short.solution.cost - long.solution.cost) / long.solution.cost.max(1e-9);
        gaps.push(gap);
        let verdict = |r: &Run| {
            if r.problems.is_empty() {
                "yes".to_string()
            } else {
                format!("NO: {}", r.problems.join("; "))
            }
        };
        println!(
            "{name:<10} {requests:>4} {vehicles:>3} {:>10.2} {:>10.2} {gap:>7.2} {:>6} {:>4} {:>3}  {}, {}",
            long.solution.cost,
            short.solution.cost,
            short.took.as_millis(),
            short.solution.unassigned.len(),
            long.solution.unassigned.len(),
            verdict(&short),
            verdict(&long)
        );
    }
    let mean = gaps.iter().sum::<f64>() / gaps.len().max(1) as f64;
    let worst = gaps.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    println!(
        "Generated instances: {} solved in {} ms beside {} s, mean gap {mean:.2}%, worst {worst:.2}%",
        gaps.len(),
        time_limit.as_millis(),
        reference.as_secs()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solve(text: &str) -> (onaltu_transport::domain::darp::model::Problem, Solution) {
        let p = cordeau::parse(text).expect("a generated instance reads");
        let options = solver::Options {
            seed: 3,
            iterations: 300,
            time_limit: Duration::from_secs(30),
            unserved_penalty: 1e6,
            threads: 1,
            duration_weight: 0.0,
        };
        let s = solver::solve(&p, &options, &[]);
        (p, s)
    }

    #[test]
    fn generated_instances_have_groups_slow_boarding_and_windows_at_both_ends() {
        let text = generate(5, 30, 4);
        let inst = check::instance::read(&text).expect("the file reads");
        let pickups = &inst.nodes[1..=30];
        let dropoffs = &inst.nodes[31..=60];
        assert!(pickups.iter().any(|n| n.load > 1));
        assert!(pickups.iter().all(|n| (1..=3).contains(&n.load)));
        assert!(pickups.iter().any(|n| n.service != n.load as f64));
        assert!(pickups.iter().chain(dropoffs).all(|n| n.latest < 1440.0));
        assert_eq!(text, generate(5, 30, 4), "same seed, same instance");
    }

    #[test]
    fn the_solver_keeps_capacity_and_both_checks_agree_on_generated_instances() {
        for seed in 1..=3 {
            let text = generate(seed, 24, 4);
            let (p, s) = solve(&text);
            let raw = check::instance::read(&text).expect("the file reads");
            assert_eq!(check::violations(&p, &s), Vec::<String>::new());
            assert_eq!(check::instance::violations(&raw, &s), Vec::<String>::new());
            // Spelled out from the file's loads: never more aboard than the capacity.
            for route in &s.routes {
                let mut aboard = 0;
                for visit in &route.visits {
                    let node = if visit.pickup {
                        visit.request + 1
                    } else {
                        visit.request + 1 + raw.requests
                    };
                    aboard += raw.nodes[node].load;
                    assert!(aboard <= raw.capacity, "seed {seed}: {aboard} aboard");
                }
            }
        }
    }

    #[test]
    fn a_group_larger_than_any_vehicle_is_left_unserved_not_packed() {
        let text = generate(9, 12, 3);
        // Request 4 (pickup on line 6, drop-off on line 18) becomes a group of five: more than
        // the four places of every vehicle.
        let lines: Vec<String> = text
            .lines()
            .enumerate()
            .map(|(k, line)| {
                let mut f: Vec<String> = line.split_whitespace().map(str::to_string).collect();
                if k == 6 || k == 18 {
                    f[4] = if k == 6 { "5" } else { "-5" }.to_string();
                }
                f.join(" ")
            })
            .collect();
        let text = lines.join("\n");
        let (p, s) = solve(&text);
        assert!(s.unassigned.contains(&4), "unserved: {:?}", s.unassigned);
        assert!(
            s.routes
                .iter()
                .all(|r| r.visits.iter().all(|v| v.request != 4))
        );
        let raw = check::instance::read(&text).expect("the file reads");
        assert_eq!(check::violations(&p, &s), Vec::<String>::new());
        assert_eq!(check::instance::violations(&raw, &s), Vec::<String>::new());
    }
}
