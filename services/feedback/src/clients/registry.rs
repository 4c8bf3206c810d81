//! The registry, asked whose episode is being evaluated. Each call carries the caller's own
//! token (so the registry decides, and audits, who may read the episode) and the trace context,
//! has a deadline, and is retried while the registry answers UNAVAILABLE. The eligibility copy
//! is rebuilt from facts the registry gives the feedback service alone, asked in its own name
//! ([`FactsClient`]).

use std::time::Duration;

use onaltu_auth::AuthSettings;
use onaltu_client::{ClientSettings, Registry};
use onaltu_errors::ApiError;
use onaltu_proto::registry::{
    self as pb, EpisodeState, GetEpisodeRequest, StreamEligibilityFactsRequest,
};
use tonic::Code;
use uuid::Uuid;

use crate::domain::eligibility::{KnownEpisode, Representation};

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

/// The feedback service's subject when it calls the registry in its own name.
pub const SERVICE_SUBJECT: &str = "service:feedback";

/// The longest the registry may take to send the next batch of facts before the stream is
/// given up as stalled.
const BATCH_PATIENCE: Duration = Duration::from_secs(60);

/// One batch of the facts the eligibility copy is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Facts {
    /// Episodes that were admitted.
    Episodes(Vec<KnownEpisode>),
    /// Persons' legal representatives.
    Representations(Vec<Representation>),
}

/// The registry asked in the feedback service's own name (`service:feedback`, an INTEGRATION
/// token): the facts of who may evaluate which episode, which it gives this service alone.
pub struct FactsClient {
    registry: Registry,
}

/// The facts as the registry sends them, a batch at a time.
pub struct FactStream {
    stream: tonic::Streaming<pb::StreamEligibilityFactsResponse>,
}

impl FactsClient {
    /// A client calling as `service:feedback` with `[registry] token` or `token_file`, or, where
    /// neither is configured (development and tests; refused in production by
    /// [`crate::settings::own_registry_token`]), with a token it signs with `[auth] hs256_secret`.
    pub fn new(settings: &ClientSettings, auth: &AuthSettings) -> Result<Self, String> {
        Ok(Self {
            registry: Registry::in_own_name(settings, auth, SERVICE_SUBJECT)?,
        })
    }

    /// Every fact, `batch_size` to a batch (retried while the registry answers UNAVAILABLE).
    /// The call has no deadline of its own: the whole registry takes a while; each batch has
    /// [`BATCH_PATIENCE`] instead.
    pub async fn facts(&self, batch_size: u32) -> Result<FactStream, ApiError> {
        let stub = self
            .registry
            .as_service_for("rebuild of the eligibility copy")?;
        let message = StreamEligibilityFactsRequest {
            batch_size: i32::try_from(batch_size).unwrap_or(i32::MAX),
        };
        let stream = self
            .registry
            .settings()
            .retrying(|| {
                let mut stub = stub.clone();
                async move { stub.stream_eligibility_facts(message).await }
            })
            .await
            .map_err(|s| facts_refused(&s))?
            .into_inner();
        Ok(FactStream { stream })
    }
}

impl FactStream {
    /// The next batch; None once every fact was sent.
    pub async fn next(&mut self) -> Result<Option<Facts>, ApiError> {
        let message = tokio::time::timeout(BATCH_PATIENCE, self.stream.message())
            .await
            .map_err(|_| ApiError::Unavailable {
                message: format!(
                    "the registry sent no facts for {} s; the copy is incomplete",
                    BATCH_PATIENCE.as_secs()
                ),
                retry_after: onaltu_client::RETRY_AFTER,
            })?
            .map_err(|s| facts_refused(&s))?;
        message.map(batch).transpose()
    }
}

fn parse(what: &str, s: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(s).map_err(|_| ApiError::Internal(format!("registry answered a bad {what}")))
}

/// One message of the registry as the copy takes it.
fn batch(m: pb::StreamEligibilityFactsResponse) -> Result<Facts, ApiError> {
    if !m.episodes.is_empty() {
        return m
            .episodes
            .iter()
            .map(|e| {
                Ok(KnownEpisode {
                    id: parse("episode id", &e.episode_id)?,
                    person_id: parse("person id", &e.person_id)?,
                    center_id: parse("centre id", &e.center_id)?,
                    state: EpisodeState::try_from(e.state).unwrap_or(EpisodeState::Unspecified),
                    admitted_on: e.admitted_on.as_ref().and_then(onaltu_api::to_date),
                    version: e.version,
                })
            })
            .collect::<Result<_, _>>()
            .map(Facts::Episodes);
    }
    m.legal_representatives
        .iter()
        .map(|r| {
            Ok(Representation {
                person_id: parse("person id", &r.person_id)?,
                representatives: r
                    .representative_ids
                    .iter()
                    .map(|id| parse("representative id", id))
                    .collect::<Result<_, _>>()?,
                version: r.version,
            })
        })
        .collect::<Result<_, _>>()
        .map(Facts::Representations)
}

/// The registry's refusal of the facts: unreachable is UNAVAILABLE, anything else (a refused
/// identity, above all) is said as the registry said it.
fn facts_refused(status: &tonic::Status) -> ApiError {
    if onaltu_client::is_unreachable(status) {
        return onaltu_client::unreachable("registry", "the copy is incomplete");
    }
    ApiError::Internal(format!(
        "the registry refused the eligibility facts: {:?}: {}{}",
        status.code(),
        status.message(),
        onaltu_client::causes(status)
    ))
}
