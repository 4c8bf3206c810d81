//! The `violations` table.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::Conn;
use crate::schema::violations as v;

/// One violation as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = v, check_for_backend(diesel::pg::Pg))]
pub struct ViolationRow {
    pub id: Uuid,
    pub center_id: Uuid,
    pub critical: bool,
    pub description: String,
    pub inspection_reference: String,
    pub found_on: NaiveDate,
    pub resolved_on: Option<NaiveDate>,
    pub resolution_note: String,
    pub recorded_by: String,
    pub create_time: DateTime<Utc>,
}

/// Stores a new violation.
pub async fn insert(conn: &mut Conn, row: &ViolationRow) -> QueryResult<()> {
    diesel::insert_into(v::table)
        .values(row)
        .execute(conn)
        .await
        .map(drop)
}

/// The violation `id`, locked for an update.
pub async fn get_for_update(conn: &mut Conn, id: Uuid) -> QueryResult<Option<ViolationRow>> {
    v::table
        .find(id)
        .for_update()
        .select(ViolationRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Marks `id` resolved.
pub async fn resolve(conn: &mut Conn, id: Uuid, on: NaiveDate, note: &str) -> QueryResult<()> {
    diesel::update(v::table.find(id))
        .set((v::resolved_on.eq(on), v::resolution_note.eq(note)))
        .execute(conn)
        .await
        .map(drop)
}

/// Critical violations open at the end of a period ending before `end_exclusive`: found by then
/// and not resolved by then. Pairs of centre and violation, oldest first.
pub async fn critical_open_at(
    conn: &mut Conn,
    end_exclusive: NaiveDate,
) -> QueryResult<Vec<(Uuid, Uuid)>> {
    v::table
        .filter(v::critical.eq(true))
        .filter(v::found_on.lt(end_exclusive))
        .filter(
            v::resolved_on
                .is_null()
                .or(v::resolved_on.ge(end_exclusive)),
        )
        .order((v::found_on, v::id))
        .select((v::center_id, v::id))
        .load(conn)
        .await
}
