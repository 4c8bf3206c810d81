//! The planning calls' requests as typed inputs, every field violation reported at once.

use chrono::NaiveDate;
use onaltu_api::{parse_id, parse_opt_date, parse_opt_id};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::transport as pb;
use uuid::Uuid;

use crate::domain::plan::Tuning;

/// Longest solve of one PlanDay.
const MAX_SOLVE_SECONDS: i32 = 25;
/// Longest reason of an override.
const MAX_REASON: usize = 500;

/// A PlanDay, decoded.
#[derive(Debug, Clone)]
pub struct PlanDay {
    /// The caller's key for retries.
    pub request_id: Uuid,
    /// The day to plan.
    pub day: NaiveDate,
    /// What the plan tunes of the booking rules.
    pub tuning: Tuning,
    /// Seconds to search, when not the configured time.
    pub time_limit: Option<u64>,
    /// Keep the trips a dispatcher placed by hand on their vehicles.
    pub keep_manual: bool,
    /// Plan without writing anything.
    pub validate_only: bool,
}

/// Decodes a PlanDay.
pub fn plan_day(r: pb::PlanDayRequest) -> Result<PlanDay, ApiError> {
    let mut v = Violations::new();
    let request_id = v.take(parse_id("request_id", &r.request_id));
    let day = parse_opt_date("service_date", r.service_date.as_ref(), &mut v);
    v.check(r.service_date.is_some(), "service_date", "is required");
    let o = r.options.unwrap_or_default();
    v.check(
        (0..=MAX_SOLVE_SECONDS).contains(&o.time_limit_seconds),
        "options.time_limit_seconds",
        format!("must be 0-{MAX_SOLVE_SECONDS}"),
    );
    v.check(
        o.max_ride_time_factor == 0.0 || o.max_ride_time_factor >= 1.0,
        "options.max_ride_time_factor",
        "must be >= 1",
    );
    v.check(
        (0..=300).contains(&o.max_ride_minutes),
        "options.max_ride_minutes",
        "must be 0-300",
    );
    v.check(
        (0..=1800).contains(&o.stop_service_seconds),
        "options.stop_service_seconds",
        "must be 0-1800",
    );
    v.check(
        o.pickup_window_minutes == 0 || (5..=180).contains(&o.pickup_window_minutes),
        "options.pickup_window_minutes",
        "must be 5-180",
    );
    v.finish(PlanDay {
        request_id,
        day: day.unwrap_or_default(),
        tuning: Tuning {
            max_ride_factor: o.max_ride_time_factor,
            max_ride_minutes: o.max_ride_minutes,
            stop_service_seconds: o.stop_service_seconds,
            pickup_window_minutes: o.pickup_window_minutes,
        },
        time_limit: u64::try_from(o.time_limit_seconds).ok().filter(|&s| s > 0),
        keep_manual: o.keep_manual_assignments,
        validate_only: o.validate_only,
    })
}

/// A GetRoute, decoded.
#[derive(Debug, Clone, Copy)]
pub struct RouteQuery {
    /// The vehicle.
    pub vehicle: Uuid,
    /// The day, today unless named.
    pub day: NaiveDate,
}

/// Decodes a GetRoute; a day not named is `today`.
pub fn route_query(r: &pb::GetRouteRequest, today: NaiveDate) -> Result<RouteQuery, ApiError> {
    let mut v = Violations::new();
    let vehicle = v.take(parse_id("vehicle_id", &r.vehicle_id));
    let day = parse_opt_date("service_date", r.service_date.as_ref(), &mut v).unwrap_or(today);
    v.finish(RouteQuery { vehicle, day })
}

/// An AssignTrip, decoded.
#[derive(Debug, Clone, Copy)]
pub struct Assignment {
    /// The trip.
    pub trip: Uuid,
    /// The vehicle to place it on; none takes it off its vehicle.
    pub vehicle: Option<Uuid>,
}

/// Decodes an AssignTrip.
pub fn assignment(r: &pb::AssignTripRequest) -> Result<Assignment, ApiError> {
    let mut v = Violations::new();
    let trip = v.take(parse_id("trip_id", &r.trip_id));
    let vehicle = parse_opt_id("vehicle_id", &r.vehicle_id, &mut v);
    v.check(
        r.reason.chars().count() <= MAX_REASON,
        "reason",
        format!("at most {MAX_REASON} characters"),
    );
    v.finish(Assignment { trip, vehicle })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(err: ApiError) -> Vec<String> {
        let paths = err.field_paths().expect("INVALID_ARGUMENT");
        paths.into_iter().map(String::from).collect()
    }

    #[test]
    fn a_plan_names_its_day_and_keeps_its_options_in_bounds() {
        let r = pb::PlanDayRequest {
            request_id: Uuid::now_v7().to_string(),
            service_date: None,
            options: Some(pb::PlanOptions {
                time_limit_seconds: 60,
                max_ride_time_factor: 0.5,
                pickup_window_minutes: 2,
                ..Default::default()
            }),
        };
        assert_eq!(
            fields(plan_day(r).unwrap_err()),
            [
                "service_date",
                "options.time_limit_seconds",
                "options.max_ride_time_factor",
                "options.pickup_window_minutes",
            ]
        );
    }

    #[test]
    fn a_plan_without_a_time_limit_takes_the_configured_one() {
        let r = pb::PlanDayRequest {
            request_id: Uuid::now_v7().to_string(),
            service_date: Some(onaltu_api::date(onaltu_api::today())),
            options: None,
        };
        let p = plan_day(r).unwrap();
        assert_eq!(p.time_limit, None);
        assert_eq!(p.tuning, Tuning::default());
    }
}
