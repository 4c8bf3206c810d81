//! `onaltu dispatch`: tomorrow's (or a date's) invataxi routes, stop by stop.

use anyhow::Context;
use chrono::{Duration, NaiveDate, Utc};
use onaltu_auth::{Claims, Role};
use onaltu_proto::transport as pb;

use crate::connection::{channel, sign};
use crate::say;
use crate::seed::rating::Bearer;

fn hhmm(t: Option<&prost_types::Timestamp>) -> String {
    t.and_then(|t| chrono::DateTime::from_timestamp(t.seconds, 0))
        .map(|t| (t + Duration::hours(5)).format("%H:%M").to_string())
        .unwrap_or_else(|| "--:--".into())
}

/// Prints every vehicle's route of `date` (tomorrow when unset).
pub async fn run(addr: &str, date: Option<NaiveDate>) -> anyhow::Result<bool> {
    let token = sign(&Claims::new(
        "onaltu-cli-dispatcher",
        Role::Dispatcher,
        3600,
    ))?;
    let header = format!("Bearer {token}")
        .parse()
        .context("a printable token")?;
    let mut client = pb::transport_service_client::TransportServiceClient::with_interceptor(
        channel(addr).await?,
        Bearer(header),
    );
    let day =
        date.unwrap_or_else(|| (Utc::now() + Duration::hours(5)).date_naive() + Duration::days(1));
    let vehicles = client
        .list_vehicles(pb::ListVehiclesRequest {
            page_size: 500,
            kind: pb::VehicleKind::Invataxi as i32,
            ..Default::default()
        })
        .await
        .context("ListVehicles")?
        .into_inner()
        .vehicles;
    for v in vehicles {
        let route = client
            .get_route(pb::GetRouteRequest {
                vehicle_id: v.id.clone(),
                service_date: Some(onaltu_api::date(day)),
            })
            .await;
        let Ok(route) = route else {
            say!("{} ({}): no route on {day}", v.plate_number, v.model);
            continue;
        };
        let r = route.into_inner().route.unwrap_or_default();
        say!(
            "{} on {day}: {} - {}, {:.1} km, {} stops",
            v.plate_number,
            hhmm(r.start_time.as_ref()),
            hhmm(r.end_time.as_ref()),
            r.distance_meters as f64 / 1000.0,
            r.stops.len()
        );
        for s in &r.stops {
            let kind = pb::StopKind::try_from(s.kind)
                .map(|k| {
                    k.as_str_name()
                        .trim_start_matches("STOP_KIND_")
                        .to_lowercase()
                })
                .unwrap_or_default();
            let load = s.load_after.unwrap_or_default();
            say!(
                "  {}  {kind:<12} {:<40} aboard: {} wheelchair(s), {} seat(s)",
                hhmm(s.planned_arrival_time.as_ref()),
                s.address,
                load.wheelchairs,
                load.seats
            );
        }
    }
    Ok(true)
}
