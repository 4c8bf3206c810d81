//! The problem and its solution.

/// Travel times and costs between locations (by index).
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    n: usize,
    time: Vec<f64>,
    cost: Vec<f64>,
}

impl Matrix {
    /// A matrix from travel times; the cost of a leg is its time.
    pub fn from_times(n: usize, time: Vec<f64>) -> Self {
        let cost = time.clone();
        Self { n, time, cost }
    }

    /// Euclidean distances between points, used both as time and cost (Cordeau's instances).
    pub fn euclidean(points: &[(f64, f64)]) -> Self {
        let n = points.len();
        let mut time = vec![0.0; n * n];
        for (a, pa) in points.iter().enumerate() {
            for (b, pb) in points.iter().enumerate() {
                time[a * n + b] = ((pa.0 - pb.0).powi(2) + (pa.1 - pb.1).powi(2)).sqrt();
            }
        }
        Self::from_times(n, time)
    }

    /// Locations.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether there are no locations.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Travel time from `a` to `b`.
    pub fn time(&self, a: usize, b: usize) -> f64 {
        self.time[a * self.n + b]
    }

    /// Cost of travelling from `a` to `b`.
    pub fn cost(&self, a: usize, b: usize) -> f64 {
        self.cost[a * self.n + b]
    }
}

/// A pickup or a drop-off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stop {
    /// Location index in the matrix.
    pub location: usize,
    /// Service time (boarding, alighting).
    pub service: f64,
    /// Earliest start of service.
    pub earliest: f64,
    /// Latest start of service.
    pub latest: f64,
}

/// One passenger's trip.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Request {
    /// Where and when the passenger is picked up.
    pub pickup: Stop,
    /// Where and when the passenger is dropped off.
    pub dropoff: Stop,
    /// Longest time from the end of the pickup's service to the start of the drop-off's.
    pub max_ride: f64,
    /// Wheelchair places needed.
    pub wheelchairs: i32,
    /// Seats needed (the passenger if not in a wheelchair, and escorts).
    pub seats: i32,
}

/// A vehicle and its shift.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Vehicle {
    /// Start depot location.
    pub start: usize,
    /// End depot location.
    pub end: usize,
    /// Earliest departure from the start depot.
    pub shift_start: f64,
    /// Latest arrival at the end depot.
    pub shift_end: f64,
    /// Longest route duration (departure to return).
    pub max_duration: f64,
    /// Wheelchair places.
    pub wheelchairs: i32,
    /// Seats.
    pub seats: i32,
}

/// A dial-a-ride problem.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Requests.
    pub requests: Vec<Request>,
    /// Vehicles.
    pub vehicles: Vec<Vehicle>,
    /// Travel times and costs.
    pub matrix: Matrix,
}

/// One visit of a route: a request's pickup or drop-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Visit {
    /// Request index.
    pub request: usize,
    /// Pickup (or drop-off).
    pub pickup: bool,
}

impl Problem {
    /// The stop of `v`.
    pub fn stop(&self, v: Visit) -> &Stop {
        let r = &self.requests[v.request];
        if v.pickup { &r.pickup } else { &r.dropoff }
    }
}

/// A vehicle's planned route: its visits in order and when each service starts.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRoute {
    /// Vehicle index.
    pub vehicle: usize,
    /// Visits in order (depots excluded).
    pub visits: Vec<Visit>,
    /// Departure from the start depot.
    pub departure: f64,
    /// Start of service of each visit.
    pub service_starts: Vec<f64>,
    /// Arrival at the end depot.
    pub arrival: f64,
}

/// A solution: a route per vehicle used, and the requests left unserved.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// Routes (empty routes omitted).
    pub routes: Vec<PlannedRoute>,
    /// Requests not served.
    pub unassigned: Vec<usize>,
    /// Total travel cost.
    pub cost: f64,
    /// Search iterations made.
    pub iterations: usize,
}
