//! A driver taking a planned trip through its states, and what a trip under way means for the
//! day's plan.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use onaltu_proto::transport::{self as pb, TripState as S};
use tonic::Code;

/// The day booked and planned, with the vehicle A's morning trip (t1) rides in.
async fn planned() -> (BookedDay, pb::Trip) {
    let d = BookedDay::start().await;
    d.plan().await;
    let p1 = get_trip(&d.h, &d.t1.id).await;
    (d, p1)
}

#[tokio::test]
async fn a_driver_cannot_skip_a_step() {
    let (d, p1) = planned().await;
    let skipped =
        d.h.driver(&p1.vehicle_id)
            .update_trip_status(step(&d.t1.id, S::Completed))
            .await
            .unwrap_err();
    assert_eq!(skipped.code(), Code::FailedPrecondition);
    assert!(
        skipped.message().contains("SCHEDULED"),
        "{}",
        skipped.message()
    );
}

#[tokio::test]
async fn a_driver_takes_their_trip_through_its_states() {
    let (d, p1) = planned().await;
    let mut driver = d.h.driver(&p1.vehicle_id);
    drive(
        &mut driver,
        &d.t1.id,
        &[S::DriverEnRoute, S::Arrived, S::OnBoard, S::Completed],
    )
    .await;
}

#[tokio::test]
async fn with_a_passenger_aboard_the_day_is_not_replanned_wholesale() {
    let (d, p1) = planned().await;
    let mut driver = d.h.driver(&p1.vehicle_id);
    drive(
        &mut driver,
        &d.t1.id,
        &[S::DriverEnRoute, S::Arrived, S::OnBoard],
    )
    .await;
    let busy =
        d.h.dispatcher()
            .plan_day(plan_request(d.day))
            .await
            .unwrap_err();
    assert_eq!(busy.code(), Code::FailedPrecondition);
    assert!(busy.message().contains("under way"), "{}", busy.message());
}

#[tokio::test]
async fn a_trip_assigned_while_a_passenger_is_aboard_is_planned_around_them() {
    let (d, p1) = planned().await;
    let planned = secs(&p1.planned_pickup_time);
    let mut driver = d.h.driver(&p1.vehicle_id);
    drive(
        &mut driver,
        &d.t1.id,
        &[S::DriverEnRoute, S::Arrived, S::OnBoard],
    )
    .await;
    // The passenger aboard stays on the route at the pickup time they had.
    let with =
        d.h.dispatcher()
            .assign_trip(pb::AssignTripRequest {
                trip_id: d.t4.id.clone(),
                vehicle_id: p1.vehicle_id.clone(),
                force: false,
                reason: "same passenger".into(),
            })
            .await
            .unwrap()
            .into_inner()
            .route
            .unwrap();
    check_route(&with, d.vehicle(&p1.vehicle_id));
    let aboard: Vec<&pb::Stop> = with
        .stops
        .iter()
        .filter(|st| st.trip_id == d.t1.id)
        .collect();
    assert_eq!(
        aboard.len(),
        2,
        "the pickup and drop-off of the trip aboard"
    );
    assert_eq!(secs(&aboard[0].planned_arrival_time), planned);
    assert!(with.stops.iter().any(|st| st.trip_id == d.t4.id));
    assert_eq!(get_trip(&d.h, &d.t1.id).await.state, S::OnBoard as i32);
}

#[tokio::test]
async fn another_vehicles_driver_cannot_report_on_a_trip() {
    let (d, p1) = planned().await;
    let mut other = d.h.driver(&d.other_vehicle(&p1.vehicle_id).id);
    let theirs = other
        .update_trip_status(step(&d.t1.id, S::DriverEnRoute))
        .await
        .unwrap_err();
    assert_eq!(theirs.code(), Code::PermissionDenied);
    // Nor once the trip's own driver has completed it.
    drive(
        &mut d.h.driver(&p1.vehicle_id),
        &d.t1.id,
        &[S::DriverEnRoute, S::Arrived, S::OnBoard, S::Completed],
    )
    .await;
    let theirs = other
        .update_trip_status(step(&d.t1.id, S::Arrived))
        .await
        .unwrap_err();
    assert_eq!(theirs.code(), Code::PermissionDenied);
}
