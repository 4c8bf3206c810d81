//! The portal in a real browser: headless Chromium, driven by the Node tests in
//! `services/portal/browser` (playwright-core, axe-core), against the portal served in-process
//! over the whole suite. This test makes the fixtures through the services' APIs, hands them to
//! the browser tests as JSON, and does what an operator would between the browser's steps.
//! Chromium and the node modules come from `make test` (`scripts/stack.sh browser`); without
//! them these tests fail, saying so.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use onaltu_api::Period;
use onaltu_auth::Role;
use onaltu_proto::feedback as fb;
use onaltu_proto::rating as rt;
use onaltu_proto::transport as tr;
use onaltu_suite::fixtures::*;
use onaltu_suite::{Portal, Suite, citizen, claims};
use serde_json::{Value, json};
use uuid::Uuid;

/// The browser tests' directory.
fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../services/portal/browser")
}

/// What the browser tests need on the machine, or the panic that says how to get it.
fn require_browser() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let mut missing = Vec::new();
    if !Path::new(&chromium).is_file() {
        missing.push(format!("Chromium ({chromium})"));
    }
    let node = std::process::Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !node.is_ok_and(|s| s.success()) {
        missing.push("Node.js (node)".into());
    }
    for module in ["playwright-core", "axe-core"] {
        if !browser_dir().join("node_modules").join(module).is_dir() {
            missing.push(format!("services/portal/browser/node_modules/{module}"));
        }
    }
    assert!(
        missing.is_empty(),
        "the portal's browser tests need {}: run `make test` (or `scripts/stack.sh browser`), \
         which installs them",
        missing.join(", ")
    );
}

/// Runs the browser test `files` against `portal` with `fixtures`; fails with Node's output
/// unless every test passed.
async fn browser_tests(portal: &Portal, fixtures: &Value, files: &[&str]) {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), serde_json::to_vec_pretty(fixtures).unwrap()).unwrap();
    let mut command = tokio::process::Command::new("node");
    command
        .current_dir(browser_dir())
        .args(["--test", "--test-concurrency=1", "--test-reporter=spec"])
        .args(files)
        .env("PORTAL_URL", &portal.url)
        .env("PORTAL_FIXTURES", file.path())
        .env("NO_COLOR", "1")
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(200), command.output())
        .await
        .unwrap_or_else(|_| panic!("the browser tests {files:?} took more than 200 s"))
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the browser tests {files:?} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    println!("{stdout}");
}

fn current() -> Period {
    Period::quarter_of(onaltu_api::today())
}

/// A centre, the name a visitor searches it by, and what the browser tests read of it.
struct Centre {
    id: String,
    name: &'static str,
    search: &'static str,
}

/// What the six evaluators of the rated centre wrote.
const PUBLISHED_COMMENT: &str = "Балама көп көмектесті, рақмет.";

/// `centre` rated for the current quarter: six adults it served evaluated it with 5 (published)
/// and the city's inspection values are recorded; then the quarter is computed.
async fn rated(s: &Suite, centre: &str) {
    let mut op = s.registry(Some(&claims(Role::CityOperator)));
    let mut moderator = s.feedback(Some(&claims(Role::CityOperator)));
    for i in 0..6 {
        let person = adult(&mut op, 40 + i).await.id;
        let episode = discharged(&mut op, &person, centre).await.id;
        let e = submit(
            &mut s.feedback(Some(&citizen(&person))),
            evaluation(&episode, 5, PUBLISHED_COMMENT),
        )
        .await
        .unwrap();
        publish(&mut moderator, &e.id).await;
    }
    assert_eq!(
        s.rating_counts_evaluations(6).await,
        6,
        "the rating counted the evaluations"
    );
    let value = |code: &str, source: rt::IndicatorSource, value: f64| rt::IndicatorValue {
        indicator_code: code.into(),
        value,
        source: source as i32,
        evidence_reference: "Акт №7/2026".into(),
        ..Default::default()
    };
    use rt::IndicatorSource::{Inspection, SelfReported};
    s.rating(Some(&claims(Role::Admin)))
        .record_indicators(rt::RecordIndicatorsRequest {
            request_id: Uuid::now_v7().to_string(),
            center_id: centre.into(),
            period: Some(current().encode()),
            values: vec![
                value("accessibility_checklist_share", Inspection, 1.0),
                value("information_openness_share", Inspection, 0.65),
                value("events_per_100_recipients", Inspection, 10.0),
                value("events_per_100_recipients", SelfReported, 18.0),
            ],
        })
        .await
        .unwrap();
    s.rating(Some(&claims(Role::CityOperator)))
        .compute_ratings(rt::ComputeRatingsRequest {
            request_id: Uuid::now_v7().to_string(),
            period: Some(current().encode()),
        })
        .await
        .unwrap();
}

/// `h:m` local (UTC+5) time of `day`.
fn local(day: chrono::NaiveDate, h: u32, m: u32) -> prost_types::Timestamp {
    let t = day.and_hms_opt(h, m, 0).unwrap().and_utc() - chrono::Duration::hours(5);
    prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: 0,
    }
}

/// An invataxi with a wheelchair place and a 9:00-18:00 shift on `day`, made by a dispatcher.
async fn vehicle_with_shift(p: &Portal, day: chrono::NaiveDate) -> tr::Vehicle {
    vehicle_on_shift(p, day, "777ABC01", (9, 18)).await
}

/// An invataxi `plate` with a wheelchair place, its driver (`driver-<vehicle id>`) on shift on
/// `day` from `from` to `to` o'clock, made by a dispatcher.
async fn vehicle_on_shift(
    p: &Portal,
    day: chrono::NaiveDate,
    plate: &str,
    (from, to): (u32, u32),
) -> tr::Vehicle {
    let mut dispatcher = p.transport(Some(&claims(Role::Dispatcher)));
    let vehicle = dispatcher
        .create_vehicle(tr::CreateVehicleRequest {
            request_id: Uuid::now_v7().to_string(),
            vehicle: Some(tr::Vehicle {
                plate_number: plate.into(),
                kind: tr::VehicleKind::Invataxi as i32,
                model: "Hyundai Staria".into(),
                wheelchair_places: 1,
                seats: 3,
                has_ramp: true,
                depot: Some(onaltu_proto::common::GeoPoint {
                    latitude: 51.1280,
                    longitude: 71.4300,
                }),
                depot_address: "Астана, Пушкин к-сі 15".into(),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .vehicle
        .unwrap();
    let at = |h: u32| local(day, h, 0);
    dispatcher
        .create_shift(tr::CreateShiftRequest {
            request_id: Uuid::now_v7().to_string(),
            shift: Some(tr::Shift {
                vehicle_id: vehicle.id.clone(),
                driver_subject: format!("driver-{}", vehicle.id),
                driver_name: "Ерлан".into(),
                start_time: Some(at(from)),
                end_time: Some(at(to)),
                ..Default::default()
            }),
        })
        .await
        .unwrap();
    vehicle
}

/// A centre on the map (the invataxi takes people to it), children's and adults', in Astana.
async fn located_centre(op: &mut Registry, name: &str) -> onaltu_proto::registry::Center {
    use onaltu_proto::common::{CenterKind, CenterSector, GeoPoint, LocalizedText};
    use onaltu_proto::registry as reg;
    op.create_center(reg::CreateCenterRequest {
        request_id: Uuid::now_v7().to_string(),
        center: Some(reg::Center {
            name: Some(LocalizedText {
                kk: name.into(),
                ru: String::new(),
            }),
            sector: CenterSector::Health as i32,
            kind: CenterKind::RehabCentre as i32,
            region_code: "KZ-71".into(),
            service_forms: vec![reg::ServiceForm::Stationary as i32],
            capacity: Some(reg::Capacity {
                beds: Some(40),
                places: Some(40),
                admissions_per_month: None,
            }),
            serves_children: true,
            serves_adults: true,
            address: "Астана, Қабанбай батыр даңғылы 42".into(),
            location: Some(GeoPoint {
                latitude: 51.1500,
                longitude: 71.4700,
            }),
            ..Default::default()
        }),
    })
    .await
    .expect("create a centre")
    .into_inner()
    .center
    .expect("the centre")
}

/// A wheelchair user of group 1 living at a known address, who may book the invataxi.
async fn rider(op: &mut Registry) -> onaltu_proto::registry::Person {
    use onaltu_proto::common::{GeoPoint, Sex};
    use onaltu_proto::registry as reg;
    let birth = chrono::NaiveDate::from_ymd_opt(1985, 9, 3).unwrap();
    op.create_person(reg::CreatePersonRequest {
        request_id: Uuid::now_v7().to_string(),
        person: Some(reg::Person {
            iin: onaltu_kzid::Iin::generate(birth, onaltu_kzid::Sex::Female, 4).unwrap(),
            surname: "Омарова".into(),
            given_name: "Дана".into(),
            sex: Sex::Female as i32,
            region_code: "KZ-71".into(),
            address: "Астана, Сарыарқа даңғылы 10, 5-пәтер".into(),
            location: Some(GeoPoint {
                latitude: 51.1100,
                longitude: 71.4000,
            }),
            needs: Some(reg::Needs {
                wheelchair_user: true,
                ..Default::default()
            }),
            current_assessment: Some(reg::Assessment {
                group: reg::DisabilityGroup::Group1 as i32,
                cause: reg::DisabilityCause::Congenital as i32,
                nosology_class: reg::NosologyClass::NervousSystem as i32,
                established_on: Some(date(2024, 5, 1)),
                re_examination_due: Some(date(2030, 5, 1)),
                ..Default::default()
            }),
            ..Default::default()
        }),
    })
    .await
    .expect("create the rider")
    .into_inner()
    .person
    .expect("the rider")
}

/// The fixtures every browser test reads: a rated centre and another one, a recipient of a
/// discharged service, a parent whose child was served, a wheelchair user who may book the
/// invataxi, and a vehicle on shift on the day trips are booked for.
async fn fixtures(s: &Suite, p: &Portal) -> (Value, Centre) {
    let mut op = s.registry(Some(&claims(Role::CityOperator)));
    let rated_centre = Centre {
        id: located_centre(&mut op, "«Шипагер» оңалту орталығы")
            .await
            .id,
        name: "«Шипагер» оңалту орталығы",
        search: "Шипагер",
    };
    let other = centre(&mut op, "Жаңа өмір орталығы", 20).await;
    rated(s, &rated_centre.id).await;
    let centre = rated_centre;

    let recipient = adult(&mut op, 1).await;
    let recipient_episode = discharged(&mut op, &recipient.id, &centre.id).await;
    let parent = adult(&mut op, 2).await;
    let child = child(&mut op, 3, &parent.id).await;
    let child_episode = discharged(&mut op, &child.id, &centre.id).await;
    let rider = rider(&mut op).await;
    let day = onaltu_api::today() + chrono::Duration::days(1);
    let vehicle = vehicle_with_shift(p, day).await;

    let person = |p: &onaltu_proto::registry::Person| json!({ "id": p.id, "name": format!("{} {}", p.given_name, p.surname) });
    let fixtures = json!({
        "centre": { "id": centre.id, "name": centre.name, "search": centre.search },
        "other_centre": { "id": other.id, "name": "Жаңа өмір орталығы" },
        "period": { "year": current().year, "quarter": current().number },
        "recipient": { "person": person(&recipient), "episode": recipient_episode.id },
        "parent": { "person": person(&parent), "child": person(&child), "episode": child_episode.id },
        "rider": { "person": person(&rider) },
        "vehicle": { "id": vehicle.id, "plate": vehicle.plate_number },
        "trip_day": day.to_string(),
        "published_comment": PUBLISHED_COMMENT,
        "recipient_comment": "Дәрігерлер мұқият болды, бірақ кезек ұзаққа созылды.",
    });
    (fixtures, centre)
}

/// The evaluations of `centre` waiting for moderation, published as a city operator would.
async fn publish_pending(s: &Suite, centre: &str) -> usize {
    let mut moderator = s.feedback(Some(&claims(Role::CityOperator)));
    let pending = moderator
        .list_evaluations(fb::ListEvaluationsRequest {
            center_id: centre.into(),
            statuses: vec![fb::EvaluationStatus::PendingModeration as i32],
            page_size: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .evaluations;
    for e in &pending {
        publish(&mut moderator, &e.id).await;
    }
    pending.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_public_pages_in_kazakh_russian_and_english_in_a_browser() {
    require_browser();
    let (s, p) = Suite::start_with_portal().await;
    let (fixtures, _) = fixtures(&s, &p).await;
    browser_tests(&p, &fixtures, &["public.test.js"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_evaluation_from_sign_in_to_publication_in_a_browser() {
    require_browser();
    let (s, p) = Suite::start_with_portal().await;
    let (fixtures, centre) = fixtures(&s, &p).await;
    browser_tests(&p, &fixtures, &["evaluate.test.js"]).await;
    // A moderator publishes what the recipient and the parent sent.
    assert_eq!(
        publish_pending(&s, &centre.id).await,
        2,
        "the recipient's and the parent's evaluations waited for moderation"
    );
    browser_tests(&p, &fixtures, &["published.test.js"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_invataxi_trip_booked_and_cancelled_in_a_browser() {
    require_browser();
    let (s, p) = Suite::start_with_portal().await;
    let (fixtures, _) = fixtures(&s, &p).await;
    browser_tests(&p, &fixtures, &["trips.test.js"]).await;
}

/// Where the booked trips go: the rated centre's address on the map.
const CENTRE_AT: (f64, f64) = (51.1500, 71.4700);

/// A trip of `person` from `home` (named `address`) to the centre, picked up at `h:m` on `day`,
/// booked by a dispatcher.
async fn booked_trip(
    p: &Portal,
    day: chrono::NaiveDate,
    person: &str,
    (home, address): ((f64, f64), String),
    (h, m): (u32, u32),
) -> tr::Trip {
    use onaltu_proto::common::GeoPoint;
    let place = |(latitude, longitude): (f64, f64), address: String| tr::Place {
        location: Some(GeoPoint {
            latitude,
            longitude,
        }),
        address,
        note: String::new(),
    };
    p.transport(Some(&claims(Role::Dispatcher)))
        .request_trip(tr::RequestTripRequest {
            request_id: Uuid::now_v7().to_string(),
            trip: Some(tr::Trip {
                person_id: person.into(),
                pickup: Some(place(home, address)),
                dropoff: Some(place(CENTRE_AT, "Астана, Қабанбай батыр даңғылы 42".into())),
                requested_time: Some(tr::trip::RequestedTime::RequestedPickupTime(local(
                    day, h, m,
                ))),
                purpose: tr::TripPurpose::Rehabilitation as i32,
                ..Default::default()
            }),
        })
        .await
        .expect("book a trip")
        .into_inner()
        .trip
        .expect("the trip")
}

/// Tomorrow as a dispatcher finds it before planning: the all-day invataxi of the common
/// fixtures, a second one on shift in the morning only, three wheelchair users picked up in the
/// morning, three at four in the afternoon (more than one wheelchair place can take at once),
/// and one person the register gives no right to the invataxi. Each pickup has its own address,
/// so a page showing a stop shows whose it is.
async fn booked_day(s: &Suite, p: &Portal, day: chrono::NaiveDate, all_day: &Value) -> Value {
    let morning = vehicle_on_shift(p, day, "202BBB01", (9, 12)).await;
    let mut op = s.registry(Some(&claims(Role::CityOperator)));
    let mut trips = Vec::new();
    let times = [(9, 30), (10, 0), (10, 45), (16, 0), (16, 0), (16, 0)];
    for (i, at) in times.into_iter().enumerate() {
        let person = wheelchair_user(&mut op, 90 + i as u32).await;
        let home = (51.10 + 0.004 * i as f64, 71.39 + 0.003 * i as f64);
        let address = format!("Астана, Сарыарқа даңғылы {}", 101 + i);
        trips.push(booked_trip(p, day, &person.id, (home, address), at).await);
    }
    let no_right = adult(&mut op, 99).await;
    let address = "Астана, Бейбітшілік көшесі 7".to_string();
    trips.push(booked_trip(p, day, &no_right.id, ((51.12, 71.41), address), (11, 0)).await);
    json!({
        "day": day.to_string(),
        "all_day": { "id": all_day["id"], "plate": all_day["plate"], "driver": format!("driver-{}", all_day["id"].as_str().unwrap()) },
        "morning": { "id": morning.id, "plate": morning.plate_number, "driver": format!("driver-{}", morning.id) },
        "trips": trips.iter().map(|t| json!({
            "id": t.id,
            "address": t.pickup.as_ref().map(|p| p.address.clone()).unwrap_or_default(),
        })).collect::<Vec<_>>(),
    })
}

/// The trips of `day` as a dispatcher reads them.
async fn day_trips(p: &Portal, day: chrono::NaiveDate) -> Vec<tr::Trip> {
    p.transport(Some(&claims(Role::Dispatcher)))
        .list_trips(tr::ListTripsRequest {
            page_size: 500,
            service_date: Some(onaltu_api::date(day)),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .trips
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_dispatcher_plans_the_day_and_follows_the_driver_live_in_a_browser() {
    require_browser();
    let (s, p) = Suite::start_with_portal().await;
    let (mut fixtures, _) = fixtures(&s, &p).await;
    let day = onaltu_api::today() + chrono::Duration::days(1);
    fixtures["dispatch"] = booked_day(&s, &p, day, &fixtures["vehicle"]).await;
    browser_tests(&p, &fixtures, &["dispatch.test.js"]).await;

    // What the browser did is what the transport service holds: the day planned, a trip of the
    // afternoon put on the morning vehicle's new shift, and one trip with its driver on the way.
    let morning = fixtures["dispatch"]["morning"]["id"].as_str().unwrap();
    let all_day = fixtures["vehicle"]["id"].as_str().unwrap();
    let trips = day_trips(&p, day).await;
    let four = Some(tr::trip::RequestedTime::RequestedPickupTime(local(
        day, 16, 0,
    )));
    assert!(
        trips.iter().any(|t| t.vehicle_id == morning
            && t.state == tr::TripState::Scheduled as i32
            && t.requested_time == four),
        "a four o'clock trip is on the morning vehicle: {trips:#?}"
    );
    let on_the_way: Vec<&tr::Trip> = trips
        .iter()
        .filter(|t| t.state == tr::TripState::DriverEnRoute as i32)
        .collect();
    assert_eq!(
        on_the_way.len(),
        1,
        "the driver set off once: {on_the_way:#?}"
    );
    assert_eq!(
        on_the_way[0].vehicle_id, all_day,
        "on the driver's own vehicle"
    );
}

/// Two evaluations of `centre` waiting for moderation, the first with a complaint: what the
/// operators' browser tests decide.
async fn awaiting_moderation(s: &Suite, centre: &str) -> Value {
    let mut op = s.registry(Some(&claims(Role::CityOperator)));
    let mut sent = Vec::new();
    for (serial, comment, complaint) in [
        (
            70,
            "Жаттығулар пайдалы болды, бірақ кезек туралы ешкім айтпады.",
            "Кезек туралы ақпарат берілмеді.",
        ),
        (71, "Мейірімді қызметкерлер, таза бөлмелер.", ""),
    ] {
        let person = adult(&mut op, serial).await.id;
        let episode = discharged(&mut op, &person, centre).await.id;
        let e = onaltu_testkit::feedback::submit_with_complaint(
            &mut s.feedback(Some(&citizen(&person))),
            evaluation(&episode, 4, comment),
            complaint,
        )
        .await
        .unwrap();
        sent.push(json!({ "id": e.id, "comment": comment, "complaint": e.complaint_id }));
    }
    json!({ "by_mouse": sent[0], "by_keyboard": sent[1] })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_moderation_coordinator_and_centre_staff_in_a_browser() {
    require_browser();
    let (s, p) = Suite::start_with_portal().await;
    let (mut fixtures, centre) = fixtures(&s, &p).await;
    fixtures["moderation"] = awaiting_moderation(&s, &centre.id).await;
    let statistics = s
        .registry(Some(&claims(Role::CityOperator)))
        .get_statistics(onaltu_proto::registry::GetStatisticsRequest {
            region_code: String::new(),
            as_of: None,
        })
        .await
        .unwrap()
        .into_inner()
        .statistics
        .unwrap();
    assert!(statistics.persons_total > 0);
    fixtures["statistics"] = json!({
        "persons": statistics.persons_total,
        "children": statistics.children_total,
        "adults": statistics.adults_total,
    });
    browser_tests(&p, &fixtures, &["operators.test.js"]).await;

    // The decisions made in the browser are the feedback service's.
    let mut moderator = s.feedback(Some(&claims(Role::CityOperator)));
    for key in ["by_mouse", "by_keyboard"] {
        let id = fixtures["moderation"][key]["id"].as_str().unwrap();
        let e = onaltu_testkit::feedback::get(&mut moderator, id)
            .await
            .unwrap();
        assert_eq!(e.status, fb::EvaluationStatus::Published as i32, "{key}");
    }
    let complaints = moderator
        .list_complaints(fb::ListComplaintsRequest {
            page_size: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .complaints;
    let id = fixtures["moderation"]["by_mouse"]["complaint"]
        .as_str()
        .unwrap();
    let complaint = complaints
        .iter()
        .find(|c| c.id == id)
        .expect("the complaint");
    assert_eq!(complaint.status, fb::ComplaintStatus::Resolved as i32);
    assert!(!complaint.resolution.is_empty());
}
