//! The `evaluation_reports` table: who reported which evaluation, why, and the moderator's
//! decision on it.

use chrono::{DateTime, Utc};
use diesel::dsl::{count, count_star, min};
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::Conn;
use crate::domain::report::{ReportDecision, ReporterRole};
use crate::schema::evaluation_reports as r;

/// One report as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = r, check_for_backend(diesel::pg::Pg))]
pub struct ReportRow {
    pub id: Uuid,
    pub evaluation_id: Uuid,
    pub reporter_subject: String,
    pub reporter_role: i16,
    pub reporter_center_id: Option<Uuid>,
    pub issue: i16,
    pub note: String,
    pub create_time: DateTime<Utc>,
    pub decision: i16,
    pub decide_time: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
}

/// Holds `subject`'s reports until the transaction ends, so that its daily limit is counted
/// against reports that are not racing it.
pub async fn hold_reporter(conn: &mut Conn, subject: &str) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind::<Text, _>(format!("evaluation_reports\u{1f}{subject}"))
        .execute(conn)
        .await
        .map(drop)
}

/// Whether `subject` has reported `evaluation`, whatever became of the report.
pub async fn exists(conn: &mut Conn, evaluation: Uuid, subject: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        r::table
            .filter(r::evaluation_id.eq(evaluation))
            .filter(r::reporter_subject.eq(subject)),
    ))
    .get_result(conn)
    .await
}

/// How many reports `subject` made since `since`, and when the oldest of them was made.
pub async fn made_since(
    conn: &mut Conn,
    subject: &str,
    since: DateTime<Utc>,
) -> QueryResult<(i64, Option<DateTime<Utc>>)> {
    r::table
        .filter(r::reporter_subject.eq(subject))
        .filter(r::create_time.ge(since))
        .select((count_star(), min(r::create_time)))
        .get_result(conn)
        .await
}

/// Records a report.
pub async fn insert(conn: &mut Conn, row: &ReportRow) -> QueryResult<()> {
    diesel::insert_into(r::table)
        .values(row)
        .execute(conn)
        .await
        .map(drop)
}

/// How many distinct citizens have open reports of `evaluation`.
pub async fn open_citizens(conn: &mut Conn, evaluation: Uuid) -> QueryResult<i64> {
    r::table
        .filter(r::evaluation_id.eq(evaluation))
        .filter(r::decision.eq(ReportDecision::Open as i16))
        .filter(r::reporter_role.eq(ReporterRole::Citizen as i16))
        .select(count(r::reporter_subject).aggregate_distinct())
        .get_result(conn)
        .await
}

/// Whether `evaluation` has reports waiting for a moderator.
pub async fn any_open(conn: &mut Conn, evaluation: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        r::table
            .filter(r::evaluation_id.eq(evaluation))
            .filter(r::decision.eq(ReportDecision::Open as i16)),
    ))
    .get_result(conn)
    .await
}

/// Settles every open report of `evaluation` with the moderator's `decision`, by `moderator`
/// at `at`.
pub async fn settle(
    conn: &mut Conn,
    evaluation: Uuid,
    decision: ReportDecision,
    moderator: &str,
    at: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        r::table
            .filter(r::evaluation_id.eq(evaluation))
            .filter(r::decision.eq(ReportDecision::Open as i16)),
    )
    .set((
        r::decision.eq(decision as i16),
        r::decide_time.eq(at),
        r::decided_by.eq(moderator),
    ))
    .execute(conn)
    .await
}

/// Every report of `evaluations`, oldest first.
pub async fn of(conn: &mut Conn, evaluations: &[Uuid]) -> QueryResult<Vec<ReportRow>> {
    if evaluations.is_empty() {
        return Ok(Vec::new());
    }
    r::table
        .filter(r::evaluation_id.eq_any(evaluations))
        .order((r::create_time.asc(), r::id.asc()))
        .select(ReportRow::as_select())
        .load(conn)
        .await
}
