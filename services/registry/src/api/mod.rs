//! The gRPC handlers of `onaltu.registry.v1.RegistryService`: decode, authorise, call the
//! domain and the store, map errors to `Status` in one place (`onaltu_errors`).

pub mod access;
pub mod assessments;
pub mod audit_trail;
pub mod centers;
pub mod convert;
pub mod eligibility_facts;
pub mod episodes;
pub mod households;
pub mod idempotent;
pub mod import;
pub mod journal;
pub mod person_search;
pub mod persons;
pub mod queue;
pub mod reporting;

use std::collections::HashSet;
use std::sync::Arc;

use onaltu_auth::Role;
use onaltu_cache::Cache;
use onaltu_db::{Connection, Pool};
use onaltu_errors::ApiError;
use onaltu_proto::registry as pb;
use onaltu_proto::registry::registry_service_server::RegistryService;
use tonic::{Request, Response, Status, Streaming};

use onaltu_api::{Ctx, reply};

use crate::domain::import::ImportBounds;
use crate::settings::{AccessSettings, Settings};
use crate::workers::audit::AuditLog;

/// Roles that read every record (AUDITOR's reads are audited like everyone's).
pub const READ_ALL: &[Role] = &[Role::CityOperator, Role::Auditor, Role::Admin];
/// Roles that change persons' records and centres.
pub const WRITERS: &[Role] = &[Role::CityOperator, Role::Admin];

/// The registry's handlers and what they share.
#[derive(Clone)]
pub struct Registry {
    pub(crate) pool: Pool,
    pub(crate) cache: Cache,
    pub(crate) audit: AuditLog,
    pub(crate) regions: Arc<HashSet<String>>,
    /// Who reaches what beyond their role (`[access]`).
    pub(crate) access: Arc<AccessSettings>,
    /// What one import call takes and answers (`[import]`, `[server] max_message_bytes`).
    pub(crate) import: ImportBounds,
}

impl Registry {
    /// Handlers over `pool` and `cache`, with the region codes of the reference table, as
    /// `settings` configure them. The audit trail writes through its own `audit_pool`, so
    /// handlers holding every connection of `pool` while they wait for their audit events
    /// cannot starve it.
    pub fn new(
        pool: Pool,
        audit_pool: Pool,
        cache: Cache,
        regions: HashSet<String>,
        settings: &Settings,
    ) -> Self {
        Self {
            audit: AuditLog::start(audit_pool),
            pool,
            cache,
            regions: Arc::new(regions),
            access: Arc::new(settings.access.clone()),
            import: ImportBounds::new(
                settings.import.max_rows,
                settings.import.max_listed_rejections as usize,
                settings.server.max_message_bytes,
            ),
        }
    }

    pub(crate) async fn conn(&self) -> Result<Connection, ApiError> {
        onaltu_db::connection(&self.pool).await
    }
}

#[tonic::async_trait]
impl RegistryService for Registry {
    async fn create_person(
        &self,
        r: Request<pb::CreatePersonRequest>,
    ) -> Result<Response<pb::CreatePersonResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.create_person(&ctx, r.into_inner()).await)
    }
    async fn get_person(
        &self,
        r: Request<pb::GetPersonRequest>,
    ) -> Result<Response<pb::GetPersonResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.get_person(&ctx, r.into_inner()).await)
    }
    async fn find_person_by_iin(
        &self,
        r: Request<pb::FindPersonByIinRequest>,
    ) -> Result<Response<pb::FindPersonByIinResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.find_person_by_iin(&ctx, r.into_inner()).await)
    }
    async fn update_person(
        &self,
        r: Request<pb::UpdatePersonRequest>,
    ) -> Result<Response<pb::UpdatePersonResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.update_person(&ctx, r.into_inner()).await)
    }
    async fn list_persons(
        &self,
        r: Request<pb::ListPersonsRequest>,
    ) -> Result<Response<pb::ListPersonsResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.list_persons(&ctx, r.into_inner()).await)
    }
    async fn import_persons(
        &self,
        r: Request<Streaming<pb::ImportPersonsRequest>>,
    ) -> Result<Response<pb::ImportPersonsResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.import_persons(&ctx, r.into_inner()).await)
    }
    async fn record_assessment(
        &self,
        r: Request<pb::RecordAssessmentRequest>,
    ) -> Result<Response<pb::RecordAssessmentResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.record_assessment(&ctx, r.into_inner()).await)
    }
    async fn list_assessments(
        &self,
        r: Request<pb::ListAssessmentsRequest>,
    ) -> Result<Response<pb::ListAssessmentsResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.list_assessments(&ctx, r.into_inner()).await)
    }
    async fn upsert_household(
        &self,
        r: Request<pb::UpsertHouseholdRequest>,
    ) -> Result<Response<pb::UpsertHouseholdResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.upsert_household(&ctx, r.into_inner()).await)
    }
    async fn get_household(
        &self,
        r: Request<pb::GetHouseholdRequest>,
    ) -> Result<Response<pb::GetHouseholdResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.get_household(&ctx, r.into_inner()).await)
    }
    async fn set_education_status(
        &self,
        r: Request<pb::SetEducationStatusRequest>,
    ) -> Result<Response<pb::SetEducationStatusResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.set_education_status(&ctx, r.into_inner()).await)
    }
    async fn create_center(
        &self,
        r: Request<pb::CreateCenterRequest>,
    ) -> Result<Response<pb::CreateCenterResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.create_center(&ctx, r.into_inner()).await)
    }
    async fn get_center(
        &self,
        r: Request<pb::GetCenterRequest>,
    ) -> Result<Response<pb::GetCenterResponse>, Status> {
        reply(self.get_center(r.into_inner()).await)
    }
    async fn update_center(
        &self,
        r: Request<pb::UpdateCenterRequest>,
    ) -> Result<Response<pb::UpdateCenterResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.update_center(&ctx, r.into_inner()).await)
    }
    async fn list_centers(
        &self,
        r: Request<pb::ListCentersRequest>,
    ) -> Result<Response<pb::ListCentersResponse>, Status> {
        reply(self.list_centers(r.into_inner()).await)
    }
    async fn import_centers(
        &self,
        r: Request<Streaming<pb::ImportCentersRequest>>,
    ) -> Result<Response<pb::ImportCentersResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.import_centers(&ctx, r.into_inner()).await)
    }
    async fn enqueue_referral(
        &self,
        r: Request<pb::EnqueueReferralRequest>,
    ) -> Result<Response<pb::EnqueueReferralResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.enqueue_referral(&ctx, r.into_inner()).await)
    }
    async fn get_queue_position(
        &self,
        r: Request<pb::GetQueuePositionRequest>,
    ) -> Result<Response<pb::GetQueuePositionResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.get_queue_position(&ctx, r.into_inner()).await)
    }
    async fn list_queue(
        &self,
        r: Request<pb::ListQueueRequest>,
    ) -> Result<Response<pb::ListQueueResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.list_queue(&ctx, r.into_inner()).await)
    }
    async fn offer_place(
        &self,
        r: Request<pb::OfferPlaceRequest>,
    ) -> Result<Response<pb::OfferPlaceResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.offer_place(&ctx, r.into_inner()).await)
    }
    async fn postpone_arrival(
        &self,
        r: Request<pb::PostponeArrivalRequest>,
    ) -> Result<Response<pb::PostponeArrivalResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.postpone_arrival(&ctx, r.into_inner()).await)
    }
    async fn admit_person(
        &self,
        r: Request<pb::AdmitPersonRequest>,
    ) -> Result<Response<pb::AdmitPersonResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.admit_person(&ctx, r.into_inner()).await)
    }
    async fn record_episode_event(
        &self,
        r: Request<pb::RecordEpisodeEventRequest>,
    ) -> Result<Response<pb::RecordEpisodeEventResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.record_episode_event(&ctx, r.into_inner()).await)
    }
    async fn get_episode(
        &self,
        r: Request<pb::GetEpisodeRequest>,
    ) -> Result<Response<pb::GetEpisodeResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.get_episode(&ctx, r.into_inner()).await)
    }
    async fn list_episodes(
        &self,
        r: Request<pb::ListEpisodesRequest>,
    ) -> Result<Response<pb::ListEpisodesResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.list_episodes(&ctx, r.into_inner()).await)
    }
    async fn check_transport_eligibility(
        &self,
        r: Request<pb::CheckTransportEligibilityRequest>,
    ) -> Result<Response<pb::CheckTransportEligibilityResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.check_transport_eligibility(&ctx, r.into_inner()).await)
    }
    async fn get_center_indicators(
        &self,
        r: Request<pb::GetCenterIndicatorsRequest>,
    ) -> Result<Response<pb::GetCenterIndicatorsResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.get_center_indicators(&ctx, r.into_inner()).await)
    }
    async fn get_statistics(
        &self,
        r: Request<pb::GetStatisticsRequest>,
    ) -> Result<Response<pb::GetStatisticsResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.get_statistics(&ctx, r.into_inner()).await)
    }
    async fn list_audit_events(
        &self,
        r: Request<pb::ListAuditEventsRequest>,
    ) -> Result<Response<pb::ListAuditEventsResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.list_audit_events(&ctx, r.into_inner()).await)
    }

    type StreamEligibilityFactsStream = eligibility_facts::FactStream;

    async fn stream_eligibility_facts(
        &self,
        r: Request<pb::StreamEligibilityFactsRequest>,
    ) -> Result<Response<Self::StreamEligibilityFactsStream>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.stream_eligibility_facts(&ctx, r.into_inner()).await)
    }
}

/// Roles that read a centre's derived figures: those who read every record, and the rating.
pub const REPORT_READERS: &[Role] = &[
    Role::CityOperator,
    Role::Auditor,
    Role::Admin,
    Role::Integration,
];
