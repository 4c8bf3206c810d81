//! The events the registry publishes through its outbox, each written in the transaction of
//! the change it announces. They carry ids, the centre, dates and the outcome: nothing personal.

use chrono::{DateTime, NaiveDate, Utc};
use onaltu_errors::ApiError;
use onaltu_proto::registry as pb;
use prost::Message as _;
use uuid::Uuid;

use onaltu_api::{date, timestamp};

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
                registered_on: Some(date(p.registered_on)),
                occur_time: Some(timestamp(p.create_time)),
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
        occur_time: Some(timestamp(c.update_time)),
    };
    onaltu_events::enqueue_as(conn, id, CENTERS, CENTER_UPDATED, event.encode_to_vec()).await?;
    Ok(())
}

/// The stream feedback, rating and transport read episodes from.
pub const EPISODES: &str = onaltu_proto::streams::REGISTRY_EPISODES;
/// The stream of persons registered.
pub const PERSONS: &str = onaltu_proto::streams::REGISTRY_PERSONS;
/// The stream of centres registered or changed.
pub const CENTERS: &str = onaltu_proto::streams::REGISTRY_CENTERS;
/// The stream of changes of who legally represents whom.
pub const REPRESENTATIVES: &str = onaltu_proto::streams::REGISTRY_REPRESENTATIVES;
/// Type name of [`pb::LegalRepresentativesChanged`].
pub const LEGAL_REPRESENTATIVES_CHANGED: &str =
    onaltu_proto::streams::LEGAL_REPRESENTATIVES_CHANGED;
/// Type name of [`pb::PersonRegistered`].
pub const PERSON_REGISTERED: &str = onaltu_proto::streams::PERSON_REGISTERED;
/// Type name of [`pb::CenterUpdated`].
pub const CENTER_UPDATED: &str = onaltu_proto::streams::CENTER_UPDATED;
/// Type name of [`pb::EpisodeAdmitted`].
pub const EPISODE_ADMITTED: &str = onaltu_proto::streams::EPISODE_ADMITTED;
/// Type name of [`pb::EpisodeDischarged`].
pub const EPISODE_DISCHARGED: &str = onaltu_proto::streams::EPISODE_DISCHARGED;

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
        referral_date: Some(date(e.referral_date)),
        admitted_on: Some(date(admitted_on)),
        wait_days: (admitted_on - e.referral_date).num_days() as i32,
        occur_time: Some(timestamp(e.update_time)),
        version: e.version,
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
        admitted_on: e.admitted_on.map(date),
        discharged_on: Some(date(discharged_on)),
        outcome: i32::from(e.discharge_outcome),
        occur_time: Some(timestamp(e.update_time)),
        version: e.version,
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

/// Announces that person `person`, whose record is now at `version`, is legally represented by
/// `representatives` (every one of them; none when the last was removed).
pub async fn representatives_changed(
    conn: &mut Conn,
    person: Uuid,
    representatives: &[Uuid],
    version: i32,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    let id = Uuid::now_v7();
    let event = pb::LegalRepresentativesChanged {
        event_id: id.to_string(),
        person_id: person.to_string(),
        representative_ids: representatives.iter().map(Uuid::to_string).collect(),
        version,
        occur_time: Some(timestamp(at)),
    };
    onaltu_events::enqueue_as(
        conn,
        id,
        REPRESENTATIVES,
        LEGAL_REPRESENTATIVES_CHANGED,
        event.encode_to_vec(),
    )
    .await?;
    Ok(())
}
