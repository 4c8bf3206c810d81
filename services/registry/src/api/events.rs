//! The events the registry publishes through its outbox, each written in the transaction of
//! the change it announces. They carry ids, the centre, dates and the outcome: nothing personal.

use chrono::NaiveDate;
use onaltu_errors::ApiError;
use onaltu_proto::registry as pb;
use prost::Message as _;
use uuid::Uuid;

use super::convert;
use crate::store::Conn;
use crate::store::centers::CenterRow;
use crate::store::episodes::EpisodeRow;
use crate::store::persons::PersonRow;

/// Announces the registration of `persons` (opaque id, region, date; nothing personal).
pub async fn persons_registered(conn: &mut Conn, persons: &[PersonRow]) -> Result<(), ApiError> {
    let events = persons
        .iter()
        .map(|p| {
            let id = Uuid::now_v7();
            let event = pb::PersonRegistered {
                event_id: id.to_string(),
                person_id: p.id.to_string(),
                region_code: p.region_code.clone(),
                registered_on: convert::date(Some(p.registered_on)),
                occur_time: convert::ts(p.create_time),
            };
            (id, event.encode_to_vec())
        })
        .collect();
    onaltu_events::enqueue_many(conn, PERSONS, PERSON_REGISTERED, events).await?;
    Ok(())
}

/// Announces that centre `c` was registered (`created`) or changed.
pub async fn center_updated(conn: &mut Conn, c: &CenterRow, created: bool) -> Result<(), ApiError> {
    let id = Uuid::now_v7();
    let event = pb::CenterUpdated {
        event_id: id.to_string(),
        center_id: c.id.to_string(),
        created,
        region_code: c.region_code.clone(),
        sector: i32::from(c.sector),
        kind: i32::from(c.kind),
        beds: c.beds,
        places: c.places,
        version: c.version,
        occur_time: convert::ts(c.update_time),
    };
    onaltu_events::enqueue_as(conn, id, CENTERS, CENTER_UPDATED, event.encode_to_vec()).await?;
    Ok(())
}

/// The stream feedback, rating and transport read episodes from.
pub const EPISODES: &str = "registry.episodes";
/// The stream of persons registered.
pub const PERSONS: &str = "registry.persons";
/// The stream of centres registered or changed.
pub const CENTERS: &str = "registry.centers";
/// Type name of [`pb::PersonRegistered`].
pub const PERSON_REGISTERED: &str = "onaltu.registry.v1.PersonRegistered";
/// Type name of [`pb::CenterUpdated`].
pub const CENTER_UPDATED: &str = "onaltu.registry.v1.CenterUpdated";
/// Type name of [`pb::EpisodeAdmitted`].
pub const EPISODE_ADMITTED: &str = "onaltu.registry.v1.EpisodeAdmitted";
/// Type name of [`pb::EpisodeDischarged`].
pub const EPISODE_DISCHARGED: &str = "onaltu.registry.v1.EpisodeDischarged";

/// Announces `e`'s admission on `admitted_on`.
pub async fn episode_admitted(
    conn: &mut Conn,
    e: &EpisodeRow,
    admitted_on: NaiveDate,
) -> Result<(), ApiError> {
    let id = Uuid::now_v7();
    let event = pb::EpisodeAdmitted {
        event_id: id.to_string(),
        episode_id: e.id.to_string(),
        person_id: e.person_id.to_string(),
        center_id: e.center_id.to_string(),
        service_form: i32::from(e.service_form),
        referral_date: convert::date(Some(e.referral_date)),
        admitted_on: convert::date(Some(admitted_on)),
        wait_days: (admitted_on - e.referral_date).num_days() as i32,
        occur_time: convert::ts(e.update_time),
    };
    onaltu_events::enqueue_as(conn, id, EPISODES, EPISODE_ADMITTED, event.encode_to_vec()).await?;
    Ok(())
}

/// Announces `e`'s discharge on `discharged_on` with its outcome.
pub async fn episode_discharged(
    conn: &mut Conn,
    e: &EpisodeRow,
    discharged_on: NaiveDate,
) -> Result<(), ApiError> {
    let id = Uuid::now_v7();
    let event = pb::EpisodeDischarged {
        event_id: id.to_string(),
        episode_id: e.id.to_string(),
        person_id: e.person_id.to_string(),
        center_id: e.center_id.to_string(),
        service_form: i32::from(e.service_form),
        admitted_on: convert::date(e.admitted_on),
        discharged_on: convert::date(Some(discharged_on)),
        outcome: i32::from(e.discharge_outcome),
        occur_time: convert::ts(e.update_time),
    };
    onaltu_events::enqueue_as(
        conn,
        id,
        EPISODES,
        EPISODE_DISCHARGED,
        event.encode_to_vec(),
    )
    .await?;
    Ok(())
}
