//! Outbox, relay and consumer group against real Postgres and Redis.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use onaltu_events::{
    Consumer, Event, EventError, EventHandler, Outcome, Relay, StreamSettings, enqueue,
};
use onaltu_testkit::{RedisServer, TestDb};
use redis::AsyncCommands;

const STREAM: &str = "test.things";

/// Counts how often each event took effect.
struct CountEffects;

#[async_trait::async_trait]
impl EventHandler for CountEffects {
    async fn handle(&self, conn: &mut AsyncPgConnection, event: &Event) -> Result<(), EventError> {
        diesel::sql_query(
            "INSERT INTO effects (event_id, n) VALUES ($1, 1)
             ON CONFLICT (event_id) DO UPDATE SET n = effects.n + 1",
        )
        .bind::<diesel::sql_types::Uuid, _>(event.id)
        .execute(conn)
        .await?;
        Ok(())
    }
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

async fn count(conn: &mut AsyncPgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .await
        .unwrap()
        .n
}

async fn setup() -> (TestDb, AsyncPgConnection) {
    let db = TestDb::new(&[&onaltu_events::MIGRATIONS]).await;
    let mut conn = db.connect().await;
    conn.batch_execute(
        "CREATE TABLE things (id SERIAL PRIMARY KEY, name TEXT NOT NULL);
         CREATE TABLE effects (event_id UUID PRIMARY KEY, n INT NOT NULL);",
    )
    .await
    .unwrap();
    (db, conn)
}

fn settings() -> StreamSettings {
    StreamSettings {
        redis_timeout: Duration::from_millis(500),
        ..StreamSettings::default()
    }
}

#[tokio::test]
async fn the_event_commits_or_rolls_back_with_the_business_write() {
    let (_db, mut conn) = setup().await;
    let rolled_back: Result<(), diesel::result::Error> = conn
        .transaction(async |conn| {
            diesel::sql_query("INSERT INTO things (name) VALUES ('x')")
                .execute(conn)
                .await?;
            enqueue(conn, STREAM, "test.ThingCreated", b"x".to_vec()).await?;
            Err(diesel::result::Error::RollbackTransaction)
        })
        .await;
    assert!(rolled_back.is_err());
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM outbox_events").await,
        0
    );

    conn.transaction(async |conn| {
        diesel::sql_query("INSERT INTO things (name) VALUES ('y')")
            .execute(conn)
            .await?;
        enqueue(conn, STREAM, "test.ThingCreated", b"y".to_vec()).await?;
        Ok::<_, diesel::result::Error>(())
    })
    .await
    .unwrap();
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM outbox_events").await,
        1
    );
}

#[tokio::test]
async fn an_event_written_while_redis_is_down_is_delivered_once_it_returns_exactly_once() {
    let (db, mut conn) = setup().await;
    let mut redis = RedisServer::start();
    let client = redis::Client::open(redis.url()).unwrap();
    let pool = db.pool();
    let mut relay = Relay::new(pool.clone(), client.clone(), settings());
    let mut consumer = Consumer::new(
        pool.clone(),
        client.clone(),
        "rating",
        "rating-0",
        &[STREAM],
        settings(),
    );

    redis.stop();
    let id = conn
        .transaction(async |conn| {
            diesel::sql_query("INSERT INTO things (name) VALUES ('centre')")
                .execute(conn)
                .await?;
            enqueue(conn, STREAM, "test.ThingCreated", b"payload".to_vec()).await
        })
        .await
        .unwrap();

    assert!(matches!(
        relay.publish_batch().await,
        Err(EventError::Redis(_))
    ));
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM outbox_events WHERE published_at IS NULL"
        )
        .await,
        1,
        "the event waits in the outbox"
    );

    redis.resume();
    assert_eq!(relay.publish_batch().await.unwrap(), 1);
    assert_eq!(relay.publish_batch().await.unwrap(), 0, "published once");

    let outcomes = consumer
        .poll(&CountEffects, Duration::from_millis(100))
        .await
        .unwrap();
    assert_eq!(outcomes, [Outcome::Applied]);

    // The relay may publish twice (a crash between XADD and its stamp): the effect stays single.
    let mut redis_conn = client.get_multiplexed_async_connection().await.unwrap();
    let _: String = redis_conn
        .xadd(
            STREAM,
            "*",
            &[
                ("id", id.to_string().into_bytes()),
                ("type", b"test.ThingCreated".to_vec()),
                ("occurred_at", chrono::Utc::now().to_rfc3339().into_bytes()),
                ("payload", b"payload".to_vec()),
            ],
        )
        .await
        .unwrap();
    let outcomes = consumer
        .poll(&CountEffects, Duration::from_millis(100))
        .await
        .unwrap();
    assert_eq!(outcomes, [Outcome::Duplicate]);
    assert_eq!(
        count(&mut conn, "SELECT n::bigint AS n FROM effects").await,
        1
    );

    // Everything is acknowledged: nothing pending for the group.
    let pending: redis::streams::StreamPendingReply =
        redis_conn.xpending(STREAM, "rating").await.unwrap();
    assert_eq!(pending.count(), 0);
}

#[tokio::test]
async fn a_failed_handler_leaves_the_event_pending_and_it_is_retried() {
    struct FailOnce(std::sync::atomic::AtomicBool);
    #[async_trait::async_trait]
    impl EventHandler for FailOnce {
        async fn handle(
            &self,
            conn: &mut AsyncPgConnection,
            event: &Event,
        ) -> Result<(), EventError> {
            CountEffects.handle(conn, event).await?;
            if !self.0.swap(true, std::sync::atomic::Ordering::SeqCst) {
                return Err(EventError::Handler("first attempt fails".into()));
            }
            Ok(())
        }
    }

    let (db, mut conn) = setup().await;
    let redis = RedisServer::start();
    let client = redis::Client::open(redis.url()).unwrap();
    let pool = db.pool();
    conn.transaction(async |conn| enqueue(conn, STREAM, "t", b"p".to_vec()).await.map(|_| ()))
        .await
        .unwrap();
    Relay::new(pool.clone(), client.clone(), settings())
        .publish_batch()
        .await
        .unwrap();
    let handler = FailOnce(std::sync::atomic::AtomicBool::new(false));
    let mut consumer = Consumer::new(pool, client, "g", "c", &[STREAM], settings());
    assert!(
        consumer
            .poll(&handler, Duration::from_millis(100))
            .await
            .is_err()
    );
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM effects").await,
        0,
        "rolled back"
    );
    let outcomes = consumer
        .poll(&handler, Duration::from_millis(100))
        .await
        .unwrap();
    assert_eq!(outcomes, [Outcome::Applied]);
    assert_eq!(
        count(&mut conn, "SELECT n::bigint AS n FROM effects").await,
        1
    );
}
