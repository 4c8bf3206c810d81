//! CreateBusRoute, ListBusRoutes, SubscribeRider and GetBusManifest.

use chrono::Duration;
use diesel_async::AsyncConnection as _;
use onaltu_api::{date, now, page_size, parse_id, parse_opt_date, parse_opt_id, timestamp};
use onaltu_auth::Role;
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::transport as pb;
use prost::Message as _;
use uuid::Uuid;

use super::Transport;
use crate::domain::bus;
use crate::store::bus::{RouteRow, SubscriptionRow};
use crate::store::{bus as store, requests, vehicles};
use onaltu_api::{Ctx, decode_offset_token, next_offset_token};

const CREATE: &str = "CreateBusRoute";
const SUBSCRIBE: &str = "SubscribeRider";
/// A course without an end date in the registry lasts this many days.
const DEFAULT_COURSE_DAYS: i64 = 21;
/// Longest subscription.
const MAX_SUBSCRIPTION_DAYS: i64 = 366;

fn route_message(row: &RouteRow) -> Result<pb::BusRoute, ApiError> {
    pb::BusRoute::decode(row.body.as_slice())
        .map_err(|e| ApiError::Internal(format!("stored bus route: {e}")))
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

impl Transport {
    pub(crate) async fn create_bus_route(
        &self,
        ctx: &Ctx,
        req: pb::CreateBusRouteRequest,
    ) -> Result<pb::CreateBusRouteResponse, ApiError> {
        ctx.caller
            .require(&[Role::Dispatcher, Role::CityOperator, Role::Admin])?;
        let mut v = Violations::new();
        let request_id = parse_id("request_id", &req.request_id).map_err(|e| v.absorb(e));
        let mut r = req.bus_route.unwrap_or_default();
        let center = parse_id("bus_route.center_id", &r.center_id).map_err(|e| v.absorb(e));
        let vehicle = parse_opt_id("bus_route.vehicle_id", &r.vehicle_id, &mut v);
        bus::check_route(&r, &mut v);
        v.into_result()?;
        let (Ok(request_id), Ok(center)) = (request_id, center) else {
            return Err(ApiError::Internal("validated request incomplete".into()));
        };
        let by = ctx.subject();
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            if let Some(answer) = requests::answered(conn, request_id, CREATE, &by).await? {
                return pb::CreateBusRouteResponse::decode(answer.as_slice())
                    .map_err(|e| ApiError::Internal(format!("stored answer: {e}")));
            }
            if let Some(vehicle) = vehicle {
                let found =
                    vehicles::get(conn, vehicle)
                        .await?
                        .ok_or_else(|| ApiError::NotFound {
                            resource: "vehicle",
                            id: vehicle.to_string(),
                        })?;
                if found.kind != pb::VehicleKind::Bus as i16 {
                    return Err(ApiError::invalid("bus_route.vehicle_id", "is not a bus"));
                }
            }
            let id = Uuid::now_v7();
            let at = now();
            r.id = id.to_string();
            r.code = r.code.trim().to_string();
            r.create_time = Some(timestamp(at));
            let row = RouteRow {
                id,
                code: r.code.clone(),
                center_id: center,
                vehicle_id: vehicle,
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
            let answer = pb::CreateBusRouteResponse {
                bus_route: Some(r.clone()),
            };
            requests::remember(conn, request_id, CREATE, &by, answer.encode_to_vec()).await?;
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
        let size = page_size(req.page_size)?;
        let offset = decode_offset_token(&req.page_token)?;
        let mut v = Violations::new();
        let center = parse_opt_id("center_id", &req.center_id, &mut v);
        v.into_result()?;
        let mut conn = self.conn().await?;
        let rows = store::routes(&mut conn, center, offset, size).await?;
        Ok(pb::ListBusRoutesResponse {
            next_page_token: next_offset_token(offset, size, rows.len()),
            bus_routes: rows.iter().map(route_message).collect::<Result<_, _>>()?,
        })
    }

    pub(crate) async fn subscribe_rider(
        &self,
        ctx: &Ctx,
        req: pb::SubscribeRiderRequest,
    ) -> Result<pb::SubscribeRiderResponse, ApiError> {
        let claims = ctx
            .caller
            .require(&[
                Role::Dispatcher,
                Role::CenterStaff,
                Role::CityOperator,
                Role::Admin,
            ])?
            .clone();
        let mut v = Violations::new();
        let request_id = parse_id("request_id", &req.request_id).map_err(|e| v.absorb(e));
        let s = req.subscription.unwrap_or_default();
        let route_id =
            parse_id("subscription.bus_route_id", &s.bus_route_id).map_err(|e| v.absorb(e));
        let person = parse_id("subscription.person_id", &s.person_id).map_err(|e| v.absorb(e));
        let episode = parse_opt_id("subscription.episode_id", &s.episode_id, &mut v);
        let start = parse_opt_date("subscription.start_date", s.start_date.as_ref(), &mut v);
        let end = parse_opt_date("subscription.end_date", s.end_date.as_ref(), &mut v);
        v.check(
            episode.is_some() || start.is_some(),
            "subscription.start_date",
            "is required without an episode",
        );
        v.check(
            (0..=3).contains(&s.escorts),
            "subscription.escorts",
            "0 to 3 escorts",
        );
        v.into_result()?;
        let (Ok(request_id), Ok(route_id), Ok(person)) = (request_id, route_id, person) else {
            return Err(ApiError::Internal("validated request incomplete".into()));
        };
        let by = ctx.subject();
        let bearer = ctx.bearer.clone().unwrap_or_default();
        // The course's dates from the registry episode, when one is named.
        let course = match episode {
            Some(e) => Some(self.registry.episode(&bearer, e).await?),
            None => None,
        };
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            if let Some(answer) = requests::answered(conn, request_id, SUBSCRIBE, &by).await? {
                return pb::SubscribeRiderResponse::decode(answer.as_slice())
                    .map_err(|e| ApiError::Internal(format!("stored answer: {e}")));
            }
            let row =
                store::route(conn, route_id, true)
                    .await?
                    .ok_or_else(|| ApiError::NotFound {
                        resource: "bus route",
                        id: route_id.to_string(),
                    })?;
            if claims.role == Role::CenterStaff && claims.center_id != Some(row.center_id) {
                return Err(ApiError::PermissionDenied(
                    "a centre's staff subscribe riders to routes to their own centre".into(),
                ));
            }
            let r = route_message(&row)?;
            let mut v = Violations::new();
            v.check(
                (0..r.stops.len() as i32).contains(&s.boarding_stop_sequence),
                "subscription.boarding_stop_sequence",
                format!(
                    "a stop of the route, 0 to {}",
                    r.stops.len().saturating_sub(1)
                ),
            );
            if let Some(c) = &course {
                v.check(
                    c.person_id == person,
                    "subscription.episode_id",
                    "is an episode of another person",
                );
                v.check(
                    c.center_id == row.center_id,
                    "subscription.episode_id",
                    "is at another centre than the route's",
                );
            }
            let start = start.or(course.as_ref().and_then(|c| c.start));
            let end = end
                .or(course.as_ref().and_then(|c| c.end))
                .or(start.map(|s| s + Duration::days(DEFAULT_COURSE_DAYS - 1)));
            v.check(
                start.is_some(),
                "subscription.start_date",
                "is required: the episode has no admission yet",
            );
            if let (Some(a), Some(b)) = (start, end) {
                v.check(
                    b >= a,
                    "subscription.end_date",
                    "must not be before the start",
                );
                v.check(
                    (b - a).num_days() < MAX_SUBSCRIPTION_DAYS,
                    "subscription.end_date",
                    "a subscription lasts at most a year",
                );
            }
            v.into_result()?;
            let (Some(start), Some(end)) = (start, end) else {
                return Err(ApiError::Internal("validated dates incomplete".into()));
            };
            let timetable = r.timetable.clone().unwrap_or_default();
            let others = store::subscriptions(conn, route_id, start, end).await?;
            if let Some(same) = others.iter().find(|o| o.person_id == person) {
                return Err(ApiError::AlreadyExists {
                    resource: "bus subscription",
                    message: format!(
                        "the person already rides this route from {} to {} (subscription {})",
                        same.start_date, same.end_date, same.id
                    ),
                });
            }
            let mut days = Vec::new();
            let mut d = start;
            while d <= end {
                if bus::runs_on(&timetable, d) {
                    let mut taken = (0, 0);
                    for o in others
                        .iter()
                        .filter(|o| o.start_date <= d && o.end_date >= d)
                    {
                        let (seats, chairs) = bus::places(o.wheelchair, o.escorts);
                        taken.0 += seats;
                        taken.1 += chairs;
                    }
                    days.push((d, taken));
                }
                d += Duration::days(1);
            }
            bus::check_capacity(
                &route_id.to_string(),
                &days,
                bus::places(s.wheelchair, s.escorts),
                (row.seat_capacity, row.wheelchair_capacity),
            )?;
            let sub = SubscriptionRow {
                id: Uuid::now_v7(),
                bus_route_id: route_id,
                person_id: person,
                boarding_stop_sequence: s.boarding_stop_sequence,
                start_date: start,
                end_date: end,
                wheelchair: s.wheelchair,
                escorts: s.escorts,
                episode_id: episode,
                status: pb::SubscriptionStatus::Active as i16,
                create_time: now(),
            };
            store::insert_subscription(conn, &sub).await?;
            let answer = pb::SubscribeRiderResponse {
                subscription: Some(subscription(&sub)),
            };
            requests::remember(conn, request_id, SUBSCRIBE, &by, answer.encode_to_vec()).await?;
            Ok(answer)
        })
        .await
    }

    pub(crate) async fn get_bus_manifest(
        &self,
        ctx: &Ctx,
        req: pb::GetBusManifestRequest,
    ) -> Result<pb::GetBusManifestResponse, ApiError> {
        let claims = ctx
            .caller
            .require(&[
                Role::Driver,
                Role::Dispatcher,
                Role::CenterStaff,
                Role::Admin,
            ])?
            .clone();
        let mut v = Violations::new();
        let route_id = parse_id("bus_route_id", &req.bus_route_id).map_err(|e| v.absorb(e));
        // Today unless a day is named; a malformed one is refused below.
        let day = parse_opt_date("service_date", req.service_date.as_ref(), &mut v)
            .unwrap_or_else(onaltu_api::today);
        v.into_result()?;
        let Ok(route_id) = route_id else {
            return Err(ApiError::Internal("validated request incomplete".into()));
        };
        let mut conn = self.conn().await?;
        let row = store::route(&mut conn, route_id, false)
            .await?
            .ok_or_else(|| ApiError::NotFound {
                resource: "bus route",
                id: route_id.to_string(),
            })?;
        let allowed = match claims.role {
            Role::CenterStaff => claims.center_id == Some(row.center_id),
            Role::Driver => claims.vehicle_id.is_some() && claims.vehicle_id == row.vehicle_id,
            _ => true,
        };
        if !allowed {
            return Err(ApiError::PermissionDenied(
                "this route's manifest is not yours".into(),
            ));
        }
        let r = route_message(&row)?;
        let operates = bus::runs_on(&r.timetable.clone().unwrap_or_default(), day);
        let riders = if operates {
            store::subscriptions(&mut conn, route_id, day, day).await?
        } else {
            Vec::new()
        };
        let (mut seats, mut chairs) = (0, 0);
        for s in &riders {
            let (a, b) = bus::places(s.wheelchair, s.escorts);
            seats += a;
            chairs += b;
        }
        Ok(pb::GetBusManifestResponse {
            manifest: Some(pb::BusManifest {
                bus_route_id: route_id.to_string(),
                service_date: Some(date(day)),
                operates,
                vehicle_id: row.vehicle_id.map(|v| v.to_string()).unwrap_or_default(),
                riders: riders
                    .iter()
                    .map(|s| pb::ManifestRider {
                        subscription_id: s.id.to_string(),
                        person_id: s.person_id.to_string(),
                        boarding_stop_sequence: s.boarding_stop_sequence,
                        wheelchair: s.wheelchair,
                        escorts: s.escorts,
                    })
                    .collect(),
                seats_used: seats,
                wheelchair_places_used: chairs,
                seat_capacity: row.seat_capacity,
                wheelchair_capacity: row.wheelchair_capacity,
            }),
        })
    }
}
