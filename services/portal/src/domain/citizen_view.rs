//! How a citizen's own pages tell what the services answer: the message key of each state and
//! status, dates and times in Kazakhstan time, which service can be evaluated, and until when an
//! evaluation can be edited.

use chrono::{DateTime, Utc};
use onaltu_proto::common::Date;
use onaltu_proto::registry::EpisodeState;

/// The message key of a contract enum value: `EPISODE_STATE_QUEUED` with prefix
/// `EPISODE_STATE_` under `area` `episode-state` is `episode-state-queued`.
pub fn enum_key(area: &str, proto_name: &str, proto_prefix: &str) -> String {
    let value = proto_name
        .strip_prefix(proto_prefix)
        .unwrap_or(proto_name)
        .to_ascii_lowercase()
        .replace('_', "-");
    format!("{area}-{value}")
}

/// The key of an episode's state.
pub fn episode_state_key(state: i32) -> String {
    let name = EpisodeState::try_from(state).unwrap_or(EpisodeState::Unspecified);
    enum_key("my-episode-state", name.as_str_name(), "EPISODE_STATE_")
}

/// The key of an evaluation's moderation status.
pub fn evaluation_status_key(status: i32) -> String {
    use onaltu_proto::feedback::EvaluationStatus as S;
    let name = S::try_from(status).unwrap_or(S::Unspecified);
    enum_key("my-eval-status", name.as_str_name(), "EVALUATION_STATUS_")
}

/// The key of a complaint's status.
pub fn complaint_status_key(status: i32) -> String {
    use onaltu_proto::feedback::ComplaintStatus as S;
    let name = S::try_from(status).unwrap_or(S::Unspecified);
    enum_key(
        "my-complaint-status",
        name.as_str_name(),
        "COMPLAINT_STATUS_",
    )
}

/// The key of a trip's state.
pub fn trip_state_key(state: i32) -> String {
    use onaltu_proto::transport::TripState as S;
    let name = S::try_from(state).unwrap_or(S::Unspecified);
    enum_key("my-trip-state", name.as_str_name(), "TRIP_STATE_")
}

/// The key of the reason a trip was turned away.
pub fn trip_reason_key(reason: i32) -> String {
    use onaltu_proto::transport::TripRejectionReason as R;
    let name = R::try_from(reason).unwrap_or(R::Unspecified);
    enum_key(
        "my-trip-reason",
        name.as_str_name(),
        "TRIP_REJECTION_REASON_",
    )
}

/// The key of a trip's purpose.
pub fn trip_purpose_key(purpose: i32) -> String {
    use onaltu_proto::transport::TripPurpose as P;
    let name = P::try_from(purpose).unwrap_or(P::Unspecified);
    enum_key("my-trip-purpose", name.as_str_name(), "TRIP_PURPOSE_")
}

/// Whether an episode is waiting in a queue (its position is worth asking for).
pub fn waiting(state: i32) -> bool {
    matches!(
        EpisodeState::try_from(state),
        Ok(EpisodeState::Queued | EpisodeState::Offered | EpisodeState::Postponed)
    )
}

/// Whether the recipient is offered to evaluate an episode: the stay ended after admission
/// (discharged, transferred, expelled or terminated) and no evaluation of it exists yet.
pub fn evaluable(state: i32, admitted: bool, evaluated: bool) -> bool {
    let ended = matches!(
        EpisodeState::try_from(state),
        Ok(EpisodeState::Discharged
            | EpisodeState::Transferred
            | EpisodeState::Expelled
            | EpisodeState::Terminated)
    );
    ended && admitted && !evaluated
}

/// Whether an evaluation editable until `until` can be edited at `now` (14 days after it was
/// sent, as the feedback service decides).
pub fn editable(now: DateTime<Utc>, until: Option<&prost_types::Timestamp>) -> bool {
    until.and_then(instant).is_some_and(|until| now <= until)
}

/// A contract timestamp as an instant.
pub fn instant(t: &prost_types::Timestamp) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or(0))
}

/// A calendar date as `dd.mm.yyyy` (how dates are written in Kazakhstan in all three
/// languages).
pub fn date(d: Option<&Date>) -> String {
    d.map(|d| format!("{:02}.{:02}.{:04}", d.day, d.month, d.year))
        .unwrap_or_default()
}

/// A calendar date as `yyyy-mm-dd`, for `<time datetime>`.
pub fn iso_date(d: Option<&Date>) -> String {
    d.map(|d| format!("{:04}-{:02}-{:02}", d.year, d.month, d.day))
        .unwrap_or_default()
}

/// The local (UTC+5) day of `t`, `dd.mm.yyyy`.
pub fn local_day(t: Option<&prost_types::Timestamp>) -> String {
    local(t, "%d.%m.%Y")
}

/// The local (UTC+5) day and time of `t`, `dd.mm.yyyy HH:MM`.
pub fn local_day_time(t: Option<&prost_types::Timestamp>) -> String {
    local(t, "%d.%m.%Y %H:%M")
}

/// The local (UTC+5) time of `t`, `HH:MM`.
pub fn local_time(t: Option<&prost_types::Timestamp>) -> String {
    local(t, "%H:%M")
}

fn local(t: Option<&prost_types::Timestamp>, format: &str) -> String {
    t.and_then(instant)
        .map(|at| (at + chrono::Duration::hours(5)).format(format).to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::i18n::{Lang, Tr};

    #[test]
    fn keys_follow_the_contract_names() {
        assert_eq!(
            episode_state_key(EpisodeState::TemporaryLeave as i32),
            "my-episode-state-temporary-leave"
        );
        assert_eq!(
            evaluation_status_key(1),
            "my-eval-status-pending-moderation"
        );
        assert_eq!(complaint_status_key(2), "my-complaint-status-in-review");
        assert_eq!(trip_state_key(8), "my-trip-state-late-cancelled");
        assert_eq!(trip_reason_key(1), "my-trip-reason-not-eligible");
        assert_eq!(trip_purpose_key(5), "my-trip-purpose-culture-and-sport");
    }

    /// The keys are computed, so the catalogue scan cannot see them: every value of every enum
    /// shown is checked here.
    #[test]
    fn every_state_and_status_is_translated() {
        let mut keys = Vec::new();
        for v in 0..=12 {
            keys.push(episode_state_key(v));
        }
        for v in 0..=4 {
            keys.push(evaluation_status_key(v));
            keys.push(complaint_status_key(v));
        }
        for v in 0..=10 {
            keys.push(trip_state_key(v));
        }
        for v in 0..=5 {
            keys.push(trip_reason_key(v));
        }
        for v in 0..=6 {
            keys.push(trip_purpose_key(v));
        }
        for lang in Lang::ALL {
            let tr = Tr::new(lang);
            for key in &keys {
                assert!(tr.has(key), "{} lacks {key}", lang.code());
            }
        }
    }

    #[test]
    fn an_ended_stay_not_yet_evaluated_is_offered_for_evaluation() {
        let discharged = EpisodeState::Discharged as i32;
        assert!(evaluable(discharged, true, false));
        assert!(!evaluable(discharged, true, true), "evaluated already");
        assert!(!evaluable(EpisodeState::Admitted as i32, true, false));
        assert!(!evaluable(EpisodeState::NoShow as i32, false, false));
        assert!(evaluable(EpisodeState::Transferred as i32, true, false));
        assert!(waiting(EpisodeState::Queued as i32));
        assert!(!waiting(discharged));
    }

    #[test]
    fn an_evaluation_is_editable_until_its_deadline() {
        let until = prost_types::Timestamp {
            seconds: 1_800_000_000,
            nanos: 0,
        };
        let at = |s: i64| DateTime::from_timestamp(s, 0).unwrap();
        assert!(editable(at(1_800_000_000), Some(&until)));
        assert!(!editable(at(1_800_000_001), Some(&until)));
        assert!(!editable(at(0), None));
    }

    #[test]
    fn dates_and_times_are_told_in_kazakhstan_time() {
        let d = Date {
            year: 2026,
            month: 7,
            day: 5,
        };
        assert_eq!(date(Some(&d)), "05.07.2026");
        assert_eq!(iso_date(Some(&d)), "2026-07-05");
        assert_eq!(date(None), "");
        // 20:30 UTC is 01:30 the next day in Astana.
        let t = prost_types::Timestamp {
            seconds: DateTime::parse_from_rfc3339("2026-07-05T20:30:00Z")
                .unwrap()
                .timestamp(),
            nanos: 0,
        };
        assert_eq!(local_day_time(Some(&t)), "06.07.2026 01:30");
        assert_eq!(local_day(Some(&t)), "06.07.2026");
        assert_eq!(local_time(Some(&t)), "01:30");
    }
}
