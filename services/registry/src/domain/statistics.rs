//! Age bands and coverage for the city coordinator's statistics. Pure: no I/O.

use chrono::NaiveDate;
use onaltu_proto::registry::{AgeBand, ChildAgeCategory};

use super::person::age_on;

/// The Astana reporting age band of a person born on `birth`, on `as_of`.
pub fn age_band(birth: NaiveDate, as_of: NaiveDate) -> AgeBand {
    match age_on(birth, as_of) {
        ..=14 => AgeBand::AgeBand14AndUnder,
        15 => AgeBand::AgeBand15,
        16 | 17 => AgeBand::AgeBand16To17,
        _ => AgeBand::AgeBand18AndOver,
    }
}

/// The legal child categories (since 12.10.2021) of a child, `None` for adults.
pub fn child_category(birth: NaiveDate, as_of: NaiveDate) -> Option<ChildAgeCategory> {
    match age_on(birth, as_of) {
        ..=6 => Some(ChildAgeCategory::Under7),
        7..=17 => Some(ChildAgeCategory::ChildAgeCategory7To18),
        _ => None,
    }
}

/// The birth-date bounds of an age band on `as_of`: born after `.0` (exclusive) and on or
/// before `.1`, for filtering in the database.
pub fn birth_bounds(band: AgeBand, as_of: NaiveDate) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let years_ago = |y: u32| as_of.checked_sub_months(chrono::Months::new(12 * y));
    match band {
        AgeBand::AgeBand14AndUnder => (years_ago(15), None),
        AgeBand::AgeBand15 => (years_ago(16), years_ago(15)),
        AgeBand::AgeBand16To17 => (years_ago(18), years_ago(16)),
        AgeBand::AgeBand18AndOver => (None, years_ago(18)),
        AgeBand::Unspecified => (None, None),
    }
}

/// The median and 90th percentile of `values` (nearest-rank), `None` when empty.
pub fn median_and_p90(values: &mut [i32]) -> (Option<f64>, Option<f64>) {
    if values.is_empty() {
        return (None, None);
    }
    values.sort_unstable();
    let n = values.len();
    let median = if n % 2 == 1 {
        values[n / 2] as f64
    } else {
        (values[n / 2 - 1] as f64 + values[n / 2] as f64) / 2.0
    };
    let rank = ((0.9 * n as f64).ceil() as usize).clamp(1, n);
    (Some(median), Some(values[rank - 1] as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn age_bands_follow_birthdays() {
        let as_of = d(2022, 6, 30);
        assert_eq!(age_band(d(2007, 7, 1), as_of), AgeBand::AgeBand14AndUnder);
        assert_eq!(age_band(d(2007, 6, 30), as_of), AgeBand::AgeBand15);
        assert_eq!(age_band(d(2006, 6, 30), as_of), AgeBand::AgeBand16To17);
        assert_eq!(age_band(d(2004, 6, 30), as_of), AgeBand::AgeBand18AndOver);
        assert_eq!(
            child_category(d(2016, 1, 1), as_of),
            Some(ChildAgeCategory::Under7)
        );
        assert_eq!(child_category(d(2004, 6, 30), as_of), None);
    }

    #[test]
    fn birth_bounds_agree_with_age_bands() {
        let as_of = d(2022, 6, 30);
        for band in [
            AgeBand::AgeBand14AndUnder,
            AgeBand::AgeBand15,
            AgeBand::AgeBand16To17,
            AgeBand::AgeBand18AndOver,
        ] {
            let (after, until) = birth_bounds(band, as_of);
            for birth in [
                d(2000, 1, 1),
                d(2004, 6, 30),
                d(2006, 6, 30),
                d(2006, 7, 1),
                d(2007, 6, 30),
                d(2007, 7, 1),
                d(2015, 1, 1),
            ] {
                let inside = after.is_none_or(|a| birth > a) && until.is_none_or(|u| birth <= u);
                assert_eq!(inside, age_band(birth, as_of) == band, "{band:?} {birth}");
            }
        }
    }

    #[test]
    fn median_and_p90_use_nearest_rank() {
        assert_eq!(median_and_p90(&mut []), (None, None));
        assert_eq!(median_and_p90(&mut [5]), (Some(5.0), Some(5.0)));
        let mut v: Vec<i32> = (1..=10).rev().collect();
        assert_eq!(median_and_p90(&mut v), (Some(5.5), Some(9.0)));
    }
}
