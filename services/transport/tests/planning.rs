//! Planning a day into vehicle routes an independent check accepts, reading a route, and a
//! dispatcher's overrides and a cancellation re-planning a single vehicle's route.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use onaltu_proto::transport::{self as pb, TripState as S};
use tonic::Code;
use uuid::Uuid;

#[tokio::test]
async fn a_day_to_plan_must_be_named() {
    let h = Harness::start().await;
    let err = h
        .dispatcher()
        .plan_day(pb::PlanDayRequest {
            request_id: Uuid::now_v7().to_string(),
            service_date: None,
            options: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(bad_fields(&err), ["service_date"]);
}

#[tokio::test]
async fn a_route_is_read_for_a_calendar_date() {
    let h = Harness::start().await;
    let v = vehicle(&h, "101AAA01").await;
    let not_a_day = onaltu_proto::common::Date {
        year: 2026,
        month: 13,
        day: 1,
    };
    let err = h
        .dispatcher()
        .get_route(pb::GetRouteRequest {
            vehicle_id: v.id.clone(),
            service_date: Some(not_a_day),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(bad_fields(&err), ["service_date"]);
}

#[tokio::test]
async fn a_day_is_planned_into_routes_an_independent_check_accepts() {
    let d = BookedDay::start().await;
    let plan = d.plan().await;
    let m = plan.metrics.unwrap();
    assert_eq!(
        (m.trips_total, m.trips_planned, m.trips_unassigned),
        (4, 4, 0),
        "{:?}",
        plan.unassigned
    );
    for route in &plan.routes {
        check_route(route, d.vehicle(&route.vehicle_id));
    }
}

#[tokio::test]
async fn wheelchair_users_at_the_same_time_ride_in_different_vehicles() {
    let d = BookedDay::start().await;
    d.plan().await;
    // One wheelchair place per vehicle: A (10:00) and B (10:05) ride in different vehicles.
    let (p1, p2) = (
        get_trip(&d.h, &d.t1.id).await,
        get_trip(&d.h, &d.t2.id).await,
    );
    assert_eq!(p1.state, S::Scheduled as i32);
    assert_ne!(p1.vehicle_id, p2.vehicle_id, "one wheelchair place each");
    let window = p1.planned_pickup_window.unwrap();
    let planned = secs(&p1.planned_pickup_time);
    assert!(planned >= secs(&window.start_time) && planned <= secs(&window.end_time));
}

#[tokio::test]
async fn a_driver_sees_their_own_vehicles_route_and_not_anothers() {
    let d = BookedDay::start().await;
    d.plan().await;
    let p1 = get_trip(&d.h, &d.t1.id).await;
    let other = d.other_vehicle(&p1.vehicle_id);
    let read = |mut client: Client| {
        let r = pb::GetRouteRequest {
            vehicle_id: p1.vehicle_id.clone(),
            service_date: Some(onaltu_api::date(d.day)),
        };
        async move { client.get_route(r).await }
    };
    let route = read(d.h.driver(&p1.vehicle_id))
        .await
        .unwrap()
        .into_inner()
        .route
        .unwrap();
    assert!(route.stops.iter().any(|st| st.trip_id == d.t1.id));
    let denied = read(d.h.driver(&other.id)).await.unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn a_trip_cancelled_well_ahead_leaves_its_vehicles_route() {
    let d = BookedDay::start().await;
    d.plan().await;
    // B cancels the afternoon trip well ahead: CANCELLED.
    let cancelled =
        d.h.citizen(&d.b)
            .cancel_trip(pb::CancelTripRequest {
                id: d.t3.id.clone(),
                reason: "ауырып қалдым".into(),
            })
            .await
            .unwrap()
            .into_inner()
            .trip
            .unwrap();
    assert_eq!(cancelled.state, S::Cancelled as i32);
    assert!(cancelled.vehicle_id.is_empty());
    // Its vehicle's route no longer stops for it.
    for v in [&d.v1.id, &d.v2.id] {
        if let Ok(r) = route_of(&d.h, v, d.day).await {
            assert!(
                r.stops.iter().all(|st| st.trip_id != d.t3.id),
                "the cancelled trip is still on {}",
                r.vehicle_id
            );
            check_route(&r, d.vehicle(&r.vehicle_id));
        }
    }
}

#[tokio::test]
async fn the_dispatcher_moves_a_trip_to_another_vehicle() {
    let d = BookedDay::start().await;
    d.plan().await;
    let p4 = get_trip(&d.h, &d.t4.id).await;
    let target = d.other_vehicle(&p4.vehicle_id).id.clone();
    let moved =
        d.h.dispatcher()
            .assign_trip(pb::AssignTripRequest {
                trip_id: d.t4.id.clone(),
                vehicle_id: target.clone(),
                force: false,
                reason: "closer".into(),
            })
            .await
            .unwrap()
            .into_inner();
    assert_eq!(moved.trip.as_ref().unwrap().vehicle_id, target);
    assert!(moved.trip.as_ref().unwrap().manually_assigned);
    check_route(moved.route.as_ref().unwrap(), d.vehicle(&target));
}

#[tokio::test]
async fn a_trip_is_not_moved_to_a_vehicle_without_a_shift_and_the_answer_says_why() {
    let d = BookedDay::start().await;
    d.plan().await;
    let idle = vehicle(&d.h, "303CCC01").await;
    let refused =
        d.h.dispatcher()
            .assign_trip(pb::AssignTripRequest {
                trip_id: d.t4.id.clone(),
                vehicle_id: idle.id.clone(),
                ..Default::default()
            })
            .await
            .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert!(
        refused.message().contains("no shift"),
        "{}",
        refused.message()
    );
}
