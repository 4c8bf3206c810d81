//! Working days in Kazakhstan: weekends, public holidays and their transfers, as data
//! (`data/kz_holidays.csv`), for deadlines counted in working days.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate, Weekday};

/// The published calendar this service ships with.
pub const KZ_HOLIDAYS: &str = include_str!("../../data/kz_holidays.csv");

/// Which days are worked.
#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    days_off: HashSet<NaiveDate>,
    working_weekends: HashSet<NaiveDate>,
    last: Option<NaiveDate>,
}

impl WorkCalendar {
    /// Reads `date,kind,name` lines (`#` starts a comment; kind is `holiday`, `transfer` or
    /// `working`). An error names the line.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut calendar = Self::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with("date,") {
                continue;
            }
            let mut parts = line.splitn(3, ',');
            let (Some(date), Some(kind)) = (parts.next(), parts.next()) else {
                return Err(format!("line {}: expected date,kind,name", i + 1));
            };
            let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
                .map_err(|e| format!("line {}: date {date:?}: {e}", i + 1))?;
            match kind.trim() {
                "holiday" | "transfer" => {
                    calendar.days_off.insert(date);
                }
                "working" => {
                    calendar.working_weekends.insert(date);
                }
                other => return Err(format!("line {}: unknown kind {other:?}", i + 1)),
            }
            calendar.last = calendar.last.max(Some(date));
        }
        Ok(calendar)
    }

    /// The calendar shipped with the service.
    pub fn kazakhstan() -> Result<Self, String> {
        Self::parse(KZ_HOLIDAYS)
    }

    /// The last date the data speaks of: past it only weekends are known.
    pub fn known_until(&self) -> Option<NaiveDate> {
        self.last
    }

    /// Whether `date` is worked.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.working_weekends.contains(&date) {
            return true;
        }
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.days_off.contains(&date)
    }

    /// The `n`-th working day after `from` (the day of receipt does not count).
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut date = from;
        let mut left = n;
        while left > 0 {
            match date.succ_opt() {
                Some(next) => date = next,
                None => return date,
            }
            if self.is_working_day(date) {
                left -= 1;
            }
        }
        date
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_shipped_calendar_reads_and_every_day_off_is_a_weekday() {
        let c = WorkCalendar::kazakhstan().unwrap();
        assert!(c.known_until().unwrap() >= d(2027, 12, 16));
        for day in &c.days_off {
            assert!(
                !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
                "{day} is a weekend: list its transfer instead"
            );
        }
    }

    #[test]
    fn fifteen_working_days_skip_weekends() {
        let c = WorkCalendar::default();
        // Monday 2 November 2026 + 15 working days = three full weeks = Monday 23 November.
        assert_eq!(c.add_working_days(d(2026, 11, 2), 15), d(2026, 11, 23));
        // Received on a Saturday: the count starts on Monday; 15th is Friday 20 November.
        assert_eq!(c.add_working_days(d(2026, 10, 31), 15), d(2026, 11, 20));
    }

    #[test]
    fn nauryz_and_its_transfers_push_a_deadline() {
        let c = WorkCalendar::kazakhstan().unwrap();
        // From Friday 13 March 2026: working days 16-20 (5), then 23, 24, 25 are off
        // (Nauryz on Monday, two transfers), 26-27 (7), 30 Mar-3 Apr (12), 6-8 Apr (15).
        assert_eq!(c.add_working_days(d(2026, 3, 13), 15), d(2026, 4, 8));
        assert!(!c.is_working_day(d(2026, 3, 24)));
        assert!(c.is_working_day(d(2026, 3, 26)));
    }

    #[test]
    fn a_working_saturday_counts_and_bad_lines_are_named() {
        let c = WorkCalendar::parse("date,kind,name\n2026-11-07,working,decree\n").unwrap();
        assert!(c.is_working_day(d(2026, 11, 7)));
        let err = WorkCalendar::parse("2026-13-01,holiday,x").unwrap_err();
        assert!(err.starts_with("line 1"), "{err}");
        assert!(WorkCalendar::parse("2026-01-01,party,x").is_err());
    }
}
