//! The `evaluations` table.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::Conn;
use crate::schema::evaluations;

/// One evaluation as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = evaluations, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
pub struct EvaluationRow {
    pub id: Uuid,
    pub episode_id: Uuid,
    pub center_id: Uuid,
    pub recipient_person_id: Uuid,
    pub submitted_by_person_id: Uuid,
    pub legal_representative: bool,
    pub submitted_on: NaiveDate,
    pub scores: Vec<Option<i16>>,
    pub days_waited: Option<i32>,
    pub would_recommend: Option<i16>,
    pub comment: String,
    pub language: i16,
    pub precheck_flags: Vec<Option<i16>>,
    pub status: i16,
    pub moderation_action: Option<i16>,
    pub moderation_issue: Option<i16>,
    pub moderation_note: Option<String>,
    pub moderator_subject: Option<String>,
    pub moderate_time: Option<DateTime<Utc>>,
    pub reply_text: Option<String>,
    pub reply_author: Option<String>,
    pub reply_time: Option<DateTime<Utc>>,
    pub submit_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    pub publish_time: Option<DateTime<Utc>>,
    pub version: i32,
}

/// Inserts a new evaluation; a second one of the episode is a unique violation.
pub async fn insert(conn: &mut Conn, row: &EvaluationRow) -> QueryResult<()> {
    diesel::insert_into(evaluations::table)
        .values(row)
        .execute(conn)
        .await
        .map(drop)
}

/// The evaluation `id`.
pub async fn get(conn: &mut Conn, id: Uuid) -> QueryResult<Option<EvaluationRow>> {
    evaluations::table
        .find(id)
        .select(EvaluationRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The evaluation `id`, locked until the transaction ends.
pub async fn get_for_update(conn: &mut Conn, id: Uuid) -> QueryResult<Option<EvaluationRow>> {
    evaluations::table
        .find(id)
        .select(EvaluationRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Writes every field of `row`.
pub async fn update(conn: &mut Conn, row: &EvaluationRow) -> QueryResult<()> {
    diesel::update(evaluations::table.find(row.id))
        .set(row)
        .execute(conn)
        .await
        .map(drop)
}

/// Which evaluations a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// One centre.
    pub center: Option<Uuid>,
    /// These statuses only (empty: any).
    pub statuses: Vec<i16>,
    /// Submitted on or after.
    pub from: Option<NaiveDate>,
    /// Submitted before.
    pub until: Option<NaiveDate>,
    /// Written by or about this person.
    pub person: Option<Uuid>,
    /// Only those with reports waiting for a moderator.
    pub with_open_reports: bool,
}

/// A page of evaluations, newest day first (ids tell the day, at random within it), after the id
/// `after`.
pub async fn list(
    conn: &mut Conn,
    filter: &Filter,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<EvaluationRow>> {
    let mut q = evaluations::table
        .select(EvaluationRow::as_select())
        .order(evaluations::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(c) = filter.center {
        q = q.filter(evaluations::center_id.eq(c));
    }
    if !filter.statuses.is_empty() {
        q = q.filter(evaluations::status.eq_any(filter.statuses.clone()));
    }
    if let Some(d) = filter.from {
        q = q.filter(evaluations::submitted_on.ge(d));
    }
    if let Some(d) = filter.until {
        q = q.filter(evaluations::submitted_on.lt(d));
    }
    if let Some(p) = filter.person {
        q = q.filter(
            evaluations::submitted_by_person_id
                .eq(p)
                .or(evaluations::recipient_person_id.eq(p)),
        );
    }
    if filter.with_open_reports {
        use crate::schema::evaluation_reports as r;
        q = q.filter(
            evaluations::id.eq_any(
                r::table
                    .filter(r::decision.eq(crate::domain::report::ReportDecision::Open as i16))
                    .select(r::evaluation_id),
            ),
        );
    }
    if let Some(a) = after {
        q = q.filter(evaluations::id.lt(a));
    }
    q.load(conn).await
}

/// The median days waited of `center`'s counted (published or hidden) evaluations submitted in `[from, until)`.
pub async fn median_days_waited(
    conn: &mut Conn,
    center: Uuid,
    from: NaiveDate,
    until: NaiveDate,
) -> QueryResult<Option<f64>> {
    #[derive(QueryableByName)]
    struct Median {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Double>)]
        median: Option<f64>,
    }
    diesel::sql_query(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY days_waited) AS median \
         FROM evaluations WHERE status IN (2, 4) AND center_id = $1 \
         AND submitted_on >= $2 AND submitted_on < $3 AND days_waited IS NOT NULL",
    )
    .bind::<diesel::sql_types::Uuid, _>(center)
    .bind::<diesel::sql_types::Date, _>(from)
    .bind::<diesel::sql_types::Date, _>(until)
    .get_result::<Median>(conn)
    .await
    .map(|m| m.median)
}
