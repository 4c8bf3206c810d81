//! Retention run once at a given moment: a trip's places, notes, passenger and booker are
//! cleared a year after it (the row stays for the measures), a route's stops lose their places a
//! year after its day, dispatch changes and idempotency keys are deleted once past their keep;
//! anything younger is untouched, and a second run finds nothing more to do.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, SubsecRound as _, Utc};
use diesel::sql_types::{BigInt, Bool, Nullable, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use onaltu_api::local_date;
use onaltu_proto::common::GeoPoint;
use onaltu_proto::transport as pb;
use onaltu_testkit::TestDb;
use onaltu_transport::settings::Settings;
use onaltu_transport::store::events;
use onaltu_transport::store::routes::{self, RouteRow};
use onaltu_transport::store::trips::{self, TripRow};
use onaltu_transport::store::vehicles::{self, VehicleRow};
use onaltu_transport::workers::retention;
use prost::Message as _;
use uuid::Uuid;

/// A place with an address, a point and a note for the driver.
fn place(address: &str) -> Vec<u8> {
    pb::Place {
        location: Some(GeoPoint {
            latitude: 51.11,
            longitude: 71.4,
        }),
        address: address.into(),
        note: "3-подъезд, қоңырау шалыңыз".into(),
    }
    .encode_to_vec()
}

/// A completed trip on `vehicle` whose pickup window ends at `end`.
fn trip(vehicle: Uuid, end: DateTime<Utc>) -> TripRow {
    let start = end - Duration::minutes(30);
    TripRow {
        id: Uuid::now_v7(),
        person_id: Uuid::now_v7(),
        requested_by: "citizen-1".into(),
        pickup: place("Абай даңғылы 10, 5-пәтер"),
        dropoff: place("оңалту орталығы"),
        requested_pickup_time: Some(start),
        requested_arrival_time: None,
        wheelchair: true,
        escorts: 1,
        purpose: pb::TripPurpose::Rehabilitation as i16,
        center_id: None,
        state: pb::TripState::Completed as i16,
        rejection_reason: 0,
        state_note: "күтіп тұрды".into(),
        service_date: local_date(start),
        window_start: start,
        window_end: end,
        planned_pickup_time: Some(start + Duration::minutes(5)),
        planned_dropoff_time: Some(end + Duration::minutes(20)),
        actual_pickup_time: Some(start + Duration::minutes(6)),
        actual_dropoff_time: Some(end + Duration::minutes(22)),
        arrived_time: Some(start + Duration::minutes(4)),
        vehicle_id: Some(vehicle),
        route_id: None,
        manually_assigned: false,
        direct_ride_seconds: 900,
        create_time: start - Duration::days(2),
        update_time: end,
    }
}

/// A stop of `kind` at `address`, at `seconds`.
fn stop(kind: pb::StopKind, address: &str, seconds: i64) -> pb::Stop {
    pb::Stop {
        kind: kind as i32,
        address: address.into(),
        location: Some(GeoPoint {
            latitude: 51.12,
            longitude: 71.41,
        }),
        planned_arrival_time: Some(prost_types::Timestamp { seconds, nanos: 0 }),
        ..Default::default()
    }
}

/// `vehicle`'s route of the local day `days` before `now`: the depot, a pickup at a home, a
/// drop-off at a centre, the depot.
fn route(vehicle: Uuid, now: DateTime<Utc>, days: i64) -> RouteRow {
    let at = (now - Duration::days(days)).timestamp();
    let body = pb::Route {
        vehicle_id: vehicle.to_string(),
        stops: vec![
            stop(pb::StopKind::DepotStart, "депо", at),
            stop(pb::StopKind::Pickup, "Абай даңғылы 10, 5-пәтер", at + 600),
            stop(pb::StopKind::Dropoff, "оңалту орталығы", at + 1800),
            stop(pb::StopKind::DepotEnd, "депо", at + 3600),
        ],
        ..Default::default()
    };
    RouteRow {
        id: Uuid::now_v7(),
        vehicle_id: vehicle,
        service_date: local_date(now - Duration::days(days)),
        body: body.encode_to_vec(),
        version: 1,
        update_time: now - Duration::days(days),
    }
}

#[derive(diesel::QueryableByName)]
struct Anonymised {
    #[diesel(sql_type = Bool)]
    done: bool,
}

/// Whether the row `id` of `table` (trips or routes) is marked anonymised.
async fn anonymised(conn: &mut AsyncPgConnection, table: &str, id: Uuid) -> bool {
    diesel::sql_query(format!(
        "SELECT anonymised_at IS NOT NULL AS done FROM {table} WHERE id = $1"
    ))
    .bind::<SqlUuid, _>(id)
    .get_result::<Anonymised>(conn)
    .await
    .unwrap()
    .done
}

/// The trips `ids` as stored.
async fn rows(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> Vec<TripRow> {
    let mut out = Vec::new();
    for id in ids {
        out.push(trips::get(conn, *id).await.unwrap().unwrap());
    }
    out
}

#[derive(diesel::QueryableByName, Debug, PartialEq)]
struct Seq {
    #[diesel(sql_type = BigInt)]
    sequence_number: i64,
}

/// The dispatch changes left, in order.
async fn dispatch_left(conn: &mut AsyncPgConnection) -> Vec<i64> {
    diesel::sql_query("SELECT sequence_number FROM dispatch_events ORDER BY sequence_number")
        .load::<Seq>(conn)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.sequence_number)
        .collect()
}

/// Remembers an idempotency key of `caller` made at `at`.
async fn key(conn: &mut AsyncPgConnection, caller: &str, at: DateTime<Utc>) {
    diesel::sql_query(
        "INSERT INTO requests (caller, method, request_id, fingerprint, answer, created_at) \
         VALUES ($1, 'RequestTrip', $2, '\\x00'::bytea, '\\x00'::bytea, $3)",
    )
    .bind::<diesel::sql_types::Text, _>(caller)
    .bind::<SqlUuid, _>(Uuid::now_v7())
    .bind::<Nullable<Timestamptz>, _>(Some(at))
    .execute(conn)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_run_clears_what_is_past_its_keep_and_a_second_run_changes_nothing() {
    let db = TestDb::new(&onaltu_transport::migrations()).await;
    let settings = Settings::local(
        db.settings(),
        onaltu_testkit::jwt_secret(),
        "http://127.0.0.1:9",
    );
    // The defaults: trips' places and routes' stops a year, dispatch changes a year, keys a
    // week.
    assert_eq!(settings.records.trip_addresses_days, 365);
    assert_eq!(settings.records.dispatch_events_days, 365);
    assert_eq!(settings.retention.requests_days, 7);
    let mut conn = db.connect().await;
    // Postgres keeps microseconds.
    let now = Utc::now().trunc_subsecs(6);
    let v = VehicleRow {
        id: Uuid::now_v7(),
        plate_number: "101AAA01".into(),
        kind: pb::VehicleKind::Invataxi as i16,
        model: "Hyundai Staria".into(),
        wheelchair_places: 1,
        seats: 3,
        has_ramp: true,
        has_lift: false,
        depot_latitude: 51.128,
        depot_longitude: 71.43,
        depot_address: "депо".into(),
        status: pb::VehicleStatus::Active as i16,
        create_time: now - Duration::days(800),
    };
    vehicles::insert(&mut conn, &v).await.unwrap();

    let old = trip(v.id, now - Duration::days(400));
    let young = trip(v.id, now - Duration::days(364));
    let last_week = trip(v.id, now - Duration::days(7));
    for t in [&old, &young, &last_week] {
        trips::insert(&mut conn, t).await.unwrap();
    }
    for days in [400, 300] {
        let at = now - Duration::days(days);
        events::insert(&mut conn, local_date(at), Some(v.id), vec![1, 2, 3], at)
            .await
            .unwrap();
    }
    let kept_event = dispatch_left(&mut conn).await[1];
    let old_route = route(v.id, now, 400);
    let young_route = route(v.id, now, 300);
    for r in [&old_route, &young_route] {
        routes::put(&mut conn, r).await.unwrap();
    }
    key(&mut conn, "citizen-old", now - Duration::days(8)).await;
    key(&mut conn, "citizen-new", now - Duration::days(1)).await;

    let done = retention::run_once(&mut conn, &settings, now)
        .await
        .unwrap();
    assert_eq!(
        done,
        [
            ("requests", 1),
            ("dispatch_events", 1),
            ("trip_addresses", 1),
            ("route_places", 1)
        ]
    );

    // The old trip: places, notes, passenger and booker gone; the row and its times, state and
    // vehicle kept for the measures.
    let cleared = trips::get(&mut conn, old.id).await.unwrap().unwrap();
    assert!(cleared.pickup.is_empty() && cleared.dropoff.is_empty());
    assert_eq!(cleared.state_note, "");
    assert_eq!(cleared.person_id, Uuid::nil());
    assert_eq!(cleared.requested_by, "");
    assert_eq!(
        TripRow {
            pickup: old.pickup.clone(),
            dropoff: old.dropoff.clone(),
            state_note: old.state_note.clone(),
            person_id: old.person_id,
            requested_by: old.requested_by.clone(),
            ..cleared
        },
        old,
        "nothing else of the trip changed"
    );
    assert!(anonymised(&mut conn, "trips", old.id).await);
    // Younger trips untouched.
    for t in [&young, &last_week] {
        assert_eq!(&trips::get(&mut conn, t.id).await.unwrap().unwrap(), t);
        assert!(!anonymised(&mut conn, "trips", t.id).await);
    }
    assert_eq!(dispatch_left(&mut conn).await, [kept_event]);
    // The old route: its stops' places gone, the depot's and every time kept.
    let cleared_route = routes::get(&mut conn, v.id, old_route.service_date)
        .await
        .unwrap()
        .unwrap();
    let stops = pb::Route::decode(cleared_route.body.as_slice())
        .unwrap()
        .stops;
    let addresses: Vec<&str> = stops.iter().map(|s| s.address.as_str()).collect();
    assert_eq!(addresses, ["депо", "", "", "депо"]);
    assert!(stops[1].location.is_none() && stops[2].location.is_none());
    let was = pb::Route::decode(old_route.body.as_slice()).unwrap().stops;
    for (now, then) in stops.iter().zip(&was) {
        assert_eq!(now.planned_arrival_time, then.planned_arrival_time);
        assert_eq!(now.kind, then.kind);
    }
    assert!(anonymised(&mut conn, "routes", old_route.id).await);
    assert_eq!(
        routes::get(&mut conn, v.id, young_route.service_date)
            .await
            .unwrap()
            .unwrap(),
        young_route
    );
    assert_eq!(db.count("requests").await, 1);

    // A second run at the same moment finds nothing more.
    let ids = [old.id, young.id, last_week.id];
    let trips_after = rows(&mut conn, &ids).await;
    let again = retention::run_once(&mut conn, &settings, now)
        .await
        .unwrap();
    assert!(again.iter().all(|(_, rows)| *rows == 0), "{again:?}");
    assert_eq!(rows(&mut conn, &ids).await, trips_after);
    assert_eq!(
        routes::get(&mut conn, v.id, old_route.service_date)
            .await
            .unwrap()
            .unwrap(),
        cleared_route
    );
    assert_eq!(dispatch_left(&mut conn).await, [kept_event]);
    assert_eq!(db.count("requests").await, 1);
}
