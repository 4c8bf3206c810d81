//! What RecordIndicators, RecordViolation and ResolveViolation accept: values only for recorded
//! indicators and the sources their definition allows, a centre's staff only for SELF_REPORTED,
//! plausible numbers, an evidence reference for inspections; violations with a description, an
//! inspection act and dates that are not in the future.

use chrono::NaiveDate;
use onaltu_auth::Role;
use onaltu_errors::{ApiError, Violations};

use super::indicators::Recorded;
use super::methodology::{Derivation, Methodology, Source};

/// Longest free text accepted.
pub const MAX_TEXT: usize = 2_000;
/// Longest reference accepted.
pub const MAX_REFERENCE: usize = 200;

/// A value as a caller sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct Submitted {
    /// Indicator code.
    pub code: String,
    /// Source, if the caller named a known one.
    pub source: Option<Source>,
    /// Raw value.
    pub value: f64,
    /// Sample size.
    pub sample_size: Option<i64>,
    /// Evidence reference.
    pub evidence_reference: String,
}

/// Who records values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorder {
    /// A centre's staff: their own centre's SELF_REPORTED values.
    CentreStaff,
    /// The city office: INSPECTION values.
    CityOperator,
    /// An administrator: either.
    Admin,
}

impl Recorder {
    /// The recorder a caller of `role` is (of the roles allowed to record values).
    pub fn of(role: Option<Role>) -> Self {
        match role {
            Some(Role::CenterStaff) => Self::CentreStaff,
            Some(Role::CityOperator) => Self::CityOperator,
            _ => Self::Admin,
        }
    }
}

/// Why `recorder` may not record a value of `source`, if not.
pub fn refusal(recorder: Recorder, source: Source) -> Option<&'static str> {
    match (recorder, source) {
        (Recorder::CentreStaff, Source::Inspection) => {
            Some("a centre's staff record SELF_REPORTED values only")
        }
        (Recorder::CityOperator, Source::SelfReported) => {
            Some("the city office records INSPECTION values; a centre reports its own")
        }
        _ => None,
    }
}

/// Checks `values` against `m` for `recorder`. Every problem is collected under `values[i]`.
pub fn check_values(m: &Methodology, values: &[Submitted], recorder: Recorder, v: &mut Violations) {
    if values.is_empty() {
        v.add("values", "at least one value is required");
    }
    let mut seen = std::collections::HashSet::new();
    for (i, s) in values.iter().enumerate() {
        let at = |f: &str| format!("values[{i}].{f}");
        let Some(def) = m.indicator(&s.code) else {
            v.add(
                at("indicator_code"),
                format!(
                    "{:?} is not an indicator of methodology {}",
                    s.code, m.version
                ),
            );
            continue;
        };
        match s.source {
            None => v.add(at("source"), "is required (INSPECTION or SELF_REPORTED)"),
            Some(source) if !matches!(def.derivation, Derivation::Recorded) => v.add(
                at("source"),
                format!(
                    "{} is derived from the {}, not recorded",
                    s.code,
                    if source == Source::Feedback || def.sources.contains(&Source::Feedback) {
                        "published evaluations"
                    } else {
                        "registry"
                    }
                ),
            ),
            Some(source) if !def.sources.contains(&source) => v.add(
                at("source"),
                format!("{} takes {}", s.code, names(&def.sources)),
            ),
            Some(source) if refusal(recorder, source).is_some() => {
                v.add(at("source"), refusal(recorder, source).unwrap_or_default())
            }
            Some(source) => {
                if !seen.insert((s.code.clone(), source)) {
                    v.add(at("indicator_code"), "appears twice with the same source");
                }
                if source == Source::Inspection && s.evidence_reference.trim().is_empty() {
                    v.add(
                        at("evidence_reference"),
                        "an inspection value needs the act or order number",
                    );
                }
            }
        }
        if !s.value.is_finite() || s.value < 0.0 {
            v.add(at("value"), "must be a finite number >= 0");
        } else if def.unit == "share" && s.value > 1.0 {
            v.add(at("value"), "a share is between 0 and 1");
        }
        if s.sample_size.is_some_and(|n| n < 0) {
            v.add(at("sample_size"), "must be >= 0");
        }
        if s.evidence_reference.chars().count() > MAX_REFERENCE {
            v.add(
                at("evidence_reference"),
                format!("at most {MAX_REFERENCE} characters"),
            );
        }
    }
}

fn names(sources: &[Source]) -> String {
    sources
        .iter()
        .map(|s| match s {
            Source::Registry => "REGISTRY",
            Source::Feedback => "FEEDBACK",
            Source::Inspection => "INSPECTION",
            Source::SelfReported => "SELF_REPORTED",
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Whether `value` differs from what is stored (a new value, or another value or sample size).
pub fn is_change(stored: &[Recorded], value: &Recorded) -> bool {
    !stored.contains(value)
}

/// How many of `incoming` differ from what is `stored` (same code and source, other value or
/// sample size) or are new, and how many are equal.
pub fn count_changes(stored: &[Recorded], incoming: &[Recorded]) -> (i32, i32) {
    let unchanged = incoming
        .iter()
        .filter(|i| stored.iter().any(|s| s == *i))
        .count() as i32;
    (incoming.len() as i32 - unchanged, unchanged)
}

/// Checks a new violation.
pub fn check_violation(
    description: &str,
    inspection_reference: &str,
    found_on: Option<NaiveDate>,
    today: NaiveDate,
    v: &mut Violations,
) {
    if description.trim().is_empty() {
        v.add("violation.description", "is required");
    } else if description.chars().count() > MAX_TEXT {
        v.add(
            "violation.description",
            format!("at most {MAX_TEXT} characters"),
        );
    }
    if inspection_reference.trim().is_empty() {
        v.add(
            "violation.inspection_reference",
            "is required: the inspection act or order number",
        );
    } else if inspection_reference.chars().count() > MAX_REFERENCE {
        v.add(
            "violation.inspection_reference",
            format!("at most {MAX_REFERENCE} characters"),
        );
    }
    match found_on {
        None => v.add("violation.found_on", "is required"),
        Some(d) if d > today => v.add("violation.found_on", "cannot be in the future"),
        Some(_) => {}
    }
}

/// Decides a resolution: the dates and note, then that the violation is still open.
pub fn resolve(
    open: bool,
    found_on: NaiveDate,
    resolved_on: Option<NaiveDate>,
    note: &str,
    today: NaiveDate,
) -> Result<NaiveDate, ApiError> {
    let mut v = Violations::new();
    match resolved_on {
        None => v.add("resolved_on", "is required"),
        Some(d) if d > today => v.add("resolved_on", "cannot be in the future"),
        Some(d) if d < found_on => v.add(
            "resolved_on",
            format!("cannot be before the violation was found ({found_on})"),
        ),
        Some(_) => {}
    }
    if note.trim().is_empty() {
        v.add(
            "resolution_note",
            "is required: how the violation was resolved",
        );
    } else if note.chars().count() > MAX_TEXT {
        v.add("resolution_note", format!("at most {MAX_TEXT} characters"));
    }
    v.into_result()?;
    if !open {
        return Err(ApiError::precondition(
            "STATE",
            "violation",
            "the violation is already RESOLVED",
        ));
    }
    resolved_on.ok_or_else(|| ApiError::invalid("resolved_on", "is required"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submitted(code: &str, source: Option<Source>, value: f64, evidence: &str) -> Submitted {
        Submitted {
            code: code.into(),
            source,
            value,
            sample_size: None,
            evidence_reference: evidence.into(),
        }
    }

    fn fields(values: &[Submitted], recorder: Recorder) -> Vec<String> {
        let mut v = Violations::new();
        check_values(&Methodology::standard(), values, recorder, &mut v);
        match v.into_result() {
            Ok(()) => vec![],
            Err(e) => e.to_string().lines().map(str::to_string).collect(),
        }
    }

    #[test]
    fn good_values_pass() {
        let values = [
            submitted(
                "accessibility_checklist_share",
                Some(Source::Inspection),
                0.8,
                "Act 12/2026",
            ),
            submitted(
                "events_per_100_recipients",
                Some(Source::SelfReported),
                14.0,
                "",
            ),
        ];
        assert!(fields(&values, Recorder::Admin).is_empty());
    }

    #[test]
    fn each_bad_value_names_its_field_and_rule() {
        let values = [
            submitted("no_such", Some(Source::Inspection), 1.0, "x"),
            submitted("median_wait_days", Some(Source::Inspection), 10.0, "x"),
            submitted(
                "accessibility_checklist_share",
                Some(Source::SelfReported),
                0.5,
                "",
            ),
            submitted(
                "information_openness_share",
                Some(Source::Inspection),
                1.5,
                "",
            ),
            submitted("events_per_100_recipients", None, -1.0, ""),
        ];
        let all = fields(&values, Recorder::Admin).join("\n");
        assert!(all.contains("values[0].indicator_code"), "{all}");
        assert!(
            all.contains("values[1].source") && all.contains("derived from the registry"),
            "{all}"
        );
        assert!(
            all.contains("values[2].source") && all.contains("takes INSPECTION"),
            "{all}"
        );
        assert!(
            all.contains("values[3].value") && all.contains("between 0 and 1"),
            "{all}"
        );
        assert!(all.contains("values[3].evidence_reference"), "{all}");
        assert!(
            all.contains("values[4].source") && all.contains("values[4].value"),
            "{all}"
        );
    }

    #[test]
    fn staff_may_not_record_inspections_nor_a_value_twice() {
        let values = [
            submitted(
                "events_per_100_recipients",
                Some(Source::Inspection),
                5.0,
                "Act 1",
            ),
            submitted(
                "events_per_100_recipients",
                Some(Source::SelfReported),
                5.0,
                "",
            ),
            submitted(
                "events_per_100_recipients",
                Some(Source::SelfReported),
                6.0,
                "",
            ),
        ];
        let all = fields(&values, Recorder::CentreStaff).join("\n");
        assert!(
            all.contains("values[0].source") && all.contains("SELF_REPORTED values only"),
            "{all}"
        );
        assert!(
            all.contains("values[2].indicator_code") && all.contains("twice"),
            "{all}"
        );
    }

    #[test]
    fn the_recorder_follows_the_role() {
        assert_eq!(Recorder::of(Some(Role::CenterStaff)), Recorder::CentreStaff);
        assert_eq!(
            Recorder::of(Some(Role::CityOperator)),
            Recorder::CityOperator
        );
        assert_eq!(Recorder::of(Some(Role::Admin)), Recorder::Admin);
    }

    #[test]
    fn the_city_records_inspections_and_a_centre_its_own_reports() {
        assert!(refusal(Recorder::CityOperator, Source::SelfReported).is_some());
        assert!(refusal(Recorder::CityOperator, Source::Inspection).is_none());
        assert!(refusal(Recorder::CentreStaff, Source::Inspection).is_some());
        assert!(refusal(Recorder::CentreStaff, Source::SelfReported).is_none());
        assert!(refusal(Recorder::Admin, Source::SelfReported).is_none());
        let values = [submitted(
            "events_per_100_recipients",
            Some(Source::SelfReported),
            5.0,
            "",
        )];
        let all = fields(&values, Recorder::CityOperator).join("\n");
        assert!(all.contains("values[0].source"), "{all}");
    }

    #[test]
    fn equal_values_are_unchanged() {
        let r = |value: f64| Recorded {
            code: "events_per_100_recipients".into(),
            source: Source::SelfReported,
            value,
            sample_size: None,
        };
        assert_eq!(count_changes(&[r(5.0)], &[r(5.0)]), (0, 1));
        assert_eq!(count_changes(&[r(5.0)], &[r(6.0)]), (1, 0));
        assert_eq!(count_changes(&[], &[r(6.0)]), (1, 0));
    }

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    #[test]
    fn a_violation_needs_a_description_an_act_and_a_past_date() {
        let mut v = Violations::new();
        check_violation(" ", "", Some(d(12, 2)), d(12, 1), &mut v);
        let all = v.into_result().unwrap_err().to_string();
        assert!(all.contains("violation.description"), "{all}");
        assert!(all.contains("violation.inspection_reference"), "{all}");
        assert!(
            all.contains("violation.found_on") && all.contains("future"),
            "{all}"
        );
    }

    #[test]
    fn a_resolution_is_dated_after_the_finding_and_only_once() {
        assert_eq!(
            resolve(true, d(10, 1), Some(d(11, 1)), "fixed", d(12, 1)).unwrap(),
            d(11, 1)
        );
        let early = resolve(true, d(10, 1), Some(d(9, 1)), "fixed", d(12, 1)).unwrap_err();
        assert!(early.to_string().contains("resolved_on"), "{early}");
        let twice = resolve(false, d(10, 1), Some(d(11, 1)), "fixed", d(12, 1)).unwrap_err();
        assert!(
            matches!(twice, ApiError::FailedPrecondition(_)),
            "{twice:?}"
        );
    }
}
