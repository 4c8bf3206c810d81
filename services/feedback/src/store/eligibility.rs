//! The copy of the registry's eligibility facts: `eligibility_episodes`, `eligibility_persons`
//! and `eligibility_representatives`.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use onaltu_proto::registry::EpisodeState;
use uuid::Uuid;

use super::Conn;
use crate::domain::eligibility::{self, KnownEpisode, Representation};
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
        update_episode(conn, &next).await?;
    }
    Ok(())
}

async fn update_episode(conn: &mut Conn, next: &KnownEpisode) -> QueryResult<()> {
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
    Ok(())
}

/// Takes a batch of episodes into the copy, each as [`apply_episode`] takes one (the higher
/// version wins, an admission once known is kept), in a few statements: the rows the copy holds
/// are locked and merged, the others inserted at once, and one that another transaction
/// inserted meanwhile (an event applied beside the batch) is merged as [`apply_episode`] does.
pub async fn apply_episodes(conn: &mut Conn, batch: &[KnownEpisode]) -> QueryResult<()> {
    let ids: Vec<Uuid> = batch.iter().map(|k| k.id).collect();
    let stored: HashMap<Uuid, KnownEpisode> = e::table
        .filter(e::episode_id.eq_any(&ids))
        .select(COLUMNS)
        .for_update()
        .load::<Row>(conn)
        .await?
        .into_iter()
        .map(|row| (row.0, known(row)))
        .collect();
    let mut absent = Vec::new();
    for incoming in batch {
        match stored.get(&incoming.id) {
            Some(held) => {
                if let Some(next) = eligibility::merged(Some(held), incoming.clone()) {
                    update_episode(conn, &next).await?;
                }
            }
            None => absent.push(incoming),
        }
    }
    if absent.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = absent
        .iter()
        .map(|k| {
            (
                e::episode_id.eq(k.id),
                e::person_id.eq(k.person_id),
                e::center_id.eq(k.center_id),
                e::state.eq(k.state as i16),
                e::admitted_on.eq(k.admitted_on),
                e::version.eq(k.version),
            )
        })
        .collect();
    let inserted: HashSet<Uuid> = diesel::insert_into(e::table)
        .values(rows)
        .on_conflict_do_nothing()
        .returning(e::episode_id)
        .get_results(conn)
        .await?
        .into_iter()
        .collect();
    for raced in absent.into_iter().filter(|k| !inserted.contains(&k.id)) {
        apply_episode(conn, raced.clone()).await?;
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
    insert_representatives(conn, &[(person, representatives)]).await
}

/// Representation rows per statement, well within Postgres' bound on parameters.
const REPRESENTATIVE_ROWS: usize = 10_000;

async fn insert_representatives(conn: &mut Conn, sets: &[(Uuid, &[Uuid])]) -> QueryResult<()> {
    let rows: Vec<_> = sets
        .iter()
        .flat_map(|(person, reps)| {
            reps.iter()
                .map(|rep| (r::person_id.eq(*person), r::representative_id.eq(*rep)))
        })
        .collect();
    for chunk in rows.chunks(REPRESENTATIVE_ROWS) {
        diesel::insert_into(r::table)
            .values(chunk)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Takes a batch of persons' representatives into the copy, each as [`apply_representatives`]
/// takes one (only a later version replaces what the copy holds), in a few statements: the
/// persons the copy holds are locked and replaced where the batch is later, the others inserted
/// at once, and one that another transaction inserted meanwhile is taken as
/// [`apply_representatives`] takes it.
pub async fn apply_representations(conn: &mut Conn, batch: &[Representation]) -> QueryResult<()> {
    let ids: Vec<Uuid> = batch.iter().map(|b| b.person_id).collect();
    let stored: HashMap<Uuid, i32> = p::table
        .filter(p::person_id.eq_any(&ids))
        .select((p::person_id, p::version))
        .for_update()
        .load(conn)
        .await?
        .into_iter()
        .collect();
    let mut absent = Vec::new();
    for incoming in batch {
        match stored.get(&incoming.person_id) {
            Some(held) if eligibility::representatives_newer(Some(*held), incoming.version) => {
                let (person, reps) = (incoming.person_id, &incoming.representatives);
                apply_representatives(conn, person, reps, incoming.version).await?;
            }
            Some(_) => {}
            None => absent.push(incoming),
        }
    }
    if absent.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = absent
        .iter()
        .map(|b| (p::person_id.eq(b.person_id), p::version.eq(b.version)))
        .collect();
    let inserted: HashSet<Uuid> = diesel::insert_into(p::table)
        .values(rows)
        .on_conflict_do_nothing()
        .returning(p::person_id)
        .get_results(conn)
        .await?
        .into_iter()
        .collect();
    let (new, raced): (Vec<_>, Vec<_>) = absent
        .into_iter()
        .partition(|b| inserted.contains(&b.person_id));
    let sets: Vec<(Uuid, &[Uuid])> = new
        .iter()
        .map(|b| (b.person_id, b.representatives.as_slice()))
        .collect();
    insert_representatives(conn, &sets).await?;
    for b in raced {
        apply_representatives(conn, b.person_id, &b.representatives, b.version).await?;
    }
    Ok(())
}

/// Empties the copy (before it is rebuilt from the registry).
pub async fn clear(conn: &mut Conn) -> QueryResult<()> {
    diesel::delete(r::table).execute(conn).await?;
    diesel::delete(p::table).execute(conn).await?;
    diesel::delete(e::table).execute(conn).await?;
    Ok(())
}
