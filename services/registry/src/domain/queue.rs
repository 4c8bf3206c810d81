//! The rules of a centre's queue besides the episode state machine (`episode.rs`): what a
//! referral must say (out-of-turn referrals, orphans turning 18 only to stationary care), which
//! referral a new one may renew, who is offered a place, when admission is possible (dates,
//! capacity), what a journal event must carry, and the offer that follows a no-show.

use chrono::{Days, NaiveDate};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::registry::{
    DischargeOutcome, EpisodeEventKind as Kind, EpisodeState as State, OutOfTurnReason, ServiceForm,
};
use uuid::Uuid;

use super::episode::{WAITING, is_final};

/// Days between an offer made after a no-show and the arrival it asks for.
pub const DEFAULT_ARRIVAL_DAYS: u64 = 7;
/// Longest referral or order number.
pub const MAX_NUMBER: usize = 100;
/// Longest free-text note or reason.
pub const MAX_NOTE: usize = 1000;

/// Adds a violation when `value` is longer than `max` characters.
pub fn check_length(v: &mut Violations, field: &str, value: &str, max: usize) {
    v.check(
        value.chars().count() <= max,
        field,
        format!("must be at most {max} characters"),
    );
}

fn name(form: ServiceForm) -> &'static str {
    form.as_str_name().trim_start_matches("SERVICE_FORM_")
}

fn state_name(s: State) -> &'static str {
    s.as_str_name().trim_start_matches("EPISODE_STATE_")
}

/// A referral as decoded from a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Referral<'a> {
    /// Service form asked for.
    pub form: ServiceForm,
    /// Whether the request carried a referral date.
    pub date_sent: bool,
    /// Date of the referral, when one could be read.
    pub referral_date: Option<NaiveDate>,
    /// Referral number.
    pub number: &'a str,
    /// Out of turn (кезектен тыс).
    pub out_of_turn: bool,
    /// The out-of-turn reason as sent; `None` when it is not a known value.
    pub reason: Option<OutOfTurnReason>,
    /// Note on the out-of-turn grounds.
    pub note: &'a str,
}

/// Checks a referral's own fields: the service form, a referral date not in the future, the
/// lengths, and the out-of-turn rules (a reason is required and only then allowed; orphans
/// turning 18 are admitted out of turn to stationary care only).
pub fn check_referral(r: &Referral, today: NaiveDate, v: &mut Violations) {
    v.check(
        r.form != ServiceForm::Unspecified,
        "referral.service_form",
        "is required",
    );
    v.check(r.date_sent, "referral.referral_date", "is required");
    if let Some(d) = r.referral_date {
        v.check(
            d <= today,
            "referral.referral_date",
            "must not be in the future",
        );
    }
    check_length(v, "referral.referral_number", r.number, MAX_NUMBER);
    check_length(v, "referral.out_of_turn_note", r.note, MAX_NOTE);
    v.check(
        r.reason.is_some(),
        "referral.out_of_turn_reason",
        "unknown value",
    );
    let reason = r.reason.unwrap_or(OutOfTurnReason::Unspecified);
    if r.out_of_turn {
        v.check(
            reason != OutOfTurnReason::Unspecified,
            "referral.out_of_turn_reason",
            "is required for an out-of-turn referral",
        );
        if reason == OutOfTurnReason::OrphanTurning18 {
            v.check(
                r.form == ServiceForm::Stationary,
                "referral.service_form",
                "out-of-turn admission of orphans turning 18 is to stationary care",
            );
        }
    } else {
        v.check(
            reason == OutOfTurnReason::Unspecified,
            "referral.out_of_turn_reason",
            "is only for out-of-turn referrals",
        );
    }
}

/// A centre takes referrals only for the service forms it offers (any, when it lists none).
pub fn check_form_offered(
    center: Uuid,
    offered: &[i16],
    form: ServiceForm,
) -> Result<(), ApiError> {
    if offered.is_empty() || offered.contains(&(form as i16)) {
        return Ok(());
    }
    Err(ApiError::precondition(
        "SERVICE_FORM",
        format!("centers/{center}"),
        format!("the centre does not offer {}", name(form)),
    ))
}

/// Who, where and how an episode is: the key a renewal must match.
pub type QueueKey = (Uuid, Uuid, i16);

/// Decides whether a new referral may renew episode `old_id` (an expired ЖОБ keeps its place in
/// the queue): same person, centre and form, and the old one still waiting or already
/// terminated. `Ok(true)` when the old referral must now be terminated.
pub fn renewal(
    old_id: Uuid,
    old: QueueKey,
    old_state: State,
    new: QueueKey,
) -> Result<bool, ApiError> {
    if old != new {
        return Err(ApiError::invalid(
            "referral.renews_episode_id",
            "must be an episode of the same person, centre and service form",
        ));
    }
    if !(WAITING.contains(&old_state) || old_state == State::Terminated) {
        return Err(ApiError::precondition(
            "EPISODE_STATE",
            format!("episodes/{old_id}"),
            format!(
                "episode is {}; only a waiting or terminated referral can be renewed",
                state_name(old_state)
            ),
        ));
    }
    Ok(old_state != State::Terminated)
}

/// Why the renewed referral ended, as the journal records it.
pub const RENEWED_REASON: &str = "renewed by a new referral (ЖОБ renewed)";

/// A person waits at most once per centre and form: a second referral is ALREADY_EXISTS naming
/// the episode that waits or occupies the place.
pub fn already_waiting(active: Uuid) -> ApiError {
    ApiError::AlreadyExists {
        resource: "episode",
        message: format!("the person already has episode {active} in this queue or at this place"),
    }
}

/// Nobody waits in `center`'s queue for a place to be offered to.
pub fn queue_empty(center: Uuid) -> ApiError {
    ApiError::precondition(
        "QUEUE_EMPTY",
        format!("centers/{center}"),
        "nobody is waiting in this queue",
    )
}

/// The place goes to the head of the queue: `head` (its id and referral date), which the caller
/// may name as `expected`; the arrival date may not precede the referral. Returns the head.
pub fn check_offer(
    center: Uuid,
    head: Option<(Uuid, NaiveDate)>,
    expected: Option<Uuid>,
    due: NaiveDate,
) -> Result<Uuid, ApiError> {
    let (head, referred) = head.ok_or_else(|| queue_empty(center))?;
    if let Some(expected) = expected.filter(|e| *e != head) {
        return Err(ApiError::precondition(
            "QUEUE_ORDER",
            format!("episodes/{expected}"),
            format!("episode {expected} is not at the head of the queue; episode {head} is"),
        ));
    }
    if due < referred {
        return Err(ApiError::invalid(
            "arrival_due_date",
            "must not be before the referral date",
        ));
    }
    Ok(head)
}

/// OfferPlace carries no event date: the offer is dated today, or on the arrival date when that
/// has already passed (an offer recorded after the fact).
pub fn offer_date(today: NaiveDate, due: NaiveDate) -> NaiveDate {
    today.min(due)
}

/// The arrival asked for when the place of a no-show on `date` is offered to the next in line.
pub fn arrival_after_no_show(date: NaiveDate) -> NaiveDate {
    date.checked_add_days(Days::new(DEFAULT_ARRIVAL_DAYS))
        .unwrap_or(date)
}

/// Whether a no-show from `was` frees a place to offer to the next in line.
pub fn frees_a_place(kind: Kind, was: State) -> bool {
    kind == Kind::NoShow && matches!(was, State::Offered | State::Postponed)
}

/// The places a service form fills: beds for stationary care, places otherwise (each falling
/// back to the other); `None` when the centre states neither.
pub fn capacity(form: ServiceForm, beds: Option<i32>, places: Option<i32>) -> Option<i32> {
    if form == ServiceForm::Stationary {
        beds.or(places)
    } else {
        places.or(beds)
    }
}

/// Admission is refused when every place is occupied.
pub fn check_capacity(center: Uuid, capacity: Option<i32>, occupied: i64) -> Result<(), ApiError> {
    match capacity {
        Some(capacity) if occupied >= i64::from(capacity) => Err(ApiError::precondition(
            "CAPACITY",
            format!("centers/{center}"),
            format!("all {capacity} places of this service form are occupied"),
        )),
        _ => Ok(()),
    }
}

/// An admission date is not in the future.
pub fn check_admission_date(admitted: Option<NaiveDate>, today: NaiveDate, v: &mut Violations) {
    if let Some(d) = admitted {
        v.check(d <= today, "admitted_on", "must not be in the future");
    }
}

/// Nobody is admitted before they were referred.
pub fn check_admitted_after_referral(
    admitted: NaiveDate,
    referred: NaiveDate,
) -> Result<(), ApiError> {
    if admitted < referred {
        return Err(ApiError::invalid(
            "admitted_on",
            "must not be before the referral date",
        ));
    }
    Ok(())
}

/// A journal event as decoded from a request.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalEvent<'a> {
    /// What happened.
    pub kind: Kind,
    /// Whether the request carried a date.
    pub date_sent: bool,
    /// When, when a date could be read.
    pub date: Option<NaiveDate>,
    /// The discharge outcome as sent (0 when unset).
    pub outcome: i32,
    /// Centre transferred to.
    pub transfer: Option<Uuid>,
    /// Reason.
    pub reason: &'a str,
    /// Order number.
    pub order: &'a str,
}

/// Checks a journal event recorded by RecordEpisodeEvent: the kinds with their own call are
/// refused, the date is not in the future, a discharge names its outcome (and only a discharge
/// does), a transfer names the centre, and expulsion, termination and suspension give a reason.
pub fn check_journal_event(e: &JournalEvent, today: NaiveDate, v: &mut Violations) {
    match e.kind {
        Kind::Unspecified => v.add("event.kind", "is required"),
        Kind::Queued => v.add("event.kind", "use EnqueueReferral"),
        Kind::Offered => v.add("event.kind", "use OfferPlace"),
        Kind::Postponed => v.add("event.kind", "use PostponeArrival"),
        Kind::Admitted => v.add("event.kind", "use AdmitPerson"),
        _ => {}
    }
    v.check(e.date_sent, "event.event_date", "is required");
    if let Some(d) = e.date {
        v.check(d <= today, "event.event_date", "must not be in the future");
    }
    let outcome = DischargeOutcome::try_from(e.outcome).unwrap_or(DischargeOutcome::Unspecified);
    if e.kind == Kind::Discharged {
        v.check(
            outcome != DischargeOutcome::Unspecified,
            "event.discharge_outcome",
            "is required on discharge",
        );
    } else {
        v.check(
            e.outcome == 0,
            "event.discharge_outcome",
            "is only for discharges",
        );
    }
    if e.kind == Kind::Transferred {
        v.check(
            e.transfer.is_some(),
            "event.transfer_center_id",
            "is required on transfer",
        );
    }
    if matches!(e.kind, Kind::Expelled | Kind::Terminated | Kind::Suspended) {
        v.check(
            !e.reason.trim().is_empty(),
            "event.reason",
            "is required for this event",
        );
    }
    check_length(v, "event.reason", e.reason, MAX_NOTE);
    check_length(v, "event.order_number", e.order, MAX_NUMBER);
}

/// An event is not dated before the admission (or, before admission, the referral).
pub fn check_event_date(
    date: NaiveDate,
    admitted: Option<NaiveDate>,
    referred: NaiveDate,
) -> Result<(), ApiError> {
    let since = admitted.unwrap_or(referred);
    if date < since {
        return Err(ApiError::invalid(
            "event.event_date",
            format!("must not be before {since}"),
        ));
    }
    Ok(())
}

/// A transfer goes to another centre that exists.
pub fn check_transfer(to: Uuid, from: Uuid, exists: bool) -> Result<(), ApiError> {
    if to == from {
        return Err(ApiError::invalid(
            "event.transfer_center_id",
            "must be another centre",
        ));
    }
    if !exists {
        return Err(ApiError::invalid(
            "event.transfer_center_id",
            "no such centre",
        ));
    }
    Ok(())
}

/// The end date an event gives an episode moving to `next`: the event's date when it ends it.
pub fn ended_on(next: State, date: NaiveDate) -> Option<NaiveDate> {
    is_final(next).then_some(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn fields(v: Violations) -> Vec<String> {
        v.as_slice().iter().map(|f| f.field.clone()).collect()
    }

    fn referral(
        form: ServiceForm,
        out_of_turn: bool,
        reason: OutOfTurnReason,
    ) -> Referral<'static> {
        Referral {
            form,
            date_sent: true,
            referral_date: Some(d(3, 1)),
            number: "№1",
            out_of_turn,
            reason: Some(reason),
            note: "",
        }
    }

    #[test]
    fn orphans_turning_18_are_referred_out_of_turn_only_to_stationary_care() {
        let mut v = Violations::new();
        let semi = referral(
            ServiceForm::SemiStationary,
            true,
            OutOfTurnReason::OrphanTurning18,
        );
        check_referral(&semi, d(3, 2), &mut v);
        assert_eq!(fields(v), ["referral.service_form"]);
        let mut v = Violations::new();
        let full = referral(
            ServiceForm::Stationary,
            true,
            OutOfTurnReason::OrphanTurning18,
        );
        check_referral(&full, d(3, 2), &mut v);
        assert!(v.is_empty());
    }

    #[test]
    fn an_out_of_turn_reason_is_required_then_and_only_then() {
        let mut v = Violations::new();
        let missing = referral(ServiceForm::Stationary, true, OutOfTurnReason::Unspecified);
        check_referral(&missing, d(3, 2), &mut v);
        assert_eq!(fields(v), ["referral.out_of_turn_reason"]);
        let mut v = Violations::new();
        let stray = referral(
            ServiceForm::Stationary,
            false,
            OutOfTurnReason::OrphanTurning18,
        );
        check_referral(&stray, d(3, 2), &mut v);
        assert_eq!(fields(v), ["referral.out_of_turn_reason"]);
    }

    #[test]
    fn a_referral_is_dated_not_in_the_future_and_names_its_form() {
        let mut r = referral(
            ServiceForm::Unspecified,
            false,
            OutOfTurnReason::Unspecified,
        );
        r.referral_date = Some(d(4, 1));
        r.reason = None;
        let mut v = Violations::new();
        check_referral(&r, d(3, 31), &mut v);
        assert_eq!(
            fields(v),
            [
                "referral.service_form",
                "referral.referral_date",
                "referral.out_of_turn_reason"
            ]
        );
        r.date_sent = false;
        r.referral_date = None;
        let mut v = Violations::new();
        check_referral(&r, d(3, 31), &mut v);
        assert!(fields(v).contains(&"referral.referral_date".to_string()));
    }

    #[test]
    fn a_centre_takes_only_the_forms_it_offers() {
        let c = Uuid::from_u128(1);
        let stationary = [ServiceForm::Stationary as i16];
        assert!(check_form_offered(c, &[], ServiceForm::Stationary).is_ok());
        assert!(check_form_offered(c, &stationary, ServiceForm::Stationary).is_ok());
        let err = check_form_offered(c, &stationary, ServiceForm::SemiStationary).unwrap_err();
        assert!(
            err.to_string().contains("does not offer SEMI_STATIONARY"),
            "{err}"
        );
    }

    #[test]
    fn a_renewal_keeps_the_same_queue_and_only_a_waiting_or_ended_referral() {
        let old = Uuid::from_u128(9);
        let key = (Uuid::from_u128(1), Uuid::from_u128(2), 1);
        assert!(renewal(old, key, State::Queued, key).unwrap());
        assert!(!renewal(old, key, State::Terminated, key).unwrap());
        let other = (key.0, Uuid::from_u128(3), 1);
        let err = renewal(old, key, State::Queued, other).unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
        let err = renewal(old, key, State::Admitted, key).unwrap_err();
        assert_eq!(err.code(), tonic::Code::FailedPrecondition);
        assert!(err.to_string().contains("ADMITTED"), "{err}");
    }

    #[test]
    fn the_place_goes_to_the_head_of_the_queue() {
        let (c, head, other) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let waiting = Some((head, d(1, 1)));
        assert_eq!(check_offer(c, waiting, None, d(2, 1)).unwrap(), head);
        assert_eq!(check_offer(c, waiting, Some(head), d(2, 1)).unwrap(), head);
        let err = check_offer(c, waiting, Some(other), d(2, 1)).unwrap_err();
        assert!(err.to_string().contains("not at the head"), "{err}");
        let err = check_offer(c, None, None, d(2, 1)).unwrap_err();
        assert!(err.to_string().contains("nobody is waiting"), "{err}");
        let early = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
        let err = check_offer(c, waiting, None, early).unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
    }

    #[test]
    fn an_offer_is_dated_today_unless_the_arrival_has_passed() {
        assert_eq!(offer_date(d(3, 10), d(3, 20)), d(3, 10));
        assert_eq!(offer_date(d(3, 10), d(3, 5)), d(3, 5));
    }

    #[test]
    fn a_no_show_offers_the_place_again_a_week_ahead() {
        assert_eq!(arrival_after_no_show(d(3, 10)), d(3, 17));
        assert!(frees_a_place(Kind::NoShow, State::Offered));
        assert!(frees_a_place(Kind::NoShow, State::Postponed));
        assert!(!frees_a_place(Kind::Discharged, State::Admitted));
    }

    #[test]
    fn stationary_care_fills_beds_and_day_care_places() {
        assert_eq!(
            capacity(ServiceForm::Stationary, Some(10), Some(30)),
            Some(10)
        );
        assert_eq!(
            capacity(ServiceForm::SemiStationary, Some(10), Some(30)),
            Some(30)
        );
        assert_eq!(
            capacity(ServiceForm::SemiStationary, Some(10), None),
            Some(10)
        );
        let c = Uuid::from_u128(1);
        assert!(check_capacity(c, Some(3), 2).is_ok());
        let err = check_capacity(c, Some(3), 3).unwrap_err();
        assert!(err.to_string().contains("all 3 places"), "{err}");
        assert!(check_capacity(c, None, 1_000).is_ok());
    }

    #[test]
    fn admission_dates_follow_the_referral_and_not_the_future() {
        let mut v = Violations::new();
        check_admission_date(Some(d(3, 2)), d(3, 1), &mut v);
        assert_eq!(fields(v), ["admitted_on"]);
        assert!(check_admitted_after_referral(d(3, 1), d(3, 1)).is_ok());
        assert!(check_admitted_after_referral(d(2, 28), d(3, 1)).is_err());
    }

    #[test]
    fn journal_events_carry_what_their_kind_needs() {
        let event = |kind, outcome, transfer, reason| JournalEvent {
            kind,
            date_sent: true,
            date: Some(d(3, 1)),
            outcome,
            transfer,
            reason,
            order: "",
        };
        let check = |e: JournalEvent| {
            let mut v = Violations::new();
            check_journal_event(&e, d(3, 2), &mut v);
            fields(v)
        };
        let improved = DischargeOutcome::Improved as i32;
        assert_eq!(check(event(Kind::Admitted, 0, None, "")), ["event.kind"]);
        assert_eq!(
            check(event(Kind::Discharged, 0, None, "")),
            ["event.discharge_outcome"]
        );
        assert!(check(event(Kind::Discharged, improved, None, "")).is_empty());
        assert_eq!(
            check(event(Kind::TemporaryLeave, 1, None, "")),
            ["event.discharge_outcome"]
        );
        assert_eq!(
            check(event(Kind::Transferred, 0, None, "")),
            ["event.transfer_center_id"]
        );
        assert_eq!(check(event(Kind::Expelled, 0, None, " ")), ["event.reason"]);
        let mut late = event(Kind::Returned, 0, None, "");
        late.date = Some(d(3, 3));
        assert_eq!(check(late), ["event.event_date"]);
    }

    #[test]
    fn events_follow_admission_and_transfers_go_elsewhere() {
        assert!(check_event_date(d(3, 1), Some(d(3, 1)), d(1, 1)).is_ok());
        let err = check_event_date(d(2, 1), Some(d(3, 1)), d(1, 1)).unwrap_err();
        assert!(err.to_string().contains("2026-03-01"), "{err}");
        assert!(check_event_date(d(2, 1), None, d(1, 1)).is_ok());
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert!(check_transfer(b, a, true).is_ok());
        assert!(check_transfer(a, a, true).is_err());
        assert!(check_transfer(b, a, false).is_err());
        assert_eq!(ended_on(State::Discharged, d(3, 1)), Some(d(3, 1)));
        assert_eq!(ended_on(State::TemporaryLeave, d(3, 1)), None);
    }
}
