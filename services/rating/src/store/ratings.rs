//! The `rating_runs`, `ratings` and `inspection_tasks` tables: every version of every period,
//! immutable once written.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::Conn;
use crate::schema::{inspection_tasks as it, rating_runs as rr, ratings as r};

/// One computation of a period.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = rr, check_for_backend(diesel::pg::Pg))]
pub struct RunRow {
    pub period: String,
    pub version: i64,
    pub period_start: NaiveDate,
    pub methodology_version: String,
    pub centers_rated: i32,
    pub events_emitted: i32,
    pub computed_by: String,
    pub compute_time: DateTime<Utc>,
}

/// One centre's rating in a version.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = r, check_for_backend(diesel::pg::Pg))]
pub struct RatingRow {
    pub period: String,
    pub version: i64,
    pub center_id: Uuid,
    pub period_start: NaiveDate,
    pub region_code: String,
    pub sector: i32,
    pub kind: i32,
    pub tier: i16,
    pub composite: Option<f64>,
    pub stars: Option<i32>,
    pub low_streak: i32,
    pub body: Vec<u8>,
}

/// The advisory lock key computations hold (`pg_advisory_xact_lock`), in every replica.
pub const COMPUTATION_LOCK: i64 = 7261001;

/// Serialises computations: held until the transaction ends, so versions and event sequence
/// numbers commit in the order they were taken.
pub async fn lock_computations(conn: &mut Conn) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
        .bind::<diesel::sql_types::BigInt, _>(COMPUTATION_LOCK)
        .execute(conn)
        .await
        .map(drop)
}

/// The latest run of `period`.
pub async fn latest_run(conn: &mut Conn, period: &str) -> QueryResult<Option<RunRow>> {
    rr::table
        .filter(rr::period.eq(period))
        .order(rr::version.desc())
        .select(RunRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The latest version of `period`, if computed.
pub async fn latest_version(conn: &mut Conn, period: &str) -> QueryResult<Option<i64>> {
    Ok(latest_run(conn, period).await?.map(|r| r.version))
}

/// The period most recently rated (latest period start, then latest computation).
pub async fn latest_period(conn: &mut Conn) -> QueryResult<Option<String>> {
    rr::table
        .order((rr::period_start.desc(), rr::compute_time.desc()))
        .select(rr::period)
        .first(conn)
        .await
        .optional()
}

/// Every rating of `period` in `version`.
pub async fn of_version(
    conn: &mut Conn,
    period: &str,
    version: i64,
) -> QueryResult<Vec<RatingRow>> {
    r::table
        .filter(r::period.eq(period).and(r::version.eq(version)))
        .select(RatingRow::as_select())
        .load(conn)
        .await
}

/// Writes a run with its ratings.
pub async fn insert(conn: &mut Conn, run: &RunRow, rows: &[RatingRow]) -> QueryResult<()> {
    diesel::insert_into(rr::table)
        .values(run)
        .execute(conn)
        .await?;
    for chunk in rows.chunks(500) {
        diesel::insert_into(r::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// `center`'s rating in `period` (latest version unless `version`).
pub async fn of_center(
    conn: &mut Conn,
    center: Uuid,
    period: Option<&str>,
    version: Option<i64>,
) -> QueryResult<Option<RatingRow>> {
    let mut q = r::table
        .filter(r::center_id.eq(center))
        .order((r::period_start.desc(), r::version.desc()))
        .select(RatingRow::as_select())
        .into_boxed();
    if let Some(period) = period {
        q = q.filter(r::period.eq(period.to_string()));
    }
    if let Some(version) = version {
        q = q.filter(r::version.eq(version));
    }
    q.first(conn).await.optional()
}

/// Filters of a leaderboard.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub region: Option<String>,
    pub sector: Option<i32>,
    pub kind: Option<i32>,
    pub tier: Option<i16>,
}

/// A page of `period`'s `version`: composite descending (unrated last), then centre id.
pub async fn leaderboard(
    conn: &mut Conn,
    period: &str,
    version: i64,
    filter: &Filter,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<RatingRow>> {
    let mut q = r::table
        .filter(r::period.eq(period.to_string()).and(r::version.eq(version)))
        .order((r::composite.desc().nulls_last(), r::center_id))
        .select(RatingRow::as_select())
        .offset(offset)
        .limit(limit)
        .into_boxed();
    if let Some(region) = &filter.region {
        q = q.filter(r::region_code.eq(region.clone()));
    }
    if let Some(sector) = filter.sector {
        q = q.filter(r::sector.eq(sector));
    }
    if let Some(kind) = filter.kind {
        q = q.filter(r::kind.eq(kind));
    }
    if let Some(tier) = filter.tier {
        q = q.filter(r::tier.eq(tier));
    }
    q.load(conn).await
}

/// A page of `center`'s ratings, newest period first, then newest version; only the latest
/// version of each period unless `superseded`.
pub async fn history(
    conn: &mut Conn,
    center: Uuid,
    superseded: bool,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<RatingRow>> {
    let mut q = r::table
        .filter(r::center_id.eq(center))
        .order((r::period_start.desc(), r::period.desc(), r::version.desc()))
        .select(RatingRow::as_select())
        .offset(offset)
        .limit(limit)
        .into_boxed();
    if !superseded {
        let latest = rr::table
            .filter(rr::period.eq(r::period))
            .select(diesel::dsl::max(rr::version))
            .single_value();
        q = q.filter(r::version.nullable().eq(latest));
    }
    q.load(conn).await
}

/// The latest version of each of `periods`.
pub async fn latest_versions(
    conn: &mut Conn,
    periods: &[String],
) -> QueryResult<Vec<(String, i64)>> {
    let rows: Vec<(String, Option<i64>)> = rr::table
        .filter(rr::period.eq_any(periods))
        .group_by(rr::period)
        .select((rr::period, diesel::dsl::max(rr::version)))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(p, v)| Some((p, v?)))
        .collect())
}

/// Records the inspection a PENALTY asks for (once per centre and period).
pub async fn request_inspection(
    conn: &mut Conn,
    center: Uuid,
    period: &str,
    version: i64,
    reason: &str,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(it::table)
        .values((
            it::center_id.eq(center),
            it::period.eq(period),
            it::rating_version.eq(version),
            it::reason.eq(reason),
            it::created_at.eq(at),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(drop)
}
