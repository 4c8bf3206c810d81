//! The bus calls' requests as typed inputs, every field violation reported at once.

use chrono::NaiveDate;
use onaltu_api::{decode_offset_token, page_size, parse_id, parse_opt_date, parse_opt_id};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::transport as pb;
use uuid::Uuid;

use crate::domain::bus::{self, Asked};

/// Most escorts of one rider.
const MAX_ESCORTS: i32 = 3;

/// A CreateBusRoute, decoded.
#[derive(Debug, Clone)]
pub struct NewBusRoute {
    /// The caller's key for retries.
    pub request_id: Uuid,
    /// The centre the route serves.
    pub center: Uuid,
    /// Its bus, if named.
    pub vehicle: Option<Uuid>,
    /// The route as checked.
    pub route: pb::BusRoute,
}

/// Decodes a CreateBusRoute.
pub fn new_bus_route(r: pb::CreateBusRouteRequest) -> Result<NewBusRoute, ApiError> {
    let mut v = Violations::new();
    let request_id = v.take(parse_id("request_id", &r.request_id));
    let route = r.bus_route.unwrap_or_default();
    let center = v.take(parse_id("bus_route.center_id", &route.center_id));
    let vehicle = parse_opt_id("bus_route.vehicle_id", &route.vehicle_id, &mut v);
    bus::check_route(&route, &mut v);
    v.finish(NewBusRoute {
        request_id,
        center,
        vehicle,
        route,
    })
}

/// A ListBusRoutes, decoded.
#[derive(Debug, Clone, Copy)]
pub struct BusRouteQuery {
    /// Page size.
    pub size: i64,
    /// Offset of the page.
    pub offset: i64,
    /// Only this centre's.
    pub center: Option<Uuid>,
}

/// Decodes a ListBusRoutes.
pub fn bus_route_query(r: &pb::ListBusRoutesRequest) -> Result<BusRouteQuery, ApiError> {
    let mut v = Violations::new();
    let size = v.take(page_size(r.page_size));
    let offset = v.take(decode_offset_token(&r.page_token));
    let center = parse_opt_id("center_id", &r.center_id, &mut v);
    v.finish(BusRouteQuery {
        size,
        offset,
        center,
    })
}

/// A SubscribeRider, decoded.
#[derive(Debug, Clone, Copy)]
pub struct NewSubscription {
    /// The caller's key for retries.
    pub request_id: Uuid,
    /// The route.
    pub route: Uuid,
    /// The registry episode it follows, if any.
    pub episode: Option<Uuid>,
    /// The rider, stop and dates asked for.
    pub asked: Asked,
    /// Travels in a wheelchair.
    pub wheelchair: bool,
    /// Escorts.
    pub escorts: i32,
}

/// Decodes a SubscribeRider.
pub fn new_subscription(r: pb::SubscribeRiderRequest) -> Result<NewSubscription, ApiError> {
    let mut v = Violations::new();
    let request_id = v.take(parse_id("request_id", &r.request_id));
    let s = r.subscription.unwrap_or_default();
    let route = v.take(parse_id("subscription.bus_route_id", &s.bus_route_id));
    let person = v.take(parse_id("subscription.person_id", &s.person_id));
    let episode = parse_opt_id("subscription.episode_id", &s.episode_id, &mut v);
    let start = parse_opt_date("subscription.start_date", s.start_date.as_ref(), &mut v);
    let end = parse_opt_date("subscription.end_date", s.end_date.as_ref(), &mut v);
    v.check(
        episode.is_some() || start.is_some(),
        "subscription.start_date",
        "is required without an episode",
    );
    v.check(
        (0..=MAX_ESCORTS).contains(&s.escorts),
        "subscription.escorts",
        format!("0 to {MAX_ESCORTS} escorts"),
    );
    v.finish(NewSubscription {
        request_id,
        route,
        episode,
        asked: Asked {
            person,
            boarding_stop: s.boarding_stop_sequence,
            start,
            end,
        },
        wheelchair: s.wheelchair,
        escorts: s.escorts,
    })
}

/// A GetBusManifest, decoded.
#[derive(Debug, Clone, Copy)]
pub struct ManifestQuery {
    /// The route.
    pub route: Uuid,
    /// The day, today unless named.
    pub day: NaiveDate,
}

/// Decodes a GetBusManifest; a day not named is `today`.
pub fn manifest_query(
    r: &pb::GetBusManifestRequest,
    today: NaiveDate,
) -> Result<ManifestQuery, ApiError> {
    let mut v = Violations::new();
    let route = v.take(parse_id("bus_route_id", &r.bus_route_id));
    let day = parse_opt_date("service_date", r.service_date.as_ref(), &mut v).unwrap_or(today);
    v.finish(ManifestQuery { route, day })
}
