//! An evaluation's life: who may submit one for which episode, the 14-day edit window, its
//! statuses, and who sees what of it.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use onaltu_auth::{Caller, Role};
use onaltu_errors::ApiError;
use uuid::Uuid;

use super::answers::{Answers, CRITERIA, Criterion, Draft};
use super::precheck::{self, Flag};

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
    /// Hidden after reports until a moderator decides; still counted (шағымға байланысты
    /// жасырылды).
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

    /// Whether an evaluation in this status counts in summaries and the rating: a published one,
    /// and one hidden after reports until a moderator rejects it.
    pub fn counts(self) -> bool {
        matches!(self, Self::Published | Self::HiddenReported)
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

/// A new evaluation as its submission decides it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// The evaluated centre: the episode's.
    pub center: Uuid,
    /// Who wrote it.
    pub author: Authorship,
    /// The day it counts from (local).
    pub submitted_on: NaiveDate,
    /// What the pre-check found in the comment, for the moderator.
    pub precheck_flags: Vec<Flag>,
    /// Every new evaluation waits for moderation.
    pub status: Status,
}

/// The evaluation citizen `caller` submits on `today` of `episode` with `answers`, or the
/// refusal when the service was not received.
pub fn submit(
    caller: Uuid,
    episode: &EpisodeFacts,
    answers: &Answers,
    today: NaiveDate,
) -> Result<Submission, ApiError> {
    Ok(Submission {
        center: episode.center_id,
        author: authorship(caller, episode)?,
        submitted_on: today,
        precheck_flags: precheck::flags(&answers.comment, today),
        status: Status::PendingModeration,
    })
}

/// Only the one who submitted an evaluation edits it (the recipient does not edit what their
/// representative wrote, nor the other way round).
pub fn may_edit(caller: Option<Uuid>, author: &Authorship) -> Result<(), ApiError> {
    if caller == Some(author.submitted_by) {
        Ok(())
    } else {
        Err(ApiError::PermissionDenied(
            "only the author may edit an evaluation".into(),
        ))
    }
}

/// A field of an evaluation its author may edit: a path of UpdateEvaluation's mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Every score.
    Scores,
    /// One criterion's score (`scores.<criterion>`).
    Score(Criterion),
    /// Days waited.
    DaysWaited,
    /// Would recommend.
    WouldRecommend,
    /// The comment.
    Comment,
    /// The language of the comment.
    Language,
}

impl Field {
    /// The field a mask path names, if it is one an author may edit.
    pub fn parse(path: &str) -> Option<Self> {
        Some(match path {
            "scores" => Self::Scores,
            "days_waited" => Self::DaysWaited,
            "would_recommend" => Self::WouldRecommend,
            "comment" => Self::Comment,
            "language" => Self::Language,
            other => {
                let c = other.strip_prefix("scores.")?;
                Self::Score(*CRITERIA.iter().find(|k| k.field() == c)?)
            }
        })
    }
}

/// The answers after an edit: the `stored` ones, with the edited `fields` taken from
/// `incoming`.
pub fn edited(stored: Draft, incoming: &Draft, fields: &[Field]) -> Draft {
    let mut draft = stored;
    for field in fields {
        match field {
            Field::Scores => draft.scores = incoming.scores,
            Field::Score(k) => draft.scores[k.index()] = incoming.scores[k.index()],
            Field::DaysWaited => draft.days_waited = incoming.days_waited,
            Field::WouldRecommend => draft.would_recommend = incoming.would_recommend,
            Field::Comment => draft.comment = incoming.comment.clone(),
            Field::Language => {}
        }
    }
    draft
}

/// Whose evaluations a listing shows, and whether in every status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listing {
    /// Only this person's (as recipient or author), for a citizen's own list.
    pub person: Option<Uuid>,
    /// Whether the statuses asked for are shown; otherwise published ones only.
    pub every_status: bool,
}

/// What `viewer` lists of `centre`'s (or every centre's) evaluations; `mine` asks for the
/// citizen's own, in every status.
pub fn listing(viewer: Viewer, centre: Option<Uuid>, mine: bool) -> Result<Listing, ApiError> {
    if !mine {
        return Ok(Listing {
            person: None,
            every_status: lists_every_status(viewer, centre),
        });
    }
    match viewer {
        Viewer::Citizen(me) => Ok(Listing {
            person: Some(me),
            every_status: true,
        }),
        _ => Err(ApiError::invalid(
            "mine",
            "is for a citizen's own evaluations (a CITIZEN token with person_id)",
        )),
    }
}

/// The last moment the author may edit an evaluation submitted at `submitted`.
pub fn editable_until(submitted: DateTime<Utc>) -> DateTime<Utc> {
    submitted + Duration::days(EDIT_WINDOW_DAYS)
}

/// An author's edit at `now`: allowed within the window, in any status; the evaluation goes
/// back to moderation. Returns whether it counted until now (published, or hidden after reports:
/// then it stops counting until published again).
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
    Ok(status.counts())
}

/// How much of an evaluation a caller sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum View {
    /// Anyone: published ones only, without author, episode, moderation or complaint, and its
    /// moments to the day only.
    Public,
    /// The centre's staff: every status, without author, episode or the moderator's note, and
    /// its moments to the day only.
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
        assert!(
            edit(id, Status::HiddenReported, submitted, day13).unwrap(),
            "a hidden evaluation counted until the edit"
        );
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
    fn a_submission_waits_for_moderation_with_its_precheck_flags() {
        let answers = Answers {
            comment: "call me at +7 701 123 45 67".into(),
            ..Answers::default()
        };
        let today = chrono::NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
        let s = submit(
            Uuid::from_u128(9),
            &episode(true, "ADMITTED"),
            &answers,
            today,
        )
        .unwrap();
        assert_eq!(s.status, Status::PendingModeration);
        assert_eq!(s.center, Uuid::from_u128(3));
        assert_eq!(s.submitted_on, today);
        assert!(s.author.legal_representative);
        assert_eq!(s.precheck_flags, vec![Flag::Phone]);
        let refused = submit(
            Uuid::from_u128(2),
            &episode(false, "QUEUED"),
            &answers,
            today,
        );
        assert!(refused.is_err());
    }

    #[test]
    fn only_the_one_who_submitted_edits() {
        let author = Authorship {
            recipient: Uuid::from_u128(2),
            submitted_by: Uuid::from_u128(9),
            legal_representative: true,
        };
        assert!(may_edit(Some(Uuid::from_u128(9)), &author).is_ok());
        let recipient = may_edit(Some(Uuid::from_u128(2)), &author).unwrap_err();
        assert_eq!(recipient.code(), tonic::Code::PermissionDenied);
        assert!(may_edit(None, &author).is_err());
    }

    #[test]
    fn an_edit_takes_the_masked_fields_only() {
        assert_eq!(
            Field::parse("scores.waiting"),
            Some(Field::Score(Criterion::Waiting))
        );
        assert_eq!(Field::parse("comment"), Some(Field::Comment));
        assert_eq!(Field::parse("scores.nothing"), None);
        assert_eq!(Field::parse("status"), None);
        let stored = Draft {
            scores: [Some(3); 7],
            days_waited: Some(10),
            would_recommend: Some(5),
            comment: "old".into(),
        };
        let incoming = Draft {
            scores: [Some(5); 7],
            days_waited: Some(1),
            would_recommend: Some(9),
            comment: "new".into(),
        };
        let d = edited(
            stored.clone(),
            &incoming,
            &[
                Field::Score(Criterion::Waiting),
                Field::Comment,
                Field::Language,
            ],
        );
        assert_eq!(d.scores[Criterion::Waiting.index()], Some(5));
        assert_eq!(d.scores[Criterion::Results.index()], Some(3));
        assert_eq!(d.comment, "new");
        assert_eq!(d.days_waited, Some(10));
        assert_eq!(
            edited(stored, &incoming, &[Field::Scores]).scores,
            [Some(5); 7]
        );
    }

    #[test]
    fn mine_is_a_citizen_s_own_list_in_every_status() {
        let me = Uuid::from_u128(2);
        assert_eq!(
            listing(Viewer::Citizen(me), None, true).unwrap(),
            Listing {
                person: Some(me),
                every_status: true
            }
        );
        let staff = listing(Viewer::Staff(Uuid::from_u128(3)), None, true).unwrap_err();
        assert!(staff.to_string().contains("mine"), "{staff}");
        assert_eq!(
            listing(Viewer::Public, None, false).unwrap(),
            Listing {
                person: None,
                every_status: false
            }
        );
        assert!(listing(Viewer::Official, None, false).unwrap().every_status);
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
