//! The rows of ImportPersons and ImportCenters, each decoded in one step with every violation,
//! and the summary an import answers with.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use onaltu_errors::Violations;
use onaltu_proto::registry as pb;
use uuid::Uuid;

use crate::api::convert;
use crate::api::persons::decode::{assessment_row, person_row};
use crate::domain::center::{check_center, identity};
use crate::domain::import::{ImportBounds, Rejections};
use crate::store::centers::CenterRow;
use crate::store::persons::{AssessmentRow, PersonRow};

/// A person row accepted for writing, with its assessment.
#[derive(Debug)]
pub(super) struct PendingPerson {
    /// The person, with a fresh id (kept only if the IIN is new).
    pub row: PersonRow,
    /// The current assessment, when the row carries one.
    pub assessment: Option<AssessmentRow>,
}

/// The rows of one import as they arrive: their numbers, whether the import only validates,
/// the rows rejected, and the summary so far; bounded by [`ImportBounds`].
#[derive(Debug)]
pub(super) struct ImportRun {
    pub summary: pb::ImportSummary,
    validate_only: Option<bool>,
    bounds: ImportBounds,
    rejections: Rejections,
}

impl ImportRun {
    /// A run within `bounds`.
    pub fn new(bounds: ImportBounds) -> Self {
        Self {
            summary: pb::ImportSummary::default(),
            validate_only: None,
            bounds,
            rejections: Rejections::new(bounds),
        }
    }

    /// Counts a row; answers its number (the caller's, else its position) and whether the
    /// import only validates (as its first row says). `None` for the first row past the bound:
    /// it is rejected for itself and the rows after it, and the import reads no more.
    pub fn next_row(&mut self, row_number: i64, validate_only: bool) -> Option<(i64, bool)> {
        self.summary.received += 1;
        let validate_only = *self.validate_only.get_or_insert(validate_only);
        let number = if row_number > 0 {
            row_number
        } else {
            self.summary.received
        };
        if !self.bounds.takes_row(self.summary.received) {
            self.rejections.add_last(self.bounds.excess(number));
            return None;
        }
        Some((number, validate_only))
    }

    /// Whether the import only validates (false for an empty one).
    pub fn validate_only(&self) -> bool {
        self.validate_only.unwrap_or(false)
    }

    /// Records row `number` as rejected for every violation in `v`.
    pub fn reject(&mut self, number: i64, v: &Violations) {
        self.rejections.add(pb::RejectedRow {
            row_number: number,
            violations: v
                .as_slice()
                .iter()
                .map(|f| pb::RowViolation {
                    field: f.field.clone(),
                    description: f.description.clone(),
                })
                .collect(),
        });
    }

    /// The summary: the first rejected rows the bounds allow, in row order.
    pub fn finish(self) -> pb::ImportSummary {
        let validate_only = self.validate_only();
        pb::ImportSummary {
            validate_only,
            rejected: self.rejections.into_listed(),
            ..self.summary
        }
    }
}

/// Decodes a row of ImportPersons; `seen` maps the IINs accepted so far to their rows.
pub(super) fn pending_person(
    msg: pb::ImportPersonsRequest,
    seen: &HashMap<String, i64>,
    regions: &HashSet<String>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<PendingPerson, Violations> {
    let person = msg.person.unwrap_or_default();
    let mut v = Violations::new();
    let id = Uuid::now_v7();
    let row = person_row("person", &person, id, regions, today, now, &mut v);
    if let Some(first) = seen.get(&person.iin) {
        v.add(
            "person.iin",
            format!("the same IIN is already in row {first} of this import"),
        );
    }
    let assessment = match (&msg.assessment, &row) {
        (Some(a), Some(r)) => Some(assessment_row(
            "assessment",
            a,
            id,
            r.birth_date,
            today,
            now,
            &mut v,
        )),
        _ => None,
    };
    let Some(mut row) = row.filter(|_| v.is_empty()) else {
        return Err(v);
    };
    if let Some(a) = &assessment {
        row.current_group = a.disability_group;
        row.current_cause = a.cause;
        row.current_nosology = a.nosology_class;
    }
    Ok(PendingPerson { row, assessment })
}

/// Decodes a row of ImportCenters into the centre's identity and row; `seen` maps the
/// identities accepted so far to their rows.
pub(super) fn center_row(
    msg: pb::ImportCentersRequest,
    seen: &HashMap<String, i64>,
    regions: &HashSet<String>,
    now: DateTime<Utc>,
) -> Result<(String, CenterRow), Violations> {
    let c = msg.center.unwrap_or_default();
    let mut inner = Violations::new();
    check_center(&c, regions, &mut inner);
    let mut v = Violations::new();
    v.extend_prefixed("center", inner);
    let row = convert::center_row(&c, Uuid::now_v7(), now);
    let identity = identity(row.bin.as_deref(), &row.region_code, &row.name_kk);
    if let Some(first) = seen.get(&identity) {
        v.add(
            "center",
            format!("the same centre is already in row {first} of this import"),
        );
    }
    if v.is_empty() {
        Ok((identity, row))
    } else {
        Err(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn regions() -> HashSet<String> {
        ["KZ-71".to_string()].into()
    }

    fn row(iin: &str) -> pb::ImportPersonsRequest {
        pb::ImportPersonsRequest {
            person: Some(pb::Person {
                iin: iin.into(),
                surname: "Серікбаев".into(),
                given_name: "Асқар".into(),
                region_code: "KZ-71".into(),
                ..pb::Person::default()
            }),
            ..pb::ImportPersonsRequest::default()
        }
    }

    fn fields(v: Violations) -> Vec<String> {
        v.as_slice().iter().map(|f| f.field.clone()).collect()
    }

    #[test]
    fn rows_are_numbered_and_the_first_row_says_whether_to_validate_only() {
        let mut run = ImportRun::new(ImportBounds::new(10, 10, 4096));
        assert_eq!(run.next_row(0, true), Some((1, true)));
        assert_eq!(run.next_row(7, false), Some((7, true)));
        run.reject(7, &Violations::new());
        run.reject(1, &Violations::new());
        let summary = run.finish();
        assert!(summary.validate_only);
        assert_eq!(summary.received, 2);
        let numbers: Vec<_> = summary.rejected.iter().map(|r| r.row_number).collect();
        assert_eq!(numbers, [1, 7]);
    }

    #[test]
    fn the_first_row_past_the_bound_ends_the_run_and_is_rejected_for_the_rest() {
        let mut run = ImportRun::new(ImportBounds::new(2, 10, 4096));
        assert!(run.next_row(0, false).is_some());
        assert!(run.next_row(0, false).is_some());
        assert_eq!(run.next_row(0, false), None);
        let summary = run.finish();
        assert_eq!(summary.received, 3);
        assert_eq!(summary.rejected.len(), 1);
        assert_eq!(summary.rejected[0].row_number, 3);
    }

    #[test]
    fn a_repeated_iin_and_a_bad_assessment_reject_the_row() {
        let now = Utc::now();
        let first = pending_person(
            row("920315300014"),
            &HashMap::new(),
            &regions(),
            today(),
            now,
        )
        .unwrap();
        assert_eq!(first.row.current_group, 0);
        let seen: HashMap<String, i64> = [("920315300014".to_string(), 3)].into();
        let again = pending_person(row("920315300014"), &seen, &regions(), today(), now);
        assert_eq!(fields(again.unwrap_err()), ["person.iin"]);
        let assessed = pb::ImportPersonsRequest {
            assessment: Some(pb::Assessment::default()),
            ..row("920315300014")
        };
        let refused = pending_person(assessed, &HashMap::new(), &regions(), today(), now);
        assert_eq!(
            fields(refused.unwrap_err()),
            [
                "assessment.group",
                "assessment.cause",
                "assessment.established_on"
            ]
        );
    }
}
