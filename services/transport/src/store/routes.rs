//! The `routes` table: a vehicle's route of a day, its stops in the protobuf body.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::Conn;
use crate::schema::routes as r;

/// A route as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = r, check_for_backend(diesel::pg::Pg))]
pub struct RouteRow {
    pub id: Uuid,
    pub vehicle_id: Uuid,
    pub service_date: NaiveDate,
    pub body: Vec<u8>,
    pub version: i64,
    pub update_time: DateTime<Utc>,
}

/// `vehicle`'s route of `date`.
pub async fn get(conn: &mut Conn, vehicle: Uuid, date: NaiveDate) -> QueryResult<Option<RouteRow>> {
    r::table
        .filter(r::vehicle_id.eq(vehicle).and(r::service_date.eq(date)))
        .select(RouteRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Every route of `date`.
pub async fn of_day(conn: &mut Conn, date: NaiveDate) -> QueryResult<Vec<RouteRow>> {
    r::table
        .filter(r::service_date.eq(date))
        .select(RouteRow::as_select())
        .load(conn)
        .await
}

/// Routes of the dates `[from, until]`.
pub async fn between(
    conn: &mut Conn,
    from: NaiveDate,
    until: NaiveDate,
) -> QueryResult<Vec<RouteRow>> {
    r::table
        .filter(r::service_date.ge(from).and(r::service_date.le(until)))
        .select(RouteRow::as_select())
        .load(conn)
        .await
}

/// Stores `row`, replacing the vehicle's route of that day (keeping its id).
pub async fn put(conn: &mut Conn, row: &RouteRow) -> QueryResult<()> {
    diesel::insert_into(r::table)
        .values(row)
        .on_conflict((r::vehicle_id, r::service_date))
        .do_update()
        .set((
            r::body.eq(excluded(r::body)),
            r::version.eq(excluded(r::version)),
            r::update_time.eq(excluded(r::update_time)),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Removes the routes of `date` whose vehicles are not in `keep`.
pub async fn remove_others(conn: &mut Conn, date: NaiveDate, keep: &[Uuid]) -> QueryResult<()> {
    diesel::delete(
        r::table.filter(
            r::service_date
                .eq(date)
                .and(r::vehicle_id.ne_all(keep.to_vec())),
        ),
    )
    .execute(conn)
    .await
    .map(drop)
}

/// Removes `vehicle`'s route of `date`.
pub async fn remove(conn: &mut Conn, vehicle: Uuid, date: NaiveDate) -> QueryResult<()> {
    diesel::delete(r::table.filter(r::vehicle_id.eq(vehicle).and(r::service_date.eq(date))))
        .execute(conn)
        .await
        .map(drop)
}

/// Serialises every change to the plan of `date` (PlanDay, AssignTrip, cancellations) until the
/// caller's transaction ends.
pub async fn lock_day(conn: &mut Conn, date: NaiveDate) -> QueryResult<()> {
    let days = (date - NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN)).num_days();
    diesel::sql_query("SELECT pg_advisory_xact_lock(7261003, $1)")
        .bind::<diesel::sql_types::Integer, _>(days.clamp(0, i64::from(i32::MAX)) as i32)
        .execute(conn)
        .await
        .map(drop)
}
