//! The invataxi booking form (инватакси / инвалидное такси) and the cancellation warning. A
//! trip runs between the passenger's home and a rehabilitation centre, either way; the
//! passenger asks for a pickup time or an arrival time on a day inside the booking window and
//! within service hours, says whether they travel in a wheelchair and how many escorts come
//! along. The numbers are the transport service's default `[booking]` rules
//! (`services/transport/src/domain/trip.rs`); whatever the service still refuses is read back
//! onto the same fields ([`service_field`]).

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use onaltu_proto::transport::{self as pb, TripPurpose};
use serde::Deserialize;

use super::form::{self, FormErrors};

/// A trip is booked at least this many days ahead (1: the day before).
pub const MIN_DAYS_AHEAD: i64 = 1;
/// And at most this many days ahead.
pub const MAX_DAYS_AHEAD: i64 = 14;
/// Most escorts on one trip.
pub const MAX_ESCORTS: i32 = 3;
/// The longest note for the driver, in characters.
pub const MAX_NOTE_CHARS: usize = 500;
/// A cancellation later than this many minutes before the pickup window is a late one.
pub const CANCEL_NOTICE_MINUTES: i64 = 120;

/// The first pickup of the day, local time.
pub fn service_start() -> NaiveTime {
    NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN)
}

/// The last drop-off of the day, local time.
pub fn service_end() -> NaiveTime {
    NaiveTime::from_hms_opt(18, 0, 0).unwrap_or(NaiveTime::MIN)
}

/// The purposes a passenger chooses from: the form's value and the contract's.
pub const PURPOSES: [(&str, TripPurpose); 6] = [
    ("rehabilitation", TripPurpose::Rehabilitation),
    ("medical", TripPurpose::Medical),
    ("social_service", TripPurpose::SocialService),
    ("education", TripPurpose::Education),
    ("culture_and_sport", TripPurpose::CultureAndSport),
    ("other", TripPurpose::Other),
];

/// The form's fields in page order, for the error summary.
pub const FIELD_ORDER: [&str; 8] = [
    "direction",
    "centre",
    "time_kind",
    "date",
    "time",
    "escorts",
    "purpose",
    "note",
];

/// The booking form as the browser sends it (and the page shows it back).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TripFields {
    /// The session's form token.
    pub csrf: String,
    /// The id of this filling-in of the form: a second send of it is answered once.
    pub request_id: String,
    /// `to_centre` (from home) or `from_centre` (back home).
    pub direction: String,
    /// The centre's id.
    pub centre: String,
    /// `pickup` (be picked up at the time) or `arrival` (arrive by the time).
    pub time_kind: String,
    /// The day, `YYYY-MM-DD`.
    pub date: String,
    /// The time, `HH:MM`, local.
    pub time: String,
    /// `yes` when travelling in a wheelchair.
    pub wheelchair: String,
    /// Escorts, `0`-`3`.
    pub escorts: String,
    /// The purpose, one of [`PURPOSES`].
    pub purpose: String,
    /// A note for the driver: entrance, floor, landmark.
    pub note: String,
}

/// What the form is checked against: today, the centres offered and whether each has a point
/// on the map, and whether the passenger's home has one.
#[derive(Debug, Clone, PartialEq)]
pub struct TripContext {
    /// Today, local.
    pub today: NaiveDate,
    /// The centres offered: (id, located on the map).
    pub centres: Vec<(String, bool)>,
    /// Whether the registry has the passenger's home on the map.
    pub home_located: bool,
}

/// A booking that passed every rule.
#[derive(Debug, Clone, PartialEq)]
pub struct TripInput {
    /// From home to the centre (else from the centre home).
    pub to_centre: bool,
    /// The centre.
    pub centre: String,
    /// The time asked for is a pickup time (else an arrival time).
    pub is_pickup: bool,
    /// The time asked for.
    pub when: DateTime<Utc>,
    /// Travels in a wheelchair.
    pub wheelchair: bool,
    /// Escorts.
    pub escorts: i32,
    /// Purpose.
    pub purpose: TripPurpose,
    /// Note for the driver, at the home end.
    pub note: String,
}

impl TripInput {
    /// The trip to ask for, between `home` and `centre`.
    pub fn trip(&self, home: pb::Place, centre: pb::Place) -> pb::Trip {
        let home = pb::Place {
            note: self.note.clone(),
            ..home
        };
        let (pickup, dropoff) = if self.to_centre {
            (home, centre)
        } else {
            (centre, home)
        };
        let at = onaltu_api::timestamp(self.when);
        pb::Trip {
            pickup: Some(pickup),
            dropoff: Some(dropoff),
            requested_time: Some(if self.is_pickup {
                pb::trip::RequestedTime::RequestedPickupTime(at)
            } else {
                pb::trip::RequestedTime::RequestedArrivalTime(at)
            }),
            wheelchair: self.wheelchair,
            escorts: self.escorts,
            purpose: self.purpose as i32,
            center_id: if self.to_centre {
                self.centre.clone()
            } else {
                String::new()
            },
            ..Default::default()
        }
    }
}

/// The fields checked against `cx`: the typed booking, or every error with its field.
pub fn validate(fields: &TripFields, cx: &TripContext) -> Result<TripInput, FormErrors> {
    let mut errors = FormErrors::new();
    let to_centre = match fields.direction.as_str() {
        "to_centre" => Some(true),
        "from_centre" => Some(false),
        _ => None,
    };
    match to_centre {
        None => errors.add("direction", "my-trip-error-direction"),
        Some(_) if !cx.home_located => errors.add("direction", "my-trip-error-no-home"),
        Some(_) => {}
    }
    match cx.centres.iter().find(|(id, _)| *id == fields.centre) {
        None => errors.add("centre", "my-trip-error-centre"),
        Some((_, false)) => errors.add("centre", "my-trip-error-centre-unlocated"),
        Some((_, true)) => {}
    }
    let is_pickup = match fields.time_kind.as_str() {
        "pickup" => Some(true),
        "arrival" => Some(false),
        _ => {
            errors.add("time_kind", "my-trip-error-time-kind");
            None
        }
    };
    let date = day(fields.date.trim(), cx.today, &mut errors);
    let time = clock(fields.time.trim(), &mut errors);
    let escorts = match fields.escorts.trim() {
        "" => Some(0),
        typed => typed
            .parse::<i32>()
            .ok()
            .filter(|e| (0..=MAX_ESCORTS).contains(e)),
    };
    if escorts.is_none() {
        errors.add("escorts", "my-trip-error-escorts");
    }
    let purpose = PURPOSES
        .iter()
        .find(|(name, _)| *name == fields.purpose)
        .map(|(_, p)| *p);
    if purpose.is_none() {
        errors.add("purpose", "my-trip-error-purpose");
    }
    let note = form::normalised_text(&fields.note);
    if note.chars().count() > MAX_NOTE_CHARS {
        errors.add("note", "my-trip-error-note-long");
    } else if form::has_control_characters(&note) {
        errors.add("note", "my-trip-error-note-characters");
    }
    match (to_centre, is_pickup, date, time, escorts, purpose) {
        (
            Some(to_centre),
            Some(is_pickup),
            Some(date),
            Some(time),
            Some(escorts),
            Some(purpose),
        ) if errors.is_empty() => Ok(TripInput {
            to_centre,
            centre: fields.centre.clone(),
            is_pickup,
            when: local_instant(date, time),
            wheelchair: fields.wheelchair == "yes",
            escorts,
            purpose,
            note,
        }),
        _ => Err(errors.ordered(&FIELD_ORDER)),
    }
}

/// The first and last days a trip can be booked for on `today`.
pub fn booking_window(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    (
        today + Duration::days(MIN_DAYS_AHEAD),
        today + Duration::days(MAX_DAYS_AHEAD),
    )
}

fn day(typed: &str, today: NaiveDate, errors: &mut FormErrors) -> Option<NaiveDate> {
    let Ok(date) = NaiveDate::parse_from_str(typed, "%Y-%m-%d") else {
        errors.add("date", "my-trip-error-date-format");
        return None;
    };
    let (first, last) = booking_window(today);
    if date < first || date > last {
        errors.add("date", "my-trip-error-date-window");
        return None;
    }
    Some(date)
}

fn clock(typed: &str, errors: &mut FormErrors) -> Option<NaiveTime> {
    let parsed = NaiveTime::parse_from_str(typed, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(typed, "%H:%M:%S"));
    let Ok(time) = parsed else {
        errors.add("time", "my-trip-error-time-format");
        return None;
    };
    if time < service_start() || time > service_end() {
        errors.add("time", "my-trip-error-time-hours");
        return None;
    }
    Some(time)
}

/// The instant of local (UTC+5) `time` on `date`.
pub fn local_instant(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    onaltu_api::local_midnight(date) + (time - NaiveTime::MIN)
}

/// The form field (and message) a field path of the transport service's refusal belongs to;
/// `None` for paths no field of the form holds.
pub fn service_field(path: &str) -> Option<(&'static str, &'static str)> {
    Some(match path {
        "trip.requested_pickup_time" | "trip.requested_arrival_time" => {
            ("date", "my-trip-error-date-window")
        }
        "trip.escorts" => ("escorts", "my-trip-error-escorts"),
        "trip.purpose" => ("purpose", "my-trip-error-purpose"),
        "trip.center_id" => ("centre", "my-trip-error-centre"),
        "trip.pickup.note" | "trip.dropoff.note" => ("note", "my-trip-error-note-long"),
        "trip.pickup.location"
        | "trip.dropoff.location"
        | "trip.pickup.address"
        | "trip.dropoff.address" => ("direction", "my-trip-error-places"),
        _ => return None,
    })
}

/// The errors a refusal of the transport service makes on the form: its field violations on
/// their fields, and a day outside the booking window (`BOOKING_WINDOW`) on the date.
pub fn service_errors(status: &tonic::Status) -> FormErrors {
    if form::failed_preconditions(status)
        .iter()
        .any(|t| t == "BOOKING_WINDOW")
    {
        let mut errors = FormErrors::new();
        errors.add("date", "my-trip-error-date-window");
        return errors;
    }
    form::from_violations(
        &form::violated_fields(status),
        service_field,
        "my-trip-error-general",
    )
    .ordered(&FIELD_ORDER)
}

/// Whether a trip in `state` can still be cancelled (before the driver sets out).
pub fn cancellable(state: pb::TripState) -> bool {
    matches!(state, pb::TripState::Requested | pb::TripState::Scheduled)
}

/// Whether cancelling at `now` a trip whose pickup window opens at `window_start` is a late
/// cancellation (within [`CANCEL_NOTICE_MINUTES`] of it), as the transport service will record.
pub fn cancel_is_late(now: DateTime<Utc>, window_start: DateTime<Utc>) -> bool {
    now + Duration::minutes(CANCEL_NOTICE_MINUTES) > window_start
}

/// Every message key the form's rules may name (they are chosen at run time).
pub const MESSAGE_KEYS: [&str; 16] = [
    "my-trip-error-direction",
    "my-trip-error-no-home",
    "my-trip-error-centre",
    "my-trip-error-centre-unlocated",
    "my-trip-error-time-kind",
    "my-trip-error-date-format",
    "my-trip-error-date-window",
    "my-trip-error-time-format",
    "my-trip-error-time-hours",
    "my-trip-error-escorts",
    "my-trip-error-purpose",
    "my-trip-error-note-long",
    "my-trip-error-note-characters",
    "my-trip-error-places",
    "my-trip-error-general",
    "my-trip-error-resent",
];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::i18n::{Lang, Tr};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()
    }

    fn cx() -> TripContext {
        TripContext {
            today: today(),
            centres: vec![("c1".into(), true), ("c2".into(), false)],
            home_located: true,
        }
    }

    fn filled() -> TripFields {
        TripFields {
            direction: "to_centre".into(),
            centre: "c1".into(),
            time_kind: "arrival".into(),
            date: "2026-07-02".into(),
            time: "09:30".into(),
            wheelchair: "yes".into(),
            escorts: "1".into(),
            purpose: "rehabilitation".into(),
            note: " 3-подъезд ".into(),
            ..TripFields::default()
        }
    }

    fn error_of(f: &TripFields, cx: &TripContext, field: &str) -> Option<&'static str> {
        validate(f, cx).err()?.of(field).map(|e| e.key)
    }

    #[test]
    fn a_complete_form_becomes_a_trip_from_home_to_the_centre() {
        let input = validate(&filled(), &cx()).unwrap();
        assert!(input.to_centre && !input.is_pickup && input.wheelchair);
        assert_eq!(input.escorts, 1);
        // 09:30 in Astana is 04:30 UTC.
        assert_eq!(input.when.to_rfc3339(), "2026-07-02T04:30:00+00:00");
        let home = pb::Place {
            address: "home".into(),
            ..Default::default()
        };
        let centre = pb::Place {
            address: "centre".into(),
            ..Default::default()
        };
        let t = input.trip(home, centre);
        assert_eq!(t.pickup.as_ref().unwrap().address, "home");
        assert_eq!(t.pickup.as_ref().unwrap().note, "3-подъезд");
        assert_eq!(t.dropoff.as_ref().unwrap().address, "centre");
        assert_eq!(t.center_id, "c1");
        assert!(matches!(
            t.requested_time,
            Some(pb::trip::RequestedTime::RequestedArrivalTime(_))
        ));
    }

    #[test]
    fn the_way_back_starts_at_the_centre() {
        let mut f = filled();
        f.direction = "from_centre".into();
        f.time_kind = "pickup".into();
        let t = validate(&f, &cx()).unwrap().trip(
            pb::Place {
                address: "home".into(),
                ..Default::default()
            },
            pb::Place {
                address: "centre".into(),
                ..Default::default()
            },
        );
        assert_eq!(t.pickup.unwrap().address, "centre");
        assert_eq!(t.dropoff.unwrap().address, "home");
        assert!(t.center_id.is_empty());
    }

    #[test]
    fn a_direction_is_chosen_and_the_home_is_on_the_map() {
        let mut f = filled();
        f.direction = String::new();
        assert_eq!(
            error_of(&f, &cx(), "direction"),
            Some("my-trip-error-direction")
        );
        let homeless = TripContext {
            home_located: false,
            ..cx()
        };
        assert_eq!(
            error_of(&filled(), &homeless, "direction"),
            Some("my-trip-error-no-home")
        );
    }

    #[test]
    fn the_centre_is_one_offered_and_on_the_map() {
        let mut f = filled();
        f.centre = "elsewhere".into();
        assert_eq!(error_of(&f, &cx(), "centre"), Some("my-trip-error-centre"));
        f.centre = "c2".into();
        assert_eq!(
            error_of(&f, &cx(), "centre"),
            Some("my-trip-error-centre-unlocated")
        );
    }

    #[test]
    fn the_time_is_a_pickup_or_an_arrival() {
        let mut f = filled();
        f.time_kind = "whenever".into();
        assert_eq!(
            error_of(&f, &cx(), "time_kind"),
            Some("my-trip-error-time-kind")
        );
    }

    #[test]
    fn the_day_is_inside_the_booking_window() {
        let mut f = filled();
        f.date = "02.07.2026".into();
        assert_eq!(
            error_of(&f, &cx(), "date"),
            Some("my-trip-error-date-format")
        );
        f.date = "2026-07-01".into();
        assert_eq!(
            error_of(&f, &cx(), "date"),
            Some("my-trip-error-date-window"),
            "not today"
        );
        f.date = "2026-07-16".into();
        assert_eq!(
            error_of(&f, &cx(), "date"),
            Some("my-trip-error-date-window"),
            "not beyond two weeks"
        );
        f.date = "2026-07-15".into();
        assert!(validate(&f, &cx()).is_ok());
        assert_eq!(
            booking_window(today()),
            (
                NaiveDate::from_ymd_opt(2026, 7, 2).unwrap(),
                NaiveDate::from_ymd_opt(2026, 7, 15).unwrap()
            )
        );
    }

    #[test]
    fn the_time_is_within_service_hours() {
        let mut f = filled();
        f.time = "half past nine".into();
        assert_eq!(
            error_of(&f, &cx(), "time"),
            Some("my-trip-error-time-format")
        );
        f.time = "08:59".into();
        assert_eq!(
            error_of(&f, &cx(), "time"),
            Some("my-trip-error-time-hours")
        );
        f.time = "18:01".into();
        assert_eq!(
            error_of(&f, &cx(), "time"),
            Some("my-trip-error-time-hours")
        );
        f.time = "18:00".into();
        assert!(validate(&f, &cx()).is_ok());
    }

    #[test]
    fn escorts_are_zero_to_three() {
        let mut f = filled();
        f.escorts = "4".into();
        assert_eq!(
            error_of(&f, &cx(), "escorts"),
            Some("my-trip-error-escorts")
        );
        f.escorts = "-1".into();
        assert_eq!(
            error_of(&f, &cx(), "escorts"),
            Some("my-trip-error-escorts")
        );
        f.escorts = String::new();
        assert_eq!(validate(&f, &cx()).unwrap().escorts, 0);
    }

    #[test]
    fn a_purpose_is_chosen_from_the_list() {
        let mut f = filled();
        f.purpose = "shopping".into();
        assert_eq!(
            error_of(&f, &cx(), "purpose"),
            Some("my-trip-error-purpose")
        );
    }

    #[test]
    fn the_note_has_a_length_limit() {
        let mut f = filled();
        f.note = "ә".repeat(MAX_NOTE_CHARS + 1);
        assert_eq!(error_of(&f, &cx(), "note"), Some("my-trip-error-note-long"));
        f.note = "a\u{1b}b".into();
        assert_eq!(
            error_of(&f, &cx(), "note"),
            Some("my-trip-error-note-characters")
        );
    }

    #[test]
    fn the_services_refusals_land_on_the_form() {
        assert_eq!(
            service_field("trip.requested_pickup_time"),
            Some(("date", "my-trip-error-date-window"))
        );
        assert_eq!(service_field("trip.escorts").unwrap().0, "escorts");
        assert_eq!(
            service_field("trip.pickup.location").unwrap().0,
            "direction"
        );
        assert_eq!(service_field("request_id"), None);
    }

    #[test]
    fn a_day_outside_the_services_booking_window_lands_on_the_date() {
        use tonic_types::{ErrorDetails, StatusExt};
        let mut d = ErrorDetails::new();
        d.add_precondition_failure_violation("BOOKING_WINDOW", "trips/1", "book from ...");
        let s = tonic::Status::with_error_details(tonic::Code::FailedPrecondition, "no", d);
        assert_eq!(
            service_errors(&s).of("date").unwrap().key,
            "my-trip-error-date-window"
        );
        let mut d = ErrorDetails::new();
        d.add_bad_request_violation("trip.escorts", "0 to 3 escorts");
        let s = tonic::Status::with_error_details(tonic::Code::InvalidArgument, "bad", d);
        assert_eq!(
            service_errors(&s).of("escorts").unwrap().key,
            "my-trip-error-escorts"
        );
    }

    #[test]
    fn a_cancellation_within_two_hours_of_the_window_is_late() {
        let window = DateTime::parse_from_rfc3339("2026-07-02T05:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert!(!cancel_is_late(window - Duration::minutes(121), window));
        assert!(!cancel_is_late(window - Duration::minutes(120), window));
        assert!(cancel_is_late(window - Duration::minutes(119), window));
        assert!(cancellable(pb::TripState::Scheduled));
        assert!(!cancellable(pb::TripState::OnBoard));
    }

    #[test]
    fn every_message_is_translated() {
        for lang in Lang::ALL {
            let tr = Tr::new(lang);
            for key in MESSAGE_KEYS {
                assert!(tr.has(key), "{} lacks {key}", lang.code());
            }
        }
    }
}
