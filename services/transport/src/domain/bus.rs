//! Scheduled buses to a centre: a route's stops and timetable, the days it runs, and the
//! places a rider takes (a seat each for the rider and escorts; a wheelchair place instead of
//! the rider's seat), checked for every day of a subscription.

use chrono::{Datelike, NaiveDate};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::common::DayOfWeek;
use onaltu_proto::transport as pb;

/// Checks a bus route: code, centre, at least two stops in order with places, a timetable with
/// days, valid dates and runs that give a time for each stop in order, and capacity.
pub fn check_route(r: &pb::BusRoute, v: &mut Violations) {
    let code = r.code.trim();
    v.check(
        !code.is_empty() && code.chars().count() <= 20,
        "bus_route.code",
        "is required, at most 20 characters",
    );
    v.check(
        r.stops.len() >= 2,
        "bus_route.stops",
        "a route has at least two stops",
    );
    for (i, s) in r.stops.iter().enumerate() {
        v.check(
            s.sequence == i as i32,
            format!("bus_route.stops[{i}].sequence"),
            format!("must be {i} (stops numbered 0, 1, ... in order)"),
        );
        v.check(
            super::fleet::point_ok(s.location.as_ref()),
            format!("bus_route.stops[{i}].location"),
            "is required",
        );
    }
    let t = r.timetable.clone().unwrap_or_default();
    v.check(
        !t.days.is_empty(),
        "bus_route.timetable.days",
        "name the days it runs",
    );
    for (i, d) in t.days.iter().enumerate() {
        v.check(
            DayOfWeek::try_from(*d).is_ok_and(|d| d != DayOfWeek::Unspecified),
            format!("bus_route.timetable.days[{i}]"),
            "unknown day",
        );
    }
    v.check(
        !t.runs.is_empty(),
        "bus_route.timetable.runs",
        "at least one run",
    );
    for (i, run) in t.runs.iter().enumerate() {
        v.check(
            run.stop_times.len() == r.stops.len(),
            format!("bus_route.timetable.runs[{i}].stop_times"),
            "one time for each stop",
        );
        let minutes: Vec<i64> = run
            .stop_times
            .iter()
            .map(|t| i64::from(t.hours) * 60 + i64::from(t.minutes))
            .collect();
        v.check(
            run.stop_times
                .iter()
                .all(|t| (0..24).contains(&t.hours) && (0..60).contains(&t.minutes)),
            format!("bus_route.timetable.runs[{i}].stop_times"),
            "hours 0-23 and minutes 0-59",
        );
        v.check(
            minutes.windows(2).all(|w| w[0] < w[1]),
            format!("bus_route.timetable.runs[{i}].stop_times"),
            "times increase along the route",
        );
    }
    v.check(
        r.seat_capacity >= 1,
        "bus_route.seat_capacity",
        "must be at least 1",
    );
    v.check(
        r.wheelchair_capacity >= 0,
        "bus_route.wheelchair_capacity",
        "must not be negative",
    );
}

/// Whether a route with `timetable` runs on `date`.
pub fn runs_on(timetable: &pb::Timetable, date: NaiveDate) -> bool {
    let valid = timetable.valid.unwrap_or_default();
    let from = valid.start_date.as_ref().and_then(onaltu_api::to_date);
    let until = valid.end_date.as_ref().and_then(onaltu_api::to_date);
    if from.is_some_and(|f| date < f) || until.is_some_and(|u| date > u) {
        return false;
    }
    let day = date.weekday().number_from_monday() as i32;
    timetable.days.contains(&day)
}

/// Places one rider takes: (seats, wheelchair places).
pub fn places(wheelchair: bool, escorts: i32) -> (i32, i32) {
    (escorts + i32::from(!wheelchair), i32::from(wheelchair))
}

/// The first day in `days` on which `taken` (per day) plus `want` exceeds the capacity.
pub fn check_capacity(
    route: &str,
    days: &[(NaiveDate, (i32, i32))],
    want: (i32, i32),
    capacity: (i32, i32),
) -> Result<(), ApiError> {
    for (day, taken) in days {
        let seats = taken.0 + want.0;
        let wheelchairs = taken.1 + want.1;
        if seats > capacity.0 || wheelchairs > capacity.1 {
            let what = if wheelchairs > capacity.1 {
                "wheelchair places"
            } else {
                "seats"
            };
            return Err(ApiError::precondition(
                "BUS_CAPACITY",
                format!("bus_routes/{route}"),
                format!("the bus is full on {day}: no {what} left"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use onaltu_proto::common::{Date, DateRange};

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    #[test]
    fn a_route_runs_on_its_days_between_its_dates() {
        let t = pb::Timetable {
            days: vec![DayOfWeek::Monday as i32, DayOfWeek::Wednesday as i32],
            valid: Some(DateRange {
                start_date: Some(Date {
                    year: 2026,
                    month: 12,
                    day: 1,
                }),
                end_date: Some(Date {
                    year: 2026,
                    month: 12,
                    day: 31,
                }),
            }),
            runs: vec![],
        };
        assert!(runs_on(&t, d(12, 7)), "a Monday");
        assert!(!runs_on(&t, d(12, 8)), "a Tuesday");
        assert!(!runs_on(&t, d(11, 30)), "before its dates");
    }

    #[test]
    fn a_wheelchair_takes_a_place_not_a_seat_and_escorts_take_seats() {
        assert_eq!(places(true, 1), (1, 1));
        assert_eq!(places(false, 2), (3, 0));
        let days = [(d(12, 7), (9, 1)), (d(12, 9), (8, 2))];
        assert!(check_capacity("r", &days, (1, 0), (10, 2)).is_ok());
        let err = check_capacity("r", &days, (1, 1), (10, 2)).unwrap_err();
        assert!(
            err.to_string().contains("2026-12-09: no wheelchair places"),
            "{err}"
        );
    }
}
