//! The episodes' requests decoded in one step: every field violation at once, or a typed input.

use chrono::NaiveDate;
use onaltu_api::{decode_id_token, page_size, parse_id, parse_opt_date, parse_opt_id};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::registry::{self as pb, EpisodeState as State, ServiceForm};
use uuid::Uuid;

use crate::api::queue::required_date;
use crate::domain::queue as rules;

/// A postponement of arrival (PostponeArrival).
#[derive(Debug, Clone, PartialEq)]
pub(in crate::api) struct PostponeInput {
    /// The episode.
    pub episode: Uuid,
    /// The arrival date asked for.
    pub due: NaiveDate,
    /// Reason.
    pub reason: String,
    /// Order number.
    pub order_number: String,
    /// The client's request id (a retry answers the first result).
    pub request_id: Option<Uuid>,
}

impl TryFrom<pb::PostponeArrivalRequest> for PostponeInput {
    type Error = ApiError;

    fn try_from(req: pb::PostponeArrivalRequest) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        let episode = v.take(parse_id("episode_id", &req.episode_id));
        let due = required_date("arrival_due_date", req.arrival_due_date.as_ref(), &mut v);
        v.check(!req.reason.trim().is_empty(), "reason", "is required");
        rules::check_length(&mut v, "reason", &req.reason, rules::MAX_NOTE);
        rules::check_length(&mut v, "order_number", &req.order_number, rules::MAX_NUMBER);
        let request_id = crate::api::idempotent::request_id(&req.request_id, &mut v);
        v.finish(Self {
            episode,
            due,
            reason: req.reason,
            order_number: req.order_number,
            request_id,
        })
    }
}

/// An admission (AdmitPerson).
#[derive(Debug, Clone, PartialEq)]
pub(in crate::api) struct AdmitInput {
    /// The episode.
    pub episode: Uuid,
    /// Date of admission.
    pub admitted_on: NaiveDate,
    /// Order number.
    pub order_number: String,
    /// The client's request id (a retry answers the first result).
    pub request_id: Option<Uuid>,
}

impl AdmitInput {
    /// Decodes an admission recorded on `today`.
    pub fn decode(req: pb::AdmitPersonRequest, today: NaiveDate) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        let episode = v.take(parse_id("episode_id", &req.episode_id));
        let admitted = parse_opt_date("admitted_on", req.admitted_on.as_ref(), &mut v);
        v.check(req.admitted_on.is_some(), "admitted_on", "is required");
        rules::check_admission_date(admitted, today, &mut v);
        rules::check_length(&mut v, "order_number", &req.order_number, rules::MAX_NUMBER);
        let request_id = crate::api::idempotent::request_id(&req.request_id, &mut v);
        v.finish(Self {
            episode,
            admitted_on: admitted.unwrap_or_default(),
            order_number: req.order_number,
            request_id,
        })
    }
}

/// A page of episodes (ListEpisodes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::api) struct EpisodeQuery {
    /// Only this person's episodes, if named.
    pub person: Option<Uuid>,
    /// Only this centre's episodes, if named.
    pub center: Option<Uuid>,
    /// Only episodes in these states; any when empty.
    pub states: Vec<i16>,
    /// Only this service form, if named.
    pub form: Option<i16>,
    /// Referred on or after.
    pub referred_from: Option<NaiveDate>,
    /// Referred on or before.
    pub referred_until: Option<NaiveDate>,
    /// The id the page starts after.
    pub after: Option<Uuid>,
    /// Page size.
    pub limit: i64,
}

impl TryFrom<pb::ListEpisodesRequest> for EpisodeQuery {
    type Error = ApiError;

    fn try_from(req: pb::ListEpisodesRequest) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        let limit = v.take(page_size(req.page_size));
        let after = v.take(decode_id_token(&req.page_token));
        let person = parse_opt_id("person_id", &req.person_id, &mut v);
        let center = parse_opt_id("center_id", &req.center_id, &mut v);
        let mut states = Vec::new();
        for (i, s) in req.states.iter().enumerate() {
            match State::try_from(*s) {
                Ok(s) if s != State::Unspecified => states.push(s as i16),
                _ => v.add(format!("states[{i}]"), "unknown state"),
            }
        }
        let form = ServiceForm::try_from(req.service_form);
        v.check(form.is_ok(), "service_form", "unknown value");
        let range = req.referral_dates.unwrap_or_default();
        let start = range.start_date.as_ref();
        let referred_from = parse_opt_date("referral_dates.start_date", start, &mut v);
        let end = range.end_date.as_ref();
        let referred_until = parse_opt_date("referral_dates.end_date", end, &mut v);
        v.finish(Self {
            person,
            center,
            states,
            form: form
                .ok()
                .filter(|f| *f != ServiceForm::Unspecified)
                .map(|f| f as i16),
            referred_from,
            referred_until,
            after,
            limit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onaltu_proto::common::Date;

    fn fields(e: ApiError) -> Vec<String> {
        let paths = e.field_paths().expect("INVALID_ARGUMENT");
        paths.into_iter().map(String::from).collect()
    }

    #[test]
    fn a_postponement_reports_the_episode_date_and_reason_at_once() {
        let bad = PostponeInput::try_from(pb::PostponeArrivalRequest {
            episode_id: "x".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(fields(bad), ["episode_id", "arrival_due_date", "reason"]);
    }

    #[test]
    fn an_admission_is_not_dated_in_the_future() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let bad = AdmitInput::decode(
            pb::AdmitPersonRequest {
                episode_id: Uuid::now_v7().to_string(),
                admitted_on: Some(Date {
                    year: 2026,
                    month: 3,
                    day: 2,
                }),
                ..Default::default()
            },
            today,
        )
        .unwrap_err();
        assert_eq!(fields(bad), ["admitted_on"]);
    }

    #[test]
    fn an_episode_query_names_each_unknown_state() {
        let bad = EpisodeQuery::try_from(pb::ListEpisodesRequest {
            states: vec![State::Queued as i32, 0, 999],
            service_form: 999,
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(fields(bad), ["states[1]", "states[2]", "service_form"]);
    }
}
