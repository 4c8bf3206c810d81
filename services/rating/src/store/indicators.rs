//! The `indicator_values` table: values recorded by inspections and centres.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::Conn;
use crate::schema::indicator_values as iv;

/// One recorded value.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = iv, check_for_backend(diesel::pg::Pg))]
pub struct ValueRow {
    pub center_id: Uuid,
    pub period: String,
    pub indicator_code: String,
    pub source: i16,
    pub value: f64,
    pub sample_size: Option<i64>,
    pub evidence_reference: String,
    pub recorded_by: String,
    pub record_time: DateTime<Utc>,
}

/// `center`'s values for `period`, by code then source.
pub async fn of_center(conn: &mut Conn, center: Uuid, period: &str) -> QueryResult<Vec<ValueRow>> {
    iv::table
        .filter(iv::center_id.eq(center).and(iv::period.eq(period)))
        .order((iv::indicator_code, iv::source))
        .select(ValueRow::as_select())
        .load(conn)
        .await
}

/// Every centre's values for `period`.
pub async fn of_period(conn: &mut Conn, period: &str) -> QueryResult<Vec<ValueRow>> {
    iv::table
        .filter(iv::period.eq(period))
        .select(ValueRow::as_select())
        .load(conn)
        .await
}

/// Stores `rows`, replacing earlier values of the same indicator and source.
pub async fn upsert(conn: &mut Conn, rows: &[ValueRow]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(iv::table)
        .values(rows)
        .on_conflict((iv::center_id, iv::period, iv::indicator_code, iv::source))
        .do_update()
        .set((
            iv::value.eq(excluded(iv::value)),
            iv::sample_size.eq(excluded(iv::sample_size)),
            iv::evidence_reference.eq(excluded(iv::evidence_reference)),
            iv::recorded_by.eq(excluded(iv::recorded_by)),
            iv::record_time.eq(excluded(iv::record_time)),
        ))
        .execute(conn)
        .await
        .map(drop)
}
