//! The event-table watch against a real Postgres: catch-up then live, filters, a subscriber that
//! falls behind, the subscriber caps, and the end of every stream at shutdown.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use onaltu_events::{EventLog, Watch, WatchLimits};
use onaltu_testkit::TestDb;
use tokio::sync::watch;
use tokio_stream::StreamExt as _;
use tonic::Code;

#[derive(Debug, Clone, QueryableByName)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    seq: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    topic: String,
}

/// Events of a topic; a subscriber names the topic it wants.
struct Topics;

#[async_trait::async_trait]
impl EventLog for Topics {
    type Row = Row;
    type Filter = String;

    fn sequence(row: &Row) -> i64 {
        row.seq
    }

    fn wants(topic: &String, row: &Row) -> bool {
        row.topic == *topic
    }

    async fn after(
        &self,
        conn: &mut AsyncPgConnection,
        after: i64,
        topic: Option<&String>,
        limit: i64,
    ) -> diesel::QueryResult<Vec<Row>> {
        diesel::sql_query(
            "SELECT seq, topic FROM events WHERE seq > $1 AND ($2::text IS NULL OR topic = $2)
             ORDER BY seq LIMIT $3",
        )
        .bind::<diesel::sql_types::BigInt, _>(after)
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(topic.cloned())
        .bind::<diesel::sql_types::BigInt, _>(limit)
        .load(conn)
        .await
    }
}

struct Setup {
    db: TestDb,
    watch: Watch<Topics>,
    closing: watch::Sender<bool>,
}

async fn setup(limits: WatchLimits) -> Setup {
    let db = TestDb::new(&[]).await;
    let mut conn = db.connect().await;
    conn.batch_execute("CREATE TABLE events (seq BIGSERIAL PRIMARY KEY, topic TEXT NOT NULL)")
        .await
        .unwrap();
    let (closing, closed) = watch::channel(false);
    let watch = Watch::new(Topics, db.pool(), limits, closed);
    tokio::spawn(watch.clone().run_tail(0));
    Setup { db, watch, closing }
}

fn limits() -> WatchLimits {
    WatchLimits {
        poll: Duration::from_millis(50),
        ..WatchLimits::default()
    }
}

async fn write(s: &Setup, topics: &[&str]) {
    let mut conn = s.db.connect().await;
    for topic in topics {
        diesel::sql_query("INSERT INTO events (topic) VALUES ($1)")
            .bind::<diesel::sql_types::Text, _>(*topic)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    s.watch.wake();
}

type Stream = tokio_stream::wrappers::ReceiverStream<Result<(i64, String), tonic::Status>>;

fn subscribe(
    s: &Setup,
    caller: &str,
    topic: &str,
    after: i64,
) -> Result<Stream, onaltu_errors::ApiError> {
    s.watch.subscribe(
        caller,
        topic.to_string(),
        after,
        Vec::new(),
        Box::new(|row: &Row| Some(Ok((row.seq, row.topic.clone())))),
    )
}

/// The next `n` sequence numbers the stream sends, failing after 10 s.
async fn next(stream: &mut Stream, n: usize) -> Vec<i64> {
    let mut out = Vec::new();
    while out.len() < n {
        let got = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("an event within 10 s")
            .expect("the stream is open")
            .expect("an event, not an error");
        out.push(got.0);
    }
    out
}

/// Polls `check` every 20 ms until it holds, failing after 10 s.
async fn eventually(mut check: impl FnMut() -> bool) {
    for _ in 0..500 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the condition did not hold within 10 s");
}

#[tokio::test]
async fn a_subscriber_catches_up_from_postgres_then_follows_live_events() {
    let s = setup(limits()).await;
    write(&s, &["a", "a", "a"]).await;
    let mut stream = subscribe(&s, "city", "a", 1).unwrap();
    assert_eq!(next(&mut stream, 2).await, vec![2, 3]);
    write(&s, &["a", "b", "a"]).await;
    assert_eq!(next(&mut stream, 2).await, vec![4, 6]);
}

#[tokio::test]
async fn a_prelude_comes_first_and_a_filter_keeps_other_topics_out() {
    let s = setup(limits()).await;
    write(&s, &["b", "a", "b"]).await;
    let mut stream = s
        .watch
        .subscribe(
            "city",
            "b".to_string(),
            0,
            vec![(0, "snapshot".to_string())],
            Box::new(|row: &Row| Some(Ok((row.seq, row.topic.clone())))),
        )
        .unwrap();
    assert_eq!(next(&mut stream, 3).await, vec![0, 1, 3]);
    write(&s, &["a", "b"]).await;
    assert_eq!(next(&mut stream, 1).await, vec![5]);
}

#[tokio::test]
async fn a_subscriber_that_falls_behind_the_broadcast_misses_nothing() {
    let s = setup(WatchLimits {
        live_events: 2,
        per_stream_buffer: 1,
        batch: 3,
        ..limits()
    })
    .await;
    let mut stream = subscribe(&s, "city", "a", 0).unwrap();
    // Written while the subscriber reads nothing: far more than the broadcast keeps.
    write(&s, &["a"; 40]).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    write(&s, &["a"; 5]).await;
    assert_eq!(next(&mut stream, 45).await, (1..=45).collect::<Vec<_>>());
}

#[tokio::test]
async fn streams_are_capped_per_caller_and_in_total_and_a_closed_one_frees_its_seat() {
    let s = setup(WatchLimits {
        per_caller: 2,
        total: 3,
        ..limits()
    })
    .await;
    let first = subscribe(&s, "city", "a", 0).unwrap();
    let _second = subscribe(&s, "city", "a", 0).unwrap();
    let refused = subscribe(&s, "city", "a", 0).expect_err("a third stream is refused");
    assert_eq!(refused.code(), Code::ResourceExhausted);
    let _other = subscribe(&s, "bank", "a", 0).unwrap();
    let full = subscribe(&s, "akimat", "a", 0).expect_err("the instance is full");
    assert_eq!(full.code(), Code::ResourceExhausted);
    assert_eq!(s.watch.open_streams(), 3);

    drop(first);
    // The follower notices its subscriber left once it has something to send or checks.
    write(&s, &["a"]).await;
    let watch = s.watch.clone();
    eventually(move || watch.open_streams() == 2).await;
    assert!(subscribe(&s, "city", "a", 0).is_ok());
}

#[tokio::test]
async fn every_stream_ends_when_the_service_shuts_down() {
    let s = setup(limits()).await;
    write(&s, &["a"]).await;
    let mut stream = subscribe(&s, "city", "a", 0).unwrap();
    assert_eq!(next(&mut stream, 1).await, vec![1]);
    s.closing.send(true).unwrap();
    let end = tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("the stream ends within 10 s");
    assert!(end.is_none(), "the stream ends without an error");
    let watch = s.watch.clone();
    eventually(move || watch.open_streams() == 0).await;
}
