//! RequestTrip, CancelTrip, GetTrip, ListTrips and UpdateTripStatus.

mod decode;

use chrono::NaiveDate;
use diesel_async::AsyncConnection as _;
use onaltu_api::{Ctx, next_offset_token, now, parse_id, today};
use onaltu_auth::Claims;
use onaltu_errors::ApiError;
use onaltu_proto::transport::{self as pb, TripState as S};
use prost::Message as _;
use uuid::Uuid;

use self::decode::NewTrip;
use super::Transport;
use super::convert::{self, at_seconds};
use super::duty::{self, day_span, parties, trip_hours};
use super::roles::{BOOK, REPORT};
use crate::clients::registry::AskedAs;
use crate::domain::access;
use crate::domain::trip::{self, Eligibility, Progress, Screened};
use crate::events::dispatch::record;
use crate::store::requests::Request;
use crate::store::trips::{self, Filter, TripRow};
use crate::store::{Conn, requests, routes};

const REQUEST: &str = "RequestTrip";

fn not_found(id: Uuid) -> ApiError {
    ApiError::NotFound {
        resource: "trip",
        id: id.to_string(),
    }
}

/// A stored trip's state.
pub(crate) fn state_of(t: &TripRow) -> S {
    S::try_from(i32::from(t.state)).unwrap_or(S::Unspecified)
}

/// A trip, locked for a change: the day's lock first, as every writer of a day's trips takes
/// it, so a re-plan and a single trip's change neither overwrite nor wait on each other.
pub(crate) async fn lock_trip(conn: &mut Conn, id: Uuid) -> Result<TripRow, ApiError> {
    let t0 = trips::get(conn, id).await?.ok_or_else(|| not_found(id))?;
    routes::lock_day(conn, t0.service_date).await?;
    trips::get_for_update(conn, id)
        .await?
        .ok_or_else(|| not_found(id))
}

/// The row of a new trip `id` booked by `by`, as screened.
fn new_row(id: Uuid, by: &str, t: NewTrip, date: NaiveDate, s: Screened) -> TripRow {
    let (state, reason, note) = match s.verdict {
        Ok(()) => (
            S::Requested,
            pb::TripRejectionReason::Unspecified,
            String::new(),
        ),
        Err(r) => (S::Rejected, r.reason, r.note),
    };
    let at = now();
    TripRow {
        id,
        person_id: t.person,
        requested_by: by.to_string(),
        pickup: t.pickup.encode_to_vec(),
        dropoff: t.dropoff.encode_to_vec(),
        requested_pickup_time: t.is_pickup.then_some(t.when),
        requested_arrival_time: (!t.is_pickup).then_some(t.when),
        wheelchair: s.wheelchair,
        escorts: t.escorts,
        purpose: t.purpose as i16,
        center_id: t.center,
        state: state as i16,
        rejection_reason: reason as i16,
        state_note: note,
        service_date: date,
        window_start: at_seconds(date, s.windows.pickup.0),
        window_end: at_seconds(date, s.windows.pickup.1),
        planned_pickup_time: None,
        planned_dropoff_time: None,
        actual_pickup_time: None,
        actual_dropoff_time: None,
        arrived_time: None,
        vehicle_id: None,
        route_id: None,
        manually_assigned: false,
        direct_ride_seconds: s.direct_seconds.round() as i32,
        create_time: at,
        update_time: at,
    }
}

fn progress(t: &TripRow) -> Progress {
    Progress {
        state: state_of(t),
        window_start: t.window_start,
        arrived: t.arrived_time,
        picked_up: t.actual_pickup_time,
        dropped_off: t.actual_dropoff_time,
    }
}

impl Transport {
    /// Whether `person` may ride on `date`, asked of the registry for trip `id` booked by `c`:
    /// a citizen with their own token, the dispatch in the service's name for this trip.
    async fn eligibility(
        &self,
        ctx: &Ctx,
        c: &Claims,
        id: Uuid,
        person: Uuid,
        date: NaiveDate,
    ) -> Result<Eligibility, ApiError> {
        let asker = access::eligibility_asker(c, id);
        let asked = AskedAs::of(&asker, ctx)?;
        self.registry.eligibility(asked, person, date).await
    }

    /// RequestTrip's first answer (the encoded response) is kept under the caller's request key
    /// and given again to the same caller repeating the same request, once the registry has
    /// let them book for the person again: a replay is authorised like a first call.
    pub(crate) async fn request_trip(
        &self,
        ctx: &Ctx,
        req: pb::RequestTripRequest,
    ) -> Result<pb::RequestTripResponse, ApiError> {
        let claims = ctx.caller.require(BOOK)?;
        let asked = req.clone();
        let input = decode::new_trip(req, ctx.own_person(), now())?;
        let by = ctx.subject();
        let key = Request::new(&by, REQUEST, input.request_id, &asked);
        let date = input.service_date();
        let id = Uuid::now_v7();
        trip::check_booking_window(date, today(), &self.rules, &id.to_string())?;
        // The registry decides whether the caller may book for the person (and answers their
        // eligibility) before anything is answered, and is asked with no connection held.
        let eligibility = self
            .eligibility(ctx, claims, id, input.person, date)
            .await?;
        let screened = trip::screen(&input.booking(), &eligibility, &self.rules, &self.travel);
        let row = new_row(id, &by, input, date, screened);
        let mut conn = self.conn().await?;
        let (answer, created) = conn
            .transaction(async |conn| {
                // Holds the key until the transaction ends: an identical call waits here, then
                // finds this one's answer.
                if let Some(answer) = requests::answered(conn, &key).await? {
                    let first = pb::RequestTripResponse::decode(answer.as_slice())
                        .map_err(|e| ApiError::Internal(format!("stored answer: {e}")))?;
                    return Ok((first, false));
                }
                trips::insert(conn, &row).await?;
                record(conn, &row, pb::DispatchChangeKind::TripCreated).await?;
                let answer = pb::RequestTripResponse {
                    trip: Some(convert::trip(&row)),
                };
                requests::remember(conn, &key, answer.encode_to_vec()).await?;
                Ok::<_, ApiError>((answer, true))
            })
            .await?;
        if created {
            self.watch.wake();
        }
        Ok(answer)
    }

    pub(crate) async fn cancel_trip(
        &self,
        ctx: &Ctx,
        req: pb::CancelTripRequest,
    ) -> Result<pb::CancelTripResponse, ApiError> {
        let claims = ctx.caller.require(BOOK)?;
        let input = decode::cancellation(req)?;
        let id = input.id;
        let mut conn = self.conn().await?;
        let row = conn
            .transaction(async |conn| {
                let mut t = lock_trip(conn, id).await?;
                // A driver never cancels (not a role of BOOK): no shifts to read.
                access::may_see_trip(claims, parties(&t), &[])?;
                let next = trip::cancellation(
                    &id.to_string(),
                    state_of(&t),
                    now(),
                    t.window_start,
                    &self.rules,
                )?;
                t.state = next as i16;
                t.state_note = input.reason.clone();
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
        self.watch.wake();
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
        let claims = ctx.caller.authenticated()?;
        let mut conn = self.conn().await?;
        let t = trips::get(&mut conn, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        let worked = duty::worked(&mut conn, claims, trip_hours(&t)).await?;
        access::may_see_trip(claims, parties(&t), &worked)?;
        Ok(pb::GetTripResponse {
            trip: Some(convert::trip(&t)),
        })
    }

    pub(crate) async fn list_trips(
        &self,
        ctx: &Ctx,
        req: pb::ListTripsRequest,
    ) -> Result<pb::ListTripsResponse, ApiError> {
        let claims = ctx.caller.authenticated()?;
        let q = decode::trip_query(&req)?;
        let date = access::listing_day(claims, q.date, today());
        let mut conn = self.conn().await?;
        let worked = match date {
            Some(d) => duty::worked(&mut conn, claims, day_span(d)).await?,
            None => Vec::new(),
        };
        let scope = access::trip_list_scope(claims, q.person, q.vehicle, &worked)?;
        let f = Filter {
            date,
            person: scope.person,
            persons: None,
            vehicles: scope.vehicles,
            states: q.states,
        };
        let rows = trips::list(&mut conn, &f, q.offset, q.size).await?;
        // A driver's page keeps the trips of their own shift hours (it may come out shorter).
        let seen = rows
            .iter()
            .filter(|t| access::may_see_trip(claims, parties(t), &worked).is_ok());
        Ok(pb::ListTripsResponse {
            next_page_token: next_offset_token(q.offset, q.size, rows.len()),
            trips: seen.map(convert::trip).collect(),
        })
    }

    pub(crate) async fn update_trip_status(
        &self,
        ctx: &Ctx,
        req: pb::UpdateTripStatusRequest,
    ) -> Result<pb::UpdateTripStatusResponse, ApiError> {
        let claims = ctx.caller.require(REPORT)?;
        let input = decode::status_report(req, now())?;
        let id = input.id;
        let mut conn = self.conn().await?;
        let row = conn
            .transaction(async |conn| {
                let mut t = lock_trip(conn, id).await?;
                let worked = duty::worked(conn, claims, trip_hours(&t)).await?;
                access::may_report(claims, parties(&t), &worked)?;
                let p = trip::report(
                    &id.to_string(),
                    progress(&t),
                    input.next,
                    input.when,
                    now(),
                    &self.rules,
                )?;
                t.arrived_time = p.arrived;
                t.actual_pickup_time = p.picked_up;
                t.actual_dropoff_time = p.dropped_off;
                if p.state == S::NoShow {
                    t.state_note = input.note.clone();
                }
                t.state = p.state as i16;
                t.update_time = now();
                trips::update(conn, &t).await?;
                record(conn, &t, pb::DispatchChangeKind::TripUpdated).await?;
                Ok::<_, ApiError>(t)
            })
            .await?;
        self.watch.wake();
        Ok(pb::UpdateTripStatusResponse {
            trip: Some(convert::trip(&row)),
        })
    }
}
