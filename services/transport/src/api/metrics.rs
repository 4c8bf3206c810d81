//! GetServiceMetrics for a period or a range of dates.

mod decode;

use onaltu_api::Ctx;
use onaltu_errors::ApiError;
use onaltu_proto::transport as pb;
use prost::Message as _;

use self::decode::Span;
use super::Transport;
use super::roles::READ_MEASURES;
use super::trips::state_of;
use crate::domain::bus;
use crate::domain::metrics::{self, TripFacts};
use crate::store::trips::TripRow;
use crate::store::{Conn, bus as bus_store, routes, trips};

fn facts(t: &TripRow) -> TripFacts {
    TripFacts {
        state: state_of(t),
        window: (t.window_start, t.window_end),
        picked_up: t.actual_pickup_time,
        dropped_off: t.actual_dropoff_time,
        direct_seconds: f64::from(t.direct_ride_seconds),
        vehicle: t.vehicle_id,
    }
}

/// The seconds the invataxis' routes of `s` take.
async fn vehicle_seconds(conn: &mut Conn, s: Span) -> Result<f64, ApiError> {
    let mut total = 0.0;
    for r in routes::between(conn, s.from, s.until).await? {
        if let Ok(route) = pb::Route::decode(r.body.as_slice()) {
            total += metrics::route_seconds(&route);
        }
    }
    Ok(total)
}

/// The bus boardings of `s`: a boarding a rider a day their route runs.
async fn bus_boardings(conn: &mut Conn, s: Span) -> Result<i64, ApiError> {
    let mut boardings = 0;
    for r in bus_store::routes(conn, None, 0, 10_000).await? {
        let Ok(route) = pb::BusRoute::decode(r.body.as_slice()) else {
            continue;
        };
        let timetable = route.timetable.unwrap_or_default();
        for sub in bus_store::subscriptions(conn, r.id, s.from, s.until).await? {
            let (first, last) = (sub.start_date.max(s.from), sub.end_date.min(s.until));
            boardings += bus::boardings(&timetable, first, last);
        }
    }
    Ok(boardings)
}

impl Transport {
    pub(crate) async fn get_service_metrics(
        &self,
        ctx: &Ctx,
        req: pb::GetServiceMetricsRequest,
    ) -> Result<pb::GetServiceMetricsResponse, ApiError> {
        ctx.caller.require(READ_MEASURES)?;
        let span = decode::span(&req)?;
        let mut conn = self.conn().await?;
        let trips: Vec<TripFacts> = trips::between(&mut conn, span.from, span.until)
            .await?
            .iter()
            .map(facts)
            .collect();
        let seconds = vehicle_seconds(&mut conn, span).await?;
        let boardings = bus_boardings(&mut conn, span).await?;
        Ok(pb::GetServiceMetricsResponse {
            metrics: Some(metrics::measure(&trips, seconds, boardings)),
        })
    }
}
