//! WatchDispatch: the trip and route changes of a day after the sequence number a subscriber
//! last saw, then live ones (optionally after a snapshot of the day as it stands).

use onaltu_api::{parse_opt_date, parse_opt_id, timestamp, today};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::transport::DispatchChangeKind::{RoutePlanned, TripUpdated};
use onaltu_proto::transport::{self as pb, TripState};
use prost::Message as _;
use tonic::Status;

use super::convert;
use super::duty::{self, day_span};
use super::{DispatchStream, Transport, WATCHERS};
use crate::domain::access;
use crate::events::dispatch::Subscription;
use crate::store::trips;
use crate::store::{events, routes};
use onaltu_api::Ctx;

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

impl Transport {
    pub(crate) async fn watch_dispatch(
        &self,
        ctx: &Ctx,
        req: pb::WatchDispatchRequest,
    ) -> Result<DispatchStream, ApiError> {
        let claims = ctx.caller.require(WATCHERS)?;
        let input = WatchInput::try_from(req)?;
        let mut sub = input.sub;
        // A driver's vehicles are those of their shifts on the day watched, as they stand when
        // the stream starts.
        let day = day_span(sub.date);
        let worked = {
            let mut conn = self.conn().await?;
            duty::worked(&mut conn, claims, day).await?
        };
        sub.vehicles = access::watched_vehicles(claims, sub.vehicles, &worked, day)?;
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
