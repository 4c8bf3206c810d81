//! Calendar dates (күн / дата) between chrono and the contract's `Date`.

use chrono::{Datelike, Months, NaiveDate};
use onaltu_proto::common::Date;

/// A calendar date as the contract's `Date`.
pub fn to_proto(d: NaiveDate) -> Date {
    Date {
        year: d.year(),
        month: d.month() as i32,
        day: d.day() as i32,
    }
}

/// The contract's `Date` as a calendar date, if it is one.
pub fn from_proto(d: &Date) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(d.year, d.month.try_into().ok()?, d.day.try_into().ok()?)
}

/// Full years between `birth` and `on` (the age on that day).
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// `d` moved by whole years; 29 February becomes 28 February in other years.
pub fn add_years(d: NaiveDate, years: i32) -> NaiveDate {
    let months = Months::new(years.unsigned_abs() * 12);
    let moved = if years >= 0 {
        d.checked_add_months(months)
    } else {
        d.checked_sub_months(months)
    };
    moved.unwrap_or(d)
}

/// `d` moved by whole days.
pub fn add_days(d: NaiveDate, days: i64) -> NaiveDate {
    d.checked_add_signed(chrono::TimeDelta::days(days))
        .unwrap_or(d)
}

/// The date of the law of 12.10.2021 that replaced the child categories under 16 / 16-18 with
/// under 7 / 7-18.
pub fn child_category_law() -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, 10, 12).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn ages_count_full_years() {
        assert_eq!(age_on(date(2010, 5, 20), date(2026, 5, 19)), 15);
        assert_eq!(age_on(date(2010, 5, 20), date(2026, 5, 20)), 16);
    }

    #[test]
    fn leap_days_move_to_the_last_of_february() {
        assert_eq!(add_years(date(2024, 2, 29), 1), date(2025, 2, 28));
        assert_eq!(add_years(date(2024, 2, 29), -4), date(2020, 2, 29));
    }

    #[test]
    fn proto_dates_round_trip() {
        let d = date(2022, 6, 30);
        assert_eq!(from_proto(&to_proto(d)), Some(d));
        assert_eq!(
            from_proto(&Date {
                year: 2022,
                month: 2,
                day: 30
            }),
            None
        );
    }
}
