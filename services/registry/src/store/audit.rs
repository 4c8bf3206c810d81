//! The audit trail of reads and writes of persons' records.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::schema::audit_events;

/// A row of `audit_events`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events, check_for_backend(diesel::pg::Pg))]
pub struct AuditRow {
    pub id: Uuid,
    pub event_time: DateTime<Utc>,
    pub actor_subject: String,
    pub actor_role: i16,
    pub action: String,
    pub person_id: Option<Uuid>,
    pub center_id: Option<Uuid>,
    pub purpose: String,
    pub allowed: bool,
    pub status_code: i32,
    pub trace_id: String,
}

/// Inserts a batch of events in one statement with one array per column: the same prepared
/// statement serves every batch size, and Postgres reads 11 arrays instead of 11 parameters a row.
pub async fn insert(conn: &mut super::Conn, rows: &[AuditRow]) -> QueryResult<usize> {
    use diesel::sql_types::{
        Array, Bool, Int2, Int4, Nullable, Text, Timestamptz, Uuid as SqlUuid,
    };
    if rows.is_empty() {
        return Ok(0);
    }
    fn col<T: Clone>(rows: &[AuditRow], f: impl Fn(&AuditRow) -> T) -> Vec<T> {
        rows.iter().map(f).collect()
    }
    diesel::sql_query(
        "INSERT INTO audit_events (id, event_time, actor_subject, actor_role, action, person_id,
            center_id, purpose, allowed, status_code, trace_id)
         SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind::<Array<SqlUuid>, _>(col(rows, |r| r.id))
    .bind::<Array<Timestamptz>, _>(col(rows, |r| r.event_time))
    .bind::<Array<Text>, _>(col(rows, |r| r.actor_subject.clone()))
    .bind::<Array<Int2>, _>(col(rows, |r| r.actor_role))
    .bind::<Array<Text>, _>(col(rows, |r| r.action.clone()))
    .bind::<Array<Nullable<SqlUuid>>, _>(col(rows, |r| r.person_id))
    .bind::<Array<Nullable<SqlUuid>>, _>(col(rows, |r| r.center_id))
    .bind::<Array<Text>, _>(col(rows, |r| r.purpose.clone()))
    .bind::<Array<Bool>, _>(col(rows, |r| r.allowed))
    .bind::<Array<Int4>, _>(col(rows, |r| r.status_code))
    .bind::<Array<Text>, _>(col(rows, |r| r.trace_id.clone()))
    .execute(conn)
    .await
}

/// Filters of ListAuditEvents.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub person_id: Option<Uuid>,
    pub actor_subject: Option<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

/// One page of events, oldest first, after `after`.
pub async fn list(
    conn: &mut super::Conn,
    f: &AuditFilter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    let mut q = audit_events::table.into_boxed();
    if let Some(p) = f.person_id {
        q = q.filter(audit_events::person_id.eq(p));
    }
    if let Some(a) = &f.actor_subject {
        q = q.filter(audit_events::actor_subject.eq(a.clone()));
    }
    if let Some(s) = f.start {
        q = q.filter(audit_events::event_time.ge(s));
    }
    if let Some(e) = f.end {
        q = q.filter(audit_events::event_time.lt(e));
    }
    if let Some((t, id)) = after {
        q = q.filter(
            audit_events::event_time
                .gt(t)
                .or(audit_events::event_time.eq(t).and(audit_events::id.gt(id))),
        );
    }
    q.order((audit_events::event_time, audit_events::id))
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)
        .await
}
