//! What the access rules need to know of a driver: the shifts they work in a span of time, read
//! from `shifts.driver_subject` (the token's subject), never from the vehicle a token names.

use chrono::NaiveDate;
use onaltu_auth::{Claims, Role};
use onaltu_errors::ApiError;

use super::convert::local_midnight;
use crate::domain::access::{Span, TripParties, WorkedShift};
use crate::store::trips::TripRow;
use crate::store::{Conn, shifts};

/// Most shifts read for one driver's span (a day, or a trip's hours).
const MOST_SHIFTS: i64 = 100;

/// The local day `day` as a span of instants.
pub fn day_span(day: NaiveDate) -> Span {
    let from = local_midnight(day);
    (from, from + chrono::Duration::days(1))
}

/// When trip `t` is on the road: from its planned pickup (its window's start until planned) to
/// its planned drop-off (its window's end until planned).
pub fn trip_hours(t: &TripRow) -> Span {
    (
        t.planned_pickup_time.unwrap_or(t.window_start),
        t.planned_dropoff_time.unwrap_or(t.window_end),
    )
}

/// The parties of trip `t` the access rules decide on.
pub fn parties(t: &TripRow) -> TripParties<'_> {
    TripParties {
        person: t.person_id,
        booked_by: &t.requested_by,
        vehicle: t.vehicle_id,
        hours: trip_hours(t),
    }
}

/// The shifts `c` works overlapping `(from, until)` when `c` is a driver; none for any other
/// role, whose access does not follow shifts.
pub async fn worked(
    conn: &mut Conn,
    c: &Claims,
    (from, until): Span,
) -> Result<Vec<WorkedShift>, ApiError> {
    if c.role != Role::Driver {
        return Ok(Vec::new());
    }
    // Read a little wide (a shift starting as the span ends); the rules decide.
    let until = until.max(from) + chrono::Duration::seconds(1);
    let rows = shifts::between(
        conn,
        Some(from),
        Some(until),
        None,
        Some(c.sub.clone()),
        0,
        MOST_SHIFTS,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|s| WorkedShift {
            vehicle: s.vehicle_id,
            start: s.start_time,
            end: s.end_time,
        })
        .collect())
}
