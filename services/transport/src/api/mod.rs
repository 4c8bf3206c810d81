//! The gRPC handlers of `onaltu.transport.v1.TransportService`: decode, authorise, call the
//! domain and the store, map errors to `Status` in one place (`onaltu_errors`).

pub mod bus;
pub mod convert;
pub mod duty;
pub mod fleet;
pub mod metrics;
pub mod planning;
pub mod roles;
pub mod trips;
pub mod watch;

use std::pin::Pin;

use onaltu_api::{Ctx, reply};
use onaltu_db::{Connection, Pool};
use onaltu_errors::ApiError;
use onaltu_proto::transport as pb;
use onaltu_proto::transport::transport_service_server::TransportService;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use crate::clients::registry::RegistryClient;
use crate::domain::travel::TravelModel;
use crate::domain::trip::BookingRules;
use crate::events::dispatch::DispatchWatch;
use crate::settings::PlanningSettings;

pub use self::roles::WATCHERS;

/// The transport service's handlers and what they share.
#[derive(Clone)]
pub struct Transport {
    pub(crate) pool: Pool,
    pub(crate) registry: RegistryClient,
    pub(crate) rules: BookingRules,
    pub(crate) travel: TravelModel,
    pub(crate) planning: PlanningSettings,
    pub(crate) watch: DispatchWatch,
}

impl Transport {
    /// Handlers over `pool`, asking `registry`, booking by `rules`, timing legs by `travel`,
    /// streaming the dispatch through `watch`.
    pub fn new(
        pool: Pool,
        registry: RegistryClient,
        rules: BookingRules,
        travel: TravelModel,
        planning: PlanningSettings,
        watch: DispatchWatch,
    ) -> Self {
        Self {
            pool,
            registry,
            rules,
            travel,
            planning,
            watch,
        }
    }

    pub(crate) async fn conn(&self) -> Result<Connection, ApiError> {
        onaltu_db::connection(&self.pool).await
    }
}

/// The stream WatchDispatch answers with.
pub type DispatchStream =
    Pin<Box<dyn Stream<Item = Result<pb::WatchDispatchResponse, Status>> + Send>>;

#[tonic::async_trait]
impl TransportService for Transport {
    async fn create_vehicle(
        &self,
        r: Request<pb::CreateVehicleRequest>,
    ) -> Result<Response<pb::CreateVehicleResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.create_vehicle(&ctx, r.into_inner()).await)
    }
    async fn list_vehicles(
        &self,
        r: Request<pb::ListVehiclesRequest>,
    ) -> Result<Response<pb::ListVehiclesResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.list_vehicles(&ctx, r.into_inner()).await)
    }
    async fn create_shift(
        &self,
        r: Request<pb::CreateShiftRequest>,
    ) -> Result<Response<pb::CreateShiftResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.create_shift(&ctx, r.into_inner()).await)
    }
    async fn list_shifts(
        &self,
        r: Request<pb::ListShiftsRequest>,
    ) -> Result<Response<pb::ListShiftsResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.list_shifts(&ctx, r.into_inner()).await)
    }
    async fn request_trip(
        &self,
        r: Request<pb::RequestTripRequest>,
    ) -> Result<Response<pb::RequestTripResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.request_trip(&ctx, r.into_inner()).await)
    }
    async fn cancel_trip(
        &self,
        r: Request<pb::CancelTripRequest>,
    ) -> Result<Response<pb::CancelTripResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.cancel_trip(&ctx, r.into_inner()).await)
    }
    async fn get_trip(
        &self,
        r: Request<pb::GetTripRequest>,
    ) -> Result<Response<pb::GetTripResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.get_trip(&ctx, r.into_inner()).await)
    }
    async fn list_trips(
        &self,
        r: Request<pb::ListTripsRequest>,
    ) -> Result<Response<pb::ListTripsResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.list_trips(&ctx, r.into_inner()).await)
    }
    async fn plan_day(
        &self,
        r: Request<pb::PlanDayRequest>,
    ) -> Result<Response<pb::PlanDayResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.plan_day(&ctx, r.into_inner()).await)
    }
    async fn get_route(
        &self,
        r: Request<pb::GetRouteRequest>,
    ) -> Result<Response<pb::GetRouteResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.get_route(&ctx, r.into_inner()).await)
    }
    async fn assign_trip(
        &self,
        r: Request<pb::AssignTripRequest>,
    ) -> Result<Response<pb::AssignTripResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.assign_trip(&ctx, r.into_inner()).await)
    }
    async fn update_trip_status(
        &self,
        r: Request<pb::UpdateTripStatusRequest>,
    ) -> Result<Response<pb::UpdateTripStatusResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.update_trip_status(&ctx, r.into_inner()).await)
    }
    async fn create_bus_route(
        &self,
        r: Request<pb::CreateBusRouteRequest>,
    ) -> Result<Response<pb::CreateBusRouteResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.create_bus_route(&ctx, r.into_inner()).await)
    }
    async fn list_bus_routes(
        &self,
        r: Request<pb::ListBusRoutesRequest>,
    ) -> Result<Response<pb::ListBusRoutesResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.list_bus_routes(&ctx, r.into_inner()).await)
    }
    async fn subscribe_rider(
        &self,
        r: Request<pb::SubscribeRiderRequest>,
    ) -> Result<Response<pb::SubscribeRiderResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.subscribe_rider(&ctx, r.into_inner()).await)
    }
    async fn get_bus_manifest(
        &self,
        r: Request<pb::GetBusManifestRequest>,
    ) -> Result<Response<pb::GetBusManifestResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.get_bus_manifest(&ctx, r.into_inner()).await)
    }
    async fn get_service_metrics(
        &self,
        r: Request<pb::GetServiceMetricsRequest>,
    ) -> Result<Response<pb::GetServiceMetricsResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.get_service_metrics(&ctx, r.into_inner()).await)
    }

    type WatchDispatchStream = DispatchStream;

    async fn watch_dispatch(
        &self,
        r: Request<pb::WatchDispatchRequest>,
    ) -> Result<Response<Self::WatchDispatchStream>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.watch_dispatch(&ctx, r.into_inner()).await)
    }
}
