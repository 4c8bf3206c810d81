//! The registry, asked either with the caller's own token (the registry decides, and audits, who
//! may read a person: a citizen booking for themselves, a centre's staff subscribing a rider) or
//! in the transport service's own name for a named purpose (the dispatch booking a trip or
//! subscribing a rider, which the registry audits with the trip or subscription and the
//! dispatcher's subject): transport eligibility, the episode a bus subscription follows, and a
//! rider's live episodes at a centre.

use chrono::NaiveDate;
use onaltu_api::{Ctx, date, to_date};
use onaltu_auth::AuthSettings;
use onaltu_client::{ClientSettings, Registry, RegistryStub, refusal};
use onaltu_errors::ApiError;
use onaltu_proto::registry::{
    CheckTransportEligibilityRequest, GetEpisodeRequest, ListEpisodesRequest,
};
use uuid::Uuid;

use crate::domain::access::Asker;
pub use crate::domain::bus::{EpisodeDates, EpisodeFact};
pub use crate::domain::trip::Eligibility;

/// The transport service's subject when it calls in its own name.
pub const SERVICE_SUBJECT: &str = "service:transport";

/// What is not done when the registry cannot be reached.
const NOTHING_WRITTEN: &str = "nothing was written";

/// A client of the registry.
#[derive(Clone)]
pub struct RegistryClient {
    registry: Registry,
}

/// Whose name a call is made in.
pub enum AskedAs<'a> {
    /// The caller's own bearer token.
    Caller(&'a str),
    /// The transport service's own token, for this purpose.
    Service(&'a str),
}

impl<'a> AskedAs<'a> {
    /// The name the access rules' `asker` calls for: the caller's, with the bearer token of
    /// `ctx`, or the service's own for the purpose named.
    pub fn of(asker: &'a Asker, ctx: &'a Ctx) -> Result<Self, ApiError> {
        match asker {
            Asker::Caller => Ok(Self::Caller(ctx.bearer()?)),
            Asker::Service { purpose } => Ok(Self::Service(purpose)),
        }
    }
}

impl RegistryClient {
    /// A client that connects on first use. Calls in the service's own name carry
    /// `settings.token`, or in development (no token configured) an INTEGRATION token for
    /// `service:transport` it signs with `[auth] hs256_secret` and renews. Production requires
    /// the token (`settings::Settings`' rules), so the service never signs its own there.
    pub fn new(settings: &ClientSettings, auth: &AuthSettings) -> Result<Self, String> {
        Ok(Self {
            registry: Registry::in_own_name(settings, auth, SERVICE_SUBJECT)?,
        })
    }

    fn stub(
        &self,
        who: &AskedAs<'_>,
        caller_purpose: &'static str,
    ) -> Result<RegistryStub, ApiError> {
        match who {
            AskedAs::Caller(bearer) => self.registry.as_caller(bearer, caller_purpose),
            AskedAs::Service(purpose) => self.registry.as_service_for(purpose),
        }
    }

    /// Whether `person` may ride the invataxi on `on`, asked as `who`.
    pub async fn eligibility(
        &self,
        who: AskedAs<'_>,
        person: Uuid,
        on: NaiveDate,
    ) -> Result<Eligibility, ApiError> {
        let stub = self.stub(&who, "invataxi booking")?;
        let request = CheckTransportEligibilityRequest {
            person_id: person.to_string(),
            travel_date: Some(date(on)),
        };
        let answer = self
            .registry
            .call(&stub, request, |mut c, r| async move {
                c.check_transport_eligibility(r).await
            })
            .await
            .map_err(|s| refusal(&s, "person", &person.to_string(), NOTHING_WRITTEN))?;
        Ok(Eligibility {
            eligible: answer.eligible,
            reasons: answer.reasons.iter().map(|r| r.code.clone()).collect(),
            wheelchair_user: answer.needs.is_some_and(|n| n.wheelchair_user),
        })
    }

    /// The dates of episode `id`, asked as `who`.
    pub async fn episode(&self, who: AskedAs<'_>, id: Uuid) -> Result<EpisodeDates, ApiError> {
        let stub = self.stub(&who, "bus transport to rehabilitation")?;
        let request = GetEpisodeRequest { id: id.to_string() };
        let e = self
            .registry
            .call(
                &stub,
                request,
                |mut c, r| async move { c.get_episode(r).await },
            )
            .await
            .map_err(|s| refusal(&s, "episode", &id.to_string(), NOTHING_WRITTEN))?
            .episode
            .unwrap_or_default();
        let referral = e.referral.unwrap_or_default();
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

    /// `person`'s episodes at `center` in `states` (the registry's `EpisodeState`s), asked as the
    /// caller (the first page: a person has few episodes at one centre).
    pub async fn episodes_at(
        &self,
        bearer: &str,
        person: Uuid,
        center: Uuid,
        states: &[i32],
    ) -> Result<Vec<EpisodeFact>, ApiError> {
        let stub = self
            .registry
            .as_caller(bearer, "bus transport to rehabilitation")?;
        let request = ListEpisodesRequest {
            page_size: 50,
            person_id: person.to_string(),
            center_id: center.to_string(),
            states: states.to_vec(),
            ..Default::default()
        };
        let page = self
            .registry
            .call(&stub, request, |mut c, r| async move {
                c.list_episodes(r).await
            })
            .await
            .map_err(|s| refusal(&s, "person", &person.to_string(), NOTHING_WRITTEN))?;
        page.episodes
            .into_iter()
            .map(|e| {
                let referral = e.referral.unwrap_or_default();
                Ok(EpisodeFact {
                    person: parse(&referral.person_id)?,
                    center: parse(&referral.center_id)?,
                    state: e.state,
                })
            })
            .collect()
    }
}

fn parse(s: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(s).map_err(|_| ApiError::Internal("registry answered a bad id".into()))
}
