//! The bounds of a streaming import (ImportPersons, ImportCenters): how many rows one call takes,
//! and how many of its rejected rows the answer lists, so that what a call holds stays bounded
//! and its answer always fits the server's message limit.

use onaltu_proto::registry as pb;
use prost::Message as _;

/// The field a row refused for the row bound is reported under.
pub const EXCESS_FIELD: &str = "stream";

/// What an import call may take and answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportBounds {
    /// Rows one call takes.
    pub max_rows: u64,
    /// Rejected rows the answer lists.
    pub max_listed: usize,
    /// Encoded bytes the listed rejected rows may take.
    pub max_listed_bytes: usize,
}

impl ImportBounds {
    /// Bounds listing at most `max_listed` rejected rows within a share of `max_message_bytes`
    /// that leaves room for the rest of the answer.
    pub fn new(max_rows: u64, max_listed: usize, max_message_bytes: usize) -> Self {
        Self {
            max_rows,
            max_listed,
            max_listed_bytes: max_message_bytes / 2,
        }
    }

    /// Whether the row counted `received` (1 for the first) is one the call takes.
    pub fn takes_row(&self, received: i64) -> bool {
        u64::try_from(received).is_ok_and(|n| n <= self.max_rows)
    }

    /// The rejection that stands for row `number`, the first past the bound, and every row
    /// sent after it: none of them was read or written.
    pub fn excess(&self, number: i64) -> pb::RejectedRow {
        pb::RejectedRow {
            row_number: number,
            violations: vec![pb::RowViolation {
                field: EXCESS_FIELD.into(),
                description: format!(
                    "one import takes at most {} rows: this row and the rows after it were not \
                     read; send them in another import",
                    self.max_rows
                ),
            }],
        }
    }
}

/// The rejected rows of one import: the first ones, as many as the bounds allow, are listed;
/// every one is counted.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejections {
    bounds: ImportBounds,
    listed: Vec<pb::RejectedRow>,
    bytes: usize,
    total: i64,
}

impl Rejections {
    /// No rejection yet.
    pub fn new(bounds: ImportBounds) -> Self {
        Self {
            bounds,
            listed: Vec::new(),
            bytes: 0,
            total: 0,
        }
    }

    /// Counts a rejected row, and lists it while the count and the bytes allow.
    pub fn add(&mut self, row: pb::RejectedRow) {
        self.total += 1;
        let size = row.encoded_len() + 8;
        if self.listed.len() < self.bounds.max_listed
            && self.bytes + size <= self.bounds.max_listed_bytes
        {
            self.bytes += size;
            self.listed.push(row);
        }
    }

    /// Counts and always lists `row`, the last rejection of the call (the excess notice, which
    /// is small): a full list makes room for it by dropping its own last entry.
    pub fn add_last(&mut self, row: pb::RejectedRow) {
        self.total += 1;
        let size = row.encoded_len() + 8;
        while !self.listed.is_empty()
            && (self.listed.len() >= self.bounds.max_listed
                || self.bytes + size > self.bounds.max_listed_bytes)
        {
            if let Some(dropped) = self.listed.pop() {
                self.bytes -= dropped.encoded_len() + 8;
            }
        }
        self.bytes += size;
        self.listed.push(row);
    }

    /// Every rejected row, listed or not.
    pub fn total(&self) -> i64 {
        self.total
    }

    /// The listed rows, in row order.
    pub fn into_listed(mut self) -> Vec<pb::RejectedRow> {
        self.listed.sort_by_key(|r| r.row_number);
        self.listed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(number: i64, description: &str) -> pb::RejectedRow {
        pb::RejectedRow {
            row_number: number,
            violations: vec![pb::RowViolation {
                field: "person.iin".into(),
                description: description.into(),
            }],
        }
    }

    #[test]
    fn a_call_takes_rows_up_to_the_bound_and_says_where_it_stopped() {
        let b = ImportBounds::new(3, 10, 4096);
        assert!(b.takes_row(1) && b.takes_row(3));
        assert!(!b.takes_row(4));
        let excess = b.excess(4);
        assert_eq!(excess.row_number, 4);
        assert_eq!(excess.violations[0].field, EXCESS_FIELD);
        assert!(excess.violations[0].description.contains("at most 3 rows"));
    }

    #[test]
    fn the_first_rejections_are_listed_and_all_are_counted() {
        let mut r = Rejections::new(ImportBounds::new(100, 2, 4096));
        for n in [5, 3, 9] {
            r.add(rejected(n, "IIN check digit mismatch"));
        }
        assert_eq!(r.total(), 3);
        let listed: Vec<i64> = r.into_listed().iter().map(|x| x.row_number).collect();
        assert_eq!(listed, [3, 5], "the first two, in row order");
    }

    #[test]
    fn the_listed_rejections_fit_the_byte_budget_whatever_their_size() {
        let bounds = ImportBounds::new(100, 1_000, 2048);
        let mut r = Rejections::new(bounds);
        for n in 0..500 {
            r.add(rejected(n, &"x".repeat(100)));
        }
        assert_eq!(r.total(), 500);
        let summary = pb::ImportSummary {
            rejected: r.into_listed(),
            ..Default::default()
        };
        assert!(!summary.rejected.is_empty());
        assert!(summary.encoded_len() <= bounds.max_listed_bytes);
    }

    #[test]
    fn the_excess_notice_is_listed_even_when_the_list_is_full() {
        let bounds = ImportBounds::new(2, 2, 4096);
        let mut r = Rejections::new(bounds);
        r.add(rejected(1, "bad"));
        r.add(rejected(2, "bad"));
        r.add_last(bounds.excess(3));
        assert_eq!(r.total(), 3);
        let listed = r.into_listed();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[1].violations[0].field, EXCESS_FIELD);
    }
}
