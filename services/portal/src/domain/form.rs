//! What a citizen's forms share: the errors found in what was typed, each naming its field and
//! the message key that explains it, and the field violations a service answered with
//! (`google.rpc.BadRequest`), read back onto the form's fields.

use tonic_types::StatusExt;

/// One error of a form: the field it belongs to (the form's own name; empty for the form as a
/// whole), the message key, and the number the message may cite (`$n`: a limit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The form field, as the form names it.
    pub field: &'static str,
    /// The message key in the catalogues.
    pub key: &'static str,
    /// The number the message cites, if any.
    pub n: i64,
}

/// Every error of a form, in the order the fields appear.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormErrors(Vec<FieldError>);

impl FormErrors {
    /// No errors yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `field` breaks the rule `key` tells.
    pub fn add(&mut self, field: &'static str, key: &'static str) {
        self.add_n(field, key, 0);
    }

    /// Records that `field` breaks the rule `key` tells, citing `n`.
    pub fn add_n(&mut self, field: &'static str, key: &'static str, n: i64) {
        // One message per field: the first rule broken is the one to fix first.
        if !self.0.iter().any(|e| e.field == field) {
            self.0.push(FieldError { field, key, n });
        }
    }

    /// Whether nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The error of `field`, if any.
    pub fn of(&self, field: &str) -> Option<&FieldError> {
        self.0.iter().find(|e| e.field == field)
    }

    /// Every error, in order.
    pub fn all(&self) -> &[FieldError] {
        &self.0
    }

    /// The errors ordered as `fields` lists the form's fields (the form itself first).
    pub fn ordered(mut self, fields: &[&str]) -> Self {
        self.0.sort_by_key(|e| {
            if e.field.is_empty() {
                0
            } else {
                fields
                    .iter()
                    .position(|f| *f == e.field)
                    .map_or(usize::MAX, |i| i + 1)
            }
        });
        self
    }
}

/// The field paths of a service's INVALID_ARGUMENT answer (its `BadRequest` details).
pub fn violated_fields(status: &tonic::Status) -> Vec<String> {
    status
        .get_details_bad_request()
        .map(|b| b.field_violations.into_iter().map(|f| f.field).collect())
        .unwrap_or_default()
}

/// The precondition types of a service's FAILED_PRECONDITION answer (e.g. `BOOKING_WINDOW`).
pub fn failed_preconditions(status: &tonic::Status) -> Vec<String> {
    status
        .get_details_precondition_failure()
        .map(|p| p.violations.into_iter().map(|v| v.r#type).collect())
        .unwrap_or_default()
}

/// The errors a service's field violations make on a form: each path mapped by `field_of`
/// (form field and message key) or, when no field of the form holds it, an error of the whole
/// form with `fallback`.
pub fn from_violations(
    paths: &[String],
    field_of: impl Fn(&str) -> Option<(&'static str, &'static str)>,
    fallback: &'static str,
) -> FormErrors {
    let mut errors = FormErrors::new();
    for path in paths {
        match field_of(path) {
            Some((field, key)) => errors.add(field, key),
            None => errors.add("", fallback),
        }
    }
    if errors.is_empty() {
        errors.add("", fallback);
    }
    errors
}

/// Text typed into a browser's text area, as the services keep it: line breaks as `\n` (browsers
/// send `\r\n`), surrounding blanks trimmed.
pub fn normalised_text(typed: &str) -> String {
    typed
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .trim()
        .to_string()
}

/// Whether `text` holds a control character other than a line break or a tab (the services
/// refuse them).
pub fn has_control_characters(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn one_error_per_field_the_first_rule_broken() {
        let mut e = FormErrors::new();
        e.add("a", "first");
        e.add("a", "second");
        e.add_n("b", "limit", 5);
        assert_eq!(e.all().len(), 2);
        assert_eq!(e.of("a").unwrap().key, "first");
        assert_eq!(e.of("b").unwrap().n, 5);
        assert!(e.of("c").is_none());
    }

    #[test]
    fn errors_follow_the_form_order() {
        let mut e = FormErrors::new();
        e.add("b", "x");
        e.add("", "form");
        e.add("a", "y");
        let ordered = e.ordered(&["a", "b"]);
        let fields: Vec<_> = ordered.all().iter().map(|e| e.field).collect();
        assert_eq!(fields, ["", "a", "b"]);
    }

    #[test]
    fn service_violations_land_on_their_fields_or_the_form() {
        let paths = vec!["x.comment".to_string(), "x.unknown".to_string()];
        let e = from_violations(
            &paths,
            |p| (p == "x.comment").then_some(("comment", "too-long")),
            "general",
        );
        assert_eq!(e.of("comment").unwrap().key, "too-long");
        assert_eq!(e.of("").unwrap().key, "general");
        let none = from_violations(&[], |_| None, "general");
        assert_eq!(none.of("").unwrap().key, "general");
    }

    #[test]
    fn text_areas_keep_line_breaks_as_the_services_do() {
        assert_eq!(normalised_text("  a\r\nb\rc  "), "a\nb\nc");
        assert!(!has_control_characters("a\nb\tc"));
        assert!(has_control_characters("a\u{7}b"));
    }

    #[test]
    fn details_of_a_status_are_read() {
        use tonic_types::{ErrorDetails, StatusExt as _};
        let mut d = ErrorDetails::new();
        d.add_bad_request_violation("evaluation.comment", "too long");
        let s = tonic::Status::with_error_details(tonic::Code::InvalidArgument, "bad", d);
        assert_eq!(violated_fields(&s), ["evaluation.comment"]);
        let mut p = ErrorDetails::new();
        p.add_precondition_failure_violation("BOOKING_WINDOW", "trips/1", "no");
        let s = tonic::Status::with_error_details(tonic::Code::FailedPrecondition, "no", p);
        assert_eq!(failed_preconditions(&s), ["BOOKING_WINDOW"]);
    }
}
