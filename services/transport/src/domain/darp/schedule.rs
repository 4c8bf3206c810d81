//! When a vehicle can serve a sequence of visits, if it can: capacity by seat type, time
//! windows, maximum ride times, the shift and the route's maximum duration.
//!
//! The eight steps of Cordeau and Laporte (2003): (1) leave the depot as early as possible and
//! serve each stop as early as its window allows; (2) refuse if a window is missed; (3) leave the
//! depot later by the forward time slack, so waiting moves to the start; (4)-(7) delay each
//! pickup by its own forward slack, shortening the rides of those already aboard; (8) refuse if
//! a ride, the duration or a window is still violated.

use super::model::{Problem, Vehicle, Visit};

/// Tolerance of time comparisons.
pub const EPS: f64 = 1e-6;

/// A feasible schedule of one route.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// Departure from the start depot.
    pub departure: f64,
    /// Start of service at each visit.
    pub starts: Vec<f64>,
    /// Arrival at the end depot.
    pub arrival: f64,
}

/// Why a sequence cannot be served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Infeasible {
    /// More wheelchairs or seats aboard than the vehicle has.
    Capacity,
    /// A stop's time window (or the shift) cannot be met.
    TimeWindow,
    /// A passenger would ride longer than allowed.
    RideTime,
    /// The route would last longer than allowed.
    Duration,
}

/// Whether the loads along `visits` stay within the vehicle's places.
pub fn capacity_ok(p: &Problem, v: &Vehicle, visits: &[Visit]) -> bool {
    let (mut wheelchairs, mut seats) = (0, 0);
    for visit in visits {
        let r = &p.requests[visit.request];
        let sign = if visit.pickup { 1 } else { -1 };
        wheelchairs += sign * r.wheelchairs;
        seats += sign * r.seats;
        if wheelchairs > v.wheelchairs || seats > v.seats {
            return false;
        }
    }
    true
}

/// The arrays of one scheduling, kept between calls on the same thread: the solver schedules
/// many thousands of candidate routes a second.
#[derive(Default)]
struct Buffers {
    loc: Vec<usize>,
    service: Vec<f64>,
    earliest: Vec<f64>,
    latest: Vec<f64>,
    /// For each position, the position of the matching pickup when it is a drop-off.
    pickup_of: Vec<Option<usize>>,
    /// For each position, the request's maximum ride when it is a drop-off.
    max_ride: Vec<f64>,
    /// Travel time of the leg arriving at each position.
    leg: Vec<f64>,
    a: Vec<f64>,
    b: Vec<f64>,
    w: Vec<f64>,
    d: Vec<f64>,
}

thread_local! {
    static SPARE: std::cell::RefCell<Option<Buffers>> = const { std::cell::RefCell::new(None) };
}

struct Work<'a> {
    v: &'a Vehicle,
    x: Buffers,
}

impl<'a> Work<'a> {
    fn new(p: &Problem, v: &'a Vehicle, visits: &[Visit], mut x: Buffers) -> Self {
        let n = visits.len() + 2;
        x.loc.clear();
        x.service.clear();
        x.earliest.clear();
        x.latest.clear();
        x.pickup_of.clear();
        x.pickup_of.resize(n, None);
        x.max_ride.clear();
        x.max_ride.resize(n, f64::INFINITY);
        x.loc.push(v.start);
        x.service.push(0.0);
        x.earliest.push(v.shift_start);
        x.latest.push(v.shift_end);
        for (k, visit) in visits.iter().enumerate() {
            let s = p.stop(*visit);
            x.loc.push(s.location);
            x.service.push(s.service);
            x.earliest.push(s.earliest);
            x.latest.push(s.latest);
            if !visit.pickup {
                x.pickup_of[k + 1] = visits[..k]
                    .iter()
                    .rposition(|y| y.pickup && y.request == visit.request)
                    .map(|j| j + 1);
                x.max_ride[k + 1] = p.requests[visit.request].max_ride;
            }
        }
        x.loc.push(v.end);
        x.service.push(0.0);
        x.earliest.push(v.shift_start);
        x.latest.push(v.shift_end);
        x.leg.clear();
        x.leg.push(0.0);
        for k in 1..n {
            x.leg.push(p.matrix.time(x.loc[k - 1], x.loc[k]));
        }
        for times in [&mut x.a, &mut x.b, &mut x.w, &mut x.d] {
            times.clear();
            times.resize(n, 0.0);
        }
        Self { v, x }
    }

    fn last(&self) -> usize {
        self.x.loc.len() - 1
    }

    /// Computes arrival, start, wait and departure from position `from` on.
    fn forward(&mut self, from: usize) {
        let x = &mut self.x;
        for k in from.max(1)..x.loc.len() {
            x.a[k] = x.d[k - 1] + x.leg[k];
            x.b[k] = x.a[k].max(x.earliest[k]);
            x.w[k] = x.b[k] - x.a[k];
            x.d[k] = x.b[k] + x.service[k];
        }
    }

    /// Carries a later departure from position `from - 1` onwards, stopping where waiting
    /// absorbs it: every later time stays as it was.
    fn push_later(&mut self, from: usize) {
        let x = &mut self.x;
        for k in from.max(1)..x.loc.len() {
            x.a[k] = x.d[k - 1] + x.leg[k];
            let b = x.a[k].max(x.earliest[k]);
            x.w[k] = b - x.a[k];
            if b == x.b[k] {
                break;
            }
            x.b[k] = b;
            x.d[k] = b + x.service[k];
        }
    }

    fn windows_ok(&self) -> bool {
        let x = &self.x;
        (1..x.loc.len()).all(|k| x.b[k] <= x.latest[k] + EPS)
    }

    fn ride(&self, k: usize) -> f64 {
        match self.x.pickup_of[k] {
            Some(j) => self.x.b[k] - self.x.d[j],
            None => 0.0,
        }
    }

    /// The forward time slack at `i`: how far its service may start later without violating a
    /// window later on, the ride of anyone aboard across `i`, or (for `i > 0`) the duration.
    fn slack(&self, i: usize) -> f64 {
        let x = &self.x;
        let last = self.last();
        let mut waiting = 0.0;
        let mut best = f64::INFINITY;
        for j in i..=last {
            if j > i {
                waiting += x.w[j];
            }
            let mut room = x.latest[j] - x.b[j];
            if let Some(pickup) = x.pickup_of[j]
                && pickup < i
            {
                room = room.min(x.max_ride[j] - self.ride(j));
            }
            if j == last && i > 0 {
                room = room.min(self.v.max_duration - (x.a[last] - x.d[0]));
            }
            best = best.min(waiting + room.max(0.0));
        }
        best
    }

    fn waiting_after(&self, i: usize) -> f64 {
        self.x.w[i + 1..].iter().sum()
    }
}

/// The schedule of `visits` on vehicle `v`, or why there is none. Capacity must already hold
/// (see [`capacity_ok`]); pickups precede their drop-offs.
pub fn schedule(p: &Problem, v: &Vehicle, visits: &[Visit]) -> Result<Schedule, Infeasible> {
    if !capacity_ok(p, v, visits) {
        return Err(Infeasible::Capacity);
    }
    let spare = SPARE.with(|s| s.borrow_mut().take()).unwrap_or_default();
    let mut s = Work::new(p, v, visits, spare);
    let answer = timed(&mut s, visits);
    SPARE.with(|spare| *spare.borrow_mut() = Some(s.x));
    answer
}

fn timed(s: &mut Work, visits: &[Visit]) -> Result<Schedule, Infeasible> {
    let v = s.v;
    // (1)-(2): as early as possible.
    s.x.d[0] = v.shift_start;
    s.x.b[0] = v.shift_start;
    s.forward(1);
    if !s.windows_ok() {
        return Err(Infeasible::TimeWindow);
    }
    // (3): leave later by the slack, at most by all the waiting.
    let shift = s.slack(0).min(s.waiting_after(0)).max(0.0);
    if shift > 0.0 {
        s.x.d[0] += shift;
        s.x.b[0] = s.x.d[0];
        s.push_later(1);
    }
    // (4)-(7): delay each pickup to shorten the rides of those already aboard.
    let last = s.last();
    for j in 1..last {
        let is_pickup = visits[j - 1].pickup;
        if !is_pickup {
            continue;
        }
        let delay = s.slack(j).min(s.waiting_after(j)).max(0.0);
        if delay > EPS {
            let x = &mut s.x;
            x.w[j] += delay;
            x.b[j] = x.a[j] + x.w[j];
            x.d[j] = x.b[j] + x.service[j];
            s.push_later(j + 1);
        }
    }
    // (8): check everything.
    if !s.windows_ok() {
        return Err(Infeasible::TimeWindow);
    }
    for k in 1..last {
        if s.ride(k) > s.x.max_ride[k] + EPS {
            return Err(Infeasible::RideTime);
        }
    }
    let x = &s.x;
    if x.a[last] - x.d[0] > v.max_duration + EPS {
        return Err(Infeasible::Duration);
    }
    Ok(Schedule {
        departure: x.d[0],
        starts: x.b[1..last].to_vec(),
        arrival: x.a[last],
    })
}

/// Travel cost of `visits` on vehicle `v`, depot to depot.
pub fn route_cost(p: &Problem, v: &Vehicle, visits: &[Visit]) -> f64 {
    let mut cost = 0.0;
    let mut at = v.start;
    for visit in visits {
        let next = p.stop(*visit).location;
        cost += p.matrix.cost(at, next);
        at = next;
    }
    cost + p.matrix.cost(at, v.end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::darp::model::{Matrix, Request, Stop};

    /// Locations on a line, one unit of time apart: 0 (depot), 1, 2, 3, ...
    fn line(n: usize) -> Matrix {
        let points: Vec<(f64, f64)> = (0..n).map(|i| (i as f64, 0.0)).collect();
        Matrix::euclidean(&points)
    }

    fn stop(location: usize, earliest: f64, latest: f64) -> Stop {
        Stop {
            location,
            service: 0.0,
            earliest,
            latest,
        }
    }

    fn request(from: usize, to: usize, window: (f64, f64), max_ride: f64) -> Request {
        Request {
            pickup: stop(from, window.0, window.1),
            dropoff: stop(to, 0.0, 1_000.0),
            max_ride,
            wheelchairs: 0,
            seats: 1,
        }
    }

    fn vehicle(seats: i32) -> Vehicle {
        Vehicle {
            start: 0,
            end: 0,
            shift_start: 0.0,
            shift_end: 1_000.0,
            max_duration: 1_000.0,
            wheelchairs: 1,
            seats,
        }
    }

    fn visits(order: &[(usize, bool)]) -> Vec<Visit> {
        order
            .iter()
            .map(|&(request, pickup)| Visit { request, pickup })
            .collect()
    }

    #[test]
    fn waiting_moves_to_the_depot_so_the_route_is_short() {
        // Pickup at location 2 not before 10: leaving at 0 would wait 8; leaving at 8 waits 0.
        let p = Problem {
            requests: vec![request(2, 4, (10.0, 20.0), 30.0)],
            vehicles: vec![vehicle(3)],
            matrix: line(5),
        };
        let s = schedule(&p, &p.vehicles[0], &visits(&[(0, true), (0, false)])).unwrap();
        assert_eq!(s.departure, 8.0);
        assert_eq!(s.starts, vec![10.0, 12.0]);
        assert_eq!(s.arrival, 16.0);
    }

    #[test]
    fn a_pickup_is_delayed_to_shorten_the_ride_of_the_passenger_aboard() {
        // Request 0 is picked up at 1 (window 0-100) and dropped at 3; request 1 is picked up at
        // 2 not before 20, so the vehicle waits at 2. Delaying pickup 0 takes the wait out of
        // passenger 0's ride: it rides 2 - 1 = 1 to location 2, waits for pickup 1 at 20, then 1
        // more to location 3. Without the delay the ride would be 20 + 1 - 1 = 20.
        let p = Problem {
            requests: vec![
                request(1, 3, (0.0, 100.0), 5.0),
                request(2, 4, (20.0, 100.0), 30.0),
            ],
            vehicles: vec![vehicle(3)],
            matrix: line(5),
        };
        let order = visits(&[(0, true), (1, true), (0, false), (1, false)]);
        let s = schedule(&p, &p.vehicles[0], &order).unwrap();
        // Pickup 0 at 19, pickup 1 at 20, drop 0 at 21: a ride of 2 <= 5.
        assert_eq!(s.starts, vec![19.0, 20.0, 21.0, 22.0]);
    }

    #[test]
    fn a_ride_too_long_a_missed_window_and_a_full_vehicle_are_refused() {
        let p = Problem {
            requests: vec![
                request(1, 4, (0.0, 100.0), 2.0),
                request(2, 3, (0.0, 1.0), 30.0),
            ],
            vehicles: vec![vehicle(1)],
            matrix: line(5),
        };
        let v = &p.vehicles[0];
        // 1 -> 4 directly is 3 > 2.
        assert_eq!(
            schedule(&p, v, &visits(&[(0, true), (0, false)])),
            Err(Infeasible::RideTime)
        );
        // Pickup 1 at location 2 by time 1 is out of reach (2 units away).
        assert_eq!(
            schedule(&p, v, &visits(&[(1, true), (1, false)])),
            Err(Infeasible::TimeWindow)
        );
        // One seat, two passengers aboard at once.
        assert_eq!(
            schedule(
                &p,
                v,
                &visits(&[(0, true), (1, true), (1, false), (0, false)])
            ),
            Err(Infeasible::Capacity)
        );
    }

    #[test]
    fn the_route_duration_is_limited() {
        let mut p = Problem {
            requests: vec![request(2, 4, (0.0, 100.0), 30.0)],
            vehicles: vec![vehicle(3)],
            matrix: line(5),
        };
        p.vehicles[0].max_duration = 7.0;
        let order = visits(&[(0, true), (0, false)]);
        // 0 -> 2 -> 4 -> 0 takes 8.
        assert_eq!(
            schedule(&p, &p.vehicles[0], &order),
            Err(Infeasible::Duration)
        );
        p.vehicles[0].max_duration = 8.0;
        assert!(schedule(&p, &p.vehicles[0], &order).is_ok());
        assert_eq!(route_cost(&p, &p.vehicles[0], &order), 8.0);
    }
}
