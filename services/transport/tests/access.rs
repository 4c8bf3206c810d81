//! The role x RPC matrix of the transport service: for each call, who is let through and who
//! is refused, with their own object or someone else's.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::{AtomicU32, Ordering};

use chrono::NaiveDate;
use common::*;
use onaltu_auth::Role;
use onaltu_proto::transport::{self as pb, TripState as S};
use tonic::Code;
use uuid::Uuid;

/// Tomorrow planned: invataxi V1 (its driver on a shift) takes person P's trip T; V2 has no
/// shift; a bus (its driver on a shift that day too) serves route R to centre A, where P is
/// admitted; centre B is another; Q is another person. P's trip TC, the day after, is the one to cancel.
struct World {
    h: Harness,
    day: NaiveDate,
    v1: String,
    v2: String,
    bus: String,
    centre_a: String,
    centre_b: String,
    p: String,
    q: String,
    t: String,
    tc: String,
    route: String,
    /// Makes each created plate, shift and route code unique.
    serial: AtomicU32,
}

async fn world() -> World {
    let h = Harness::start().await;
    let day = tomorrow();
    let v1 = vehicle(&h, "101AAA01").await.id;
    let v2 = vehicle(&h, "202BBB01").await.id;
    let bus = h
        .dispatcher()
        .create_vehicle(pb::CreateVehicleRequest {
            request_id: Uuid::now_v7().to_string(),
            vehicle: Some(pb::Vehicle {
                plate_number: "303BUS01".into(),
                kind: pb::VehicleKind::Bus as i32,
                model: "Yutong".into(),
                seats: 30,
                depot: point(51.1280, 71.4300),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .vehicle
        .unwrap()
        .id;
    shift(&h, &v1, &driver_of(&v1), day).await.unwrap();
    shift(&h, &bus, &driver_of(&bus), day).await.unwrap();
    let mut op = h.registry_operator();
    let centre_a = centre(&mut op, "А орталығы", 10).await.id;
    let centre_b = centre(&mut op, "Б орталығы", 10).await.id;
    let p = wheelchair_user(&mut op, 41).await.id;
    let q = adult(&mut op, 42).await.id;
    // P is at centre A: its staff may put P on A's bus.
    onaltu_testkit::registry::admitted(&mut op, &p, &centre_a).await;
    let t = book(
        &mut h.citizen(&p),
        trip("", Some(local(day, 10, 0)), None, HOME, CENTRE),
    )
    .await
    .unwrap()
    .id;
    let next_day = day + chrono::Duration::days(1);
    let tc = book(
        &mut h.dispatcher(),
        trip(&p, Some(local(next_day, 10, 0)), None, HOME, CENTRE),
    )
    .await
    .unwrap()
    .id;
    h.dispatcher().plan_day(plan_request(day)).await.unwrap();
    let planned = get_trip(&h, &t).await;
    assert_eq!(
        (planned.state, planned.vehicle_id.as_str()),
        (S::Scheduled as i32, v1.as_str())
    );
    let route = h
        .dispatcher()
        .create_bus_route(bus_route(&centre_a, Some(&bus), "R1"))
        .await
        .unwrap()
        .into_inner()
        .bus_route
        .unwrap()
        .id;
    World {
        h,
        day,
        v1,
        v2,
        bus,
        centre_a,
        centre_b,
        p,
        q,
        t,
        tc,
        route,
        serial: AtomicU32::new(500),
    }
}

/// A CreateBusRoute of a weekday route `code` to `centre` with two stops.
fn bus_route(centre: &str, bus: Option<&str>, code: &str) -> pb::CreateBusRouteRequest {
    let stop = |sequence: i32, lat: f64| pb::BusStop {
        sequence,
        name: None,
        location: point(lat, 71.43),
        address: String::new(),
    };
    let time = |hours, minutes| onaltu_proto::common::TimeOfDay { hours, minutes };
    pb::CreateBusRouteRequest {
        request_id: Uuid::now_v7().to_string(),
        bus_route: Some(pb::BusRoute {
            code: code.into(),
            center_id: centre.into(),
            vehicle_id: bus.unwrap_or_default().into(),
            stops: vec![stop(0, 51.10), stop(1, 51.15)],
            timetable: Some(pb::Timetable {
                days: (1..=7).collect(),
                valid: None,
                runs: vec![pb::BusRun {
                    direction: pb::BusRunDirection::ToCenter as i32,
                    stop_times: vec![time(8, 0), time(8, 30)],
                }],
            }),
            seat_capacity: 30,
            wheelchair_capacity: 2,
            ..Default::default()
        }),
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Caller {
    Anonymous,
    CitizenOwn,
    CitizenOther,
    StaffOwn,
    StaffOther,
    Dispatcher,
    DriverOwn,
    DriverOther,
    Operator,
    Auditor,
    Integration,
    Admin,
}

/// The callers, in the order of the matrix's columns.
const CALLERS: [Caller; 12] = [
    Caller::Anonymous,
    Caller::CitizenOwn,
    Caller::CitizenOther,
    Caller::StaffOwn,
    Caller::StaffOther,
    Caller::Dispatcher,
    Caller::DriverOwn,
    Caller::DriverOther,
    Caller::Operator,
    Caller::Auditor,
    Caller::Integration,
    Caller::Admin,
];

#[derive(Clone, Copy, Debug)]
enum Rpc {
    CreateVehicle,
    ListVehicles,
    CreateShift,
    ListShifts,
    RequestTrip,
    CancelTrip,
    GetTrip,
    ListTrips,
    PlanDay,
    GetRoute,
    AssignTrip,
    UpdateTripStatus,
    WatchDispatch,
    CreateBusRoute,
    ListBusRoutes,
    SubscribeRider,
    GetBusManifest,
    GetServiceMetrics,
}

impl World {
    /// The client of `caller` for `rpc`: a citizen is P (own) or Q (other); a centre's staff
    /// those of A (the route's) or B; a driver the one whose shift that day is on the object's
    /// vehicle (the bus for the bus calls, V1 for the others), or the one on a shift that day on
    /// the other of the two (V1's driver for the bus calls, the bus's for the others).
    fn client(&self, caller: Caller, rpc: Rpc) -> Client {
        let bus_call = matches!(
            rpc,
            Rpc::CreateBusRoute | Rpc::ListBusRoutes | Rpc::SubscribeRider | Rpc::GetBusManifest
        );
        match caller {
            Caller::Anonymous => self.h.anonymous(),
            Caller::CitizenOwn => self.h.citizen(&self.p),
            Caller::CitizenOther => self.h.citizen(&self.q),
            Caller::StaffOwn => self.h.staff(&self.centre_a),
            Caller::StaffOther => self.h.staff(&self.centre_b),
            Caller::Dispatcher => self.h.dispatcher(),
            Caller::DriverOwn if bus_call => self.h.driver(&self.bus),
            Caller::DriverOwn => self.h.driver(&self.v1),
            Caller::DriverOther if bus_call => self.h.driver(&self.v1),
            Caller::DriverOther => self.h.driver(&self.bus),
            Caller::Operator => self.h.as_role(Role::CityOperator),
            Caller::Auditor => self.h.as_role(Role::Auditor),
            Caller::Integration => self.h.as_role(Role::Integration),
            Caller::Admin => self.h.as_role(Role::Admin),
        }
    }

    fn serial(&self) -> u32 {
        self.serial.fetch_add(1, Ordering::Relaxed)
    }

    fn date(&self, days_after: i64) -> Option<onaltu_proto::common::Date> {
        Some(onaltu_api::date(
            self.day + chrono::Duration::days(days_after),
        ))
    }

    /// The code `rpc` answers `c` with.
    async fn call(&self, rpc: Rpc, mut c: Client) -> Code {
        let id = || Uuid::now_v7().to_string();
        let result = match rpc {
            Rpc::CreateVehicle => {
                let mut v = vehicle_request(&format!("{}ZZZ01", self.serial()));
                v.request_id = id();
                c.create_vehicle(v).await.map(|_| ())
            }
            Rpc::ListVehicles => c
                .list_vehicles(pb::ListVehiclesRequest::default())
                .await
                .map(|_| ()),
            Rpc::CreateShift => {
                // A day of its own for each, so that no shift clashes with another.
                let n = self.serial();
                let day = self.day + chrono::Duration::days(i64::from(n));
                c.create_shift(pb::CreateShiftRequest {
                    request_id: id(),
                    shift: Some(pb::Shift {
                        vehicle_id: self.v2.clone(),
                        driver_subject: format!("driver-{n}"),
                        driver_name: "Ерлан".into(),
                        start_time: Some(local(day, 9, 0)),
                        end_time: Some(local(day, 18, 0)),
                        ..Default::default()
                    }),
                })
                .await
                .map(|_| ())
            }
            Rpc::ListShifts => c
                .list_shifts(pb::ListShiftsRequest {
                    dates: Some(onaltu_proto::common::DateRange {
                        start_date: self.date(0),
                        end_date: self.date(0),
                    }),
                    ..Default::default()
                })
                .await
                .map(|_| ()),
            Rpc::RequestTrip => {
                let day = self.day + chrono::Duration::days(2);
                let t = trip(&self.p, Some(local(day, 11, 0)), None, HOME, CENTRE);
                book(&mut c, t).await.map(|_| ())
            }
            Rpc::CancelTrip => c
                .cancel_trip(pb::CancelTripRequest {
                    id: self.tc.clone(),
                    reason: "ауырып қалдым".into(),
                })
                .await
                .map(|_| ()),
            Rpc::GetTrip => c
                .get_trip(pb::GetTripRequest { id: self.t.clone() })
                .await
                .map(|_| ()),
            Rpc::ListTrips => c
                .list_trips(pb::ListTripsRequest {
                    service_date: self.date(0),
                    person_id: self.p.clone(),
                    vehicle_id: self.v1.clone(),
                    ..Default::default()
                })
                .await
                .map(|_| ()),
            Rpc::PlanDay => c.plan_day(plan_request(self.day)).await.map(|_| ()),
            Rpc::GetRoute => c
                .get_route(pb::GetRouteRequest {
                    vehicle_id: self.v1.clone(),
                    service_date: self.date(0),
                })
                .await
                .map(|_| ()),
            Rpc::AssignTrip => c
                .assign_trip(pb::AssignTripRequest {
                    trip_id: self.t.clone(),
                    vehicle_id: self.v1.clone(),
                    force: false,
                    reason: "the same vehicle".into(),
                })
                .await
                .map(|_| ()),
            Rpc::UpdateTripStatus => c
                .update_trip_status(step(&self.t, S::DriverEnRoute))
                .await
                .map(|_| ()),
            Rpc::WatchDispatch => c
                .watch_dispatch(pb::WatchDispatchRequest {
                    service_date: self.date(0),
                    vehicle_ids: vec![self.v1.clone()],
                    ..Default::default()
                })
                .await
                .map(|_| ()),
            Rpc::CreateBusRoute => {
                let code = format!("R{}", self.serial());
                c.create_bus_route(bus_route(&self.centre_a, None, &code))
                    .await
                    .map(|_| ())
            }
            Rpc::ListBusRoutes => c
                .list_bus_routes(pb::ListBusRoutesRequest::default())
                .await
                .map(|_| ()),
            Rpc::SubscribeRider => c
                .subscribe_rider(pb::SubscribeRiderRequest {
                    request_id: id(),
                    subscription: Some(pb::BusSubscription {
                        bus_route_id: self.route.clone(),
                        person_id: self.p.clone(),
                        boarding_stop_sequence: 0,
                        start_date: self.date(14),
                        end_date: self.date(20),
                        ..Default::default()
                    }),
                })
                .await
                .map(|_| ()),
            Rpc::GetBusManifest => c
                .get_bus_manifest(pb::GetBusManifestRequest {
                    bus_route_id: self.route.clone(),
                    service_date: self.date(0),
                })
                .await
                .map(|_| ()),
            Rpc::GetServiceMetrics => c
                .get_service_metrics(pb::GetServiceMetricsRequest {
                    span: Some(pb::get_service_metrics_request::Span::DateRange(
                        onaltu_proto::common::DateRange {
                            start_date: self.date(0),
                            end_date: self.date(0),
                        },
                    )),
                })
                .await
                .map(|_| ()),
        };
        match result {
            Ok(()) => Code::Ok,
            Err(s) => s.code(),
        }
    }
}

/// A CreateVehicle of an invataxi with plate `plate`.
fn vehicle_request(plate: &str) -> pb::CreateVehicleRequest {
    pb::CreateVehicleRequest {
        request_id: String::new(),
        vehicle: Some(pb::Vehicle {
            plate_number: plate.into(),
            kind: pb::VehicleKind::Invataxi as i32,
            model: "Hyundai Staria".into(),
            wheelchair_places: 1,
            seats: 3,
            has_ramp: true,
            depot: point(51.1280, 71.4300),
            ..Default::default()
        }),
    }
}

#[tokio::test]
async fn the_role_matrix_holds_for_every_rpc() {
    let w = world().await;
    // OK: let through. A call let through may still be refused for the state of its object
    // (a trip cancelled or reported twice, a rider subscribed twice): that is not a refusal
    // of the caller.
    use Code::{Ok as OK, PermissionDenied as DENY, Unauthenticated as UNAUTH};
    // Columns follow CALLERS: anonymous, citizen own, citizen other, staff own, staff other,
    // dispatcher, driver own, driver other, operator, auditor, integration, admin. The rows
    // run in this order: the writes of one row leave the objects the next rows need.
    #[rustfmt::skip]
    let matrix: Vec<(Rpc, [Code; 12])> = vec![
        (Rpc::CreateVehicle,     [UNAUTH, DENY, DENY, DENY, DENY, OK, DENY, DENY, DENY, DENY, DENY, OK]),
        (Rpc::ListVehicles,      [UNAUTH, DENY, DENY, DENY, DENY, OK, DENY, DENY, OK,   OK,   DENY, OK]),
        (Rpc::CreateShift,       [UNAUTH, DENY, DENY, DENY, DENY, OK, DENY, DENY, DENY, DENY, DENY, OK]),
        (Rpc::ListShifts,        [UNAUTH, DENY, DENY, DENY, DENY, OK, OK,   OK,   DENY, OK,   DENY, OK]),
        (Rpc::RequestTrip,       [UNAUTH, OK,   DENY, DENY, DENY, OK, DENY, DENY, DENY, DENY, DENY, DENY]),
        (Rpc::CancelTrip,        [UNAUTH, OK,   DENY, DENY, DENY, OK, DENY, DENY, DENY, DENY, DENY, DENY]),
        (Rpc::GetTrip,           [UNAUTH, OK,   DENY, DENY, DENY, OK, OK,   DENY, DENY, OK,   DENY, OK]),
        (Rpc::ListTrips,         [UNAUTH, OK,   DENY, DENY, DENY, OK, OK,   DENY, DENY, OK,   DENY, OK]),
        (Rpc::PlanDay,           [UNAUTH, DENY, DENY, DENY, DENY, OK, DENY, DENY, DENY, DENY, DENY, DENY]),
        (Rpc::GetRoute,          [UNAUTH, DENY, DENY, DENY, DENY, OK, OK,   DENY, DENY, OK,   DENY, OK]),
        (Rpc::AssignTrip,        [UNAUTH, DENY, DENY, DENY, DENY, OK, DENY, DENY, DENY, DENY, DENY, DENY]),
        (Rpc::UpdateTripStatus,  [UNAUTH, DENY, DENY, DENY, DENY, OK, OK,   DENY, DENY, DENY, DENY, DENY]),
        (Rpc::WatchDispatch,     [UNAUTH, DENY, DENY, DENY, DENY, OK, OK,   DENY, DENY, DENY, DENY, DENY]),
        (Rpc::CreateBusRoute,    [UNAUTH, DENY, DENY, DENY, DENY, OK, DENY, DENY, OK,   DENY, DENY, OK]),
        (Rpc::ListBusRoutes,     [UNAUTH, OK,   OK,   OK,   OK,   OK, OK,   OK,   OK,   OK,   OK,   OK]),
        (Rpc::SubscribeRider,    [UNAUTH, DENY, DENY, OK,   DENY, OK, DENY, DENY, OK,   DENY, DENY, DENY]),
        (Rpc::GetBusManifest,    [UNAUTH, DENY, DENY, OK,   DENY, OK, OK,   DENY, DENY, OK,   DENY, OK]),
        (Rpc::GetServiceMetrics, [UNAUTH, DENY, DENY, DENY, DENY, OK, DENY, DENY, OK,   OK,   OK,   OK]),
    ];
    let mut failures = Vec::new();
    for (rpc, expected) in &matrix {
        for (caller, want) in CALLERS.iter().zip(expected) {
            let got = w.call(*rpc, w.client(*caller, *rpc)).await;
            let got = match got {
                Code::AlreadyExists | Code::FailedPrecondition => OK,
                other => other,
            };
            if got != *want {
                failures.push(format!(
                    "{rpc:?} by {caller:?}: expected {want:?}, got {got:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn a_citizen_sees_and_cancels_only_their_own_trips() {
    let w = world().await;
    let mut other = w.h.citizen(&w.q);
    let denied = other
        .get_trip(pb::GetTripRequest { id: w.t.clone() })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let denied = other
        .cancel_trip(pb::CancelTripRequest {
            id: w.tc.clone(),
            reason: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    assert_eq!(get_trip(&w.h, &w.tc).await.state, S::Requested as i32);
    let cancelled =
        w.h.citizen(&w.p)
            .cancel_trip(pb::CancelTripRequest {
                id: w.tc.clone(),
                reason: String::new(),
            })
            .await
            .unwrap()
            .into_inner()
            .trip
            .unwrap();
    assert_eq!(cancelled.state, S::Cancelled as i32);
}
