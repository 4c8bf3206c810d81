//! The registry's episode and representation events, applied to this service's copy of who may
//! evaluate which episode (`domain::eligibility`) in the consumer's transaction, so a
//! redelivered event changes nothing and events arriving out of order keep the later fact.

use diesel_async::AsyncPgConnection;
use onaltu_api::to_date;
use onaltu_events::{Event, EventError, EventHandler};
use onaltu_proto::registry::{self as rpb, EpisodeState};
use uuid::Uuid;

use crate::domain::eligibility::KnownEpisode;
use crate::store::eligibility as store;

/// The streams the registry publishes these facts on.
pub const STREAMS: [&str; 2] = [
    onaltu_proto::streams::REGISTRY_EPISODES,
    onaltu_proto::streams::REGISTRY_REPRESENTATIVES,
];
/// The consumer group of the feedback service.
pub const GROUP: &str = "feedback";
const ADMITTED: &str = onaltu_proto::streams::EPISODE_ADMITTED;
const DISCHARGED: &str = onaltu_proto::streams::EPISODE_DISCHARGED;
const REPRESENTATIVES: &str = onaltu_proto::streams::LEGAL_REPRESENTATIVES_CHANGED;

/// Applies the registry's events to the eligibility copy.
pub struct RegistryEvents;

fn id(what: &str, s: &str) -> Result<Uuid, EventError> {
    Uuid::parse_str(s).map_err(|_| EventError::Handler(format!("{what} is not a UUID")))
}

fn decode<M: prost::Message + Default>(name: &str, event: &Event) -> Result<M, EventError> {
    M::decode(event.payload.as_slice()).map_err(|e| EventError::Handler(format!("{name}: {e}")))
}

#[async_trait::async_trait]
impl EventHandler for RegistryEvents {
    async fn handle(&self, conn: &mut AsyncPgConnection, event: &Event) -> Result<(), EventError> {
        match event.event_type.as_str() {
            ADMITTED => {
                let e: rpb::EpisodeAdmitted = decode("EpisodeAdmitted", event)?;
                let known = KnownEpisode {
                    id: id("episode_id", &e.episode_id)?,
                    person_id: id("person_id", &e.person_id)?,
                    center_id: id("center_id", &e.center_id)?,
                    state: EpisodeState::Admitted,
                    admitted_on: e.admitted_on.as_ref().and_then(to_date),
                    version: e.version,
                };
                Ok(store::apply_episode(conn, known).await?)
            }
            DISCHARGED => {
                let e: rpb::EpisodeDischarged = decode("EpisodeDischarged", event)?;
                let known = KnownEpisode {
                    id: id("episode_id", &e.episode_id)?,
                    person_id: id("person_id", &e.person_id)?,
                    center_id: id("center_id", &e.center_id)?,
                    state: EpisodeState::Discharged,
                    admitted_on: e.admitted_on.as_ref().and_then(to_date),
                    version: e.version,
                };
                Ok(store::apply_episode(conn, known).await?)
            }
            REPRESENTATIVES => {
                let e: rpb::LegalRepresentativesChanged =
                    decode("LegalRepresentativesChanged", event)?;
                let person = id("person_id", &e.person_id)?;
                let reps = e
                    .representative_ids
                    .iter()
                    .map(|r| id("representative_ids", r))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(store::apply_representatives(conn, person, &reps, e.version).await?)
            }
            other => {
                tracing::debug!(event_type = other, "event type not used by feedback");
                Ok(())
            }
        }
    }
}
