//! What every service's handlers share: the request context and the reply, ids, calendar dates
//! and timestamps, reporting periods, pages and their tokens, text limits, optimistic
//! concurrency, and the clock of the city.

mod ctx;
mod period;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::common::Date;
use uuid::Uuid;

pub use ctx::{Ctx, MAX_PURPOSE_CHARS, PURPOSE_HEADER, check_etag, reply};
pub use period::Period;

/// Now, to the microsecond Postgres keeps.
pub fn now() -> DateTime<Utc> {
    use chrono::SubsecRound as _;
    Utc::now().trunc_subsecs(6)
}

/// The calendar date in Kazakhstan (UTC+5) at `at`: the calendar the suite's dates live in.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    (at + chrono::Duration::hours(5)).date_naive()
}

/// The instant local midnight of `d` begins (00:00 in Kazakhstan, UTC+5).
pub fn local_midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(chrono::NaiveTime::MIN)
        .and_utc()
        .checked_sub_signed(chrono::Duration::hours(5))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// `at` to the day: local midnight of the day it falls on, for views that must not tell the
/// moment of an act.
pub fn to_the_day(at: DateTime<Utc>) -> DateTime<Utc> {
    local_midnight(local_date(at))
}

/// Today in Kazakhstan.
pub fn today() -> NaiveDate {
    local_date(Utc::now())
}

/// A new time-ordered id that tells only the local day of `at`: a UUIDv7 whose time is local
/// midnight of that day, the rest random. Ids of such records order by day; within a day, at
/// random.
pub fn day_id(at: DateTime<Utc>) -> Uuid {
    let midnight = to_the_day(at);
    let secs = u64::try_from(midnight.timestamp()).unwrap_or(0);
    Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, secs, 0))
}

/// A required id field.
pub fn parse_id(field: &str, value: &str) -> Result<Uuid, ApiError> {
    if value.is_empty() {
        return Err(ApiError::invalid(field, "is required"));
    }
    Uuid::parse_str(value).map_err(|_| ApiError::invalid(field, "must be a UUID"))
}

/// An optional id field (empty means none); a malformed one is recorded in `v`.
pub fn parse_opt_id(field: &str, value: &str, v: &mut Violations) -> Option<Uuid> {
    if value.is_empty() {
        return None;
    }
    let parsed = Uuid::parse_str(value).ok();
    v.check(parsed.is_some(), field, "must be a UUID");
    parsed
}

/// A calendar date of the contract, if it is one.
pub fn to_date(d: &Date) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(
        d.year,
        u32::try_from(d.month).ok()?,
        u32::try_from(d.day).ok()?,
    )
}

/// An optional date field; one that is not a calendar date is recorded in `v`.
pub fn parse_opt_date(field: &str, d: Option<&Date>, v: &mut Violations) -> Option<NaiveDate> {
    let parsed = to_date(d?);
    v.check(parsed.is_some(), field, "is not a calendar date");
    parsed
}

/// The contract's form of a date.
pub fn date(d: NaiveDate) -> Date {
    Date {
        year: d.year(),
        month: d.month() as i32,
        day: d.day() as i32,
    }
}

/// The contract's form of a moment.
pub fn timestamp(t: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: t.timestamp_subsec_nanos() as i32,
    }
}

/// Records in `v` a text longer than `max` characters.
pub fn check_text(v: &mut Violations, field: &str, value: &str, max: usize) {
    v.check(
        value.chars().count() <= max,
        field,
        format!("must be at most {max} characters"),
    );
}

/// Page size: default 50, at most 500.
pub fn page_size(requested: i32) -> Result<i64, ApiError> {
    match requested {
        0 => Ok(50),
        1..=500 => Ok(i64::from(requested)),
        n if n < 0 => Err(ApiError::invalid("page_size", "must not be negative")),
        _ => Ok(500),
    }
}

/// An opaque page token for a position.
pub fn encode_token(position: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1:{position}"))
}

/// The position a page token stands for; `None` for the first page.
pub fn decode_token(token: &str) -> Result<Option<String>, ApiError> {
    if token.is_empty() {
        return Ok(None);
    }
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| foreign_token())?;
    let text = String::from_utf8(bytes).map_err(|_| foreign_token())?;
    text.strip_prefix("v1:")
        .map(|s| Some(s.to_string()))
        .ok_or_else(foreign_token)
}

/// The id a keyset page token stands for (lists ordered by id).
pub fn decode_id_token(token: &str) -> Result<Option<Uuid>, ApiError> {
    decode_token(token)?
        .map(|s| Uuid::parse_str(&s).map_err(|_| foreign_token()))
        .transpose()
}

/// The offset an offset page token stands for (lists over immutable versions, where no key
/// orders the page); 0 for the first page.
pub fn decode_offset_token(token: &str) -> Result<i64, ApiError> {
    match decode_token(token)? {
        None => Ok(0),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(foreign_token),
    }
}

/// The offset token of the page after one of `got` items at `offset`; empty after the last.
pub fn next_offset_token(offset: i64, size: i64, got: usize) -> String {
    if (got as i64) < size {
        String::new()
    } else {
        encode_token(&(offset + size).to_string())
    }
}

fn foreign_token() -> ApiError {
    ApiError::invalid("page_token", "is not a token this service issued")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_id_and_a_time_to_the_day_tell_the_local_day_only() {
        let late = DateTime::parse_from_rfc3339("2026-07-01T18:59:59.123Z")
            .unwrap()
            .with_timezone(&Utc);
        let next_day = late + chrono::Duration::seconds(1);
        let midnight = DateTime::parse_from_rfc3339("2026-06-30T19:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            to_the_day(late),
            midnight,
            "23:59:59 in Astana is still 1 July"
        );
        assert_eq!(to_the_day(next_day), midnight + chrono::Duration::days(1));
        let (a, b) = (day_id(late), day_id(late - chrono::Duration::hours(10)));
        assert_ne!(a, b, "random within the day");
        for id in [a, b] {
            let (secs, nanos) = id.get_timestamp().unwrap().to_unix();
            assert_eq!((secs as i64, nanos), (midnight.timestamp(), 0));
        }
        assert!(day_id(next_day) > a, "ids order by day");
    }

    #[test]
    fn tokens_round_trip_and_foreign_ones_are_refused() {
        let token = encode_token("2026-07-01|0191e3a2");
        assert_eq!(
            decode_token(&token).unwrap().as_deref(),
            Some("2026-07-01|0191e3a2")
        );
        assert_eq!(decode_token("").unwrap(), None);
        assert!(decode_token("not-a-token").is_err());
    }

    #[test]
    fn offset_tokens_refuse_negative_and_foreign_positions() {
        assert_eq!(decode_offset_token("").unwrap(), 0);
        let next = next_offset_token(50, 50, 50);
        assert_eq!(decode_offset_token(&next).unwrap(), 100);
        assert_eq!(next_offset_token(50, 50, 49), "");
        assert!(decode_offset_token(&encode_token("-5")).is_err());
        assert!(decode_offset_token(&encode_token("x")).is_err());
        let id = Uuid::now_v7();
        assert_eq!(
            decode_id_token(&encode_token(&id.to_string())).unwrap(),
            Some(id)
        );
        assert!(decode_id_token(&encode_token("7")).is_err());
    }

    #[test]
    fn the_local_date_is_five_hours_ahead_of_utc() {
        let late = DateTime::parse_from_rfc3339("2026-03-31T20:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            local_date(late),
            NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()
        );
    }

    #[test]
    fn page_sizes_default_cap_and_refuse_negatives() {
        assert_eq!(page_size(0).unwrap(), 50);
        assert_eq!(page_size(501).unwrap(), 500);
        assert!(page_size(-1).is_err());
    }
}
