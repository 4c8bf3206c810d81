//! Complaints (шағым / жалоба): when one is opened, its deadline in working days, the legal
//! steps OPEN -> IN_REVIEW -> RESOLVED | REJECTED, and what is overdue.

use chrono::NaiveDate;
use onaltu_auth::{Claims, Role};
use onaltu_errors::{ApiError, Violations};
use uuid::Uuid;

use super::answers::Answers;
use super::calendar::WorkCalendar;

/// The default response time, in working days.
pub const DEFAULT_DEADLINE_WORKING_DAYS: u32 = 15;
/// A score at or below this, with a comment, opens a complaint by itself.
pub const LOW_SCORE: u8 = 2;
/// The longest complaint text, response or resolution.
pub const MAX_TEXT_CHARS: usize = 4000;

/// Status of a complaint, with the contract's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Received, not yet reviewed (ашық).
    Open = 1,
    /// Under review (қаралуда).
    InReview = 2,
    /// Resolved (шешілді).
    Resolved = 3,
    /// Rejected as unfounded (қабылданбады).
    Rejected = 4,
}

impl Status {
    /// The status of the contract's value `code`.
    pub fn from_code(code: i32) -> Option<Self> {
        Some(match code {
            1 => Self::Open,
            2 => Self::InReview,
            3 => Self::Resolved,
            4 => Self::Rejected,
            _ => return None,
        })
    }

    /// The contract's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Open => "OPEN",
            Self::InReview => "IN_REVIEW",
            Self::Resolved => "RESOLVED",
            Self::Rejected => "REJECTED",
        }
    }

    /// Whether the complaint is closed.
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Resolved | Self::Rejected)
    }
}

/// The text of the complaint an evaluation opens, if any: the complaint text the author gave,
/// or else the comment of an evaluation with a low score.
pub fn opened_by(complaint_text: &str, answers: &Answers) -> Option<String> {
    let text = complaint_text.trim();
    if !text.is_empty() {
        return Some(text.to_string());
    }
    (answers.any_at_most(LOW_SCORE) && !answers.comment.is_empty()).then(|| answers.comment.clone())
}

/// A complaint an evaluation opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// Its text.
    pub text: String,
    /// Its response deadline.
    pub deadline: NaiveDate,
    /// Every complaint opens OPEN.
    pub status: Status,
}

/// The complaint an evaluation with `answers` and `complaint_text` opens on `received`, if any,
/// due in `working_days` working days of `calendar`.
pub fn open(
    complaint_text: &str,
    answers: &Answers,
    calendar: &WorkCalendar,
    received: NaiveDate,
    working_days: u32,
) -> Option<Opened> {
    opened_by(complaint_text, answers).map(|text| Opened {
        text,
        deadline: deadline(calendar, received, working_days),
        status: Status::Open,
    })
}

/// The response deadline of a complaint received on `received`.
pub fn deadline(calendar: &WorkCalendar, received: NaiveDate, working_days: u32) -> NaiveDate {
    calendar.add_working_days(received, working_days)
}

/// Whether a complaint in `status` is past its `deadline` on `today`.
pub fn overdue(status: Status, deadline: NaiveDate, today: NaiveDate) -> bool {
    !status.is_closed() && today > deadline
}

/// Who changes a complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handler {
    /// CITY_OPERATOR or ADMIN: every field.
    Official,
    /// The centre's staff: may take it IN_REVIEW and write the centre's response.
    CenterStaff,
}

impl Handler {
    /// The handler a caller of `role` is (the roles allowed to handle complaints).
    pub fn of(role: Role) -> Self {
        if role == Role::CenterStaff {
            Self::CenterStaff
        } else {
            Self::Official
        }
    }
}

/// Whether `handler`, of `own_center` when the centre's staff, may change a complaint about
/// `center`.
pub fn may_handle(
    handler: Handler,
    own_center: Option<Uuid>,
    center: Uuid,
) -> Result<(), ApiError> {
    if handler == Handler::CenterStaff && own_center != Some(center) {
        return Err(ApiError::PermissionDenied(
            "this complaint is about another centre".into(),
        ));
    }
    Ok(())
}

/// Whose complaints a caller lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    /// Only this centre's.
    pub center: Option<Uuid>,
    /// Only this complainant's.
    pub complainant: Option<Uuid>,
}

/// Whether a caller in `role` gets complaints in the centre's view: the evaluated centre's
/// staff never learn who complained (no episode, no person, moments to the day).
pub fn centre_view(role: Role) -> bool {
    role == Role::CenterStaff
}

/// The complaints `claims` may list, given the `center` asked for: the centre's staff their
/// own centre's, a citizen their own, the city every one.
pub fn scope(claims: &Claims, center: Option<Uuid>) -> Result<Scope, ApiError> {
    match claims.role {
        Role::CenterStaff => {
            let own = claims.center_id;
            if center.is_some() && center != own {
                return Err(ApiError::PermissionDenied(
                    "the centre's staff see their own centre's complaints".into(),
                ));
            }
            let own = own.ok_or_else(|| {
                ApiError::PermissionDenied("the token names no centre (claim center_id)".into())
            })?;
            Ok(Scope {
                center: Some(own),
                complainant: None,
            })
        }
        Role::Citizen => {
            let me = claims.person_id.ok_or_else(|| {
                ApiError::PermissionDenied("the token names no person (claim person_id)".into())
            })?;
            Ok(Scope {
                center,
                complainant: Some(me),
            })
        }
        _ => Ok(Scope {
            center,
            complainant: None,
        }),
    }
}

/// A requested change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    /// New status.
    pub status: Option<i32>,
    /// New assignee.
    pub assignee: Option<String>,
    /// New deadline.
    pub deadline: Option<NaiveDate>,
    /// The centre's response.
    pub center_response: Option<String>,
    /// Resolution or reason for rejection.
    pub resolution: Option<String>,
}

/// A complaint's fields as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    /// Status.
    pub status: Status,
    /// Assignee.
    pub assignee: String,
    /// Deadline.
    pub deadline: NaiveDate,
    /// The centre's response.
    pub center_response: String,
    /// Resolution.
    pub resolution: String,
}

/// Applies `change` by `handler` to complaint `id` in `state`: the new state, or every bad
/// field, or the refused step naming the current status.
pub fn update(
    id: Uuid,
    state: &State,
    change: &Change,
    handler: Handler,
    today: NaiveDate,
) -> Result<State, ApiError> {
    let mut v = Violations::new();
    let mut next = state.clone();
    let target = match change.status {
        None => None,
        Some(code) => {
            let s = Status::from_code(code);
            v.check(s.is_some(), "complaint.status", "unknown status");
            s
        }
    };
    for (field, text) in [
        ("complaint.center_response", &change.center_response),
        ("complaint.resolution", &change.resolution),
        ("complaint.assignee_subject", &change.assignee),
    ] {
        if let Some(text) = text {
            v.check(
                text.chars().count() <= MAX_TEXT_CHARS,
                field,
                format!("must be at most {MAX_TEXT_CHARS} characters"),
            );
        }
    }
    if let Some(d) = change.deadline {
        v.check(d >= today, "complaint.deadline", "must not be in the past");
    }
    if handler == Handler::CenterStaff {
        for (field, set) in [
            ("complaint.assignee_subject", change.assignee.is_some()),
            ("complaint.deadline", change.deadline.is_some()),
            ("complaint.resolution", change.resolution.is_some()),
        ] {
            if set {
                return Err(ApiError::PermissionDenied(format!(
                    "the centre's staff may not set {field}; a city official does"
                )));
            }
        }
        if target.is_some_and(|t| t != Status::InReview) {
            return Err(ApiError::PermissionDenied(
                "the centre's staff may only take a complaint IN_REVIEW".into(),
            ));
        }
    }
    if let Some(r) = &change.resolution {
        next.resolution = r.trim().to_string();
    }
    if let Some(to) = target
        && to.is_closed()
    {
        v.check(
            !next.resolution.is_empty(),
            "complaint.resolution",
            format!("is required to set {}", to.name()),
        );
    }
    v.into_result()?;
    if let Some(to) = target {
        let legal = matches!(
            (state.status, to),
            (Status::Open, Status::InReview)
                | (Status::InReview, Status::Resolved)
                | (Status::InReview, Status::Rejected)
        );
        if !legal {
            return Err(ApiError::precondition(
                "COMPLAINT_STATUS",
                format!("complaints/{id}"),
                format!(
                    "the complaint is {}: it cannot become {} (OPEN -> IN_REVIEW -> RESOLVED | REJECTED)",
                    state.status.name(),
                    to.name()
                ),
            ));
        }
        next.status = to;
    } else if state.status.is_closed() {
        return Err(ApiError::precondition(
            "COMPLAINT_STATUS",
            format!("complaints/{id}"),
            format!("the complaint is {}: it is closed", state.status.name()),
        ));
    }
    if let Some(a) = &change.assignee {
        next.assignee = a.trim().to_string();
    }
    if let Some(d) = change.deadline {
        next.deadline = d;
    }
    if let Some(r) = &change.center_response {
        next.center_response = r.trim().to_string();
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: Uuid = Uuid::from_u128(1);

    #[test]
    fn only_the_centre_s_staff_get_the_centre_s_view() {
        assert!(centre_view(Role::CenterStaff));
        for whole in [
            Role::Citizen,
            Role::CityOperator,
            Role::Auditor,
            Role::Admin,
        ] {
            assert!(!centre_view(whole), "{whole:?}");
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn state(status: Status) -> State {
        State {
            status,
            assignee: String::new(),
            deadline: d(2026, 12, 22),
            center_response: String::new(),
            resolution: String::new(),
        }
    }

    fn to(status: Status) -> Change {
        Change {
            status: Some(status as i32),
            ..Change::default()
        }
    }

    fn answers(scores: [Option<u8>; 7], comment: &str) -> Answers {
        Answers {
            scores,
            comment: comment.into(),
            ..Answers::default()
        }
    }

    #[test]
    fn a_complaint_opens_with_its_text_or_a_low_score_with_a_comment() {
        let good = answers([Some(5); 7], "Керемет");
        assert_eq!(
            opened_by(" Ескі жабдық ", &good).as_deref(),
            Some("Ескі жабдық")
        );
        assert_eq!(opened_by("", &good), None);
        let low = answers(
            [Some(2), Some(4), None, None, None, None, None],
            "Суық бөлме",
        );
        assert_eq!(opened_by("", &low).as_deref(), Some("Суық бөлме"));
        let low_silent = answers([Some(1); 7], "");
        assert_eq!(opened_by("", &low_silent), None);
        let three = answers([Some(3); 7], "орташа");
        assert_eq!(opened_by("", &three), None);
    }

    #[test]
    fn an_opened_complaint_is_open_and_due_in_working_days() {
        let calendar = WorkCalendar::kazakhstan().unwrap();
        let low = answers([Some(1), None, None, None, None, None, None], "cold rooms");
        let received = d(2026, 12, 1);
        let opened = open("", &low, &calendar, received, 15).unwrap();
        assert_eq!(opened.text, "cold rooms");
        assert_eq!(opened.status, Status::Open);
        assert_eq!(opened.deadline, deadline(&calendar, received, 15));
        let fine = answers([Some(5), None, None, None, None, None, None], "thanks");
        assert_eq!(open("  ", &fine, &calendar, received, 15), None);
    }

    fn claims(role: Role, center: Option<u128>, person: Option<u128>) -> Claims {
        let mut c = Claims::new("someone", role, 60);
        c.center_id = center.map(Uuid::from_u128);
        c.person_id = person.map(Uuid::from_u128);
        c
    }

    #[test]
    fn staff_list_their_centre_s_complaints_and_citizens_their_own() {
        let staff = claims(Role::CenterStaff, Some(3), None);
        assert_eq!(
            scope(&staff, None).unwrap(),
            Scope {
                center: Some(Uuid::from_u128(3)),
                complainant: None
            }
        );
        let other = scope(&staff, Some(Uuid::from_u128(4))).unwrap_err();
        assert_eq!(other.code(), tonic::Code::PermissionDenied);
        assert!(scope(&claims(Role::CenterStaff, None, None), None).is_err());
        let citizen = claims(Role::Citizen, None, Some(2));
        assert_eq!(
            scope(&citizen, None).unwrap().complainant,
            Some(Uuid::from_u128(2))
        );
        assert!(scope(&claims(Role::Citizen, None, None), None).is_err());
        let city = scope(&claims(Role::Auditor, None, None), Some(Uuid::from_u128(4))).unwrap();
        assert_eq!(city.center, Some(Uuid::from_u128(4)));
        assert_eq!(city.complainant, None);
    }

    #[test]
    fn the_centre_s_staff_handle_their_own_centre_s_complaints_only() {
        assert_eq!(Handler::of(Role::CenterStaff), Handler::CenterStaff);
        assert_eq!(Handler::of(Role::CityOperator), Handler::Official);
        let centre = Uuid::from_u128(3);
        assert!(may_handle(Handler::CenterStaff, Some(centre), centre).is_ok());
        assert!(may_handle(Handler::CenterStaff, Some(Uuid::from_u128(4)), centre).is_err());
        assert!(may_handle(Handler::CenterStaff, None, centre).is_err());
        assert!(may_handle(Handler::Official, None, centre).is_ok());
    }

    #[test]
    fn the_legal_path_is_open_review_then_resolved_or_rejected() {
        let today = d(2026, 12, 1);
        let s = update(
            ID,
            &state(Status::Open),
            &to(Status::InReview),
            Handler::Official,
            today,
        )
        .unwrap();
        assert_eq!(s.status, Status::InReview);
        let mut resolve = to(Status::Resolved);
        resolve.resolution = Some("Жабдық ауыстырылды".into());
        let s = update(ID, &s, &resolve, Handler::Official, today).unwrap();
        assert_eq!(s.status, Status::Resolved);
        assert_eq!(s.resolution, "Жабдық ауыстырылды");
    }

    #[test]
    fn illegal_steps_name_the_current_state() {
        let today = d(2026, 12, 1);
        let mut resolve = to(Status::Resolved);
        resolve.resolution = Some("done".into());
        let err = update(ID, &state(Status::Open), &resolve, Handler::Official, today).unwrap_err();
        assert_eq!(err.code(), tonic::Code::FailedPrecondition);
        assert!(err.to_string().contains("is OPEN"), "{err}");
        let err = update(
            ID,
            &state(Status::Resolved),
            &to(Status::InReview),
            Handler::Official,
            today,
        )
        .unwrap_err();
        assert!(err.to_string().contains("is RESOLVED"), "{err}");
        let err = update(
            ID,
            &state(Status::Rejected),
            &Change {
                center_response: Some("late".into()),
                ..Change::default()
            },
            Handler::Official,
            today,
        )
        .unwrap_err();
        assert!(err.to_string().contains("closed"), "{err}");
    }

    #[test]
    fn closing_needs_a_resolution() {
        let err = update(
            ID,
            &state(Status::InReview),
            &to(Status::Rejected),
            Handler::Official,
            d(2026, 12, 1),
        )
        .unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
        assert!(err.to_string().contains("complaint.resolution"), "{err}");
    }

    #[test]
    fn staff_take_it_in_review_and_respond_but_do_not_close() {
        let today = d(2026, 12, 1);
        let mut change = to(Status::InReview);
        change.center_response = Some("Тексереміз".into());
        let s = update(
            ID,
            &state(Status::Open),
            &change,
            Handler::CenterStaff,
            today,
        )
        .unwrap();
        assert_eq!(s.center_response, "Тексереміз");
        let mut close = to(Status::Resolved);
        close.resolution = Some("x".into());
        let err = update(ID, &s, &close, Handler::CenterStaff, today).unwrap_err();
        assert_eq!(err.code(), tonic::Code::PermissionDenied);
        let err = update(
            ID,
            &s,
            &Change {
                deadline: Some(d(2027, 1, 30)),
                ..Change::default()
            },
            Handler::CenterStaff,
            today,
        )
        .unwrap_err();
        assert_eq!(err.code(), tonic::Code::PermissionDenied);
    }

    #[test]
    fn overdue_means_open_past_the_deadline() {
        let deadline = d(2026, 12, 22);
        assert!(!overdue(Status::Open, deadline, d(2026, 12, 22)));
        assert!(overdue(Status::Open, deadline, d(2026, 12, 23)));
        assert!(overdue(Status::InReview, deadline, d(2027, 1, 5)));
        assert!(!overdue(Status::Resolved, deadline, d(2027, 1, 5)));
    }

    #[test]
    fn the_default_deadline_is_fifteen_working_days() {
        let c = WorkCalendar::kazakhstan().unwrap();
        // Tuesday 1 December 2026: 2-4 (3), 7-11 (8), 14-15 (10), 16 is Independence Day,
        // 17-18 (12), 21-23 (15).
        assert_eq!(
            deadline(&c, d(2026, 12, 1), DEFAULT_DEADLINE_WORKING_DAYS),
            d(2026, 12, 23)
        );
    }
}
