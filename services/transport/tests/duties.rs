//! A driver reaches the trips, routes and dispatch of the vehicles of the shifts assigned to
//! them that day, and nothing through the vehicle their token names: moved to another vehicle
//! they follow their shift; with no shift that day they reach nothing of it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::NaiveDate;
use common::*;
use onaltu_proto::transport::{self as pb, TripState as S};
use tonic::Code;

/// What `driver` may do with `day`'s dispatch, vehicle `vehicle`'s route and trip `trip` (of
/// that vehicle that day): the codes of GetTrip, UpdateTripStatus (to DRIVER_EN_ROUTE), GetRoute,
/// ListTrips of the vehicle and WatchDispatch of the vehicle, in that order.
async fn reach(driver: &mut Client, day: NaiveDate, vehicle: &str, trip: &str) -> [Code; 5] {
    let code = |r: Result<(), tonic::Status>| r.map_or_else(|s| s.code(), |()| Code::Ok);
    let date = Some(onaltu_api::date(day));
    [
        code(
            driver
                .get_trip(pb::GetTripRequest { id: trip.into() })
                .await
                .map(drop),
        ),
        code(
            driver
                .update_trip_status(step(trip, S::DriverEnRoute))
                .await
                .map(drop),
        ),
        code(
            driver
                .get_route(pb::GetRouteRequest {
                    vehicle_id: vehicle.into(),
                    service_date: date,
                })
                .await
                .map(drop),
        ),
        code(
            driver
                .list_trips(pb::ListTripsRequest {
                    service_date: date,
                    vehicle_id: vehicle.into(),
                    ..Default::default()
                })
                .await
                .map(drop),
        ),
        code(
            driver
                .watch_dispatch(pb::WatchDispatchRequest {
                    service_date: date,
                    vehicle_ids: vec![vehicle.into()],
                    ..Default::default()
                })
                .await
                .map(drop),
        ),
    ]
}

/// The trips of `day` `driver` lists, naming no vehicle.
async fn listed(driver: &mut Client, day: NaiveDate) -> Vec<pb::Trip> {
    driver
        .list_trips(pb::ListTripsRequest {
            service_date: Some(onaltu_api::date(day)),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .trips
}

const REFUSED: [Code; 5] = [Code::PermissionDenied; 5];

#[tokio::test]
async fn a_driver_moved_to_another_vehicle_follows_their_shift_not_their_token() {
    let d = BookedDay::start().await;
    d.plan().await;
    // A's morning trip (t1) rides in vehicle A, B's (t2) in the other, B: one wheelchair place
    // each.
    let (p1, p2) = (
        get_trip(&d.h, &d.t1.id).await,
        get_trip(&d.h, &d.t2.id).await,
    );
    let (a, b) = (p1.vehicle_id.clone(), p2.vehicle_id.clone());
    assert_ne!(a, b);
    // The driver whose token names A, on A's shift.
    let mut driver = d.h.driver(&a);
    let trips = listed(&mut driver, d.day).await;
    assert!(trips.iter().all(|t| t.vehicle_id == a), "{trips:?}");
    assert!(trips.iter().any(|t| t.id == d.t1.id));
    driver
        .get_trip(pb::GetTripRequest {
            id: d.t1.id.clone(),
        })
        .await
        .unwrap();

    // The office moves them to B for the day, and B's driver to A (no call of the API moves a
    // shift). Their token still names A.
    let moved =
        d.h.sql(&format!(
            "UPDATE shifts SET vehicle_id = CASE vehicle_id WHEN '{a}'::uuid THEN '{b}'::uuid \
             ELSE '{a}'::uuid END WHERE vehicle_id IN ('{a}', '{b}')"
        ))
        .await;
    assert_eq!(moved, 2);

    // A is no longer theirs: not its trip, route, list or dispatch.
    assert_eq!(reach(&mut driver, d.day, &a, &d.t1.id).await, REFUSED);
    assert_eq!(get_trip(&d.h, &d.t1.id).await.state, S::Scheduled as i32);
    let trips = listed(&mut driver, d.day).await;
    assert!(!trips.is_empty());
    assert!(trips.iter().all(|t| t.vehicle_id == b), "{trips:?}");
    assert!(trips.iter().any(|t| t.id == d.t2.id));
    // B is: its route, its trips, its dispatch, and reporting on its trip.
    assert_eq!(reach(&mut driver, d.day, &b, &d.t2.id).await, [Code::Ok; 5]);
    assert_eq!(
        get_trip(&d.h, &d.t2.id).await.state,
        S::DriverEnRoute as i32
    );
    let shifts = driver
        .list_shifts(pb::ListShiftsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .shifts;
    assert_eq!(shifts.len(), 1);
    assert_eq!(shifts[0].vehicle_id, b);
    assert_eq!(shifts[0].driver_subject, driver_of(&a));
    // B's driver, now on A, has it the other way round.
    let mut other = d.h.driver(&b);
    assert_eq!(reach(&mut other, d.day, &b, &d.t2.id).await, REFUSED);
    other
        .get_trip(pb::GetTripRequest {
            id: d.t1.id.clone(),
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_driver_with_no_shift_that_day_is_refused_the_trips_of_the_vehicle_they_drove_the_day_before()
 {
    let h = Harness::start().await;
    let v = vehicle(&h, "101AAA01").await.id;
    let (yesterday, today) = (tomorrow(), tomorrow() + chrono::Duration::days(1));
    // Their token names V; they drove V the first day, a relief driver drives it the next.
    shift(&h, &v, &driver_of(&v), yesterday).await.unwrap();
    shift(&h, &v, "driver-relief", today).await.unwrap();
    let a = wheelchair_user(&mut h.registry_operator(), 11).await.id;
    let mut citizen = h.citizen(&a);
    let mut trips = Vec::new();
    for day in [yesterday, today] {
        let t = book(
            &mut citizen,
            trip("", Some(local(day, 10, 0)), None, HOME, CENTRE),
        )
        .await
        .unwrap();
        h.dispatcher().plan_day(plan_request(day)).await.unwrap();
        let planned = get_trip(&h, &t.id).await;
        assert_eq!(
            (planned.state, planned.vehicle_id.as_str()),
            (S::Scheduled as i32, v.as_str())
        );
        trips.push(t.id);
    }

    let mut driver = h.driver(&v);
    assert_eq!(reach(&mut driver, today, &v, &trips[1]).await, REFUSED);
    assert!(listed(&mut driver, today).await.is_empty());
    // Nor does a watch of the whole day open it to them.
    let day = Some(onaltu_api::date(today));
    let watch = driver
        .watch_dispatch(pb::WatchDispatchRequest {
            service_date: day,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(watch.code(), Code::PermissionDenied);
    assert_eq!(get_trip(&h, &trips[1]).await.state, S::Scheduled as i32);
    // The day they drove stays theirs, and the next day is the relief driver's.
    assert_eq!(
        reach(&mut driver, yesterday, &v, &trips[0]).await,
        [Code::Ok; 5]
    );
    assert_eq!(
        reach(&mut h.driver_named("driver-relief"), today, &v, &trips[1]).await,
        [Code::Ok; 5]
    );
}
