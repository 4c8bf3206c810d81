//! The registry, asked in the rating service's own name (an INTEGRATION token): the centres, and
//! each centre's registry-derived indicators for a period. No personal data crosses.

use std::time::Duration;

use onaltu_api::Period;
use onaltu_auth::{Claims, Role};
use onaltu_client::{ClientSettings, is_unreachable, unreachable};
use onaltu_config::{ExposeSecret, SecretString};
use onaltu_errors::ApiError;
use onaltu_proto::common::LocalizedText;
use onaltu_proto::registry::registry_service_client::RegistryServiceClient;
use onaltu_proto::registry::{GetCenterIndicatorsRequest, GetCenterRequest, ListCentersRequest};
use tonic::Code;
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;
use uuid::Uuid;

use crate::domain::indicators::RegistryFacts;

/// A centre as the rating needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct CenterFacts {
    /// Id.
    pub id: Uuid,
    /// Name in Kazakh and Russian.
    pub name: LocalizedText,
    /// Region.
    pub region: String,
    /// Sector.
    pub sector: i32,
    /// Kind.
    pub kind: i32,
}

/// A client of the registry.
#[derive(Clone)]
pub struct RegistryClient {
    channel: Channel,
    settings: ClientSettings,
    authorization: MetadataValue<tonic::metadata::Ascii>,
}

/// How long a development token signed at start-up lasts.
const DEV_TOKEN_TTL: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

impl RegistryClient {
    /// A client that connects on first use, calling with `settings.token`, or in development
    /// (no token configured) with an INTEGRATION token signed by `hs256_secret`.
    pub fn new(
        settings: &ClientSettings,
        hs256_secret: Option<&SecretString>,
    ) -> Result<Self, String> {
        let token = match (&settings.token, hs256_secret) {
            (Some(token), _) => token.expose_secret().to_string(),
            (None, Some(secret)) => onaltu_auth::issue_hs256(
                secret.expose_secret(),
                &Claims::new("service:rating", Role::Integration, DEV_TOKEN_TTL.as_secs()),
            )
            .map_err(|e| format!("registry.token: {e}"))?,
            (None, None) => return Err("registry.token: is required".into()),
        };
        let authorization = format!("Bearer {token}")
            .parse()
            .map_err(|_| "registry.token: is not a valid header value".to_string())?;
        Ok(Self {
            channel: settings.channel("registry")?,
            settings: settings.clone(),
            authorization,
        })
    }

    fn client(
        &self,
    ) -> RegistryServiceClient<
        tonic::service::interceptor::InterceptedService<
            Channel,
            impl tonic::service::Interceptor + Clone,
        >,
    > {
        let authorization = self.authorization.clone();
        RegistryServiceClient::with_interceptor(
            self.channel.clone(),
            move |request: tonic::Request<()>| {
                let mut request = onaltu_client::traced(request)?;
                request
                    .metadata_mut()
                    .insert("authorization", authorization.clone());
                Ok(request)
            },
        )
    }

    /// Every centre, in the registry's order.
    pub async fn centers(&self) -> Result<Vec<CenterFacts>, ApiError> {
        let mut out = Vec::new();
        let mut page_token = String::new();
        loop {
            let request = ListCentersRequest {
                page_size: 500,
                page_token: page_token.clone(),
                ..Default::default()
            };
            let page = self
                .settings
                .retrying(|| {
                    let mut client = self.client();
                    let request = self.settings.request(request.clone());
                    async move { client.list_centers(request).await }
                })
                .await
                .map_err(|s| refusal(s, "centres"))?
                .into_inner();
            for c in page.centers {
                let id = Uuid::parse_str(&c.id)
                    .map_err(|_| ApiError::Internal("registry answered a bad centre id".into()))?;
                out.push(CenterFacts {
                    id,
                    name: c.name.unwrap_or_default(),
                    region: c.region_code,
                    sector: c.sector,
                    kind: c.kind,
                });
            }
            if page.next_page_token.is_empty() {
                return Ok(out);
            }
            page_token = page.next_page_token;
        }
    }

    /// Whether centre `id` exists.
    pub async fn center_exists(&self, id: Uuid) -> Result<bool, ApiError> {
        let answer = self
            .settings
            .retrying(|| {
                let mut client = self.client();
                let request = self
                    .settings
                    .request(GetCenterRequest { id: id.to_string() });
                async move { client.get_center(request).await }
            })
            .await;
        match answer {
            Ok(_) => Ok(true),
            Err(s) if s.code() == Code::NotFound => Ok(false),
            Err(s) => Err(refusal(s, "centre")),
        }
    }

    /// Centre `id`'s registry-derived indicators for `period`; none if the registry does not
    /// know the centre.
    pub async fn indicators(
        &self,
        id: Uuid,
        period: Period,
    ) -> Result<Option<RegistryFacts>, ApiError> {
        let answer = self
            .settings
            .retrying(|| {
                let mut client = self.client();
                let request = self.settings.request(GetCenterIndicatorsRequest {
                    center_id: id.to_string(),
                    period: Some(period.encode()),
                });
                async move { client.get_center_indicators(request).await }
            })
            .await;
        let i = match answer {
            Ok(a) => a.into_inner().indicators.unwrap_or_default(),
            Err(s) if s.code() == Code::NotFound => return Ok(None),
            Err(s) => return Err(refusal(s, "indicators")),
        };
        let d = i.discharges.unwrap_or_default();
        Ok(Some(RegistryFacts {
            admissions: i.admissions,
            planned_admissions: i.planned_admissions,
            discharges: d.total,
            improved: d.improved,
            median_wait_days: i.median_wait_days,
            occupied_bed_days: i.occupied_bed_days,
            available_bed_days: i.available_bed_days,
        }))
    }
}

fn refusal(status: tonic::Status, what: &str) -> ApiError {
    if is_unreachable(&status) {
        return unreachable("registry", "nothing was computed or written");
    }
    ApiError::Internal(format!(
        "registry refused the {what} read: {:?}: {}",
        status.code(),
        status.message()
    ))
}
