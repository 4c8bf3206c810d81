//! Between stored rows, local service-day seconds and the contract's messages.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use onaltu_api::{date, timestamp};
use onaltu_proto::common::GeoPoint;
use onaltu_proto::transport as pb;
use prost_types::Timestamp;

use crate::domain::plan::{DayTrip, ShiftInput};
use crate::domain::trip::Requested;
use crate::store::shifts::ShiftRow;
use crate::store::trips::TripRow;
use crate::store::vehicles::VehicleRow;

/// Hours Kazakhstan is ahead of UTC.
const OFFSET_HOURS: i64 = 5;

/// The instant local midnight of `d` begins.
pub fn local_midnight(d: NaiveDate) -> DateTime<Utc> {
    onaltu_api::local_midnight(d)
}

/// Seconds since local midnight of `d`.
pub fn seconds_of_day(t: DateTime<Utc>, d: NaiveDate) -> f64 {
    (t - local_midnight(d)).num_milliseconds() as f64 / 1000.0
}

/// The instant `seconds` after local midnight of `d`, to the second.
pub fn at_seconds(d: NaiveDate, seconds: f64) -> DateTime<Utc> {
    local_midnight(d) + Duration::seconds(seconds.round() as i64)
}

/// The local time of day of `t`.
pub fn local_time(t: DateTime<Utc>) -> NaiveTime {
    (t + Duration::hours(OFFSET_HOURS)).time()
}

/// A timestamp as an instant, if representable.
pub fn instant(t: &Timestamp) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).ok()?)
}

fn ts(t: Option<DateTime<Utc>>) -> Option<Timestamp> {
    t.map(timestamp)
}

fn point(latitude: f64, longitude: f64) -> Option<GeoPoint> {
    Some(GeoPoint {
        latitude,
        longitude,
    })
}

/// A vehicle as the contract shows it.
pub fn vehicle(r: &VehicleRow) -> pb::Vehicle {
    pb::Vehicle {
        id: r.id.to_string(),
        plate_number: r.plate_number.clone(),
        kind: i32::from(r.kind),
        model: r.model.clone(),
        wheelchair_places: r.wheelchair_places,
        seats: r.seats,
        has_ramp: r.has_ramp,
        has_lift: r.has_lift,
        depot: point(r.depot_latitude, r.depot_longitude),
        depot_address: r.depot_address.clone(),
        status: i32::from(r.status),
        create_time: Some(timestamp(r.create_time)),
    }
}

/// A shift as the contract shows it.
pub fn shift(r: &ShiftRow) -> pb::Shift {
    pb::Shift {
        id: r.id.to_string(),
        vehicle_id: r.vehicle_id.to_string(),
        driver_subject: r.driver_subject.clone(),
        driver_name: r.driver_name.clone(),
        start_time: Some(timestamp(r.start_time)),
        end_time: Some(timestamp(r.end_time)),
        create_time: Some(timestamp(r.create_time)),
    }
}

/// A trip as the contract shows it.
pub fn trip(r: &TripRow) -> pb::Trip {
    let requested_time = match (r.requested_pickup_time, r.requested_arrival_time) {
        (Some(t), _) => Some(pb::trip::RequestedTime::RequestedPickupTime(timestamp(t))),
        (None, Some(t)) => Some(pb::trip::RequestedTime::RequestedArrivalTime(timestamp(t))),
        _ => None,
    };
    pb::Trip {
        id: r.id.to_string(),
        person_id: r.person_id.to_string(),
        pickup: Some(r.pickup_place()),
        dropoff: Some(r.dropoff_place()),
        requested_time,
        wheelchair: r.wheelchair,
        escorts: r.escorts,
        purpose: i32::from(r.purpose),
        center_id: r.center_id.map(|c| c.to_string()).unwrap_or_default(),
        state: i32::from(r.state),
        rejection_reason: i32::from(r.rejection_reason),
        state_note: r.state_note.clone(),
        service_date: Some(date(r.service_date)),
        planned_pickup_window: Some(pb::TimeWindow {
            start_time: Some(timestamp(r.window_start)),
            end_time: Some(timestamp(r.window_end)),
        }),
        planned_pickup_time: ts(r.planned_pickup_time),
        planned_dropoff_time: ts(r.planned_dropoff_time),
        actual_pickup_time: ts(r.actual_pickup_time),
        actual_dropoff_time: ts(r.actual_dropoff_time),
        vehicle_id: r.vehicle_id.map(|v| v.to_string()).unwrap_or_default(),
        route_id: r.route_id.map(|v| v.to_string()).unwrap_or_default(),
        manually_assigned: r.manually_assigned,
        direct_ride_seconds: r.direct_ride_seconds,
        create_time: Some(timestamp(r.create_time)),
        update_time: Some(timestamp(r.update_time)),
    }
}

/// A shift of `day` with its vehicle, as planned: clipped to the day.
pub fn shift_input(day: NaiveDate, v: &VehicleRow, s: &ShiftRow) -> ShiftInput {
    ShiftInput {
        depot: (v.depot_latitude, v.depot_longitude),
        start: seconds_of_day(s.start_time, day).max(0.0),
        end: seconds_of_day(s.end_time, day).min(86_400.0),
        wheelchairs: v.wheelchair_places,
        seats: v.seats,
    }
}

/// A stored trip of `day` as the planner sees it.
pub fn day_trip(day: NaiveDate, t: &TripRow) -> DayTrip {
    let requested = match (t.requested_pickup_time, t.requested_arrival_time) {
        (Some(p), _) => Requested::Pickup(seconds_of_day(p, day)),
        (None, Some(a)) => Requested::Arrival(seconds_of_day(a, day)),
        _ => Requested::Pickup(seconds_of_day(t.window_start, day)),
    };
    DayTrip {
        state: pb::TripState::try_from(i32::from(t.state)).unwrap_or(pb::TripState::Unspecified),
        pickup: t.pickup_point(),
        dropoff: t.dropoff_point(),
        requested,
        direct_seconds: f64::from(t.direct_ride_seconds),
        planned_pickup: t.planned_pickup_time.map(|p| seconds_of_day(p, day)),
        wheelchair: t.wheelchair,
        escorts: t.escorts,
        vehicle: t.vehicle_id,
        manually_assigned: t.manually_assigned,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_midnight_is_five_hours_before_utc_midnight() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(local_midnight(d).to_rfc3339(), "2026-12-01T19:00:00+00:00");
        let nine = at_seconds(d, 9.0 * 3600.0);
        assert_eq!(nine.to_rfc3339(), "2026-12-02T04:00:00+00:00");
        assert_eq!(seconds_of_day(nine, d), 32_400.0);
        assert_eq!(local_time(nine), NaiveTime::from_hms_opt(9, 0, 0).unwrap());
    }
}
