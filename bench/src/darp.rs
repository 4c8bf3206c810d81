//! The dial-a-ride solver on Cordeau's instances: the cost found, the gap to the best known
//! (optimal) cost, the time, and the independent feasibility check, instance by instance.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
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
        let options = solver::Options {
            seed,
            iterations: 1_000_000,
            time_limit,
            unserved_penalty: 1e6,
            threads: 2,
        };
        let start = Instant::now();
        let s = solver::solve(&p, &options, &[]);
        let took = start.elapsed();
        slowest = slowest.max(took);
        let problems = check::violations(&p, &s);
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
