//! The events the registry publishes through its outbox, each written in the transaction of
//! the change it announces. They carry ids, the centre, dates and the outcome: nothing personal.

use chrono::NaiveDate;
use onaltu_errors::ApiError;
use onaltu_proto::registry as pb;
use prost::Message as _;
use uuid::Uuid;

use super::convert;
use crate::store::Conn;
use crate::store::episodes::EpisodeRow;

/// The stream feedback, rating and transport read episodes from.
pub const EPISODES: &str = "registry.episodes";
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
