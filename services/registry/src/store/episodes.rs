//! Service episodes, their events and the queues they wait in.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::schema::{episode_events, episodes};

/// States in which an episode waits in a queue (QUEUED, OFFERED, POSTPONED).
pub const WAITING: [i16; 3] = [1, 2, 3];
/// States in which an episode occupies a place (ADMITTED, TEMPORARY_LEAVE, RETURNED, SUSPENDED).
pub const OCCUPYING: [i16; 4] = [4, 5, 6, 7];
/// QUEUED.
pub const QUEUED: i16 = 1;

/// A row of `episodes`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = episodes, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
pub struct EpisodeRow {
    pub id: Uuid,
    pub person_id: Uuid,
    pub center_id: Uuid,
    pub service_form: i16,
    pub referral_date: NaiveDate,
    pub referral_number: String,
    pub assessment_id: Option<Uuid>,
    pub renews_episode_id: Option<Uuid>,
    pub queue_receipt: i64,
    pub out_of_turn: bool,
    pub out_of_turn_reason: i16,
    pub out_of_turn_note: String,
    pub state: i16,
    pub arrival_due_date: Option<NaiveDate>,
    pub postponed: bool,
    pub admitted_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub discharge_outcome: i16,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    pub version: i32,
}

/// A row of `episode_events`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = episode_events, check_for_backend(diesel::pg::Pg))]
pub struct EventRow {
    pub id: Uuid,
    pub episode_id: Uuid,
    pub kind: i16,
    pub event_date: NaiveDate,
    pub order_number: String,
    pub reason: String,
    pub discharge_outcome: i16,
    pub transfer_center_id: Option<Uuid>,
    pub arrival_due_date: Option<NaiveDate>,
    pub recorded_by: String,
    pub create_time: DateTime<Utc>,
}

/// The next number in order of receipt.
pub async fn next_receipt(conn: &mut super::Conn) -> QueryResult<i64> {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "nextval('queue_receipt_seq')",
    ))
    .get_result(conn)
    .await
}

/// One episode.
pub async fn get(conn: &mut super::Conn, id: Uuid) -> QueryResult<Option<EpisodeRow>> {
    episodes::table
        .find(id)
        .select(EpisodeRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// One episode, locked for a state change.
pub async fn get_for_update(conn: &mut super::Conn, id: Uuid) -> QueryResult<Option<EpisodeRow>> {
    episodes::table
        .find(id)
        .select(EpisodeRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// The events of episodes, in the order they were recorded.
pub async fn events_of(conn: &mut super::Conn, ids: &[Uuid]) -> QueryResult<Vec<EventRow>> {
    episode_events::table
        .filter(episode_events::episode_id.eq_any(ids))
        .order((episode_events::create_time, episode_events::id))
        .select(EventRow::as_select())
        .load(conn)
        .await
}

/// Inserts an episode.
pub async fn insert(conn: &mut super::Conn, row: &EpisodeRow) -> QueryResult<()> {
    diesel::insert_into(episodes::table)
        .values(row)
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces an episode's row.
pub async fn update(conn: &mut super::Conn, row: &EpisodeRow) -> QueryResult<()> {
    diesel::update(episodes::table.find(row.id))
        .set(row)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records an event.
pub async fn add_event(conn: &mut super::Conn, row: &EventRow) -> QueryResult<()> {
    diesel::insert_into(episode_events::table)
        .values(row)
        .execute(conn)
        .await?;
    Ok(())
}

/// The first QUEUED episode of a queue (out-of-turn first, then order of receipt).
pub async fn head_of_queue(
    conn: &mut super::Conn,
    center: Uuid,
    form: i16,
) -> QueryResult<Option<EpisodeRow>> {
    episodes::table
        .filter(
            episodes::center_id
                .eq(center)
                .and(episodes::service_form.eq(form))
                .and(episodes::state.eq(QUEUED)),
        )
        .order((
            episodes::out_of_turn.desc(),
            episodes::queue_receipt,
            episodes::id,
        ))
        .select(EpisodeRow::as_select())
        .for_update()
        .skip_locked()
        .first(conn)
        .await
        .optional()
}

/// A waiting episode's 1-based position and the length of its queue.
pub async fn position(conn: &mut super::Conn, e: &EpisodeRow) -> QueryResult<(i64, i64)> {
    let same_queue = || {
        episodes::table.filter(
            episodes::center_id
                .eq(e.center_id)
                .and(episodes::service_form.eq(e.service_form))
                .and(episodes::state.eq_any(WAITING)),
        )
    };
    let ahead: i64 = same_queue()
        .filter(
            episodes::out_of_turn
                .gt(e.out_of_turn)
                .or(episodes::out_of_turn.eq(e.out_of_turn).and(
                    episodes::queue_receipt
                        .lt(e.queue_receipt)
                        .or(episodes::queue_receipt
                            .eq(e.queue_receipt)
                            .and(episodes::id.lt(e.id))),
                )),
        )
        .count()
        .get_result(conn)
        .await?;
    let length: i64 = same_queue().count().get_result(conn).await?;
    Ok((ahead + 1, length))
}

/// One page of a queue in queue order, starting at 0-based `offset`.
pub async fn queue(
    conn: &mut super::Conn,
    center: Uuid,
    form: Option<i16>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<EpisodeRow>> {
    let mut q = episodes::table
        .filter(
            episodes::center_id
                .eq(center)
                .and(episodes::state.eq_any(WAITING)),
        )
        .into_boxed();
    if let Some(f) = form {
        q = q.filter(episodes::service_form.eq(f));
    }
    q.order((
        episodes::service_form,
        episodes::out_of_turn.desc(),
        episodes::queue_receipt,
        episodes::id,
    ))
    .offset(offset)
    .limit(limit)
    .select(EpisodeRow::as_select())
    .load(conn)
    .await
}

/// How many episodes wait in a centre's queue(s).
pub async fn queue_length(
    conn: &mut super::Conn,
    center: Uuid,
    form: Option<i16>,
) -> QueryResult<i64> {
    let mut q = episodes::table
        .filter(
            episodes::center_id
                .eq(center)
                .and(episodes::state.eq_any(WAITING)),
        )
        .into_boxed();
    if let Some(f) = form {
        q = q.filter(episodes::service_form.eq(f));
    }
    q.count().get_result(conn).await
}

/// How many places of a centre's service form are occupied.
pub async fn occupied(conn: &mut super::Conn, center: Uuid, form: i16) -> QueryResult<i64> {
    episodes::table
        .filter(
            episodes::center_id
                .eq(center)
                .and(episodes::service_form.eq(form))
                .and(episodes::state.eq_any(OCCUPYING)),
        )
        .count()
        .get_result(conn)
        .await
}

/// What the staff access rule reads of one episode (`domain::access::Tie`).
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct TieRow {
    pub center_id: Uuid,
    pub state: i16,
    pub admitted_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub referred_by_center: bool,
}

/// Every episode of `person`, as the staff access rule reads them.
pub async fn ties_of(conn: &mut super::Conn, person: Uuid) -> QueryResult<Vec<TieRow>> {
    episodes::table
        .filter(episodes::person_id.eq(person))
        .select((
            episodes::center_id,
            episodes::state,
            episodes::admitted_on,
            episodes::ended_on,
            episodes::referred_by_center,
        ))
        .load(conn)
        .await
}

/// Persons tied to a centre, as `domain::access::tie_holds` decides on a date: a list of
/// episodes narrowed by it keeps only the episodes of persons with a live tie.
#[derive(Debug, Clone, PartialEq)]
pub struct TiedTo {
    pub center_id: Uuid,
    /// The states that tie whatever the dates (`domain::access::TYING_STATES`).
    pub tying_states: Vec<i16>,
    /// The earliest end of an admitted stay that still ties.
    pub ended_since: NaiveDate,
}

/// Filters of ListEpisodes.
#[derive(Debug, Clone, Default)]
pub struct EpisodeFilter {
    pub person_id: Option<Uuid>,
    pub center_id: Option<Uuid>,
    pub states: Vec<i16>,
    pub service_form: Option<i16>,
    pub referred_from: Option<NaiveDate>,
    pub referred_until: Option<NaiveDate>,
    /// Only episodes of persons tied to a centre.
    pub tied_to: Option<TiedTo>,
}

/// One page of episodes in id order after `after`.
pub async fn list(
    conn: &mut super::Conn,
    f: &EpisodeFilter,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<EpisodeRow>> {
    let mut q = episodes::table.into_boxed();
    if let Some(p) = f.person_id {
        q = q.filter(episodes::person_id.eq(p));
    }
    if let Some(c) = f.center_id {
        q = q.filter(episodes::center_id.eq(c));
    }
    if !f.states.is_empty() {
        q = q.filter(episodes::state.eq_any(f.states.clone()));
    }
    if let Some(form) = f.service_form {
        q = q.filter(episodes::service_form.eq(form));
    }
    if let Some(d) = f.referred_from {
        q = q.filter(episodes::referral_date.ge(d));
    }
    if let Some(d) = f.referred_until {
        q = q.filter(episodes::referral_date.le(d));
    }
    if let Some(t) = &f.tied_to {
        use diesel::sql_types::{Array, Bool, Date, SmallInt, Uuid as SqlUuid};
        // The person of the episode has a live tie to the centre: `domain::access::tie_holds`.
        q = q.filter(
            diesel::dsl::sql::<Bool>(
                "EXISTS (SELECT 1 FROM episodes t WHERE t.person_id = episodes.person_id \
                 AND t.center_id = ",
            )
            .bind::<SqlUuid, _>(t.center_id)
            .sql(" AND ((t.state = ")
            .bind::<SmallInt, _>(QUEUED)
            .sql(" AND NOT t.referred_by_center) OR t.state = ANY(")
            .bind::<Array<SmallInt>, _>(t.tying_states.clone())
            .sql(") OR (t.admitted_on IS NOT NULL AND t.ended_on >= ")
            .bind::<Date, _>(t.ended_since)
            .sql(")))"),
        );
    }
    if let Some(a) = after {
        q = q.filter(episodes::id.gt(a));
    }
    q.order(episodes::id)
        .limit(limit)
        .select(EpisodeRow::as_select())
        .load(conn)
        .await
}

/// Median wait (referral to admission) of a queue's admitted episodes, in days.
pub async fn median_wait(
    conn: &mut super::Conn,
    center: Uuid,
    form: i16,
) -> QueryResult<Option<f64>> {
    #[derive(QueryableByName)]
    struct Median {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Double>)]
        median: Option<f64>,
    }
    diesel::sql_query(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY (admitted_on - referral_date)) AS median
         FROM episodes WHERE center_id = $1 AND service_form = $2 AND admitted_on IS NOT NULL",
    )
    .bind::<diesel::sql_types::Uuid, _>(center)
    .bind::<diesel::sql_types::SmallInt, _>(form)
    .get_result::<Median>(conn)
    .await
    .map(|m| m.median)
}

/// The person's waiting or occupying episode in a centre's service form, if any.
pub async fn active_in(
    conn: &mut super::Conn,
    person: Uuid,
    center: Uuid,
    form: i16,
) -> QueryResult<Option<EpisodeRow>> {
    let active: Vec<i16> = WAITING.iter().chain(OCCUPYING.iter()).copied().collect();
    episodes::table
        .filter(
            episodes::person_id
                .eq(person)
                .and(episodes::center_id.eq(center))
                .and(episodes::service_form.eq(form))
                .and(episodes::state.eq_any(active)),
        )
        .select(EpisodeRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// An admitted episode as who may evaluate it needs it.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct AdmittedRow {
    pub id: Uuid,
    pub person_id: Uuid,
    pub center_id: Uuid,
    pub state: i16,
    pub admitted_on: NaiveDate,
    pub version: i32,
}

/// Up to `limit` episodes that were admitted, in id order after `after` (nil for the first).
pub async fn admitted_after(
    conn: &mut super::Conn,
    after: Uuid,
    limit: i64,
) -> QueryResult<Vec<AdmittedRow>> {
    episodes::table
        .filter(episodes::id.gt(after))
        .filter(episodes::admitted_on.is_not_null())
        .order(episodes::id)
        .limit(limit)
        .select((
            episodes::id,
            episodes::person_id,
            episodes::center_id,
            episodes::state,
            episodes::admitted_on.assume_not_null(),
            episodes::version,
        ))
        .load(conn)
        .await
}
