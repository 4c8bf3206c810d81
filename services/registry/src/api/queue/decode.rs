//! The queue's requests decoded in one step: every field violation at once, or a typed input.

use chrono::NaiveDate;
use onaltu_api::{decode_offset_token, page_size, parse_id, parse_opt_date, parse_opt_id};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::common::Date;
use onaltu_proto::registry::{self as pb, OutOfTurnReason, ServiceForm};
use uuid::Uuid;

use crate::domain::queue::{self as rules, Referral};

/// A date the request must carry; "is not a calendar date" or "is required" is recorded in
/// `v`, and then the value is a stand-in that `Violations::finish` never lets through.
pub(in crate::api) fn required_date(
    field: &str,
    d: Option<&Date>,
    v: &mut Violations,
) -> NaiveDate {
    let parsed = parse_opt_date(field, d, v);
    v.check(d.is_some(), field, "is required");
    parsed.unwrap_or_default()
}

/// A referral to enqueue (EnqueueReferral).
#[derive(Debug, Clone, PartialEq)]
pub(in crate::api) struct ReferralInput {
    /// The person referred.
    pub person: Uuid,
    /// The centre.
    pub center: Uuid,
    /// The service form.
    pub form: ServiceForm,
    /// Date of the referral.
    pub referral_date: NaiveDate,
    /// Referral number, trimmed.
    pub number: String,
    /// Out of turn (кезектен тыс).
    pub out_of_turn: bool,
    /// The out-of-turn reason (UNSPECIFIED when in turn).
    pub reason: OutOfTurnReason,
    /// Note on the out-of-turn grounds, trimmed.
    pub note: String,
    /// The assessment the referral rests on, if named.
    pub assessment: Option<Uuid>,
    /// The episode this referral renews, if any.
    pub renews: Option<Uuid>,
    /// The client's request id (a retry answers the first result).
    pub request_id: Option<Uuid>,
}

impl ReferralInput {
    /// Decodes a referral sent on `today`.
    pub fn decode(req: pb::EnqueueReferralRequest, today: NaiveDate) -> Result<Self, ApiError> {
        let r = req.referral.unwrap_or_default();
        let mut v = Violations::new();
        let person = v.take(parse_id("referral.person_id", &r.person_id));
        let center = v.take(parse_id("referral.center_id", &r.center_id));
        let form = ServiceForm::try_from(r.service_form).unwrap_or(ServiceForm::Unspecified);
        let date = parse_opt_date("referral.referral_date", r.referral_date.as_ref(), &mut v);
        let reason = OutOfTurnReason::try_from(r.out_of_turn_reason).ok();
        let referral = Referral {
            form,
            date_sent: r.referral_date.is_some(),
            referral_date: date,
            number: &r.referral_number,
            out_of_turn: r.out_of_turn,
            reason,
            note: &r.out_of_turn_note,
        };
        rules::check_referral(&referral, today, &mut v);
        let assessment = parse_opt_id("referral.assessment_id", &r.assessment_id, &mut v);
        let renews = parse_opt_id("referral.renews_episode_id", &r.renews_episode_id, &mut v);
        let request_id = crate::api::idempotent::request_id(&req.request_id, &mut v);
        v.finish(Self {
            person,
            center,
            form,
            referral_date: date.unwrap_or_default(),
            number: r.referral_number.trim().to_string(),
            out_of_turn: r.out_of_turn,
            reason: reason.unwrap_or(OutOfTurnReason::Unspecified),
            note: r.out_of_turn_note.trim().to_string(),
            assessment,
            renews,
            request_id,
        })
    }
}

/// The offer of a place to the head of a queue (OfferPlace).
#[derive(Debug, Clone, PartialEq)]
pub(in crate::api) struct OfferInput {
    /// The centre.
    pub center: Uuid,
    /// The service form.
    pub form: ServiceForm,
    /// The episode the caller believes heads the queue, if named.
    pub expected: Option<Uuid>,
    /// The arrival date asked for.
    pub due: NaiveDate,
    /// Order number.
    pub order_number: String,
    /// The client's request id (a retry answers the first result).
    pub request_id: Option<Uuid>,
}

impl TryFrom<pb::OfferPlaceRequest> for OfferInput {
    type Error = ApiError;

    fn try_from(req: pb::OfferPlaceRequest) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        let center = v.take(parse_id("center_id", &req.center_id));
        let form = ServiceForm::try_from(req.service_form).unwrap_or(ServiceForm::Unspecified);
        v.check(
            form != ServiceForm::Unspecified,
            "service_form",
            "is required",
        );
        let expected = parse_opt_id("episode_id", &req.episode_id, &mut v);
        let due = required_date("arrival_due_date", req.arrival_due_date.as_ref(), &mut v);
        rules::check_length(&mut v, "order_number", &req.order_number, rules::MAX_NUMBER);
        let request_id = crate::api::idempotent::request_id(&req.request_id, &mut v);
        v.finish(Self {
            center,
            form,
            expected,
            due,
            order_number: req.order_number,
            request_id,
        })
    }
}

/// A page of a centre's queue (ListQueue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::api) struct QueuePage {
    /// The centre.
    pub center: Uuid,
    /// The service form asked for; every form when none.
    pub form: Option<i16>,
    /// Entries skipped.
    pub offset: i64,
    /// Page size.
    pub limit: i64,
}

impl TryFrom<pb::ListQueueRequest> for QueuePage {
    type Error = ApiError;

    fn try_from(req: pb::ListQueueRequest) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        let center = v.take(parse_id("center_id", &req.center_id));
        let form = ServiceForm::try_from(req.service_form);
        v.check(form.is_ok(), "service_form", "unknown value");
        let limit = v.take(page_size(req.page_size));
        let offset = v.take(decode_offset_token(&req.page_token));
        v.finish(Self {
            center,
            form: form
                .ok()
                .filter(|f| *f != ServiceForm::Unspecified)
                .map(|f| f as i16),
            offset,
            limit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(e: ApiError) -> Vec<String> {
        let paths = e.field_paths().expect("INVALID_ARGUMENT");
        paths.into_iter().map(String::from).collect()
    }

    #[test]
    fn a_referral_reports_every_violation_at_once() {
        let req = pb::EnqueueReferralRequest {
            referral: Some(pb::Referral {
                person_id: "x".into(),
                renews_episode_id: "y".into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let bad = ReferralInput::decode(req, today).unwrap_err();
        assert_eq!(
            fields(bad),
            [
                "referral.person_id",
                "referral.center_id",
                "referral.service_form",
                "referral.referral_date",
                "referral.renews_episode_id",
            ]
        );
    }

    #[test]
    fn an_offer_needs_a_centre_a_form_and_a_calendar_arrival_date() {
        let bad = OfferInput::try_from(pb::OfferPlaceRequest {
            arrival_due_date: Some(Date {
                year: 2026,
                month: 2,
                day: 30,
            }),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(
            fields(bad),
            ["center_id", "service_form", "arrival_due_date"]
        );
    }

    #[test]
    fn a_queue_page_refuses_a_negative_size_and_a_foreign_token() {
        let bad = QueuePage::try_from(pb::ListQueueRequest {
            center_id: Uuid::now_v7().to_string(),
            page_size: -1,
            page_token: "nope".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(fields(bad), ["page_size", "page_token"]);
    }
}
