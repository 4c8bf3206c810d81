//! Who may see what of the registry: a person's record, an episode, a list of episodes, the
//! audit trail. Decided from the caller's role and their own person or centre; the reads these
//! decisions call for (representation, episodes at a centre) are the api's.

use onaltu_auth::Role;
use onaltu_errors::ApiError;
use uuid::Uuid;

/// Whose records a caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonReach {
    /// Every record: the city office, auditors and administrators.
    All,
    /// A citizen's own record and the records of those they represent.
    OwnAndRepresented(Uuid),
    /// Centre staff: persons with an episode at their centre.
    CenterEpisodes(Uuid),
    /// No one's.
    Nobody,
}

/// Whose records a caller with `role`, own person `person` and own centre `center` may see.
pub fn person_reach(role: Role, person: Option<Uuid>, center: Option<Uuid>) -> PersonReach {
    match role {
        Role::CityOperator | Role::Auditor | Role::Admin => PersonReach::All,
        Role::Citizen => person.map_or(PersonReach::Nobody, PersonReach::OwnAndRepresented),
        Role::CenterStaff => center.map_or(PersonReach::Nobody, PersonReach::CenterEpisodes),
        Role::Dispatcher | Role::Driver | Role::Integration => PersonReach::Nobody,
    }
}

/// Centre staff see the episodes of their own centre only; `None` for any other role, whose
/// access follows the episode's person.
pub fn staff_episode(
    role: Role,
    own_center: Option<Uuid>,
    episode_center: Uuid,
) -> Option<Result<(), ApiError>> {
    (role == Role::CenterStaff).then(|| {
        if own_center == Some(episode_center) {
            Ok(())
        } else {
            Err(ApiError::PermissionDenied(
                "this episode is at another centre".into(),
            ))
        }
    })
}

/// The episodes a caller may list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpisodeScope {
    /// The centre the list is limited to, if any.
    pub center: Option<Uuid>,
    /// The person whose record the caller must be allowed to see first, if any.
    pub person_to_check: Option<Uuid>,
}

/// Which episodes a caller may list, given the centre and person asked for: staff their own
/// centre's, the city office and auditors any, a citizen those of a person they may see.
pub fn episode_scope(
    role: Role,
    own_center: Option<Uuid>,
    center: Option<Uuid>,
    person: Option<Uuid>,
) -> Result<EpisodeScope, ApiError> {
    match role {
        Role::CenterStaff => {
            if center.is_some_and(|c| Some(c) != own_center) {
                return Err(ApiError::PermissionDenied(
                    "staff see their own centre's episodes".into(),
                ));
            }
            Ok(EpisodeScope {
                center: own_center,
                person_to_check: None,
            })
        }
        Role::CityOperator | Role::Auditor | Role::Admin => Ok(EpisodeScope {
            center,
            person_to_check: None,
        }),
        Role::Citizen => match person {
            Some(p) => Ok(EpisodeScope {
                center,
                person_to_check: Some(p),
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
            PersonReach::CenterEpisodes(c)
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
    fn staff_see_episodes_of_their_centre_and_others_follow_the_person() {
        let (mine, other) = (Uuid::now_v7(), Uuid::now_v7());
        assert!(matches!(
            staff_episode(Role::CenterStaff, Some(mine), mine),
            Some(Ok(()))
        ));
        let refused = staff_episode(Role::CenterStaff, Some(mine), other);
        assert_eq!(
            refused.map(|r| r.map_err(|e| e.code())),
            Some(Err(Code::PermissionDenied))
        );
        assert!(staff_episode(Role::CityOperator, None, other).is_none());
    }

    #[test]
    fn episode_lists_are_scoped_by_role() {
        let (mine, other, p) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let staff = episode_scope(Role::CenterStaff, Some(mine), None, None).unwrap();
        assert_eq!(staff.center, Some(mine));
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
            code(episode_scope(Role::Driver, None, None, None)),
            Code::PermissionDenied
        );
        let operator = episode_scope(Role::CityOperator, None, Some(other), None).unwrap();
        assert_eq!(operator.center, Some(other));
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
