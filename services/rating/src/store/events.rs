//! The `rating_events` table: rating events in sequence order.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::Conn;
use crate::schema::rating_events as e;

/// An event about to be written.
#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = e, check_for_backend(diesel::pg::Pg))]
pub struct NewEvent {
    pub center_id: Uuid,
    pub region_code: String,
    pub sector: i32,
    pub kind: i32,
    pub body: Vec<u8>,
    pub event_time: DateTime<Utc>,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = e, check_for_backend(diesel::pg::Pg))]
pub struct EventRow {
    pub sequence_number: i64,
    pub center_id: Uuid,
    pub region_code: String,
    pub sector: i32,
    pub kind: i32,
    pub body: Vec<u8>,
}

/// Writes `events` (the caller holds the computation lock, so sequence numbers commit in order)
/// and returns their sequence numbers.
pub async fn insert(conn: &mut Conn, events: &[NewEvent]) -> QueryResult<Vec<i64>> {
    let mut out = Vec::with_capacity(events.len());
    for chunk in events.chunks(500) {
        out.extend(
            diesel::insert_into(e::table)
                .values(chunk)
                .returning(e::sequence_number)
                .get_results::<i64>(conn)
                .await?,
        );
    }
    Ok(out)
}

/// Which events a subscriber wants.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub region: Option<String>,
    pub sector: Option<i32>,
    pub kind: Option<i32>,
    pub centers: Vec<Uuid>,
}

impl Filter {
    /// Whether `row` passes.
    pub fn matches(&self, row: &EventRow) -> bool {
        self.region.as_ref().is_none_or(|r| *r == row.region_code)
            && self.sector.is_none_or(|s| s == row.sector)
            && self.kind.is_none_or(|k| k == row.kind)
            && (self.centers.is_empty() || self.centers.contains(&row.center_id))
    }
}

/// Up to `limit` events after `after` passing `filter`, in sequence order.
pub async fn after(
    conn: &mut Conn,
    after: i64,
    filter: &Filter,
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    let mut q = e::table
        .filter(e::sequence_number.gt(after))
        .order(e::sequence_number)
        .limit(limit)
        .select(EventRow::as_select())
        .into_boxed();
    if let Some(region) = &filter.region {
        q = q.filter(e::region_code.eq(region.clone()));
    }
    if let Some(sector) = filter.sector {
        q = q.filter(e::sector.eq(sector));
    }
    if let Some(kind) = filter.kind {
        q = q.filter(e::kind.eq(kind));
    }
    if !filter.centers.is_empty() {
        q = q.filter(e::center_id.eq_any(filter.centers.clone()));
    }
    q.load(conn).await
}

/// The last sequence number written, 0 when none.
pub async fn last(conn: &mut Conn) -> QueryResult<i64> {
    e::table
        .select(diesel::dsl::max(e::sequence_number))
        .first::<Option<i64>>(conn)
        .await
        .map(Option::unwrap_or_default)
}

/// The `rating_events` table as WatchRatings reads it.
pub struct RatingEvents;

#[async_trait::async_trait]
impl onaltu_events::EventLog for RatingEvents {
    type Row = EventRow;
    type Filter = Filter;
    const METHOD: &'static str = "WatchRatings";

    fn sequence(row: &EventRow) -> i64 {
        row.sequence_number
    }

    fn wants(filter: &Filter, row: &EventRow) -> bool {
        filter.matches(row)
    }

    async fn after(
        &self,
        conn: &mut Conn,
        after_sequence: i64,
        filter: Option<&Filter>,
        limit: i64,
    ) -> QueryResult<Vec<EventRow>> {
        let all = Filter::default();
        after(conn, after_sequence, filter.unwrap_or(&all), limit).await
    }
}
