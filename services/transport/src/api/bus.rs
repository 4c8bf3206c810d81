//! CreateBusRoute, ListBusRoutes, SubscribeRider and GetBusManifest. A creating call's first
//! answer (the encoded response) is kept under the caller's request key (`onaltu_db::requests`).

mod decode;

use diesel_async::AsyncConnection as _;
use onaltu_api::{Ctx, date, next_offset_token, now, timestamp};
use onaltu_auth::Claims;
use onaltu_errors::ApiError;
use onaltu_proto::transport as pb;
use prost::Message as _;
use uuid::Uuid;

use self::decode::NewSubscription;
use super::Transport;
use super::duty::{self, day_span};
use super::roles::{PLAN_BUSES, READ_MANIFEST, SUBSCRIBE};
use crate::clients::registry::AskedAs;
use crate::domain::access::{self, RiderCheck};
use crate::domain::bus::{self, EpisodeDates, Rider};
use crate::store::bus::{RouteRow, SubscriptionRow};
use crate::store::requests::Request;
use crate::store::{Conn, bus as store, requests, vehicles};

const CREATE: &str = "CreateBusRoute";
const SUBSCRIBE_RIDER: &str = "SubscribeRider";

fn route_message(row: &RouteRow) -> Result<pb::BusRoute, ApiError> {
    pb::BusRoute::decode(row.body.as_slice())
        .map_err(|e| ApiError::Internal(format!("stored bus route: {e}")))
}

fn route_not_found(id: Uuid) -> ApiError {
    ApiError::NotFound {
        resource: "bus route",
        id: id.to_string(),
    }
}

fn subscription(s: &SubscriptionRow) -> pb::BusSubscription {
    pb::BusSubscription {
        id: s.id.to_string(),
        bus_route_id: s.bus_route_id.to_string(),
        person_id: s.person_id.to_string(),
        boarding_stop_sequence: s.boarding_stop_sequence,
        start_date: Some(date(s.start_date)),
        end_date: Some(date(s.end_date)),
        wheelchair: s.wheelchair,
        escorts: s.escorts,
        episode_id: s.episode_id.map(|e| e.to_string()).unwrap_or_default(),
        status: i32::from(s.status),
        create_time: Some(timestamp(s.create_time)),
    }
}

fn rider(s: &SubscriptionRow) -> Rider {
    Rider {
        start: s.start_date,
        end: s.end_date,
        wheelchair: s.wheelchair,
        escorts: s.escorts,
    }
}

fn manifest_rider(s: &SubscriptionRow) -> pb::ManifestRider {
    pb::ManifestRider {
        subscription_id: s.id.to_string(),
        person_id: s.person_id.to_string(),
        boarding_stop_sequence: s.boarding_stop_sequence,
        wheelchair: s.wheelchair,
        escorts: s.escorts,
    }
}

/// The bus a route names must be a bus.
async fn check_bus(conn: &mut Conn, vehicle: Uuid) -> Result<(), ApiError> {
    let found = vehicles::get(conn, vehicle)
        .await?
        .ok_or_else(|| ApiError::NotFound {
            resource: "vehicle",
            id: vehicle.to_string(),
        })?;
    if found.kind != pb::VehicleKind::Bus as i16 {
        return Err(ApiError::invalid("bus_route.vehicle_id", "is not a bus"));
    }
    Ok(())
}

impl Transport {
    pub(crate) async fn create_bus_route(
        &self,
        ctx: &Ctx,
        req: pb::CreateBusRouteRequest,
    ) -> Result<pb::CreateBusRouteResponse, ApiError> {
        ctx.caller.require(PLAN_BUSES)?;
        let input = decode::new_bus_route(req.clone())?;
        let key = Request::new(&ctx.subject(), CREATE, input.request_id, &req);
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            if let Some(answer) = requests::answered(conn, &key).await? {
                return pb::CreateBusRouteResponse::decode(answer.as_slice())
                    .map_err(|e| ApiError::Internal(format!("stored answer: {e}")));
            }
            if let Some(vehicle) = input.vehicle {
                check_bus(conn, vehicle).await?;
            }
            let (id, at) = (Uuid::now_v7(), now());
            let mut r = input.route.clone();
            r.id = id.to_string();
            r.code = r.code.trim().to_string();
            r.create_time = Some(timestamp(at));
            let row = RouteRow {
                id,
                code: r.code.clone(),
                center_id: input.center,
                vehicle_id: input.vehicle,
                seat_capacity: r.seat_capacity,
                wheelchair_capacity: r.wheelchair_capacity,
                body: r.encode_to_vec(),
                create_time: at,
            };
            store::insert_route(conn, &row)
                .await
                .map_err(|e| match ApiError::from(e) {
                    ApiError::AlreadyExists { .. } => ApiError::AlreadyExists {
                        resource: "bus route",
                        message: format!("route code {} is taken", row.code),
                    },
                    other => other,
                })?;
            let answer = pb::CreateBusRouteResponse { bus_route: Some(r) };
            requests::remember(conn, &key, answer.encode_to_vec()).await?;
            Ok(answer)
        })
        .await
    }

    pub(crate) async fn list_bus_routes(
        &self,
        ctx: &Ctx,
        req: pb::ListBusRoutesRequest,
    ) -> Result<pb::ListBusRoutesResponse, ApiError> {
        ctx.caller.authenticated()?;
        let q = decode::bus_route_query(&req)?;
        let mut conn = self.conn().await?;
        let rows = store::routes(&mut conn, q.center, q.offset, q.size).await?;
        Ok(pb::ListBusRoutesResponse {
            next_page_token: next_offset_token(q.offset, q.size, rows.len()),
            bus_routes: rows.iter().map(route_message).collect::<Result<_, _>>()?,
        })
    }

    /// SubscribeRider's first answer is given again to the same caller repeating the same
    /// request, once they are let through again: a replay is authorised like a first call.
    pub(crate) async fn subscribe_rider(
        &self,
        ctx: &Ctx,
        req: pb::SubscribeRiderRequest,
    ) -> Result<pb::SubscribeRiderResponse, ApiError> {
        let claims = ctx.caller.require(SUBSCRIBE)?;
        let input = decode::new_subscription(req.clone())?;
        let key = Request::new(&ctx.subject(), SUBSCRIBE_RIDER, input.request_id, &req);
        let id = Uuid::now_v7();
        // The registry is asked with no connection held.
        let course = self.checked_rider(ctx, claims, &input).await?;
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            // Holds the key until the transaction ends: an identical call waits here, then finds
            // this one's answer.
            if let Some(answer) = requests::answered(conn, &key).await? {
                return pb::SubscribeRiderResponse::decode(answer.as_slice())
                    .map_err(|e| ApiError::Internal(format!("stored answer: {e}")));
            }
            let sub = subscribe(conn, claims, id, &input, course.as_ref()).await?;
            let answer = pb::SubscribeRiderResponse {
                subscription: Some(subscription(&sub)),
            };
            requests::remember(conn, &key, answer.encode_to_vec()).await?;
            Ok(answer)
        })
        .await
    }

    /// Checks that `c` may put the rider of `s` on its route: a centre's staff only on a route
    /// to their own centre, and (for the roles the rules name) only a rider the registry, asked
    /// with the caller's token, shows with a live episode at the route's centre. Answers the
    /// course's dates from the registry episode, when one is named and `c` may name one
    /// ([`access::may_name_episode`]), read with the caller's token.
    async fn checked_rider(
        &self,
        ctx: &Ctx,
        c: &Claims,
        s: &NewSubscription,
    ) -> Result<Option<EpisodeDates>, ApiError> {
        let center = {
            let mut conn = self.conn().await?;
            store::route(&mut conn, s.route, false)
                .await?
                .ok_or_else(|| route_not_found(s.route))?
                .center_id
        };
        access::may_subscribe_to(c, center)?;
        let person = s.asked.person;
        if access::rider_check(c) == RiderCheck::LiveEpisodeAsCaller {
            let live: Vec<i32> = bus::LIVE_EPISODE_STATES.iter().map(|s| *s as i32).collect();
            let episodes = self
                .registry
                .episodes_at(ctx.bearer()?, person, center, &live)
                .await?;
            if !bus::has_live_episode(&episodes, person, center) {
                return Err(ApiError::PermissionDenied(
                    "the rider has no live episode at this route's centre".into(),
                ));
            }
        }
        let Some(episode) = s.episode else {
            return Ok(None);
        };
        access::may_name_episode(c)?;
        let dates = self
            .registry
            .episode(AskedAs::Caller(ctx.bearer()?), episode)
            .await?;
        Ok(Some(dates))
    }

    pub(crate) async fn get_bus_manifest(
        &self,
        ctx: &Ctx,
        req: pb::GetBusManifestRequest,
    ) -> Result<pb::GetBusManifestResponse, ApiError> {
        let claims = ctx.caller.require(READ_MANIFEST)?;
        let q = decode::manifest_query(&req, onaltu_api::today())?;
        let mut conn = self.conn().await?;
        let row = store::route(&mut conn, q.route, false)
            .await?
            .ok_or_else(|| route_not_found(q.route))?;
        let day = day_span(q.day);
        let worked = duty::worked(&mut conn, claims, day).await?;
        access::may_read_manifest(claims, row.center_id, row.vehicle_id, day, &worked)?;
        let r = route_message(&row)?;
        let operates = bus::runs_on(&r.timetable.unwrap_or_default(), q.day);
        let riders = if operates {
            store::subscriptions(&mut conn, q.route, q.day, q.day).await?
        } else {
            Vec::new()
        };
        let (seats, chairs) = bus::load(&riders.iter().map(rider).collect::<Vec<_>>());
        Ok(pb::GetBusManifestResponse {
            manifest: Some(pb::BusManifest {
                bus_route_id: q.route.to_string(),
                service_date: Some(date(q.day)),
                operates,
                vehicle_id: row.vehicle_id.map(|v| v.to_string()).unwrap_or_default(),
                riders: riders.iter().map(manifest_rider).collect(),
                seats_used: seats,
                wheelchair_places_used: chairs,
                seat_capacity: row.seat_capacity,
                wheelchair_capacity: row.wheelchair_capacity,
            }),
        })
    }
}

/// Subscribes the rider of `s` to its route (locked) as subscription `id`, once its days are
/// settled and the bus has places on each of them.
async fn subscribe(
    conn: &mut Conn,
    claims: &Claims,
    id: Uuid,
    s: &NewSubscription,
    course: Option<&EpisodeDates>,
) -> Result<SubscriptionRow, ApiError> {
    let row = store::route(conn, s.route, true)
        .await?
        .ok_or_else(|| route_not_found(s.route))?;
    access::may_subscribe_to(claims, row.center_id)?;
    let r = route_message(&row)?;
    let (start, end) = bus::subscription_span(&s.asked, course, row.center_id, r.stops.len())?;
    let others = store::subscriptions(conn, s.route, start, end).await?;
    if let Some(same) = others.iter().find(|o| o.person_id == s.asked.person) {
        return Err(ApiError::AlreadyExists {
            resource: "bus subscription",
            message: format!(
                "the person already rides this route from {} to {} (subscription {})",
                same.start_date, same.end_date, same.id
            ),
        });
    }
    let riders: Vec<Rider> = others.iter().map(rider).collect();
    let days = bus::days_taken(&r.timetable.unwrap_or_default(), (start, end), &riders);
    bus::check_capacity(
        &s.route.to_string(),
        &days,
        bus::places(s.wheelchair, s.escorts),
        (row.seat_capacity, row.wheelchair_capacity),
    )?;
    let sub = SubscriptionRow {
        id,
        bus_route_id: s.route,
        person_id: s.asked.person,
        boarding_stop_sequence: s.asked.boarding_stop,
        start_date: start,
        end_date: end,
        wheelchair: s.wheelchair,
        escorts: s.escorts,
        episode_id: s.episode,
        status: pb::SubscriptionStatus::Active as i16,
        create_time: now(),
    };
    store::insert_subscription(conn, &sub).await?;
    Ok(sub)
}
