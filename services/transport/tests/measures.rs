//! The service measures of a day: trips requested, served, denied and cancelled, and the
//! vehicles' hours.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use onaltu_proto::transport::{self as pb, TripState as S};

#[tokio::test]
async fn a_days_measures_count_its_trips_by_outcome_and_its_vehicle_hours() {
    let d = BookedDay::start().await;
    d.plan().await;
    // A's morning trip is served; B cancels the afternoon one; C's was turned away.
    let p1 = get_trip(&d.h, &d.t1.id).await;
    drive(
        &mut d.h.driver(&p1.vehicle_id),
        &d.t1.id,
        &[S::DriverEnRoute, S::Arrived, S::OnBoard, S::Completed],
    )
    .await;
    d.h.citizen(&d.b)
        .cancel_trip(pb::CancelTripRequest {
            id: d.t3.id.clone(),
            reason: "ауырып қалдым".into(),
        })
        .await
        .unwrap();
    let metrics =
        d.h.dispatcher()
            .get_service_metrics(pb::GetServiceMetricsRequest {
                span: Some(pb::get_service_metrics_request::Span::DateRange(
                    onaltu_proto::common::DateRange {
                        start_date: Some(onaltu_api::date(d.day)),
                        end_date: Some(onaltu_api::date(d.day)),
                    },
                )),
            })
            .await
            .unwrap()
            .into_inner()
            .metrics
            .unwrap();
    assert_eq!(metrics.trips_requested, 5);
    assert_eq!(metrics.trips_served, 1);
    assert_eq!(metrics.trips_denied, 1);
    assert_eq!(metrics.trips_cancelled, 1);
    assert!(metrics.vehicle_hours > 0.0);
    assert!(metrics.trips_per_vehicle_hour.unwrap() > 0.0);
}
