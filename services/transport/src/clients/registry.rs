//! The registry, asked with the caller's own token (so the registry decides, and audits, who may
//! read a person): transport eligibility, and the episode a bus subscription follows.

use chrono::NaiveDate;
use onaltu_api::{date, to_date};
use onaltu_client::{ClientSettings, is_unreachable, unreachable};
use onaltu_errors::ApiError;
use onaltu_proto::registry::registry_service_client::RegistryServiceClient;
use onaltu_proto::registry::{CheckTransportEligibilityRequest, GetEpisodeRequest};
use tonic::Code;
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;
use uuid::Uuid;

pub use crate::domain::bus::EpisodeDates;
pub use crate::domain::trip::Eligibility;

/// A client of the registry.
#[derive(Clone)]
pub struct RegistryClient {
    channel: Channel,
    settings: ClientSettings,
}

impl RegistryClient {
    /// A client that connects on first use.
    pub fn new(settings: &ClientSettings) -> Result<Self, String> {
        Ok(Self {
            channel: settings.channel("registry")?,
            settings: settings.clone(),
        })
    }

    fn client(
        &self,
        bearer: &str,
        purpose: &'static str,
    ) -> Result<
        RegistryServiceClient<
            tonic::service::interceptor::InterceptedService<
                Channel,
                impl tonic::service::Interceptor + Clone,
            >,
        >,
        ApiError,
    > {
        let authorization: MetadataValue<_> = format!("Bearer {bearer}")
            .parse()
            .map_err(|_| ApiError::Unauthenticated("the bearer token is malformed".into()))?;
        Ok(RegistryServiceClient::with_interceptor(
            self.channel.clone(),
            move |request: tonic::Request<()>| {
                let mut request = onaltu_client::traced(request)?;
                request
                    .metadata_mut()
                    .insert("authorization", authorization.clone());
                request
                    .metadata_mut()
                    .insert("x-onaltu-purpose", MetadataValue::from_static(purpose));
                Ok(request)
            },
        ))
    }

    /// Whether `person` may ride the invataxi on `on`, asked as the caller.
    pub async fn eligibility(
        &self,
        bearer: &str,
        person: Uuid,
        on: NaiveDate,
    ) -> Result<Eligibility, ApiError> {
        let client = self.client(bearer, "invataxi booking")?;
        let answer = self
            .settings
            .retrying(|| {
                let mut client = client.clone();
                let request = self.settings.request(CheckTransportEligibilityRequest {
                    person_id: person.to_string(),
                    travel_date: Some(date(on)),
                });
                async move { client.check_transport_eligibility(request).await }
            })
            .await
            .map_err(|s| refusal(s, "person", person))?
            .into_inner();
        Ok(Eligibility {
            eligible: answer.eligible,
            reasons: answer.reasons.iter().map(|r| r.code.clone()).collect(),
            wheelchair_user: answer.needs.is_some_and(|n| n.wheelchair_user),
        })
    }

    /// The dates of episode `id`, asked as the caller.
    pub async fn episode(&self, bearer: &str, id: Uuid) -> Result<EpisodeDates, ApiError> {
        let client = self.client(bearer, "bus transport to rehabilitation")?;
        let e = self
            .settings
            .retrying(|| {
                let mut client = client.clone();
                let request = self
                    .settings
                    .request(GetEpisodeRequest { id: id.to_string() });
                async move { client.get_episode(request).await }
            })
            .await
            .map_err(|s| refusal(s, "episode", id))?
            .into_inner()
            .episode
            .unwrap_or_default();
        let referral = e.referral.unwrap_or_default();
        let parse = |s: &str| {
            Uuid::parse_str(s).map_err(|_| ApiError::Internal("registry answered a bad id".into()))
        };
        Ok(EpisodeDates {
            center_id: parse(&referral.center_id)?,
            person_id: parse(&referral.person_id)?,
            start: e
                .admitted_on
                .as_ref()
                .and_then(to_date)
                .or_else(|| e.arrival_due_date.as_ref().and_then(to_date)),
            end: e.ended_on.as_ref().and_then(to_date),
        })
    }
}

fn refusal(status: tonic::Status, what: &'static str, id: Uuid) -> ApiError {
    match status.code() {
        Code::NotFound => ApiError::NotFound {
            resource: what,
            id: id.to_string(),
        },
        Code::PermissionDenied => ApiError::PermissionDenied(format!(
            "the registry does not let you act for this {what}: {}",
            status.message()
        )),
        Code::Unauthenticated => ApiError::Unauthenticated(status.message().to_string()),
        _ if is_unreachable(&status) => unreachable("registry", "nothing was written"),
        _ => ApiError::Internal(format!(
            "registry answered {:?}: {}",
            status.code(),
            status.message()
        )),
    }
}
