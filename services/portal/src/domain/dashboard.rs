//! The city coordinator's dashboard (үйлестіруші тақтасы / панель координатора) without I/O: what
//! the address may ask for (region and breakdown of the registry's statistics, the quarter of the
//! rating leaderboard, the months of the transport measures), the statistics as tables whose
//! totals are the registry's own, the leaderboard's rows, the measures month by month with their
//! totals, and all three as CSV files a spreadsheet opens in any of the three languages.

use chrono::{Datelike, NaiveDate};
use onaltu_api::Period;
use onaltu_proto::common::Sex;
use onaltu_proto::rating as rt;
use onaltu_proto::registry as reg;
use onaltu_proto::transport as tp;
use serde::Deserialize;

use crate::domain::bar_chart::Item;
use crate::domain::centre_view::{REGIONS, region_name};
use crate::domain::form::FormErrors;
use crate::domain::rating_view::{RatingSummary, decimal};
use crate::domain::text::localized;
use crate::i18n::{Lang, Tr};

/// The dashboard's fields as its forms name them, in the order they appear.
pub const FIELDS: [&str; 5] = ["region", "breakdown", "quarter", "from", "to"];
/// Months of transport measures shown when none are asked for.
pub const DEFAULT_MONTHS: i32 = 6;
/// The most months of transport measures asked for at once.
pub const MAX_MONTHS: i32 = 24;
/// Quarters offered in the leaderboard's list besides the latest rated one.
pub const QUARTERS_OFFERED: usize = 8;

/// The dashboard's query string as sent; every value is checked before use.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawQuery {
    /// Region code, empty for the whole country.
    pub region: String,
    /// Breakdown's address name.
    pub breakdown: String,
    /// Quarter of the leaderboard, `2026-Q2`; empty for the latest rated.
    pub quarter: String,
    /// First month of the transport measures, `2026-01`.
    pub from: String,
    /// Last month of the transport measures.
    pub to: String,
    /// The leaderboard page's trail of tokens.
    pub page: String,
}

// ---------------------------------------------------------------------------------------------
// What the address may ask for.

/// A breakdown of the registry's statistics (бөлінісі / разрез).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakdown {
    /// Persons by region, children and adults apart.
    Region,
    /// Persons by age band.
    AgeBand,
    /// Children by the legal age categories since 12.10.2021.
    ChildCategory,
    /// Children by the legal age categories counted before 12.10.2021.
    ChildCategoryBefore2021,
    /// Persons by sex.
    Sex,
    /// Persons by disability group and child category.
    Group,
    /// Persons by cause of disability, children and adults apart.
    Cause,
    /// Persons by leading nosology class, children and adults apart.
    Nosology,
    /// Households by housing status.
    Housing,
    /// Households by benefit received.
    Benefit,
    /// Children by education status, with tutors.
    Education,
}

impl Breakdown {
    /// Every breakdown, in the order the list offers them.
    pub const ALL: [Breakdown; 11] = [
        Breakdown::Region,
        Breakdown::AgeBand,
        Breakdown::ChildCategory,
        Breakdown::ChildCategoryBefore2021,
        Breakdown::Sex,
        Breakdown::Group,
        Breakdown::Cause,
        Breakdown::Nosology,
        Breakdown::Housing,
        Breakdown::Benefit,
        Breakdown::Education,
    ];

    /// Its name in addresses and file names.
    pub fn name(self) -> &'static str {
        match self {
            Breakdown::Region => "region",
            Breakdown::AgeBand => "age-band",
            Breakdown::ChildCategory => "child-category",
            Breakdown::ChildCategoryBefore2021 => "child-category-before-2021",
            Breakdown::Sex => "sex",
            Breakdown::Group => "group",
            Breakdown::Cause => "cause",
            Breakdown::Nosology => "nosology",
            Breakdown::Housing => "housing",
            Breakdown::Benefit => "benefit",
            Breakdown::Education => "education",
        }
    }

    /// The message key of its title.
    pub fn key(self) -> String {
        format!("coord-by-{}", self.name())
    }

    /// The breakdown an address names.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.name() == name)
    }
}

/// The statistics asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatisticsInput {
    /// Region code; empty for the whole country.
    pub region: String,
    /// The breakdown shown.
    pub breakdown: Breakdown,
}

/// The region and breakdown of `raw` (by region when none is named), or the errors on `errors`.
pub fn statistics_input(raw: &RawQuery, errors: &mut FormErrors) -> Option<StatisticsInput> {
    let region = raw.region.trim().to_ascii_uppercase();
    let region_ok = region.is_empty() || REGIONS.contains(&region.as_str());
    if !region_ok {
        errors.add("region", "coord-error-region");
    }
    let breakdown = match raw.breakdown.trim() {
        "" => Some(Breakdown::Region),
        name => Breakdown::parse(name),
    };
    if breakdown.is_none() {
        errors.add("breakdown", "coord-error-breakdown");
    }
    Some(StatisticsInput {
        region: region_ok.then_some(region)?,
        breakdown: breakdown?,
    })
}

/// The quarter of the leaderboard `raw` asks for: `Some(None)` for the latest rated one, `None`
/// with the error on `errors` when it is not a quarter that has begun by `today`.
pub fn quarter_input(
    raw: &RawQuery,
    today: NaiveDate,
    errors: &mut FormErrors,
) -> Option<Option<Period>> {
    let typed = raw.quarter.trim().to_ascii_uppercase();
    if typed.is_empty() || typed == "LATEST" {
        return Some(None);
    }
    match Period::parse_label(&typed).filter(|p| !p.monthly && (2000..=2100).contains(&p.year)) {
        None => errors.add("quarter", "coord-error-quarter"),
        Some(p) if p.start() > today => errors.add("quarter", "coord-error-quarter-future"),
        Some(p) => return Some(Some(p)),
    }
    None
}

/// A month as `YYYY-MM` (what a month input sends), between 2000 and 2100.
fn month_of(typed: &str) -> Option<Period> {
    let (year, month) = typed.trim().split_once('-')?;
    let (year, number): (i32, u32) = (year.parse().ok()?, month.parse().ok()?);
    ((2000..=2100).contains(&year) && (1..=12).contains(&number) && month.len() == 2).then_some(
        Period {
            year,
            number,
            monthly: true,
        },
    )
}

/// Months counted from the year 0, for stepping across years.
fn month_index(p: Period) -> i32 {
    p.year * 12 + p.number.cast_signed() - 1
}

fn month_at(index: i32) -> Period {
    Period {
        year: index.div_euclid(12),
        number: (index.rem_euclid(12) + 1).cast_unsigned(),
        monthly: true,
    }
}

/// The months of transport measures `raw` asks for, oldest first: from `from` to `to`; the
/// six months up to this one when neither is given; `None` with the errors on `errors` when a
/// month is malformed, the range runs backwards or past this month, or spans over 24 months.
pub fn months_input(
    raw: &RawQuery,
    today: NaiveDate,
    errors: &mut FormErrors,
) -> Option<Vec<Period>> {
    let this_month = month_index(Period {
        year: today.year(),
        number: today.month(),
        monthly: true,
    });
    let parse = |typed: &str, field: &'static str, key: &'static str, errors: &mut FormErrors| {
        if typed.trim().is_empty() {
            return Some(None);
        }
        let month = month_of(typed).map(month_index);
        if month.is_none() {
            errors.add(field, key);
        }
        month.map(Some)
    };
    let from = parse(&raw.from, "from", "coord-error-from", errors);
    let to = parse(&raw.to, "to", "coord-error-to", errors);
    let (from, to) = (from?, to?);
    let to = to.unwrap_or(this_month);
    let from = from.unwrap_or(to - (DEFAULT_MONTHS - 1));
    if to > this_month {
        errors.add("to", "coord-error-to-future");
    } else if to < from {
        errors.add("to", "coord-error-to-before-from");
    } else if to - from + 1 > MAX_MONTHS {
        errors.add_n("from", "coord-error-range", i64::from(MAX_MONTHS));
    } else {
        return Some((from..=to).map(month_at).collect());
    }
    None
}

/// The quarters the leaderboard's list offers: the latest rated, then the eight up to `today`'s.
pub fn offered_quarters(today: NaiveDate) -> Vec<Period> {
    let mut quarters = vec![Period::quarter_of(today)];
    while quarters.len() < QUARTERS_OFFERED {
        let before = quarters[quarters.len() - 1].previous();
        quarters.push(before);
    }
    quarters
}

// ---------------------------------------------------------------------------------------------
// The statistics as tables.

/// A column of a statistics table: its heading's message key and its name in a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Message key of the heading.
    pub key: &'static str,
}

/// One row of a statistics table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// A stable code of what is counted (`GROUP_1`, `KZ-71`), for spreadsheets.
    pub code: String,
    /// What is counted, in the page's language.
    pub label: String,
    /// The counts, one per column.
    pub values: Vec<i64>,
}

/// One breakdown of the statistics as a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The breakdown.
    pub breakdown: Breakdown,
    /// The columns of counts.
    pub columns: Vec<Column>,
    /// The rows, in the registry's order.
    pub rows: Vec<Row>,
    /// The totals, one per column: the registry's own where it gives them, else the sum; none
    /// where a sum would count one household more than once.
    pub totals: Option<Vec<i64>>,
    /// Which column the chart draws (the one counting everybody).
    pub charted: usize,
    /// A note under the table, by message key.
    pub note: Option<&'static str>,
}

const PERSONS: Column = Column {
    key: "coord-col-persons",
};
const CHILDREN: Column = Column {
    key: "coord-col-children",
};
const ADULTS: Column = Column {
    key: "coord-col-adults",
};
const HOUSEHOLDS: Column = Column {
    key: "coord-col-households",
};
const WITH_TUTOR: Column = Column {
    key: "coord-col-with-tutor",
};

/// The message key of a value of an enumeration `family` (`group`, `cause`, …) by its code.
pub fn label_key(family: &str, code: &str) -> String {
    format!(
        "coord-{family}-{}",
        code.to_ascii_lowercase().replace('_', "-")
    )
}

/// The code and label of an enumeration's value: the code without the enumeration's `prefix`
/// (its number when the portal does not know it), the label from the catalogue, "not recorded"
/// for the unset value.
fn labelled(
    tr: &Tr,
    family: &str,
    prefix: &str,
    name: Option<&str>,
    number: i32,
) -> (String, String) {
    let code = name.map_or_else(
        || number.to_string(),
        |n| n.strip_prefix(prefix).unwrap_or(n).to_string(),
    );
    let key = label_key(family, &code);
    let label = if code == "UNSPECIFIED" {
        tr.t("coord-not-recorded")
    } else if tr.has(&key) {
        tr.t(&key)
    } else {
        code.clone()
    };
    (code, label)
}

fn row((code, label): (String, String), values: Vec<i64>) -> Row {
    Row {
        code,
        label,
        values,
    }
}

fn sums(rows: &[Row], columns: usize) -> Vec<i64> {
    (0..columns)
        .map(|c| {
            rows.iter()
                .map(|r| r.values.get(c).copied().unwrap_or(0))
                .sum()
        })
        .collect()
}

/// `breakdown` of `s` as a table, labelled in `tr`'s language.
pub fn statistics_table(s: &reg::Statistics, breakdown: Breakdown, tr: &Tr) -> Table {
    use reg::ChildAgeCategory as C;
    let persons_total = vec![s.persons_total];
    let split_total = vec![s.children_total, s.adults_total, s.persons_total];
    let child_rows = |wanted: [C; 2]| -> Vec<Row> {
        s.by_child_age_category
            .iter()
            .filter(|c| wanted.iter().any(|w| *w as i32 == c.category))
            .map(|c| {
                let name = C::try_from(c.category).ok().map(|e| e.as_str_name());
                row(
                    labelled(tr, "child", "CHILD_AGE_CATEGORY_", name, c.category),
                    vec![c.children],
                )
            })
            .collect()
    };
    let (columns, rows, totals, charted, note) = match breakdown {
        Breakdown::Region => (
            vec![PERSONS, CHILDREN, ADULTS],
            s.by_region
                .iter()
                .map(|r| Row {
                    code: r.region_code.clone(),
                    label: region_name(tr, &r.region_code),
                    values: vec![r.persons, r.children, r.adults],
                })
                .collect(),
            Some(vec![s.persons_total, s.children_total, s.adults_total]),
            0,
            None,
        ),
        Breakdown::AgeBand => (
            vec![PERSONS],
            s.by_age_band
                .iter()
                .map(|a| {
                    let name = reg::AgeBand::try_from(a.age_band)
                        .ok()
                        .map(|e| e.as_str_name());
                    row(
                        labelled(tr, "age", "AGE_BAND_", name, a.age_band),
                        vec![a.persons],
                    )
                })
                .collect(),
            Some(persons_total),
            0,
            None,
        ),
        Breakdown::ChildCategory => (
            vec![CHILDREN],
            child_rows([C::Under7, C::ChildAgeCategory7To18]),
            Some(vec![s.children_total]),
            0,
            Some("coord-note-child-category"),
        ),
        Breakdown::ChildCategoryBefore2021 => (
            vec![CHILDREN],
            child_rows([C::Under16, C::ChildAgeCategory16To18]),
            Some(vec![s.children_total]),
            0,
            Some("coord-note-child-category"),
        ),
        Breakdown::Sex => (
            vec![PERSONS],
            s.by_sex
                .iter()
                .map(|x| {
                    let name = Sex::try_from(x.sex).ok().map(|e| e.as_str_name());
                    row(labelled(tr, "sex", "SEX_", name, x.sex), vec![x.persons])
                })
                .collect(),
            Some(persons_total),
            0,
            None,
        ),
        Breakdown::Group => (
            vec![PERSONS],
            s.by_group
                .iter()
                .map(|g| {
                    let name = reg::DisabilityGroup::try_from(g.group)
                        .ok()
                        .map(|e| e.as_str_name());
                    row(
                        labelled(tr, "group", "DISABILITY_GROUP_", name, g.group),
                        vec![g.persons],
                    )
                })
                .collect(),
            Some(persons_total),
            0,
            None,
        ),
        Breakdown::Cause => (
            vec![CHILDREN, ADULTS, PERSONS],
            s.by_cause
                .iter()
                .map(|c| {
                    let name = reg::DisabilityCause::try_from(c.cause)
                        .ok()
                        .map(|e| e.as_str_name());
                    row(
                        labelled(tr, "cause", "DISABILITY_CAUSE_", name, c.cause),
                        vec![c.children, c.adults, c.children + c.adults],
                    )
                })
                .collect(),
            Some(split_total),
            2,
            None,
        ),
        Breakdown::Nosology => (
            vec![CHILDREN, ADULTS, PERSONS],
            s.by_nosology
                .iter()
                .map(|c| {
                    let name = reg::NosologyClass::try_from(c.nosology_class)
                        .ok()
                        .map(|e| e.as_str_name());
                    row(
                        labelled(tr, "nosology", "NOSOLOGY_CLASS_", name, c.nosology_class),
                        vec![c.children, c.adults, c.children + c.adults],
                    )
                })
                .collect(),
            Some(split_total),
            2,
            None,
        ),
        Breakdown::Housing => {
            let rows: Vec<Row> = s
                .by_housing_status
                .iter()
                .map(|h| {
                    let name = reg::HousingStatus::try_from(h.housing_status)
                        .ok()
                        .map(|e| e.as_str_name());
                    row(
                        labelled(tr, "housing", "HOUSING_STATUS_", name, h.housing_status),
                        vec![h.households],
                    )
                })
                .collect();
            let totals = sums(&rows, 1);
            (vec![HOUSEHOLDS], rows, Some(totals), 0, None)
        }
        Breakdown::Benefit => (
            vec![HOUSEHOLDS],
            s.by_benefit
                .iter()
                .map(|b| {
                    let name = reg::BenefitKind::try_from(b.benefit)
                        .ok()
                        .map(|e| e.as_str_name());
                    row(
                        labelled(tr, "benefit", "BENEFIT_KIND_", name, b.benefit),
                        vec![b.households],
                    )
                })
                .collect(),
            None,
            0,
            Some("coord-note-benefit"),
        ),
        Breakdown::Education => {
            let mut rows: Vec<Row> = s
                .children_by_education
                .iter()
                .map(|e| {
                    let name = reg::EducationStatus::try_from(e.status)
                        .ok()
                        .map(|x| x.as_str_name());
                    row(
                        labelled(tr, "education", "EDUCATION_STATUS_", name, e.status),
                        vec![e.children, e.with_tutor],
                    )
                })
                .collect();
            rows.push(Row {
                code: "NO_RECORD".into(),
                label: tr.t("coord-education-no-record"),
                values: vec![s.children_without_education_record, 0],
            });
            let totals = sums(&rows, 2);
            (vec![CHILDREN, WITH_TUTOR], rows, Some(totals), 0, None)
        }
    };
    Table {
        breakdown,
        columns,
        rows,
        totals,
        charted,
        note,
    }
}

/// The bars of `table`'s charted column.
pub fn chart_items(table: &Table) -> Vec<Item> {
    table
        .rows
        .iter()
        .map(|r| {
            let value = r.values.get(table.charted).copied().unwrap_or(0);
            #[allow(clippy::cast_precision_loss)]
            Item {
                label: r.label.clone(),
                value: value as f64,
                text: value.to_string(),
            }
        })
        .collect()
}

/// The statistics' headline figures, as (label, value) lines.
pub fn statistics_summary(s: &reg::Statistics, tr: &Tr) -> Vec<(String, String)> {
    let lang = tr.lang();
    let coverage = |c: Option<&reg::Coverage>| {
        c.map_or_else(
            || "—".to_string(),
            |c| {
                let share = c.share.map_or_else(
                    || "—".to_string(),
                    |x| format!("{}%", decimal(x * 100.0, 1, lang)),
                );
                tr.args(
                    "coord-coverage-value",
                    &[
                        ("treated", c.treated.into()),
                        ("registered", c.registered.into()),
                        ("share", share.into()),
                    ],
                )
            },
        )
    };
    #[allow(clippy::cast_precision_loss)]
    let tenge = s
        .one_time_aid_total
        .as_ref()
        .map_or(0.0, |m| m.minor_units as f64 / 100.0);
    vec![
        (tr.t("coord-persons-total"), s.persons_total.to_string()),
        (tr.t("coord-children-total"), s.children_total.to_string()),
        (tr.t("coord-adults-total"), s.adults_total.to_string()),
        (
            tr.t("coord-families"),
            s.families_with_special_needs_children.to_string(),
        ),
        (
            tr.t("coord-families-children"),
            s.special_needs_children_in_families.to_string(),
        ),
        (
            tr.t("coord-aid-payments"),
            s.one_time_aid_payments.to_string(),
        ),
        (
            tr.t("coord-aid-total"),
            tr.s("coord-tenge", "amount", decimal(tenge, 2, lang)),
        ),
        (tr.t("coord-coverage"), coverage(s.coverage.as_ref())),
        (
            tr.t("coord-children-coverage"),
            coverage(s.children_coverage.as_ref()),
        ),
    ]
}

/// `table` as CSV records: a header, its rows, and the totals row (`TOTAL`) when it has totals.
pub fn statistics_records(table: &Table, tr: &Tr) -> Vec<Vec<String>> {
    let mut header = vec![tr.t("coord-csv-code"), tr.t(&table.breakdown.key())];
    header.extend(table.columns.iter().map(|c| tr.t(c.key)));
    let mut records = vec![header];
    for r in &table.rows {
        let mut record = vec![r.code.clone(), r.label.clone()];
        record.extend(r.values.iter().map(i64::to_string));
        records.push(record);
    }
    if let Some(totals) = &table.totals {
        let mut record = vec!["TOTAL".to_string(), tr.t("coord-total")];
        record.extend(totals.iter().map(i64::to_string));
        records.push(record);
    }
    records
}

// ---------------------------------------------------------------------------------------------
// The rating leaderboard.

/// One centre of the leaderboard.
#[derive(Debug, Clone, PartialEq)]
pub struct LeaderRow {
    /// Its place, counted from the first page; none for centres without enough data.
    pub rank: Option<usize>,
    /// The centre's id.
    pub center_id: String,
    /// The centre's name in the page's language.
    pub centre: String,
    /// Its region's name.
    pub region: String,
    /// The composite 0..100 as text, or a dash.
    pub composite: String,
    /// The composite with a decimal point, for spreadsheets; empty when none.
    pub composite_plain: String,
    /// The stars, the tier and how they are told.
    pub summary: RatingSummary,
    /// The tier's stable code (`INCENTIVE`).
    pub tier_code: String,
}

/// The rows of a page of the leaderboard whose first centre stands at `first_rank`.
pub fn leaderboard(ratings: &[rt::CenterRating], first_rank: usize, tr: &Tr) -> Vec<LeaderRow> {
    ratings
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let summary = RatingSummary::of(r, tr);
            LeaderRow {
                rank: (r.status == rt::RatingStatus::Rated as i32).then_some(first_rank + i),
                center_id: r.center_id.clone(),
                centre: localized(r.center_name.as_ref(), tr.lang()),
                region: region_name(tr, &r.region_code),
                composite: summary.composite.clone().unwrap_or_else(|| "—".into()),
                composite_plain: r.composite.map(|c| format!("{c:.1}")).unwrap_or_default(),
                tier_code: rt::Tier::try_from(r.tier)
                    .unwrap_or_default()
                    .as_str_name()
                    .trim_start_matches("TIER_")
                    .to_string(),
                summary,
            }
        })
        .collect()
}

/// The leaderboard as CSV records, header first.
pub fn rating_records(rows: &[LeaderRow], period: &str, tr: &Tr) -> Vec<Vec<String>> {
    let header = [
        "coord-rank",
        "coord-csv-centre-id",
        "coord-centre",
        "coord-region",
        "coord-period",
        "coord-composite",
        "coord-stars",
        "coord-csv-tier-code",
        "coord-tier",
    ];
    let mut records = vec![header.iter().map(|k| tr.t(k)).collect::<Vec<_>>()];
    records.extend(rows.iter().map(|r| {
        vec![
            r.rank.map(|n| n.to_string()).unwrap_or_default(),
            r.center_id.clone(),
            r.centre.clone(),
            r.region.clone(),
            period.to_string(),
            r.composite_plain.clone(),
            r.summary.stars.map(|n| n.to_string()).unwrap_or_default(),
            r.tier_code.clone(),
            r.summary.tier.clone(),
        ]
    }));
    records
}

// ---------------------------------------------------------------------------------------------
// Transport measures month by month.

/// The measures' columns: heading key and how a value is told.
pub const MEASURES: [&str; 13] = [
    "coord-trips-requested",
    "coord-trips-served",
    "coord-trips-denied",
    "coord-trips-cancelled",
    "coord-trips-late-cancelled",
    "coord-trips-no-show",
    "coord-on-time-pickups",
    "coord-on-time-share",
    "coord-ride-time-ratio",
    "coord-vehicle-hours",
    "coord-trips-per-vehicle-hour",
    "coord-shared-ride-share",
    "coord-bus-boardings",
];

/// A measure's value.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Measure {
    Count(i64),
    Share(Option<f64>),
    Number(Option<f64>),
}

impl Measure {
    fn shown(self, lang: Lang) -> String {
        match self {
            Measure::Count(n) => n.to_string(),
            Measure::Share(Some(x)) => format!("{}%", decimal(x * 100.0, 1, lang)),
            Measure::Number(Some(x)) => decimal(x, 2, lang),
            Measure::Share(None) | Measure::Number(None) => "—".into(),
        }
    }

    fn plain(self) -> String {
        match self {
            Measure::Count(n) => n.to_string(),
            Measure::Share(Some(x)) => format!("{x:.4}"),
            Measure::Number(Some(x)) => format!("{x:.2}"),
            Measure::Share(None) | Measure::Number(None) => String::new(),
        }
    }
}

fn measures(m: &tp::ServiceMetrics) -> [Measure; 13] {
    use Measure::{Count, Number, Share};
    [
        Count(m.trips_requested),
        Count(m.trips_served),
        Count(m.trips_denied),
        Count(m.trips_cancelled),
        Count(m.trips_late_cancelled),
        Count(m.trips_no_show),
        Count(m.on_time_pickups),
        Share(m.on_time_share),
        Number(m.ride_time_ratio),
        Number(Some(m.vehicle_hours)),
        Number(m.trips_per_vehicle_hour),
        Share(m.shared_ride_share),
        Count(m.bus_boardings),
    ]
}

/// The measures of several months together: counts and hours added up; the on-time share and
/// trips per vehicle-hour over the sums; ride-time ratio and shared-ride share weighted by the
/// trips served each month (both are taken over served trips).
pub fn total_metrics(months: &[tp::ServiceMetrics]) -> tp::ServiceMetrics {
    let mut t = tp::ServiceMetrics::default();
    let (mut ratio, mut shared, mut weight_ratio, mut weight_shared) = (0.0, 0.0, 0i64, 0i64);
    for m in months {
        t.trips_requested += m.trips_requested;
        t.trips_served += m.trips_served;
        t.trips_denied += m.trips_denied;
        t.trips_cancelled += m.trips_cancelled;
        t.trips_late_cancelled += m.trips_late_cancelled;
        t.trips_no_show += m.trips_no_show;
        t.on_time_pickups += m.on_time_pickups;
        t.vehicle_hours += m.vehicle_hours;
        t.bus_boardings += m.bus_boardings;
        #[allow(clippy::cast_precision_loss)]
        if let Some(r) = m.ride_time_ratio {
            ratio += r * m.trips_served as f64;
            weight_ratio += m.trips_served;
        }
        #[allow(clippy::cast_precision_loss)]
        if let Some(s) = m.shared_ride_share {
            shared += s * m.trips_served as f64;
            weight_shared += m.trips_served;
        }
    }
    #[allow(clippy::cast_precision_loss)]
    {
        let served = t.trips_served as f64;
        t.on_time_share = (t.trips_served > 0).then(|| t.on_time_pickups as f64 / served);
        t.trips_per_vehicle_hour = (t.vehicle_hours > 0.0).then(|| served / t.vehicle_hours);
        t.ride_time_ratio = (weight_ratio > 0).then(|| ratio / weight_ratio as f64);
        t.shared_ride_share = (weight_shared > 0).then(|| shared / weight_shared as f64);
    }
    t
}

/// One month of measures as shown: its label and its values as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthRow {
    /// `2026-05`.
    pub month: String,
    /// The values, one per [`MEASURES`] column.
    pub cells: Vec<String>,
}

/// The months as shown in `lang`, and their totals.
pub fn transport_rows(
    months: &[(Period, tp::ServiceMetrics)],
    lang: Lang,
) -> (Vec<MonthRow>, Vec<String>) {
    let rows = months
        .iter()
        .map(|(p, m)| MonthRow {
            month: p.label(),
            cells: measures(m).iter().map(|x| x.shown(lang)).collect(),
        })
        .collect();
    let all: Vec<tp::ServiceMetrics> = months.iter().map(|(_, m)| *m).collect();
    let totals = measures(&total_metrics(&all))
        .iter()
        .map(|x| x.shown(lang))
        .collect();
    (rows, totals)
}

/// The trips served each month, as bars.
pub fn transport_chart(months: &[(Period, tp::ServiceMetrics)]) -> Vec<Item> {
    months
        .iter()
        .map(|(p, m)| {
            #[allow(clippy::cast_precision_loss)]
            Item {
                label: p.label(),
                value: m.trips_served as f64,
                text: m.trips_served.to_string(),
            }
        })
        .collect()
}

/// The months as CSV records: a header, a record a month, and the totals (`TOTAL`).
pub fn transport_records(months: &[(Period, tp::ServiceMetrics)], tr: &Tr) -> Vec<Vec<String>> {
    let mut header = vec![tr.t("coord-month")];
    header.extend(MEASURES.iter().map(|k| tr.t(k)));
    let mut records = vec![header];
    for (p, m) in months {
        let mut record = vec![p.label()];
        record.extend(measures(m).iter().map(|x| x.plain()));
        records.push(record);
    }
    let all: Vec<tp::ServiceMetrics> = months.iter().map(|(_, m)| *m).collect();
    let mut total = vec!["TOTAL".to_string()];
    total.extend(measures(&total_metrics(&all)).iter().map(|x| x.plain()));
    records.push(total);
    records
}

// ---------------------------------------------------------------------------------------------
// CSV files.

/// `records` as a CSV file (RFC 4180: fields quoted where they must be, lines ended by CRLF),
/// in UTF-8 with a byte-order mark, so a spreadsheet opens Kazakh and Russian text right.
pub fn csv_file(records: &[Vec<String>]) -> Result<Vec<u8>, String> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(vec![0xEF, 0xBB, 0xBF]);
    for record in records {
        writer.write_record(record).map_err(|e| e.to_string())?;
    }
    writer.into_inner().map_err(|e| e.to_string())
}

/// A CSV file's name: `prefix` and `parts` joined by dashes, each cut to letters, digits and
/// dashes (the name goes into a header unquoted).
pub fn file_name(prefix: &str, parts: &[&str]) -> String {
    let mut name = prefix.to_string();
    for part in parts.iter().filter(|p| !p.is_empty()) {
        name.push('-');
        name.extend(
            part.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .map(|c| c.to_ascii_lowercase()),
        );
    }
    name.push_str(".csv");
    name
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use onaltu_proto::common::Money;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn raw(region: &str, breakdown: &str, quarter: &str, from: &str, to: &str) -> RawQuery {
        RawQuery {
            region: region.into(),
            breakdown: breakdown.into(),
            quarter: quarter.into(),
            from: from.into(),
            to: to.into(),
            page: String::new(),
        }
    }

    fn statistics() -> reg::Statistics {
        reg::Statistics {
            persons_total: 5,
            children_total: 2,
            adults_total: 3,
            by_region: vec![
                reg::RegionCount {
                    region_code: "KZ-71".into(),
                    persons: 3,
                    children: 1,
                    adults: 2,
                },
                reg::RegionCount {
                    region_code: "KZ-75".into(),
                    persons: 2,
                    children: 1,
                    adults: 1,
                },
            ],
            by_group: vec![
                reg::GroupCount {
                    group: 0,
                    persons: 1,
                },
                reg::GroupCount {
                    group: reg::DisabilityGroup::Group1 as i32,
                    persons: 4,
                },
            ],
            by_child_age_category: vec![
                reg::ChildAgeCategoryCount {
                    category: reg::ChildAgeCategory::Under7 as i32,
                    children: 1,
                },
                reg::ChildAgeCategoryCount {
                    category: reg::ChildAgeCategory::ChildAgeCategory7To18 as i32,
                    children: 1,
                },
                reg::ChildAgeCategoryCount {
                    category: reg::ChildAgeCategory::Under16 as i32,
                    children: 2,
                },
            ],
            by_cause: vec![reg::CauseCount {
                cause: reg::DisabilityCause::Congenital as i32,
                children: 2,
                adults: 3,
            }],
            children_by_education: vec![reg::EducationStatusCount {
                status: reg::EducationStatus::AtSchool as i32,
                children: 1,
                with_tutor: 1,
            }],
            children_without_education_record: 1,
            one_time_aid_total: Some(Money {
                minor_units: 1_250_000,
            }),
            ..Default::default()
        }
    }

    #[test]
    fn the_statistics_input_names_the_wrong_field() {
        let mut errors = FormErrors::new();
        let ok = statistics_input(&raw("kz-71", "group", "", "", ""), &mut errors).unwrap();
        assert_eq!(
            (ok.region.as_str(), ok.breakdown),
            ("KZ-71", Breakdown::Group)
        );
        let all = statistics_input(&raw("", "", "", "", ""), &mut errors).unwrap();
        assert_eq!(
            (all.region.as_str(), all.breakdown),
            ("", Breakdown::Region)
        );
        assert!(errors.is_empty());
        assert!(statistics_input(&raw("KZ-99", "weather", "", "", ""), &mut errors).is_none());
        assert_eq!(errors.of("region").unwrap().key, "coord-error-region");
        assert_eq!(errors.of("breakdown").unwrap().key, "coord-error-breakdown");
        for b in Breakdown::ALL {
            assert_eq!(Breakdown::parse(b.name()), Some(b));
        }
    }

    #[test]
    fn a_quarter_is_the_latest_or_one_that_has_begun() {
        let today = d(2026, 5, 10);
        let mut errors = FormErrors::new();
        assert_eq!(
            quarter_input(&raw("", "", "", "", ""), today, &mut errors),
            Some(None)
        );
        let q2 = quarter_input(&raw("", "", "2026-q2", "", ""), today, &mut errors);
        assert_eq!(q2.flatten().map(Period::label).as_deref(), Some("2026-Q2"));
        assert!(errors.is_empty());
        for bad in ["2026-Q5", "2026-05", "Q2", "1999-Q1", "x"] {
            let mut errors = FormErrors::new();
            assert_eq!(
                quarter_input(&raw("", "", bad, "", ""), today, &mut errors),
                None,
                "{bad}"
            );
            assert_eq!(
                errors.of("quarter").unwrap().key,
                "coord-error-quarter",
                "{bad}"
            );
        }
        let mut errors = FormErrors::new();
        assert_eq!(
            quarter_input(&raw("", "", "2026-Q3", "", ""), today, &mut errors),
            None
        );
        assert_eq!(
            errors.of("quarter").unwrap().key,
            "coord-error-quarter-future"
        );
        let offered = offered_quarters(today);
        assert_eq!(offered.len(), QUARTERS_OFFERED);
        assert_eq!(offered[0].label(), "2026-Q2");
        assert_eq!(offered[7].label(), "2024-Q3");
    }

    #[test]
    fn months_default_to_the_last_six_and_stay_within_two_years() {
        let today = d(2026, 3, 10);
        let mut errors = FormErrors::new();
        let labels =
            |m: Option<Vec<Period>>| m.unwrap().iter().map(|p| p.label()).collect::<Vec<_>>();
        assert_eq!(
            labels(months_input(&raw("", "", "", "", ""), today, &mut errors)),
            [
                "2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"
            ]
        );
        assert_eq!(
            labels(months_input(
                &raw("", "", "", "2025-12", "2026-01"),
                today,
                &mut errors
            )),
            ["2025-12", "2026-01"]
        );
        assert_eq!(
            labels(months_input(
                &raw("", "", "", "", "2025-02"),
                today,
                &mut errors
            ))
            .len(),
            6
        );
        assert!(errors.is_empty());
        let wrong = |from: &str, to: &str| {
            let mut errors = FormErrors::new();
            assert!(months_input(&raw("", "", "", from, to), today, &mut errors).is_none());
            errors
                .all()
                .iter()
                .map(|e| (e.field, e.key))
                .collect::<Vec<_>>()
        };
        assert_eq!(wrong("2025-13", ""), [("from", "coord-error-from")]);
        assert_eq!(
            wrong("2025-1", "soon"),
            [("from", "coord-error-from"), ("to", "coord-error-to")]
        );
        assert_eq!(
            wrong("2026-02", "2026-01"),
            [("to", "coord-error-to-before-from")]
        );
        assert_eq!(wrong("", "2026-04"), [("to", "coord-error-to-future")]);
        assert_eq!(wrong("2024-01", "2026-01"), [("from", "coord-error-range")]);
        let mut errors = FormErrors::new();
        assert_eq!(
            months_input(&raw("", "", "", "2024-02", "2026-01"), today, &mut errors)
                .map(|m| m.len()),
            Some(24)
        );
    }

    #[test]
    fn tables_carry_the_registrys_own_totals() {
        let tr = Tr::new(Lang::En);
        let s = statistics();
        let region = statistics_table(&s, Breakdown::Region, &tr);
        assert_eq!(region.totals, Some(vec![5, 2, 3]));
        assert_eq!(region.rows[1].code, "KZ-75");
        assert_eq!(region.rows[0].label, region_name(&tr, "KZ-71"));
        let group = statistics_table(&s, Breakdown::Group, &tr);
        assert_eq!(group.rows[0].code, "UNSPECIFIED");
        assert_eq!(group.rows[0].label, tr.t("coord-not-recorded"));
        assert_eq!(group.rows[1].code, "GROUP_1");
        assert_eq!(group.totals, Some(vec![5]));
        let current = statistics_table(&s, Breakdown::ChildCategory, &tr);
        assert_eq!(current.rows.len(), 2, "the current categories only");
        assert_eq!(current.totals, Some(vec![2]));
        let older = statistics_table(&s, Breakdown::ChildCategoryBefore2021, &tr);
        assert_eq!(
            older
                .rows
                .iter()
                .map(|r| r.code.as_str())
                .collect::<Vec<_>>(),
            ["UNDER_16"]
        );
        let cause = statistics_table(&s, Breakdown::Cause, &tr);
        assert_eq!(cause.rows[0].values, [2, 3, 5]);
        assert_eq!(cause.totals, Some(vec![2, 3, 5]));
        assert_eq!(chart_items(&cause)[0].value, 5.0);
        let education = statistics_table(&s, Breakdown::Education, &tr);
        assert_eq!(education.rows.last().unwrap().code, "NO_RECORD");
        assert_eq!(education.totals, Some(vec![2, 1]));
        let benefit = statistics_table(&s, Breakdown::Benefit, &tr);
        assert_eq!(
            benefit.totals, None,
            "a household may receive several benefits"
        );
    }

    #[test]
    fn the_statistics_csv_has_a_header_rows_and_the_total() {
        let tr = Tr::new(Lang::Ru);
        let table = statistics_table(&statistics(), Breakdown::Region, &tr);
        let records = statistics_records(&table, &tr);
        assert_eq!(records.len(), 4);
        assert_eq!(records[0].len(), 5);
        assert_eq!(records[3][0], "TOTAL");
        assert_eq!(&records[3][2..], ["5", "2", "3"]);
        let bytes = csv_file(&records).unwrap();
        assert!(
            bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
            "a byte-order mark first"
        );
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert!(text.contains("\r\n"));
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(&rows[2][2], "5");
    }

    #[test]
    fn fields_with_commas_quotes_and_line_breaks_are_quoted() {
        let records = vec![vec![
            "a,b".to_string(),
            "say \"hi\"".into(),
            "two\nlines".into(),
            "Ақ".into(),
        ]];
        let bytes = csv_file(&records).unwrap();
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert_eq!(text, "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",Ақ\r\n");
        assert_eq!(
            file_name("statistics", &["KZ-71", "", "group", "a b/../c"]),
            "statistics-kz-71-group-abc.csv"
        );
    }

    #[test]
    fn the_leaderboard_ranks_rated_centres_from_the_pages_first_place() {
        let tr = Tr::new(Lang::En);
        let rated = rt::CenterRating {
            center_id: "c1".into(),
            region_code: "KZ-71".into(),
            status: rt::RatingStatus::Rated as i32,
            composite: Some(82.345),
            stars: Some(4),
            tier: rt::Tier::Standard as i32,
            ..Default::default()
        };
        let unrated = rt::CenterRating {
            center_id: "c2".into(),
            status: rt::RatingStatus::InsufficientData as i32,
            tier: rt::Tier::InsufficientData as i32,
            ..Default::default()
        };
        let rows = leaderboard(&[rated, unrated], 26, &tr);
        assert_eq!(rows[0].rank, Some(26));
        assert_eq!(rows[1].rank, None);
        assert_eq!(rows[0].composite, "82.3");
        assert_eq!(rows[0].composite_plain, "82.3");
        assert_eq!(rows[0].tier_code, "STANDARD");
        assert_eq!(rows[0].summary.symbols, "★★★★☆");
        assert_eq!(rows[1].tier_code, "INSUFFICIENT_DATA");
        let records = rating_records(&rows, "2026-Q2", &tr);
        assert_eq!(records.len(), 3);
        assert_eq!(records[1][7], "STANDARD");
        assert_eq!(records[1][8], tr.t("tier-standard"));
        assert_eq!(records[2][0], "");
    }

    #[test]
    fn transport_totals_add_counts_and_weigh_shares_by_trips_served() {
        let month = |served: i64, on_time: i64, ratio: f64, hours: f64| tp::ServiceMetrics {
            trips_requested: served + 1,
            trips_served: served,
            on_time_pickups: on_time,
            on_time_share: Some(on_time as f64 / served as f64),
            ride_time_ratio: Some(ratio),
            vehicle_hours: hours,
            ..Default::default()
        };
        let months = vec![
            (month_at(2026 * 12), month(10, 9, 1.2, 5.0)),
            (month_at(2026 * 12 + 1), month(30, 21, 1.6, 15.0)),
            (month_at(2026 * 12 + 2), tp::ServiceMetrics::default()),
        ];
        let total = total_metrics(&months.iter().map(|(_, m)| *m).collect::<Vec<_>>());
        assert_eq!(
            (
                total.trips_served,
                total.trips_requested,
                total.on_time_pickups
            ),
            (40, 42, 30)
        );
        assert_eq!(total.on_time_share, Some(0.75));
        assert!((total.ride_time_ratio.unwrap() - 1.5).abs() < 1e-9);
        assert_eq!(total.trips_per_vehicle_hour, Some(2.0));
        assert_eq!(total.shared_ride_share, None);
        let (rows, totals) = transport_rows(&months, Lang::Ru);
        assert_eq!(rows[0].month, "2026-01");
        assert_eq!(rows[0].cells[7], "90,0%");
        assert_eq!(rows[2].cells[7], "—");
        assert_eq!(totals[1], "40");
        let records = transport_records(&months, &Tr::new(Lang::En));
        assert_eq!(records.len(), 5);
        assert_eq!(records[4][0], "TOTAL");
        assert_eq!(records[4][8], "0.7500");
        assert_eq!(transport_chart(&months)[1].value, 30.0);
    }

    #[test]
    fn the_summary_tells_money_and_coverage() {
        let tr = Tr::new(Lang::En);
        let mut s = statistics();
        s.coverage = Some(reg::Coverage {
            treated: 1,
            registered: 4,
            share: Some(0.25),
        });
        let lines = statistics_summary(&s, &tr);
        assert_eq!(lines[0].1, "5");
        assert!(lines[6].1.contains("12500.00"), "{}", lines[6].1);
        assert!(lines[7].1.contains("25.0%"), "{}", lines[7].1);
        assert_eq!(lines[8].1, "—");
    }

    /// The name of an enumeration's value by its number.
    type NameOf = fn(i32) -> Option<&'static str>;

    /// Every label a statistics table may ask for by a computed key, for the catalogues' test.
    fn computed_keys() -> Vec<String> {
        let mut keys: Vec<String> = Breakdown::ALL.iter().map(|b| b.key()).collect();
        let families: [(&str, &str, NameOf); 9] = [
            ("age", "AGE_BAND_", |n| {
                reg::AgeBand::try_from(n).ok().map(|e| e.as_str_name())
            }),
            ("child", "CHILD_AGE_CATEGORY_", |n| {
                reg::ChildAgeCategory::try_from(n)
                    .ok()
                    .map(|e| e.as_str_name())
            }),
            ("sex", "SEX_", |n| {
                Sex::try_from(n).ok().map(|e| e.as_str_name())
            }),
            ("group", "DISABILITY_GROUP_", |n| {
                reg::DisabilityGroup::try_from(n)
                    .ok()
                    .map(|e| e.as_str_name())
            }),
            ("cause", "DISABILITY_CAUSE_", |n| {
                reg::DisabilityCause::try_from(n)
                    .ok()
                    .map(|e| e.as_str_name())
            }),
            ("nosology", "NOSOLOGY_CLASS_", |n| {
                reg::NosologyClass::try_from(n)
                    .ok()
                    .map(|e| e.as_str_name())
            }),
            ("housing", "HOUSING_STATUS_", |n| {
                reg::HousingStatus::try_from(n)
                    .ok()
                    .map(|e| e.as_str_name())
            }),
            ("benefit", "BENEFIT_KIND_", |n| {
                reg::BenefitKind::try_from(n).ok().map(|e| e.as_str_name())
            }),
            ("education", "EDUCATION_STATUS_", |n| {
                reg::EducationStatus::try_from(n)
                    .ok()
                    .map(|e| e.as_str_name())
            }),
        ];
        for (family, prefix, name) in families {
            for n in 1..=20 {
                if let Some(name) = name(n) {
                    keys.push(label_key(family, name.strip_prefix(prefix).unwrap()));
                }
            }
        }
        keys
    }

    #[test]
    fn every_computed_label_is_in_every_language() {
        let keys = computed_keys();
        assert!(keys.len() > 50);
        for lang in Lang::ALL {
            let tr = Tr::new(lang);
            for key in &keys {
                assert!(tr.has(key), "{} lacks {key}", lang.code());
            }
        }
    }
}
