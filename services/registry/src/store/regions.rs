//! The regions reference table (ISO 3166-2:KZ).

use std::collections::HashSet;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::schema::regions;

/// Every region code.
pub async fn codes(conn: &mut super::Conn) -> QueryResult<HashSet<String>> {
    Ok(regions::table
        .select(regions::code)
        .load::<String>(conn)
        .await?
        .into_iter()
        .collect())
}

/// Children treated in 2022 and registered children with disabilities in 2022, per region.
pub async fn child_figures(
    conn: &mut super::Conn,
) -> QueryResult<Vec<(String, Option<i32>, Option<i32>)>> {
    regions::table
        .select((
            regions::code,
            regions::children_treated_2022,
            regions::disabled_children_2022,
        ))
        .order(regions::code)
        .load(conn)
        .await
}
