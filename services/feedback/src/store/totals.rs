//! The `feedback_totals` aggregates: published evaluations summed per centre, month and item.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::Conn;
use crate::domain::summary::{ITEMS, Totals};
use crate::schema::feedback_totals as t;

/// Adds one evaluation's `contribution` (negative to take it back) to `center`'s `month`.
pub async fn apply(
    conn: &mut Conn,
    center: Uuid,
    month: NaiveDate,
    contribution: &[Totals; ITEMS],
) -> QueryResult<()> {
    let rows: Vec<_> = contribution
        .iter()
        .enumerate()
        .filter(|(_, c)| c.n != 0)
        .map(|(i, c)| {
            (
                t::center_id.eq(center),
                t::month.eq(month),
                t::item.eq(i as i16 + 1),
                t::n.eq(c.n),
                t::total.eq(c.sum),
                t::score_1.eq(c.distribution[0]),
                t::score_2.eq(c.distribution[1]),
                t::score_3.eq(c.distribution[2]),
                t::score_4.eq(c.distribution[3]),
                t::score_5.eq(c.distribution[4]),
            )
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(t::table)
        .values(rows)
        .on_conflict((t::center_id, t::month, t::item))
        .do_update()
        .set((
            t::n.eq(t::n + excluded(t::n)),
            t::total.eq(t::total + excluded(t::total)),
            t::score_1.eq(t::score_1 + excluded(t::score_1)),
            t::score_2.eq(t::score_2 + excluded(t::score_2)),
            t::score_3.eq(t::score_3 + excluded(t::score_3)),
            t::score_4.eq(t::score_4 + excluded(t::score_4)),
            t::score_5.eq(t::score_5 + excluded(t::score_5)),
        ))
        .execute(conn)
        .await
        .map(drop)
}

#[derive(QueryableByName)]
struct Sums {
    #[diesel(sql_type = diesel::sql_types::SmallInt)]
    item: i16,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    total: f64,
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::BigInt>)]
    distribution: Vec<i64>,
}

const SUM: &str = "SELECT item, sum(n)::bigint AS n, sum(total) AS total, \
     ARRAY[sum(score_1), sum(score_2), sum(score_3), sum(score_4), sum(score_5)]::bigint[] \
     AS distribution FROM feedback_totals WHERE month >= $1 AND month < $2";

fn fold(rows: Vec<Sums>) -> [Totals; ITEMS] {
    let mut out = [Totals::default(); ITEMS];
    for row in rows {
        let Some(slot) = usize::try_from(row.item - 1)
            .ok()
            .and_then(|i| out.get_mut(i))
        else {
            continue;
        };
        let mut distribution = [0; 5];
        for (d, v) in distribution.iter_mut().zip(row.distribution) {
            *d = v;
        }
        slot.add(&Totals {
            n: row.n,
            sum: row.total,
            distribution,
        });
    }
    out
}

/// `center`'s totals over the months in `[from, until)`.
pub async fn of_center(
    conn: &mut Conn,
    center: Uuid,
    from: NaiveDate,
    until: NaiveDate,
) -> QueryResult<[Totals; ITEMS]> {
    let rows = diesel::sql_query(format!("{SUM} AND center_id = $3 GROUP BY item"))
        .bind::<diesel::sql_types::Date, _>(from)
        .bind::<diesel::sql_types::Date, _>(until)
        .bind::<diesel::sql_types::Uuid, _>(center)
        .load::<Sums>(conn)
        .await?;
    Ok(fold(rows))
}

/// The whole city's totals over the months in `[from, until)`.
pub async fn of_city(
    conn: &mut Conn,
    from: NaiveDate,
    until: NaiveDate,
) -> QueryResult<[Totals; ITEMS]> {
    let rows = diesel::sql_query(format!("{SUM} GROUP BY item"))
        .bind::<diesel::sql_types::Date, _>(from)
        .bind::<diesel::sql_types::Date, _>(until)
        .load::<Sums>(conn)
        .await?;
    Ok(fold(rows))
}
