//! The `complaints` table.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::Conn;
use crate::schema::complaints;

/// One complaint as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = complaints, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
pub struct ComplaintRow {
    pub id: Uuid,
    pub evaluation_id: Uuid,
    pub episode_id: Uuid,
    pub center_id: Uuid,
    pub complainant_person_id: Uuid,
    pub text: String,
    pub status: i16,
    pub assignee_subject: String,
    pub deadline: NaiveDate,
    pub center_response: String,
    pub resolution: String,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    pub close_time: Option<DateTime<Utc>>,
    pub version: i32,
}

/// Inserts a complaint.
pub async fn insert(conn: &mut Conn, row: &ComplaintRow) -> QueryResult<()> {
    diesel::insert_into(complaints::table)
        .values(row)
        .execute(conn)
        .await
        .map(drop)
}

/// The complaint `id`, locked until the transaction ends.
pub async fn get_for_update(conn: &mut Conn, id: Uuid) -> QueryResult<Option<ComplaintRow>> {
    complaints::table
        .find(id)
        .select(ComplaintRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// The ids of the complaints opened with `evaluations`.
pub async fn ids_of(conn: &mut Conn, evaluations: &[Uuid]) -> QueryResult<Vec<(Uuid, Uuid)>> {
    if evaluations.is_empty() {
        return Ok(Vec::new());
    }
    complaints::table
        .filter(complaints::evaluation_id.eq_any(evaluations))
        .select((complaints::evaluation_id, complaints::id))
        .load(conn)
        .await
}

/// Writes every field of `row`.
pub async fn update(conn: &mut Conn, row: &ComplaintRow) -> QueryResult<()> {
    diesel::update(complaints::table.find(row.id))
        .set(row)
        .execute(conn)
        .await
        .map(drop)
}

/// Which complaints a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// One centre.
    pub center: Option<Uuid>,
    /// Lodged by this person.
    pub complainant: Option<Uuid>,
    /// These statuses only (empty: any).
    pub statuses: Vec<i16>,
    /// Open or in review with a deadline before this date (overdue on it).
    pub overdue_on: Option<NaiveDate>,
}

/// A page of complaints, oldest deadline first, after the position `(deadline, id)`.
pub async fn list(
    conn: &mut Conn,
    filter: &Filter,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<ComplaintRow>> {
    let mut q = complaints::table
        .select(ComplaintRow::as_select())
        .order((complaints::deadline.asc(), complaints::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(c) = filter.center {
        q = q.filter(complaints::center_id.eq(c));
    }
    if let Some(p) = filter.complainant {
        q = q.filter(complaints::complainant_person_id.eq(p));
    }
    if !filter.statuses.is_empty() {
        q = q.filter(complaints::status.eq_any(filter.statuses.clone()));
    }
    if let Some(today) = filter.overdue_on {
        q = q
            .filter(complaints::status.eq_any([1i16, 2]))
            .filter(complaints::deadline.lt(today));
    }
    if let Some((deadline, id)) = after {
        q = q.filter(
            complaints::deadline
                .gt(deadline)
                .or(complaints::deadline.eq(deadline).and(complaints::id.gt(id))),
        );
    }
    q.load(conn).await
}
