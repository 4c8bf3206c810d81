//! The trip calls' requests as typed inputs, every field violation reported at once.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use onaltu_api::{page_size, parse_id, parse_opt_date, parse_opt_id};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::transport::{self as pb, TripState as S};
use uuid::Uuid;

use crate::api::convert::{instant, local_time, seconds_of_day};
use crate::domain::fleet::point_ok;
use crate::domain::trip::{Booking, REPORTABLE, Requested};
use onaltu_api::decode_offset_token;

/// Most escorts on one trip.
const MAX_ESCORTS: i32 = 3;
/// Longest free text.
pub const MAX_TEXT: usize = 500;

/// A RequestTrip, decoded.
#[derive(Debug, Clone)]
pub struct NewTrip {
    /// The caller's key for retries.
    pub request_id: Uuid,
    /// The passenger.
    pub person: Uuid,
    /// Pickup: its point, address and note trimmed.
    pub pickup: pb::Place,
    /// Drop-off, likewise.
    pub dropoff: pb::Place,
    /// The requested pickup time, or arrival time.
    pub when: DateTime<Utc>,
    /// Whether `when` is a pickup time (else an arrival time).
    pub is_pickup: bool,
    /// Booked as travelling in a wheelchair.
    pub wheelchair: bool,
    /// Escorts.
    pub escorts: i32,
    /// The purpose, a known value.
    pub purpose: i32,
    /// The centre travelled to, if any.
    pub center: Option<Uuid>,
}

impl NewTrip {
    /// The service date: the local date of the requested time.
    pub fn service_date(&self) -> NaiveDate {
        onaltu_api::local_date(self.when)
    }

    /// What the screening needs of it.
    pub fn booking(&self) -> Booking {
        let date = self.service_date();
        let seconds = seconds_of_day(self.when, date);
        Booking {
            pickup: point(&self.pickup),
            dropoff: point(&self.dropoff),
            requested: if self.is_pickup {
                Requested::Pickup(seconds)
            } else {
                Requested::Arrival(seconds)
            },
            clock: local_time(self.when),
            wheelchair: self.wheelchair,
        }
    }
}

/// A place's (latitude, longitude).
pub fn point(p: &pb::Place) -> (f64, f64) {
    let l = p.location.unwrap_or_default();
    (l.latitude, l.longitude)
}

fn trimmed(p: pb::Place) -> pb::Place {
    pb::Place {
        location: Some(p.location.unwrap_or_default()),
        address: p.address.trim().to_string(),
        note: p.note.trim().to_string(),
    }
}

fn requested_time(t: &pb::Trip) -> Option<(DateTime<Utc>, bool)> {
    match &t.requested_time {
        Some(pb::trip::RequestedTime::RequestedPickupTime(ts)) => instant(ts).map(|x| (x, true)),
        Some(pb::trip::RequestedTime::RequestedArrivalTime(ts)) => instant(ts).map(|x| (x, false)),
        None => None,
    }
}

/// Decodes a RequestTrip; a trip naming no person is `own_person`'s (a citizen's own).
pub fn new_trip(
    r: pb::RequestTripRequest,
    own_person: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<NewTrip, ApiError> {
    let mut v = Violations::new();
    let request_id = v.take(parse_id("request_id", &r.request_id));
    let t = r.trip.unwrap_or_default();
    let person = if t.person_id.is_empty() {
        own_person
    } else {
        parse_opt_id("trip.person_id", &t.person_id, &mut v)
    };
    v.check(
        person.is_some() || !t.person_id.is_empty(),
        "trip.person_id",
        "is required",
    );
    let pickup = t.pickup.clone().unwrap_or_default();
    let dropoff = t.dropoff.clone().unwrap_or_default();
    check_places(&mut v, &pickup, &dropoff);
    let requested = requested_time(&t);
    v.check(
        requested.is_some(),
        "trip.requested_pickup_time",
        "a requested pickup time or arrival time is required",
    );
    v.check(
        requested.is_none_or(|(t, _)| t > now - Duration::days(1) && t < now + Duration::days(400)),
        "trip.requested_pickup_time",
        "must be within the next year",
    );
    v.check(
        (0..=MAX_ESCORTS).contains(&t.escorts),
        "trip.escorts",
        format!("0 to {MAX_ESCORTS} escorts"),
    );
    v.check(
        pb::TripPurpose::try_from(t.purpose).is_ok_and(|p| p != pb::TripPurpose::Unspecified),
        "trip.purpose",
        "is required",
    );
    let center = parse_opt_id("trip.center_id", &t.center_id, &mut v);
    let (when, is_pickup) = requested.unwrap_or((DateTime::UNIX_EPOCH, true));
    v.finish(NewTrip {
        request_id,
        person: person.unwrap_or_default(),
        pickup: trimmed(pickup),
        dropoff: trimmed(dropoff),
        when,
        is_pickup,
        wheelchair: t.wheelchair,
        escorts: t.escorts,
        purpose: t.purpose,
        center,
    })
}

/// The places' points first, then their texts, as the contract lists the fields.
fn check_places(v: &mut Violations, pickup: &pb::Place, dropoff: &pb::Place) {
    let located = |p: &pb::Place| point_ok(p.location.as_ref());
    v.check(
        located(pickup),
        "trip.pickup.location",
        "is required: latitude and longitude",
    );
    v.check(
        located(dropoff),
        "trip.dropoff.location",
        "is required: latitude and longitude",
    );
    for (field, text) in [
        ("trip.pickup.address", &pickup.address),
        ("trip.pickup.note", &pickup.note),
        ("trip.dropoff.address", &dropoff.address),
        ("trip.dropoff.note", &dropoff.note),
    ] {
        check_text(v, field, text);
    }
}

fn check_text(v: &mut Violations, field: &str, text: &str) {
    v.check(
        text.chars().count() <= MAX_TEXT,
        field,
        format!("at most {MAX_TEXT} characters"),
    );
}

/// A CancelTrip, decoded.
#[derive(Debug, Clone)]
pub struct Cancellation {
    /// The trip.
    pub id: Uuid,
    /// Why, trimmed.
    pub reason: String,
}

/// Decodes a CancelTrip.
pub fn cancellation(r: pb::CancelTripRequest) -> Result<Cancellation, ApiError> {
    let mut v = Violations::new();
    let id = v.take(parse_id("id", &r.id));
    check_text(&mut v, "reason", &r.reason);
    v.finish(Cancellation {
        id,
        reason: r.reason.trim().to_string(),
    })
}

/// A ListTrips, decoded.
#[derive(Debug, Clone)]
pub struct TripQuery {
    /// Page size.
    pub size: i64,
    /// Offset of the page.
    pub offset: i64,
    /// Only this passenger's.
    pub person: Option<Uuid>,
    /// Only this vehicle's.
    pub vehicle: Option<Uuid>,
    /// Only this service date's.
    pub date: Option<NaiveDate>,
    /// Only in these states (stored codes).
    pub states: Vec<i16>,
}

/// Decodes a ListTrips.
pub fn trip_query(r: &pb::ListTripsRequest) -> Result<TripQuery, ApiError> {
    let mut v = Violations::new();
    let size = v.take(page_size(r.page_size));
    let offset = v.take(decode_offset_token(&r.page_token));
    let person = parse_opt_id("person_id", &r.person_id, &mut v);
    let vehicle = parse_opt_id("vehicle_id", &r.vehicle_id, &mut v);
    let date = parse_opt_date("service_date", r.service_date.as_ref(), &mut v);
    let mut states = Vec::new();
    for (i, s) in r.states.iter().enumerate() {
        match S::try_from(*s) {
            Ok(s) if s != S::Unspecified => states.push(s as i16),
            _ => v.add(format!("states[{i}]"), "unknown state"),
        }
    }
    v.finish(TripQuery {
        size,
        offset,
        person,
        vehicle,
        date,
        states,
    })
}

/// An UpdateTripStatus, decoded.
#[derive(Debug, Clone)]
pub struct StatusReport {
    /// The trip.
    pub id: Uuid,
    /// The step reported.
    pub next: S,
    /// When it happened (now unless said).
    pub when: DateTime<Utc>,
    /// The driver's note, trimmed.
    pub note: String,
}

/// Decodes an UpdateTripStatus received at `now`.
pub fn status_report(
    r: pb::UpdateTripStatusRequest,
    now: DateTime<Utc>,
) -> Result<StatusReport, ApiError> {
    let mut v = Violations::new();
    let id = v.take(parse_id("trip_id", &r.trip_id));
    let next = S::try_from(r.state).unwrap_or(S::Unspecified);
    v.check(
        REPORTABLE.contains(&next),
        "state",
        "DRIVER_EN_ROUTE, ARRIVED, ON_BOARD, COMPLETED or NO_SHOW",
    );
    let when = match &r.event_time {
        Some(t) => {
            let parsed = instant(t);
            v.check(parsed.is_some(), "event_time", "is not a valid time");
            v.check(
                parsed.is_none_or(|t| t <= now + Duration::minutes(5)),
                "event_time",
                "must not be in the future",
            );
            parsed.unwrap_or(now)
        }
        None => now,
    };
    check_text(&mut v, "note", &r.note);
    v.finish(StatusReport {
        id,
        next,
        when,
        note: r.note.trim().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use onaltu_proto::common::GeoPoint;
    use prost_types::Timestamp;

    fn fields(err: ApiError) -> Vec<String> {
        let paths = err.field_paths().expect("INVALID_ARGUMENT");
        paths.into_iter().map(String::from).collect()
    }

    fn place(latitude: f64, longitude: f64) -> Option<pb::Place> {
        Some(pb::Place {
            location: Some(GeoPoint {
                latitude,
                longitude,
            }),
            address: "  Kenesary 40 ".into(),
            note: String::new(),
        })
    }

    fn request(now: DateTime<Utc>) -> pb::RequestTripRequest {
        let at = now + Duration::days(2);
        pb::RequestTripRequest {
            request_id: Uuid::now_v7().to_string(),
            trip: Some(pb::Trip {
                pickup: place(51.11, 71.40),
                dropoff: place(51.16, 71.47),
                requested_time: Some(pb::trip::RequestedTime::RequestedArrivalTime(Timestamp {
                    seconds: at.timestamp(),
                    nanos: 0,
                })),
                purpose: pb::TripPurpose::Medical as i32,
                ..Default::default()
            }),
        }
    }

    #[test]
    fn a_booking_decodes_into_the_trip_with_its_texts_trimmed() {
        let now = onaltu_api::now();
        let me = Uuid::now_v7();
        let t = new_trip(request(now), Some(me), now).unwrap();
        assert_eq!(t.person, me, "a citizen's own trip");
        assert!(!t.is_pickup);
        assert_eq!(t.pickup.address, "Kenesary 40");
        assert_eq!(point(&t.dropoff), (51.16, 71.47));
    }

    #[test]
    fn a_bad_booking_names_every_field_at_once() {
        let now = onaltu_api::now();
        let mut r = request(now);
        r.request_id = "nope".into();
        let t = r.trip.as_mut().unwrap();
        t.pickup = None;
        t.requested_time = None;
        t.escorts = 9;
        t.purpose = 0;
        t.center_id = "x".into();
        assert_eq!(
            fields(new_trip(r, None, now).unwrap_err()),
            [
                "request_id",
                "trip.person_id",
                "trip.pickup.location",
                "trip.requested_pickup_time",
                "trip.escorts",
                "trip.purpose",
                "trip.center_id",
            ]
        );
    }

    #[test]
    fn a_report_names_a_state_the_driver_cannot_report_and_a_time_to_come() {
        let now = onaltu_api::now();
        let later = now + Duration::hours(1);
        let r = pb::UpdateTripStatusRequest {
            trip_id: Uuid::now_v7().to_string(),
            state: S::Scheduled as i32,
            event_time: Some(Timestamp {
                seconds: later.timestamp(),
                nanos: 0,
            }),
            ..Default::default()
        };
        assert_eq!(
            fields(status_report(r, now).unwrap_err()),
            ["state", "event_time"]
        );
    }
}
