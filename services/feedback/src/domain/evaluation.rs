//! An evaluation's life: who may submit one for which episode, the 14-day edit window, its
//! statuses, and who sees what of it.

use chrono::{DateTime, Duration, Utc};
use onaltu_auth::{Caller, Role};
use onaltu_errors::ApiError;
use uuid::Uuid;

/// Days after submission during which the author may edit.
pub const EDIT_WINDOW_DAYS: i64 = 14;

/// Status of an evaluation (мәртебесі), with the contract's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Waiting for moderation (модерацияда).
    PendingModeration = 1,
    /// Published (жарияланды).
    Published = 2,
    /// Rejected by a moderator (қабылданбады).
    Rejected = 3,
    /// Hidden after a report until moderated again (шағымға байланысты жасырылды).
    HiddenReported = 4,
}

impl Status {
    /// The status stored as `code`.
    pub fn from_code(code: i16) -> Option<Self> {
        Some(match code {
            1 => Self::PendingModeration,
            2 => Self::Published,
            3 => Self::Rejected,
            4 => Self::HiddenReported,
            _ => return None,
        })
    }

    /// The contract's name, as error messages show it.
    pub fn name(self) -> &'static str {
        match self {
            Self::PendingModeration => "PENDING_MODERATION",
            Self::Published => "PUBLISHED",
            Self::Rejected => "REJECTED",
            Self::HiddenReported => "HIDDEN_REPORTED",
        }
    }
}

/// What the registry says of the episode being evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpisodeFacts {
    /// The episode.
    pub id: Uuid,
    /// Its recipient.
    pub person_id: Uuid,
    /// Its centre.
    pub center_id: Uuid,
    /// The contract's name of its state, e.g. `DISCHARGED`.
    pub state: String,
    /// Whether the person was ever admitted (the service was received).
    pub admitted: bool,
}

/// Who wrote an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authorship {
    /// The recipient of the service.
    pub recipient: Uuid,
    /// Who submitted: the recipient or the legal representative.
    pub submitted_by: Uuid,
    /// Whether the legal representative submitted.
    pub legal_representative: bool,
}

/// The authorship of an evaluation of `episode` submitted by citizen `caller`, once the
/// registry has let the caller read the episode (so the caller is its recipient or the
/// recipient's legal representative). Refused unless the service was received.
pub fn authorship(caller: Uuid, episode: &EpisodeFacts) -> Result<Authorship, ApiError> {
    if !episode.admitted {
        return Err(ApiError::precondition(
            "EPISODE_STATE",
            format!("episodes/{}", episode.id),
            format!(
                "the episode is {}: only a service received (admitted or later) can be evaluated",
                episode.state
            ),
        ));
    }
    Ok(Authorship {
        recipient: episode.person_id,
        submitted_by: caller,
        legal_representative: caller != episode.person_id,
    })
}

/// The last moment the author may edit an evaluation submitted at `submitted`.
pub fn editable_until(submitted: DateTime<Utc>) -> DateTime<Utc> {
    submitted + Duration::days(EDIT_WINDOW_DAYS)
}

/// An author's edit at `now`: allowed within the window, in any status; the evaluation goes
/// back to moderation. Returns whether it was published (then it stops counting until
/// published again).
pub fn edit(
    id: Uuid,
    status: Status,
    submitted: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let until = editable_until(submitted);
    if now > until {
        return Err(ApiError::precondition(
            "EDIT_WINDOW",
            format!("evaluations/{id}"),
            format!(
                "the evaluation could be edited for {EDIT_WINDOW_DAYS} days after submission, until {}",
                until.format("%Y-%m-%d %H:%M UTC")
            ),
        ));
    }
    Ok(status == Status::Published)
}

/// How much of an evaluation a caller sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum View {
    /// Anyone: published ones only, without author, moderation or complaint.
    Public,
    /// The centre's staff: every status, without author or the moderator's note.
    Staff,
    /// The author and moderators, auditors and administrators: everything.
    Full,
}

/// Who is asking, as far as evaluations care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// No token, or a role with no part in feedback.
    Public,
    /// A citizen who is this person.
    Citizen(Uuid),
    /// Staff of this centre.
    Staff(Uuid),
    /// CITY_OPERATOR, AUDITOR or ADMIN.
    Official,
}

impl Viewer {
    /// The caller as the evaluation rules see them.
    pub fn of(caller: &Caller) -> Self {
        match caller {
            Caller::Authenticated(c) => match c.role {
                Role::Citizen => c.person_id.map_or(Viewer::Public, Viewer::Citizen),
                Role::CenterStaff => c.center_id.map_or(Viewer::Public, Viewer::Staff),
                Role::CityOperator | Role::Auditor | Role::Admin => Viewer::Official,
                Role::Dispatcher | Role::Driver | Role::Integration => Viewer::Public,
            },
            Caller::Anonymous => Viewer::Public,
        }
    }
}

/// The view `viewer` has of an evaluation, or `None` when it may not see it at all.
pub fn view(viewer: Viewer, status: Status, center: Uuid, author: &Authorship) -> Option<View> {
    let own = match viewer {
        Viewer::Official => Some(View::Full),
        Viewer::Citizen(me) if me == author.submitted_by || me == author.recipient => {
            Some(View::Full)
        }
        Viewer::Staff(c) if c == center => Some(View::Staff),
        _ => None,
    };
    own.or((status == Status::Published).then_some(View::Public))
}

/// Whether `viewer` lists evaluations of every status (filtered to `centre`, if any); everyone
/// else lists published ones only.
pub fn lists_every_status(viewer: Viewer, centre: Option<Uuid>) -> bool {
    match viewer {
        Viewer::Official => true,
        Viewer::Staff(own) => centre == Some(own),
        Viewer::Citizen(_) | Viewer::Public => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn episode(admitted: bool, state: &str) -> EpisodeFacts {
        EpisodeFacts {
            id: Uuid::from_u128(1),
            person_id: Uuid::from_u128(2),
            center_id: Uuid::from_u128(3),
            state: state.into(),
            admitted,
        }
    }

    #[test]
    fn a_recipient_evaluates_a_received_service() {
        let a = authorship(Uuid::from_u128(2), &episode(true, "DISCHARGED")).unwrap();
        assert!(!a.legal_representative);
        assert_eq!(a.recipient, Uuid::from_u128(2));
    }

    #[test]
    fn a_representative_submits_for_the_recipient() {
        let a = authorship(Uuid::from_u128(9), &episode(true, "ADMITTED")).unwrap();
        assert!(a.legal_representative);
        assert_eq!(a.submitted_by, Uuid::from_u128(9));
        assert_eq!(a.recipient, Uuid::from_u128(2));
    }

    #[test]
    fn a_queued_episode_cannot_be_evaluated_and_the_state_is_named() {
        let err = authorship(Uuid::from_u128(2), &episode(false, "QUEUED")).unwrap_err();
        assert_eq!(err.code(), tonic::Code::FailedPrecondition);
        assert!(err.to_string().contains("QUEUED"), "{err}");
    }

    #[test]
    fn edits_are_allowed_for_fourteen_days_only() {
        let submitted = DateTime::parse_from_rfc3339("2026-07-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let id = Uuid::from_u128(5);
        let day13 = submitted + Duration::days(13);
        assert!(edit(id, Status::Published, submitted, day13).unwrap());
        assert!(!edit(id, Status::Rejected, submitted, day13).unwrap());
        let last = submitted + Duration::days(14);
        assert!(edit(id, Status::PendingModeration, submitted, last).is_ok());
        let late = last + Duration::seconds(1);
        let err = edit(id, Status::PendingModeration, submitted, late).unwrap_err();
        assert_eq!(err.code(), tonic::Code::FailedPrecondition);
        assert!(err.to_string().contains("2026-07-15 10:00 UTC"), "{err}");
    }

    #[test]
    fn only_officials_and_a_centre_for_itself_list_unpublished_evaluations() {
        let centre = Uuid::from_u128(3);
        assert!(lists_every_status(Viewer::Official, None));
        assert!(lists_every_status(Viewer::Staff(centre), Some(centre)));
        assert!(!lists_every_status(Viewer::Staff(centre), None));
        assert!(!lists_every_status(
            Viewer::Staff(centre),
            Some(Uuid::from_u128(4))
        ));
        assert!(!lists_every_status(
            Viewer::Citizen(Uuid::from_u128(2)),
            Some(centre)
        ));
        assert!(!lists_every_status(Viewer::Public, Some(centre)));
    }

    #[test]
    fn who_sees_what() {
        let author = Authorship {
            recipient: Uuid::from_u128(2),
            submitted_by: Uuid::from_u128(9),
            legal_representative: true,
        };
        let centre = Uuid::from_u128(3);
        let pending = Status::PendingModeration;
        assert_eq!(view(Viewer::Public, pending, centre, &author), None);
        assert_eq!(
            view(Viewer::Public, Status::Published, centre, &author),
            Some(View::Public)
        );
        assert_eq!(
            view(
                Viewer::Citizen(Uuid::from_u128(9)),
                pending,
                centre,
                &author
            ),
            Some(View::Full)
        );
        assert_eq!(
            view(
                Viewer::Citizen(Uuid::from_u128(2)),
                pending,
                centre,
                &author
            ),
            Some(View::Full)
        );
        assert_eq!(
            view(
                Viewer::Citizen(Uuid::from_u128(7)),
                pending,
                centre,
                &author
            ),
            None
        );
        assert_eq!(
            view(
                Viewer::Citizen(Uuid::from_u128(7)),
                Status::Published,
                centre,
                &author
            ),
            Some(View::Public)
        );
        assert_eq!(
            view(Viewer::Staff(centre), pending, centre, &author),
            Some(View::Staff)
        );
        assert_eq!(
            view(Viewer::Staff(Uuid::from_u128(4)), pending, centre, &author),
            None
        );
        assert_eq!(
            view(Viewer::Official, Status::Rejected, centre, &author),
            Some(View::Full)
        );
    }
}
