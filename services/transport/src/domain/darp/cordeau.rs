//! Cordeau's benchmark instances (Cordeau, 2006): a header `K N T Q L` (vehicles, nodes without
//! the depots, maximum route duration, capacity, maximum ride time), then one line per node
//! `id x y service load earliest latest`: the depot, the n pickups, the n drop-offs (pickup i's
//! drop-off is i + n), and the end depot (when absent, the start depot). Costs and times are Euclidean distances.

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
    for (i, line) in lines.enumerate().take(2 * n + 2) {
        let f: Vec<f64> = line
            .split_whitespace()
            .map(|x| {
                x.parse::<f64>()
                    .map_err(|e| format!("node line {}: {e}", i + 1))
            })
            .collect::<Result<_, _>>()?;
        let [_, x, y, service, _, earliest, latest] = f[..] else {
            return Err(format!("node line {}: expected 7 numbers", i + 1));
        };
        points.push((x, y));
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
    let requests = (1..=n)
        .map(|i| Request {
            pickup: stops[i],
            dropoff: stops[i + n],
            max_ride: ride,
            wheelchairs: 0,
            seats: 1,
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
        // Depot (0,0) to the first pickup (3,4): 5.
        assert_eq!(p.matrix.time(0, 1), 5.0);
        assert!(parse("2 4 480 3").is_err());
        let without_end: String = text.lines().take(6).map(|l| format!("{l}\n")).collect();
        let p = parse(&without_end).unwrap();
        assert_eq!(p.vehicles[0].end, p.vehicles[0].start);
    }
}
