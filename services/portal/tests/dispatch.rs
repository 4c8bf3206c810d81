//! The dispatcher's board over HTTP, against the registry and transport services running in
//! process: tomorrow planned from the board and every route shown (each vehicle's table, its
//! line on the map) with the trips turned away and why; a refused assignment explained beside
//! its form, a shift added and the turned-away trip then assigned; a trip cancelled and a
//! no-show asked for too early refused with the reason; forged forms refused with nothing
//! changed; other roles refused the board and its stream; and the live stream telling each
//! change with its sequence number, resuming after the last one a browser saw.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

mod common;

use axum::body::Body;
use chrono::NaiveDate;
use common::{Browser, Transport, Visitor, invataxi, local};
use http::{Request, StatusCode};
use onaltu_auth::Role;
use onaltu_portal::web::AppState;
use onaltu_proto::common::GeoPoint;
use onaltu_proto::transport::{self as pb, TripState};
use onaltu_suite::fixtures::*;
use onaltu_suite::{Portal, Suite, claims};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

/// Where the trips go: a rehabilitation centre in Astana.
const CENTRE: (f64, f64) = (51.1500, 71.4700);
/// How long a test waits for the stream before it fails.
const DEADLINE: Duration = Duration::from_secs(15);

/// The services and the portal (dropped first), and a portal state sharing its sessions.
struct World {
    portal: Portal,
    suite: Suite,
    state: AppState,
    day: NaiveDate,
}

impl Browser for World {
    fn portal(&self) -> &AppState {
        &self.state
    }
}

impl World {
    async fn start() -> Self {
        let (suite, portal) = Suite::start_with_portal().await;
        let state = common::state(&suite, &portal.transport.addr).await;
        Self {
            portal,
            suite,
            state,
            day: onaltu_api::today() + chrono::Duration::days(1),
        }
    }

    fn dispatcher(&self) -> Transport {
        self.portal.transport(Some(&claims(Role::Dispatcher)))
    }

    fn board(&self) -> String {
        format!("/dispatch?date={}", self.day)
    }

    /// An invataxi with one wheelchair place, on a shift of its driver from `from` to `to`.
    async fn vehicle(&self, plate: &str, hours: (u32, u32)) -> pb::Vehicle {
        let mut d = self.dispatcher();
        let vehicle = invataxi(&mut d, plate).await;
        common::shift(&mut d, &vehicle, self.day, hours).await;
        vehicle
    }

    /// A trip of `person` from a home near `home` to the centre, picked up at `h:m`, booked by
    /// a dispatcher.
    async fn trip(&self, person: &str, home: (f64, f64), (h, m): (u32, u32)) -> pb::Trip {
        self.dispatcher()
            .request_trip(pb::RequestTripRequest {
                request_id: Uuid::now_v7().to_string(),
                trip: Some(pb::Trip {
                    person_id: person.into(),
                    pickup: Some(pb::Place {
                        location: Some(GeoPoint {
                            latitude: home.0,
                            longitude: home.1,
                        }),
                        address: format!("Астана, үй {h}:{m:02}"),
                        note: String::new(),
                    }),
                    dropoff: Some(pb::Place {
                        location: Some(GeoPoint {
                            latitude: CENTRE.0,
                            longitude: CENTRE.1,
                        }),
                        address: "Оңалту орталығы".into(),
                        note: String::new(),
                    }),
                    requested_time: Some(pb::trip::RequestedTime::RequestedPickupTime(local(
                        self.day, h, m,
                    ))),
                    purpose: pb::TripPurpose::Rehabilitation as i32,
                    ..Default::default()
                }),
            })
            .await
            .unwrap()
            .into_inner()
            .trip
            .unwrap()
    }

    async fn trips(&self) -> Vec<pb::Trip> {
        self.dispatcher()
            .list_trips(pb::ListTripsRequest {
                page_size: 500,
                service_date: Some(onaltu_api::date(self.day)),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .trips
    }

    async fn get_trip(&self, id: &str) -> pb::Trip {
        common::get_trip(&mut self.dispatcher(), id).await
    }

    async fn route(&self, vehicle: &str) -> Option<pb::Route> {
        self.dispatcher()
            .get_route(pb::GetRouteRequest {
                vehicle_id: vehicle.into(),
                service_date: Some(onaltu_api::date(self.day)),
            })
            .await
            .ok()
            .and_then(|r| r.into_inner().route)
    }

    /// Two vehicles (101AAA01 all day, 202BBB01 in the morning only) and ten trips tomorrow:
    /// six wheelchair users in the morning, three at four in the afternoon (more than one
    /// vehicle with one wheelchair place can take at once), and one person the register gives
    /// no right to the invataxi.
    async fn booked_day(&self) -> (pb::Vehicle, pb::Vehicle, Vec<pb::Trip>) {
        let v1 = self.vehicle("101AAA01", (9, 18)).await;
        let v2 = self.vehicle("202BBB01", (9, 12)).await;
        let mut op = self.suite.registry(Some(&claims(Role::CityOperator)));
        let mut trips = Vec::new();
        let morning = [(9, 30), (9, 30), (10, 0), (10, 0), (10, 45), (11, 0)];
        for (i, at) in morning.into_iter().enumerate() {
            let person = wheelchair_user(&mut op, 40 + i as u32).await;
            let home = (51.10 + 0.005 * i as f64, 71.39 + 0.004 * i as f64);
            trips.push(self.trip(&person.id, home, at).await);
        }
        for i in 0..3u32 {
            let person = wheelchair_user(&mut op, 50 + i).await;
            trips.push(self.trip(&person.id, (51.11, 71.40), (16, 0)).await);
        }
        let no_right = adult(&mut op, 60).await;
        trips.push(self.trip(&no_right.id, (51.12, 71.41), (11, 0)).await);
        (v1, v2, trips)
    }
}

/// The trips the board shows turned away for want of a vehicle.
fn no_capacity(trips: &[pb::Trip]) -> Vec<&pb::Trip> {
    trips
        .iter()
        .filter(|t| {
            t.state == TripState::Rejected as i32
                && t.rejection_reason == pb::TripRejectionReason::NoCapacity as i32
        })
        .collect()
}

#[tokio::test]
async fn the_dispatcher_plans_tomorrow_and_mends_the_plan_by_hand() {
    let w = World::start().await;
    let (v1, v2, booked) = w.booked_day().await;
    assert_eq!(booked.len(), 10);
    let me = w.sign_in(claims(Role::Dispatcher)).await;

    // Before planning: the board opens on tomorrow, kept by no cache.
    let board = w.get(&me, "/dispatch").await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.body);
    assert_eq!(board.cache, "no-store");
    assert!(
        board.body.contains(&format!("value=\"{}\"", w.day)),
        "tomorrow by default"
    );
    assert!(board.body.contains("Not planned yet"));
    assert!(
        board
            .body
            .contains("The register gives the passenger no right to the invataxi.")
    );

    // A forged form plans nothing.
    let request_id = board.hidden("request_id");
    let forged = w
        .post(
            &me,
            "/dispatch/plan",
            &[
                ("csrf", "forged".into()),
                ("date", w.day.to_string()),
                ("request_id", request_id.clone()),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(
        w.trips()
            .await
            .iter()
            .all(|t| t.state != TripState::Scheduled as i32),
        "nothing planned"
    );

    // Planning waits for the solver and tells what changed.
    let planned = w
        .post(
            &me,
            "/dispatch/plan",
            &[
                ("csrf", me.csrf.clone()),
                ("date", w.day.to_string()),
                ("request_id", request_id),
            ],
        )
        .await;
    assert_eq!(planned.status, StatusCode::OK, "{}", planned.body);
    assert!(planned.body.contains("What the plan changed"));
    let after = w.trips().await;
    let scheduled: Vec<&pb::Trip> = after
        .iter()
        .filter(|t| t.state == TripState::Scheduled as i32)
        .collect();
    assert!(!scheduled.is_empty());
    for t in &scheduled {
        assert!(
            planned.body.contains(&t.id[t.id.len() - 8..]),
            "trip {} shown",
            t.id
        );
    }
    let turned = no_capacity(&after);
    assert!(
        !turned.is_empty(),
        "three wheelchairs at four for one wheelchair place"
    );

    // The board: every route's table and line on the map, the trips turned away and why.
    let board = w.get(&me, &w.board()).await;
    let mut routes = 0;
    for v in [&v1, &v2] {
        if let Some(route) = w.route(&v.id).await {
            routes += 1;
            assert!(board.body.contains(&format!("Route of {}", v.plate_number)));
            for stop in route.stops.iter().filter(|s| !s.trip_id.is_empty()) {
                assert!(board.body.contains(&stop.trip_id[..8]));
            }
        }
    }
    assert!(routes >= 1);
    assert_eq!(board.body.matches("class=\"route-line\"").count(), routes);
    assert!(board.body.contains("role=\"img\""));
    assert!(board.body.contains("Trips not served"));
    assert!(board.body.contains("No vehicle was free at that time"));
    for t in &turned {
        assert!(board.body.contains(&t.id[t.id.len() - 8..]));
    }
    let fragment = w
        .get(&me, &format!("/dispatch/board?date={}&fragment=1", w.day))
        .await;
    assert_eq!(fragment.status, StatusCode::OK);
    assert!(
        !fragment.body.contains("<html"),
        "only the board's changing part"
    );
    assert!(
        fragment.body.contains("Trips not served")
            && fragment.body.contains("board-measures-title")
    );

    // Putting a four o'clock trip on the morning vehicle would break its route: refused, said why.
    let late = turned[0].id.clone();
    let assign = |vehicle: &str| {
        vec![
            ("csrf", me.csrf.clone()),
            ("date", w.day.to_string()),
            ("assign-trip", late.clone()),
            ("assign-vehicle", vehicle.to_string()),
        ]
    };
    let refused = w.post(&me, "/dispatch/assign", &assign(&v2.id)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("id=\"assign-refusal\""));
    assert!(refused.body.contains("This vehicle cannot take the trip"));
    assert!(refused.body.starts_with("<!DOCTYPE html>") && refused.body.contains("<title>Error:"));
    assert_eq!(
        w.get_trip(&late).await.state,
        TripState::Rejected as i32,
        "unchanged"
    );
    let unchosen = w
        .post(
            &me,
            "/dispatch/assign",
            &[("csrf", me.csrf.clone()), ("date", w.day.to_string())],
        )
        .await;
    assert_eq!(unchosen.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unchosen.body.contains("id=\"assign-trip-error\""));

    // An afternoon shift for the morning vehicle: bad hours named, an overlap refused, then added.
    let board = w.get(&me, &w.board()).await;
    let shift = |start: &str, end: &str| {
        vec![
            ("csrf", me.csrf.clone()),
            ("date", w.day.to_string()),
            ("request_id", board.hidden("request_id")),
            ("shift-vehicle", v2.id.clone()),
            ("shift-driver", onaltu_testkit::driver(&v2.id).sub),
            ("shift-driver-name", "Ерлан".to_string()),
            ("shift-start", start.to_string()),
            ("shift-end", end.to_string()),
        ]
    };
    let backwards = w
        .post(&me, "/dispatch/shifts", &shift("18:00", "13:00"))
        .await;
    assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(backwards.body.contains("id=\"shift-end-error\""));
    assert!(
        backwards
            .body
            .contains("The shift must end after it starts.")
    );
    assert!(
        backwards.body.contains("value=\"18:00\""),
        "what was typed is kept"
    );
    let overlap = w
        .post(&me, "/dispatch/shifts", &shift("11:00", "14:00"))
        .await;
    assert_eq!(overlap.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(overlap.body.contains("The shift overlaps another shift"));
    let forged = w
        .post(&me, "/dispatch/shifts", &{
            let mut f = shift("13:00", "18:00");
            f[0].1 = "forged".into();
            f
        })
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let added = w
        .post(&me, "/dispatch/shifts", &shift("13:00", "18:00"))
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    assert_eq!(
        added.location,
        format!("/dispatch?date={}&notice=shift-added", w.day)
    );

    // Now the turned-away trip fits the afternoon shift.
    let assigned = w.post(&me, "/dispatch/assign", &assign(&v2.id)).await;
    assert_eq!(assigned.status, StatusCode::SEE_OTHER, "{}", assigned.body);
    let t = w.get_trip(&late).await;
    assert_eq!(t.state, TripState::Scheduled as i32);
    assert_eq!(t.vehicle_id, v2.id);
    let board = w.get(&me, &assigned.location).await;
    assert!(board.body.contains("The trip was put on the vehicle"));

    // A scheduled trip cancelled; a forged cancellation changes nothing.
    let victim = scheduled[0].id.clone();
    let other = scheduled
        .iter()
        .find(|t| t.id != victim)
        .map(|t| t.id.clone())
        .unwrap();
    let forged = w
        .post(
            &me,
            &format!("/dispatch/trips/{victim}/cancel"),
            &[("csrf", "forged".into()), ("date", w.day.to_string())],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(w.get_trip(&victim).await.state, TripState::Scheduled as i32);
    let cancelled = w
        .post(
            &me,
            &format!("/dispatch/trips/{victim}/cancel"),
            &[("csrf", me.csrf.clone()), ("date", w.day.to_string())],
        )
        .await;
    assert_eq!(
        cancelled.status,
        StatusCode::SEE_OTHER,
        "{}",
        cancelled.body
    );
    assert!(cancelled.location.ends_with("notice=cancelled"));
    assert_eq!(w.get_trip(&victim).await.state, TripState::Cancelled as i32);
    let again = w
        .post(
            &me,
            &format!("/dispatch/trips/{victim}/cancel"),
            &[("csrf", me.csrf.clone()), ("date", w.day.to_string())],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("no longer in a state that allows this"));

    // The driver at the pickup: the board offers the no-show, which the service allows only
    // once the driver has waited from the start of the pickup window (tomorrow).
    let mut d = w.dispatcher();
    for state in [TripState::DriverEnRoute, TripState::Arrived] {
        d.update_trip_status(pb::UpdateTripStatusRequest {
            trip_id: other.clone(),
            state: state as i32,
            ..Default::default()
        })
        .await
        .unwrap();
    }
    let board = w.get(&me, &w.board()).await;
    assert!(
        board
            .body
            .contains(&format!("/dispatch/trips/{other}/no-show"))
    );
    let forged = w
        .post(
            &me,
            &format!("/dispatch/trips/{other}/no-show"),
            &[("csrf", "forged".into()), ("date", w.day.to_string())],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let early = w
        .post(
            &me,
            &format!("/dispatch/trips/{other}/no-show"),
            &[("csrf", me.csrf.clone()), ("date", w.day.to_string())],
        )
        .await;
    assert_eq!(
        early.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        early.body
    );
    assert!(
        early
            .body
            .contains(&format!("id=\"no-show-{other}-refusal\""))
    );
    assert!(early.body.contains("waited 10 minutes"));
    assert_eq!(w.get_trip(&other).await.state, TripState::Arrived as i32);
}

#[tokio::test]
async fn only_dispatchers_and_administrators_reach_the_board() {
    let w = World::start().await;
    let mut op = w.suite.registry(Some(&claims(Role::CityOperator)));
    let person = adult(&mut op, 70).await;
    let centre = centre(&mut op, "Орталық", 10).await;
    let vehicle = Uuid::now_v7().to_string();
    let events = format!("/dispatch/events?date={}", w.day);
    for c in [
        onaltu_testkit::citizen(&person.id),
        onaltu_testkit::driver(&vehicle),
        onaltu_testkit::staff(&centre.id),
        claims(Role::CityOperator),
    ] {
        let role = c.role;
        let v = w.sign_in(c).await;
        for path in ["/dispatch", events.as_str(), "/dispatch/board?fragment=1"] {
            assert_eq!(
                w.get(&v, path).await.status,
                StatusCode::FORBIDDEN,
                "{role:?} {path}"
            );
        }
        let post = w
            .post(
                &v,
                "/dispatch/assign",
                &[
                    ("csrf", v.csrf.clone()),
                    ("assign-trip", "x".into()),
                    ("assign-vehicle", "y".into()),
                ],
            )
            .await;
        assert_eq!(post.status, StatusCode::FORBIDDEN, "{role:?} assigns");
    }
    let anonymous = w
        .send(Request::get("/dispatch").body(Body::empty()).unwrap())
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    // An administrator reads the board; the service keeps planning to dispatchers.
    let admin = w.sign_in(claims(Role::Admin)).await;
    let board = w.get(&admin, "/dispatch").await;
    assert_eq!(board.status, StatusCode::OK);
    let plan = w
        .post(
            &admin,
            "/dispatch/plan",
            &[
                ("csrf", admin.csrf.clone()),
                ("date", w.day.to_string()),
                ("request_id", board.hidden("request_id")),
            ],
        )
        .await;
    assert_eq!(plan.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        plan.body
            .contains("Your role may see the board but not change it.")
    );
    let bad_day = w.get(&admin, "/dispatch?date=31.12.2026").await;
    assert!(bad_day.body.contains("id=\"date-error\""));
}

/// A stream of server-sent events read over a real connection to the portal.
struct Stream {
    socket: tokio::net::TcpStream,
    buffer: String,
}

/// One event: its id and data.
#[derive(Debug)]
struct Event {
    id: i64,
    data: String,
}

impl Stream {
    async fn open(portal: &Portal, v: &Visitor, path: &str, last: Option<i64>) -> Self {
        let addr = portal.url.trim_start_matches("http://");
        let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
        let resume = last
            .map(|n| format!("Last-Event-ID: {n}\r\n"))
            .unwrap_or_default();
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {}\r\nAccept: text/event-stream\r\n{resume}\r\n",
            v.cookie
        );
        socket.write_all(request.as_bytes()).await.unwrap();
        let mut s = Self {
            socket,
            buffer: String::new(),
        };
        let head = s.until("\r\n\r\n").await;
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: text/event-stream"),
            "{head}"
        );
        s
    }

    /// Everything up to and including `marker`, read within the deadline.
    async fn until(&mut self, marker: &str) -> String {
        let read = async {
            loop {
                if let Some(at) = self.buffer.find(marker) {
                    let text: String = self.buffer.drain(..at + marker.len()).collect();
                    return text;
                }
                let mut chunk = [0u8; 4096];
                let n = self.socket.read(&mut chunk).await.unwrap();
                assert!(n > 0, "the stream ended");
                self.buffer.push_str(&String::from_utf8_lossy(&chunk[..n]));
            }
        };
        tokio::time::timeout(DEADLINE, read)
            .await
            .expect("an event in time")
    }

    /// The next event (keep-alive comments skipped).
    async fn next(&mut self) -> Event {
        loop {
            let block = self.until("\n\n").await;
            let mut id = None;
            let mut data = String::new();
            for line in block.lines().map(|l| l.trim_end_matches('\r')) {
                if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().parse().ok();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim());
                }
            }
            if let Some(id) = id {
                return Event { id, data };
            }
        }
    }
}

#[tokio::test]
async fn the_stream_tells_each_change_with_its_number_and_resumes_after_the_last_seen() {
    let w = World::start().await;
    let mut op = w.suite.registry(Some(&claims(Role::CityOperator)));
    let a = wheelchair_user(&mut op, 80).await;
    let b = wheelchair_user(&mut op, 81).await;
    let t1 = w.trip(&a.id, (51.11, 71.40), (10, 0)).await;
    let me = w.sign_in(claims(Role::Dispatcher)).await;
    let path = format!("/dispatch/events?date={}", w.day);

    // The day so far: the first trip's booking, with its sequence number as the event's id.
    let mut live = Stream::open(&w.portal, &me, &path, None).await;
    let first = live.next().await;
    assert!(first.id > 0);
    assert!(first.data.contains(&t1.id), "{}", first.data);

    // A change made now arrives on the open stream, after the first.
    let t2 = w.trip(&b.id, (51.12, 71.41), (11, 0)).await;
    let mut seen = vec![first.id];
    loop {
        let e = live.next().await;
        assert!(e.id > *seen.last().unwrap(), "in order, none repeated");
        seen.push(e.id);
        if e.data.contains(&t2.id) {
            break;
        }
    }

    // A browser reconnecting after the first event gets only what came after it.
    let mut resumed = Stream::open(&w.portal, &me, &path, Some(first.id)).await;
    let next = resumed.next().await;
    assert!(
        next.id > first.id,
        "nothing up to {} repeated: {next:?}",
        first.id
    );
    assert!(next.data.contains(&t2.id) || seen.contains(&next.id));
    // `?after=` is where a page starts when the browser has seen nothing yet.
    let last = *seen.last().unwrap();
    let mut after = Stream::open(&w.portal, &me, &format!("{path}&after={}", first.id), None).await;
    assert_eq!(after.next().await.id, seen[1]);
    // A change after that: the resumed streams tell it, numbered after everything before.
    let cancelled = w
        .post(
            &me,
            &format!("/dispatch/trips/{}/cancel", t2.id),
            &[("csrf", me.csrf.clone()), ("date", w.day.to_string())],
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
    loop {
        let e = live.next().await;
        assert!(e.id > last);
        if e.data.contains("CANCELLED") {
            break;
        }
    }
}
