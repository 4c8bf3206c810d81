//! Who may see what of the registry: a person's record, an episode, a list of episodes, the
//! audit trail, a transport eligibility, the facts of who may evaluate which episode; and who
//! may refer a person to a centre. Decided from
//! the caller's role and their own person or centre; the reads these decisions call for
//! (representation, a person's episodes at a centre) are the api's.

use chrono::NaiveDate;
use onaltu_auth::Role;
use onaltu_errors::ApiError;
use onaltu_proto::registry::EpisodeState as State;
use uuid::Uuid;

/// Whose records a caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonReach {
    /// Every record: the city office, auditors and administrators.
    All,
    /// A citizen's own record and the records of those they represent.
    OwnAndRepresented(Uuid),
    /// Centre staff: persons with a live tie to their centre ([`staff_sees`]).
    CenterTies(Uuid),
    /// No one's.
    Nobody,
}

/// Whose records a caller with `role`, own person `person` and own centre `center` may see.
pub fn person_reach(role: Role, person: Option<Uuid>, center: Option<Uuid>) -> PersonReach {
    match role {
        Role::CityOperator | Role::Auditor | Role::Admin => PersonReach::All,
        Role::Citizen => person.map_or(PersonReach::Nobody, PersonReach::OwnAndRepresented),
        Role::CenterStaff => center.map_or(PersonReach::Nobody, PersonReach::CenterTies),
        Role::Dispatcher | Role::Driver | Role::Integration => PersonReach::Nobody,
    }
}

/// Centre staff see the episodes of their own centre only, and those only while the person has
/// a live tie to it (which the person's reach decides); any other role's access follows the
/// episode's person.
pub fn staff_episode(
    role: Role,
    own_center: Option<Uuid>,
    episode_center: Uuid,
) -> Result<(), ApiError> {
    if role == Role::CenterStaff && own_center != Some(episode_center) {
        return Err(ApiError::PermissionDenied(
            "this episode is at another centre".into(),
        ));
    }
    Ok(())
}

/// One episode of a person, as [`staff_sees`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tie {
    /// The episode's centre.
    pub center: Uuid,
    /// Its state.
    pub state: State,
    /// When the person was admitted, if ever.
    pub admitted_on: Option<NaiveDate>,
    /// When the episode ended, if it did.
    pub ended_on: Option<NaiveDate>,
    /// Whether the centre itself made the referral the episode was queued by.
    pub referred_by_center: bool,
}

/// States in which an episode ties its person to its centre whatever its dates: a place
/// offered (arrival perhaps postponed), or the person there, on leave or suspended.
pub const TYING_STATES: [State; 6] = [
    State::Offered,
    State::Postponed,
    State::Admitted,
    State::TemporaryLeave,
    State::Returned,
    State::Suspended,
];

/// The earliest end of a stay that still ties its person to the centre on `today`, when staff
/// keep seeing a person `days_after` days after the stay ended.
pub fn ties_ended_since(today: NaiveDate, days_after: u32) -> NaiveDate {
    today
        .checked_sub_days(chrono::Days::new(days_after.into()))
        .unwrap_or(NaiveDate::MIN)
}

/// Whether episode `t` ties its person to its centre on `today`: queued on a referral the
/// centre did not make itself, offered, admitted (on leave, suspended), or a stay that ended at
/// most `days_after` days ago. An episode that ended before admission (withdrawn from the
/// queue, no-show) ties nothing once it ended.
pub fn tie_holds(t: &Tie, today: NaiveDate, days_after: u32) -> bool {
    match t.state {
        State::Queued => !t.referred_by_center,
        s if TYING_STATES.contains(&s) => true,
        _ => {
            t.admitted_on.is_some()
                && t.ended_on
                    .is_some_and(|end| end >= ties_ended_since(today, days_after))
        }
    }
}

/// Whether the staff of `center` may see a person whose episodes (at any centre) are `ties`:
/// only while one of them at `center` holds ([`tie_holds`]).
pub fn staff_sees(center: Uuid, ties: &[Tie], today: NaiveDate, days_after: u32) -> bool {
    ties.iter()
        .any(|t| t.center == center && tie_holds(t, today, days_after))
}

/// Who refers a person to a centre's queue: the city office and administrators, and the
/// systems listed as referral sources (role INTEGRATION, e.g. the district offices' system of
/// individual rehabilitation programmes, ЖОБ). A centre's staff never do: a referral they made
/// would open the person's record to them.
pub fn may_refer(role: Role, listed_source: bool) -> Result<(), ApiError> {
    match role {
        Role::CityOperator | Role::Admin => Ok(()),
        Role::Integration if listed_source => Ok(()),
        Role::CenterStaff => Err(ApiError::PermissionDenied(
            "referrals come from the city office or the person's district office, not from a \
             centre"
                .into(),
        )),
        other => Err(ApiError::PermissionDenied(format!(
            "role {} may not refer a person",
            other.as_str()
        ))),
    }
}

/// How a transport eligibility check is authorised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EligibilityReach {
    /// A listed service (the transport service) asking in its own name for a trip it handles.
    Service,
    /// Whoever may see the person's record ([`person_reach`]).
    Person,
}

/// How a check of transport eligibility by a caller with `role` is authorised: a service whose
/// subject is listed (`listed_checker`, role INTEGRATION) in its own name, stating its
/// `purpose` (the trip and the dispatcher), which the audit trail keeps; anyone else as a read
/// of the person's record. A dispatcher asks through the transport service, never directly.
pub fn eligibility_reach(
    role: Role,
    listed_checker: bool,
    purpose: &str,
) -> Result<EligibilityReach, ApiError> {
    if role != Role::Integration || !listed_checker {
        return Ok(EligibilityReach::Person);
    }
    if purpose.trim().is_empty() {
        return Err(ApiError::invalid(
            "x-onaltu-purpose",
            "is required of a service checking eligibility: name the trip and the dispatcher",
        ));
    }
    Ok(EligibilityReach::Service)
}

/// Who reads every fact of who may evaluate which episode (StreamEligibilityFacts): only a
/// service listed for it (`listed_reader`, role INTEGRATION) in its own name, the feedback
/// service, which keeps its own copy of them. Nobody else, whatever their role: not even the
/// roles that read every record take every person's representation in one call.
pub fn may_read_eligibility_facts(role: Role, listed_reader: bool) -> Result<(), ApiError> {
    if role == Role::Integration && listed_reader {
        return Ok(());
    }
    Err(ApiError::PermissionDenied(
        "the facts of who may evaluate which episode are the feedback service's alone".into(),
    ))
}

/// The episodes a caller may list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpisodeScope {
    /// The centre the list is limited to, if any.
    pub center: Option<Uuid>,
    /// The person whose record the caller must be allowed to see first, if any.
    pub person_to_check: Option<Uuid>,
    /// Only episodes of persons with a live tie to `center` ([`tie_holds`]): centre staff's.
    pub tied_only: bool,
}

/// Which episodes a caller may list, given the centre and person asked for: staff their own
/// centre's of persons tied to it, the city office and auditors any, a citizen those of a person
/// they may see.
pub fn episode_scope(
    role: Role,
    own_center: Option<Uuid>,
    center: Option<Uuid>,
    person: Option<Uuid>,
) -> Result<EpisodeScope, ApiError> {
    match role {
        Role::CenterStaff => {
            let Some(own) = own_center else {
                return Err(ApiError::PermissionDenied(
                    "a centre's staff token names its centre".into(),
                ));
            };
            if center.is_some_and(|c| c != own) {
                return Err(ApiError::PermissionDenied(
                    "staff see their own centre's episodes".into(),
                ));
            }
            Ok(EpisodeScope {
                center: Some(own),
                person_to_check: None,
                tied_only: true,
            })
        }
        Role::CityOperator | Role::Auditor | Role::Admin => Ok(EpisodeScope {
            center,
            person_to_check: None,
            tied_only: false,
        }),
        Role::Citizen => match person {
            Some(p) => Ok(EpisodeScope {
                center,
                person_to_check: Some(p),
                tied_only: false,
            }),
            None => Err(ApiError::invalid(
                "person_id",
                "is required: whose episodes?",
            )),
        },
        Role::Dispatcher | Role::Driver | Role::Integration => Err(ApiError::PermissionDenied(
            "episodes are not for this role".into(),
        )),
    }
}

/// The audit trail is for auditors and administrators; anyone may see who read their own
/// record (`person` their own, with no actor named).
pub fn audit_trail_access(
    role: Role,
    own_person: Option<Uuid>,
    person: Option<Uuid>,
    names_actor: bool,
) -> Result<(), ApiError> {
    match role {
        Role::Auditor | Role::Admin => Ok(()),
        Role::Citizen if person.is_some() && person == own_person && !names_actor => Ok(()),
        _ => Err(ApiError::PermissionDenied(
            "the audit trail is for auditors".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Code;

    #[test]
    fn a_citizen_reaches_their_own_and_represented_records_and_staff_their_centres() {
        let (p, c) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(person_reach(Role::Auditor, None, None), PersonReach::All);
        assert_eq!(
            person_reach(Role::Citizen, Some(p), None),
            PersonReach::OwnAndRepresented(p)
        );
        assert_eq!(person_reach(Role::Citizen, None, None), PersonReach::Nobody);
        assert_eq!(
            person_reach(Role::CenterStaff, None, Some(c)),
            PersonReach::CenterTies(c)
        );
        assert_eq!(
            person_reach(Role::CenterStaff, None, None),
            PersonReach::Nobody
        );
        assert_eq!(
            person_reach(Role::Dispatcher, Some(p), Some(c)),
            PersonReach::Nobody
        );
    }

    #[test]
    fn staff_see_episodes_of_their_centre_only_and_others_follow_the_person() {
        let (mine, other) = (Uuid::now_v7(), Uuid::now_v7());
        assert!(staff_episode(Role::CenterStaff, Some(mine), mine).is_ok());
        assert_eq!(
            staff_episode(Role::CenterStaff, Some(mine), other).map_err(|e| e.code()),
            Err(Code::PermissionDenied)
        );
        assert!(staff_episode(Role::CityOperator, None, other).is_ok());
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn tie(center: Uuid, state: State) -> Tie {
        Tie {
            center,
            state,
            admitted_on: None,
            ended_on: None,
            referred_by_center: false,
        }
    }

    #[test]
    fn waiting_and_staying_persons_are_tied_to_their_centre_in_every_such_state() {
        let (c, today) = (Uuid::now_v7(), day(2026, 6, 1));
        for state in [
            State::Queued,
            State::Offered,
            State::Postponed,
            State::Admitted,
            State::TemporaryLeave,
            State::Returned,
            State::Suspended,
        ] {
            let t = Tie {
                admitted_on: (state as i32 >= State::Admitted as i32).then_some(day(2026, 1, 1)),
                ..tie(c, state)
            };
            assert!(staff_sees(c, &[t], today, 90), "{state:?}");
        }
        assert!(!staff_sees(c, &[tie(c, State::Unspecified)], today, 90));
        assert!(!staff_sees(c, &[], today, 90), "no episode, no tie");
    }

    #[test]
    fn a_stay_ties_its_person_until_the_period_after_it_ended_and_not_a_day_longer() {
        let (c, today) = (Uuid::now_v7(), day(2026, 6, 1));
        for state in [
            State::Discharged,
            State::Transferred,
            State::Expelled,
            State::Terminated,
        ] {
            let ended = |days_ago: u64| Tie {
                admitted_on: Some(day(2025, 1, 10)),
                ended_on: today.checked_sub_days(chrono::Days::new(days_ago)),
                ..tie(c, state)
            };
            assert!(staff_sees(c, &[ended(0)], today, 90), "{state:?} today");
            assert!(staff_sees(c, &[ended(90)], today, 90), "{state:?} 90 days");
            assert!(!staff_sees(c, &[ended(91)], today, 90), "{state:?} 91 days");
            assert!(
                staff_sees(c, &[ended(91)], today, 120),
                "the period is the setting"
            );
        }
        assert_eq!(ties_ended_since(today, 90), day(2026, 3, 3));
    }

    #[test]
    fn withdrawn_and_missed_episodes_tie_nothing_once_they_ended() {
        let (c, today) = (Uuid::now_v7(), day(2026, 6, 1));
        for state in [State::Terminated, State::NoShow] {
            let cancelled = Tie {
                ended_on: Some(today),
                ..tie(c, state)
            };
            assert!(!staff_sees(c, &[cancelled], today, 90), "{state:?}");
        }
    }

    #[test]
    fn a_referral_the_centre_made_itself_ties_nothing_while_it_waits() {
        let (c, today) = (Uuid::now_v7(), day(2026, 6, 1));
        let own_referral = Tie {
            referred_by_center: true,
            ..tie(c, State::Queued)
        };
        assert!(!staff_sees(c, &[own_referral], today, 90));
        let offered = Tie {
            referred_by_center: true,
            ..tie(c, State::Offered)
        };
        assert!(
            staff_sees(c, &[offered], today, 90),
            "an offer is a real tie"
        );
    }

    #[test]
    fn another_centres_episode_ties_the_person_to_that_centre_only() {
        let (mine, theirs, today) = (Uuid::now_v7(), Uuid::now_v7(), day(2026, 6, 1));
        let elsewhere = tie(theirs, State::Admitted);
        assert!(!staff_sees(mine, &[elsewhere], today, 90));
        assert!(staff_sees(theirs, &[elsewhere], today, 90));
        let old_here = Tie {
            admitted_on: Some(day(2024, 1, 1)),
            ended_on: Some(day(2024, 2, 1)),
            ..tie(mine, State::Discharged)
        };
        assert!(!staff_sees(mine, &[old_here, elsewhere], today, 90));
    }

    #[test]
    fn referrals_come_from_the_city_office_and_listed_sources_never_from_a_centre() {
        assert!(may_refer(Role::CityOperator, false).is_ok());
        assert!(may_refer(Role::Admin, false).is_ok());
        assert!(may_refer(Role::Integration, true).is_ok());
        for (role, listed) in [
            (Role::CenterStaff, false),
            (Role::CenterStaff, true),
            (Role::Integration, false),
            (Role::Citizen, false),
            (Role::Dispatcher, false),
            (Role::Driver, false),
            (Role::Auditor, false),
        ] {
            assert_eq!(
                may_refer(role, listed).map_err(|e| e.code()),
                Err(Code::PermissionDenied),
                "{role:?}"
            );
        }
    }

    #[test]
    fn eligibility_is_checked_by_a_listed_service_with_a_purpose_or_as_a_read_of_the_person() {
        let purpose = "invataxi trip 0190 for dispatcher disp-7";
        assert_eq!(
            eligibility_reach(Role::Integration, true, purpose).unwrap(),
            EligibilityReach::Service
        );
        let bare = eligibility_reach(Role::Integration, true, " ").unwrap_err();
        assert_eq!(bare.field_paths(), Some(vec!["x-onaltu-purpose"]));
        for (role, listed) in [
            (Role::Integration, false),
            (Role::Dispatcher, true),
            (Role::Citizen, false),
            (Role::CenterStaff, false),
        ] {
            assert_eq!(
                eligibility_reach(role, listed, purpose).unwrap(),
                EligibilityReach::Person,
                "{role:?}"
            );
        }
    }

    #[test]
    fn eligibility_facts_are_read_by_a_listed_service_only() {
        assert!(may_read_eligibility_facts(Role::Integration, true).is_ok());
        for (role, listed) in [
            (Role::Integration, false),
            (Role::Admin, true),
            (Role::Admin, false),
            (Role::CityOperator, false),
            (Role::Auditor, false),
            (Role::Citizen, true),
            (Role::CenterStaff, false),
            (Role::Dispatcher, false),
            (Role::Driver, false),
        ] {
            assert_eq!(
                may_read_eligibility_facts(role, listed).map_err(|e| e.code()),
                Err(Code::PermissionDenied),
                "{role:?}"
            );
        }
    }

    #[test]
    fn episode_lists_are_scoped_by_role() {
        let (mine, other, p) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let staff = episode_scope(Role::CenterStaff, Some(mine), None, None).unwrap();
        assert_eq!((staff.center, staff.tied_only), (Some(mine), true));
        let code = |r: Result<EpisodeScope, ApiError>| r.unwrap_err().code();
        assert_eq!(
            code(episode_scope(
                Role::CenterStaff,
                Some(mine),
                Some(other),
                None
            )),
            Code::PermissionDenied
        );
        let citizen = episode_scope(Role::Citizen, None, Some(other), Some(p)).unwrap();
        assert_eq!(
            (citizen.center, citizen.person_to_check),
            (Some(other), Some(p))
        );
        assert_eq!(
            code(episode_scope(Role::Citizen, None, None, None)),
            Code::InvalidArgument
        );
        assert_eq!(
            code(episode_scope(Role::CenterStaff, None, None, None)),
            Code::PermissionDenied,
            "staff without a centre list nothing"
        );
        assert_eq!(
            code(episode_scope(Role::Driver, None, None, None)),
            Code::PermissionDenied
        );
        let operator = episode_scope(Role::CityOperator, None, Some(other), None).unwrap();
        assert_eq!((operator.center, operator.tied_only), (Some(other), false));
    }

    #[test]
    fn the_audit_trail_is_for_auditors_and_for_ones_own_record() {
        let p = Uuid::now_v7();
        assert!(audit_trail_access(Role::Auditor, None, None, true).is_ok());
        assert!(audit_trail_access(Role::Citizen, Some(p), Some(p), false).is_ok());
        assert!(audit_trail_access(Role::Citizen, Some(p), Some(p), true).is_err());
        assert!(audit_trail_access(Role::Citizen, Some(p), Some(Uuid::now_v7()), false).is_err());
        assert!(audit_trail_access(Role::CityOperator, None, Some(p), false).is_err());
    }
}
