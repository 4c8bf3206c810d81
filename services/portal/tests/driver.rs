//! The driver's day over HTTP, against the registry and transport services running in process:
//! today's trips booked and planned by a dispatcher onto two invataxis, each with its own
//! driver's shift; the driver sees the next stop first with its one step and takes a trip through
//! its states, a no-show reported too early is refused with the reason beside the step, another
//! vehicle's driver sees none of it and cannot change it, a dispatcher's change reaches the
//! driver's event stream and the stops part, and other roles and forged forms are refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

mod common;

use axum::body::Body;
use chrono::NaiveDate;
use common::{Browser, Page, Transport, Visitor, get_trip, invataxi, local, shift};
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use onaltu_auth::Role;
use onaltu_portal::web::AppState;
use onaltu_proto::common::GeoPoint;
use onaltu_proto::transport::transport_service_client::TransportServiceClient;
use onaltu_proto::transport::{self as pb, TripState as S};
use onaltu_suite::fixtures::*;
use onaltu_suite::{Suite, claims};
use onaltu_testkit::{Served, TestDb, authed};
use tower::ServiceExt;
use uuid::Uuid;

/// Where the passengers live and the centre they ride to, in Astana.
const HOME: (f64, f64) = (51.1100, 71.4000);
const OTHER_HOME: (f64, f64) = (51.1150, 71.4050);
const CENTRE: (f64, f64) = (51.1500, 71.4700);

/// Today's invataxi day: two vehicles, each with its driver on a 9:00-18:00 shift; a wheelchair
/// user's 10:00 trip to the centre with an escort (`first`), another passenger's trip home by
/// 15:00 (`second`), both planned; a third trip (`late`) booked after planning, on no route yet.
/// `a` is the vehicle `first` rides in, `b` the other one.
struct World {
    _suite: Suite,
    transport_db: TestDb,
    transport: Served,
    state: AppState,
    today: NaiveDate,
    a: String,
    b: String,
    first: pb::Trip,
    second: pb::Trip,
    late: pb::Trip,
}

impl Browser for World {
    fn portal(&self) -> &AppState {
        &self.state
    }
}

fn place(at: (f64, f64), address: &str, note: &str) -> Option<pb::Place> {
    Some(pb::Place {
        location: Some(GeoPoint {
            latitude: at.0,
            longitude: at.1,
        }),
        address: address.into(),
        note: note.into(),
    })
}

/// A rehabilitation trip of `person` between two places at a requested time.
fn trip(
    person: &str,
    pickup: Option<pb::Place>,
    dropoff: Option<pb::Place>,
    time: pb::trip::RequestedTime,
) -> pb::Trip {
    pb::Trip {
        person_id: person.into(),
        pickup,
        dropoff,
        requested_time: Some(time),
        purpose: pb::TripPurpose::Rehabilitation as i32,
        ..Default::default()
    }
}

impl World {
    async fn start() -> Self {
        let suite = Suite::start().await;
        let transport_db = TestDb::new(&onaltu_transport::migrations()).await;
        let mut settings = onaltu_transport::settings::Settings::local(
            transport_db.settings(),
            onaltu_testkit::jwt_secret(),
            &suite.registry.addr,
        );
        // The driver's day is today: the dispatch books today's trips here.
        settings.booking.min_days_ahead = 0;
        let transport = Served::service(
            "transport",
            settings,
            transport_db.pool(),
            onaltu_transport::serve,
        )
        .await;
        let state = common::state(&suite, &transport.addr).await;
        let today = onaltu_api::today();
        let mut dispatcher = TransportServiceClient::new(authed(
            &transport.channel,
            Some(&claims(Role::Dispatcher)),
        ));
        let v1 = invataxi(&mut dispatcher, "101AAA01").await;
        let v2 = invataxi(&mut dispatcher, "202BBB01").await;
        for v in [&v1, &v2] {
            shift(&mut dispatcher, v, today, (9, 18)).await;
        }
        let mut op = suite.registry(Some(&claims(Role::CityOperator)));
        let p1 = wheelchair_user(&mut op, 21).await.id;
        let p2 = wheelchair_user(&mut op, 22).await.id;
        let p3 = wheelchair_user(&mut op, 23).await.id;
        use pb::trip::RequestedTime::{RequestedArrivalTime as By, RequestedPickupTime as At};
        let mut first = trip(
            &p1,
            place(HOME, "Сарыарқа даңғылы 10", "3-подъезд, 5-қабат"),
            place(CENTRE, "Қабанбай батыр даңғылы 42", ""),
            At(local(today, 10, 0)),
        );
        first.escorts = 1;
        let first = book(&mut dispatcher, first).await;
        let second = trip(
            &p2,
            place(CENTRE, "Қабанбай батыр даңғылы 42", ""),
            place(OTHER_HOME, "Бейбітшілік көшесі 7", "домофон 12"),
            By(local(today, 15, 0)),
        );
        let second = book(&mut dispatcher, second).await;
        let plan = dispatcher
            .plan_day(pb::PlanDayRequest {
                request_id: Uuid::now_v7().to_string(),
                service_date: Some(onaltu_api::date(today)),
                options: None,
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            plan.metrics.unwrap().trips_planned,
            2,
            "{:?}",
            plan.unassigned
        );
        let late = trip(
            &p3,
            place(OTHER_HOME, "Мәңгілік Ел даңғылы 55", "шлагбаум"),
            place(CENTRE, "Қабанбай батыр даңғылы 42", ""),
            At(local(today, 12, 30)),
        );
        let late = book(&mut dispatcher, late).await;
        let first = get_trip(&mut dispatcher, &first.id).await;
        let second = get_trip(&mut dispatcher, &second.id).await;
        let a = first.vehicle_id.clone();
        let b = if a == v1.id { v2.id } else { v1.id };
        Self {
            _suite: suite,
            transport_db,
            transport,
            state,
            today,
            a,
            b,
            first,
            second,
            late,
        }
    }

    fn dispatcher(&self) -> Transport {
        TransportServiceClient::new(authed(
            &self.transport.channel,
            Some(&claims(Role::Dispatcher)),
        ))
    }

    /// The driver of vehicle `vehicle`: the subject its shifts name.
    async fn driver(&self, vehicle: &str) -> Visitor {
        self.sign_in(onaltu_testkit::driver(vehicle)).await
    }

    /// Posts step `state` of trip `trip` with the form token `csrf`.
    async fn step(&self, v: &Visitor, trip: &str, state: &str, csrf: &str) -> Page {
        let path = format!("/driver/trips/{trip}/status");
        let date = self.today.to_string();
        self.post(
            v,
            &path,
            &[("csrf", csrf), ("state", state), ("date", date.as_str())],
        )
        .await
    }

    /// The state of trip `id` as the dispatch sees it.
    async fn state_of(&self, id: &str) -> i32 {
        get_trip(&mut self.dispatcher(), id).await.state
    }
}

impl Page {
    /// The next stop's section (empty when there is none).
    fn next_stop(&self) -> &str {
        let Some(start) = self.body.find("class=\"driver-next\"") else {
            return "";
        };
        let end = self.body[start..].find("</section>").unwrap();
        &self.body[start..start + end]
    }

    /// The step the form in `html` reports (its hidden `state`).
    fn steps(html: &str) -> Vec<&str> {
        html.match_indices("name=\"state\" value=\"")
            .map(|(i, m)| {
                let from = i + m.len();
                &html[from..from + html[from..].find('"').unwrap()]
            })
            .collect()
    }
}

async fn book(dispatcher: &mut Transport, trip: pb::Trip) -> pb::Trip {
    let trip = dispatcher
        .request_trip(pb::RequestTripRequest {
            request_id: Uuid::now_v7().to_string(),
            trip: Some(trip),
        })
        .await
        .unwrap()
        .into_inner()
        .trip
        .unwrap();
    assert_eq!(trip.state, S::Requested as i32, "{}", trip.state_note);
    trip
}

#[tokio::test]
async fn the_driver_sees_the_next_stop_first_and_takes_the_trip_through_its_steps() {
    let w = World::start().await;
    let driver = w.driver(&w.a).await;
    let page = w.get(&driver, "/driver").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.cache, "no-store");
    let next = page.next_stop();
    assert!(next.contains("Сарыарқа даңғылы 10"), "{}", page.body);
    assert!(next.contains("Pickup") && next.contains("<time>"), "{next}");
    assert!(next.contains("needs the wheelchair place"), "{next}");
    assert!(
        next.contains("Escorts: 1") && next.contains("3-подъезд, 5-қабат"),
        "{next}"
    );
    assert_eq!(Page::steps(next), ["en-route"], "one step at the next stop");
    assert!(
        page.body.find("driver-next") < page.body.find("Қабанбай батыр даңғылы 42"),
        "the next stop comes first, the drop-off after it"
    );
    assert!(page.body.contains("/static/driver.js"));
    assert!(
        page.body
            .contains(&format!("/driver/events?date={}", w.today))
    );

    // Each step leads back to the day, which then offers the following one.
    for (step, then) in [
        ("en-route", "arrived"),
        ("arrived", "on-board"),
        ("on-board", "completed"),
    ] {
        let done = w.step(&driver, &w.first.id, step, &driver.csrf).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{step}: {}", done.body);
        assert!(done.location.starts_with("/driver"), "{}", done.location);
        let page = w.get(&driver, &done.location).await;
        assert_eq!(Page::steps(page.next_stop()), [then], "after {step}");
        if step == "arrived" {
            // The passenger may still come out: no no-show before the wait.
            assert!(page.next_stop().contains("a no-show can be recorded from"));
            let early = w.step(&driver, &w.first.id, "no-show", &driver.csrf).await;
            assert_eq!(early.status, StatusCode::CONFLICT);
            assert!(
                early.body.contains("Too early for a no-show"),
                "{}",
                early.body
            );
            assert!(
                early.next_stop().contains("Too early for a no-show"),
                "the refusal stands beside the step"
            );
            assert!(early.body.contains("<title>Error: "));
            assert_eq!(w.state_of(&w.first.id).await, S::Arrived as i32);
        }
        if step == "on-board" {
            assert!(
                page.next_stop().contains("Қабанбай батыр даңғылы 42"),
                "the drop-off"
            );
        }
    }
    let done = w
        .step(&driver, &w.first.id, "completed", &driver.csrf)
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(w.state_of(&w.first.id).await, S::Completed as i32);
    let page = w.get(&driver, "/driver").await;
    assert!(page.body.contains("<details class=\"driver-served\">"));
    assert!(page.body.contains("Stops served (2)"), "{}", page.body);
    assert!(!page.next_stop().contains("Сарыарқа даңғылы 10"));

    // The refused page's language switch leads back to the day.
    let switched = w
        .get(
            &driver,
            &format!("/driver/trips/{}/status?lang=ru", w.first.id),
        )
        .await;
    assert_eq!(
        (switched.status, switched.location.as_str()),
        (StatusCode::SEE_OTHER, "/driver")
    );

    // A step out of order is refused, in words.
    let again = w.step(&driver, &w.first.id, "arrived", &driver.csrf).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again
            .body
            .contains("does not follow from where the trip stands")
    );
}

#[tokio::test]
async fn another_driver_sees_none_of_the_vehicles_day_and_cannot_change_it() {
    let w = World::start().await;
    let a_trips: Vec<&pb::Trip> = [&w.first, &w.second]
        .into_iter()
        .filter(|t| t.vehicle_id == w.a)
        .collect();
    let other = w.driver(&w.b).await;
    let page = w.get(&other, "/driver").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for t in &a_trips {
        assert!(!page.body.contains(&t.id), "another vehicle's trip shown");
        let from = &t.pickup.as_ref().unwrap().address;
        if t.id == w.first.id {
            assert!(
                !page.body.contains(from.as_str()),
                "another vehicle's stop shown"
            );
        }
    }
    let refused = w.step(&other, &w.first.id, "en-route", &other.csrf).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("not on the route of your vehicle"),
        "{}",
        refused.body
    );
    assert_eq!(w.state_of(&w.first.id).await, S::Scheduled as i32);

    // A driver without a shift that day is told so, and reaches nothing.
    let free = w
        .sign_in(onaltu_testkit::driver(&Uuid::now_v7().to_string()))
        .await;
    let page = w.get(&free, "/driver").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("You have no shift on this day"),
        "{}",
        page.body
    );
    assert!(page.next_stop().is_empty());
    let refused = w.step(&free, &w.first.id, "en-route", &free.csrf).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("You have no shift on this day"));
    assert_eq!(w.state_of(&w.first.id).await, S::Scheduled as i32);
}

/// Reads the server-sent events of `body` until one mentions every one of `needles`; the
/// events read.
async fn events_until(body: &mut Body, needles: &[&str]) -> String {
    let mut seen = String::new();
    let found = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.unwrap().into_data() {
                seen.push_str(&String::from_utf8_lossy(&data));
                if seen
                    .split("\n\n")
                    .any(|event| needles.iter().all(|n| event.contains(n)))
                {
                    return true;
                }
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true), "no event with {needles:?} in:\n{seen}");
    seen
}

#[tokio::test]
async fn a_dispatchers_change_reaches_the_drivers_stream_and_stops() {
    let w = World::start().await;
    let driver = w.driver(&w.a).await;
    let events = onaltu_portal::router(w.state.clone())
        .oneshot(
            Request::get(format!("/driver/events?date={}", w.today))
                .header("cookie", &driver.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    assert_eq!(
        events.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let mut body = events.into_body();
    let before = w
        .get(&driver, &format!("/driver?date={}&fragment=1", w.today))
        .await;
    assert!(!before.body.contains("Мәңгілік Ел даңғылы 55"));
    assert!(!before.body.contains("<html"), "the stops only");

    // The dispatcher puts the trip booked after planning on the driver's vehicle.
    w.dispatcher()
        .assign_trip(pb::AssignTripRequest {
            trip_id: w.late.id.clone(),
            vehicle_id: w.a.clone(),
            force: false,
            reason: "a trip booked late".into(),
        })
        .await
        .unwrap();
    let seen = events_until(&mut body, &["event: change", &w.late.id]).await;
    assert!(seen.contains("id: "), "events carry their sequence number");
    let after = w
        .get(&driver, &format!("/driver?date={}&fragment=1", w.today))
        .await;
    assert_eq!(after.status, StatusCode::OK);
    assert_eq!(after.cache, "no-store");
    assert!(
        after.body.contains("Мәңгілік Ел даңғылы 55"),
        "{}",
        after.body
    );

    // And cancels it: the driver hears of that too.
    w.dispatcher()
        .cancel_trip(pb::CancelTripRequest {
            id: w.late.id.clone(),
            reason: "the passenger called".into(),
        })
        .await
        .unwrap();
    events_until(&mut body, &[&w.late.id, "CANCELLED"]).await;
    let after = w
        .get(&driver, &format!("/driver?date={}&fragment=1", w.today))
        .await;
    assert!(!after.body.contains("Мәңгілік Ел даңғылы 55"));

    // Another vehicle's driver does not hear of this vehicle's day.
    let other = w.driver(&w.b).await;
    let page = w
        .get(&other, &format!("/driver?date={}&fragment=1", w.today))
        .await;
    assert!(!page.body.contains(&w.late.id));
}

#[tokio::test]
async fn other_roles_bad_requests_and_forged_forms_are_refused() {
    let w = World::start().await;
    for role in [Role::Citizen, Role::Dispatcher] {
        let mut c = claims(role);
        if role == Role::Citizen {
            c.person_id = Some(w.first.person_id.parse().unwrap());
        }
        let v = w.sign_in(c).await;
        assert_eq!(
            w.get(&v, "/driver").await.status,
            StatusCode::FORBIDDEN,
            "{role:?}"
        );
        let events = w.get(&v, "/driver/events").await;
        assert_eq!(events.status, StatusCode::FORBIDDEN, "{role:?}");
        let step = w.step(&v, &w.first.id, "en-route", &v.csrf).await;
        assert_eq!(step.status, StatusCode::FORBIDDEN, "{role:?}");
    }
    let anonymous = Visitor {
        cookie: String::new(),
        csrf: String::new(),
    };
    assert_eq!(
        w.get(&anonymous, "/driver").await.status,
        StatusCode::UNAUTHORIZED
    );

    let driver = w.driver(&w.a).await;
    let forged = w.step(&driver, &w.first.id, "en-route", "forged").await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(w.state_of(&w.first.id).await, S::Scheduled as i32);
    let no_step = w
        .step(&driver, &w.first.id, "teleported", &driver.csrf)
        .await;
    assert_eq!(no_step.status, StatusCode::BAD_REQUEST);
    assert_eq!(w.state_of(&w.first.id).await, S::Scheduled as i32);
    let bad_day = w.get(&driver, "/driver?date=31.12.2026").await;
    assert_eq!(bad_day.status, StatusCode::BAD_REQUEST);
    assert_eq!(w.transport_db.count("trips").await, 3, "nothing written");
    let second = w.second.id.clone();
    assert_eq!(w.state_of(&second).await, S::Scheduled as i32);
}
