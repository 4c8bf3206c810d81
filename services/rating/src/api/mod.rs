//! The gRPC handlers of `onaltu.rating.v1.RatingService`: decode, authorise, call the domain and
//! the store, map errors to `Status` in one place (`onaltu_errors`).

pub mod compute;
pub mod convert;
pub mod decode;
pub mod indicators;
pub mod ratings;
pub mod violations;
pub mod watch;

use std::pin::Pin;
use std::sync::Arc;

use onaltu_api::{Ctx, reply};
use onaltu_auth::Role;
use onaltu_cache::Cache;
use onaltu_db::{Connection, Pool};
use onaltu_errors::ApiError;
use onaltu_proto::rating as pb;
use onaltu_proto::rating::rating_service_server::RatingService;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use crate::clients::registry::RegistryClient;
use crate::domain::methodology::Methodology;
use watch::EventHub;

/// Roles that record inspection values and violations and compute ratings.
pub const OFFICIALS: &[Role] = &[Role::CityOperator, Role::Admin];
/// Roles that record indicator values: a centre's staff its own SELF_REPORTED ones, the
/// officials INSPECTION ones.
pub const RECORDERS: &[Role] = &[Role::CenterStaff, Role::CityOperator, Role::Admin];
/// Roles that may subscribe to rating events.
pub const SUBSCRIBERS: &[Role] = &[
    Role::Integration,
    Role::CityOperator,
    Role::Auditor,
    Role::Admin,
];

/// The rating service's handlers and what they share.
#[derive(Clone)]
pub struct Rating {
    pub(crate) pool: Pool,
    pub(crate) cache: Cache,
    pub(crate) registry: RegistryClient,
    pub(crate) methodology: Arc<Methodology>,
    pub(crate) hub: EventHub,
    pub(crate) registry_concurrency: usize,
}

impl Rating {
    /// Handlers over `pool` and `cache`, rating with `methodology`, reading centres and their
    /// indicators from `registry` with `registry_concurrency` calls in flight.
    pub fn new(
        pool: Pool,
        cache: Cache,
        registry: RegistryClient,
        methodology: Methodology,
        hub: EventHub,
        registry_concurrency: usize,
    ) -> Self {
        Self {
            pool,
            cache,
            registry,
            methodology: Arc::new(methodology),
            hub,
            registry_concurrency,
        }
    }

    pub(crate) async fn conn(&self) -> Result<Connection, ApiError> {
        onaltu_db::connection(&self.pool).await
    }
}

/// The stream WatchRatings answers with.
pub type EventStream = Pin<Box<dyn Stream<Item = Result<pb::WatchRatingsResponse, Status>> + Send>>;

#[tonic::async_trait]
impl RatingService for Rating {
    async fn list_indicator_definitions(
        &self,
        r: Request<pb::ListIndicatorDefinitionsRequest>,
    ) -> Result<Response<pb::ListIndicatorDefinitionsResponse>, Status> {
        reply(self.list_indicator_definitions(r.into_inner()).await)
    }
    async fn record_indicators(
        &self,
        r: Request<pb::RecordIndicatorsRequest>,
    ) -> Result<Response<pb::RecordIndicatorsResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.record_indicators(&ctx, r.into_inner()).await)
    }
    async fn record_violation(
        &self,
        r: Request<pb::RecordViolationRequest>,
    ) -> Result<Response<pb::RecordViolationResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.record_violation(&ctx, r.into_inner()).await)
    }
    async fn resolve_violation(
        &self,
        r: Request<pb::ResolveViolationRequest>,
    ) -> Result<Response<pb::ResolveViolationResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.resolve_violation(&ctx, r.into_inner()).await)
    }
    async fn compute_ratings(
        &self,
        r: Request<pb::ComputeRatingsRequest>,
    ) -> Result<Response<pb::ComputeRatingsResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.compute_ratings(&ctx, r.into_inner()).await)
    }
    async fn get_center_rating(
        &self,
        r: Request<pb::GetCenterRatingRequest>,
    ) -> Result<Response<pb::GetCenterRatingResponse>, Status> {
        reply(self.get_center_rating(r.into_inner()).await)
    }
    async fn list_ratings(
        &self,
        r: Request<pb::ListRatingsRequest>,
    ) -> Result<Response<pb::ListRatingsResponse>, Status> {
        reply(self.list_ratings(r.into_inner()).await)
    }
    async fn get_rating_history(
        &self,
        r: Request<pb::GetRatingHistoryRequest>,
    ) -> Result<Response<pb::GetRatingHistoryResponse>, Status> {
        reply(self.get_rating_history(r.into_inner()).await)
    }
    async fn get_methodology(
        &self,
        r: Request<pb::GetMethodologyRequest>,
    ) -> Result<Response<pb::GetMethodologyResponse>, Status> {
        reply(self.get_methodology(r.into_inner()).await)
    }

    type WatchRatingsStream = EventStream;

    async fn watch_ratings(
        &self,
        r: Request<pb::WatchRatingsRequest>,
    ) -> Result<Response<Self::WatchRatingsStream>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.watch_ratings(&ctx, r.into_inner()).await)
    }
}
