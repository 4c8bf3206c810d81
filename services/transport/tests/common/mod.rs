//! The transport service in-process on its own Postgres schema, the registry it asks served
//! beside it (on a private Redis), clients for any role, and the fleet, bookings and planned
//! days the tests start from.

#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::Duration;

use chrono::{NaiveDate, NaiveTime};
use onaltu_auth::{Claims, Role};
use onaltu_proto::common::GeoPoint;
use onaltu_proto::transport::transport_service_client::TransportServiceClient;
use onaltu_proto::transport::{self as pb, TripState as S};
use onaltu_testkit::registry::{Registry, RegistryServed};
use onaltu_testkit::{AuthedChannel, RedisServer, Served, TestDb, authed};
use prost_types::Timestamp;
use uuid::Uuid;

pub use onaltu_proto::registry::AuditEvent as RegistryAuditEvent;
pub use onaltu_testkit::bad_fields;
pub use onaltu_testkit::registry::{adult, centre, wheelchair_user};

/// A transport client.
pub type Client = TransportServiceClient<AuthedChannel>;

/// The transport service and the registry it asks; dropping it stops the transport service
/// first, then drops its schema, the registry and Redis.
pub struct Harness {
    transport: Served,
    /// The transport service's schema.
    pub db: TestDb,
    registry: RegistryServed,
    redis: RedisServer,
}

impl Harness {
    /// Starts Redis, the registry and the transport service.
    pub async fn start() -> Self {
        let redis = RedisServer::start();
        let registry = onaltu_testkit::registry::serve(&redis).await;
        let db = TestDb::new(&onaltu_transport::migrations()).await;
        let settings = onaltu_transport::settings::Settings::local(
            db.settings(),
            onaltu_testkit::jwt_secret(),
            &registry.served.addr,
        );
        let pool = db.pool();
        let transport = Served::service("transport", settings, pool, onaltu_transport::serve).await;
        Self {
            transport,
            db,
            registry,
            redis,
        }
    }

    /// A client carrying `claims` (or no token).
    pub fn client(&self, claims: Option<&Claims>) -> Client {
        TransportServiceClient::new(authed(&self.transport.channel, claims))
    }

    /// A client with no token.
    pub fn anonymous(&self) -> Client {
        self.client(None)
    }

    /// A client of `role` with no person, centre or vehicle of its own.
    pub fn as_role(&self, role: Role) -> Client {
        self.client(Some(&onaltu_testkit::claims(role)))
    }

    /// A dispatcher.
    pub fn dispatcher(&self) -> Client {
        self.as_role(Role::Dispatcher)
    }

    /// The citizen who is `person`.
    pub fn citizen(&self, person: &str) -> Client {
        self.client(Some(&onaltu_testkit::citizen(person)))
    }

    /// The staff of `center`.
    pub fn staff(&self, center: &str) -> Client {
        self.client(Some(&onaltu_testkit::staff(center)))
    }

    /// A driver whose token names `vehicle` (and whose subject is [`driver_of`]`(vehicle)`):
    /// what they may reach follows the shifts that name that subject, not the vehicle.
    pub fn driver(&self, vehicle: &str) -> Client {
        self.client(Some(&onaltu_testkit::driver(vehicle)))
    }

    /// A driver whose token's subject is `subject` and names no vehicle.
    pub fn driver_named(&self, subject: &str) -> Client {
        let mut c = onaltu_testkit::claims(Role::Driver);
        c.sub = subject.into();
        self.client(Some(&c))
    }

    /// A client of the registry transport asks, carrying `claims` (or no token).
    pub fn registry_as(&self, claims: Option<&Claims>) -> Registry {
        Registry::new(authed(&self.registry.served.channel, claims))
    }

    /// A city operator of the registry, who registers persons and centres.
    pub fn registry_operator(&self) -> Registry {
        self.registry_as(Some(&onaltu_testkit::claims(Role::CityOperator)))
    }

    /// The registry's audit trail of `person`, as an auditor reads it.
    pub async fn audit_trail(&self, person: &str) -> Vec<RegistryAuditEvent> {
        self.registry_as(Some(&onaltu_testkit::claims(Role::Auditor)))
            .list_audit_events(onaltu_proto::registry::ListAuditEventsRequest {
                person_id: person.into(),
                page_size: 500,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .audit_events
    }

    /// Runs `sql` on the transport database, as an operator at the console would.
    pub async fn sql(&self, sql: &str) -> usize {
        use diesel_async::RunQueryDsl;
        let mut conn = self.db.connect().await;
        diesel::sql_query(sql).execute(&mut conn).await.unwrap()
    }

    /// Rows of `table` in the transport database.
    pub async fn count(&self, table: &str) -> i64 {
        self.db.count(table).await
    }

    /// The sequence number of the last dispatch change recorded for `day` (0 when none).
    pub async fn last_dispatch_change(&self, day: NaiveDate) -> i64 {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.db.connect().await;
        diesel::sql_query(
            "SELECT coalesce(max(sequence_number), 0) AS n FROM dispatch_events \
             WHERE service_date = $1",
        )
        .bind::<diesel::sql_types::Date, _>(day)
        .get_result::<N>(&mut conn)
        .await
        .unwrap()
        .n
    }
}

/// How long a test waits for a change to arrive before it fails.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// The first day trips can be booked for.
pub fn tomorrow() -> NaiveDate {
    onaltu_api::today() + chrono::Duration::days(1)
}

/// A local (UTC+5) time of `day` as a timestamp.
pub fn local(day: NaiveDate, h: u32, m: u32) -> Timestamp {
    let t = day
        .and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap())
        .and_utc()
        - chrono::Duration::hours(5);
    Timestamp {
        seconds: t.timestamp(),
        nanos: 0,
    }
}

/// A point on the map.
pub fn point(latitude: f64, longitude: f64) -> Option<GeoPoint> {
    Some(GeoPoint {
        latitude,
        longitude,
    })
}

/// A home in Astana the trips start or end at.
pub const HOME: (f64, f64) = (51.1100, 71.4000);
/// A rehabilitation centre in Astana the trips go to.
pub const CENTRE: (f64, f64) = (51.1500, 71.4700);

/// An invataxi with one wheelchair place, registered by a dispatcher.
pub async fn vehicle(h: &Harness, plate: &str) -> pb::Vehicle {
    h.dispatcher()
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

/// The subject of the driver [`Harness::driver`]`(vehicle)` calls as: the `driver_subject` of
/// the shifts that driver works.
pub fn driver_of(vehicle: &str) -> String {
    onaltu_testkit::driver(vehicle).sub
}

/// A 9:00-18:00 shift of `driver` on `vehicle`.
pub async fn shift(
    h: &Harness,
    vehicle: &str,
    driver: &str,
    day: NaiveDate,
) -> Result<pb::Shift, tonic::Status> {
    shift_hours(h, vehicle, driver, day, (9, 18)).await
}

/// A shift of `driver` on `vehicle` from one full hour to another.
pub async fn shift_hours(
    h: &Harness,
    vehicle: &str,
    driver: &str,
    day: NaiveDate,
    (from, to): (u32, u32),
) -> Result<pb::Shift, tonic::Status> {
    h.dispatcher()
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

/// A rehabilitation trip of `person` (the caller's own when empty) with one escort, at a
/// pickup time or by an arrival time.
pub fn trip(
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

/// Books `t` as the caller behind `client`.
pub async fn book(client: &mut Client, t: pb::Trip) -> Result<pb::Trip, tonic::Status> {
    client
        .request_trip(pb::RequestTripRequest {
            request_id: Uuid::now_v7().to_string(),
            trip: Some(t),
        })
        .await
        .map(|r| r.into_inner().trip.unwrap())
}

/// A bus route `code` to `centre`, two stops on weekdays at 8:00 and 8:30, ten seats and a
/// wheelchair place, created by a dispatcher.
pub async fn weekday_bus_route(h: &Harness, centre: &str, code: &str) -> pb::BusRoute {
    let stop = |sequence: i32, lat: f64| pb::BusStop {
        sequence,
        name: None,
        location: point(lat, 71.43),
        address: String::new(),
    };
    let time = |hours, minutes| onaltu_proto::common::TimeOfDay { hours, minutes };
    h.dispatcher()
        .create_bus_route(pb::CreateBusRouteRequest {
            request_id: Uuid::now_v7().to_string(),
            bus_route: Some(pb::BusRoute {
                code: code.into(),
                center_id: centre.into(),
                stops: vec![stop(0, 51.10), stop(1, 51.15)],
                timetable: Some(pb::Timetable {
                    days: (1..=5).collect(),
                    valid: None,
                    runs: vec![pb::BusRun {
                        direction: pb::BusRunDirection::ToCenter as i32,
                        stop_times: vec![time(8, 0), time(8, 30)],
                    }],
                }),
                seat_capacity: 10,
                wheelchair_capacity: 1,
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .bus_route
        .unwrap()
}

/// A PlanDay of `day` with the service's default options.
pub fn plan_request(day: NaiveDate) -> pb::PlanDayRequest {
    pb::PlanDayRequest {
        request_id: Uuid::now_v7().to_string(),
        service_date: Some(onaltu_api::date(day)),
        options: None,
    }
}

/// Trip `id` as a dispatcher sees it.
pub async fn get_trip(h: &Harness, id: &str) -> pb::Trip {
    h.dispatcher()
        .get_trip(pb::GetTripRequest { id: id.into() })
        .await
        .unwrap()
        .into_inner()
        .trip
        .unwrap()
}

/// `vehicle`'s route of `day` as a dispatcher reads it.
pub async fn route_of(
    h: &Harness,
    vehicle: &str,
    day: NaiveDate,
) -> Result<pb::Route, tonic::Status> {
    h.dispatcher()
        .get_route(pb::GetRouteRequest {
            vehicle_id: vehicle.into(),
            service_date: Some(onaltu_api::date(day)),
        })
        .await
        .map(|r| r.into_inner().route.unwrap())
}

/// A status report of trip `id`.
pub fn step(id: &str, state: S) -> pb::UpdateTripStatusRequest {
    pb::UpdateTripStatusRequest {
        trip_id: id.into(),
        state: state as i32,
        ..Default::default()
    }
}

/// Reports trip `id` through `states` as the client behind `driver`, each answered with it.
pub async fn drive(driver: &mut Client, id: &str, states: &[S]) {
    for &state in states {
        let t = driver
            .update_trip_status(step(id, state))
            .await
            .unwrap()
            .into_inner()
            .trip
            .unwrap();
        assert_eq!(t.state, state as i32);
    }
}

/// The seconds of a timestamp that must be there.
pub fn secs(t: &Option<Timestamp>) -> i64 {
    t.as_ref().map(|t| t.seconds).unwrap()
}

/// An independent look at a planned route: times never go back, every stop inside its window,
/// every pickup before its drop-off on the same route, loads within the vehicle, rides within
/// 90 minutes.
pub fn check_route(route: &pb::Route, v: &pb::Vehicle) {
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

/// A day booked for tomorrow: two invataxis, each with its own driver ([`driver_of`] the
/// vehicle) on a shift from 9:00 to 18:00; A and B
/// wheelchair users, C an adult without an assessment. A books their 10:00 trip to the centre
/// (t1); a dispatcher books B's 10:05 trip to the centre (t2), B's trip home by 15:00 (t3) and
/// A's trip home by 16:00 (t4); C books a trip at 11:00 (t5), which the registry turns away.
pub struct BookedDay {
    pub h: Harness,
    pub day: NaiveDate,
    pub v1: pb::Vehicle,
    pub v2: pb::Vehicle,
    pub a: String,
    pub b: String,
    pub c: String,
    pub t1: pb::Trip,
    pub t2: pb::Trip,
    pub t3: pb::Trip,
    pub t4: pb::Trip,
    pub t5: pb::Trip,
}

impl BookedDay {
    /// Starts the service and books the day.
    pub async fn start() -> Self {
        let h = Harness::start().await;
        let day = tomorrow();
        let v1 = vehicle(&h, "101AAA01").await;
        let v2 = vehicle(&h, "202BBB01").await;
        shift(&h, &v1.id, &driver_of(&v1.id), day).await.unwrap();
        shift(&h, &v2.id, &driver_of(&v2.id), day).await.unwrap();
        let mut op = h.registry_operator();
        let a = wheelchair_user(&mut op, 11).await.id;
        let b = wheelchair_user(&mut op, 12).await.id;
        let c = adult(&mut op, 13).await.id;
        let t1 = book(
            &mut h.citizen(&a),
            trip("", Some(local(day, 10, 0)), None, HOME, CENTRE),
        )
        .await
        .unwrap();
        let mut dispatcher = h.dispatcher();
        let t2 = book(
            &mut dispatcher,
            trip(
                &b,
                Some(local(day, 10, 5)),
                None,
                (51.1150, 71.4050),
                CENTRE,
            ),
        )
        .await
        .unwrap();
        let t3 = book(
            &mut dispatcher,
            trip(&b, None, Some(local(day, 15, 0)), CENTRE, HOME),
        )
        .await
        .unwrap();
        let t4 = book(
            &mut dispatcher,
            trip(&a, None, Some(local(day, 16, 0)), CENTRE, HOME),
        )
        .await
        .unwrap();
        let t5 = book(
            &mut h.citizen(&c),
            trip("", Some(local(day, 11, 0)), None, HOME, CENTRE),
        )
        .await
        .unwrap();
        Self {
            h,
            day,
            v1,
            v2,
            a,
            b,
            c,
            t1,
            t2,
            t3,
            t4,
            t5,
        }
    }

    /// Plans the day as a dispatcher.
    pub async fn plan(&self) -> pb::PlanDayResponse {
        self.h
            .dispatcher()
            .plan_day(plan_request(self.day))
            .await
            .unwrap()
            .into_inner()
    }

    /// The vehicle of `id`.
    pub fn vehicle(&self, id: &str) -> &pb::Vehicle {
        [&self.v1, &self.v2]
            .into_iter()
            .find(|v| v.id == id)
            .expect("one of the day's vehicles")
    }

    /// The day's vehicle other than `id`.
    pub fn other_vehicle(&self, id: &str) -> &pb::Vehicle {
        if id == self.v1.id { &self.v2 } else { &self.v1 }
    }
}
