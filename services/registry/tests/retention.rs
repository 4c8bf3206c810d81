//! Retention on the registry's database: run at a chosen moment, the rules forget what is past
//! its keep period (idempotency keys after 7 days, delivered and processed events after 30, audit
//! events after five years) and keep everything younger, and every event still waiting for the
//! relay.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use diesel::sql_types::{Text, Timestamptz};
use diesel_async::RunQueryDsl;
use onaltu_registry::settings::Settings;
use onaltu_testkit::TestDb;

async fn exec(conn: &mut diesel_async::AsyncPgConnection, sql: &str, at: DateTime<Utc>) {
    diesel::sql_query(sql)
        .bind::<Timestamptz, _>(at)
        .execute(conn)
        .await
        .unwrap();
}

async fn names(conn: &mut diesel_async::AsyncPgConnection, sql: &str) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    diesel::sql_query(sql)
        .load::<Name>(conn)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect()
}

#[tokio::test]
async fn each_table_forgets_what_is_past_its_keep_period_and_keeps_the_rest() {
    let db = TestDb::new(&onaltu_registry::migrations()).await;
    let mut conn = db.connect().await;
    let now: DateTime<Utc> = "2031-06-01T00:00:00Z".parse().unwrap();
    let settings = Settings::default();
    let audit_keep = Duration::days(i64::from(settings.audit.keep_days));
    let audit = "INSERT INTO audit_events (id, event_time, actor_subject, actor_role, action, \
                 allowed) VALUES (gen_random_uuid(), $1, 'auditor-1', 6, 'GetPerson', TRUE)";
    // Audit events a day past five years go; a day short of it stay.
    exec(&mut conn, audit, now - audit_keep - Duration::days(1)).await;
    exec(&mut conn, audit, now - audit_keep + Duration::days(1)).await;
    let request = |name: &str| {
        format!(
            "INSERT INTO requests (caller, method, request_id, fingerprint, answer, created_at) \
             VALUES ('operator-1', '{name}', gen_random_uuid(), '\\x00', '\\x00', $1)"
        )
    };
    exec(&mut conn, &request("old"), now - Duration::days(8)).await;
    exec(&mut conn, &request("young"), now - Duration::days(6)).await;
    let outbox = |name: &str, published: bool| {
        format!(
            "INSERT INTO outbox_events (event_id, stream, event_type, payload, occurred_at, \
             published_at) VALUES (gen_random_uuid(), '{name}', 't', '\\x00', $1, \
             CASE WHEN {published} THEN $1 END)"
        )
    };
    exec(
        &mut conn,
        &outbox("delivered-old", true),
        now - Duration::days(31),
    )
    .await;
    exec(
        &mut conn,
        &outbox("delivered-young", true),
        now - Duration::days(29),
    )
    .await;
    exec(
        &mut conn,
        &outbox("waiting-old", false),
        now - Duration::days(400),
    )
    .await;
    let processed = |name: &str| {
        format!(
            "INSERT INTO processed_events (consumer, event_id, processed_at) \
             VALUES ('{name}', gen_random_uuid(), $1)"
        )
    };
    exec(&mut conn, &processed("old"), now - Duration::days(31)).await;
    exec(&mut conn, &processed("young"), now - Duration::days(29)).await;

    let rules = onaltu_registry::workers::retention::rules(&settings);
    let done = onaltu_db::retention::run_once(&mut conn, &rules, now)
        .await
        .unwrap();
    let total: usize = done.iter().map(|(_, n)| n).sum();
    assert_eq!(total, 4, "{done:?}");

    let kept_audit = names(
        &mut conn,
        &format!(
            "SELECT (event_time > '{}'::timestamptz)::text AS name FROM audit_events",
            now - audit_keep
        ),
    )
    .await;
    assert_eq!(kept_audit, ["true"], "the younger audit event stays");
    assert_eq!(
        names(&mut conn, "SELECT method AS name FROM requests").await,
        ["young"]
    );
    let mut outboxed = names(&mut conn, "SELECT stream AS name FROM outbox_events").await;
    outboxed.sort();
    assert_eq!(outboxed, ["delivered-young", "waiting-old"]);
    assert_eq!(
        names(&mut conn, "SELECT consumer AS name FROM processed_events").await,
        ["young"]
    );
    // Run again at the same moment: nothing more to forget.
    let again = onaltu_db::retention::run_once(&mut conn, &rules, now)
        .await
        .unwrap();
    assert!(again.iter().all(|(_, n)| *n == 0), "{again:?}");
}

#[tokio::test]
async fn the_audit_trail_keeps_as_long_as_configured() {
    let db = TestDb::new(&onaltu_registry::migrations()).await;
    let mut conn = db.connect().await;
    let now: DateTime<Utc> = "2031-06-01T00:00:00Z".parse().unwrap();
    let audit = "INSERT INTO audit_events (id, event_time, actor_subject, actor_role, action, \
                 allowed) VALUES (gen_random_uuid(), $1, 'auditor-1', 6, 'GetPerson', TRUE)";
    exec(&mut conn, audit, now - Duration::days(400)).await;
    exec(&mut conn, audit, now - Duration::days(10)).await;
    let mut settings = Settings::default();
    settings.audit.keep_days = 365;
    let rules = onaltu_registry::workers::retention::rules(&settings);
    onaltu_db::retention::run_once(&mut conn, &rules, now)
        .await
        .unwrap();
    assert_eq!(db.count("audit_events").await, 1);
}
