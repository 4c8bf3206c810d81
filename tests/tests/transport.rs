//! The transport service across the running suite: a fleet with shifts, trips booked by eligible
//! and ineligible persons (eligibility decided by the registry), a day planned into routes that
//! an independent check accepts, a driver taking a trip through its states, a dispatcher's
//! override, cancellations, the dispatch stream and the day's measures.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::Duration;

use chrono::{NaiveDate, NaiveTime};
use onaltu_auth::Role;
use onaltu_proto::common::GeoPoint;
use onaltu_proto::transport::{self as pb, TripState as S};
use onaltu_suite::fixtures::*;
use onaltu_suite::{Suite, citizen, claims, driver};
use prost_types::Timestamp;
use uuid::Uuid;

fn tomorrow() -> NaiveDate {
    onaltu_api::today() + chrono::Duration::days(1)
}

/// A local (UTC+5) time of `day` as a timestamp.
fn local(day: NaiveDate, h: u32, m: u32) -> Timestamp {
    let t = day
        .and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap())
        .and_utc()
        - chrono::Duration::hours(5);
    Timestamp {
        seconds: t.timestamp(),
        nanos: 0,
    }
}

fn point(latitude: f64, longitude: f64) -> Option<GeoPoint> {
    Some(GeoPoint {
        latitude,
        longitude,
    })
}

async fn vehicle(s: &Suite, plate: &str) -> pb::Vehicle {
    s.transport(Some(&claims(Role::Dispatcher)))
        .create_vehicle(pb::CreateVehicleRequest {
            request_id: Uuid::now_v7().to_string(),
            vehicle: Some(pb::Vehicle {
                plate_number: plate.into(),
                kind: pb::VehicleKind::Invataxi as i32,
                model: "Hyundai Staria".into(),
                wheelchair_places: 1,
                seats: 3,
                has_ramp: true,
                depot: point(51.1280, 71.4300),
                depot_address: "Астана, Пушкин к-сі 15".into(),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .vehicle
        .unwrap()
}

async fn shift(
    s: &Suite,
    vehicle: &str,
    driver: &str,
    day: NaiveDate,
) -> Result<pb::Shift, tonic::Status> {
    shift_hours(s, vehicle, driver, day, (9, 18)).await
}

async fn shift_hours(
    s: &Suite,
    vehicle: &str,
    driver: &str,
    day: NaiveDate,
    (from, to): (u32, u32),
) -> Result<pb::Shift, tonic::Status> {
    s.transport(Some(&claims(Role::Dispatcher)))
        .create_shift(pb::CreateShiftRequest {
            request_id: Uuid::now_v7().to_string(),
            shift: Some(pb::Shift {
                vehicle_id: vehicle.into(),
                driver_subject: driver.into(),
                driver_name: "Ерлан".into(),
                start_time: Some(local(day, from, 0)),
                end_time: Some(local(day, to, 0)),
                ..Default::default()
            }),
        })
        .await
        .map(|r| r.into_inner().shift.unwrap())
}

fn trip(
    person: &str,
    pickup_at: Option<Timestamp>,
    arrive_by: Option<Timestamp>,
    from: (f64, f64),
    to: (f64, f64),
) -> pb::Trip {
    pb::Trip {
        person_id: person.into(),
        pickup: Some(pb::Place {
            location: point(from.0, from.1),
            address: "үй".into(),
            note: "3-подъезд".into(),
        }),
        dropoff: Some(pb::Place {
            location: point(to.0, to.1),
            address: "оңалту орталығы".into(),
            note: String::new(),
        }),
        requested_time: match (pickup_at, arrive_by) {
            (Some(t), _) => Some(pb::trip::RequestedTime::RequestedPickupTime(t)),
            (None, Some(t)) => Some(pb::trip::RequestedTime::RequestedArrivalTime(t)),
            _ => None,
        },
        escorts: 1,
        purpose: pb::TripPurpose::Rehabilitation as i32,
        ..Default::default()
    }
}

async fn book(
    client: &mut onaltu_proto::transport::transport_service_client::TransportServiceClient<
        onaltu_testkit::AuthedChannel,
    >,
    t: pb::Trip,
) -> Result<pb::Trip, tonic::Status> {
    client
        .request_trip(pb::RequestTripRequest {
            request_id: Uuid::now_v7().to_string(),
            trip: Some(t),
        })
        .await
        .map(|r| r.into_inner().trip.unwrap())
}

/// A PlanDay of `day` with the service's default options.
fn plan_request(day: NaiveDate) -> pb::PlanDayRequest {
    pb::PlanDayRequest {
        request_id: Uuid::now_v7().to_string(),
        service_date: Some(onaltu_api::date(day)),
        options: None,
    }
}

fn secs(t: &Option<Timestamp>) -> i64 {
    t.as_ref().map(|t| t.seconds).unwrap()
}

/// An independent look at a planned route: times never go back, every stop inside its window,
/// every pickup before its drop-off on the same route, loads within the vehicle, rides within
/// 90 minutes.
fn check_route(route: &pb::Route, v: &pb::Vehicle) {
    let stops = &route.stops;
    assert_eq!(stops.first().unwrap().kind, pb::StopKind::DepotStart as i32);
    assert_eq!(stops.last().unwrap().kind, pb::StopKind::DepotEnd as i32);
    let mut picked: HashMap<String, i64> = HashMap::new();
    let mut last = i64::MIN;
    for s in stops {
        let at = secs(&s.planned_arrival_time);
        assert!(at >= last, "times go back at stop {}", s.sequence);
        last = at;
        if let Some(w) = &s.window {
            assert!(
                at >= secs(&w.start_time) && at <= secs(&w.end_time),
                "stop {} outside its window",
                s.sequence
            );
        }
        if let Some(load) = &s.load_after {
            assert!(
                load.wheelchairs <= v.wheelchair_places && load.seats <= v.seats,
                "overloaded after stop {}",
                s.sequence
            );
            assert!(load.wheelchairs >= 0 && load.seats >= 0);
        }
        if s.kind == pb::StopKind::Pickup as i32 {
            picked.insert(s.trip_id.clone(), at);
        } else if s.kind == pb::StopKind::Dropoff as i32 {
            let from = picked
                .remove(&s.trip_id)
                .expect("dropped off before being picked up");
            assert!(at - from <= 90 * 60, "trip {} rides too long", s.trip_id);
        }
    }
    assert!(
        picked.is_empty(),
        "picked up and never dropped off: {picked:?}"
    );
}

#[tokio::test]
async fn a_day_is_booked_planned_driven_and_measured() {
    let s = Suite::start().await;
    let day = tomorrow();
    let v1 = vehicle(&s, "101AAA01").await;
    let v2 = vehicle(&s, "202BBB01").await;
    shift(&s, &v1.id, "driver-1", day).await.unwrap();
    shift(&s, &v2.id, "driver-2", day).await.unwrap();
    // A second shift of the same driver at the same time is refused.
    let clash = shift(&s, &v2.id, "driver-1", day).await.unwrap_err();
    assert_eq!(clash.code(), tonic::Code::FailedPrecondition);

    let mut op = s.registry(Some(&claims(Role::CityOperator)));
    let a = wheelchair_user(&mut op, 11).await.id;
    let b = wheelchair_user(&mut op, 12).await.id;
    let c = adult(&mut op, 13).await.id;
    let home = (51.1100, 71.4000);
    let centre = (51.1500, 71.4700);

    let mut as_a = s.transport(Some(&citizen(&a)));
    let t1 = book(
        &mut as_a,
        trip("", Some(local(day, 10, 0)), None, home, centre),
    )
    .await
    .unwrap();
    assert_eq!(t1.state, S::Requested as i32);
    assert!(t1.wheelchair, "the registry says A uses a wheelchair");
    assert_eq!(t1.person_id, a);
    let mut dispatcher = s.transport(Some(&claims(Role::Dispatcher)));
    let t2 = book(
        &mut dispatcher,
        trip(
            &b,
            Some(local(day, 10, 5)),
            None,
            (51.1150, 71.4050),
            centre,
        ),
    )
    .await
    .unwrap();
    let t3 = book(
        &mut dispatcher,
        trip(&b, None, Some(local(day, 15, 0)), centre, home),
    )
    .await
    .unwrap();
    let t4 = book(
        &mut dispatcher,
        trip(&a, None, Some(local(day, 16, 0)), centre, home),
    )
    .await
    .unwrap();
    // C has no assessment: the registry says no, and the trip is recorded as rejected.
    let t5 = book(
        &mut s.transport(Some(&citizen(&c))),
        trip("", Some(local(day, 11, 0)), None, home, centre),
    )
    .await
    .unwrap();
    assert_eq!(t5.state, S::Rejected as i32);
    assert_eq!(
        t5.rejection_reason,
        pb::TripRejectionReason::NotEligible as i32
    );
    assert!(t5.state_note.contains("NO_ASSESSMENT"), "{}", t5.state_note);
    // A citizen cannot book for someone they do not represent.
    let stranger = book(
        &mut s.transport(Some(&citizen(&c))),
        trip(&a, Some(local(day, 11, 0)), None, home, centre),
    )
    .await
    .unwrap_err();
    assert_eq!(stranger.code(), tonic::Code::PermissionDenied);
    // Today is outside the booking window.
    let same_day = book(
        &mut as_a,
        trip(
            "",
            Some(local(onaltu_api::today(), 17, 0)),
            None,
            home,
            centre,
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(same_day.code(), tonic::Code::FailedPrecondition);
    assert!(
        same_day.message().contains("book from"),
        "{}",
        same_day.message()
    );
    // A day to plan must be named, and a day to read must be a calendar date.
    let err = dispatcher
        .plan_day(pb::PlanDayRequest {
            request_id: Uuid::now_v7().to_string(),
            service_date: None,
            options: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert_eq!(bad_fields(&err), ["service_date"]);
    let not_a_day = onaltu_proto::common::Date {
        year: 2026,
        month: 13,
        day: 1,
    };
    let err = dispatcher
        .get_route(pb::GetRouteRequest {
            vehicle_id: v1.id.clone(),
            service_date: Some(not_a_day),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert_eq!(bad_fields(&err), ["service_date"]);
    // Bad input: every field named, nothing written.
    let before = s.transport_count("trips").await;
    let mut bad = trip("", None, None, (0.0, 0.0), centre);
    bad.escorts = 9;
    bad.purpose = 0;
    let err = book(&mut as_a, bad).await.unwrap_err();
    let fields = bad_fields(&err);
    for f in [
        "trip.pickup.location",
        "trip.requested_pickup_time",
        "trip.escorts",
        "trip.purpose",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} missing from {fields:?}");
    }
    assert_eq!(s.transport_count("trips").await, before);

    // Plan the day.
    let plan = dispatcher
        .plan_day(plan_request(day))
        .await
        .unwrap()
        .into_inner();
    let m = plan.metrics.unwrap();
    assert_eq!(
        (m.trips_total, m.trips_planned, m.trips_unassigned),
        (4, 4, 0),
        "{:?}",
        plan.unassigned
    );
    let vehicles: HashMap<String, &pb::Vehicle> =
        [(v1.id.clone(), &v1), (v2.id.clone(), &v2)].into();
    for route in &plan.routes {
        check_route(route, vehicles[&route.vehicle_id]);
    }
    // One wheelchair place per vehicle: A (10:00) and B (10:05) ride in different vehicles.
    let get = |id: &str| {
        let mut c = s.transport(Some(&claims(Role::Dispatcher)));
        let id = id.to_string();
        async move {
            c.get_trip(pb::GetTripRequest { id })
                .await
                .unwrap()
                .into_inner()
                .trip
                .unwrap()
        }
    };
    let (p1, p2) = (get(&t1.id).await, get(&t2.id).await);
    assert_eq!(p1.state, S::Scheduled as i32);
    assert_ne!(p1.vehicle_id, p2.vehicle_id, "one wheelchair place each");
    let window = p1.planned_pickup_window.unwrap();
    let planned = secs(&p1.planned_pickup_time);
    assert!(planned >= secs(&window.start_time) && planned <= secs(&window.end_time));

    // The driver of A's vehicle sees the route; the other driver does not.
    let mine = driver(&p1.vehicle_id);
    let other = if p1.vehicle_id == v1.id {
        &v2.id
    } else {
        &v1.id
    };
    let mut as_driver = s.transport(Some(&mine));
    let route = as_driver
        .get_route(pb::GetRouteRequest {
            vehicle_id: p1.vehicle_id.clone(),
            service_date: Some(onaltu_api::date(day)),
        })
        .await
        .unwrap()
        .into_inner()
        .route
        .unwrap();
    assert!(route.stops.iter().any(|st| st.trip_id == t1.id));
    let denied = s
        .transport(Some(&driver(other)))
        .get_route(pb::GetRouteRequest {
            vehicle_id: p1.vehicle_id.clone(),
            service_date: Some(onaltu_api::date(day)),
        })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), tonic::Code::PermissionDenied);

    // The driver takes A's trip through its states; a skipped step is refused.
    let step = |state: S| pb::UpdateTripStatusRequest {
        trip_id: t1.id.clone(),
        state: state as i32,
        ..Default::default()
    };
    let skipped = as_driver
        .update_trip_status(step(S::Completed))
        .await
        .unwrap_err();
    assert_eq!(skipped.code(), tonic::Code::FailedPrecondition);
    assert!(
        skipped.message().contains("SCHEDULED"),
        "{}",
        skipped.message()
    );
    for state in [S::DriverEnRoute, S::Arrived, S::OnBoard, S::Completed] {
        let t = as_driver
            .update_trip_status(step(state))
            .await
            .unwrap()
            .into_inner()
            .trip
            .unwrap();
        assert_eq!(t.state, state as i32);
        if state == S::OnBoard {
            // With a passenger aboard, the day is not re-planned wholesale.
            let busy = dispatcher.plan_day(plan_request(day)).await.unwrap_err();
            assert_eq!(busy.code(), tonic::Code::FailedPrecondition);
            assert!(busy.message().contains("under way"), "{}", busy.message());
            // A trip assigned to the vehicle meanwhile is planned around the passenger aboard,
            // who stays on the route at the pickup time they had.
            let with = dispatcher
                .assign_trip(pb::AssignTripRequest {
                    trip_id: t4.id.clone(),
                    vehicle_id: p1.vehicle_id.clone(),
                    force: false,
                    reason: "same passenger".into(),
                })
                .await
                .unwrap()
                .into_inner()
                .route
                .unwrap();
            check_route(&with, vehicles[&p1.vehicle_id]);
            let aboard: Vec<&pb::Stop> =
                with.stops.iter().filter(|st| st.trip_id == t1.id).collect();
            assert_eq!(
                aboard.len(),
                2,
                "the pickup and drop-off of the trip aboard"
            );
            assert_eq!(secs(&aboard[0].planned_arrival_time), planned);
            assert!(with.stops.iter().any(|st| st.trip_id == t4.id));
            assert_eq!(get(&t1.id).await.state, S::OnBoard as i32);
        }
    }
    // The other driver cannot report on it.
    let theirs = s
        .transport(Some(&driver(other)))
        .update_trip_status(step(S::Arrived))
        .await
        .unwrap_err();
    assert_eq!(theirs.code(), tonic::Code::PermissionDenied);

    // B cancels the afternoon trip well ahead: CANCELLED.
    let cancelled = s
        .transport(Some(&citizen(&b)))
        .cancel_trip(pb::CancelTripRequest {
            id: t3.id.clone(),
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
    for v in [&v1.id, &v2.id] {
        if let Ok(r) = dispatcher
            .get_route(pb::GetRouteRequest {
                vehicle_id: v.clone(),
                service_date: Some(onaltu_api::date(day)),
            })
            .await
        {
            let r = r.into_inner().route.unwrap();
            assert!(
                r.stops.iter().all(|st| st.trip_id != t3.id),
                "the cancelled trip is still on {}",
                r.vehicle_id
            );
            check_route(&r, vehicles[&r.vehicle_id]);
        }
    }

    // The dispatcher moves A's afternoon trip to the other vehicle; a vehicle without a shift
    // is refused with why.
    let p4 = get(&t4.id).await;
    let target = if p4.vehicle_id == v1.id {
        v2.id.clone()
    } else {
        v1.id.clone()
    };
    let moved = dispatcher
        .assign_trip(pb::AssignTripRequest {
            trip_id: t4.id.clone(),
            vehicle_id: target.clone(),
            force: false,
            reason: "closer".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(moved.trip.as_ref().unwrap().vehicle_id, target);
    assert!(moved.trip.as_ref().unwrap().manually_assigned);
    check_route(moved.route.as_ref().unwrap(), vehicles[&target]);
    let idle = vehicle(&s, "303CCC01").await;
    let refused = dispatcher
        .assign_trip(pb::AssignTripRequest {
            trip_id: t4.id.clone(),
            vehicle_id: idle.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition);
    assert!(
        refused.message().contains("no shift"),
        "{}",
        refused.message()
    );

    // The day's measures.
    let metrics = dispatcher
        .get_service_metrics(pb::GetServiceMetricsRequest {
            span: Some(pb::get_service_metrics_request::Span::DateRange(
                onaltu_proto::common::DateRange {
                    start_date: Some(onaltu_api::date(day)),
                    end_date: Some(onaltu_api::date(day)),
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

    // The dispatch stream from the start: every change of the day, in order.
    let mut stream = dispatcher
        .watch_dispatch(pb::WatchDispatchRequest {
            service_date: Some(onaltu_api::date(day)),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let mut seen = Vec::new();
    while let Ok(Some(Ok(m))) = tokio::time::timeout(Duration::from_millis(700), async {
        stream.message().await.transpose()
    })
    .await
    {
        seen.push(m);
    }
    assert!(seen.len() >= 10, "{} changes", seen.len());
    assert!(
        seen.windows(2)
            .all(|w| w[0].sequence_number < w[1].sequence_number)
    );
    assert!(
        seen.iter()
            .any(|m| m.kind == pb::DispatchChangeKind::RoutePlanned as i32)
    );
    // Resuming after the last one seen: nothing is repeated, a new change arrives.
    let last = seen.last().unwrap().sequence_number;
    let mut resumed = dispatcher
        .watch_dispatch(pb::WatchDispatchRequest {
            service_date: Some(onaltu_api::date(day)),
            after_sequence_number: last,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    book(
        &mut as_a,
        trip("", Some(local(day, 12, 0)), None, home, centre),
    )
    .await
    .unwrap();
    let next = tokio::time::timeout(Duration::from_secs(5), resumed.message())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(next.sequence_number > last);
    assert_eq!(next.kind, pb::DispatchChangeKind::TripCreated as i32);
}

#[tokio::test]
async fn buses_carry_riders_within_their_places() {
    let s = Suite::start().await;
    let mut op = s.registry(Some(&claims(Role::CityOperator)));
    let centre_id = centre(&mut op, "Оңалту орталығы", 20).await.id;
    let a = wheelchair_user(&mut op, 21).await.id;
    let b = adult(&mut op, 22).await.id;
    let c = adult(&mut op, 23).await.id;
    let mut dispatcher = s.transport(Some(&claims(Role::Dispatcher)));
    let stop = |seq: i32, lat: f64| pb::BusStop {
        sequence: seq,
        name: None,
        location: point(lat, 71.43),
        address: String::new(),
    };
    let time = |h: i32, m: i32| onaltu_proto::common::TimeOfDay {
        hours: h,
        minutes: m,
    };
    let weekdays: Vec<i32> = (1..=5).collect();
    let route = dispatcher
        .create_bus_route(pb::CreateBusRouteRequest {
            request_id: Uuid::now_v7().to_string(),
            bus_route: Some(pb::BusRoute {
                code: "R1".into(),
                center_id: centre_id.clone(),
                stops: vec![stop(0, 51.10), stop(1, 51.12), stop(2, 51.15)],
                timetable: Some(pb::Timetable {
                    days: weekdays,
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
    // A monday two weeks ahead, for two weeks.
    let mut start = onaltu_api::today() + chrono::Duration::days(14);
    while chrono::Datelike::weekday(&start) != chrono::Weekday::Mon {
        start += chrono::Duration::days(1);
    }
    let end = start + chrono::Duration::days(13);
    let subscribe = |person: &str, wheelchair: bool, escorts: i32| pb::SubscribeRiderRequest {
        request_id: Uuid::now_v7().to_string(),
        subscription: Some(pb::BusSubscription {
            bus_route_id: route.id.clone(),
            person_id: person.into(),
            boarding_stop_sequence: 0,
            start_date: Some(onaltu_api::date(start)),
            end_date: Some(onaltu_api::date(end)),
            wheelchair,
            escorts,
            ..Default::default()
        }),
    };
    let full = dispatcher
        .subscribe_rider(subscribe(&a, true, 0))
        .await
        .unwrap_err();
    assert_eq!(full.code(), tonic::Code::FailedPrecondition);
    assert!(
        full.message().contains("wheelchair places"),
        "{}",
        full.message()
    );
    dispatcher
        .subscribe_rider(subscribe(&b, false, 1))
        .await
        .unwrap();
    let twice = dispatcher
        .subscribe_rider(subscribe(&b, false, 0))
        .await
        .unwrap_err();
    assert_eq!(twice.code(), tonic::Code::AlreadyExists);
    let no_seat = dispatcher
        .subscribe_rider(subscribe(&c, false, 0))
        .await
        .unwrap_err();
    assert!(no_seat.message().contains("seats"), "{}", no_seat.message());
    let bad = dispatcher
        .subscribe_rider(pb::SubscribeRiderRequest {
            request_id: Uuid::now_v7().to_string(),
            subscription: Some(pb::BusSubscription {
                bus_route_id: route.id.clone(),
                person_id: c.clone(),
                boarding_stop_sequence: 7,
                start_date: Some(onaltu_api::date(start)),
                end_date: Some(onaltu_api::date(start)),
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&bad), ["subscription.boarding_stop_sequence"]);
    let manifest = |d: NaiveDate| {
        let mut c = s.transport(Some(&claims(Role::Dispatcher)));
        let id = route.id.clone();
        async move {
            c.get_bus_manifest(pb::GetBusManifestRequest {
                bus_route_id: id,
                service_date: Some(onaltu_api::date(d)),
            })
            .await
            .unwrap()
            .into_inner()
            .manifest
            .unwrap()
        }
    };
    let monday = manifest(start).await;
    assert!(monday.operates);
    assert_eq!(monday.riders.len(), 1);
    assert_eq!((monday.seats_used, monday.seat_capacity), (2, 2));
    let saturday = manifest(start + chrono::Duration::days(5)).await;
    assert!(!saturday.operates);
    assert!(saturday.riders.is_empty());
    // The centre's staff see their route's manifest; another centre's do not.
    let other = centre(&mut op, "Басқа", 10).await.id;
    let denied = s
        .transport(Some(&onaltu_suite::staff(&other)))
        .get_bus_manifest(pb::GetBusManifestRequest {
            bus_route_id: route.id.clone(),
            service_date: Some(onaltu_api::date(start)),
        })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), tonic::Code::PermissionDenied);
}

#[tokio::test]
async fn a_vehicle_with_two_shifts_a_day_serves_both() {
    let s = Suite::start().await;
    let day = tomorrow();
    let v = vehicle(&s, "404DDD01").await;
    shift_hours(&s, &v.id, "driver-morning", day, (9, 12))
        .await
        .unwrap();
    shift_hours(&s, &v.id, "driver-evening", day, (14, 18))
        .await
        .unwrap();
    let mut op = s.registry(Some(&claims(Role::CityOperator)));
    let a = wheelchair_user(&mut op, 31).await.id;
    let mut dispatcher = s.transport(Some(&claims(Role::Dispatcher)));
    let (home, centre) = ((51.1100, 71.4000), (51.1500, 71.4700));
    let morning = book(
        &mut dispatcher,
        trip(&a, Some(local(day, 10, 0)), None, home, centre),
    )
    .await
    .unwrap();
    let evening = book(
        &mut dispatcher,
        trip(&a, Some(local(day, 15, 0)), None, centre, home),
    )
    .await
    .unwrap();
    // Karaganda is outside Astana's service area: recorded as rejected, the point named.
    let far = book(
        &mut dispatcher,
        trip(&a, Some(local(day, 11, 0)), None, home, (49.8047, 73.1094)),
    )
    .await
    .unwrap();
    assert_eq!(far.state, S::Rejected as i32);
    assert_eq!(
        far.rejection_reason,
        pb::TripRejectionReason::OutsideServiceArea as i32
    );
    assert!(
        far.state_note.starts_with("trip.dropoff is"),
        "{}",
        far.state_note
    );
    // Between the shifts the vehicle has no driver: a trip then is not planned.
    let noon = book(
        &mut dispatcher,
        trip(&a, Some(local(day, 12, 40)), None, centre, home),
    )
    .await
    .unwrap();
    let plan = dispatcher
        .plan_day(plan_request(day))
        .await
        .unwrap()
        .into_inner();
    let m = plan.metrics.unwrap();
    assert_eq!(
        (m.trips_planned, m.vehicles_used),
        (2, 1),
        "{:?}",
        plan.unassigned
    );
    assert_eq!(plan.unassigned.len(), 1);
    assert_eq!(plan.unassigned[0].trip_id, noon.id);
    // One route for the vehicle's day, back at the depot between the shifts.
    assert_eq!(plan.routes.len(), 1);
    let route = &plan.routes[0];
    check_route(route, &v);
    let kinds: Vec<i32> = route.stops.iter().map(|st| st.kind).collect();
    let (start, end) = (
        pb::StopKind::DepotStart as i32,
        pb::StopKind::DepotEnd as i32,
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == start).count(),
        2,
        "{kinds:?}"
    );
    assert_eq!(kinds.iter().filter(|k| **k == end).count(), 2, "{kinds:?}");
    let at = |id: &str| route.stops.iter().position(|st| st.trip_id == id).unwrap();
    let second_start = kinds.iter().rposition(|k| *k == start).unwrap();
    assert!(at(&morning.id) < second_start && second_start < at(&evening.id));
    // The noon trip was turned away for want of a vehicle, the note says why.
    let refused = dispatcher
        .get_trip(pb::GetTripRequest {
            id: noon.id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .trip
        .unwrap();
    assert_eq!(refused.state, S::Rejected as i32);
    assert_eq!(
        refused.rejection_reason,
        pb::TripRejectionReason::NoCapacity as i32
    );
    assert_eq!(refused.state_note, "OUTSIDE_SHIFTS");
    // The dispatcher cannot force it onto the vehicle while no shift covers it...
    let assign = |id: &str| pb::AssignTripRequest {
        trip_id: id.to_string(),
        vehicle_id: v.id.clone(),
        force: false,
        reason: "a driver for noon".into(),
    };
    let err = dispatcher.assign_trip(assign(&noon.id)).await.unwrap_err();
    assert_eq!(err.code(), tonic::Code::FailedPrecondition);
    assert!(err.message().contains("cannot take"), "{}", err.message());
    // ... but can once a noon shift is added; a trip rejected for another reason stays so.
    shift_hours(&s, &v.id, "driver-noon", day, (12, 14))
        .await
        .unwrap();
    let placed = dispatcher
        .assign_trip(assign(&noon.id))
        .await
        .unwrap()
        .into_inner();
    let t = placed.trip.unwrap();
    assert_eq!(t.state, S::Scheduled as i32);
    assert_eq!(t.rejection_reason, 0);
    let route = placed.route.unwrap();
    check_route(&route, &v);
    for id in [&morning.id, &noon.id, &evening.id] {
        assert!(route.stops.iter().any(|st| &st.trip_id == id));
    }
    let err = dispatcher.assign_trip(assign(&far.id)).await.unwrap_err();
    assert_eq!(err.code(), tonic::Code::FailedPrecondition);
    assert!(
        err.message().contains("trip is REJECTED"),
        "{}",
        err.message()
    );
    // The evening trip stays on the vehicle when the morning one is cancelled.
    dispatcher
        .cancel_trip(pb::CancelTripRequest {
            id: morning.id.clone(),
            reason: "ауырып қалдым".into(),
        })
        .await
        .unwrap();
    let after = dispatcher
        .get_route(pb::GetRouteRequest {
            vehicle_id: v.id.clone(),
            service_date: Some(onaltu_api::date(day)),
        })
        .await
        .unwrap()
        .into_inner()
        .route
        .unwrap();
    check_route(&after, &v);
    assert!(after.stops.iter().any(|st| st.trip_id == evening.id));
    assert!(after.stops.iter().all(|st| st.trip_id != morning.id));
}
