//! WatchDispatch: the trip and route changes of a day, written in the transaction of each
//! change with an increasing sequence number; a subscriber resumes after the last it saw. The
//! stream is served by the shared event-table watch (`onaltu_events::Watch`).

use chrono::NaiveDate;
use onaltu_api::{now, parse_opt_date, parse_opt_id, timestamp, today};
use onaltu_auth::{Claims, Role};
use onaltu_errors::{ApiError, Violations};
use onaltu_events::{EventLog, Watch};
use onaltu_proto::transport::DispatchChangeKind::{RoutePlanned, TripUpdated};
use onaltu_proto::transport::{self as pb, TripState};
use prost::Message as _;
use tonic::Status;
use uuid::Uuid;

use super::convert;
use super::{DispatchStream, Transport, WATCHERS};
use crate::store::trips::{self, TripRow};
use crate::store::{Conn, events, routes};
use onaltu_api::Ctx;

/// The instance's watch over the dispatch changes.
pub type DispatchWatch = Watch<DispatchEvents>;

/// Records a trip's change.
pub async fn record(
    conn: &mut Conn,
    t: &TripRow,
    kind: pb::DispatchChangeKind,
) -> Result<(), ApiError> {
    let at = now();
    let body = pb::WatchDispatchResponse {
        sequence_number: 0,
        event_time: Some(timestamp(at)),
        kind: kind as i32,
        change: Some(pb::watch_dispatch_response::Change::Trip(convert::trip(t))),
    };
    events::insert(conn, t.service_date, t.vehicle_id, body.encode_to_vec(), at).await?;
    Ok(())
}

/// Records a route's change.
pub async fn record_route(
    conn: &mut Conn,
    date: NaiveDate,
    vehicle: Uuid,
    route: &pb::Route,
    kind: pb::DispatchChangeKind,
) -> Result<(), ApiError> {
    let at = now();
    let body = pb::WatchDispatchResponse {
        sequence_number: 0,
        event_time: Some(timestamp(at)),
        kind: kind as i32,
        change: Some(pb::watch_dispatch_response::Change::Route(route.clone())),
    };
    events::insert(conn, date, Some(vehicle), body.encode_to_vec(), at).await?;
    Ok(())
}

/// What one subscriber wants of the day's changes.
pub struct Subscription {
    date: NaiveDate,
    vehicles: Vec<Uuid>,
    states: Vec<i32>,
}

impl Subscription {
    fn wants(&self, vehicle: Option<Uuid>, message: &pb::WatchDispatchResponse) -> bool {
        if !self.vehicles.is_empty() && !vehicle.is_some_and(|v| self.vehicles.contains(&v)) {
            return false;
        }
        match &message.change {
            Some(pb::watch_dispatch_response::Change::Trip(t)) => {
                self.states.is_empty() || self.states.contains(&t.state)
            }
            _ => true,
        }
    }
}

/// The `dispatch_events` table as WatchDispatch reads it.
pub struct DispatchEvents;

#[async_trait::async_trait]
impl EventLog for DispatchEvents {
    type Row = events::EventRow;
    type Filter = Subscription;

    fn sequence(row: &events::EventRow) -> i64 {
        row.sequence_number
    }

    fn wants(sub: &Subscription, row: &events::EventRow) -> bool {
        row.service_date == sub.date
            && pb::WatchDispatchResponse::decode(row.body.as_slice())
                .is_ok_and(|m| sub.wants(row.vehicle_id, &m))
    }

    async fn after(
        &self,
        conn: &mut Conn,
        after: i64,
        sub: Option<&Subscription>,
        limit: i64,
    ) -> diesel::QueryResult<Vec<events::EventRow>> {
        match sub {
            Some(sub) => events::after(conn, sub.date, after, limit).await,
            None => events::after_any_day(conn, after, limit).await,
        }
    }
}

fn response(row: &events::EventRow) -> Option<Result<pb::WatchDispatchResponse, Status>> {
    let mut m = pb::WatchDispatchResponse::decode(row.body.as_slice()).ok()?;
    m.sequence_number = row.sequence_number;
    Some(Ok(m))
}

/// A decoded WatchDispatch request.
struct WatchInput {
    sub: Subscription,
    after: i64,
    snapshot: bool,
}

impl TryFrom<pb::WatchDispatchRequest> for WatchInput {
    type Error = ApiError;

    fn try_from(req: pb::WatchDispatchRequest) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        // Today unless a day is named; a malformed one is refused.
        let date =
            parse_opt_date("service_date", req.service_date.as_ref(), &mut v).unwrap_or_else(today);
        let vehicles = req
            .vehicle_ids
            .iter()
            .enumerate()
            .filter_map(|(i, id)| parse_opt_id(&format!("vehicle_ids[{i}]"), id, &mut v))
            .collect();
        for (i, s) in req.trip_states.iter().enumerate() {
            v.check(
                TripState::try_from(*s).is_ok_and(|s| s != TripState::Unspecified),
                format!("trip_states[{i}]"),
                "unknown state",
            );
        }
        v.check(
            req.after_sequence_number >= 0,
            "after_sequence_number",
            "must be >= 0",
        );
        v.finish(WatchInput {
            sub: Subscription {
                date,
                vehicles,
                states: req.trip_states,
            },
            after: req.after_sequence_number,
            snapshot: req.initial_snapshot,
        })
    }
}

/// A driver watches their own vehicle only; everyone else watches what they asked for.
fn confine(claims: &Claims, mut sub: Subscription) -> Result<Subscription, ApiError> {
    if claims.role != Role::Driver {
        return Ok(sub);
    }
    let own = claims
        .vehicle_id
        .ok_or_else(|| ApiError::PermissionDenied("the token names no vehicle".into()))?;
    if sub.vehicles.iter().any(|v| *v != own) {
        return Err(ApiError::PermissionDenied(
            "a driver watches their own vehicle".into(),
        ));
    }
    sub.vehicles = vec![own];
    Ok(sub)
}

impl Transport {
    pub(crate) async fn watch_dispatch(
        &self,
        ctx: &Ctx,
        req: pb::WatchDispatchRequest,
    ) -> Result<DispatchStream, ApiError> {
        let claims = ctx.caller.require(WATCHERS)?;
        let input = WatchInput::try_from(req)?;
        let sub = confine(claims, input.sub)?;
        let prelude = if input.snapshot {
            self.snapshot(&sub).await?
        } else {
            Vec::new()
        };
        let stream = self.watch.subscribe(
            &ctx.subject(),
            sub,
            input.after,
            prelude,
            Box::new(response),
        )?;
        Ok(Box::pin(stream))
    }

    /// The day's trips and routes as they stand, read before the stream starts; the connection
    /// goes back to the pool before anything is sent.
    async fn snapshot(
        &self,
        sub: &Subscription,
    ) -> Result<Vec<pb::WatchDispatchResponse>, ApiError> {
        let mut conn = self.conn().await?;
        let day = trips::Filter {
            date: Some(sub.date),
            ..Default::default()
        };
        let all = trips::list(&mut conn, &day, 0, 10_000).await?;
        let planned = routes::of_day(&mut conn, sub.date).await?;
        drop(conn);
        let trips = all.iter().map(|t| {
            let change = pb::watch_dispatch_response::Change::Trip(convert::trip(t));
            (
                t.vehicle_id,
                snapshot_message(t.update_time, TripUpdated, change),
            )
        });
        let routes = planned.iter().filter_map(|r| {
            let route = pb::Route::decode(r.body.as_slice()).ok()?;
            let change = pb::watch_dispatch_response::Change::Route(route);
            Some((
                Some(r.vehicle_id),
                snapshot_message(r.update_time, RoutePlanned, change),
            ))
        });
        Ok(trips
            .chain(routes)
            .filter(|(vehicle, m)| sub.wants(*vehicle, m))
            .map(|(_, m)| m)
            .collect())
    }
}

fn snapshot_message(
    at: chrono::DateTime<chrono::Utc>,
    kind: pb::DispatchChangeKind,
    change: pb::watch_dispatch_response::Change,
) -> pb::WatchDispatchResponse {
    pb::WatchDispatchResponse {
        sequence_number: 0,
        event_time: Some(timestamp(at)),
        kind: kind as i32,
        change: Some(change),
    }
}
