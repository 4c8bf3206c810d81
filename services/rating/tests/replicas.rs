//! The end-of-quarter computation as several replicas run it: whichever takes the computation
//! lock first rates the ended quarter, the others find it rated and compute nothing; and the
//! final rating is a version of its own, so it is never due again.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use onaltu_api::Period;
use onaltu_auth::Role;
use onaltu_cache::Cache;
use onaltu_events::WatchLimits;
use onaltu_rating::api::Rating as Handlers;
use onaltu_rating::api::watch::EventHub;
use onaltu_rating::clients::registry::RegistryClient;
use onaltu_rating::domain::methodology::Methodology;
use onaltu_rating::store::events::RatingEvents;
use onaltu_rating::store::ratings::COMPUTATION_LOCK;
use onaltu_rating::workers::schedule::{BY, rate_ended_quarter};

/// A replica's handlers on the harness's rating database, with a pool of its own whose
/// connections are named `name` (in `pg_stat_activity`).
fn replica(h: &Harness, name: &str) -> Handlers {
    let settings = onaltu_rating::settings::Settings::local(
        h.db.settings(),
        &h.redis.url(),
        onaltu_testkit::jwt_secret(),
        &h.registry.addr,
    );
    let pool = onaltu_db::build_pool(&settings.database, name).unwrap();
    let (_closing, closed) = tokio::sync::watch::channel(false);
    let hub = EventHub::new(RatingEvents, pool.clone(), WatchLimits::default(), closed);
    Handlers::new(
        pool,
        Cache::new(&settings.cache).unwrap(),
        RegistryClient::new(&settings.registry, &settings.auth).unwrap(),
        Methodology::standard(),
        hub,
        4,
    )
}

#[derive(diesel::QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Connections named `name` waiting for the computation lock.
async fn waiting(conn: &mut AsyncPgConnection, name: &str) -> i64 {
    diesel::sql_query(
        "SELECT count(*) AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.classid = 0 AND l.objid = $1 AND NOT l.granted \
         AND a.application_name = $2",
    )
    .bind::<BigInt, _>(COMPUTATION_LOCK)
    .bind::<Text, _>(name)
    .get_result::<N>(conn)
    .await
    .unwrap()
    .n
}

/// Versions of `period` computed by the schedule.
async fn scheduled_versions(h: &Harness, period: Period) -> i64 {
    let mut conn = h.db.connect().await;
    diesel::sql_query(
        "SELECT count(*) AS n FROM rating_runs WHERE period = $1 AND computed_by = $2",
    )
    .bind::<Text, _>(period.label())
    .bind::<Text, _>(BY)
    .get_result::<N>(&mut conn)
    .await
    .unwrap()
    .n
}

#[tokio::test]
async fn replicas_that_all_find_the_quarter_due_rate_it_once() {
    let h = Harness::start().await;
    centre(&mut h.registry_operator(), "Орталық", 20).await;
    let ended = Period::quarter_of(onaltu_api::today()).previous();
    let name = format!("replicas-{}", uuid::Uuid::now_v7().simple());
    let (a, b) = (replica(&h, &name), replica(&h, &name));

    // Another computation holds the lock while both replicas find the quarter due and queue
    // behind it.
    let mut holder = h.db.connect().await;
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(COMPUTATION_LOCK)
        .execute(&mut holder)
        .await
        .unwrap();
    let release = async {
        let deadline = Instant::now() + Duration::from_secs(10);
        while waiting(&mut holder, &name).await < 2 {
            assert!(
                Instant::now() < deadline,
                "both replicas queue for the computation lock"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        diesel::sql_query("SELECT pg_advisory_unlock($1)")
            .bind::<BigInt, _>(COMPUTATION_LOCK)
            .execute(&mut holder)
            .await
            .unwrap();
    };
    let (first, second, ()) = tokio::join!(rate_ended_quarter(&a), rate_ended_quarter(&b), release);
    let answers: Vec<_> = [first.unwrap(), second.unwrap()]
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(answers.len(), 1, "one replica computes: {answers:?}");
    assert!(answers[0].created);
    assert_eq!(answers[0].rating_version, 1);
    assert_eq!(scheduled_versions(&h, ended).await, 1);
    // Rated after its end: due for neither replica again.
    assert!(rate_ended_quarter(&a).await.unwrap().is_none());
    assert!(rate_ended_quarter(&b).await.unwrap().is_none());
    assert_eq!(h.count("rating_runs").await, 1);
}

#[tokio::test]
async fn the_final_rating_is_a_version_of_its_own_even_when_nothing_changed() {
    let h = Harness::start().await;
    centre(&mut h.registry_operator(), "Орталық", 20).await;
    let ended = Period::quarter_of(onaltu_api::today()).previous();
    let computed = h
        .as_role(Role::CityOperator)
        .compute_ratings(compute_request(ended))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(computed.rating_version, 1);
    // As if that version had been computed on the quarter's last day.
    let mut conn = h.db.connect().await;
    diesel::sql_query(
        "UPDATE rating_runs SET compute_time = $2::date - interval '12 hours' WHERE period = $1",
    )
    .bind::<Text, _>(ended.label())
    .bind::<diesel::sql_types::Date, _>(ended.end_exclusive())
    .execute(&mut conn)
    .await
    .unwrap();

    let replica = replica(&h, "final-rating");
    let rated = rate_ended_quarter(&replica).await.unwrap().expect("due");
    assert!(
        rated.created,
        "a new version, though every rating is the same"
    );
    assert_eq!(rated.rating_version, 2);
    assert_eq!(rated.events_emitted, 0, "nothing moved, nothing announced");
    assert!(rate_ended_quarter(&replica).await.unwrap().is_none());
    assert_eq!(scheduled_versions(&h, ended).await, 1);
}
