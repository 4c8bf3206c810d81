//! The dispatch changes of a day (`dispatch_events`): written in the transaction of each trip or
//! route change with an increasing sequence number, and read by WatchDispatch through the shared
//! event-table watch.

use chrono::NaiveDate;
use onaltu_api::{now, timestamp};
use onaltu_errors::ApiError;
use onaltu_events::{EventLog, Watch};
use onaltu_proto::transport as pb;
use prost::Message as _;
use uuid::Uuid;

use crate::api::convert;
use crate::store::trips::TripRow;
use crate::store::{Conn, events};

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
    /// The service day.
    pub date: NaiveDate,
    /// Only these vehicles' changes (all when empty).
    pub vehicles: Vec<Uuid>,
    /// Only trips in these states (all when empty).
    pub states: Vec<i32>,
}

impl Subscription {
    /// Whether the subscriber wants `message`, a change of `vehicle`'s day.
    pub fn wants(&self, vehicle: Option<Uuid>, message: &pb::WatchDispatchResponse) -> bool {
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
    const METHOD: &'static str = "WatchDispatch";

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
