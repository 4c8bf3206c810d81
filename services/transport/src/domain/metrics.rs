//! The service measures of a period (the paratransit measures of the US ADA practice): trips
//! requested, served, denied, cancelled, late-cancelled and no-shows; on-time pickups; ride time
//! over direct time; trips per vehicle-hour; the share of rides shared.

use chrono::{DateTime, Utc};
use onaltu_proto::transport::{Route, ServiceMetrics, StopKind, TripState as S};
use uuid::Uuid;

/// What the measures need of a trip.
#[derive(Debug, Clone, PartialEq)]
pub struct TripFacts {
    /// State.
    pub state: S,
    /// Pickup window.
    pub window: (DateTime<Utc>, DateTime<Utc>),
    /// Actual pickup.
    pub picked_up: Option<DateTime<Utc>>,
    /// Actual drop-off.
    pub dropped_off: Option<DateTime<Utc>>,
    /// Direct ride, seconds.
    pub direct_seconds: f64,
    /// Vehicle.
    pub vehicle: Option<Uuid>,
}

/// The time a route keeps its vehicle out: from each departure from the depot to the return
/// that follows (a day of several shifts leaves out the time between them).
pub fn route_seconds(route: &Route) -> f64 {
    let mut total = 0;
    let mut out: Option<i64> = None;
    for stop in &route.stops {
        let at = stop.planned_arrival_time.as_ref().map(|t| t.seconds);
        if stop.kind == StopKind::DepotStart as i32 {
            out = at;
        } else if stop.kind == StopKind::DepotEnd as i32
            && let (Some(from), Some(to)) = (out.take(), at)
        {
            total += (to - from).max(0);
        }
    }
    total as f64
}

/// The measures of `trips`, with `vehicle_seconds` of routes driven and `bus_boardings`.
pub fn measure(trips: &[TripFacts], vehicle_seconds: f64, bus_boardings: i64) -> ServiceMetrics {
    let count = |s: S| trips.iter().filter(|t| t.state == s).count() as i64;
    let served: Vec<&TripFacts> = trips.iter().filter(|t| t.state == S::Completed).collect();
    let with_pickup: Vec<&&TripFacts> = served.iter().filter(|t| t.picked_up.is_some()).collect();
    let on_time = with_pickup
        .iter()
        .filter(|t| {
            t.picked_up
                .is_some_and(|p| p >= t.window.0 && p <= t.window.1)
        })
        .count() as i64;
    let ratios: Vec<f64> = served
        .iter()
        .filter_map(|t| {
            let ride = (t.dropped_off? - t.picked_up?).num_seconds() as f64;
            (t.direct_seconds > 0.0).then(|| ride / t.direct_seconds)
        })
        .collect();
    let shared = served
        .iter()
        .enumerate()
        .filter(|(i, a)| {
            served.iter().enumerate().any(|(j, b)| {
                *i != j
                    && a.vehicle.is_some()
                    && a.vehicle == b.vehicle
                    && match (a.picked_up, a.dropped_off, b.picked_up, b.dropped_off) {
                        (Some(a0), Some(a1), Some(b0), Some(b1)) => a0 < b1 && b0 < a1,
                        _ => false,
                    }
            })
        })
        .count();
    let hours = vehicle_seconds / 3600.0;
    let share = |n: usize, of: usize| (of > 0).then(|| n as f64 / of as f64);
    ServiceMetrics {
        trips_requested: trips.len() as i64,
        trips_served: served.len() as i64,
        trips_denied: count(S::Rejected),
        trips_cancelled: count(S::Cancelled),
        trips_late_cancelled: count(S::LateCancelled),
        trips_no_show: count(S::NoShow),
        on_time_pickups: on_time,
        on_time_share: share(on_time as usize, with_pickup.len()),
        ride_time_ratio: (!ratios.is_empty())
            .then(|| ratios.iter().sum::<f64>() / ratios.len() as f64),
        vehicle_hours: hours,
        trips_per_vehicle_hour: (hours > 0.0).then(|| served.len() as f64 / hours),
        shared_ride_share: share(shared, served.len()),
        bus_boardings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, h, m, 0).unwrap()
    }

    fn completed(pickup: (u32, u32), dropoff: (u32, u32), vehicle: u128) -> TripFacts {
        TripFacts {
            state: S::Completed,
            window: (t(9, 0), t(9, 30)),
            picked_up: Some(t(pickup.0, pickup.1)),
            dropped_off: Some(t(dropoff.0, dropoff.1)),
            direct_seconds: 600.0,
            vehicle: Some(Uuid::from_u128(vehicle)),
        }
    }

    #[test]
    fn a_route_counts_its_shifts_not_the_time_between() {
        let stop = |kind: StopKind, h: i64| onaltu_proto::transport::Stop {
            kind: kind as i32,
            planned_arrival_time: Some(prost_types::Timestamp {
                seconds: h * 3600,
                nanos: 0,
            }),
            ..Default::default()
        };
        let route = Route {
            stops: vec![
                stop(StopKind::DepotStart, 9),
                stop(StopKind::Pickup, 10),
                stop(StopKind::Dropoff, 11),
                stop(StopKind::DepotEnd, 12),
                stop(StopKind::DepotStart, 14),
                stop(StopKind::Pickup, 15),
                stop(StopKind::Dropoff, 16),
                stop(StopKind::DepotEnd, 17),
            ],
            ..Default::default()
        };
        assert_eq!(route_seconds(&route), 6.0 * 3600.0);
        assert_eq!(route_seconds(&Route::default()), 0.0);
    }

    #[test]
    fn the_measures_of_a_small_day() {
        let mut trips = vec![
            // On time, 20 minutes for a 10-minute direct ride, sharing with the next.
            completed((9, 10), (9, 30), 1),
            // Late (after 9:30), 10 minutes, overlapping the first on the same vehicle.
            completed((9, 25), (9, 35), 1),
            // Alone on another vehicle, on time, 10 minutes.
            completed((9, 0), (9, 10), 2),
        ];
        trips[1].window = (t(9, 0), t(9, 20));
        for s in [S::Rejected, S::Cancelled, S::LateCancelled, S::NoShow] {
            trips.push(TripFacts {
                state: s,
                picked_up: None,
                dropped_off: None,
                ..completed((9, 0), (9, 0), 3)
            });
        }
        let m = measure(&trips, 2.0 * 3600.0, 5);
        assert_eq!(m.trips_requested, 7);
        assert_eq!(m.trips_served, 3);
        assert_eq!(
            (
                m.trips_denied,
                m.trips_cancelled,
                m.trips_late_cancelled,
                m.trips_no_show
            ),
            (1, 1, 1, 1)
        );
        assert_eq!(m.on_time_pickups, 2);
        assert_eq!(m.on_time_share, Some(2.0 / 3.0));
        // (2 + 1 + 1) / 3
        assert_eq!(m.ride_time_ratio, Some(4.0 / 3.0));
        assert_eq!(m.trips_per_vehicle_hour, Some(1.5));
        assert_eq!(m.shared_ride_share, Some(2.0 / 3.0));
        assert_eq!(m.bus_boardings, 5);
    }
}
