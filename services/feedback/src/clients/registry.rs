//! The registry, asked whose episode is being evaluated. Each call carries the caller's own
//! token (so the registry decides, and audits, who may read the episode) and the trace context,
//! has a deadline, and is retried while the registry answers UNAVAILABLE.

use onaltu_client::{ClientSettings, is_unreachable, unreachable};
use onaltu_errors::ApiError;
use onaltu_proto::registry::registry_service_client::RegistryServiceClient;
use onaltu_proto::registry::{EpisodeState, GetEpisodeRequest};
use tonic::Code;
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;
use uuid::Uuid;

use crate::domain::evaluation::EpisodeFacts;

/// Where the registry is and how patiently to call it (`[registry]`).
pub type RegistryClientSettings = ClientSettings;

/// A client of the registry.
#[derive(Clone)]
pub struct RegistryClient {
    channel: Channel,
    settings: RegistryClientSettings,
}

impl RegistryClient {
    /// A client that connects on first use (the registry may start after this service).
    pub fn new(settings: &RegistryClientSettings) -> Result<Self, String> {
        Ok(Self {
            channel: settings.channel("registry")?,
            settings: settings.clone(),
        })
    }

    /// The facts of episode `id`, read with the caller's `bearer` token.
    pub async fn episode(&self, bearer: &str, id: Uuid) -> Result<EpisodeFacts, ApiError> {
        let authorization: MetadataValue<_> = format!("Bearer {bearer}")
            .parse()
            .map_err(|_| ApiError::Unauthenticated("the bearer token is malformed".into()))?;
        let client = RegistryServiceClient::with_interceptor(
            self.channel.clone(),
            move |request: tonic::Request<()>| {
                let mut request = onaltu_client::traced(request)?;
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
        let answer = self
            .settings
            .retrying(|| {
                let mut client = client.clone();
                let request = self
                    .settings
                    .request(GetEpisodeRequest { id: id.to_string() });
                async move { client.get_episode(request).await }
            })
            .await;
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
        _ if is_unreachable(&status) => unreachable("registry", "nothing was written"),
        _ => ApiError::Internal(format!(
            "registry answered {:?}: {}",
            status.code(),
            status.message()
        )),
    }
}
