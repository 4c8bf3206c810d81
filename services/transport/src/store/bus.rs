//! The `bus_routes` and `bus_subscriptions` tables.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::Conn;
use crate::schema::{bus_routes as r, bus_subscriptions as s};

/// A bus route as stored (the protobuf body holds its stops and timetable).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = r, check_for_backend(diesel::pg::Pg))]
pub struct RouteRow {
    pub id: Uuid,
    pub code: String,
    pub center_id: Uuid,
    pub vehicle_id: Option<Uuid>,
    pub seat_capacity: i32,
    pub wheelchair_capacity: i32,
    pub body: Vec<u8>,
    pub create_time: DateTime<Utc>,
}

/// A subscription as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = s, check_for_backend(diesel::pg::Pg))]
pub struct SubscriptionRow {
    pub id: Uuid,
    pub bus_route_id: Uuid,
    pub person_id: Uuid,
    pub boarding_stop_sequence: i32,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub wheelchair: bool,
    pub escorts: i32,
    pub episode_id: Option<Uuid>,
    pub status: i16,
    pub create_time: DateTime<Utc>,
}

/// Stores a new route; a code already used is a unique violation.
pub async fn insert_route(conn: &mut Conn, row: &RouteRow) -> QueryResult<()> {
    diesel::insert_into(r::table)
        .values(row)
        .execute(conn)
        .await
        .map(drop)
}

/// The route `id`, locked when `lock`.
pub async fn route(conn: &mut Conn, id: Uuid, lock: bool) -> QueryResult<Option<RouteRow>> {
    let q = r::table.find(id).select(RouteRow::as_select());
    if lock {
        q.for_update().first(conn).await.optional()
    } else {
        q.first(conn).await.optional()
    }
}

/// Routes by code, optionally to one centre.
pub async fn routes(
    conn: &mut Conn,
    center: Option<Uuid>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<RouteRow>> {
    let mut q = r::table
        .order(r::code)
        .offset(offset)
        .limit(limit)
        .select(RouteRow::as_select())
        .into_boxed();
    if let Some(c) = center {
        q = q.filter(r::center_id.eq(c));
    }
    q.load(conn).await
}

/// Active subscriptions of `route` overlapping `[from, until]`.
pub async fn subscriptions(
    conn: &mut Conn,
    route: Uuid,
    from: NaiveDate,
    until: NaiveDate,
) -> QueryResult<Vec<SubscriptionRow>> {
    s::table
        .filter(s::bus_route_id.eq(route).and(s::status.eq(1)))
        .filter(s::start_date.le(until).and(s::end_date.ge(from)))
        .order((s::boarding_stop_sequence, s::create_time))
        .select(SubscriptionRow::as_select())
        .load(conn)
        .await
}

/// Stores a new subscription.
pub async fn insert_subscription(conn: &mut Conn, row: &SubscriptionRow) -> QueryResult<()> {
    diesel::insert_into(s::table)
        .values(row)
        .execute(conn)
        .await
        .map(drop)
}
