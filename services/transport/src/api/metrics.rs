//! GetServiceMetrics for a period or a range of dates.

use chrono::{Duration, NaiveDate};
use onaltu_api::{Period, parse_opt_date};
use onaltu_auth::Role;
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::transport::{self as pb, TripState as S};
use prost::Message as _;

use super::Transport;
use crate::domain::bus;
use crate::domain::metrics::{self, TripFacts};
use crate::store::{bus as bus_store, routes, trips};
use onaltu_api::Ctx;

/// Longest range measured at once.
const MAX_DAYS: i64 = 400;

impl Transport {
    pub(crate) async fn get_service_metrics(
        &self,
        ctx: &Ctx,
        req: pb::GetServiceMetricsRequest,
    ) -> Result<pb::GetServiceMetricsResponse, ApiError> {
        ctx.caller.require(&[
            Role::Dispatcher,
            Role::CityOperator,
            Role::Integration,
            Role::Auditor,
            Role::Admin,
        ])?;
        let mut v = Violations::new();
        let (from, until): (Option<NaiveDate>, Option<NaiveDate>) = match &req.span {
            Some(pb::get_service_metrics_request::Span::Period(p)) => {
                match Period::decode("period", p) {
                    Ok(p) => (Some(p.start()), Some(p.end_exclusive() - Duration::days(1))),
                    Err(e) => {
                        v.absorb(e);
                        (None, None)
                    }
                }
            }
            Some(pb::get_service_metrics_request::Span::DateRange(r)) => {
                let a = parse_opt_date("date_range.start_date", r.start_date.as_ref(), &mut v);
                let b = parse_opt_date("date_range.end_date", r.end_date.as_ref(), &mut v);
                v.check(
                    a.is_some() && b.is_some(),
                    "date_range",
                    "both dates are required",
                );
                (a, b)
            }
            None => {
                v.add("period", "a period or a date range is required");
                (None, None)
            }
        };
        if let (Some(a), Some(b)) = (from, until) {
            v.check(
                b >= a,
                "date_range.end_date",
                "must not be before the start",
            );
            v.check(
                (b - a).num_days() < MAX_DAYS,
                "date_range",
                format!("at most {MAX_DAYS} days"),
            );
        }
        v.into_result()?;
        let (Some(from), Some(until)) = (from, until) else {
            return Err(ApiError::Internal("validated request incomplete".into()));
        };
        let mut conn = self.conn().await?;
        let facts: Vec<TripFacts> = trips::between(&mut conn, from, until)
            .await?
            .iter()
            .map(|t| TripFacts {
                state: S::try_from(i32::from(t.state)).unwrap_or(S::Unspecified),
                window: (t.window_start, t.window_end),
                picked_up: t.actual_pickup_time,
                dropped_off: t.actual_dropoff_time,
                direct_seconds: f64::from(t.direct_ride_seconds),
                vehicle: t.vehicle_id,
            })
            .collect();
        let mut vehicle_seconds = 0.0;
        for r in routes::between(&mut conn, from, until).await? {
            if let Ok(route) = pb::Route::decode(r.body.as_slice()) {
                vehicle_seconds += metrics::route_seconds(&route);
            }
        }
        let mut boardings = 0;
        for r in bus_store::routes(&mut conn, None, 0, 10_000).await? {
            let Ok(route) = pb::BusRoute::decode(r.body.as_slice()) else {
                continue;
            };
            let timetable = route.timetable.unwrap_or_default();
            for s in bus_store::subscriptions(&mut conn, r.id, from, until).await? {
                let mut d = s.start_date.max(from);
                while d <= s.end_date.min(until) {
                    if bus::runs_on(&timetable, d) {
                        boardings += 1;
                    }
                    d += Duration::days(1);
                }
            }
        }
        Ok(pb::GetServiceMetricsResponse {
            metrics: Some(metrics::measure(&facts, vehicle_seconds, boardings)),
        })
    }
}
