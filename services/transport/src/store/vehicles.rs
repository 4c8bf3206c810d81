//! The `vehicles` table.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::Conn;
use crate::schema::vehicles as v;

/// A vehicle as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = v, check_for_backend(diesel::pg::Pg))]
pub struct VehicleRow {
    pub id: Uuid,
    pub plate_number: String,
    pub kind: i16,
    pub model: String,
    pub wheelchair_places: i32,
    pub seats: i32,
    pub has_ramp: bool,
    pub has_lift: bool,
    pub depot_latitude: f64,
    pub depot_longitude: f64,
    pub depot_address: String,
    pub status: i16,
    pub create_time: DateTime<Utc>,
}

/// Stores a new vehicle; a plate already registered is a unique violation.
pub async fn insert(conn: &mut Conn, row: &VehicleRow) -> QueryResult<()> {
    diesel::insert_into(v::table)
        .values(row)
        .execute(conn)
        .await
        .map(drop)
}

/// The vehicle `id`.
pub async fn get(conn: &mut Conn, id: Uuid) -> QueryResult<Option<VehicleRow>> {
    v::table
        .find(id)
        .select(VehicleRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Vehicles by plate after `after`, filtered by kind and status.
pub async fn list(
    conn: &mut Conn,
    kind: Option<i16>,
    status: Option<i16>,
    after: Option<String>,
    limit: i64,
) -> QueryResult<Vec<VehicleRow>> {
    let mut q = v::table
        .order(v::plate_number)
        .limit(limit)
        .select(VehicleRow::as_select())
        .into_boxed();
    if let Some(k) = kind {
        q = q.filter(v::kind.eq(k));
    }
    if let Some(s) = status {
        q = q.filter(v::status.eq(s));
    }
    if let Some(a) = after {
        q = q.filter(v::plate_number.gt(a));
    }
    q.load(conn).await
}
