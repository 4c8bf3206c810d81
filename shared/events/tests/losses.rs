//! Events a consumer group can lose, and the relay's backlog, measured against real Postgres and
//! Redis: entries trimmed from a stream before the group read them are counted and the group
//! moves on past them; a group Redis forgot is noticed; the outbox backlog and its oldest event
//! are counted while Redis is down.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use onaltu_events::{Consumer, Event, EventError, EventHandler, Relay, StreamSettings, enqueue};
use onaltu_testkit::{RedisServer, TestDb};
use redis::AsyncCommands;
use redis::aio::MultiplexedConnection;

const STREAM: &str = "test.losses";
const GROUP: &str = "rating";

/// Records each event it applies.
struct Record;

#[async_trait::async_trait]
impl EventHandler for Record {
    async fn handle(&self, conn: &mut AsyncPgConnection, event: &Event) -> Result<(), EventError> {
        diesel::sql_query("INSERT INTO effects (event_id) VALUES ($1)")
            .bind::<diesel::sql_types::Uuid, _>(event.id)
            .execute(conn)
            .await?;
        Ok(())
    }
}

async fn setup() -> (TestDb, AsyncPgConnection) {
    let db = TestDb::new(&[&onaltu_events::MIGRATIONS]).await;
    let mut conn = db.connect().await;
    conn.batch_execute("CREATE TABLE effects (event_id UUID PRIMARY KEY)")
        .await
        .unwrap();
    (db, conn)
}

/// Two entries a read, so a test can leave a group part-way through a stream.
fn settings() -> StreamSettings {
    StreamSettings {
        batch_size: 2,
        redis_timeout: Duration::from_millis(500),
        ..StreamSettings::default()
    }
}

/// Appends `n` well-formed events to the stream, as the relay writes them.
async fn append(redis: &mut MultiplexedConnection, n: usize) {
    for _ in 0..n {
        let _: String = redis
            .xadd(
                STREAM,
                "*",
                &[
                    ("id", uuid::Uuid::now_v7().to_string().into_bytes()),
                    ("type", b"test.Thing".to_vec()),
                    ("occurred_at", chrono::Utc::now().to_rfc3339().into_bytes()),
                    ("payload", b"p".to_vec()),
                ],
            )
            .await
            .unwrap();
    }
}

async fn applied(conn: &mut AsyncPgConnection) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query("SELECT count(*) AS n FROM effects")
        .get_result::<N>(conn)
        .await
        .unwrap()
        .n
}

async fn poll(consumer: &mut Consumer) -> usize {
    consumer
        .poll(&Record, Duration::from_millis(50))
        .await
        .unwrap()
        .len()
}

/// The group's lag as Redis reports it.
async fn lag(redis: &mut MultiplexedConnection) -> Option<usize> {
    let groups: redis::streams::StreamInfoGroupsReply = redis.xinfo_groups(STREAM).await.unwrap();
    groups.groups.iter().find(|g| g.name == GROUP).unwrap().lag
}

#[tokio::test]
async fn events_trimmed_before_the_group_read_them_are_counted_once_and_the_group_moves_on() {
    let (db, mut conn) = setup().await;
    let server = RedisServer::start();
    let client = redis::Client::open(server.url()).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let mut consumer = Consumer::new(db.pool(), client, GROUP, "rating", &[STREAM], settings());

    append(&mut redis, 10).await;
    assert_eq!(poll(&mut consumer).await, 2);
    assert_eq!(consumer.events_lost(), 0);

    // The stream keeps its last 3: entries 3 to 7 go before the group read them.
    let _: usize = redis
        .xtrim(STREAM, redis::streams::StreamMaxlen::Equals(3))
        .await
        .unwrap();
    assert_eq!(poll(&mut consumer).await, 2);
    assert_eq!(consumer.events_lost(), 5);
    assert_eq!(poll(&mut consumer).await, 1);
    assert_eq!(poll(&mut consumer).await, 0);
    assert_eq!(consumer.events_lost(), 5, "counted once");
    assert_eq!(applied(&mut conn).await, 5);
    // Moved past the lost entries, the group's lag no longer counts them.
    assert_eq!(lag(&mut redis).await, Some(0));

    // Trimming entries the group has read loses nothing.
    append(&mut redis, 2).await;
    assert_eq!(poll(&mut consumer).await, 2);
    let _: usize = redis
        .xtrim(STREAM, redis::streams::StreamMaxlen::Equals(1))
        .await
        .unwrap();
    append(&mut redis, 1).await;
    assert_eq!(poll(&mut consumer).await, 1);
    assert_eq!(consumer.events_lost(), 5);
    assert_eq!(lag(&mut redis).await, Some(0));
}

#[tokio::test]
async fn a_gap_another_replica_read_across_is_caught_by_the_read_counter() {
    let (db, _conn) = setup().await;
    let server = RedisServer::start();
    let client = redis::Client::open(server.url()).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let mut consumer = Consumer::new(db.pool(), client, GROUP, "rating", &[STREAM], settings());

    append(&mut redis, 10).await;
    assert_eq!(poll(&mut consumer).await, 2);
    // Entries 3 to 5 are trimmed between this consumer's look and another replica's read,
    // which jumps the gap and reads to the end.
    let _: usize = redis
        .xtrim(STREAM, redis::streams::StreamMaxlen::Equals(5))
        .await
        .unwrap();
    let read: redis::streams::StreamReadReply = redis
        .xread_options(
            &[STREAM],
            &[">"],
            &redis::streams::StreamReadOptions::default()
                .group(GROUP, "other")
                .count(10),
        )
        .await
        .unwrap();
    assert_eq!(read.keys[0].ids.len(), 5);

    poll(&mut consumer).await;
    assert_eq!(consumer.events_lost(), 3);
    // More entries, read to the end: nothing counted twice.
    append(&mut redis, 3).await;
    while poll(&mut consumer).await > 0 {}
    poll(&mut consumer).await;
    assert_eq!(consumer.events_lost(), 3);
    assert_eq!(lag(&mut redis).await, Some(0));
}

#[tokio::test]
async fn a_group_redis_forgot_is_noticed_when_it_is_made_again() {
    let (db, mut conn) = setup().await;
    let server = RedisServer::start();
    let client = redis::Client::open(server.url()).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let mut consumer = Consumer::new(db.pool(), client, GROUP, "rating", &[STREAM], settings());

    // A first start on an empty stream is no loss.
    assert_eq!(poll(&mut consumer).await, 0);
    assert_eq!(consumer.groups_recreated(), 0);
    append(&mut redis, 1).await;
    assert_eq!(poll(&mut consumer).await, 1);

    // Redis loses the stream and the group (a restart without persistence).
    let _: () = redis.del(STREAM).await.unwrap();
    append(&mut redis, 1).await;
    assert_eq!(poll(&mut consumer).await, 1);
    assert_eq!(consumer.groups_recreated(), 1);
    assert_eq!(applied(&mut conn).await, 2);
}

#[tokio::test]
async fn the_backlog_counts_the_events_waiting_and_their_oldest() {
    let (db, mut conn) = setup().await;
    let mut server = RedisServer::start();
    let client = redis::Client::open(server.url()).unwrap();
    let mut relay = Relay::new(db.pool(), client, settings());
    assert_eq!(relay.measure_backlog().await.unwrap(), (0, None));

    server.stop();
    let before = chrono::Utc::now();
    for _ in 0..3 {
        conn.transaction(async |conn| {
            enqueue(conn, STREAM, "test.Thing", b"p".to_vec())
                .await
                .map(|_| ())
        })
        .await
        .unwrap();
    }
    assert!(relay.publish_batch().await.is_err());
    let (waiting, oldest) = relay.measure_backlog().await.unwrap();
    assert_eq!(waiting, 3);
    let oldest = oldest.expect("the oldest waiting event");
    assert!(oldest >= before - chrono::Duration::seconds(5), "{oldest}");

    server.resume();
    assert_eq!(relay.publish_batch().await.unwrap(), 2);
    assert_eq!(relay.publish_batch().await.unwrap(), 1);
    assert_eq!(relay.measure_backlog().await.unwrap(), (0, None));
}

#[tokio::test]
async fn a_gap_the_group_cannot_be_moved_past_is_counted_once() {
    let (db, mut conn) = setup().await;
    let server = RedisServer::start();
    let admin = redis::Client::open(server.url()).unwrap();
    let mut redis = admin.get_multiplexed_async_connection().await.unwrap();
    // A Redis user that may consume but not move its group (XGROUP SETID refused).
    let _: () = redis::cmd("ACL")
        .arg("SETUSER")
        .arg("consumer")
        .arg("on")
        .arg(">secret")
        .arg("~*")
        .arg("+@all")
        .arg("-xgroup|setid")
        .query_async(&mut redis)
        .await
        .unwrap();
    let limited = redis::Client::open(server.url().replacen(
        "redis://",
        "redis://consumer:secret@",
        1,
    ))
    .unwrap();
    let mut consumer = Consumer::new(db.pool(), limited, GROUP, "rating", &[STREAM], settings());

    append(&mut redis, 10).await;
    assert_eq!(poll(&mut consumer).await, 2);
    let _: usize = redis
        .xtrim(STREAM, redis::streams::StreamMaxlen::Equals(3))
        .await
        .unwrap();
    // Counted, though the group stays short of its position; consuming goes on.
    assert_eq!(poll(&mut consumer).await, 2);
    assert_eq!(consumer.events_lost(), 5);
    assert_eq!(poll(&mut consumer).await, 1);
    assert_eq!(poll(&mut consumer).await, 0);
    assert_eq!(consumer.events_lost(), 5, "counted once");
    assert_eq!(applied(&mut conn).await, 5);
}
