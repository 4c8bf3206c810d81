//! The `dispatch_events` table: trip and route changes in sequence order.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::Conn;
use crate::schema::dispatch_events as e;

/// A stored change.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = e, check_for_backend(diesel::pg::Pg))]
pub struct EventRow {
    pub sequence_number: i64,
    pub service_date: NaiveDate,
    pub vehicle_id: Option<Uuid>,
    pub body: Vec<u8>,
    pub event_time: DateTime<Utc>,
}

/// Writes a change (in the caller's transaction). Writers of changes are serialised until they
/// commit, so sequence numbers become visible in order and a subscriber reading after the last
/// number it saw never skips one still being written.
pub async fn insert(
    conn: &mut Conn,
    date: NaiveDate,
    vehicle: Option<Uuid>,
    body: Vec<u8>,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(7261002)")
        .execute(conn)
        .await?;
    diesel::insert_into(e::table)
        .values((
            e::service_date.eq(date),
            e::vehicle_id.eq(vehicle),
            e::body.eq(body),
            e::event_time.eq(at),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Up to `limit` changes of `date` after `after`.
pub async fn after(
    conn: &mut Conn,
    date: NaiveDate,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    e::table
        .filter(e::service_date.eq(date).and(e::sequence_number.gt(after)))
        .order(e::sequence_number)
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)
        .await
}

/// Up to `limit` changes of any day after `after` (the watch's tail).
pub async fn after_any_day(conn: &mut Conn, after: i64, limit: i64) -> QueryResult<Vec<EventRow>> {
    e::table
        .filter(e::sequence_number.gt(after))
        .order(e::sequence_number)
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)
        .await
}

/// The last sequence number written, 0 when none.
pub async fn last(conn: &mut Conn) -> QueryResult<i64> {
    e::table
        .select(diesel::dsl::max(e::sequence_number))
        .first::<Option<i64>>(conn)
        .await
        .map(Option::unwrap_or_default)
}
