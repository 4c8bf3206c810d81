//! Reporting periods: a calendar quarter (the default) or month.

use chrono::{Datelike, Months, NaiveDate};
use onaltu_errors::ApiError;
use onaltu_proto::common::{Period as PbPeriod, PeriodKind};

/// A calendar quarter or month (тоқсан / ай).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    /// Calendar year.
    pub year: i32,
    /// Quarter (1-4) or month (1-12) number.
    pub number: u32,
    /// Whether a month; a quarter otherwise.
    pub monthly: bool,
}

impl Period {
    /// The quarter holding `date`.
    pub fn quarter_of(date: NaiveDate) -> Self {
        Self {
            year: date.year(),
            number: (date.month() - 1) / 3 + 1,
            monthly: false,
        }
    }

    /// Decodes the contract's period; `field` prefixes the violation.
    pub fn decode(field: &str, p: &PbPeriod) -> Result<Self, ApiError> {
        let kind = PeriodKind::try_from(p.kind).unwrap_or(PeriodKind::Unspecified);
        let monthly = match kind {
            PeriodKind::Quarter => false,
            PeriodKind::Month => true,
            PeriodKind::Unspecified => {
                return Err(ApiError::invalid(
                    format!("{field}.kind"),
                    "is required (QUARTER or MONTH)",
                ));
            }
        };
        let max = if monthly { 12 } else { 4 };
        if !(1..=max).contains(&p.number) {
            let what = if monthly {
                "a month is 1-12"
            } else {
                "a quarter is 1-4"
            };
            return Err(ApiError::invalid(format!("{field}.number"), what));
        }
        if !(2000..=2100).contains(&p.year) {
            return Err(ApiError::invalid(
                format!("{field}.year"),
                "must be 2000-2100",
            ));
        }
        Ok(Self {
            year: p.year,
            number: p.number as u32,
            monthly,
        })
    }

    /// The contract's form.
    pub fn encode(self) -> PbPeriod {
        PbPeriod {
            year: self.year,
            kind: if self.monthly {
                PeriodKind::Month
            } else {
                PeriodKind::Quarter
            } as i32,
            number: self.number as i32,
        }
    }

    /// The first day of the period.
    pub fn start(self) -> NaiveDate {
        let month = if self.monthly {
            self.number
        } else {
            (self.number - 1) * 3 + 1
        };
        NaiveDate::from_ymd_opt(self.year, month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The first day after the period.
    pub fn end_exclusive(self) -> NaiveDate {
        let months = if self.monthly { 1 } else { 3 };
        self.start()
            .checked_add_months(Months::new(months))
            .unwrap_or(NaiveDate::MAX)
    }

    /// The period of the same kind just before this one.
    pub fn previous(self) -> Self {
        match (self.number, self.monthly) {
            (1, true) => Self {
                year: self.year - 1,
                number: 12,
                monthly: true,
            },
            (1, false) => Self {
                year: self.year - 1,
                number: 4,
                monthly: false,
            },
            (n, monthly) => Self {
                year: self.year,
                number: n - 1,
                monthly,
            },
        }
    }

    /// Reads a [`Period::label`] back: `2026-Q3` or `2026-07`.
    pub fn parse_label(label: &str) -> Option<Self> {
        let (year, rest) = label.split_once('-')?;
        let year = year.parse().ok()?;
        let (number, monthly) = match rest.strip_prefix('Q') {
            Some(q) => (q.parse().ok()?, false),
            None => (rest.parse().ok()?, true),
        };
        let max = if monthly { 12 } else { 4 };
        (1..=max).contains(&number).then_some(Self {
            year,
            number,
            monthly,
        })
    }

    /// `2026-Q3` or `2026-07`.
    pub fn label(self) -> String {
        if self.monthly {
            format!("{}-{:02}", self.year, self.number)
        } else {
            format!("{}-Q{}", self.year, self.number)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_quarter_spans_three_months() {
        let q = Period::quarter_of(d(2026, 8, 15));
        assert_eq!(q.label(), "2026-Q3");
        assert_eq!(q.start(), d(2026, 7, 1));
        assert_eq!(q.end_exclusive(), d(2026, 10, 1));
    }

    #[test]
    fn the_previous_period_crosses_the_year_and_labels_read_back() {
        let q1 = Period::quarter_of(d(2026, 2, 1));
        assert_eq!(q1.previous().label(), "2025-Q4");
        let jan = Period {
            year: 2026,
            number: 1,
            monthly: true,
        };
        assert_eq!(jan.previous().label(), "2025-12");
        for p in [q1, q1.previous(), jan, jan.previous()] {
            assert_eq!(Period::parse_label(&p.label()), Some(p));
        }
        assert_eq!(Period::parse_label("2026-Q5"), None);
        assert_eq!(Period::parse_label("2026-13"), None);
        assert_eq!(Period::parse_label("Q3"), None);
    }

    #[test]
    fn december_ends_in_the_next_year() {
        let m = Period::decode(
            "period",
            &PbPeriod {
                year: 2026,
                kind: PeriodKind::Month as i32,
                number: 12,
            },
        )
        .unwrap();
        assert_eq!(m.label(), "2026-12");
        assert_eq!(m.end_exclusive(), d(2027, 1, 1));
    }

    #[test]
    fn bad_periods_name_the_field() {
        let bad = |kind: PeriodKind, number, year| {
            Period::decode(
                "period",
                &PbPeriod {
                    year,
                    kind: kind as i32,
                    number,
                },
            )
            .unwrap_err()
            .to_string()
        };
        assert!(bad(PeriodKind::Quarter, 5, 2026).contains("period.number"));
        assert!(bad(PeriodKind::Month, 0, 2026).contains("period.number"));
        assert!(bad(PeriodKind::Unspecified, 1, 2026).contains("period.kind"));
        assert!(bad(PeriodKind::Quarter, 1, 1999).contains("period.year"));
    }
}
