//! Pre-moderation (as NHS reviews): every evaluation waits for a moderator, who publishes it or
//! rejects it for a reason from a fixed list, and decides on the reports of a published one
//! (see `report`); the centre replies once, publicly.

use onaltu_errors::{ApiError, Violations};
use uuid::Uuid;

use super::evaluation::Status;

/// Why an evaluation is rejected or reported (себебі), with the contract's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issue {
    /// Personal data of anyone in the text.
    PersonalData = 1,
    /// Offensive or abusive language.
    Offensive = 2,
    /// Not about the service received.
    OffTopic = 3,
    /// Advertising or spam.
    Spam = 4,
    /// False or misleading statements.
    FalseInformation = 5,
    /// Another issue, explained in the note.
    Other = 6,
    /// Names or describes a third person.
    ThirdPerson = 7,
    /// A complaint, to be handled as one.
    Complaint = 8,
}

impl Issue {
    /// The issue of the contract's value `code`; `None` for unset or unknown.
    pub fn from_code(code: i32) -> Option<Self> {
        Some(match code {
            1 => Self::PersonalData,
            2 => Self::Offensive,
            3 => Self::OffTopic,
            4 => Self::Spam,
            5 => Self::FalseInformation,
            6 => Self::Other,
            7 => Self::ThirdPerson,
            8 => Self::Complaint,
            _ => return None,
        })
    }
}

/// The longest moderator's note or report explanation.
pub const MAX_NOTE_CHARS: usize = 1000;
/// The longest reply of a centre.
pub const MAX_REPLY_CHARS: usize = 2000;

/// A moderator's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Publish (жариялау).
    Publish,
    /// Reject for `issue`, telling the author why in `note` (қабылдамау).
    Reject {
        /// The issue found.
        issue: Issue,
        /// The note to the author.
        note: String,
    },
}

/// Decodes a decision: `action` 1 publishes, 2 rejects and then needs an issue and a note.
pub fn decide(action: i32, issue: i32, note: &str) -> Result<Decision, Violations> {
    let mut v = Violations::new();
    let note = note.trim();
    v.check(
        note.chars().count() <= MAX_NOTE_CHARS,
        "note",
        format!("must be at most {MAX_NOTE_CHARS} characters"),
    );
    let decision = match action {
        1 => {
            v.check(issue == 0, "issue", "is only for a rejection");
            Some(Decision::Publish)
        }
        2 => {
            let found = Issue::from_code(issue);
            v.check(
                found.is_some(),
                "issue",
                "is required for a rejection (a reason from the list)",
            );
            v.check(
                !note.is_empty(),
                "note",
                "is required for a rejection: tell the author why",
            );
            found.map(|issue| Decision::Reject {
                issue,
                note: note.to_string(),
            })
        }
        _ => {
            v.add("action", "is required (PUBLISH or REJECT)");
            None
        }
    };
    match decision {
        Some(d) if v.is_empty() => Ok(d),
        _ => Err(v),
    }
}

/// A change of status and what it means for the rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    /// The new status.
    pub to: Status,
    /// It starts counting: publish an `EvaluationPublished`.
    pub publishes: bool,
    /// It stops counting: publish an `EvaluationWithdrawn`.
    pub withdraws: bool,
}

fn refused(id: Uuid, status: Status, what: &str) -> ApiError {
    ApiError::precondition(
        "EVALUATION_STATUS",
        format!("evaluations/{id}"),
        format!("the evaluation is {}: {what}", status.name()),
    )
}

/// Applies a moderator's decision to an evaluation in `status`, which has reports waiting for
/// a decision when `open_reports`. A pending one starts counting when published; a hidden one
/// counted all along, so publishing it changes nothing for the rating and rejecting it
/// withdraws it; a published one with open reports stays published (the reports dismissed) or
/// is withdrawn. A published one without reports, or a rejected one, is not moderated again.
pub fn moderate(
    id: Uuid,
    status: Status,
    open_reports: bool,
    decision: &Decision,
) -> Result<Move, ApiError> {
    let counted = match status {
        Status::PendingModeration => false,
        Status::HiddenReported => true,
        Status::Published if open_reports => true,
        _ => {
            return Err(refused(
                id,
                status,
                "only PENDING_MODERATION, HIDDEN_REPORTED, or reported PUBLISHED evaluations are \
                 moderated",
            ));
        }
    };
    Ok(match decision {
        Decision::Publish => Move {
            to: Status::Published,
            publishes: !counted,
            withdraws: false,
        },
        Decision::Reject { .. } => Move {
            to: Status::Rejected,
            publishes: false,
            withdraws: counted,
        },
    })
}

/// Checks the centre's one public reply: to a published evaluation, with no reply yet.
pub fn reply(id: Uuid, status: Status, has_reply: bool, text: &str) -> Result<String, ApiError> {
    let text = text.trim();
    let mut v = Violations::new();
    v.check(!text.is_empty(), "text", "is required");
    v.check(
        text.chars().count() <= MAX_REPLY_CHARS,
        "text",
        format!("must be at most {MAX_REPLY_CHARS} characters"),
    );
    v.into_result()?;
    if status != Status::Published {
        return Err(refused(
            id,
            status,
            "only PUBLISHED evaluations get a public reply",
        ));
    }
    if has_reply {
        return Err(ApiError::AlreadyExists {
            resource: "reply",
            message: format!("evaluations/{id} already has the centre's reply"),
        });
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: Uuid = Uuid::from_u128(1);

    fn reject() -> Decision {
        Decision::Reject {
            issue: Issue::Offensive,
            note: "abuse".into(),
        }
    }

    #[test]
    fn publishing_a_pending_evaluation_starts_counting_it() {
        let m = moderate(ID, Status::PendingModeration, false, &Decision::Publish).unwrap();
        assert_eq!(m.to, Status::Published);
        assert!(m.publishes && !m.withdraws);
        let m = moderate(ID, Status::PendingModeration, false, &reject()).unwrap();
        assert_eq!(m.to, Status::Rejected);
        assert!(!m.publishes && !m.withdraws, "it never counted");
    }

    #[test]
    fn a_reported_evaluation_counted_all_along_until_a_moderator_rejects_it() {
        for (status, open) in [(Status::HiddenReported, true), (Status::Published, true)] {
            let kept = moderate(ID, status, open, &Decision::Publish).unwrap();
            assert_eq!(kept.to, Status::Published);
            assert!(
                !kept.publishes && !kept.withdraws,
                "{status:?}: still counted"
            );
            let gone = moderate(ID, status, open, &reject()).unwrap();
            assert_eq!(gone.to, Status::Rejected);
            assert!(gone.withdraws && !gone.publishes, "{status:?}: withdrawn");
        }
    }

    #[test]
    fn a_rejection_needs_a_reason_from_the_list_and_a_note() {
        let bad = decide(2, 0, " ").unwrap_err();
        let fields: Vec<_> = bad.as_slice().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["issue", "note"]);
        assert_eq!(
            decide(2, 7, "names a nurse").unwrap(),
            Decision::Reject {
                issue: Issue::ThirdPerson,
                note: "names a nurse".into()
            }
        );
        assert!(decide(2, 99, "x").is_err());
        assert!(decide(0, 0, "").is_err());
        assert!(decide(1, 3, "").is_err(), "a publication has no issue");
    }

    #[test]
    fn published_or_rejected_evaluations_are_not_moderated_again() {
        for from in [Status::Published, Status::Rejected] {
            let err = moderate(ID, from, false, &Decision::Publish).unwrap_err();
            assert_eq!(err.code(), tonic::Code::FailedPrecondition);
            assert!(err.to_string().contains(from.name()), "{err}");
        }
    }

    #[test]
    fn one_reply_to_a_published_evaluation() {
        assert_eq!(
            reply(ID, Status::Published, false, " Рақмет! ").unwrap(),
            "Рақмет!"
        );
        assert_eq!(
            reply(ID, Status::Published, true, "again")
                .unwrap_err()
                .code(),
            tonic::Code::AlreadyExists
        );
        assert_eq!(
            reply(ID, Status::PendingModeration, false, "early")
                .unwrap_err()
                .code(),
            tonic::Code::FailedPrecondition
        );
        assert_eq!(
            reply(ID, Status::Published, false, "").unwrap_err().code(),
            tonic::Code::InvalidArgument
        );
    }
}
