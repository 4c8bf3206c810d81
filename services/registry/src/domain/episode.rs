//! The episode state machine of the electronic journal (электрондық журнал) of special social
//! service organisations: referral, queue, offer, postponement, admission, leave, end of service.

use chrono::NaiveDate;
use onaltu_errors::ApiError;
use onaltu_proto::registry::{EpisodeEventKind as Kind, EpisodeState as State, ServiceForm};

/// States in which an episode waits in its centre's queue.
pub const WAITING: [State; 3] = [State::Queued, State::Offered, State::Postponed];
/// States in which an episode occupies a place at its centre.
pub const OCCUPYING: [State; 4] = [
    State::Admitted,
    State::TemporaryLeave,
    State::Returned,
    State::Suspended,
];

/// The state an event moves an episode to, or FAILED_PRECONDITION naming the current state.
pub fn transition(episode_id: &str, current: State, event: Kind) -> Result<State, ApiError> {
    use State as S;
    let next = match (current, event) {
        (S::Queued, Kind::Offered) => S::Offered,
        (S::Offered, Kind::Postponed) => S::Postponed,
        (S::Offered | S::Postponed, Kind::Admitted) => S::Admitted,
        (S::Offered | S::Postponed, Kind::NoShow) => S::NoShow,
        (S::Admitted | S::Returned, Kind::TemporaryLeave) => S::TemporaryLeave,
        (S::TemporaryLeave | S::Suspended, Kind::Returned) => S::Returned,
        (S::Admitted | S::Returned | S::TemporaryLeave, Kind::Suspended) => S::Suspended,
        (
            S::Admitted | S::Returned | S::TemporaryLeave | S::Suspended,
            Kind::Discharged | Kind::Transferred | Kind::Expelled,
        ) => match event {
            Kind::Discharged => S::Discharged,
            Kind::Transferred => S::Transferred,
            _ => S::Expelled,
        },
        // Withdrawal from the queue, or the end of service for another reason.
        (
            S::Queued
            | S::Offered
            | S::Postponed
            | S::Admitted
            | S::Returned
            | S::TemporaryLeave
            | S::Suspended,
            Kind::Terminated,
        ) => S::Terminated,
        _ => {
            let why = if current == S::Postponed && event == Kind::Postponed {
                "arrival may be postponed only once".to_string()
            } else {
                format!(
                    "episode is {}; {} is not allowed from it",
                    current.as_str_name().trim_start_matches("EPISODE_STATE_"),
                    event
                        .as_str_name()
                        .trim_start_matches("EPISODE_EVENT_KIND_"),
                )
            };
            return Err(ApiError::precondition(
                "EPISODE_STATE",
                format!("episodes/{episode_id}"),
                why,
            ));
        }
    };
    Ok(next)
}

/// The longest postponement of arrival: 30 calendar days for stationary care, 10 for
/// semi-stationary (and, by the same rule, for the other forms).
pub fn max_postponement_days(form: ServiceForm) -> i64 {
    match form {
        ServiceForm::Stationary => 30,
        _ => 10,
    }
}

/// Checks a postponement: a new arrival date after the one offered, by at most the form's limit.
pub fn check_postponement(
    episode_id: &str,
    form: ServiceForm,
    offered_due: NaiveDate,
    new_due: NaiveDate,
) -> Result<(), ApiError> {
    let days = (new_due - offered_due).num_days();
    let max = max_postponement_days(form);
    if days <= 0 {
        return Err(ApiError::invalid(
            "arrival_due_date",
            "must be after the arrival date offered",
        ));
    }
    if days > max {
        return Err(ApiError::precondition(
            "POSTPONEMENT_LIMIT",
            format!("episodes/{episode_id}"),
            format!(
                "arrival may be postponed by at most {max} days for {}; asked for {days}",
                form.as_str_name().trim_start_matches("SERVICE_FORM_")
            ),
        ));
    }
    Ok(())
}

/// Waiting time in days: admission date minus referral date.
pub fn wait_days(referral: NaiveDate, admitted: NaiveDate) -> i32 {
    (admitted - referral).num_days() as i32
}

/// Whether an event ends the episode.
pub fn is_final(state: State) -> bool {
    matches!(
        state,
        State::Discharged
            | State::Transferred
            | State::Expelled
            | State::Terminated
            | State::NoShow
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_happy_path_runs_from_queue_to_discharge() {
        let mut s = State::Queued;
        for (event, want) in [
            (Kind::Offered, State::Offered),
            (Kind::Postponed, State::Postponed),
            (Kind::Admitted, State::Admitted),
            (Kind::TemporaryLeave, State::TemporaryLeave),
            (Kind::Returned, State::Returned),
            (Kind::Suspended, State::Suspended),
            (Kind::Returned, State::Returned),
            (Kind::Discharged, State::Discharged),
        ] {
            s = transition("e", s, event).unwrap();
            assert_eq!(s, want);
        }
    }

    #[test]
    fn illegal_transitions_name_the_current_state() {
        for (state, event) in [
            (State::Queued, Kind::Admitted),
            (State::Queued, Kind::Discharged),
            (State::Offered, Kind::Offered),
            (State::Admitted, Kind::Offered),
            (State::Admitted, Kind::NoShow),
            (State::Discharged, Kind::Returned),
            (State::NoShow, Kind::Admitted),
            (State::Terminated, Kind::Terminated),
        ] {
            let err = transition("e1", state, event).unwrap_err();
            assert_eq!(err.code(), tonic::Code::FailedPrecondition);
            let name = state.as_str_name().trim_start_matches("EPISODE_STATE_");
            assert!(err.to_string().contains(name), "{err}");
        }
    }

    #[test]
    fn arrival_may_be_postponed_only_once() {
        let err = transition("e", State::Postponed, Kind::Postponed).unwrap_err();
        assert!(err.to_string().contains("only once"));
    }

    #[test]
    fn postponement_limits_depend_on_the_service_form() {
        let due = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let plus = |d| due + chrono::Days::new(d);
        assert!(check_postponement("e", ServiceForm::Stationary, due, plus(30)).is_ok());
        assert!(check_postponement("e", ServiceForm::Stationary, due, plus(31)).is_err());
        assert!(check_postponement("e", ServiceForm::SemiStationary, due, plus(10)).is_ok());
        let err = check_postponement("e", ServiceForm::SemiStationary, due, plus(11)).unwrap_err();
        assert_eq!(err.code(), tonic::Code::FailedPrecondition);
        let err = check_postponement("e", ServiceForm::Stationary, due, due).unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
    }
}
