//! Scheduled buses to a centre: a route's stops and timetable, the days it runs, and the
//! places a rider takes (a seat each for the rider and escorts; a wheelchair place instead of
//! the rider's seat), checked for every day of a subscription.

use chrono::{Datelike, Duration, NaiveDate};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::common::DayOfWeek;
use onaltu_proto::registry::EpisodeState;
use onaltu_proto::transport as pb;
use uuid::Uuid;

/// A course without an end date in the registry lasts this many days.
pub const DEFAULT_COURSE_DAYS: i64 = 21;
/// Longest subscription.
pub const MAX_SUBSCRIPTION_DAYS: i64 = 366;

/// What a bus subscription needs of the registry's episode it follows.
#[derive(Debug, Clone, PartialEq)]
pub struct EpisodeDates {
    /// The centre.
    pub center_id: Uuid,
    /// The person.
    pub person_id: Uuid,
    /// Admitted on, or the arrival the place was offered for.
    pub start: Option<NaiveDate>,
    /// Ended on.
    pub end: Option<NaiveDate>,
}

/// A subscription as asked, before the route and the episode are known.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Asked {
    /// The rider.
    pub person: Uuid,
    /// The stop the rider boards at.
    pub boarding_stop: i32,
    /// First day, if named.
    pub start: Option<NaiveDate>,
    /// Last day, if named.
    pub end: Option<NaiveDate>,
}

/// The days a subscription runs, checked against its route (centre and number of stops) and
/// the episode it follows: named dates first, then the course's, a course without an end
/// lasting `DEFAULT_COURSE_DAYS`; at most a year.
pub fn subscription_span(
    a: &Asked,
    course: Option<&EpisodeDates>,
    route_center: Uuid,
    stops: usize,
) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let mut v = Violations::new();
    v.check(
        (0..stops as i32).contains(&a.boarding_stop),
        "subscription.boarding_stop_sequence",
        format!("a stop of the route, 0 to {}", stops.saturating_sub(1)),
    );
    if let Some(c) = course {
        v.check(
            c.person_id == a.person,
            "subscription.episode_id",
            "is an episode of another person",
        );
        v.check(
            c.center_id == route_center,
            "subscription.episode_id",
            "is at another centre than the route's",
        );
    }
    let start = a.start.or(course.and_then(|c| c.start));
    let end = a
        .end
        .or(course.and_then(|c| c.end))
        .or(start.map(|s| s + Duration::days(DEFAULT_COURSE_DAYS - 1)));
    v.check(
        start.is_some(),
        "subscription.start_date",
        "is required: the episode has no admission yet",
    );
    if let (Some(a), Some(b)) = (start, end) {
        v.check(
            b >= a,
            "subscription.end_date",
            "must not be before the start",
        );
        v.check(
            (b - a).num_days() < MAX_SUBSCRIPTION_DAYS,
            "subscription.end_date",
            "a subscription lasts at most a year",
        );
    }
    let fallback = NaiveDate::default();
    v.finish((start.unwrap_or(fallback), end.unwrap_or(fallback)))
}

/// The registry's episode states in which a person travels to their centre: offered a place (its
/// arrival possibly postponed), admitted, away on leave or back from it. A queued person has no
/// course yet; a suspended or ended episode has none any more.
pub const LIVE_EPISODE_STATES: [EpisodeState; 5] = [
    EpisodeState::Offered,
    EpisodeState::Postponed,
    EpisodeState::Admitted,
    EpisodeState::TemporaryLeave,
    EpisodeState::Returned,
];

/// An episode as the registry answered it: its person, centre and state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpisodeFact {
    /// The person.
    pub person: Uuid,
    /// The centre.
    pub center: Uuid,
    /// The state (the registry's `EpisodeState`).
    pub state: i32,
}

/// Whether `episodes` show `person` with a live episode at `center`: a rider to a centre's
/// route goes there for a course.
pub fn has_live_episode(episodes: &[EpisodeFact], person: Uuid, center: Uuid) -> bool {
    episodes.iter().any(|e| {
        e.person == person
            && e.center == center
            && LIVE_EPISODE_STATES.iter().any(|s| *s as i32 == e.state)
    })
}

/// A rider of a route over some days.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rider {
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
    /// Travels in a wheelchair.
    pub wheelchair: bool,
    /// Escorts.
    pub escorts: i32,
}

/// The places `riders` take together: (seats, wheelchair places).
pub fn load<'a>(riders: impl IntoIterator<Item = &'a Rider>) -> (i32, i32) {
    riders.into_iter().fold((0, 0), |(seats, chairs), r| {
        let (a, b) = places(r.wheelchair, r.escorts);
        (seats + a, chairs + b)
    })
}

/// Each day from `start` to `end` the route runs (by `timetable`), with the places `riders`
/// take on it.
pub fn days_taken(
    timetable: &pb::Timetable,
    (start, end): (NaiveDate, NaiveDate),
    riders: &[Rider],
) -> Vec<(NaiveDate, (i32, i32))> {
    let mut days = Vec::new();
    let mut d = start;
    while d <= end {
        if runs_on(timetable, d) {
            let aboard = riders.iter().filter(|r| r.start <= d && r.end >= d);
            days.push((d, load(aboard)));
        }
        d += Duration::days(1);
    }
    days
}

/// The boardings of a rider from `start` to `end` on a route with `timetable`: a boarding a day
/// the route runs.
pub fn boardings(timetable: &pb::Timetable, start: NaiveDate, end: NaiveDate) -> i64 {
    let mut n = 0;
    let mut d = start;
    while d <= end {
        if runs_on(timetable, d) {
            n += 1;
        }
        d += Duration::days(1);
    }
    n
}

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
    fn a_rider_needs_a_live_episode_at_the_routes_centre() {
        let (person, other, centre, elsewhere) = (
            Uuid::from_u128(1),
            Uuid::from_u128(2),
            Uuid::from_u128(3),
            Uuid::from_u128(4),
        );
        let e = |person, center, state: EpisodeState| EpisodeFact {
            person,
            center,
            state: state as i32,
        };
        for live in LIVE_EPISODE_STATES {
            assert!(has_live_episode(&[e(person, centre, live)], person, centre));
        }
        for gone in [
            EpisodeState::Queued,
            EpisodeState::Suspended,
            EpisodeState::Discharged,
            EpisodeState::Transferred,
            EpisodeState::Expelled,
            EpisodeState::Terminated,
            EpisodeState::NoShow,
        ] {
            assert!(!has_live_episode(
                &[e(person, centre, gone)],
                person,
                centre
            ));
        }
        let admitted = EpisodeState::Admitted;
        assert!(!has_live_episode(
            &[e(other, centre, admitted)],
            person,
            centre
        ));
        assert!(!has_live_episode(
            &[e(person, elsewhere, admitted)],
            person,
            centre
        ));
        assert!(!has_live_episode(&[], person, centre));
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

    fn every_day() -> pb::Timetable {
        pb::Timetable {
            days: (1..=7).collect(),
            valid: None,
            runs: vec![],
        }
    }

    #[test]
    fn a_subscription_runs_on_the_named_dates_or_the_courses() {
        let (me, centre) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let asked = Asked {
            person: me,
            boarding_stop: 0,
            start: Some(d(12, 1)),
            end: None,
        };
        assert_eq!(
            subscription_span(&asked, None, centre, 2).unwrap(),
            (d(12, 1), d(12, 21)),
            "three weeks without an end"
        );
        let course = EpisodeDates {
            center_id: centre,
            person_id: me,
            start: Some(d(12, 3)),
            end: Some(d(12, 10)),
        };
        let from_course = Asked {
            start: None,
            ..asked
        };
        assert_eq!(
            subscription_span(&from_course, Some(&course), centre, 2).unwrap(),
            (d(12, 3), d(12, 10))
        );
    }

    #[test]
    fn a_subscription_names_every_problem_at_once() {
        let (me, centre) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let course = EpisodeDates {
            center_id: Uuid::from_u128(9),
            person_id: Uuid::from_u128(8),
            start: None,
            end: None,
        };
        let asked = Asked {
            person: me,
            boarding_stop: 5,
            start: None,
            end: None,
        };
        let err = subscription_span(&asked, Some(&course), centre, 2).unwrap_err();
        let text = err.to_string();
        for f in [
            "boarding_stop_sequence",
            "another person",
            "another centre",
            "no admission",
        ] {
            assert!(text.contains(f), "{f} missing from {text}");
        }
        let within_a_year = Asked {
            boarding_stop: 0,
            start: Some(d(1, 1)),
            end: Some(d(12, 31)),
            ..asked
        };
        assert!(subscription_span(&within_a_year, None, centre, 2).is_ok());
        let backwards = Asked {
            end: Some(d(1, 1)),
            start: Some(d(1, 2)),
            ..within_a_year
        };
        assert!(subscription_span(&backwards, None, centre, 2).is_err());
    }

    #[test]
    fn the_places_taken_are_counted_on_each_day_the_route_runs() {
        let riders = [
            Rider {
                start: d(12, 1),
                end: d(12, 2),
                wheelchair: true,
                escorts: 1,
            },
            Rider {
                start: d(12, 2),
                end: d(12, 3),
                wheelchair: false,
                escorts: 0,
            },
        ];
        assert_eq!(load(&riders), (2, 1));
        assert_eq!(
            days_taken(&every_day(), (d(12, 1), d(12, 3)), &riders),
            vec![(d(12, 1), (1, 1)), (d(12, 2), (2, 1)), (d(12, 3), (1, 0))]
        );
        assert_eq!(boardings(&every_day(), d(12, 1), d(12, 3)), 3);
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
