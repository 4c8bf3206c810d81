//! Who may evaluate which episode, decided from this service's own copy of the registry's facts
//! (episodes and legal representatives, kept from the registry's events), and how an event
//! about an episode or a person's representatives changes that copy.
//!
//! The registry lets a citizen read an episode when the token's person (claim `person_id`) is
//! the episode's person or one of that person's legal representatives; an evaluation needs,
//! besides, a service received (`evaluation::authorship`). The copy answers yes only where the
//! registry would; every other case is the registry's to decide, so an episode or a
//! representation the copy has not seen yet is never refused for being unseen.

use chrono::NaiveDate;
use onaltu_proto::registry::EpisodeState;
use uuid::Uuid;

use super::evaluation::EpisodeFacts;

/// An episode as the copy holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownEpisode {
    /// The episode.
    pub id: Uuid,
    /// Its recipient.
    pub person_id: Uuid,
    /// Its centre.
    pub center_id: Uuid,
    /// Its state.
    pub state: EpisodeState,
    /// When the person was admitted, if they were.
    pub admitted_on: Option<NaiveDate>,
    /// The registry's version of the episode's record this reflects (0: learned from a read).
    pub version: i32,
}

/// Who legally represents a person (every one; none when nobody does), as of a version of the
/// person's record in the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Representation {
    /// The person represented.
    pub person_id: Uuid,
    /// Their legal representatives (заңды өкілдер).
    pub representatives: Vec<Uuid>,
    /// The registry's version of the person's record this reflects.
    pub version: i32,
}

impl KnownEpisode {
    /// The episode's facts as an evaluation needs them.
    pub fn facts(&self) -> EpisodeFacts {
        EpisodeFacts {
            id: self.id,
            person_id: self.person_id,
            center_id: self.center_id,
            state: state_name(self.state),
            admitted: self.admitted_on.is_some(),
        }
    }
}

/// The contract's name of `state` without its prefix, e.g. `DISCHARGED`.
pub fn state_name(state: EpisodeState) -> String {
    state
        .as_str_name()
        .trim_start_matches("EPISODE_STATE_")
        .to_string()
}

/// Who may evaluate an episode, as far as the copy knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The caller may: the episode was received and the caller is its person or their legal
    /// representative.
    Allowed(EpisodeFacts),
    /// The copy cannot say yes: the registry decides (it refuses whom it must).
    AskRegistry,
}

/// Whether citizen `caller` may evaluate `episode` (None: not in the copy), whose person's legal
/// representatives are `representatives` (None: not known to the copy).
pub fn decide(
    caller: Uuid,
    episode: Option<&KnownEpisode>,
    representatives: Option<&[Uuid]>,
) -> Decision {
    let Some(e) = episode.filter(|e| e.admitted_on.is_some()) else {
        return Decision::AskRegistry;
    };
    let represents = representatives.is_some_and(|r| r.contains(&caller));
    if caller == e.person_id || represents {
        Decision::Allowed(e.facts())
    } else {
        Decision::AskRegistry
    }
}

/// The row to store when `incoming` arrives about an episode the copy holds as `stored`, or None
/// when nothing changes: the higher version wins, and an admission, once known, is kept (so an
/// admission arriving after the discharge that followed it neither moves the state back nor is
/// lost).
pub fn merged(stored: Option<&KnownEpisode>, incoming: KnownEpisode) -> Option<KnownEpisode> {
    let Some(stored) = stored else {
        return Some(incoming);
    };
    let admitted_on = stored.admitted_on.or(incoming.admitted_on);
    let next = if incoming.version > stored.version {
        KnownEpisode {
            admitted_on,
            ..incoming
        }
    } else {
        KnownEpisode {
            admitted_on,
            ..stored.clone()
        }
    };
    (next != *stored).then_some(next)
}

/// Whether a change of a person's representatives at `incoming` version replaces what the copy
/// holds at `stored` (None: nothing known): only a later one does.
pub fn representatives_newer(stored: Option<i32>, incoming: i32) -> bool {
    stored.is_none_or(|v| incoming > v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn episode(state: EpisodeState, admitted: bool, version: i32) -> KnownEpisode {
        KnownEpisode {
            id: Uuid::from_u128(1),
            person_id: Uuid::from_u128(2),
            center_id: Uuid::from_u128(3),
            state,
            admitted_on: admitted.then(|| NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()),
            version,
        }
    }

    #[test]
    fn the_person_and_their_representatives_may_evaluate_a_received_service() {
        let e = episode(EpisodeState::Discharged, true, 4);
        let rep = Uuid::from_u128(9);
        assert_eq!(
            decide(e.person_id, Some(&e), None),
            Decision::Allowed(e.facts())
        );
        assert_eq!(
            decide(rep, Some(&e), Some(&[rep][..])),
            Decision::Allowed(e.facts())
        );
        assert_eq!(e.facts().state, "DISCHARGED");
        assert!(e.facts().admitted);
    }

    #[test]
    fn whatever_the_copy_cannot_allow_is_the_registrys_to_decide() {
        let e = episode(EpisodeState::Admitted, true, 2);
        let (stranger, rep) = (Uuid::from_u128(8), Uuid::from_u128(9));
        // Not seen yet: a fresh admission is never refused for that.
        assert_eq!(decide(e.person_id, None, None), Decision::AskRegistry);
        // Representation not known, or revoked: the registry decides.
        assert_eq!(decide(rep, Some(&e), None), Decision::AskRegistry);
        assert_eq!(decide(rep, Some(&e), Some(&[])), Decision::AskRegistry);
        assert_eq!(
            decide(stranger, Some(&e), Some(&[rep][..])),
            Decision::AskRegistry
        );
        // Not admitted in the copy: perhaps admitted since.
        let queued = episode(EpisodeState::Offered, false, 1);
        assert_eq!(
            decide(queued.person_id, Some(&queued), None),
            Decision::AskRegistry
        );
    }

    #[test]
    fn a_late_admission_does_not_undo_the_discharge_that_followed_it() {
        let discharged = episode(EpisodeState::Discharged, true, 5);
        let admitted = episode(EpisodeState::Admitted, true, 3);
        assert_eq!(merged(Some(&discharged), admitted.clone()), None);
        assert_eq!(
            merged(Some(&admitted), discharged.clone()),
            Some(discharged.clone())
        );
        assert_eq!(merged(None, admitted.clone()), Some(admitted));
        // Redelivered: nothing changes.
        assert_eq!(merged(Some(&discharged), discharged.clone()), None);
    }

    #[test]
    fn an_admission_once_known_is_kept() {
        let learned = episode(EpisodeState::Admitted, true, 0);
        let mut later = episode(EpisodeState::Discharged, false, 6);
        let next = merged(Some(&learned), later.clone()).unwrap();
        assert_eq!(next.state, EpisodeState::Discharged);
        assert_eq!(next.admitted_on, learned.admitted_on);
        later.version = 0;
        assert_eq!(merged(Some(&learned), later), None);
    }

    #[test]
    fn only_a_later_change_of_representatives_replaces_the_known_one() {
        assert!(representatives_newer(None, 1));
        assert!(representatives_newer(Some(3), 4));
        assert!(!representatives_newer(Some(4), 4));
        assert!(!representatives_newer(Some(4), 3));
    }
}
