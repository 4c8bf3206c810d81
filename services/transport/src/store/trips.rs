//! The `trips` table.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::Conn;
use crate::schema::trips as t;

/// A trip as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = t, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
pub struct TripRow {
    pub id: Uuid,
    pub person_id: Uuid,
    pub requested_by: String,
    pub pickup: Vec<u8>,
    pub dropoff: Vec<u8>,
    pub requested_pickup_time: Option<DateTime<Utc>>,
    pub requested_arrival_time: Option<DateTime<Utc>>,
    pub wheelchair: bool,
    pub escorts: i32,
    pub purpose: i16,
    pub center_id: Option<Uuid>,
    pub state: i16,
    pub rejection_reason: i16,
    pub state_note: String,
    pub service_date: NaiveDate,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    pub planned_pickup_time: Option<DateTime<Utc>>,
    pub planned_dropoff_time: Option<DateTime<Utc>>,
    pub actual_pickup_time: Option<DateTime<Utc>>,
    pub actual_dropoff_time: Option<DateTime<Utc>>,
    pub arrived_time: Option<DateTime<Utc>>,
    pub vehicle_id: Option<Uuid>,
    pub route_id: Option<Uuid>,
    pub manually_assigned: bool,
    pub direct_ride_seconds: i32,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
}

impl TripRow {
    /// The pickup place.
    pub fn pickup_place(&self) -> onaltu_proto::transport::Place {
        prost::Message::decode(self.pickup.as_slice()).unwrap_or_default()
    }

    /// The drop-off place.
    pub fn dropoff_place(&self) -> onaltu_proto::transport::Place {
        prost::Message::decode(self.dropoff.as_slice()).unwrap_or_default()
    }

    /// The pickup point (latitude, longitude).
    pub fn pickup_point(&self) -> (f64, f64) {
        let l = self.pickup_place().location.unwrap_or_default();
        (l.latitude, l.longitude)
    }

    /// The drop-off point (latitude, longitude).
    pub fn dropoff_point(&self) -> (f64, f64) {
        let l = self.dropoff_place().location.unwrap_or_default();
        (l.latitude, l.longitude)
    }
}

/// Stores a new trip.
pub async fn insert(conn: &mut Conn, row: &TripRow) -> QueryResult<()> {
    diesel::insert_into(t::table)
        .values(row)
        .execute(conn)
        .await
        .map(drop)
}

/// Writes a changed trip.
pub async fn update(conn: &mut Conn, row: &TripRow) -> QueryResult<()> {
    diesel::update(t::table.find(row.id))
        .set(row)
        .execute(conn)
        .await
        .map(drop)
}

/// The trip `id`.
pub async fn get(conn: &mut Conn, id: Uuid) -> QueryResult<Option<TripRow>> {
    t::table
        .find(id)
        .select(TripRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The trip `id`, locked.
pub async fn get_for_update(conn: &mut Conn, id: Uuid) -> QueryResult<Option<TripRow>> {
    t::table
        .find(id)
        .for_update()
        .select(TripRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Trips of `date` in `states`, locked, by window start.
pub async fn of_day(conn: &mut Conn, date: NaiveDate, states: &[i16]) -> QueryResult<Vec<TripRow>> {
    t::table
        .filter(t::service_date.eq(date).and(t::state.eq_any(states)))
        .order((t::window_start, t::id))
        .for_update()
        .select(TripRow::as_select())
        .load(conn)
        .await
}

/// Trips of `vehicle` on `date` in `states`, locked until the transaction ends (the caller holds
/// the day's lock first, so a driver's report is never overwritten by a re-plan).
pub async fn on_vehicle(
    conn: &mut Conn,
    vehicle: Uuid,
    date: NaiveDate,
    states: &[i16],
) -> QueryResult<Vec<TripRow>> {
    t::table
        .filter(
            t::vehicle_id
                .eq(vehicle)
                .and(t::service_date.eq(date))
                .and(t::state.eq_any(states)),
        )
        .order((t::window_start, t::id))
        .select(TripRow::as_select())
        .for_update()
        .load(conn)
        .await
}

/// Filters of a trip list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub date: Option<NaiveDate>,
    pub person: Option<Uuid>,
    pub persons: Option<Vec<Uuid>>,
    /// Only these vehicles' trips (none when empty).
    pub vehicles: Option<Vec<Uuid>>,
    pub states: Vec<i16>,
}

/// Trips by window start then id, from `offset`.
pub async fn list(
    conn: &mut Conn,
    f: &Filter,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<TripRow>> {
    let mut q = t::table
        .order((t::window_start, t::id))
        .offset(offset)
        .limit(limit)
        .select(TripRow::as_select())
        .into_boxed();
    if let Some(d) = f.date {
        q = q.filter(t::service_date.eq(d));
    }
    if let Some(p) = f.person {
        q = q.filter(t::person_id.eq(p));
    }
    if let Some(ps) = &f.persons {
        q = q.filter(t::person_id.eq_any(ps.clone()));
    }
    if let Some(vs) = &f.vehicles {
        q = q.filter(t::vehicle_id.eq_any(vs.clone()));
    }
    if !f.states.is_empty() {
        q = q.filter(t::state.eq_any(f.states.clone()));
    }
    q.load(conn).await
}

/// Trips of the dates `[from, until]`.
pub async fn between(
    conn: &mut Conn,
    from: NaiveDate,
    until: NaiveDate,
) -> QueryResult<Vec<TripRow>> {
    t::table
        .filter(t::service_date.ge(from).and(t::service_date.le(until)))
        .select(TripRow::as_select())
        .load(conn)
        .await
}
