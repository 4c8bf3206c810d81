//! Two replicas of every service, as processes, on the same databases and the same Redis, each
//! service as its own Redis ACL user from the data tier's `users.acl.template`:
//!
//! - the end-of-quarter rating, due on both rating replicas at once, runs once;
//! - every outbox event takes effect once: evaluations submitted and published on both feedback
//!   replicas are each counted once by the rating (consumed by both rating replicas), and each
//!   relay row reaches its stream once;
//! - no service can read another's keys or streams in Redis, nor list key names;
//! - a WatchRatings subscriber on rating B receives a recomputation made on rating A, and after
//!   B is killed (SIGKILL) resumes on A from its last sequence number, missing nothing;
//! - a WatchDispatch subscriber likewise on transport;
//! - a driver's status report on transport A while transport B solves a PlanDay of the same day
//!   neither deadlocks nor is lost.
//!
//! The processes are the services' own binaries (see `onaltu_suite::replicas`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveTime};
use diesel::sql_types::{BigInt, Date, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use onaltu_api::Period;
use onaltu_auth::{Claims, Role};
use onaltu_proto::common::GeoPoint;
use onaltu_proto::feedback::feedback_service_client::FeedbackServiceClient;
use onaltu_proto::rating::{self as rpb, rating_service_client::RatingServiceClient};
use onaltu_proto::transport::{
    self as tpb, TripState, transport_service_client::TransportServiceClient,
};
use onaltu_suite::fixtures::*;
use onaltu_suite::replicas::{Databases, Launch, Replica, Valkey, migrate, repo};
use onaltu_suite::{citizen, claims};
use onaltu_testkit::{AuthedChannel, authed};
use prost_types::Timestamp;
use uuid::Uuid;

const SERVICES: [&str; 4] = ["registry", "feedback", "rating", "transport"];
/// How long anything awaited may take before the test fails: generous, never a measurement.
const DEADLINE: Duration = Duration::from_secs(60);
/// The advisory lock every rating computation holds (`onaltu_rating::store::ratings`).
const COMPUTATION_LOCK: i64 = onaltu_rating::store::ratings::COMPUTATION_LOCK;

fn binary(service: &str) -> &'static str {
    match service {
        "registry" => env!("CARGO_BIN_EXE_onaltu-suite-registry"),
        "feedback" => env!("CARGO_BIN_EXE_onaltu-suite-feedback"),
        "rating" => env!("CARGO_BIN_EXE_onaltu-suite-rating"),
        "transport" => env!("CARGO_BIN_EXE_onaltu-suite-transport"),
        other => panic!("no service {other}"),
    }
}

/// Polls `check` until it answers `Some`, failing with `what` after [`DEADLINE`].
async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `future`, failing the test if it has not finished within [`DEADLINE`] (a deadlock).
async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(DEADLINE, future)
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish: a deadlock?"))
}

#[derive(diesel::QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(diesel::QueryableByName)]
struct Seq {
    #[diesel(sql_type = BigInt)]
    sequence_number: i64,
}

fn sequences(rows: Vec<Seq>) -> Vec<i64> {
    rows.into_iter().map(|s| s.sequence_number).collect()
}

/// `sql` (selecting `count(*) AS n` or the like) on `conn`.
async fn number(conn: &mut AsyncPgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<N>(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}

/// Where the replicas log: kept when the test fails, removed when it passes.
struct Logs(PathBuf);

impl Drop for Logs {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("the replicas' logs are in {}", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Two replicas of every service, `a` and `b`, the `b` of each asking the registry `b`.
struct Cluster {
    registry: [Replica; 2],
    feedback: [Replica; 2],
    rating: [Replica; 2],
    transport: [Replica; 2],
    dbs: Databases,
    valkey: Valkey,
    logs: Logs,
}

fn launch(
    dbs: &Databases,
    valkey: &Valkey,
    service: &'static str,
    name: &'static str,
    registry: Option<&Replica>,
) -> Launch<'static> {
    let mut env = vec![("DATABASE__URL".to_string(), dbs.url(service))];
    if service != "transport" {
        env.push(("CACHE__URL".into(), valkey.url_as(service)));
    }
    if let Some(registry) = registry {
        env.push(("REGISTRY__URL".into(), registry.addr.clone()));
    }
    if service == "rating" {
        env.push(("COMPUTE__SCHEDULED".into(), "true".into()));
        env.push(("COMPUTE__CHECK_INTERVAL_SECS".into(), "1".into()));
    }
    Launch {
        binary: binary(service),
        service,
        name,
        env,
    }
}

/// Rating connections waiting for the computation lock.
async fn waiting_computations(conn: &mut AsyncPgConnection) -> i64 {
    diesel::sql_query(
        "SELECT count(*) AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.classid = 0 AND l.objid = $1 AND NOT l.granted \
         AND a.application_name = 'onaltu-rating' AND l.database = \
         (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .bind::<BigInt, _>(COMPUTATION_LOCK)
    .get_result::<N>(conn)
    .await
    .unwrap()
    .n
}

/// Rating connections holding or waiting for the computation lock.
async fn computations(conn: &mut AsyncPgConnection) -> i64 {
    diesel::sql_query(
        "SELECT count(*) AS n FROM pg_locks l WHERE l.locktype = 'advisory' AND l.classid = 0 \
         AND l.objid = $1 AND l.database = \
         (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .bind::<BigInt, _>(COMPUTATION_LOCK)
    .get_result::<N>(conn)
    .await
    .unwrap()
    .n
}

/// Versions of `period` the schedule computed.
async fn scheduled_versions(dbs: &Databases, period: Period) -> i64 {
    let mut conn = dbs.connect("rating").await;
    diesel::sql_query(
        "SELECT count(*) AS n FROM rating_runs WHERE period = $1 AND computed_by = 'schedule'",
    )
    .bind::<Text, _>(period.label())
    .get_result::<N>(&mut conn)
    .await
    .unwrap()
    .n
}

/// Starts the cluster. Both rating replicas start while another computation holds the lock,
/// so both find the ended quarter due and queue for it; then the lock is let go and the
/// quarter must be rated once.
async fn start() -> Cluster {
    let logs = Logs(std::env::temp_dir().join(format!("onaltu-scale-out-{}", Uuid::now_v7())));
    std::fs::create_dir_all(&logs.0).unwrap();
    let dbs = Databases::create(&SERVICES).await;
    let valkey = Valkey::start(&repo().join("deploy/k8s/components/data-tier/users.acl.template"));
    for service in SERVICES {
        migrate(&launch(&dbs, &valkey, service, "migrate", None));
    }
    let mut holder = dbs.connect("rating").await;
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(COMPUTATION_LOCK)
        .execute(&mut holder)
        .await
        .unwrap();

    let dir = logs.0.clone();
    let start = |service, name, registry: Option<&Replica>| {
        Replica::start(launch(&dbs, &valkey, service, name, registry), &dir)
    };
    let registry = [
        start("registry", "a", None).await,
        start("registry", "b", None).await,
    ];
    let feedback = [
        start("feedback", "a", Some(&registry[0])).await,
        start("feedback", "b", Some(&registry[1])).await,
    ];
    let transport = [
        start("transport", "a", Some(&registry[0])).await,
        start("transport", "b", Some(&registry[1])).await,
    ];
    // Last, so both queue within a statement's timeout of each other.
    let rating = [
        start("rating", "a", Some(&registry[0])).await,
        start("rating", "b", Some(&registry[1])).await,
    ];

    eventually(
        "both rating replicas queue for the end-of-quarter computation",
        async || (waiting_computations(&mut holder).await == 2).then_some(()),
    )
    .await;
    diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(COMPUTATION_LOCK)
        .execute(&mut holder)
        .await
        .unwrap();
    Cluster {
        registry,
        feedback,
        rating,
        transport,
        dbs,
        valkey,
        logs,
    }
}

#[tokio::test]
async fn two_replicas_of_every_service_act_once_and_hand_over_their_subscribers() {
    let mut c = start().await;
    let ended = Period::quarter_of(onaltu_api::today()).previous();

    // The end-of-quarter rating: once both replicas have been through the lock, one version.
    {
        let mut conn = c.dbs.connect("rating").await;
        eventually("both replicas through the computation lock", async || {
            (computations(&mut conn).await == 0).then_some(())
        })
        .await;
    }
    assert_eq!(scheduled_versions(&c.dbs, ended).await, 1);

    let centre_id = events_take_effect_once(&c).await;
    redis_holds_each_service_to_its_own(&c).await;
    watch_ratings_resumes_on_the_other_replica(&mut c, &centre_id).await;
    let day = a_report_during_a_plan_is_kept(&c).await;
    watch_dispatch_resumes_on_the_other_replica(&mut c, day).await;

    // The schedules kept checking all along, every second on both replicas: still one.
    assert_eq!(scheduled_versions(&c.dbs, ended).await, 1);
    for replica in c
        .registry
        .iter()
        .chain(&c.feedback)
        .chain(&c.rating)
        .chain(&c.transport)
    {
        let log = replica.log_text();
        for trouble in [
            "NOPERM",
            "cache unavailable",
            "cannot publish",
            "cannot make progress",
            "panicked",
        ] {
            assert!(
                !log.contains(trouble),
                "{}-{} logged {trouble:?}:\n{log}",
                replica.service,
                replica.name
            );
        }
    }
    drop(c.logs);
}

/// Evaluations submitted and published alternately on feedback A and B reach the rating (both
/// of whose replicas consume the stream) exactly once each; every outbox row of the registry
/// and of feedback reaches its stream once. Returns the centre evaluated.
async fn events_take_effect_once(c: &Cluster) -> String {
    let mut ops = [0, 1].map(|i| {
        onaltu_testkit::registry::Registry::new(authed(
            &c.registry[i].channel,
            Some(&claims(Role::CityOperator)),
        ))
    });
    let centre_id = centre(&mut ops[0], "Орталық", 20).await.id;
    const EVALUATIONS: usize = 8;
    for i in 0..EVALUATIONS {
        let (here, there) = (i % 2, 1 - i % 2);
        // IIN serials ten apart: one whose check digit fails takes the next serial.
        let person = adult(&mut ops[here], 500 + 10 * i as u32).await.id;
        let episode = discharged(&mut ops[there], &person, &centre_id).await.id;
        let mut recipient =
            FeedbackServiceClient::new(authed(&c.feedback[here].channel, Some(&citizen(&person))));
        let e = submit(&mut recipient, evaluation(&episode, 4 + (i % 2) as i32, ""))
            .await
            .unwrap();
        let mut moderator = FeedbackServiceClient::new(authed(
            &c.feedback[there].channel,
            Some(&claims(Role::CityOperator)),
        ));
        publish(&mut moderator, &e.id).await;
    }

    let mut feedback_db = c.dbs.connect("feedback").await;
    let mut registry_db = c.dbs.connect("registry").await;
    let mut rating_db = c.dbs.connect("rating").await;
    for conn in [&mut feedback_db, &mut registry_db] {
        eventually("every outbox row published", async || {
            let waiting = number(
                conn,
                "SELECT count(*) AS n FROM outbox_events WHERE published_at IS NULL",
            )
            .await;
            (waiting == 0).then_some(())
        })
        .await;
    }
    let centre_uuid: Uuid = centre_id.parse().unwrap();
    eventually("the rating counts every evaluation", async || {
        let counted = number(
            &mut rating_db,
            "SELECT count(*) AS n FROM feedback_evaluations WHERE counted",
        )
        .await;
        (counted == EVALUATIONS as i64).then_some(())
    })
    .await;
    // Each processed once, by whichever rating replica got it: the centre's sums count each
    // evaluation once (the evaluations slot counts every one of them).
    let counted = diesel::sql_query(
        "SELECT coalesce(max(n), 0) AS n FROM feedback_totals WHERE center_id = $1",
    )
    .bind::<SqlUuid, _>(centre_uuid)
    .get_result::<N>(&mut rating_db)
    .await
    .unwrap()
    .n;
    assert_eq!(counted, EVALUATIONS as i64, "each evaluation counted once");
    let published = number(
        &mut feedback_db,
        "SELECT count(*) AS n FROM outbox_events WHERE stream = 'feedback.evaluations'",
    )
    .await;
    assert_eq!(published, EVALUATIONS as i64);
    assert_eq!(
        number(&mut rating_db, "SELECT count(*) AS n FROM processed_events").await,
        published,
        "each event processed once"
    );

    // Each relay row on its stream once, though both relays publish.
    let mut admin = c.valkey.admin().await;
    for service in ["feedback", "registry"] {
        let mut conn = c.dbs.connect(service).await;
        #[derive(diesel::QueryableByName)]
        struct Stream {
            #[diesel(sql_type = Text)]
            stream: String,
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let streams = diesel::sql_query(
            "SELECT stream, count(*) AS n FROM outbox_events GROUP BY stream ORDER BY stream",
        )
        .get_results::<Stream>(&mut conn)
        .await
        .unwrap();
        assert!(!streams.is_empty(), "{service} published events");
        for s in streams {
            let len: i64 = redis::cmd("XLEN")
                .arg(&s.stream)
                .query_async(&mut admin)
                .await
                .unwrap();
            assert_eq!(len, s.n, "{service}: {} published once each", s.stream);
        }
    }
    centre_id
}

/// Each service's Redis user reaches its own keys and streams only, and lists no key names.
async fn redis_holds_each_service_to_its_own(c: &Cluster) {
    let mut admin = c.valkey.admin().await;
    // The services' caches work as their users: each has written under its own prefix.
    let person = {
        let mut op = onaltu_testkit::registry::Registry::new(authed(
            &c.registry[1].channel,
            Some(&claims(Role::CityOperator)),
        ));
        let id = adult(&mut op, 900).await.id;
        op.get_person(onaltu_proto::registry::GetPersonRequest { id: id.clone() })
            .await
            .unwrap();
        id
    };
    let cached: Option<Vec<u8>> = redis::cmd("GET")
        .arg(format!("registry:person:{person}"))
        .query_async(&mut admin)
        .await
        .unwrap();
    assert!(
        cached.is_some(),
        "the registry cached the person as its user"
    );
    let generation: Option<u64> = redis::cmd("GET")
        .arg("rating:gen:ratings")
        .query_async(&mut admin)
        .await
        .unwrap();
    assert!(
        generation.is_some(),
        "the rating bumped its generation as its user"
    );

    let refused = async |user: &str, command: &[&str]| {
        let mut conn = c.valkey.connect_as(user).await;
        let mut cmd = redis::cmd(command[0]);
        for arg in &command[1..] {
            cmd.arg(*arg);
        }
        let answer: redis::RedisResult<redis::Value> = cmd.query_async(&mut conn).await;
        match answer {
            Err(e) => assert_eq!(e.code(), Some("NOPERM"), "{user} {command:?}: {e}"),
            Ok(v) => panic!("{user} may {command:?}: {v:?}"),
        }
    };
    let person_key = format!("registry:person:{person}");
    for user in ["rating", "feedback"] {
        refused(user, &["GET", &person_key]).await;
        refused(user, &["SCAN", "0"]).await;
        refused(user, &["SCAN", "0", "MATCH", "registry:*"]).await;
        refused(user, &["KEYS", "*"]).await;
        refused(user, &["XRANGE", "registry.persons", "-", "+"]).await;
        refused(user, &["XADD", "registry.persons", "*", "id", "forged"]).await;
    }
    for user in ["registry", "feedback"] {
        refused(user, &["GET", "rating:gen:ratings"]).await;
        refused(
            user,
            &[
                "XREADGROUP",
                "GROUP",
                "rating",
                "x",
                "STREAMS",
                "feedback.evaluations",
                "0",
            ],
        )
        .await;
    }
    refused("registry", &["SCAN", "0"]).await;
    // The rating consumes the feedback stream in its group, and reads it no other way.
    refused("rating", &["XRANGE", "feedback.evaluations", "-", "+"]).await;
    refused(
        "rating",
        &["XADD", "feedback.evaluations", "*", "id", "forged"],
    )
    .await;
    refused("rating", &["GET", "feedback:anything"]).await;
    refused(
        "feedback",
        &["XADD", "feedback.evaluations.dead", "*", "id", "x"],
    )
    .await;
    // Feedback consumes the registry's episode and representation streams in its group, and
    // neither reads them another way nor writes them.
    for stream in ["registry.episodes", "registry.representatives"] {
        refused("feedback", &["XRANGE", stream, "-", "+"]).await;
        refused("feedback", &["XADD", stream, "*", "id", "forged"]).await;
    }
}

fn rating_as(replica: &Replica, claims: &Claims) -> RatingServiceClient<AuthedChannel> {
    RatingServiceClient::new(authed(&replica.channel, Some(claims)))
}

/// Changes `centre`'s accessibility (`share`) and recomputes today's quarter on `replica`:
/// enough of a move to make an event.
async fn recompute(replica: &Replica, centre: &str, share: f64) -> rpb::ComputeRatingsResponse {
    let operator = claims(Role::CityOperator);
    let q = Period::quarter_of(onaltu_api::today());
    let mut client = rating_as(replica, &operator);
    client
        .record_indicators(rpb::RecordIndicatorsRequest {
            request_id: Uuid::now_v7().to_string(),
            center_id: centre.into(),
            period: Some(q.encode()),
            values: vec![rpb::IndicatorValue {
                indicator_code: "accessibility_checklist_share".into(),
                value: share,
                source: rpb::IndicatorSource::Inspection as i32,
                evidence_reference: "Акт №3".into(),
                ..Default::default()
            }],
        })
        .await
        .unwrap();
    let computed = client
        .compute_ratings(rpb::ComputeRatingsRequest {
            request_id: Uuid::now_v7().to_string(),
            period: Some(q.encode()),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        computed.created && computed.events_emitted > 0,
        "{computed:?}"
    );
    computed
}

/// The next event on `stream`, failing after [`DEADLINE`].
async fn next_rating_event(
    stream: &mut tonic::Streaming<rpb::WatchRatingsResponse>,
) -> Result<i64, tonic::Status> {
    let message = within("a rating event", stream.message()).await?;
    Ok(message
        .and_then(|m| m.event)
        .expect("a stream that stays open")
        .sequence_number)
}

async fn watch_ratings(
    replica: &Replica,
    centre: &str,
    after: i64,
) -> tonic::Streaming<rpb::WatchRatingsResponse> {
    rating_as(replica, &claims(Role::Integration))
        .watch_ratings(rpb::WatchRatingsRequest {
            after_sequence_number: after,
            center_ids: vec![centre.into()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

/// A subscriber on rating B sees the recomputations made on A; B is killed; the subscriber
/// resumes on A after the last sequence number it saw and gets what was computed meanwhile,
/// then what comes live.
async fn watch_ratings_resumes_on_the_other_replica(c: &mut Cluster, centre: &str) {
    let mut received = Vec::new();
    let mut on_b = watch_ratings(&c.rating[1], centre, 0).await;
    recompute(&c.rating[0], centre, 1.0).await;
    received.push(next_rating_event(&mut on_b).await.unwrap());
    recompute(&c.rating[0], centre, 0.3).await;
    received.push(next_rating_event(&mut on_b).await.unwrap());

    c.rating[1].kill();
    let ended = within("the killed replica's stream", on_b.message()).await;
    assert!(
        !matches!(ended, Ok(Some(_))),
        "the stream of a killed replica ends: {ended:?}"
    );
    recompute(&c.rating[0], centre, 1.0).await;
    let last = *received.last().unwrap();
    let mut on_a = watch_ratings(&c.rating[0], centre, last).await;
    received.push(next_rating_event(&mut on_a).await.unwrap());
    recompute(&c.rating[0], centre, 0.3).await;
    received.push(next_rating_event(&mut on_a).await.unwrap());

    let mut conn = c.dbs.connect("rating").await;
    let stored = diesel::sql_query(
        "SELECT sequence_number FROM rating_events WHERE center_id = $1 ORDER BY sequence_number",
    )
    .bind::<SqlUuid, _>(centre.parse::<Uuid>().unwrap())
    .load::<Seq>(&mut conn)
    .await
    .unwrap();
    let stored = sequences(stored);
    assert_eq!(
        received, stored,
        "every event of the centre, once, in order"
    );
}

fn transport_as(replica: &Replica, claims: &Claims) -> TransportServiceClient<AuthedChannel> {
    TransportServiceClient::new(authed(&replica.channel, Some(claims)))
}

/// A local (UTC+5) time of `day`.
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

fn place(latitude: f64, longitude: f64) -> Option<tpb::Place> {
    Some(tpb::Place {
        location: Some(GeoPoint {
            latitude,
            longitude,
        }),
        address: "Астана".into(),
        note: String::new(),
    })
}

/// Books a trip of `person` on `day` at `h:m` from a home `n` blocks away to the centre.
async fn book(
    replica: &Replica,
    person: &str,
    day: NaiveDate,
    (h, m): (u32, u32),
    n: u32,
) -> tpb::Trip {
    transport_as(replica, &claims(Role::Dispatcher))
        .request_trip(tpb::RequestTripRequest {
            request_id: Uuid::now_v7().to_string(),
            trip: Some(tpb::Trip {
                person_id: person.into(),
                pickup: place(
                    51.10 + 0.004 * f64::from(n),
                    71.40 + 0.003 * f64::from(n % 5),
                ),
                dropoff: place(51.15, 71.47),
                requested_time: Some(tpb::trip::RequestedTime::RequestedPickupTime(local(
                    day, h, m,
                ))),
                purpose: tpb::TripPurpose::Rehabilitation as i32,
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .trip
        .unwrap()
}

async fn trip(replica: &Replica, id: &str) -> tpb::Trip {
    transport_as(replica, &claims(Role::Dispatcher))
        .get_trip(tpb::GetTripRequest { id: id.into() })
        .await
        .unwrap()
        .into_inner()
        .trip
        .unwrap()
}

fn plan(day: NaiveDate, time_limit_seconds: i32) -> tpb::PlanDayRequest {
    tpb::PlanDayRequest {
        request_id: Uuid::now_v7().to_string(),
        service_date: Some(onaltu_api::date(day)),
        options: Some(tpb::PlanOptions {
            time_limit_seconds,
            ..Default::default()
        }),
    }
}

/// Tomorrow's invataxi day, planned on transport A; then, while transport B plans it again
/// (searching for longer than a statement may wait for a lock), the driver reports the first
/// trip on A: both calls finish, and the report stands. Returns the day.
async fn a_report_during_a_plan_is_kept(c: &Cluster) -> NaiveDate {
    let [a, b] = &c.transport;
    let day = onaltu_api::today() + chrono::Duration::days(1);
    let dispatcher = claims(Role::Dispatcher);
    let mut vehicles = Vec::new();
    for plate in ["101AAA01", "202BBB01"] {
        let v = transport_as(a, &dispatcher)
            .create_vehicle(tpb::CreateVehicleRequest {
                request_id: Uuid::now_v7().to_string(),
                vehicle: Some(tpb::Vehicle {
                    plate_number: plate.into(),
                    kind: tpb::VehicleKind::Invataxi as i32,
                    model: "Hyundai Staria".into(),
                    wheelchair_places: 1,
                    seats: 3,
                    has_ramp: true,
                    depot: Some(GeoPoint {
                        latitude: 51.128,
                        longitude: 71.43,
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
        transport_as(b, &dispatcher)
            .create_shift(tpb::CreateShiftRequest {
                request_id: Uuid::now_v7().to_string(),
                shift: Some(tpb::Shift {
                    vehicle_id: v.id.clone(),
                    driver_subject: onaltu_testkit::driver(&v.id).sub,
                    driver_name: "Ерлан".into(),
                    start_time: Some(local(day, 8, 0)),
                    end_time: Some(local(day, 19, 0)),
                    ..Default::default()
                }),
            })
            .await
            .unwrap();
        vehicles.push(v);
    }
    let mut op = onaltu_testkit::registry::Registry::new(authed(
        &c.registry[0].channel,
        Some(&claims(Role::CityOperator)),
    ));
    let mut trips = Vec::new();
    for i in 0..12u32 {
        let person = wheelchair_user(&mut op, 1000 + 10 * i).await.id;
        let replica = &c.transport[(i % 2) as usize];
        trips.push(book(replica, &person, day, (9 + i / 2, 20 * (i % 2)), i).await);
    }
    transport_as(a, &dispatcher)
        .plan_day(plan(day, 1))
        .await
        .unwrap();
    let first = trip(a, &trips[0].id).await;
    assert_eq!(first.state, TripState::Scheduled as i32, "{first:?}");
    let driver = onaltu_testkit::driver(&first.vehicle_id);

    let planning = async { transport_as(b, &dispatcher).plan_day(plan(day, 8)).await };
    let reporting = async {
        eventually("transport B is solving the day", async || {
            b.log_text().contains("planning the day").then_some(())
        })
        .await;
        transport_as(a, &driver)
            .update_trip_status(tpb::UpdateTripStatusRequest {
                trip_id: first.id.clone(),
                state: TripState::DriverEnRoute as i32,
                ..Default::default()
            })
            .await
    };
    let (planned, reported) = within("a PlanDay beside a status report", async {
        tokio::join!(planning, reporting)
    })
    .await;
    let reported = reported.expect("the driver's report is taken").into_inner();
    assert_eq!(
        reported.trip.unwrap().state,
        TripState::DriverEnRoute as i32
    );
    match planned {
        Ok(_) => {}
        Err(e) => assert!(
            e.code() == tonic::Code::FailedPrecondition && e.message().contains("under way"),
            "the plan either stands or is refused for the trip under way: {e:?}"
        ),
    }
    for replica in [a, b] {
        assert_eq!(
            trip(replica, &first.id).await.state,
            TripState::DriverEnRoute as i32,
            "the report stands"
        );
    }
    day
}

async fn watch_dispatch(
    replica: &Replica,
    day: NaiveDate,
    after: i64,
) -> tonic::Streaming<tpb::WatchDispatchResponse> {
    transport_as(replica, &claims(Role::Dispatcher))
        .watch_dispatch(tpb::WatchDispatchRequest {
            service_date: Some(onaltu_api::date(day)),
            after_sequence_number: after,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

/// The sequence numbers `stream` sends until it has sent `until`.
async fn dispatch_until(
    stream: &mut tonic::Streaming<tpb::WatchDispatchResponse>,
    until: i64,
    into: &mut Vec<i64>,
) {
    while into.last().is_none_or(|&last| last < until) {
        let change = within("a dispatch change", stream.message())
            .await
            .unwrap()
            .expect("a stream that stays open");
        into.push(change.sequence_number);
    }
}

async fn last_dispatch_change(conn: &mut AsyncPgConnection, day: NaiveDate) -> i64 {
    diesel::sql_query(
        "SELECT coalesce(max(sequence_number), 0) AS n FROM dispatch_events WHERE service_date = $1",
    )
    .bind::<Date, _>(day)
    .get_result::<N>(conn)
    .await
    .unwrap()
    .n
}

/// A subscriber on transport B gets the day so far and the bookings made on A; B is killed; the
/// subscriber resumes on A after the last sequence number it saw and gets the bookings made
/// meanwhile, then the live ones.
async fn watch_dispatch_resumes_on_the_other_replica(c: &mut Cluster, day: NaiveDate) {
    let mut conn = c.dbs.connect("transport").await;
    let mut op = onaltu_testkit::registry::Registry::new(authed(
        &c.registry[0].channel,
        Some(&claims(Role::CityOperator)),
    ));
    let mut persons = Vec::new();
    for serial in [2000, 2010, 2020, 2030] {
        persons.push(wheelchair_user(&mut op, serial).await.id);
    }
    let mut received = Vec::new();
    let mut on_b = watch_dispatch(&c.transport[1], day, 0).await;
    let so_far = last_dispatch_change(&mut conn, day).await;
    dispatch_until(&mut on_b, so_far, &mut received).await;
    book(&c.transport[0], &persons[0], day, (16, 0), 1).await;
    dispatch_until(
        &mut on_b,
        last_dispatch_change(&mut conn, day).await,
        &mut received,
    )
    .await;

    c.transport[1].kill();
    let ended = within("the killed replica's stream", on_b.message()).await;
    assert!(
        !matches!(ended, Ok(Some(_))),
        "the stream of a killed replica ends: {ended:?}"
    );
    book(&c.transport[0], &persons[1], day, (16, 30), 2).await;
    book(&c.transport[0], &persons[2], day, (17, 0), 3).await;
    let last = *received.last().unwrap();
    let mut on_a = watch_dispatch(&c.transport[0], day, last).await;
    dispatch_until(
        &mut on_a,
        last_dispatch_change(&mut conn, day).await,
        &mut received,
    )
    .await;
    book(&c.transport[0], &persons[3], day, (17, 30), 4).await;
    dispatch_until(
        &mut on_a,
        last_dispatch_change(&mut conn, day).await,
        &mut received,
    )
    .await;

    let stored = diesel::sql_query(
        "SELECT sequence_number FROM dispatch_events WHERE service_date = $1 \
         ORDER BY sequence_number",
    )
    .bind::<Date, _>(day)
    .load::<Seq>(&mut conn)
    .await
    .unwrap();
    let stored = sequences(stored);
    assert_eq!(received, stored, "every change of the day, once, in order");
}
