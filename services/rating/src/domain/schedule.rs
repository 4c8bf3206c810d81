//! Which periods may be rated, and when the end-of-quarter computation is due.

use chrono::NaiveDate;
use onaltu_api::Period;
use onaltu_errors::Violations;

use super::methodology::Methodology;

/// A period is rated once it has begun, and only under a methodology in force by its end.
pub fn check_period(m: &Methodology, period: Period, today: NaiveDate, v: &mut Violations) {
    v.check(
        period.start() <= today,
        "period",
        format!("{} has not begun", period.label()),
    );
    v.check(
        period.end_exclusive() > m.effective_from,
        "period",
        format!(
            "{} ended before methodology {} took effect on {}",
            period.label(),
            m.version,
            m.effective_from
        ),
    );
}

/// The last quarter that has ended by `today`.
pub fn ended_quarter(today: NaiveDate) -> Period {
    Period::quarter_of(today).previous()
}

/// Whether `period` still needs its rating after its end: never computed, or last computed on a
/// day (local) before the period ended, so late evaluations and the end-of-period state of
/// violations are not yet in it.
pub fn needs_final_rating(period: Period, last_computed: Option<NaiveDate>) -> bool {
    last_computed.is_none_or(|d| d < period.end_exclusive())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_ended_quarter_is_the_one_before_today_s() {
        assert_eq!(ended_quarter(d(2026, 12, 1)).label(), "2026-Q3");
        assert_eq!(ended_quarter(d(2027, 1, 1)).label(), "2026-Q4");
    }

    #[test]
    fn a_quarter_rated_before_it_ended_is_rated_again_after() {
        let q3 = Period::quarter_of(d(2026, 8, 1));
        assert!(needs_final_rating(q3, None));
        assert!(needs_final_rating(q3, Some(d(2026, 9, 30))));
        assert!(!needs_final_rating(q3, Some(d(2026, 10, 1))));
    }

    #[test]
    fn a_future_period_or_one_before_the_methodology_is_refused() {
        let m = Methodology::standard();
        let today = d(2026, 12, 1);
        let mut v = Violations::new();
        check_period(&m, Period::quarter_of(d(2027, 1, 1)), today, &mut v);
        check_period(&m, Period::quarter_of(d(2024, 12, 1)), today, &mut v);
        let all: Vec<_> = v.as_slice().iter().map(|f| f.description.clone()).collect();
        assert_eq!(all.len(), 2, "{all:?}");
        assert!(all[0].contains("2027-Q1 has not begun"), "{all:?}");
        assert!(all[1].contains("took effect"), "{all:?}");
        let mut v = Violations::new();
        check_period(&m, Period::quarter_of(today), today, &mut v);
        assert!(v.is_empty());
    }
}
