//! The registry, asked in the rating service's own name (an INTEGRATION token): the centres, and
//! each centre's registry-derived indicators for a period. No personal data crosses.

use onaltu_api::Period;
use onaltu_auth::AuthSettings;
use onaltu_client::{ClientSettings, Registry, is_unreachable, unreachable};
use onaltu_errors::ApiError;
use onaltu_proto::common::LocalizedText;
use onaltu_proto::registry::{GetCenterIndicatorsRequest, GetCenterRequest, ListCentersRequest};
use tonic::Code;
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

/// The rating service's subject when it calls in its own name.
pub const SERVICE_SUBJECT: &str = "service:rating";

/// What the rating service asks the registry, in its own name.
#[derive(Clone)]
pub struct RegistryClient {
    registry: Registry,
}

impl RegistryClient {
    /// A client that connects on first use, calling as `service:rating` with `settings.token`,
    /// or in development (no token configured) with an INTEGRATION token it signs with `[auth]
    /// hs256_secret` and renews. Production requires the token (`settings::Settings`' rules), so
    /// the service never signs its own there.
    pub fn new(settings: &ClientSettings, auth: &AuthSettings) -> Result<Self, String> {
        Ok(Self {
            registry: Registry::in_own_name(settings, auth, SERVICE_SUBJECT)?,
        })
    }

    /// Every centre, in the registry's order.
    pub async fn centers(&self) -> Result<Vec<CenterFacts>, ApiError> {
        let stub = self.registry.as_service()?;
        let mut out = Vec::new();
        let mut page_token = String::new();
        loop {
            let request = ListCentersRequest {
                page_size: 500,
                page_token: page_token.clone(),
                ..Default::default()
            };
            let page = self
                .registry
                .call(
                    &stub,
                    request,
                    |mut c, r| async move { c.list_centers(r).await },
                )
                .await
                .map_err(|s| refusal(s, "centres"))?;
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
        let stub = self.registry.as_service()?;
        let request = GetCenterRequest { id: id.to_string() };
        let answer = self
            .registry
            .call(
                &stub,
                request,
                |mut c, r| async move { c.get_center(r).await },
            )
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
        let stub = self.registry.as_service()?;
        let request = GetCenterIndicatorsRequest {
            center_id: id.to_string(),
            period: Some(period.encode()),
        };
        let answer = self
            .registry
            .call(&stub, request, |mut c, r| async move {
                c.get_center_indicators(r).await
            })
            .await;
        let i = match answer {
            Ok(a) => a.indicators.unwrap_or_default(),
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
        "registry refused the {what} read: {:?}: {}{}",
        status.code(),
        status.message(),
        onaltu_client::causes(&status)
    ))
}
