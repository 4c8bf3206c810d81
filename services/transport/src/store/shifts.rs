//! The `shifts` table.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::Conn;
use crate::schema::shifts as s;

/// A shift as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = s, check_for_backend(diesel::pg::Pg))]
pub struct ShiftRow {
    pub id: Uuid,
    pub vehicle_id: Uuid,
    pub driver_subject: String,
    pub driver_name: String,
    pub start_time: DateTime<Utc>,
    pub end_time: DateTime<Utc>,
    pub create_time: DateTime<Utc>,
}

/// Stores a new shift.
pub async fn insert(conn: &mut Conn, row: &ShiftRow) -> QueryResult<()> {
    diesel::insert_into(s::table)
        .values(row)
        .execute(conn)
        .await
        .map(drop)
}

/// Serialises shift creation until the caller's transaction ends, so two overlapping shifts
/// cannot both pass the overlap check.
pub async fn lock(conn: &mut Conn) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(7261004)")
        .execute(conn)
        .await
        .map(drop)
}

/// A shift of `vehicle` or of `driver` overlapping `[start, end)`, and whose it is.
pub async fn clash(
    conn: &mut Conn,
    vehicle: Uuid,
    driver: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> QueryResult<Option<(Uuid, bool)>> {
    let row: Option<ShiftRow> = s::table
        .filter(s::vehicle_id.eq(vehicle).or(s::driver_subject.eq(driver)))
        .filter(s::start_time.lt(end).and(s::end_time.gt(start)))
        .select(ShiftRow::as_select())
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|r| (r.id, r.vehicle_id == vehicle)))
}

/// Shifts overlapping `[from, until)` (either end open when `None`), by start, optionally of one
/// vehicle or driver.
pub async fn between(
    conn: &mut Conn,
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    vehicle: Option<Uuid>,
    driver: Option<String>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<ShiftRow>> {
    let mut q = s::table
        .order((s::start_time, s::id))
        .offset(offset)
        .limit(limit)
        .select(ShiftRow::as_select())
        .into_boxed();
    if let Some(until) = until {
        q = q.filter(s::start_time.lt(until));
    }
    if let Some(from) = from {
        q = q.filter(s::end_time.gt(from));
    }
    if let Some(v) = vehicle {
        q = q.filter(s::vehicle_id.eq(v));
    }
    if let Some(d) = driver {
        q = q.filter(s::driver_subject.eq(d));
    }
    q.load(conn).await
}
