//! The rules of an invataxi trip: when it may be booked, the windows it is planned in, what
//! the driver may report next, and what a cancellation becomes.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use onaltu_errors::ApiError;
use onaltu_proto::transport::{TripRejectionReason, TripState as S};

use super::travel::haversine_m;

/// The booking and service rules (`[booking]`); every number is configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BookingRules {
    /// A trip is booked at least this many days ahead (1: the day before).
    pub min_days_ahead: i64,
    /// And at most this many days ahead.
    pub max_days_ahead: i64,
    /// Service hours, local: first pickup.
    pub service_start: NaiveTime,
    /// Service hours, local: last drop-off.
    pub service_end: NaiveTime,
    /// Pickup window length in minutes.
    pub pickup_window_minutes: i64,
    /// A cancellation later than this many minutes before the pickup window is late.
    pub cancel_notice_minutes: i64,
    /// The driver waits this many minutes at the pickup before a no-show.
    pub no_show_wait_minutes: i64,
    /// Longest ride as a multiple of the direct ride.
    pub max_ride_factor: f64,
    /// Longest ride in minutes, whatever the direct ride.
    pub max_ride_minutes: i64,
    /// Time at each stop for boarding or alighting, in seconds (a wheelchair takes double).
    pub stop_service_seconds: i64,
    /// Centre of the service area (latitude, longitude).
    pub area_centre: (f64, f64),
    /// Radius of the service area around its centre, km.
    pub area_radius_km: f64,
}

impl Default for BookingRules {
    fn default() -> Self {
        Self {
            min_days_ahead: 1,
            max_days_ahead: 14,
            service_start: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
            service_end: NaiveTime::from_hms_opt(18, 0, 0).unwrap_or_default(),
            pickup_window_minutes: 30,
            cancel_notice_minutes: 120,
            no_show_wait_minutes: 10,
            max_ride_factor: 2.0,
            max_ride_minutes: 90,
            stop_service_seconds: 120,
            // Astana: the city and its nearest suburbs.
            area_centre: (51.1280, 71.4300),
            area_radius_km: 30.0,
        }
    }
}

/// A trip can be booked for `date` when it falls inside the booking window.
pub fn check_booking_window(
    date: NaiveDate,
    today: NaiveDate,
    r: &BookingRules,
    trip: &str,
) -> Result<(), ApiError> {
    let first = today + Duration::days(r.min_days_ahead);
    let last = today + Duration::days(r.max_days_ahead);
    if date < first || date > last {
        return Err(ApiError::precondition(
            "BOOKING_WINDOW",
            format!("trips/{trip}"),
            format!("trips on {date} cannot be booked today; book from {first} to {last}"),
        ));
    }
    Ok(())
}

/// The first of a trip's points (named by field) outside the service area, with why: the
/// invataxi serves only within `area_radius_km` of the area's centre.
pub fn outside_area(points: &[(&str, (f64, f64))], r: &BookingRules) -> Option<String> {
    points.iter().find_map(|&(field, p)| {
        let km = haversine_m(p, r.area_centre) / 1000.0;
        (km > r.area_radius_km).then(|| {
            format!(
                "{field} is {km:.1} km from the centre of the service area; the invataxi serves {:.0} km around it",
                r.area_radius_km
            )
        })
    })
}

/// Whether a dispatcher may assign a trip in `state`, rejected for `reason`: a requested or
/// scheduled trip, or one a plan turned away for want of a vehicle (NO_CAPACITY), for which an
/// override may still find a place. Refused trips name their state.
pub fn check_assignable(trip: &str, state: S, reason: TripRejectionReason) -> Result<(), ApiError> {
    let ok = matches!(state, S::Requested | S::Scheduled)
        || (state == S::Rejected && reason == TripRejectionReason::NoCapacity);
    if ok {
        return Ok(());
    }
    Err(refused(
        trip,
        state,
        "only a requested or scheduled trip, or one rejected for want of a vehicle, can be assigned",
    ))
}

/// Whether a local time of day is within service hours.
pub fn within_service_hours(t: NaiveTime, r: &BookingRules) -> bool {
    t >= r.service_start && t <= r.service_end
}

/// Longest ride in seconds for a direct ride of `direct` seconds: the factor times the direct
/// ride, at least ten minutes more than it, at most the cap (and never below the direct ride).
pub fn max_ride_seconds(direct: f64, r: &BookingRules) -> f64 {
    (r.max_ride_factor * direct)
        .max(direct + 600.0)
        .min(r.max_ride_minutes as f64 * 60.0)
        .max(direct)
}

/// What a passenger asked for, in seconds since local midnight of the service date.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Requested {
    /// Be picked up at this time.
    Pickup(f64),
    /// Arrive by this time.
    Arrival(f64),
}

/// Pickup and drop-off windows, in seconds since local midnight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Windows {
    /// Earliest and latest pickup.
    pub pickup: (f64, f64),
    /// Earliest and latest drop-off.
    pub dropoff: (f64, f64),
}

/// The windows a trip is planned in: a pickup window from the requested pickup time, or for
/// an arrival time, a drop-off window ending at it and the pickup that makes it reachable.
pub fn windows(requested: Requested, direct: f64, max_ride: f64, r: &BookingRules) -> Windows {
    let w = r.pickup_window_minutes as f64 * 60.0;
    match requested {
        Requested::Pickup(t) => Windows {
            pickup: (t, t + w),
            dropoff: (t + direct, t + w + max_ride),
        },
        Requested::Arrival(a) => Windows {
            pickup: (a - w - max_ride, a - direct),
            dropoff: (a - w, a),
        },
    }
}

/// A change refused in the trip's `state`, with why.
fn refused(trip: &str, state: S, why: &str) -> ApiError {
    ApiError::precondition(
        "TRIP_STATE",
        format!("trips/{trip}"),
        format!("trip is {}; {why}", name(state)),
    )
}

fn name(s: S) -> &'static str {
    s.as_str_name().trim_start_matches("TRIP_STATE_")
}

/// What the driver may report after `current`: DRIVER_EN_ROUTE, ARRIVED, ON_BOARD, COMPLETED,
/// and NO_SHOW once arrived. Refused transitions name the state.
pub fn driver_step(trip: &str, current: S, next: S) -> Result<(), ApiError> {
    let ok = matches!(
        (current, next),
        (S::Scheduled, S::DriverEnRoute)
            | (S::DriverEnRoute, S::Arrived)
            | (S::Arrived, S::OnBoard)
            | (S::OnBoard, S::Completed)
            | (S::Arrived, S::NoShow)
    );
    if ok {
        return Ok(());
    }
    Err(refused(
        trip,
        current,
        &format!("{} is not allowed from it", name(next)),
    ))
}

/// A step reported at `when` may not come before the step it follows (at `before`).
pub fn check_in_order(
    field: &str,
    before: Option<DateTime<Utc>>,
    when: DateTime<Utc>,
) -> Result<(), ApiError> {
    match before {
        Some(b) if when < b => Err(ApiError::invalid(
            field,
            format!(
                "must not be before the previous step ({})",
                b.format("%H:%M:%S UTC")
            ),
        )),
        _ => Ok(()),
    }
}

/// A no-show is recorded only after the driver has waited the configured time from the later
/// of the arrival and the start of the pickup window.
pub fn check_no_show(
    trip: &str,
    arrived: DateTime<Utc>,
    window_start: DateTime<Utc>,
    now: DateTime<Utc>,
    r: &BookingRules,
) -> Result<(), ApiError> {
    let from = arrived.max(window_start);
    let allowed = from + Duration::minutes(r.no_show_wait_minutes);
    if now < allowed {
        return Err(ApiError::precondition(
            "NO_SHOW_WAIT",
            format!("trips/{trip}"),
            format!(
                "a no-show may be recorded from {} (after waiting {} minutes)",
                allowed.format("%H:%M UTC"),
                r.no_show_wait_minutes
            ),
        ));
    }
    Ok(())
}

/// What a cancellation at `now` makes of a trip in `current` whose pickup window starts at
/// `pickup_start`: CANCELLED, or LATE_CANCELLED inside the notice; refused once under way.
pub fn cancellation(
    trip: &str,
    current: S,
    now: DateTime<Utc>,
    pickup_start: DateTime<Utc>,
    r: &BookingRules,
) -> Result<S, ApiError> {
    if !matches!(current, S::Requested | S::Scheduled) {
        return Err(refused(
            trip,
            current,
            "only a requested or scheduled trip can be cancelled",
        ));
    }
    if now + Duration::minutes(r.cancel_notice_minutes) > pickup_start {
        Ok(S::LateCancelled)
    } else {
        Ok(S::Cancelled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn at(h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, h, min, 0).unwrap()
    }

    #[test]
    fn trips_are_booked_from_the_day_before_up_to_two_weeks_ahead() {
        let r = BookingRules::default();
        assert!(check_booking_window(d(12, 2), d(12, 1), &r, "t").is_ok());
        assert!(check_booking_window(d(12, 15), d(12, 1), &r, "t").is_ok());
        let same_day = check_booking_window(d(12, 1), d(12, 1), &r, "t").unwrap_err();
        assert!(
            same_day
                .to_string()
                .contains("book from 2026-12-02 to 2026-12-15"),
            "{same_day}"
        );
        assert!(check_booking_window(d(12, 16), d(12, 1), &r, "t").is_err());
    }

    #[test]
    fn a_point_outside_the_service_area_is_named_with_its_distance() {
        let r = BookingRules::default();
        let home = (51.1100, 71.4000);
        let centre = (51.1605, 71.4704);
        assert_eq!(
            outside_area(&[("pickup", home), ("dropoff", centre)], &r),
            None
        );
        // Karaganda, about 190 km south-east.
        let far = (49.8047, 73.1094);
        let why = outside_area(&[("pickup", home), ("dropoff", far)], &r).unwrap();
        assert!(why.starts_with("dropoff is 18"), "{why}");
        assert!(why.ends_with("serves 30 km around it"), "{why}");
        // Just inside and just outside the radius, due north of the centre.
        let north = |km: f64| (r.area_centre.0 + km / 111.2, r.area_centre.1);
        assert_eq!(outside_area(&[("pickup", north(29.8))], &r), None);
        assert!(outside_area(&[("pickup", north(30.2))], &r).is_some());
    }

    #[test]
    fn a_trip_turned_away_for_want_of_a_vehicle_can_still_be_assigned() {
        let no_reason = TripRejectionReason::Unspecified;
        assert!(check_assignable("t", S::Requested, no_reason).is_ok());
        assert!(check_assignable("t", S::Scheduled, no_reason).is_ok());
        assert!(check_assignable("t", S::Rejected, TripRejectionReason::NoCapacity).is_ok());
        for reason in [
            TripRejectionReason::NotEligible,
            TripRejectionReason::OutsideServiceHours,
            TripRejectionReason::OutsideServiceArea,
        ] {
            let err = check_assignable("t", S::Rejected, reason).unwrap_err();
            assert!(err.to_string().contains("trip is REJECTED"), "{err}");
        }
        for state in [S::OnBoard, S::Completed, S::Cancelled, S::NoShow] {
            assert!(
                check_assignable("t", state, no_reason).is_err(),
                "{state:?}"
            );
        }
    }

    #[test]
    fn service_hours_are_nine_to_six() {
        let r = BookingRules::default();
        assert!(within_service_hours(
            NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            &r
        ));
        assert!(!within_service_hours(
            NaiveTime::from_hms_opt(8, 59, 0).unwrap(),
            &r
        ));
        assert!(!within_service_hours(
            NaiveTime::from_hms_opt(18, 1, 0).unwrap(),
            &r
        ));
    }

    #[test]
    fn the_longest_ride_is_twice_the_direct_one_within_bounds() {
        let r = BookingRules::default();
        // 20 min direct: 40 min.
        assert_eq!(max_ride_seconds(1200.0, &r), 2400.0);
        // 3 min direct: 3 + 10 = 13 min.
        assert_eq!(max_ride_seconds(180.0, &r), 780.0);
        // 60 min direct: 120 capped at 90.
        assert_eq!(max_ride_seconds(3600.0, &r), 5400.0);
    }

    #[test]
    fn windows_follow_a_requested_pickup_or_arrival() {
        let r = BookingRules::default();
        let w = windows(Requested::Pickup(36_000.0), 600.0, 1_200.0, &r);
        assert_eq!(w.pickup, (36_000.0, 37_800.0));
        assert_eq!(w.dropoff, (36_600.0, 39_000.0));
        let w = windows(Requested::Arrival(36_000.0), 600.0, 1_200.0, &r);
        assert_eq!(w.dropoff, (34_200.0, 36_000.0));
        assert_eq!(w.pickup, (33_000.0, 35_400.0));
    }

    #[test]
    fn the_driver_reports_each_step_in_order() {
        assert!(driver_step("t", S::Scheduled, S::DriverEnRoute).is_ok());
        assert!(driver_step("t", S::Arrived, S::NoShow).is_ok());
        let err = driver_step("t", S::Scheduled, S::Completed).unwrap_err();
        assert!(
            err.to_string().contains("trip is SCHEDULED; COMPLETED"),
            "{err}"
        );
        assert!(driver_step("t", S::Completed, S::OnBoard).is_err());
    }

    #[test]
    fn a_no_show_waits_the_configured_minutes() {
        let r = BookingRules::default();
        assert!(check_no_show("t", at(9, 0), at(9, 5), at(9, 14), &r).is_err());
        assert!(check_no_show("t", at(9, 0), at(9, 5), at(9, 15), &r).is_ok());
    }

    #[test]
    fn a_cancellation_inside_the_notice_is_late() {
        let r = BookingRules::default();
        assert_eq!(
            cancellation("t", S::Scheduled, at(6, 0), at(9, 0), &r).unwrap(),
            S::Cancelled
        );
        assert_eq!(
            cancellation("t", S::Requested, at(7, 30), at(9, 0), &r).unwrap(),
            S::LateCancelled
        );
        assert!(cancellation("t", S::OnBoard, at(6, 0), at(9, 0), &r).is_err());
    }
}
