//! The moderators' rules, without I/O: the queue of evaluations oldest first, the pre-check
//! flags and rejection reasons in words, a moderator's decision as typed, and the steps a
//! complaint may take next (OPEN -> IN_REVIEW -> RESOLVED | REJECTED), overdue ones listed first.

use onaltu_proto::feedback::{self as fb, ComplaintStatus, ContentIssue, PrecheckFlag};
use serde::Deserialize;

use crate::domain::citizen_view::enum_key;
use crate::domain::form::{self, FormErrors};

/// The longest note to the author the feedback service keeps.
pub const MAX_NOTE_CHARS: usize = 1000;
/// The longest resolution of a complaint the feedback service keeps.
pub const MAX_RESOLUTION_CHARS: usize = 4000;

/// The reasons a moderator rejects for, in the order the form offers them (the most frequent
/// first, "another issue" last).
pub const REASONS: [ContentIssue; 8] = [
    ContentIssue::PersonalData,
    ContentIssue::ThirdPerson,
    ContentIssue::Offensive,
    ContentIssue::OffTopic,
    ContentIssue::Spam,
    ContentIssue::FalseInformation,
    ContentIssue::Complaint,
    ContentIssue::Other,
];

/// The message key naming a rejection reason (`moderation-issue-personal-data`).
pub fn issue_key(issue: i32) -> String {
    let name = ContentIssue::try_from(issue).unwrap_or(ContentIssue::Unspecified);
    enum_key("moderation-issue", name.as_str_name(), "CONTENT_ISSUE_")
}

/// The message key naming what the pre-check found (`moderation-flag-iin`).
pub fn flag_key(flag: i32) -> String {
    let name = PrecheckFlag::try_from(flag).unwrap_or(PrecheckFlag::Unspecified);
    enum_key("moderation-flag", name.as_str_name(), "PRECHECK_FLAG_")
}

/// The value a reason's radio button carries (its contract name, lower case).
pub fn issue_value(issue: ContentIssue) -> String {
    issue
        .as_str_name()
        .trim_start_matches("CONTENT_ISSUE_")
        .to_ascii_lowercase()
}

/// `list` oldest first: by day of submission, then by id (ids are time-ordered UUIDv7).
pub fn oldest_first(mut list: Vec<fb::Evaluation>) -> Vec<fb::Evaluation> {
    list.sort_by(|a, b| {
        let at = |e: &fb::Evaluation| e.submit_time.map(|t| (t.seconds, t.nanos));
        at(a).cmp(&at(b)).then_with(|| a.id.cmp(&b.id))
    });
    list
}

/// Reports of `e` still waiting for a moderator.
pub fn open_reports(e: &fb::Evaluation) -> usize {
    e.reports
        .iter()
        .filter(|r| r.decision == fb::ReportDecision::Open as i32)
        .count()
}

/// A moderator's form as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DecisionFields {
    /// The session's form token.
    pub csrf: String,
    /// `publish` or `reject` (the button pressed).
    pub action: String,
    /// The reason, one of [`REASONS`] by [`issue_value`].
    pub issue: String,
    /// The note to the author.
    pub note: String,
    /// The version the moderator saw.
    pub etag: String,
}

/// A decision that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Publish.
    Publish,
    /// Reject for `issue`, telling the author `note`.
    Reject {
        /// The reason.
        issue: ContentIssue,
        /// The note to the author.
        note: String,
    },
}

impl Decision {
    /// The decision as ModerateEvaluation takes it, for evaluation `id` seen at `etag`.
    pub fn request(&self, id: &str, etag: &str) -> fb::ModerateEvaluationRequest {
        let (action, issue, note) = match self {
            Decision::Publish => (fb::ModerationAction::Publish, ContentIssue::Unspecified, ""),
            Decision::Reject { issue, note } => {
                (fb::ModerationAction::Reject, *issue, note.as_str())
            }
        };
        fb::ModerateEvaluationRequest {
            id: id.to_string(),
            action: action as i32,
            issue: issue as i32,
            note: note.to_string(),
            etag: etag.to_string(),
        }
    }
}

/// The fields of the decision form, in page order.
pub const DECISION_FIELDS: [&str; 2] = ["issue", "note"];

/// The decision typed, or every error with its field. The feedback service requires a reason
/// from the list and a note to the author for a rejection: the author is told why.
pub fn decide(fields: &DecisionFields) -> Result<Decision, FormErrors> {
    let mut errors = FormErrors::new();
    let note = form::normalised_text(&fields.note);
    if note.chars().count() > MAX_NOTE_CHARS {
        errors.add_n("note", "moderation-error-note-long", MAX_NOTE_CHARS as i64);
    } else if form::has_control_characters(&note) {
        errors.add("note", "moderation-error-note-characters");
    }
    let decision = match fields.action.as_str() {
        "publish" => Some(Decision::Publish),
        "reject" => {
            let issue = REASONS
                .iter()
                .find(|r| issue_value(**r) == fields.issue.trim())
                .copied();
            if issue.is_none() {
                errors.add("issue", "moderation-error-issue-missing");
            }
            if note.is_empty() {
                errors.add("note", "moderation-error-note-missing");
            }
            issue.map(|issue| Decision::Reject {
                issue,
                note: note.clone(),
            })
        }
        _ => {
            errors.add("", "moderation-error-action");
            None
        }
    };
    match decision {
        Some(d) if errors.is_empty() => Ok(d),
        _ => Err(errors.ordered(&DECISION_FIELDS)),
    }
}

/// The form field a path of the feedback service's refusal of a decision belongs to.
pub fn decision_field(path: &str) -> Option<(&'static str, &'static str)> {
    match path {
        "issue" => Some(("issue", "moderation-error-issue-missing")),
        "note" => Some(("note", "moderation-error-note-refused")),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Complaints.

/// The statuses a complaint in `status` may take next, as the contract allows them.
pub fn next_statuses(status: i32) -> Vec<ComplaintStatus> {
    match ComplaintStatus::try_from(status) {
        Ok(ComplaintStatus::Open) => vec![ComplaintStatus::InReview],
        Ok(ComplaintStatus::InReview) => {
            vec![ComplaintStatus::Resolved, ComplaintStatus::Rejected]
        }
        _ => Vec::new(),
    }
}

/// Whether moving to `to` needs a resolution (the reason for closing it, told the complainant).
pub fn needs_resolution(to: ComplaintStatus) -> bool {
    matches!(to, ComplaintStatus::Resolved | ComplaintStatus::Rejected)
}

/// The value a status's radio button carries (its contract name, lower case).
pub fn status_value(status: ComplaintStatus) -> String {
    status
        .as_str_name()
        .trim_start_matches("COMPLAINT_STATUS_")
        .to_ascii_lowercase()
}

/// `list` as moderators work through it: overdue ones first, then by deadline, then by id.
pub fn overdue_first(mut list: Vec<fb::Complaint>) -> Vec<fb::Complaint> {
    list.sort_by(|a, b| {
        let deadline = |c: &fb::Complaint| c.deadline.map(|d| (d.year, d.month, d.day));
        b.overdue
            .cmp(&a.overdue)
            .then_with(|| deadline(a).cmp(&deadline(b)))
            .then_with(|| a.id.cmp(&b.id))
    });
    list
}

/// A complaint's form as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ComplaintFields {
    /// The session's form token.
    pub csrf: String,
    /// The next status, by [`status_value`].
    pub status: String,
    /// The resolution or reason for rejection.
    pub resolution: String,
    /// The version the moderator saw.
    pub etag: String,
}

/// A step that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The new status.
    pub to: ComplaintStatus,
    /// The resolution, when the step closes the complaint.
    pub resolution: Option<String>,
}

impl Step {
    /// The step as UpdateComplaint takes it, for complaint `id` seen at `etag`.
    pub fn request(&self, id: &str, etag: &str) -> fb::UpdateComplaintRequest {
        let mut paths = vec!["status".to_string()];
        if self.resolution.is_some() {
            paths.push("resolution".into());
        }
        fb::UpdateComplaintRequest {
            complaint: Some(fb::Complaint {
                id: id.to_string(),
                status: self.to as i32,
                resolution: self.resolution.clone().unwrap_or_default(),
                etag: etag.to_string(),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask { paths }),
        }
    }
}

/// The fields of the complaint form, in page order.
pub const COMPLAINT_FIELDS: [&str; 2] = ["status", "resolution"];

/// The step typed for a complaint now in `current`, or every error with its field.
pub fn step(current: i32, fields: &ComplaintFields) -> Result<Step, FormErrors> {
    let mut errors = FormErrors::new();
    let allowed = next_statuses(current);
    if allowed.is_empty() {
        errors.add("", "moderation-error-complaint-closed");
        return Err(errors);
    }
    let to = allowed
        .iter()
        .find(|s| status_value(**s) == fields.status.trim())
        .copied();
    if to.is_none() {
        errors.add("status", "moderation-error-status-missing");
    }
    let resolution = form::normalised_text(&fields.resolution);
    if resolution.chars().count() > MAX_RESOLUTION_CHARS {
        errors.add_n(
            "resolution",
            "moderation-error-resolution-long",
            MAX_RESOLUTION_CHARS as i64,
        );
    } else if form::has_control_characters(&resolution) {
        errors.add("resolution", "moderation-error-resolution-characters");
    }
    let closing = to.is_some_and(needs_resolution);
    if closing && resolution.is_empty() {
        errors.add("resolution", "moderation-error-resolution-missing");
    }
    match to {
        Some(to) if errors.is_empty() => Ok(Step {
            to,
            resolution: closing.then_some(resolution),
        }),
        _ => Err(errors.ordered(&COMPLAINT_FIELDS)),
    }
}

/// The form field a path of the feedback service's refusal of a step belongs to.
pub fn complaint_field(path: &str) -> Option<(&'static str, &'static str)> {
    match path {
        "complaint.status" => Some(("status", "moderation-error-status-missing")),
        "complaint.resolution" => Some(("resolution", "moderation-error-resolution-refused")),
        _ => None,
    }
}

/// Every message key the rules above may name (chosen at run time).
pub const MESSAGE_KEYS: [&str; 14] = [
    "moderation-error-note-long",
    "moderation-error-note-characters",
    "moderation-error-note-missing",
    "moderation-error-note-refused",
    "moderation-error-issue-missing",
    "moderation-error-action",
    "moderation-error-general",
    "moderation-error-complaint-closed",
    "moderation-error-status-missing",
    "moderation-error-resolution-long",
    "moderation-error-resolution-characters",
    "moderation-error-resolution-missing",
    "moderation-error-resolution-refused",
    "moderation-error-complaint-general",
];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::i18n::{Lang, Tr};
    use onaltu_proto::common::Date;

    fn evaluation(id: &str, seconds: i64) -> fb::Evaluation {
        fb::Evaluation {
            id: id.into(),
            submit_time: Some(prost_types::Timestamp { seconds, nanos: 0 }),
            ..Default::default()
        }
    }

    #[test]
    fn the_queue_is_oldest_first() {
        let list = vec![
            evaluation("c", 300),
            evaluation("b", 100),
            evaluation("a", 100),
        ];
        let ids: Vec<_> = oldest_first(list).into_iter().map(|e| e.id).collect();
        assert_eq!(ids, ["a", "b", "c"]);
    }

    #[test]
    fn only_open_reports_are_counted() {
        let report = |d: fb::ReportDecision| fb::EvaluationReport {
            decision: d as i32,
            ..Default::default()
        };
        let e = fb::Evaluation {
            reports: vec![
                report(fb::ReportDecision::Open),
                report(fb::ReportDecision::Dismissed),
                report(fb::ReportDecision::Open),
            ],
            ..Default::default()
        };
        assert_eq!(open_reports(&e), 2);
    }

    fn fields(action: &str, issue: &str, note: &str) -> DecisionFields {
        DecisionFields {
            action: action.into(),
            issue: issue.into(),
            note: note.into(),
            ..Default::default()
        }
    }

    #[test]
    fn publishing_needs_nothing_more() {
        assert_eq!(
            decide(&fields("publish", "", "")).unwrap(),
            Decision::Publish
        );
        let r = Decision::Publish.request("e1", "v1");
        assert_eq!(r.action, fb::ModerationAction::Publish as i32);
        assert_eq!(r.issue, 0, "the service refuses an issue on publishing");
        assert_eq!(r.etag, "v1");
    }

    #[test]
    fn a_rejection_needs_a_reason_from_the_list_and_a_note() {
        let d = decide(&fields("reject", "personal_data", "  Names a nurse.\r\n ")).unwrap();
        assert_eq!(
            d,
            Decision::Reject {
                issue: ContentIssue::PersonalData,
                note: "Names a nurse.".into()
            }
        );
        assert_eq!(d.request("e", "").issue, ContentIssue::PersonalData as i32);
        let e = decide(&fields("reject", "", "")).unwrap_err();
        let found: Vec<_> = e.all().iter().map(|e| (e.field, e.key)).collect();
        assert_eq!(
            found,
            [
                ("issue", "moderation-error-issue-missing"),
                ("note", "moderation-error-note-missing")
            ]
        );
        let e = decide(&fields("reject", "unspecified", "x")).unwrap_err();
        assert!(e.of("issue").is_some(), "not a reason of the list");
    }

    #[test]
    fn a_note_has_a_length_limit() {
        let long = "ә".repeat(MAX_NOTE_CHARS + 1);
        let e = decide(&fields("reject", "spam", &long)).unwrap_err();
        assert_eq!(e.of("note").unwrap().key, "moderation-error-note-long");
        let fine = "ә".repeat(MAX_NOTE_CHARS);
        assert!(decide(&fields("reject", "spam", &fine)).is_ok());
        assert!(
            decide(&fields("delete", "", ""))
                .unwrap_err()
                .of("")
                .is_some()
        );
    }

    #[test]
    fn every_reason_has_a_value_the_form_reads_back() {
        for r in REASONS {
            let d = decide(&fields("reject", &issue_value(r), "why")).unwrap();
            assert_eq!(
                d,
                Decision::Reject {
                    issue: r,
                    note: "why".into()
                }
            );
        }
        assert_eq!(issue_key(1), "moderation-issue-personal-data");
        assert_eq!(flag_key(1), "moderation-flag-iin");
    }

    #[test]
    fn a_complaint_moves_open_then_in_review_then_closed() {
        use ComplaintStatus as S;
        assert_eq!(next_statuses(S::Open as i32), [S::InReview]);
        assert_eq!(
            next_statuses(S::InReview as i32),
            [S::Resolved, S::Rejected]
        );
        assert!(next_statuses(S::Resolved as i32).is_empty());
        assert!(next_statuses(S::Rejected as i32).is_empty());
        assert!(next_statuses(0).is_empty());
    }

    fn step_fields(status: &str, resolution: &str) -> ComplaintFields {
        ComplaintFields {
            status: status.into(),
            resolution: resolution.into(),
            ..Default::default()
        }
    }

    #[test]
    fn only_an_allowed_next_status_is_taken() {
        use ComplaintStatus as S;
        let s = step(S::Open as i32, &step_fields("in_review", "")).unwrap();
        assert_eq!(s.to, S::InReview);
        assert_eq!(s.resolution, None);
        assert_eq!(s.request("c", "").update_mask.unwrap().paths, ["status"]);
        let e = step(S::Open as i32, &step_fields("resolved", "done")).unwrap_err();
        assert_eq!(
            e.of("status").unwrap().key,
            "moderation-error-status-missing"
        );
        let e = step(S::Resolved as i32, &step_fields("in_review", "")).unwrap_err();
        assert_eq!(e.of("").unwrap().key, "moderation-error-complaint-closed");
    }

    #[test]
    fn closing_a_complaint_needs_a_resolution() {
        use ComplaintStatus as S;
        let e = step(S::InReview as i32, &step_fields("resolved", "  ")).unwrap_err();
        assert_eq!(
            e.of("resolution").unwrap().key,
            "moderation-error-resolution-missing"
        );
        let s = step(S::InReview as i32, &step_fields("rejected", "Unfounded.")).unwrap();
        assert_eq!(s.resolution.as_deref(), Some("Unfounded."));
        let r = s.request("c", "v");
        assert_eq!(r.update_mask.unwrap().paths, ["status", "resolution"]);
        let long = "x".repeat(MAX_RESOLUTION_CHARS + 1);
        let e = step(S::InReview as i32, &step_fields("resolved", &long)).unwrap_err();
        assert_eq!(
            e.of("resolution").unwrap().key,
            "moderation-error-resolution-long"
        );
    }

    fn complaint(id: &str, overdue: bool, day: i32) -> fb::Complaint {
        fb::Complaint {
            id: id.into(),
            overdue,
            deadline: Some(Date {
                year: 2026,
                month: 5,
                day,
            }),
            ..Default::default()
        }
    }

    #[test]
    fn overdue_complaints_come_first_then_by_deadline() {
        let list = vec![
            complaint("a", false, 1),
            complaint("b", true, 20),
            complaint("c", true, 3),
            complaint("d", false, 2),
            complaint("e", false, 1),
        ];
        let ids: Vec<_> = overdue_first(list).into_iter().map(|c| c.id).collect();
        assert_eq!(ids, ["c", "b", "a", "e", "d"]);
    }

    #[test]
    fn service_paths_land_on_the_fields() {
        assert_eq!(decision_field("note").unwrap().0, "note");
        assert_eq!(decision_field("etag"), None);
        assert_eq!(
            complaint_field("complaint.resolution").unwrap().0,
            "resolution"
        );
        assert_eq!(complaint_field("complaint.deadline"), None);
    }

    /// The keys are computed, so the catalogue scan cannot see them.
    #[test]
    fn every_reason_flag_and_message_is_translated() {
        let mut keys: Vec<String> = REASONS.iter().map(|r| issue_key(*r as i32)).collect();
        keys.extend((1..=3).map(flag_key));
        keys.extend(MESSAGE_KEYS.iter().map(|k| (*k).to_string()));
        for lang in Lang::ALL {
            let tr = Tr::new(lang);
            for key in &keys {
                assert!(tr.has(key), "{} lacks {key}", lang.code());
            }
        }
    }
}
