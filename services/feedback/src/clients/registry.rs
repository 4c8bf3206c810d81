//! The registry, asked whose episode is being evaluated. Each call carries the caller's own
//! token (so the registry decides, and audits, who may read the episode) and the trace context,
//! has a deadline, and is retried while the registry answers UNAVAILABLE.

use std::time::Duration;

use onaltu_config::{Checker, Validate};
use onaltu_errors::ApiError;
use onaltu_proto::registry::registry_service_client::RegistryServiceClient;
use onaltu_proto::registry::{EpisodeState, GetEpisodeRequest};
use serde::Deserialize;
use tonic::Code;
use tonic::metadata::MetadataValue;
use tonic::service::Interceptor as _;
use tonic::transport::{Channel, Endpoint};
use uuid::Uuid;

use crate::domain::evaluation::EpisodeFacts;

/// Where the registry is and how patiently to call it (`[registry]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistryClientSettings {
    /// The registry's address, e.g. `http://registry:50051`.
    pub url: String,
    /// Deadline of each attempt.
    pub timeout_ms: u64,
    /// Attempts while the registry answers UNAVAILABLE.
    pub attempts: u32,
    /// Pause before the second attempt; doubled before each further one.
    pub backoff_ms: u64,
}

impl Default for RegistryClientSettings {
    fn default() -> Self {
        Self {
            url: "http://127.0.0.1:50051".into(),
            timeout_ms: 2_000,
            attempts: 3,
            backoff_ms: 100,
        }
    }
}

impl Validate for RegistryClientSettings {
    fn validate(&self, c: &mut Checker) {
        c.check(
            Endpoint::from_shared(self.url.clone()).is_ok(),
            "url",
            "must be an http(s) URL",
        );
        c.check(
            (10..=60_000).contains(&self.timeout_ms),
            "timeout_ms",
            "must be between 10 and 60000",
        );
        c.check(
            (1..=10).contains(&self.attempts),
            "attempts",
            "must be between 1 and 10",
        );
        c.check(
            self.backoff_ms <= 10_000,
            "backoff_ms",
            "must be at most 10000",
        );
    }
}

/// How long a caller should wait before retrying when the registry is down.
const RETRY_AFTER: Duration = Duration::from_secs(2);

/// A client of the registry.
#[derive(Clone)]
pub struct RegistryClient {
    channel: Channel,
    settings: RegistryClientSettings,
}

impl RegistryClient {
    /// A client that connects on first use (the registry may start after this service).
    pub fn new(settings: &RegistryClientSettings) -> Result<Self, String> {
        let channel = Endpoint::from_shared(settings.url.clone())
            .map_err(|e| format!("registry.url: {e}"))?
            .connect_timeout(Duration::from_millis(settings.timeout_ms))
            .timeout(Duration::from_millis(settings.timeout_ms))
            .connect_lazy();
        Ok(Self {
            channel,
            settings: settings.clone(),
        })
    }

    /// The facts of episode `id`, read with the caller's `bearer` token.
    pub async fn episode(&self, bearer: &str, id: Uuid) -> Result<EpisodeFacts, ApiError> {
        let authorization: MetadataValue<_> = format!("Bearer {bearer}")
            .parse()
            .map_err(|_| ApiError::Unauthenticated("the bearer token is malformed".into()))?;
        let mut client = RegistryServiceClient::with_interceptor(
            self.channel.clone(),
            move |request: tonic::Request<()>| {
                let mut request = onaltu_telemetry::TracePropagation.call(request)?;
                request
                    .metadata_mut()
                    .insert("authorization", authorization.clone());
                request.metadata_mut().insert(
                    "x-onaltu-purpose",
                    MetadataValue::from_static("evaluation of a service received"),
                );
                Ok(request)
            },
        );
        let mut backoff = Duration::from_millis(self.settings.backoff_ms);
        let mut attempt = 1;
        let answer = loop {
            let mut request = tonic::Request::new(GetEpisodeRequest { id: id.to_string() });
            request.set_timeout(Duration::from_millis(self.settings.timeout_ms));
            match client.get_episode(request).await {
                Err(status)
                    if status.code() == Code::Unavailable && attempt < self.settings.attempts =>
                {
                    tracing::debug!(attempt, "registry unavailable; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                    attempt += 1;
                }
                other => break other,
            }
        };
        let episode = answer
            .map_err(|status| refusal(status, id))?
            .into_inner()
            .episode
            .ok_or_else(|| ApiError::Internal("registry answered no episode".into()))?;
        facts(id, &episode)
    }
}

fn facts(id: Uuid, e: &onaltu_proto::registry::Episode) -> Result<EpisodeFacts, ApiError> {
    let referral = e.referral.clone().unwrap_or_default();
    let parse = |what: &str, s: &str| {
        Uuid::parse_str(s)
            .map_err(|_| ApiError::Internal(format!("registry answered a bad {what}")))
    };
    let state = EpisodeState::try_from(e.state).unwrap_or(EpisodeState::Unspecified);
    Ok(EpisodeFacts {
        id,
        person_id: parse("person id", &referral.person_id)?,
        center_id: parse("centre id", &referral.center_id)?,
        state: state
            .as_str_name()
            .trim_start_matches("EPISODE_STATE_")
            .to_string(),
        admitted: e.admitted_on.is_some(),
    })
}

/// The registry's refusal as this service answers it.
fn refusal(status: tonic::Status, id: Uuid) -> ApiError {
    match status.code() {
        Code::NotFound => ApiError::NotFound {
            resource: "episode",
            id: id.to_string(),
        },
        Code::PermissionDenied => ApiError::PermissionDenied(
            "only the recipient of the episode or their legal representative may evaluate it"
                .into(),
        ),
        Code::Unauthenticated => ApiError::Unauthenticated(status.message().to_string()),
        Code::InvalidArgument => ApiError::invalid("evaluation.episode_id", status.message()),
        Code::Unavailable | Code::DeadlineExceeded | Code::ResourceExhausted | Code::Cancelled => {
            ApiError::Unavailable {
                message: "the registry is unreachable; nothing was written".into(),
                retry_after: RETRY_AFTER,
            }
        }
        _ => ApiError::Internal(format!(
            "registry answered {:?}: {}",
            status.code(),
            status.message()
        )),
    }
}
