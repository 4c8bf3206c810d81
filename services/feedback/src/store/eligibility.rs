//! The copy of the registry's eligibility facts: `eligibility_episodes`, `eligibility_persons`
//! and `eligibility_representatives`.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use onaltu_proto::registry::EpisodeState;
use uuid::Uuid;

use super::Conn;
use crate::domain::eligibility::{self, KnownEpisode};
use crate::schema::eligibility_representatives as r;
use crate::schema::{eligibility_episodes as e, eligibility_persons as p};

type Row = (Uuid, Uuid, Uuid, i16, Option<NaiveDate>, i32);

const COLUMNS: (
    e::episode_id,
    e::person_id,
    e::center_id,
    e::state,
    e::admitted_on,
    e::version,
) = (
    e::episode_id,
    e::person_id,
    e::center_id,
    e::state,
    e::admitted_on,
    e::version,
);

fn known(row: Row) -> KnownEpisode {
    KnownEpisode {
        id: row.0,
        person_id: row.1,
        center_id: row.2,
        state: EpisodeState::try_from(i32::from(row.3)).unwrap_or(EpisodeState::Unspecified),
        admitted_on: row.4,
        version: row.5,
    }
}

/// Episode `id` as the copy holds it, the row held against a concurrent change until the
/// transaction ends.
pub async fn episode(conn: &mut Conn, id: Uuid) -> QueryResult<Option<KnownEpisode>> {
    Ok(e::table
        .find(id)
        .select(COLUMNS)
        .for_share()
        .first::<Row>(conn)
        .await
        .optional()?
        .map(known))
}

/// The legal representatives of `person`, if the copy knows them, the person's row held against
/// a concurrent change until the transaction ends.
pub async fn representatives(conn: &mut Conn, person: Uuid) -> QueryResult<Option<Vec<Uuid>>> {
    let known: Option<i32> = p::table
        .find(person)
        .select(p::version)
        .for_share()
        .first(conn)
        .await
        .optional()?;
    if known.is_none() {
        return Ok(None);
    }
    r::table
        .filter(r::person_id.eq(person))
        .select(r::representative_id)
        .load(conn)
        .await
        .map(Some)
}

/// Takes what `incoming` says of an episode into the copy ([`eligibility::merged`]).
pub async fn apply_episode(conn: &mut Conn, incoming: KnownEpisode) -> QueryResult<()> {
    // A first event about the episode creates its row; from then on the row is locked and merged.
    let created = diesel::insert_into(e::table)
        .values((
            e::episode_id.eq(incoming.id),
            e::person_id.eq(incoming.person_id),
            e::center_id.eq(incoming.center_id),
            e::state.eq(incoming.state as i16),
            e::admitted_on.eq(incoming.admitted_on),
            e::version.eq(incoming.version),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if created == 1 {
        return Ok(());
    }
    let stored = e::table
        .find(incoming.id)
        .select(COLUMNS)
        .for_update()
        .first::<Row>(conn)
        .await
        .map(known)?;
    if let Some(next) = eligibility::merged(Some(&stored), incoming) {
        diesel::update(e::table.find(next.id))
            .set((
                e::person_id.eq(next.person_id),
                e::center_id.eq(next.center_id),
                e::state.eq(next.state as i16),
                e::admitted_on.eq(next.admitted_on),
                e::version.eq(next.version),
            ))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Takes a change of `person`'s legal representatives at `version` into the copy, unless the
/// copy already holds the same or a later one.
pub async fn apply_representatives(
    conn: &mut Conn,
    person: Uuid,
    representatives: &[Uuid],
    version: i32,
) -> QueryResult<()> {
    diesel::insert_into(p::table)
        .values((p::person_id.eq(person), p::version.eq(-1)))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    let stored: i32 = p::table
        .find(person)
        .select(p::version)
        .for_update()
        .first(conn)
        .await?;
    // -1: the row was just created for this change.
    let stored = (stored >= 0).then_some(stored);
    if !eligibility::representatives_newer(stored, version) {
        return Ok(());
    }
    diesel::update(p::table.find(person))
        .set(p::version.eq(version))
        .execute(conn)
        .await?;
    diesel::delete(r::table.filter(r::person_id.eq(person)))
        .execute(conn)
        .await?;
    let rows: Vec<_> = representatives
        .iter()
        .map(|rep| (r::person_id.eq(person), r::representative_id.eq(*rep)))
        .collect();
    diesel::insert_into(r::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

/// Empties the copy (before it is rebuilt from the registry).
pub async fn clear(conn: &mut Conn) -> QueryResult<()> {
    diesel::delete(r::table).execute(conn).await?;
    diesel::delete(p::table).execute(conn).await?;
    diesel::delete(e::table).execute(conn).await?;
    Ok(())
}
