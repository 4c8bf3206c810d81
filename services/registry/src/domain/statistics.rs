//! Age bands and coverage for the city coordinator's statistics. Pure: no I/O.

use chrono::NaiveDate;
use std::collections::BTreeMap;

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

/// One cell of the person cube: persons counted by region, sex, group, cause, nosology and
/// age band (1: 14 and under, 2: 15, 3: 16-17, 4: 18 and over) on the statistics' date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// Region.
    pub region_code: String,
    /// Sex.
    pub sex: i16,
    /// Disability group.
    pub grp: i16,
    /// Cause.
    pub cause: i16,
    /// Nosology class.
    pub nosology: i16,
    /// Age band.
    pub band: i16,
    /// Under 7.
    pub under7: bool,
    /// Persons.
    pub n: i64,
}

/// Persons counted apart as children and adults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChildrenAndAdults {
    /// Children under 18.
    pub children: i64,
    /// Adults.
    pub adults: i64,
}

/// Persons of one region.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionTally {
    /// Region.
    pub region_code: String,
    /// Persons registered.
    pub persons: i64,
    /// Of them, children.
    pub children: i64,
    /// Of them, adults.
    pub adults: i64,
}

/// The person breakdowns of the coordinator's statistics, each ordered by its key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonBreakdowns {
    /// Persons registered.
    pub persons_total: i64,
    /// Of them, children under 18.
    pub children_total: i64,
    /// Of them, adults.
    pub adults_total: i64,
    /// By region.
    pub by_region: Vec<RegionTally>,
    /// By age band.
    pub by_age_band: Vec<(AgeBand, i64)>,
    /// Children by legal age category, current and pre-12.10.2021.
    pub by_child_age_category: Vec<(ChildAgeCategory, i64)>,
    /// By sex code.
    pub by_sex: Vec<(i16, i64)>,
    /// By disability group code.
    pub by_group: Vec<(i16, i64)>,
    /// By cause code.
    pub by_cause: Vec<(i16, ChildrenAndAdults)>,
    /// By nosology class code.
    pub by_nosology: Vec<(i16, ChildrenAndAdults)>,
}

/// The count of `key` in a map ordered by the key's proto number.
fn tally<K>(map: &mut BTreeMap<i32, (K, i64)>, key: K, number: i32) -> &mut i64 {
    &mut map.entry(number).or_insert((key, 0)).1
}

/// The person breakdowns of `cells`: totals, children and adults, regions, age bands, the legal
/// child categories (under 7 and 7-18, and the older under 16 and 16-18), sex, group, cause and
/// nosology (children and adults apart).
pub fn person_breakdowns(cells: &[Cell]) -> PersonBreakdowns {
    let mut s = PersonBreakdowns::default();
    let mut by_region: BTreeMap<String, RegionTally> = BTreeMap::new();
    let mut by_band: BTreeMap<i32, (AgeBand, i64)> = BTreeMap::new();
    let mut by_category: BTreeMap<i32, (ChildAgeCategory, i64)> = BTreeMap::new();
    let mut by_sex: BTreeMap<i16, i64> = BTreeMap::new();
    let mut by_group: BTreeMap<i16, i64> = BTreeMap::new();
    let mut by_cause: BTreeMap<i16, ChildrenAndAdults> = BTreeMap::new();
    let mut by_nosology: BTreeMap<i16, ChildrenAndAdults> = BTreeMap::new();
    for c in cells {
        let child = c.band < 4;
        s.persons_total += c.n;
        let r = by_region
            .entry(c.region_code.clone())
            .or_insert_with(|| RegionTally {
                region_code: c.region_code.clone(),
                ..Default::default()
            });
        r.persons += c.n;
        if child {
            s.children_total += c.n;
            r.children += c.n;
            let category = if c.under7 {
                ChildAgeCategory::Under7
            } else {
                ChildAgeCategory::ChildAgeCategory7To18
            };
            *tally(&mut by_category, category, category as i32) += c.n;
            let legacy = if c.band == 3 {
                ChildAgeCategory::ChildAgeCategory16To18
            } else {
                ChildAgeCategory::Under16
            };
            *tally(&mut by_category, legacy, legacy as i32) += c.n;
        } else {
            s.adults_total += c.n;
            r.adults += c.n;
        }
        let band = match c.band {
            1 => AgeBand::AgeBand14AndUnder,
            2 => AgeBand::AgeBand15,
            3 => AgeBand::AgeBand16To17,
            _ => AgeBand::AgeBand18AndOver,
        };
        *tally(&mut by_band, band, band as i32) += c.n;
        *by_sex.entry(c.sex).or_default() += c.n;
        *by_group.entry(c.grp).or_default() += c.n;
        let cause = by_cause.entry(c.cause).or_default();
        let nosology = by_nosology.entry(c.nosology).or_default();
        if child {
            cause.children += c.n;
            nosology.children += c.n;
        } else {
            cause.adults += c.n;
            nosology.adults += c.n;
        }
    }
    s.by_region = by_region.into_values().collect();
    s.by_age_band = by_band.into_values().collect();
    s.by_child_age_category = by_category.into_values().collect();
    s.by_sex = by_sex.into_iter().collect();
    s.by_group = by_group.into_iter().collect();
    s.by_cause = by_cause.into_iter().collect();
    s.by_nosology = by_nosology.into_iter().collect();
    s
}

/// The share of `registered` persons that were `treated`; none when nobody is registered.
pub fn share(treated: i64, registered: i64) -> Option<f64> {
    (registered > 0).then(|| treated as f64 / registered as f64)
}

/// Children without an education record: the children registered less those with one (never
/// below zero, as the two are counted apart).
pub fn children_without_record(children: i64, with_record: i64) -> i64 {
    (children - with_record).max(0)
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

    fn cell(region: &str, band: i16, under7: bool, n: i64) -> Cell {
        Cell {
            region_code: region.into(),
            sex: 2,
            grp: 1,
            cause: 3,
            nosology: 4,
            band,
            under7,
            n,
        }
    }

    #[test]
    fn breakdowns_count_children_in_both_category_schemes_and_adults_apart() {
        let cells = [
            cell("KZ-AST", 1, true, 2),
            cell("KZ-AST", 3, false, 3),
            cell("KZ-ALA", 4, false, 5),
        ];
        let b = person_breakdowns(&cells);
        assert_eq!(
            (b.persons_total, b.children_total, b.adults_total),
            (10, 5, 5)
        );
        let regions: Vec<_> = b
            .by_region
            .iter()
            .map(|r| (r.region_code.as_str(), r.persons, r.children, r.adults))
            .collect();
        assert_eq!(regions, [("KZ-ALA", 5, 0, 5), ("KZ-AST", 5, 5, 0)]);
        assert_eq!(
            b.by_child_age_category,
            [
                (ChildAgeCategory::Under7, 2),
                (ChildAgeCategory::ChildAgeCategory7To18, 3),
                (ChildAgeCategory::Under16, 2),
                (ChildAgeCategory::ChildAgeCategory16To18, 3),
            ]
        );
        assert_eq!(
            b.by_age_band,
            [
                (AgeBand::AgeBand14AndUnder, 2),
                (AgeBand::AgeBand16To17, 3),
                (AgeBand::AgeBand18AndOver, 5),
            ]
        );
        assert_eq!(
            b.by_cause,
            [(
                3,
                ChildrenAndAdults {
                    children: 5,
                    adults: 5
                }
            )]
        );
        assert_eq!(share(1, 4), Some(0.25));
        assert_eq!(share(1, 0), None);
        assert_eq!(children_without_record(3, 5), 0);
    }
}
