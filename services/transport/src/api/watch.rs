//! WatchDispatch: the trip and route changes of a day, written in the transaction of each
//! change with an increasing sequence number; a subscriber resumes after the last it saw.

use std::time::Duration;

use chrono::NaiveDate;
use onaltu_api::{now, parse_opt_date, parse_opt_id, timestamp, today};
use onaltu_auth::Role;
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::transport::{self as pb, TripState};
use prost::Message as _;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;
use uuid::Uuid;

use super::convert;
use super::{DispatchStream, Transport};
use crate::store::trips::{self, TripRow};
use crate::store::{Conn, events, routes};
use onaltu_api::Ctx;

/// How often a subscriber looks for changes made by other instances.
const POLL: Duration = Duration::from_millis(300);

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

struct Subscription {
    date: NaiveDate,
    vehicles: Vec<Uuid>,
    states: Vec<i32>,
}

impl Subscription {
    fn wants(&self, row: &events::EventRow, message: &pb::WatchDispatchResponse) -> bool {
        if !self.vehicles.is_empty() && !row.vehicle_id.is_some_and(|v| self.vehicles.contains(&v))
        {
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

impl Transport {
    pub(crate) async fn watch_dispatch(
        &self,
        ctx: &Ctx,
        req: pb::WatchDispatchRequest,
    ) -> Result<DispatchStream, ApiError> {
        let claims = ctx
            .caller
            .require(&[Role::Dispatcher, Role::Admin, Role::Driver])?
            .clone();
        let mut v = Violations::new();
        // Today unless a day is named; a malformed one is refused below.
        let date =
            parse_opt_date("service_date", req.service_date.as_ref(), &mut v).unwrap_or_else(today);
        let mut vehicles = Vec::new();
        for (i, id) in req.vehicle_ids.iter().enumerate() {
            if let Some(id) = parse_opt_id(&format!("vehicle_ids[{i}]"), id, &mut v) {
                vehicles.push(id);
            }
        }
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
        v.into_result()?;
        if claims.role == Role::Driver {
            let own = claims
                .vehicle_id
                .ok_or_else(|| ApiError::PermissionDenied("the token names no vehicle".into()))?;
            if vehicles.iter().any(|v| *v != own) {
                return Err(ApiError::PermissionDenied(
                    "a driver watches their own vehicle".into(),
                ));
            }
            vehicles = vec![own];
        }
        let sub = Subscription {
            date,
            vehicles,
            states: req.trip_states.clone(),
        };
        let (sink, stream) = mpsc::channel(256);
        let pool = self.pool.clone();
        let changed = self.changed.clone();
        let snapshot = req.initial_snapshot;
        let mut after = req.after_sequence_number;
        tokio::spawn(async move {
            let Ok(mut conn) = pool.get().await else {
                let _ = sink
                    .send(Err(Status::unavailable(
                        "the database is unreachable; retry",
                    )))
                    .await;
                return;
            };
            if snapshot {
                let all = trips::list(
                    &mut conn,
                    &trips::Filter {
                        date: Some(sub.date),
                        ..Default::default()
                    },
                    0,
                    10_000,
                )
                .await;
                let planned = routes::of_day(&mut conn, sub.date).await;
                let (Ok(all), Ok(planned)) = (all, planned) else {
                    let _ = sink
                        .send(Err(Status::unavailable(
                            "the database is unreachable; retry",
                        )))
                        .await;
                    return;
                };
                for t in &all {
                    let m = pb::WatchDispatchResponse {
                        sequence_number: 0,
                        event_time: Some(timestamp(t.update_time)),
                        kind: pb::DispatchChangeKind::TripUpdated as i32,
                        change: Some(pb::watch_dispatch_response::Change::Trip(convert::trip(t))),
                    };
                    let row = events::EventRow {
                        sequence_number: 0,
                        service_date: sub.date,
                        vehicle_id: t.vehicle_id,
                        body: Vec::new(),
                        event_time: t.update_time,
                    };
                    if sub.wants(&row, &m) && sink.send(Ok(m)).await.is_err() {
                        return;
                    }
                }
                for r in &planned {
                    let Ok(route) = pb::Route::decode(r.body.as_slice()) else {
                        continue;
                    };
                    let m = pb::WatchDispatchResponse {
                        sequence_number: 0,
                        event_time: Some(timestamp(r.update_time)),
                        kind: pb::DispatchChangeKind::RoutePlanned as i32,
                        change: Some(pb::watch_dispatch_response::Change::Route(route)),
                    };
                    let row = events::EventRow {
                        sequence_number: 0,
                        service_date: sub.date,
                        vehicle_id: Some(r.vehicle_id),
                        body: Vec::new(),
                        event_time: r.update_time,
                    };
                    if sub.wants(&row, &m) && sink.send(Ok(m)).await.is_err() {
                        return;
                    }
                }
            }
            drop(conn);
            loop {
                let batch = match pool.get().await {
                    Ok(mut conn) => events::after(&mut conn, sub.date, after, 500).await.ok(),
                    Err(_) => None,
                };
                let Some(batch) = batch else {
                    let _ = sink
                        .send(Err(Status::unavailable(
                            "the database is unreachable; resume from the last sequence number",
                        )))
                        .await;
                    return;
                };
                let full = batch.len() == 500;
                for row in batch {
                    after = row.sequence_number;
                    let Ok(mut m) = pb::WatchDispatchResponse::decode(row.body.as_slice()) else {
                        continue;
                    };
                    m.sequence_number = row.sequence_number;
                    if sub.wants(&row, &m) && sink.send(Ok(m)).await.is_err() {
                        return;
                    }
                }
                if full {
                    continue;
                }
                tokio::select! {
                    () = changed.notified() => {}
                    () = tokio::time::sleep(POLL) => {}
                    () = sink.closed() => return,
                }
            }
        });
        Ok(Box::pin(ReceiverStream::new(stream)))
    }
}
