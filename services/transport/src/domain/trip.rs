//! The rules of an invataxi trip: when it may be booked, the windows it is planned in, what
//! the driver may report next, and what a cancellation becomes.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use onaltu_errors::ApiError;
use onaltu_proto::transport::{TripRejectionReason, TripState as S};

use super::travel::{TravelModel, haversine_m};

/// Trips a plan may place: requested or already scheduled.
pub const PLANNABLE: [S; 2] = [S::Requested, S::Scheduled];
/// Trips a vehicle has started on.
pub const UNDER_WAY: [S; 3] = [S::DriverEnRoute, S::Arrived, S::OnBoard];
/// Trips on a vehicle's route: scheduled or under way.
pub const ON_ROUTE: [S; 4] = [S::Scheduled, S::DriverEnRoute, S::Arrived, S::OnBoard];

/// Whether a trip in `state` is under way (the driver on the way, arrived, or the passenger
/// aboard).
pub fn is_under_way(state: S) -> bool {
    UNDER_WAY.contains(&state)
}

/// The state a trip takes when a plan places it on a route: one under way keeps its state, the
/// others are scheduled.
pub fn placed_state(state: S) -> S {
    if PLANNABLE.contains(&state) {
        S::Scheduled
    } else {
        state
    }
}

/// What the registry says of a person's right to the invataxi on a date.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Eligibility {
    /// Eligible.
    pub eligible: bool,
    /// The reasons, as the registry names them.
    pub reasons: Vec<String>,
    /// Uses a wheelchair.
    pub wheelchair_user: bool,
}

/// A trip as booked, in the terms its screening needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Booking {
    /// Pickup (latitude, longitude).
    pub pickup: (f64, f64),
    /// Drop-off (latitude, longitude).
    pub dropoff: (f64, f64),
    /// The requested pickup or arrival, in seconds of the service day.
    pub requested: Requested,
    /// The local time of day of the requested pickup or arrival.
    pub clock: NaiveTime,
    /// The booking says the passenger travels in a wheelchair.
    pub wheelchair: bool,
}

/// Why a trip is turned away, as the passenger reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// The contract's reason.
    pub reason: TripRejectionReason,
    /// What the passenger is told.
    pub note: String,
}

/// A screened booking: its direct ride, the windows it is planned in, whether it needs a
/// wheelchair place, and whether it is taken or why not.
#[derive(Debug, Clone, PartialEq)]
pub struct Screened {
    /// The direct ride, seconds.
    pub direct_seconds: f64,
    /// Pickup and drop-off windows, seconds of the service day.
    pub windows: Windows,
    /// Travels in a wheelchair (booked so, or so the registry knows the person).
    pub wheelchair: bool,
    /// Taken, or the first reason to turn it away.
    pub verdict: Result<(), Rejection>,
}

/// Screens a booking the registry answered `eligibility` for: turned away when the person is
/// not eligible, else when a point is outside the service area, else when the requested time
/// is outside service hours (the first that applies); the windows are planned either way.
pub fn screen(
    b: &Booking,
    eligibility: &Eligibility,
    rules: &BookingRules,
    travel: &TravelModel,
) -> Screened {
    let direct = travel.seconds(b.pickup, b.dropoff);
    let max_ride = max_ride_seconds(direct, rules);
    Screened {
        direct_seconds: direct,
        windows: windows(b.requested, direct, max_ride, rules),
        wheelchair: b.wheelchair || eligibility.wheelchair_user,
        verdict: verdict(b, eligibility, rules),
    }
}

fn verdict(b: &Booking, eligibility: &Eligibility, rules: &BookingRules) -> Result<(), Rejection> {
    if !eligibility.eligible {
        return Err(Rejection {
            reason: TripRejectionReason::NotEligible,
            note: format!(
                "not eligible for the invataxi: {}",
                eligibility.reasons.join(", ")
            ),
        });
    }
    let points = [("trip.pickup", b.pickup), ("trip.dropoff", b.dropoff)];
    if let Some(note) = outside_area(&points, rules) {
        return Err(Rejection {
            reason: TripRejectionReason::OutsideServiceArea,
            note,
        });
    }
    if !within_service_hours(b.clock, rules) {
        return Err(Rejection {
            reason: TripRejectionReason::OutsideServiceHours,
            note: format!(
                "the invataxi runs from {} to {}",
                rules.service_start.format("%H:%M"),
                rules.service_end.format("%H:%M")
            ),
        });
    }
    Ok(())
}

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

/// The steps a driver reports.
pub const REPORTABLE: [S; 5] = [
    S::DriverEnRoute,
    S::Arrived,
    S::OnBoard,
    S::Completed,
    S::NoShow,
];

/// Where a trip's ride stands: its state and the times of the steps reported so far.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// The trip's state.
    pub state: S,
    /// Start of its pickup window.
    pub window_start: DateTime<Utc>,
    /// The driver arrived at the pickup.
    pub arrived: Option<DateTime<Utc>>,
    /// The passenger boarded.
    pub picked_up: Option<DateTime<Utc>>,
    /// The passenger alighted.
    pub dropped_off: Option<DateTime<Utc>>,
}

/// The progress a driver's report of `next` at `when` (received at `now`) makes: each step in
/// its order and not before the step it follows, a no-show only after the wait.
pub fn report(
    trip: &str,
    before: Progress,
    next: S,
    when: DateTime<Utc>,
    now: DateTime<Utc>,
    r: &BookingRules,
) -> Result<Progress, ApiError> {
    driver_step(trip, before.state, next)?;
    let mut after = Progress {
        state: next,
        ..before
    };
    match next {
        S::Arrived => after.arrived = Some(when),
        S::OnBoard => {
            check_in_order("event_time", before.arrived, when)?;
            after.picked_up = Some(when);
        }
        S::Completed => {
            check_in_order("event_time", before.picked_up, when)?;
            after.dropped_off = Some(when);
        }
        S::NoShow => {
            // The wait is counted on the server's clock: a report cannot be backdated.
            let arrived = before.arrived.unwrap_or(now);
            check_no_show(trip, arrived, before.window_start, now, r)?;
        }
        _ => {}
    }
    Ok(after)
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

    fn booking() -> Booking {
        Booking {
            pickup: (51.1100, 71.4000),
            dropoff: (51.1605, 71.4704),
            requested: Requested::Pickup(36_000.0),
            clock: NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
            wheelchair: false,
        }
    }

    fn eligible() -> Eligibility {
        Eligibility {
            eligible: true,
            reasons: Vec::new(),
            wheelchair_user: false,
        }
    }

    fn not_eligible() -> Eligibility {
        Eligibility {
            eligible: false,
            reasons: vec!["NO_DISABILITY_GROUP".into(), "EXPIRED".into()],
            wheelchair_user: false,
        }
    }

    fn rejection(s: &Screened) -> TripRejectionReason {
        s.verdict.as_ref().unwrap_err().reason
    }

    /// Karaganda: far outside the service area.
    const FAR: (f64, f64) = (49.8047, 73.1094);

    #[test]
    fn an_eligible_booking_inside_the_area_and_hours_is_taken_with_its_windows() {
        let r = BookingRules::default();
        let travel = TravelModel::default();
        let s = screen(&booking(), &eligible(), &r, &travel);
        assert_eq!(s.verdict, Ok(()));
        let direct = travel.seconds(booking().pickup, booking().dropoff);
        assert_eq!(s.direct_seconds, direct);
        let max_ride = max_ride_seconds(direct, &r);
        assert_eq!(
            s.windows,
            windows(Requested::Pickup(36_000.0), direct, max_ride, &r)
        );
        assert_eq!(s.windows.pickup, (36_000.0, 37_800.0));
        assert!(!s.wheelchair);
    }

    #[test]
    fn a_person_the_registry_does_not_find_eligible_is_turned_away_with_its_reasons() {
        let r = BookingRules::default();
        let s = screen(&booking(), &not_eligible(), &r, &TravelModel::default());
        let why = s.verdict.unwrap_err();
        assert_eq!(why.reason, TripRejectionReason::NotEligible);
        assert_eq!(
            why.note,
            "not eligible for the invataxi: NO_DISABILITY_GROUP, EXPIRED"
        );
    }

    #[test]
    fn a_point_outside_the_area_turns_the_booking_away_naming_the_point() {
        let r = BookingRules::default();
        let b = Booking {
            dropoff: FAR,
            ..booking()
        };
        let s = screen(&b, &eligible(), &r, &TravelModel::default());
        let why = s.verdict.unwrap_err();
        assert_eq!(why.reason, TripRejectionReason::OutsideServiceArea);
        assert!(why.note.starts_with("trip.dropoff is 18"), "{}", why.note);
    }

    #[test]
    fn a_time_outside_service_hours_turns_the_booking_away_naming_the_hours() {
        let r = BookingRules::default();
        let b = Booking {
            requested: Requested::Pickup(19.0 * 3600.0),
            clock: NaiveTime::from_hms_opt(19, 0, 0).unwrap(),
            ..booking()
        };
        let s = screen(&b, &eligible(), &r, &TravelModel::default());
        let why = s.verdict.unwrap_err();
        assert_eq!(why.reason, TripRejectionReason::OutsideServiceHours);
        assert_eq!(why.note, "the invataxi runs from 09:00 to 18:00");
    }

    #[test]
    fn when_several_reasons_apply_eligibility_comes_first_then_the_area_then_the_hours() {
        let r = BookingRules::default();
        let travel = TravelModel::default();
        let everything_wrong = Booking {
            dropoff: FAR,
            clock: NaiveTime::from_hms_opt(19, 0, 0).unwrap(),
            ..booking()
        };
        let s = screen(&everything_wrong, &not_eligible(), &r, &travel);
        assert_eq!(rejection(&s), TripRejectionReason::NotEligible);
        let s = screen(&everything_wrong, &eligible(), &r, &travel);
        assert_eq!(rejection(&s), TripRejectionReason::OutsideServiceArea);
        // A rejected booking is still planned in its windows.
        assert_eq!(s.windows.pickup.1 - s.windows.pickup.0, 1_800.0);
    }

    #[test]
    fn a_wheelchair_user_known_to_the_registry_needs_a_wheelchair_place() {
        let r = BookingRules::default();
        let user = Eligibility {
            wheelchair_user: true,
            ..eligible()
        };
        assert!(screen(&booking(), &user, &r, &TravelModel::default()).wheelchair);
        let booked = Booking {
            wheelchair: true,
            ..booking()
        };
        assert!(screen(&booked, &eligible(), &r, &TravelModel::default()).wheelchair);
    }

    fn progress(state: S) -> Progress {
        Progress {
            state,
            window_start: at(9, 5),
            arrived: None,
            picked_up: None,
            dropped_off: None,
        }
    }

    #[test]
    fn a_report_records_the_time_of_its_step() {
        let r = BookingRules::default();
        let p = report(
            "t",
            progress(S::DriverEnRoute),
            S::Arrived,
            at(9, 0),
            at(9, 1),
            &r,
        )
        .unwrap();
        assert_eq!((p.state, p.arrived), (S::Arrived, Some(at(9, 0))));
        let p = report("t", p, S::OnBoard, at(9, 10), at(9, 11), &r).unwrap();
        assert_eq!((p.state, p.picked_up), (S::OnBoard, Some(at(9, 10))));
        let p = report("t", p, S::Completed, at(9, 40), at(9, 41), &r).unwrap();
        assert_eq!((p.state, p.dropped_off), (S::Completed, Some(at(9, 40))));
    }

    #[test]
    fn a_report_out_of_order_or_before_the_previous_step_is_refused() {
        let r = BookingRules::default();
        let err = report(
            "t",
            progress(S::Scheduled),
            S::Completed,
            at(9, 0),
            at(9, 0),
            &r,
        )
        .unwrap_err();
        assert!(err.to_string().contains("trip is SCHEDULED"), "{err}");
        let arrived = Progress {
            arrived: Some(at(9, 10)),
            ..progress(S::Arrived)
        };
        let err = report("t", arrived, S::OnBoard, at(9, 0), at(9, 20), &r).unwrap_err();
        assert!(
            err.to_string().contains("before the previous step"),
            "{err}"
        );
    }

    #[test]
    fn a_no_show_is_reported_after_the_wait_on_the_server_clock() {
        let r = BookingRules::default();
        let arrived = Progress {
            arrived: Some(at(9, 0)),
            ..progress(S::Arrived)
        };
        // Backdating the report does not shorten the wait.
        assert!(report("t", arrived, S::NoShow, at(9, 30), at(9, 14), &r).is_err());
        let p = report("t", arrived, S::NoShow, at(9, 15), at(9, 15), &r).unwrap();
        assert_eq!(p.state, S::NoShow);
    }

    #[test]
    fn a_placed_trip_is_scheduled_unless_it_is_under_way() {
        assert_eq!(placed_state(S::Requested), S::Scheduled);
        assert_eq!(placed_state(S::Scheduled), S::Scheduled);
        for s in UNDER_WAY {
            assert_eq!(placed_state(s), s);
            assert!(is_under_way(s));
        }
        assert!(!is_under_way(S::Scheduled));
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
