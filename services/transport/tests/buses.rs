//! Bus routes to the centres: riders subscribed within the bus's places, and the manifest of a
//! day read by the centre's staff.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Datelike, NaiveDate, Weekday};
use common::*;
use onaltu_proto::common::TimeOfDay;
use onaltu_proto::transport as pb;
use tonic::Code;
use uuid::Uuid;

/// A weekday bus route R1 to a centre, two seats and no wheelchair place, running 8:00 to 8:40;
/// A a wheelchair user, B and C adults; subscriptions for two weeks from a monday at least
/// two weeks ahead.
struct Line {
    h: Harness,
    centre: String,
    route: pb::BusRoute,
    a: String,
    b: String,
    c: String,
    start: NaiveDate,
    end: NaiveDate,
}

impl Line {
    async fn start() -> Self {
        let h = Harness::start().await;
        let mut op = h.registry_operator();
        let centre = centre(&mut op, "Оңалту орталығы", 20).await.id;
        let a = wheelchair_user(&mut op, 21).await.id;
        let b = adult(&mut op, 22).await.id;
        let c = adult(&mut op, 23).await.id;
        let stop = |seq: i32, lat: f64| pb::BusStop {
            sequence: seq,
            name: None,
            location: point(lat, 71.43),
            address: String::new(),
        };
        let time = |hours: i32, minutes: i32| TimeOfDay { hours, minutes };
        let route = h
            .dispatcher()
            .create_bus_route(pb::CreateBusRouteRequest {
                request_id: Uuid::now_v7().to_string(),
                bus_route: Some(pb::BusRoute {
                    code: "R1".into(),
                    center_id: centre.clone(),
                    stops: vec![stop(0, 51.10), stop(1, 51.12), stop(2, 51.15)],
                    timetable: Some(pb::Timetable {
                        days: (1..=5).collect(),
                        valid: None,
                        runs: vec![pb::BusRun {
                            direction: pb::BusRunDirection::ToCenter as i32,
                            stop_times: vec![time(8, 0), time(8, 15), time(8, 40)],
                        }],
                    }),
                    seat_capacity: 2,
                    wheelchair_capacity: 0,
                    ..Default::default()
                }),
            })
            .await
            .unwrap()
            .into_inner()
            .bus_route
            .unwrap();
        let mut start = onaltu_api::today() + chrono::Duration::days(14);
        while start.weekday() != Weekday::Mon {
            start += chrono::Duration::days(1);
        }
        let end = start + chrono::Duration::days(13);
        Self {
            h,
            centre,
            route,
            a,
            b,
            c,
            start,
            end,
        }
    }

    /// Subscribes `person` for the two weeks, boarding at the first stop.
    async fn subscribe(
        &self,
        person: &str,
        wheelchair: bool,
        escorts: i32,
    ) -> Result<pb::BusSubscription, tonic::Status> {
        self.h
            .dispatcher()
            .subscribe_rider(pb::SubscribeRiderRequest {
                request_id: Uuid::now_v7().to_string(),
                subscription: Some(pb::BusSubscription {
                    bus_route_id: self.route.id.clone(),
                    person_id: person.into(),
                    boarding_stop_sequence: 0,
                    start_date: Some(onaltu_api::date(self.start)),
                    end_date: Some(onaltu_api::date(self.end)),
                    wheelchair,
                    escorts,
                    ..Default::default()
                }),
            })
            .await
            .map(|r| r.into_inner().subscription.unwrap())
    }

    /// The manifest of `day` as the client behind `client` reads it.
    async fn manifest(
        &self,
        mut client: Client,
        day: NaiveDate,
    ) -> Result<pb::BusManifest, tonic::Status> {
        client
            .get_bus_manifest(pb::GetBusManifestRequest {
                bus_route_id: self.route.id.clone(),
                service_date: Some(onaltu_api::date(day)),
            })
            .await
            .map(|r| r.into_inner().manifest.unwrap())
    }
}

#[tokio::test]
async fn a_bus_without_wheelchair_places_refuses_a_wheelchair_rider() {
    let l = Line::start().await;
    let full = l.subscribe(&l.a, true, 0).await.unwrap_err();
    assert_eq!(full.code(), Code::FailedPrecondition);
    assert!(
        full.message().contains("wheelchair places"),
        "{}",
        full.message()
    );
}

#[tokio::test]
async fn a_rider_is_subscribed_to_a_route_once() {
    let l = Line::start().await;
    l.subscribe(&l.b, false, 1).await.unwrap();
    let twice = l.subscribe(&l.b, false, 0).await.unwrap_err();
    assert_eq!(twice.code(), Code::AlreadyExists);
}

#[tokio::test]
async fn a_bus_with_its_seats_taken_refuses_another_rider() {
    let l = Line::start().await;
    // B and their escort take both seats.
    l.subscribe(&l.b, false, 1).await.unwrap();
    let no_seat = l.subscribe(&l.c, false, 0).await.unwrap_err();
    assert!(no_seat.message().contains("seats"), "{}", no_seat.message());
}

#[tokio::test]
async fn a_boarding_stop_not_on_the_route_is_named() {
    let l = Line::start().await;
    let bad =
        l.h.dispatcher()
            .subscribe_rider(pb::SubscribeRiderRequest {
                request_id: Uuid::now_v7().to_string(),
                subscription: Some(pb::BusSubscription {
                    bus_route_id: l.route.id.clone(),
                    person_id: l.c.clone(),
                    boarding_stop_sequence: 7,
                    start_date: Some(onaltu_api::date(l.start)),
                    end_date: Some(onaltu_api::date(l.start)),
                    ..Default::default()
                }),
            })
            .await
            .unwrap_err();
    assert_eq!(bad_fields(&bad), ["subscription.boarding_stop_sequence"]);
}

#[tokio::test]
async fn a_manifest_lists_the_riders_of_a_day_the_bus_runs() {
    let l = Line::start().await;
    l.subscribe(&l.b, false, 1).await.unwrap();
    let monday = l.manifest(l.h.dispatcher(), l.start).await.unwrap();
    assert!(monday.operates);
    assert_eq!(monday.riders.len(), 1);
    assert_eq!((monday.seats_used, monday.seat_capacity), (2, 2));
    let saturday = l
        .manifest(l.h.dispatcher(), l.start + chrono::Duration::days(5))
        .await
        .unwrap();
    assert!(!saturday.operates);
    assert!(saturday.riders.is_empty());
}

#[tokio::test]
async fn a_centres_staff_read_their_routes_manifest_and_another_centres_do_not() {
    let l = Line::start().await;
    l.subscribe(&l.b, false, 1).await.unwrap();
    let own = l.manifest(l.h.staff(&l.centre), l.start).await.unwrap();
    assert_eq!(own.riders.len(), 1);
    let other = centre(&mut l.h.registry_operator(), "Басқа", 10).await.id;
    let denied = l.manifest(l.h.staff(&other), l.start).await.unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
}
