//! The registry, asked whose episode is being evaluated. Each call carries the caller's own
//! token (so the registry decides, and audits, who may read the episode) and the trace context,
//! has a deadline, and is retried while the registry answers UNAVAILABLE.

use onaltu_client::{ClientSettings, Registry};
use onaltu_errors::ApiError;
use onaltu_proto::registry::{EpisodeState, GetEpisodeRequest};
use tonic::Code;
use uuid::Uuid;

use crate::domain::eligibility::KnownEpisode;

/// Where the registry is and how patiently to call it (`[registry]`).
pub type RegistryClientSettings = ClientSettings;

/// What the feedback service asks the registry.
#[derive(Clone)]
pub struct RegistryClient {
    registry: Registry,
}

impl RegistryClient {
    /// A client that connects on first use (the registry may start after this service).
    pub fn new(settings: &RegistryClientSettings) -> Result<Self, String> {
        Ok(Self {
            registry: Registry::new(settings)?,
        })
    }

    /// Episode `id`, read with the caller's `bearer` token (version 0: a read carries no event
    /// version, so any event about the episode is later).
    pub async fn episode(&self, bearer: &str, id: Uuid) -> Result<KnownEpisode, ApiError> {
        let stub = self
            .registry
            .as_caller(bearer, "evaluation of a service received")?;
        let request = GetEpisodeRequest { id: id.to_string() };
        let episode = self
            .registry
            .call(
                &stub,
                request,
                |mut c, r| async move { c.get_episode(r).await },
            )
            .await
            .map_err(|status| refusal(&status, id))?
            .episode
            .ok_or_else(|| ApiError::Internal("registry answered no episode".into()))?;
        facts(id, &episode)
    }
}

fn facts(id: Uuid, e: &onaltu_proto::registry::Episode) -> Result<KnownEpisode, ApiError> {
    let referral = e.referral.clone().unwrap_or_default();
    let parse = |what: &str, s: &str| {
        Uuid::parse_str(s)
            .map_err(|_| ApiError::Internal(format!("registry answered a bad {what}")))
    };
    Ok(KnownEpisode {
        id,
        person_id: parse("person id", &referral.person_id)?,
        center_id: parse("centre id", &referral.center_id)?,
        state: EpisodeState::try_from(e.state).unwrap_or(EpisodeState::Unspecified),
        admitted_on: e.admitted_on.as_ref().and_then(onaltu_api::to_date),
        version: 0,
    })
}

/// The registry's refusal as this service answers it: a refused read means the caller is not
/// the recipient nor their representative.
fn refusal(status: &tonic::Status, id: Uuid) -> ApiError {
    match status.code() {
        Code::PermissionDenied => ApiError::PermissionDenied(
            "only the recipient of the episode or their legal representative may evaluate it"
                .into(),
        ),
        Code::InvalidArgument => ApiError::invalid("evaluation.episode_id", status.message()),
        _ => onaltu_client::refusal(status, "episode", &id.to_string(), "nothing was written"),
    }
}
