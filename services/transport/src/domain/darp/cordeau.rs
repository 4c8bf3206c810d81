//! Cordeau's benchmark instances (Cordeau, 2006): a header `K N T Q L` (vehicles, nodes without
//! the depots, maximum route duration, capacity, maximum ride time), then one line per node
//! `id x y service load earliest latest`: the depot, the n pickups, the n drop-offs (pickup i's
//! drop-off is i + n), and the end depot (when absent, the start depot). Costs and times are Euclidean distances.
//!
//! The load column is the number of places a request takes: positive at its pickup, the same
//! number negated at its drop-off, zero at the depots. Every load in the published "a" instances
//! is 1, but a request may carry several passengers (a parent with children, a group from one
//! care home); one whose load exceeds the capacity is still read, and the solver leaves it
//! unserved.

use super::model::{Matrix, Problem, Request, Stop, Vehicle};

/// Reads an instance; `Err` names the line that could not be read.
pub fn parse(text: &str) -> Result<Problem, String> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<f64> = lines
        .next()
        .ok_or("empty instance")?
        .split_whitespace()
        .map(|x| x.parse::<f64>().map_err(|e| format!("header: {e}")))
        .collect::<Result<_, _>>()?;
    let [k, nodes, duration, capacity, ride] = header[..] else {
        return Err("header: expected `K N T Q L`".into());
    };
    let n = (nodes as usize) / 2;
    let mut points = Vec::with_capacity(2 * n + 2);
    let mut stops = Vec::with_capacity(2 * n + 2);
    let mut loads = Vec::with_capacity(2 * n + 2);
    for (i, line) in lines.enumerate().take(2 * n + 2) {
        let f: Vec<f64> = line
            .split_whitespace()
            .map(|x| {
                x.parse::<f64>()
                    .map_err(|e| format!("node line {}: {e}", i + 1))
            })
            .collect::<Result<_, _>>()?;
        let [_, x, y, service, load, earliest, latest] = f[..] else {
            return Err(format!("node line {}: expected 7 numbers", i + 1));
        };
        if load.fract() != 0.0 || load.abs() > f64::from(i32::MAX) {
            return Err(format!(
                "node line {}: load {load} is not a whole number",
                i + 1
            ));
        }
        points.push((x, y));
        loads.push(load as i32);
        stops.push(Stop {
            location: i,
            service,
            earliest,
            latest,
        });
    }
    // Some files end without the end depot: the vehicles then return to the start depot.
    if stops.len() == 2 * n + 1 {
        stops.push(stops[0]);
    }
    if stops.len() != 2 * n + 2 {
        return Err(format!(
            "expected {} nodes, found {}",
            2 * n + 2,
            stops.len()
        ));
    }
    if loads.len() == 2 * n + 1 {
        loads.push(0);
    }
    for depot in [0, 2 * n + 1] {
        if loads[depot] != 0 {
            return Err(format!(
                "node line {}: a depot has load {}",
                depot + 1,
                loads[depot]
            ));
        }
    }
    for i in 1..=n {
        if loads[i] <= 0 || loads[i + n] != -loads[i] {
            return Err(format!(
                "node lines {} and {}: pickup load {} and drop-off load {} (expected a positive load and its negation)",
                i + 1,
                i + n + 1,
                loads[i],
                loads[i + n]
            ));
        }
    }
    let requests = (1..=n)
        .map(|i| Request {
            pickup: stops[i],
            dropoff: stops[i + n],
            max_ride: ride,
            wheelchairs: 0,
            seats: loads[i],
        })
        .collect();
    let (start, end) = (stops[0], stops[2 * n + 1]);
    let vehicle = Vehicle {
        start: start.location,
        end: end.location,
        shift_start: start.earliest,
        shift_end: end.latest,
        max_duration: duration,
        wheelchairs: 0,
        seats: capacity as i32,
    };
    Ok(Problem {
        requests,
        vehicles: vec![vehicle; k as usize],
        matrix: Matrix::euclidean(&points),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instance_reads_into_requests_vehicles_and_distances() {
        let text = "2 4 480 3 30\n\
            0 0.0 0.0 0 0 0 1440\n\
            1 3.0 4.0 3 1 0 1440\n\
            2 6.0 8.0 3 1 10 20\n\
            3 0.0 4.0 3 -1 100 115\n\
            4 6.0 0.0 3 -1 0 1440\n\
            5 0.0 0.0 0 0 0 1440\n";
        let p = parse(text).unwrap();
        assert_eq!(p.requests.len(), 2);
        assert_eq!(p.vehicles.len(), 2);
        assert_eq!(p.vehicles[0].seats, 3);
        assert_eq!(p.vehicles[0].max_duration, 480.0);
        assert_eq!(p.requests[0].dropoff.earliest, 100.0);
        assert_eq!(p.requests[1].pickup.latest, 20.0);
        assert_eq!(p.requests[0].seats, 1);
        // Depot (0,0) to the first pickup (3,4): 5.
        assert_eq!(p.matrix.time(0, 1), 5.0);
        assert!(parse("2 4 480 3").is_err());
        let without_end: String = text.lines().take(6).map(|l| format!("{l}\n")).collect();
        let p = parse(&without_end).unwrap();
        assert_eq!(p.vehicles[0].end, p.vehicles[0].start);
    }

    #[test]
    fn each_request_takes_the_places_its_load_says() {
        // Request 1: a parent with two children (load 3); request 2: one passenger; request 3:
        // a group of four, more than the capacity of 3. Service times differ from the loads.
        let text = "2 6 480 3 30\n\
            0 0 0 0 0 0 1440\n\
            1 1 1 5 3 10 40\n\
            2 2 2 2 1 0 1440\n\
            3 3 3 7 4 0 1440\n\
            4 4 4 4 -3 20 90\n\
            5 5 5 1 -1 0 1440\n\
            6 6 6 6 -4 0 1440\n\
            7 0 0 0 0 0 1440\n";
        let p = parse(text).unwrap();
        let seats: Vec<i32> = p.requests.iter().map(|r| r.seats).collect();
        assert_eq!(seats, [3, 1, 4]);
        assert_eq!(p.requests[0].pickup.service, 5.0);
        assert_eq!(p.requests[0].dropoff.service, 4.0);
        assert_eq!(
            (p.requests[0].pickup.earliest, p.requests[0].pickup.latest),
            (10.0, 40.0)
        );
        assert_eq!(
            (p.requests[0].dropoff.earliest, p.requests[0].dropoff.latest),
            (20.0, 90.0)
        );
        assert_eq!(p.requests[2].dropoff.service, 6.0);
        // A drop-off that does not give back what its pickup took, a fractional load and a
        // loaded depot are reading errors, not something to guess at.
        assert!(parse(&text.replace("5 5 5 1 -1", "5 5 5 1 -2")).is_err());
        assert!(parse(&text.replace("2 2 2 2 1 0", "2 2 2 2 1.5 0")).is_err());
        assert!(parse(&text.replace("7 0 0 0 0 0", "7 0 0 0 1 0")).is_err());
    }
}
