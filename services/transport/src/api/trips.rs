//! RequestTrip, CancelTrip, GetTrip, ListTrips and UpdateTripStatus.

use diesel_async::AsyncConnection as _;
use onaltu_api::{local_date, now, page_size, parse_id, parse_opt_date, parse_opt_id, today};
use onaltu_auth::{Caller, Role};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::transport::{self as pb, TripState as S};
use prost::Message as _;
use uuid::Uuid;

use super::Transport;
use super::convert::{self, at_seconds, instant, local_time, seconds_of_day};
use super::watch::record;
use crate::domain::fleet::point_ok;
use crate::domain::trip::{self, Requested};
use crate::store::trips::{self, Filter, TripRow};
use crate::store::{requests, routes};
use onaltu_api::{Ctx, decode_offset_token, next_offset_token};

const REQUEST: &str = "RequestTrip";
/// Most escorts on one trip.
const MAX_ESCORTS: i32 = 3;
/// Longest free text.
const MAX_TEXT: usize = 500;

fn not_found(id: Uuid) -> ApiError {
    ApiError::NotFound {
        resource: "trip",
        id: id.to_string(),
    }
}

/// Whether `caller` may see or act on `t`: the passenger, whoever booked it, its vehicle's
/// driver, or the dispatch and oversight roles.
fn may_see(caller: &Caller, t: &TripRow) -> Result<(), ApiError> {
    let c = caller.authenticated()?;
    let ok = match c.role {
        Role::Dispatcher | Role::Auditor | Role::Admin => true,
        Role::Citizen => c.person_id == Some(t.person_id) || c.sub == t.requested_by,
        Role::Driver => c.vehicle_id.is_some() && c.vehicle_id == t.vehicle_id,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::PermissionDenied("this trip is not yours".into()))
    }
}

impl Transport {
    pub(crate) async fn request_trip(
        &self,
        ctx: &Ctx,
        req: pb::RequestTripRequest,
    ) -> Result<pb::RequestTripResponse, ApiError> {
        let claims = ctx
            .caller
            .require(&[Role::Citizen, Role::Dispatcher, Role::Admin])?
            .clone();
        let mut v = Violations::new();
        let request_id = parse_id("request_id", &req.request_id).map_err(|e| v.absorb(e));
        let t = req.trip.unwrap_or_default();
        let person = match (t.person_id.is_empty(), claims.role) {
            (true, Role::Citizen) => claims.person_id,
            _ => parse_opt_id("trip.person_id", &t.person_id, &mut v),
        };
        v.check(
            person.is_some() || !t.person_id.is_empty(),
            "trip.person_id",
            "is required",
        );
        let pickup = t.pickup.clone().unwrap_or_default();
        let dropoff = t.dropoff.clone().unwrap_or_default();
        v.check(
            point_ok(pickup.location.as_ref()),
            "trip.pickup.location",
            "is required: latitude and longitude",
        );
        v.check(
            point_ok(dropoff.location.as_ref()),
            "trip.dropoff.location",
            "is required: latitude and longitude",
        );
        for (field, text) in [
            ("trip.pickup.address", &pickup.address),
            ("trip.pickup.note", &pickup.note),
            ("trip.dropoff.address", &dropoff.address),
            ("trip.dropoff.note", &dropoff.note),
        ] {
            v.check(
                text.chars().count() <= MAX_TEXT,
                field,
                format!("at most {MAX_TEXT} characters"),
            );
        }
        let requested = match &t.requested_time {
            Some(pb::trip::RequestedTime::RequestedPickupTime(ts)) => {
                instant(ts).map(|x| (x, true))
            }
            Some(pb::trip::RequestedTime::RequestedArrivalTime(ts)) => {
                instant(ts).map(|x| (x, false))
            }
            None => None,
        };
        v.check(
            requested.is_some(),
            "trip.requested_pickup_time",
            "a requested pickup time or arrival time is required",
        );
        v.check(
            requested.is_none_or(|(t, _)| {
                let now = now();
                t > now - chrono::Duration::days(1) && t < now + chrono::Duration::days(400)
            }),
            "trip.requested_pickup_time",
            "must be within the next year",
        );
        v.check(
            (0..=MAX_ESCORTS).contains(&t.escorts),
            "trip.escorts",
            format!("0 to {MAX_ESCORTS} escorts"),
        );
        v.check(
            pb::TripPurpose::try_from(t.purpose).is_ok_and(|p| p != pb::TripPurpose::Unspecified),
            "trip.purpose",
            "is required",
        );
        let center = parse_opt_id("trip.center_id", &t.center_id, &mut v);
        v.into_result()?;
        let (Ok(request_id), Some(person), Some((when, is_pickup))) =
            (request_id, person, requested)
        else {
            return Err(ApiError::Internal("validated request incomplete".into()));
        };
        let date = local_date(when);
        let id = Uuid::now_v7();
        trip::check_booking_window(date, today(), &self.rules, &id.to_string())?;
        let by = ctx.subject();
        {
            let mut conn = self.conn().await?;
            if let Some(answer) = requests::answered(&mut conn, request_id, REQUEST, &by).await? {
                return pb::RequestTripResponse::decode(answer.as_slice())
                    .map_err(|e| ApiError::Internal(format!("stored answer: {e}")));
            }
        }
        let bearer = ctx.bearer.clone().unwrap_or_default();
        let eligibility = self.registry.eligibility(&bearer, person, date).await?;
        let (p, d) = (
            pickup.location.unwrap_or_default(),
            dropoff.location.unwrap_or_default(),
        );
        let (from, to) = ((p.latitude, p.longitude), (d.latitude, d.longitude));
        let direct = self.travel.seconds(from, to);
        let max_ride = trip::max_ride_seconds(direct, &self.rules);
        let requested = if is_pickup {
            Requested::Pickup(seconds_of_day(when, date))
        } else {
            Requested::Arrival(seconds_of_day(when, date))
        };
        let windows = trip::windows(requested, direct, max_ride, &self.rules);
        let (state, reason, note) = if !eligibility.eligible {
            (
                S::Rejected,
                pb::TripRejectionReason::NotEligible,
                format!(
                    "not eligible for the invataxi: {}",
                    eligibility.reasons.join(", ")
                ),
            )
        } else if let Some(why) = trip::outside_area(
            &[
                ("trip.pickup", (p.latitude, p.longitude)),
                ("trip.dropoff", (d.latitude, d.longitude)),
            ],
            &self.rules,
        ) {
            (
                S::Rejected,
                pb::TripRejectionReason::OutsideServiceArea,
                why,
            )
        } else if !trip::within_service_hours(local_time(when), &self.rules) {
            (
                S::Rejected,
                pb::TripRejectionReason::OutsideServiceHours,
                format!(
                    "the invataxi runs from {} to {}",
                    self.rules.service_start.format("%H:%M"),
                    self.rules.service_end.format("%H:%M")
                ),
            )
        } else {
            (
                S::Requested,
                pb::TripRejectionReason::Unspecified,
                String::new(),
            )
        };
        let at = now();
        let row = TripRow {
            id,
            person_id: person,
            requested_by: by.clone(),
            pickup: pb::Place {
                location: Some(p),
                address: pickup.address.trim().to_string(),
                note: pickup.note.trim().to_string(),
            }
            .encode_to_vec(),
            dropoff: pb::Place {
                location: Some(d),
                address: dropoff.address.trim().to_string(),
                note: dropoff.note.trim().to_string(),
            }
            .encode_to_vec(),
            requested_pickup_time: is_pickup.then_some(when),
            requested_arrival_time: (!is_pickup).then_some(when),
            wheelchair: t.wheelchair || eligibility.wheelchair_user,
            escorts: t.escorts,
            purpose: t.purpose as i16,
            center_id: center,
            state: state as i16,
            rejection_reason: reason as i16,
            state_note: note,
            service_date: date,
            window_start: at_seconds(date, windows.pickup.0),
            window_end: at_seconds(date, windows.pickup.1),
            planned_pickup_time: None,
            planned_dropoff_time: None,
            actual_pickup_time: None,
            actual_dropoff_time: None,
            arrived_time: None,
            vehicle_id: None,
            route_id: None,
            manually_assigned: false,
            direct_ride_seconds: direct.round() as i32,
            create_time: at,
            update_time: at,
        };
        let answer = pb::RequestTripResponse {
            trip: Some(convert::trip(&row)),
        };
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            trips::insert(conn, &row).await?;
            record(conn, &row, pb::DispatchChangeKind::TripCreated).await?;
            requests::remember(conn, request_id, REQUEST, &by, answer.encode_to_vec()).await?;
            Ok::<_, ApiError>(())
        })
        .await?;
        self.changed.notify_waiters();
        Ok(answer)
    }

    pub(crate) async fn cancel_trip(
        &self,
        ctx: &Ctx,
        req: pb::CancelTripRequest,
    ) -> Result<pb::CancelTripResponse, ApiError> {
        ctx.caller
            .require(&[Role::Citizen, Role::Dispatcher, Role::Admin])?;
        let id = parse_id("id", &req.id)?;
        if req.reason.chars().count() > MAX_TEXT {
            return Err(ApiError::invalid(
                "reason",
                format!("at most {MAX_TEXT} characters"),
            ));
        }
        let mut conn = self.conn().await?;
        let row = conn
            .transaction(async |conn| {
                let t0 = trips::get(conn, id).await?.ok_or_else(|| not_found(id))?;
                routes::lock_day(conn, t0.service_date).await?;
                let mut t = trips::get_for_update(conn, id)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                may_see(&ctx.caller, &t)?;
                let current = S::try_from(i32::from(t.state)).unwrap_or(S::Unspecified);
                let next = trip::cancellation(
                    &id.to_string(),
                    current,
                    now(),
                    t.window_start,
                    &self.rules,
                )?;
                t.state = next as i16;
                t.state_note = req.reason.trim().to_string();
                t.update_time = now();
                // The driver of the vehicle it was on hears of it.
                record(conn, &t, pb::DispatchChangeKind::TripUpdated).await?;
                let old = t.vehicle_id.take();
                t.route_id = None;
                trips::update(conn, &t).await?;
                if let Some(old) = old {
                    self.without_trip(conn, t.service_date, old, id).await?;
                }
                Ok::<_, ApiError>(t)
            })
            .await?;
        self.changed.notify_waiters();
        Ok(pb::CancelTripResponse {
            trip: Some(convert::trip(&row)),
        })
    }

    pub(crate) async fn get_trip(
        &self,
        ctx: &Ctx,
        req: pb::GetTripRequest,
    ) -> Result<pb::GetTripResponse, ApiError> {
        let id = parse_id("id", &req.id)?;
        ctx.caller.authenticated()?;
        let mut conn = self.conn().await?;
        let t = trips::get(&mut conn, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        may_see(&ctx.caller, &t)?;
        Ok(pb::GetTripResponse {
            trip: Some(convert::trip(&t)),
        })
    }

    pub(crate) async fn list_trips(
        &self,
        ctx: &Ctx,
        req: pb::ListTripsRequest,
    ) -> Result<pb::ListTripsResponse, ApiError> {
        let claims = ctx.caller.authenticated()?.clone();
        let size = page_size(req.page_size)?;
        let offset = decode_offset_token(&req.page_token)?;
        let mut v = Violations::new();
        let person = parse_opt_id("person_id", &req.person_id, &mut v);
        let vehicle = parse_opt_id("vehicle_id", &req.vehicle_id, &mut v);
        let date = parse_opt_date("service_date", req.service_date.as_ref(), &mut v);
        let mut states = Vec::new();
        for (i, s) in req.states.iter().enumerate() {
            match S::try_from(*s) {
                Ok(s) if s != S::Unspecified => states.push(s as i16),
                _ => v.add(format!("states[{i}]"), "unknown state"),
            }
        }
        v.into_result()?;
        let mut f = Filter {
            date,
            person,
            persons: None,
            vehicle,
            states,
        };
        match claims.role {
            Role::Dispatcher | Role::Auditor | Role::Admin => {}
            Role::Citizen => {
                let own = claims.person_id.ok_or_else(|| {
                    ApiError::PermissionDenied("the token names no person".into())
                })?;
                match person {
                    Some(p) if p != own => {
                        return Err(ApiError::PermissionDenied(
                            "a citizen lists their own trips".into(),
                        ));
                    }
                    _ => f.person = Some(own),
                }
            }
            Role::Driver => {
                if vehicle.is_some_and(|x| Some(x) != claims.vehicle_id)
                    || claims.vehicle_id.is_none()
                {
                    return Err(ApiError::PermissionDenied(
                        "a driver lists the trips of their own vehicle".into(),
                    ));
                }
                f.vehicle = claims.vehicle_id;
            }
            _ => {
                return Err(ApiError::PermissionDenied(
                    "trips are not for this role".into(),
                ));
            }
        }
        let mut conn = self.conn().await?;
        let rows = trips::list(&mut conn, &f, offset, size).await?;
        Ok(pb::ListTripsResponse {
            next_page_token: next_offset_token(offset, size, rows.len()),
            trips: rows.iter().map(convert::trip).collect(),
        })
    }

    pub(crate) async fn update_trip_status(
        &self,
        ctx: &Ctx,
        req: pb::UpdateTripStatusRequest,
    ) -> Result<pb::UpdateTripStatusResponse, ApiError> {
        let claims = ctx
            .caller
            .require(&[Role::Driver, Role::Dispatcher])?
            .clone();
        let id = parse_id("trip_id", &req.trip_id)?;
        let next = S::try_from(req.state).unwrap_or(S::Unspecified);
        let mut v = Violations::new();
        v.check(
            matches!(
                next,
                S::DriverEnRoute | S::Arrived | S::OnBoard | S::Completed | S::NoShow
            ),
            "state",
            "DRIVER_EN_ROUTE, ARRIVED, ON_BOARD, COMPLETED or NO_SHOW",
        );
        let when = match &req.event_time {
            Some(t) => {
                let parsed = instant(t);
                v.check(parsed.is_some(), "event_time", "is not a valid time");
                v.check(
                    parsed.is_none_or(|t| t <= now() + chrono::Duration::minutes(5)),
                    "event_time",
                    "must not be in the future",
                );
                parsed.unwrap_or_else(now)
            }
            None => now(),
        };
        v.check(
            req.note.chars().count() <= MAX_TEXT,
            "note",
            format!("at most {MAX_TEXT} characters"),
        );
        v.into_result()?;
        let mut conn = self.conn().await?;
        let row = conn
            .transaction(async |conn| {
                // The day's lock first, as every writer of a day's trips takes it: a re-plan
                // then never writes back a state older than this report, and the two cannot
                // wait on each other.
                let t0 = trips::get(conn, id).await?.ok_or_else(|| not_found(id))?;
                routes::lock_day(conn, t0.service_date).await?;
                let mut t = trips::get_for_update(conn, id)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                if claims.role == Role::Driver
                    && (claims.vehicle_id.is_none() || claims.vehicle_id != t.vehicle_id)
                {
                    return Err(ApiError::PermissionDenied(
                        "a driver reports the trips of their own vehicle".into(),
                    ));
                }
                let current = S::try_from(i32::from(t.state)).unwrap_or(S::Unspecified);
                trip::driver_step(&id.to_string(), current, next)?;
                match next {
                    S::Arrived => t.arrived_time = Some(when),
                    S::OnBoard => {
                        trip::check_in_order("event_time", t.arrived_time, when)?;
                        t.actual_pickup_time = Some(when);
                    }
                    S::Completed => {
                        trip::check_in_order("event_time", t.actual_pickup_time, when)?;
                        t.actual_dropoff_time = Some(when);
                    }
                    S::NoShow => {
                        // The wait is counted on the server's clock: a report cannot be backdated.
                        let arrived = t.arrived_time.unwrap_or_else(now);
                        trip::check_no_show(
                            &id.to_string(),
                            arrived,
                            t.window_start,
                            now(),
                            &self.rules,
                        )?;
                        t.state_note = req.note.trim().to_string();
                    }
                    _ => {}
                }
                t.state = next as i16;
                t.update_time = now();
                trips::update(conn, &t).await?;
                record(conn, &t, pb::DispatchChangeKind::TripUpdated).await?;
                Ok::<_, ApiError>(t)
            })
            .await?;
        self.changed.notify_waiters();
        Ok(pb::UpdateTripStatusResponse {
            trip: Some(convert::trip(&row)),
        })
    }
}
