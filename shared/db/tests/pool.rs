//! The pool and migrations against a real Postgres.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use onaltu_db::{DatabaseSettings, build_pool, check, ping, run_migrations};
use onaltu_testkit::TestDb;
use secrecy::SecretString;

#[derive(diesel::QueryableByName)]
struct Setting {
    #[diesel(sql_type = Text)]
    value: String,
}

async fn show(conn: &mut diesel_async::AsyncPgConnection, name: &str) -> String {
    diesel::sql_query(format!("SELECT current_setting('{name}') AS value"))
        .get_result::<Setting>(conn)
        .await
        .unwrap()
        .value
}

#[tokio::test]
async fn connections_carry_application_name_and_statement_timeout() {
    let db = TestDb::new(&[&onaltu_events::MIGRATIONS]).await;
    let settings = DatabaseSettings {
        statement_timeout_ms: 1234,
        ..db.settings()
    };
    let pool = build_pool(&settings, "onaltu-registry").unwrap();
    let mut conn = pool.get().await.unwrap();
    assert_eq!(show(&mut conn, "application_name").await, "onaltu-registry");
    assert_eq!(show(&mut conn, "statement_timeout").await, "1234ms");
    assert!(ping(&pool).await);
}

#[tokio::test]
async fn a_slow_statement_is_cancelled_and_answers_unavailable() {
    let db = TestDb::new(&[]).await;
    let settings = DatabaseSettings {
        statement_timeout_ms: 200,
        ..db.settings()
    };
    let pool = build_pool(&settings, "onaltu-test").unwrap();
    let mut conn = pool.get().await.unwrap();
    let err = diesel::sql_query("SELECT pg_sleep(5)")
        .execute(&mut conn)
        .await
        .unwrap_err();
    let api = onaltu_errors::ApiError::from(err);
    assert_eq!(api.code(), tonic::Code::Unavailable, "{api}");
}

#[tokio::test]
async fn an_unreachable_database_names_the_url_without_its_password() {
    let port = onaltu_testkit::free_port();
    let settings = DatabaseSettings {
        url: SecretString::from(format!(
            "postgres://app:s3cret@127.0.0.1:{port}/onaltu_registry"
        )),
        connect_timeout_ms: 500,
        ..DatabaseSettings::default()
    };
    let err = check(&settings).await.unwrap_err().to_string();
    assert!(
        err.contains(&format!(
            "postgres://app:***@127.0.0.1:{port}/onaltu_registry"
        )),
        "{err}"
    );
    assert!(!err.contains("s3cret"), "{err}");

    let pool = build_pool(&settings, "onaltu-test").unwrap();
    assert!(!ping(&pool).await, "ping reports the database down");
}

#[tokio::test]
async fn migrations_apply_once() {
    let db = TestDb::new(&[]).await;
    let url = SecretString::from(db.url().to_string());
    let first = run_migrations(&url, &[&onaltu_events::MIGRATIONS])
        .await
        .unwrap();
    assert_eq!(first, ["00000000000001", "00000000000002"]);
    let again = run_migrations(&url, &[&onaltu_events::MIGRATIONS])
        .await
        .unwrap();
    assert!(again.is_empty());
}
