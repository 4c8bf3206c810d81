//! The `feedback_evaluations` and `feedback_totals` tables: published evaluations as the rating
//! counts them, and their sums per centre, month and slot.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::Conn;
use crate::domain::feedback::{ItemTotals, SLOTS, Totals};
use crate::schema::{feedback_evaluations as fe, feedback_totals as ft};

/// One evaluation as counted.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = fe, check_for_backend(diesel::pg::Pg))]
pub struct EvaluationRow {
    pub evaluation_id: Uuid,
    pub center_id: Uuid,
    pub month: NaiveDate,
    pub scores: Vec<Option<i16>>,
    pub would_recommend: Option<i16>,
    pub counted: bool,
    pub as_of: Option<DateTime<Utc>>,
}

/// The evaluation `id`, locked.
pub async fn get_for_update(conn: &mut Conn, id: Uuid) -> QueryResult<Option<EvaluationRow>> {
    fe::table
        .find(id)
        .for_update()
        .select(EvaluationRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Stores `row`, replacing an earlier state of the same evaluation.
pub async fn put(conn: &mut Conn, row: &EvaluationRow) -> QueryResult<()> {
    diesel::insert_into(fe::table)
        .values(row)
        .on_conflict(fe::evaluation_id)
        .do_update()
        .set((
            fe::center_id.eq(excluded(fe::center_id)),
            fe::month.eq(excluded(fe::month)),
            fe::scores.eq(excluded(fe::scores)),
            fe::would_recommend.eq(excluded(fe::would_recommend)),
            fe::counted.eq(excluded(fe::counted)),
            fe::as_of.eq(excluded(fe::as_of)),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Adds `delta` (negative to take back) to `center`'s `month`.
pub async fn apply(
    conn: &mut Conn,
    center: Uuid,
    month: NaiveDate,
    delta: &Totals,
) -> QueryResult<()> {
    let rows: Vec<_> = delta
        .iter()
        .enumerate()
        .filter(|(_, t)| t.n != 0)
        .map(|(slot, t)| {
            (
                ft::center_id.eq(center),
                ft::month.eq(month),
                ft::slot.eq(slot as i16),
                ft::n.eq(t.n),
                ft::total.eq(t.sum),
            )
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(ft::table)
        .values(rows)
        .on_conflict((ft::month, ft::center_id, ft::slot))
        .do_update()
        .set((
            ft::n.eq(ft::n + excluded(ft::n)),
            ft::total.eq(ft::total + excluded(ft::total)),
        ))
        .execute(conn)
        .await
        .map(drop)
}

#[derive(QueryableByName)]
struct Sum {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    center_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::SmallInt)]
    slot: i16,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    total: f64,
}

/// Every centre's totals over the months in `[from, until)`.
pub async fn of_months(
    conn: &mut Conn,
    from: NaiveDate,
    until: NaiveDate,
) -> QueryResult<BTreeMap<Uuid, Totals>> {
    let rows = diesel::sql_query(
        "SELECT center_id, slot, sum(n)::bigint AS n, sum(total) AS total FROM feedback_totals \
         WHERE month >= $1 AND month < $2 GROUP BY center_id, slot",
    )
    .bind::<diesel::sql_types::Date, _>(from)
    .bind::<diesel::sql_types::Date, _>(until)
    .load::<Sum>(conn)
    .await?;
    // Ordered by centre, so the city's sums are added in the same order every time and the
    // same inputs give the same version, bit for bit.
    let mut out: BTreeMap<Uuid, Totals> = BTreeMap::new();
    for row in rows {
        let Some(slot) = usize::try_from(row.slot).ok().filter(|s| *s < SLOTS) else {
            continue;
        };
        out.entry(row.center_id).or_default()[slot] = ItemTotals {
            n: row.n,
            sum: row.total,
        };
    }
    Ok(out)
}
