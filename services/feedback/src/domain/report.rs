//! Reports of evaluations ("report this review", as on the NHS website), with the safeguards that
//! keep them from being a way to silence reviews: each report is recorded with its reporter (for
//! the moderator, never publicly), once per account per evaluation, a limited number a day per
//! account; the evaluated centre's staff may report but never hide; an evaluation is hidden before
//! moderation only when an operator reports it or enough distinct citizens do; hiding is not a
//! withdrawal (it keeps counting until a moderator rejects it); and the moderator's decision is
//! final for the reports made until then.

use chrono::{DateTime, Duration, Utc};
use onaltu_auth::{Claims, Role};
use onaltu_errors::ApiError;
use uuid::Uuid;

use super::evaluation::{Status, Viewer};
use super::moderation::Decision;

/// Reports one account may make in 24 hours, by default.
pub const DEFAULT_DAILY_LIMIT: u32 = 10;
/// Distinct citizens whose open reports hide a published evaluation, by default.
pub const DEFAULT_CITIZENS_TO_HIDE: u32 = 3;
/// Days a decided report is kept, by default.
pub const DEFAULT_KEEP_DECIDED_DAYS: u32 = 365;
/// The window of the daily limit.
pub const LIMIT_WINDOW: Duration = Duration::hours(24);

/// Who may report, with the contract's numbers (`onaltu.common.v1.Role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReporterRole {
    /// A citizen: any, not only the author.
    Citizen = 1,
    /// Staff of a centre: recorded for the moderator, hides nothing.
    CenterStaff = 2,
    /// The city's operator: hides at once.
    CityOperator = 3,
    /// An administrator: as the operator.
    Admin = 8,
}

impl ReporterRole {
    /// The role stored as `code`.
    pub fn from_code(code: i16) -> Option<Self> {
        Some(match code {
            1 => Self::Citizen,
            2 => Self::CenterStaff,
            3 => Self::CityOperator,
            8 => Self::Admin,
            _ => return None,
        })
    }

    /// What a report by this role weighs.
    pub fn weight(self) -> Weight {
        match self {
            Self::Citizen => Weight::Citizen,
            Self::CenterStaff => Weight::Nothing,
            Self::CityOperator | Self::Admin => Weight::Hides,
        }
    }
}

/// What a report weighs toward hiding an evaluation before moderation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    /// Hides at once (an official's).
    Hides,
    /// One citizen among the distinct citizens it takes.
    Citizen,
    /// Recorded for the moderator only (the centres' staff).
    Nothing,
}

/// Who reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reporter {
    /// The account (the token's subject): one report per account per evaluation.
    pub subject: String,
    /// The role.
    pub role: ReporterRole,
    /// The centre, for the centre's staff.
    pub center: Option<Uuid>,
}

impl Reporter {
    /// The reporter `claims` are; PERMISSION_DENIED for a role that may not report, or staff
    /// whose token names no centre.
    pub fn of(claims: &Claims) -> Result<Self, ApiError> {
        let role = match claims.role {
            Role::Citizen => ReporterRole::Citizen,
            Role::CenterStaff => ReporterRole::CenterStaff,
            Role::CityOperator => ReporterRole::CityOperator,
            Role::Admin => ReporterRole::Admin,
            other => {
                return Err(ApiError::PermissionDenied(format!(
                    "role {} may not report evaluations",
                    other.as_str()
                )));
            }
        };
        let center = match role {
            ReporterRole::CenterStaff => Some(claims.center_id.ok_or_else(|| {
                ApiError::PermissionDenied("the token names no centre (claim center_id)".into())
            })?),
            _ => None,
        };
        Ok(Self {
            subject: claims.sub.clone(),
            role,
            center,
        })
    }
}

/// Where a report stands, with the contract's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportDecision {
    /// Waiting for a moderator.
    Open = 1,
    /// The moderator published the evaluation.
    Dismissed = 2,
    /// The moderator rejected the evaluation.
    Upheld = 3,
}

impl ReportDecision {
    /// The decision stored as `code`.
    pub fn from_code(code: i16) -> Option<Self> {
        Some(match code {
            1 => Self::Open,
            2 => Self::Dismissed,
            3 => Self::Upheld,
            _ => return None,
        })
    }
}

/// What a moderator's `decision` on an evaluation makes of the reports open until then: final.
pub fn settled_by(decision: &Decision) -> ReportDecision {
    match decision {
        Decision::Publish => ReportDecision::Dismissed,
        Decision::Reject { .. } => ReportDecision::Upheld,
    }
}

/// Whether an evaluation in `status` may be reported by a caller who `sees` it (its author, its
/// centre's staff, officials; anyone once published): PUBLISHED ones, and HIDDEN_REPORTED ones
/// (published until reports hid them, still waiting for the moderator) for those who still see
/// them. A caller who does not see it learns nothing: NOT_FOUND, hidden ones included; one who
/// sees it in another status is FAILED_PRECONDITION.
pub fn reportable(id: Uuid, status: Status, sees: bool) -> Result<(), ApiError> {
    match status {
        Status::Published => Ok(()),
        _ if !sees => Err(ApiError::NotFound {
            resource: "evaluation",
            id: id.to_string(),
        }),
        Status::HiddenReported => Ok(()),
        other => Err(ApiError::precondition(
            "EVALUATION_STATUS",
            format!("evaluations/{id}"),
            format!(
                "the evaluation is {}: only PUBLISHED evaluations can be reported",
                other.name()
            ),
        )),
    }
}

/// Refuses a second report of one evaluation by one account, whatever became of the first.
pub fn once(id: Uuid, already_reported: bool) -> Result<(), ApiError> {
    if already_reported {
        return Err(ApiError::AlreadyExists {
            resource: "report",
            message: format!(
                "this account has already reported evaluations/{id}; a moderator decides on it"
            ),
        });
    }
    Ok(())
}

/// Refuses a report beyond `limit` in the last 24 hours, given the account's `recent` reports
/// in that window and the `oldest` of them, at `now`: RESOURCE_EXHAUSTED naming the limit, to
/// be retried once the oldest leaves the window.
pub fn within_daily_limit(
    recent: u32,
    oldest: Option<DateTime<Utc>>,
    limit: u32,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if recent < limit {
        return Ok(());
    }
    let free_at = oldest.map_or(now + LIMIT_WINDOW, |t| t + LIMIT_WINDOW);
    let wait = (free_at - now).max(Duration::seconds(1));
    Err(ApiError::ResourceExhausted {
        message: format!(
            "an account may report at most {limit} evaluations in 24 hours ([reports] daily_limit)"
        ),
        retry_after: wait.to_std().unwrap_or(std::time::Duration::from_secs(1)),
    })
}

/// Whether a new report by `role` hides an evaluation in `status`, when `citizens` distinct
/// citizens (this reporter included, if one) have open reports of it and `citizens_to_hide` is
/// the threshold: only a PUBLISHED one, and only by an official's report or enough citizens'.
/// A hidden evaluation keeps counting; only the moderator withdraws it.
pub fn hides(status: Status, role: ReporterRole, citizens: u32, citizens_to_hide: u32) -> bool {
    if status != Status::Published {
        return false;
    }
    match role.weight() {
        Weight::Hides => true,
        Weight::Citizen => citizens >= citizens_to_hide,
        Weight::Nothing => false,
    }
}

/// Whether `viewer` sees the reports of evaluations (who reported, why) and may list the
/// moderators' queue: officials only; PERMISSION_DENIED for anyone else asking for the queue.
pub fn sees_reports(viewer: Viewer) -> bool {
    viewer == Viewer::Official
}

/// The moderators' queue (evaluations with open reports), for officials only.
pub fn may_list_queue(viewer: Viewer) -> Result<(), ApiError> {
    if sees_reports(viewer) {
        Ok(())
    } else {
        Err(ApiError::PermissionDenied(
            "with_open_reports is the moderators' queue: CITY_OPERATOR, AUDITOR or ADMIN".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: Uuid = Uuid::from_u128(1);

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn who_may_report_and_as_what() {
        let mut c = Claims::new("c-1", Role::Citizen, 60);
        assert_eq!(Reporter::of(&c).unwrap().role, ReporterRole::Citizen);
        c.role = Role::CenterStaff;
        assert_eq!(
            Reporter::of(&c).unwrap_err().code(),
            tonic::Code::PermissionDenied,
            "staff without a centre"
        );
        c.center_id = Some(Uuid::from_u128(7));
        let staff = Reporter::of(&c).unwrap();
        assert_eq!(
            (staff.role, staff.center),
            (ReporterRole::CenterStaff, Some(Uuid::from_u128(7)))
        );
        for refused in [
            Role::Driver,
            Role::Dispatcher,
            Role::Auditor,
            Role::Integration,
        ] {
            c.role = refused;
            assert_eq!(
                Reporter::of(&c).unwrap_err().code(),
                tonic::Code::PermissionDenied
            );
        }
        c.role = Role::CityOperator;
        let op = Reporter::of(&c).unwrap();
        assert_eq!((op.role, op.center), (ReporterRole::CityOperator, None));
    }

    #[test]
    fn only_published_or_hidden_evaluations_are_reported_and_others_stay_unknown() {
        assert!(reportable(ID, Status::Published, false).is_ok());
        assert!(reportable(ID, Status::HiddenReported, true).is_ok());
        assert_eq!(
            reportable(ID, Status::HiddenReported, false)
                .unwrap_err()
                .code(),
            tonic::Code::NotFound,
            "a hidden evaluation is not confirmed to a stranger"
        );
        let seen = reportable(ID, Status::PendingModeration, true).unwrap_err();
        assert_eq!(seen.code(), tonic::Code::FailedPrecondition);
        assert!(seen.to_string().contains("PENDING_MODERATION"), "{seen}");
        let unseen = reportable(ID, Status::Rejected, false).unwrap_err();
        assert_eq!(unseen.code(), tonic::Code::NotFound);
    }

    #[test]
    fn only_officials_see_reports_and_the_queue() {
        assert!(sees_reports(Viewer::Official));
        assert!(may_list_queue(Viewer::Official).is_ok());
        for other in [Viewer::Public, Viewer::Citizen(ID), Viewer::Staff(ID)] {
            assert!(!sees_reports(other));
            assert_eq!(
                may_list_queue(other).unwrap_err().code(),
                tonic::Code::PermissionDenied
            );
        }
    }

    #[test]
    fn one_report_per_account_per_evaluation() {
        assert!(once(ID, false).is_ok());
        assert_eq!(
            once(ID, true).unwrap_err().code(),
            tonic::Code::AlreadyExists
        );
    }

    #[test]
    fn the_daily_limit_names_itself_and_when_to_retry() {
        let now = at("2026-07-01T12:00:00Z");
        assert!(within_daily_limit(9, Some(at("2026-07-01T01:00:00Z")), 10, now).is_ok());
        let err = within_daily_limit(10, Some(at("2026-07-01T01:00:00Z")), 10, now).unwrap_err();
        assert_eq!(err.code(), tonic::Code::ResourceExhausted);
        assert!(err.to_string().contains("at most 10"), "{err}");
        match err {
            ApiError::ResourceExhausted { retry_after, .. } => {
                assert_eq!(
                    retry_after.as_secs(),
                    13 * 3600,
                    "when the oldest leaves the window"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_official_hides_at_once_citizens_at_the_threshold_staff_never() {
        let p = Status::Published;
        assert!(hides(p, ReporterRole::CityOperator, 0, 3));
        assert!(hides(p, ReporterRole::Admin, 0, 3));
        assert!(!hides(p, ReporterRole::Citizen, 2, 3));
        assert!(hides(p, ReporterRole::Citizen, 3, 3));
        assert!(!hides(p, ReporterRole::CenterStaff, 99, 3));
        // Already hidden: nothing more to hide.
        assert!(!hides(
            Status::HiddenReported,
            ReporterRole::CityOperator,
            5,
            3
        ));
    }

    #[test]
    fn the_moderator_s_decision_settles_the_open_reports() {
        assert_eq!(settled_by(&Decision::Publish), ReportDecision::Dismissed);
        let reject = Decision::Reject {
            issue: super::super::moderation::Issue::Spam,
            note: "spam".into(),
        };
        assert_eq!(settled_by(&reject), ReportDecision::Upheld);
    }

    #[test]
    fn roles_and_decisions_read_back_from_their_codes() {
        for r in [
            ReporterRole::Citizen,
            ReporterRole::CenterStaff,
            ReporterRole::CityOperator,
            ReporterRole::Admin,
        ] {
            assert_eq!(ReporterRole::from_code(r as i16), Some(r));
        }
        assert_eq!(ReporterRole::from_code(5), None);
        for d in [
            ReportDecision::Open,
            ReportDecision::Dismissed,
            ReportDecision::Upheld,
        ] {
            assert_eq!(ReportDecision::from_code(d as i16), Some(d));
        }
    }
}
