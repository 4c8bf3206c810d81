//! Idempotency keys and retention against a real Postgres.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, Utc};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use onaltu_db::requests::{self, Request};
use onaltu_db::retention::{self, RetentionSettings, Rule};
use onaltu_testkit::TestDb;
use tonic::Code;
use uuid::Uuid;

async fn db() -> TestDb {
    TestDb::new(&[&onaltu_events::MIGRATIONS, &requests::MIGRATIONS]).await
}

#[tokio::test]
async fn the_same_caller_repeating_a_call_gets_the_first_answer() {
    let db = db().await;
    let mut conn = db.connect().await;
    let id = Uuid::now_v7();
    let first = Request::new("citizen-1", "SubmitEvaluation", id, &"the body".to_string());
    assert_eq!(requests::answered(&mut conn, &first).await.unwrap(), None);
    requests::remember(&mut conn, &first, b"first answer".to_vec())
        .await
        .unwrap();
    let again = Request::new("citizen-1", "SubmitEvaluation", id, &"the body".to_string());
    assert_eq!(
        requests::answered(&mut conn, &again).await.unwrap(),
        Some(b"first answer".to_vec())
    );
}

#[tokio::test]
async fn the_same_key_with_another_request_is_a_failed_precondition() {
    let db = db().await;
    let mut conn = db.connect().await;
    let id = Uuid::now_v7();
    let first = Request::new("staff-1", "AdmitPerson", id, &"episode A".to_string());
    requests::remember(&mut conn, &first, vec![1])
        .await
        .unwrap();
    let other = Request::new("staff-1", "AdmitPerson", id, &"episode B".to_string());
    let err = requests::answered(&mut conn, &other).await.unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(err.to_string().contains("request_id"), "{err}");
}

#[tokio::test]
async fn another_caller_or_method_with_the_same_id_is_a_call_of_its_own() {
    let db = db().await;
    let mut conn = db.connect().await;
    let id = Uuid::now_v7();
    let body = "same".to_string();
    let honest = Request::new("staff-1", "AdmitPerson", id, &body);
    requests::remember(&mut conn, &honest, b"their episode".to_vec())
        .await
        .unwrap();
    let thief = Request::new("driver-9", "AdmitPerson", id, &body);
    assert_eq!(requests::answered(&mut conn, &thief).await.unwrap(), None);
    let other_method = Request::new("staff-1", "OfferPlace", id, &body);
    assert_eq!(
        requests::answered(&mut conn, &other_method).await.unwrap(),
        None
    );
    requests::remember(&mut conn, &thief, b"own".to_vec())
        .await
        .unwrap();
    assert_eq!(db.count("requests").await, 2);
}

#[tokio::test]
async fn a_concurrent_first_call_aborts_the_second() {
    let db = db().await;
    let mut conn = db.connect().await;
    let r = Request::new("c", "CreatePerson", Uuid::now_v7(), &"x".to_string());
    requests::remember(&mut conn, &r, vec![1]).await.unwrap();
    let err = requests::remember(&mut conn, &r, vec![2])
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Aborted);
}

async fn age(conn: &mut AsyncPgConnection, sql: &str) {
    diesel::sql_query(sql).execute(conn).await.unwrap();
}

#[tokio::test]
async fn retention_forgets_keys_and_delivered_events_past_their_period_in_batches() {
    let db = db().await;
    let mut conn = db.connect().await;
    let settings = RetentionSettings::default();
    // More old keys than one batch, and a young one.
    age(
        &mut conn,
        "INSERT INTO requests (caller, method, request_id, fingerprint, answer, created_at) \
         SELECT 'c', 'M', gen_random_uuid(), '\\x00', '\\x00', now() - interval '8 days' \
         FROM generate_series(1, 12000)",
    )
    .await;
    let young = Request::new("c", "M", Uuid::now_v7(), &"young".to_string());
    requests::remember(&mut conn, &young, vec![1])
        .await
        .unwrap();
    // Events: delivered long ago, never delivered (however old), delivered lately.
    age(
        &mut conn,
        "INSERT INTO outbox_events (event_id, stream, event_type, payload, occurred_at, published_at) \
         VALUES (gen_random_uuid(), 's', 't', '\\x00', now() - interval '40 days', now() - interval '31 days'), \
                (gen_random_uuid(), 's', 't', '\\x00', now() - interval '40 days', NULL), \
                (gen_random_uuid(), 's', 't', '\\x00', now() - interval '2 days', now() - interval '2 days')",
    )
    .await;
    age(
        &mut conn,
        "INSERT INTO processed_events (consumer, event_id, processed_at) \
         VALUES ('c', gen_random_uuid(), now() - interval '31 days'), \
                ('c', gen_random_uuid(), now() - interval '1 day')",
    )
    .await;

    let mut rules = vec![requests::retention(&settings)];
    rules.extend(onaltu_events::retention(&settings));
    let done = retention::run_once(&mut conn, &rules, Utc::now())
        .await
        .unwrap();
    assert_eq!(
        done,
        vec![
            ("requests", 12_000),
            ("outbox_events", 1),
            ("processed_events", 1)
        ]
    );
    assert_eq!(db.count("requests").await, 1);
    assert_eq!(
        requests::answered(&mut conn, &young).await.unwrap(),
        Some(vec![1])
    );
    assert_eq!(db.count("outbox_events").await, 2);
    assert_eq!(db.count("processed_events").await, 1);

    // A week later the young key is past its period too; nothing is touched twice.
    let later = retention::run_once(&mut conn, &rules, Utc::now() + Duration::days(8))
        .await
        .unwrap();
    assert_eq!(later[0], ("requests", 1));
}

#[tokio::test]
async fn a_rule_runs_with_its_own_keep_period() {
    let db = db().await;
    let mut conn = db.connect().await;
    let rule = Rule {
        name: "requests_by_hour",
        keep: Duration::hours(1),
        sql: "DELETE FROM requests WHERE ctid IN \
              (SELECT ctid FROM requests WHERE created_at < $1 LIMIT $2)",
    };
    let r = Request::new("c", "M", Uuid::now_v7(), &"x".to_string());
    requests::remember(&mut conn, &r, vec![1]).await.unwrap();
    let now = Utc::now();
    let kept = retention::run_once(&mut conn, std::slice::from_ref(&rule), now)
        .await
        .unwrap();
    assert_eq!(kept, vec![("requests_by_hour", 0)]);
    let gone = retention::run_once(&mut conn, &[rule], now + Duration::minutes(61))
        .await
        .unwrap();
    assert_eq!(gone, vec![("requests_by_hour", 1)]);
}

#[tokio::test]
async fn a_retention_pass_leaves_the_rows_another_replica_s_pass_holds() {
    let db = db().await;
    let mut conn = db.connect().await;
    age(
        &mut conn,
        "INSERT INTO requests (caller, method, request_id, fingerprint, answer, created_at) \
         SELECT 'c', 'M', gen_random_uuid(), '\\x00', '\\x00', now() - interval '8 days' \
         FROM generate_series(1, 3)",
    )
    .await;
    age(
        &mut conn,
        "INSERT INTO outbox_events (event_id, stream, event_type, payload, occurred_at, published_at) \
         SELECT gen_random_uuid(), 's', 't', '\\x00', now() - interval '40 days', \
         now() - interval '31 days' FROM generate_series(1, 3)",
    )
    .await;
    // Another replica's pass is deleting one row of each, its transaction still open.
    let mut other = db.connect().await;
    for sql in [
        "BEGIN",
        "SELECT 1 FROM requests ORDER BY ctid LIMIT 1 FOR UPDATE",
        "SELECT 1 FROM outbox_events ORDER BY seq LIMIT 1 FOR UPDATE",
    ] {
        age(&mut other, sql).await;
    }
    // A pass that waited for those rows would fail here instead.
    age(&mut conn, "SET lock_timeout = '2s'").await;
    let mut rules = vec![requests::retention(&RetentionSettings::default())];
    rules.extend(onaltu_events::retention(&RetentionSettings::default()));
    let done = retention::run_once(&mut conn, &rules, Utc::now())
        .await
        .expect("the pass takes the other rows without waiting");
    assert_eq!(
        done,
        vec![
            ("requests", 2),
            ("outbox_events", 2),
            ("processed_events", 0)
        ]
    );
    age(&mut other, "ROLLBACK").await;
    assert_eq!(db.count("requests").await, 1);
    assert_eq!(db.count("outbox_events").await, 1);
}
