//! Events between services: a transactional outbox, a relay to Redis Streams, and consumer
//! groups with at-least-once delivery and idempotent handling.
//!
//! - [`enqueue`] writes the event row inside the caller's transaction, so the event exists if and
//!   only if the business change committed.
//! - [`Relay`] publishes unpublished rows to their stream (`XADD`) and stamps them; while Redis is
//!   down rows simply wait, and a crash between `XADD` and the stamp publishes twice.
//! - [`Consumer`] reads a stream in a consumer group, applies each event and records its id in
//!   `processed_events` in one transaction, then acknowledges; a redelivered event is
//!   acknowledged without effect. Events that keep failing go to `<stream>.dead`.
//!
//! - [`Watch`] streams an event table to gRPC subscribers: catch-up from Postgres, then live.
//!
//! Each reports its metrics (shared/telemetry's catalogue): the outbox backlog and the age of its
//! oldest event, events published and handled, each group's lag, the events a group lost because
//! the stream was trimmed before it read them, groups Redis lost, and open Watch streams.
//!
//! Payloads are protobuf messages and carry no personal data in clear text.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use onaltu_db::Pool;
use onaltu_db::retention::{RetentionSettings, Rule};
use onaltu_telemetry::metrics::KeyValue;
use redis::AsyncCommands;
use redis::aio::MultiplexedConnection;
use redis::streams::{StreamId, StreamReadOptions, StreamReadReply};
use tokio::sync::watch::Receiver;
use uuid::Uuid;

mod metrics;
mod schema;
pub mod watch;

use schema::{outbox_events, processed_events};
pub use watch::{EventLog, Watch, WatchLimits};

/// The outbox and processed-event tables; run them with the service's own migrations.
pub static MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// What the event tables forget after `[retention] events_days`: outbox rows delivered that long
/// ago (never one still waiting for the relay), and the record of events processed that long ago
/// (a stream redelivers within minutes, not weeks).
pub fn retention(settings: &RetentionSettings) -> Vec<Rule> {
    let keep = chrono::Duration::days(i64::from(settings.events_days));
    vec![
        Rule {
            name: "outbox_events",
            keep,
            sql: "DELETE FROM outbox_events WHERE seq IN (SELECT seq FROM outbox_events \
                  WHERE published_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
        },
        Rule {
            name: "processed_events",
            keep,
            sql: "DELETE FROM processed_events WHERE (consumer, event_id) IN (SELECT consumer, \
                  event_id FROM processed_events WHERE processed_at < $1 LIMIT $2 \
                  FOR UPDATE SKIP LOCKED)",
        },
    ]
}

/// One event as delivered to a handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Unique id, the idempotency key.
    pub id: Uuid,
    /// Stream it travels on, e.g. `feedback.evaluations`.
    pub stream: String,
    /// Type name, e.g. `onaltu.feedback.v1.EvaluationPublished`.
    pub event_type: String,
    /// Protobuf-encoded body.
    pub payload: Vec<u8>,
    /// When the change happened.
    pub occurred_at: DateTime<Utc>,
}

/// Writes an event in the caller's open transaction. Returns its id.
pub async fn enqueue(
    conn: &mut AsyncPgConnection,
    stream: &str,
    event_type: &str,
    payload: Vec<u8>,
) -> QueryResult<Uuid> {
    enqueue_as(conn, Uuid::now_v7(), stream, event_type, payload).await
}

/// Writes an event with the id `id` (a new UUIDv7 that the payload also carries) in the
/// caller's open transaction.
pub async fn enqueue_as(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    stream: &str,
    event_type: &str,
    payload: Vec<u8>,
) -> QueryResult<Uuid> {
    diesel::insert_into(outbox_events::table)
        .values((
            outbox_events::event_id.eq(id),
            outbox_events::stream.eq(stream),
            outbox_events::event_type.eq(event_type),
            outbox_events::payload.eq(payload),
        ))
        .execute(conn)
        .await?;
    Ok(id)
}

/// Writes many events of one type in the caller's open transaction, in one statement; each is
/// (its id, which its payload also carries; the payload).
pub async fn enqueue_many(
    conn: &mut AsyncPgConnection,
    stream: &str,
    event_type: &str,
    events: Vec<(Uuid, Vec<u8>)>,
) -> QueryResult<()> {
    for chunk in events.chunks(1_000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(id, payload)| {
                (
                    outbox_events::event_id.eq(*id),
                    outbox_events::stream.eq(stream),
                    outbox_events::event_type.eq(event_type),
                    outbox_events::payload.eq(payload.clone()),
                )
            })
            .collect();
        diesel::insert_into(outbox_events::table)
            .values(rows)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Why publishing or consuming failed; every variant is retried by the loops.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// Postgres failed.
    #[error("events: database: {0}")]
    Db(#[from] diesel::result::Error),
    /// No database connection.
    #[error("events: database unavailable: {0}")]
    Pool(String),
    /// Redis failed or is down.
    #[error("events: redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// A handler refused an event.
    #[error("events: handler: {0}")]
    Handler(String),
}

#[derive(Queryable)]
struct OutboxRow {
    seq: i64,
    event_id: Uuid,
    stream: String,
    event_type: String,
    payload: Vec<u8>,
    occurred_at: DateTime<Utc>,
}

/// Settings shared by the relay and consumers.
#[derive(Debug, Clone)]
pub struct StreamSettings {
    /// Rows published per transaction.
    pub batch_size: i64,
    /// Pause between polls when there is nothing to do (and the retry delay after an error).
    pub poll_interval: Duration,
    /// Approximate longest length of each stream.
    pub max_stream_len: usize,
    /// Longest a single Redis operation may take.
    pub redis_timeout: Duration,
}

impl Default for StreamSettings {
    fn default() -> Self {
        Self {
            batch_size: 256,
            poll_interval: Duration::from_millis(200),
            max_stream_len: 1_000_000,
            redis_timeout: Duration::from_secs(2),
        }
    }
}

/// A lazily (re)opened Redis connection: dropped on error, reopened on next use.
struct RedisLink {
    client: redis::Client,
    conn: Option<MultiplexedConnection>,
    timeout: Duration,
}

impl RedisLink {
    fn new(client: redis::Client, timeout: Duration) -> Self {
        Self {
            client,
            conn: None,
            timeout,
        }
    }

    async fn get(&mut self) -> Result<MultiplexedConnection, EventError> {
        if let Some(conn) = &self.conn {
            return Ok(conn.clone());
        }
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout));
        let conn = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        self.conn = Some(conn.clone());
        Ok(conn)
    }

    fn reset(&mut self) {
        self.conn = None;
    }
}

/// How often the relay counts the events waiting in the outbox (`onaltu.outbox.backlog`).
const BACKLOG_INTERVAL: Duration = Duration::from_secs(5);

/// Publishes outbox rows to Redis Streams.
pub struct Relay {
    pool: Pool,
    redis: RedisLink,
    settings: StreamSettings,
    backlog: std::sync::Arc<metrics::Backlog>,
}

impl Relay {
    /// A relay from `pool`'s outbox to the Redis at `client`.
    pub fn new(pool: Pool, client: redis::Client, settings: StreamSettings) -> Self {
        Self {
            pool,
            redis: RedisLink::new(client, settings.redis_timeout),
            settings,
            backlog: metrics::Backlog::observed(),
        }
    }

    /// Counts the events waiting in the outbox and when the oldest of them occurred, and
    /// reports them (`onaltu.outbox.backlog`, `onaltu.outbox.oldest_age`).
    pub async fn measure_backlog(&self) -> Result<(i64, Option<DateTime<Utc>>), EventError> {
        let mut conn = onaltu_db::checkout(&self.pool)
            .await
            .map_err(|e| EventError::Pool(e.to_string()))?;
        let (events, oldest) = outbox_events::table
            .filter(outbox_events::published_at.is_null())
            .select((
                diesel::dsl::count_star(),
                diesel::dsl::min(outbox_events::occurred_at),
            ))
            .first::<(i64, Option<DateTime<Utc>>)>(&mut conn)
            .await?;
        self.backlog.set(events, oldest);
        Ok((events, oldest))
    }

    /// Publishes one batch of unpublished events in order; returns how many were published.
    /// Nothing is stamped unless Redis took the whole batch.
    pub async fn publish_batch(&mut self) -> Result<usize, EventError> {
        let mut redis = self.redis.get().await?;
        let mut conn = self
            .pool
            .get()
            .await
            .map_err(|e| EventError::Pool(e.to_string()))?;
        let batch = self.settings.batch_size;
        let max_len = self.settings.max_stream_len;
        let result = conn
            .transaction(async |conn| {
                let rows: Vec<OutboxRow> = outbox_events::table
                    .filter(outbox_events::published_at.is_null())
                    .order(outbox_events::seq)
                    .limit(batch)
                    .select((
                        outbox_events::seq,
                        outbox_events::event_id,
                        outbox_events::stream,
                        outbox_events::event_type,
                        outbox_events::payload,
                        outbox_events::occurred_at,
                    ))
                    .for_update()
                    .skip_locked()
                    .load(conn)
                    .await?;
                if rows.is_empty() {
                    return Ok(0);
                }
                let mut pipe = redis::pipe();
                for row in &rows {
                    pipe.cmd("XADD")
                        .arg(&row.stream)
                        .arg("MAXLEN")
                        .arg("~")
                        .arg(max_len)
                        .arg("*")
                        .arg("id")
                        .arg(row.event_id.to_string())
                        .arg("type")
                        .arg(&row.event_type)
                        .arg("occurred_at")
                        .arg(row.occurred_at.to_rfc3339())
                        .arg("payload")
                        .arg(row.payload.as_slice())
                        .ignore();
                }
                pipe.query_async::<()>(&mut redis).await?;
                if let Some(relayed) = metrics::RELAYED.get() {
                    for row in &rows {
                        let stream =
                            KeyValue::new("messaging.destination.name", row.stream.clone());
                        relayed.published.add(1, &[stream]);
                    }
                }
                let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
                diesel::update(outbox_events::table.filter(outbox_events::seq.eq_any(&seqs)))
                    .set(outbox_events::published_at.eq(diesel::dsl::now))
                    .execute(conn)
                    .await?;
                Ok::<usize, EventError>(rows.len())
            })
            .await;
        if matches!(result, Err(EventError::Redis(_))) {
            self.redis.reset();
        }
        result
    }

    /// Publishes until `shutdown` turns true, waiting and retrying while Redis or Postgres is
    /// down (each outage logged once).
    pub async fn run(mut self, mut shutdown: Receiver<bool>) {
        let mut failing = false;
        let mut measured: Option<tokio::time::Instant> = None;
        while !*shutdown.borrow() {
            if measured.is_none_or(|at| at.elapsed() >= BACKLOG_INTERVAL) {
                // A database that cannot be read leaves the last measure, whose age keeps growing.
                let _ = self.measure_backlog().await;
                measured = Some(tokio::time::Instant::now());
            }
            let pause = match self.publish_batch().await {
                Ok(n) => {
                    if failing {
                        tracing::info!("event relay recovered");
                        failing = false;
                    }
                    if n as i64 == self.settings.batch_size {
                        continue;
                    }
                    self.settings.poll_interval
                }
                Err(err) => {
                    if !failing {
                        tracing::warn!(error = %err, "event relay cannot publish; events wait in the outbox");
                        failing = true;
                    }
                    self.settings.poll_interval * 5
                }
            };
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}

/// Applies one event inside the transaction that records it as processed.
#[async_trait::async_trait]
pub trait EventHandler: Send + Sync {
    /// Applies `event`. Any error rolls back the effect; the event is retried.
    async fn handle(&self, conn: &mut AsyncPgConnection, event: &Event) -> Result<(), EventError>;
}

/// What happened to one delivered event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Applied now.
    Applied,
    /// Already applied before: acknowledged without effect.
    Duplicate,
    /// Could not be read or failed too often: moved to the dead-letter stream.
    DeadLettered,
}

/// A member of a consumer group reading some streams.
pub struct Consumer {
    pool: Pool,
    redis: RedisLink,
    group: String,
    name: String,
    streams: Vec<String>,
    settings: StreamSettings,
    max_attempts: u32,
    attempts: HashMap<String, u32>,
    lost: u64,
    recreated: u64,
    inspect_failing: bool,
    /// Per stream, events counted lost that the group could not be moved past (XGROUP SETID
    /// refused): its read counter stays short by them, and they are not counted again.
    unmended: HashMap<String, u64>,
}

impl Consumer {
    /// Consumer `name` of `group` on `streams`. Processed events are remembered per group.
    pub fn new(
        pool: Pool,
        client: redis::Client,
        group: &str,
        name: &str,
        streams: &[&str],
        settings: StreamSettings,
    ) -> Self {
        if let Some(consumed) = metrics::CONSUMED.get() {
            // Series that exist from the start, so the first loss is an increase an alert sees.
            for stream in streams {
                let attributes = metrics::stream_group(stream, group);
                consumed.lost.add(0, &attributes);
                consumed.recreated.add(0, &attributes);
                for outcome in ["applied", "duplicate", "dead_lettered"] {
                    let [stream, group] = attributes.clone();
                    consumed.outcomes.add(
                        0,
                        &[
                            stream,
                            group,
                            KeyValue::new("onaltu.events.outcome", outcome),
                        ],
                    );
                }
            }
        }
        Self {
            pool,
            redis: RedisLink::new(client, settings.redis_timeout),
            group: group.into(),
            name: name.into(),
            streams: streams.iter().map(|s| s.to_string()).collect(),
            settings,
            max_attempts: 10,
            attempts: HashMap::new(),
            lost: 0,
            recreated: 0,
            inspect_failing: false,
            unmended: HashMap::new(),
        }
    }

    /// Events this consumer found lost to its group because the stream was trimmed before the
    /// group read them (also counted in `onaltu.events.lost`).
    pub fn events_lost(&self) -> u64 {
        self.lost
    }

    /// Streams on which this consumer found its group missing although it had processed events
    /// (also counted in `onaltu.events.consumer.groups_recreated`).
    pub fn groups_recreated(&self) -> u64 {
        self.recreated
    }

    async fn ensure_groups(&mut self) -> Result<(), EventError> {
        let mut conn = self.redis.get().await?;
        for stream in self.streams.clone() {
            let created: redis::RedisResult<()> =
                conn.xgroup_create_mkstream(&stream, &self.group, "0").await;
            match created {
                Ok(()) => self.group_created(&stream).await,
                Err(e) if e.code() == Some("BUSYGROUP") => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// A group just created that had processed events before was lost by Redis (a restart
    /// without persistence, a deleted stream): whatever it had not consumed is gone.
    async fn group_created(&mut self, stream: &str) {
        let Ok(mut conn) = self.pool.get().await else {
            return;
        };
        let known = diesel::select(diesel::dsl::exists(
            processed_events::table.filter(processed_events::consumer.eq(&self.group)),
        ))
        .get_result::<bool>(&mut conn)
        .await
        .unwrap_or(false);
        if known {
            self.recreated += 1;
            tracing::error!(stream, group = %self.group, "the consumer group had processed events but was missing from Redis: events it had not consumed are lost");
            if let Some(consumed) = metrics::CONSUMED.get() {
                consumed
                    .recreated
                    .add(1, &metrics::stream_group(stream, &self.group));
            }
        }
    }

    /// Looks at each stream and this group before reading new entries: reports the lag and the
    /// pending entries, and counts (and moves the group past) entries trimmed before it read
    /// them. A Redis that refuses XINFO only costs the metrics, never the consuming.
    async fn inspect(&mut self) {
        match self.inspect_streams().await {
            Ok(()) if self.inspect_failing => {
                self.inspect_failing = false;
            }
            Ok(()) => {}
            Err(err) => {
                if !self.inspect_failing {
                    tracing::warn!(group = %self.group, error = %err, "cannot inspect the streams: lag and trimmed events are not measured");
                    self.inspect_failing = true;
                }
            }
        }
    }

    async fn inspect_streams(&mut self) -> Result<(), EventError> {
        let mut conn = self.redis.get().await?;
        for stream in &self.streams {
            let (info, groups): (
                HashMap<String, redis::Value>,
                redis::streams::StreamInfoGroupsReply,
            ) = redis::pipe()
                .cmd("XINFO")
                .arg("STREAM")
                .arg(stream)
                .cmd("XINFO")
                .arg("GROUPS")
                .arg(stream)
                .query_async(&mut conn)
                .await?;
            let (Some(info), Some(group)) = (
                metrics::StreamInfo::from_reply(&info),
                groups
                    .groups
                    .iter()
                    .find(|g| g.name == self.group)
                    .and_then(metrics::GroupInfo::from_reply),
            ) else {
                continue;
            };
            let attributes = metrics::stream_group(stream, &self.group);
            let mut lag = group.lag;
            if let Some((lost, mend)) = metrics::trimmed(&info, &group) {
                let counted = self.unmended.get(stream).copied().unwrap_or(0);
                let new = lost.saturating_sub(counted);
                if new > 0 {
                    tracing::error!(stream, group = %self.group, lost = new, "events were trimmed from the stream before this group read them: they are lost to it");
                    self.lost += new;
                    if let Some(consumed) = metrics::CONSUMED.get() {
                        consumed.lost.add(new, &attributes);
                    }
                }
                let mut setid = redis::cmd("XGROUP");
                setid
                    .arg("SETID")
                    .arg(stream)
                    .arg(&self.group)
                    .arg(group.last_delivered.to_string());
                lag = match mend {
                    metrics::Mend::EntriesRead(read) => {
                        setid.arg("ENTRIESREAD").arg(read);
                        Some(info.length)
                    }
                    metrics::Mend::Estimate => None,
                };
                if let Err(err) = setid.query_async::<()>(&mut conn).await {
                    self.unmended.insert(stream.clone(), lost.max(counted));
                    return Err(err.into());
                }
                self.unmended.remove(stream);
            }
            if let Some(consumed) = metrics::CONSUMED.get() {
                if let Some(lag) = lag {
                    consumed.lag.record(lag as i64, &attributes);
                }
                consumed.pending.record(group.pending as i64, &attributes);
            }
        }
        Ok(())
    }

    /// Processes what is waiting: first this consumer's unacknowledged events, then new ones
    /// (waiting up to `block` for them). Returns the outcomes in order.
    pub async fn poll(
        &mut self,
        handler: &dyn EventHandler,
        block: Duration,
    ) -> Result<Vec<Outcome>, EventError> {
        let result = self.poll_inner(handler, block).await;
        if matches!(result, Err(EventError::Redis(_))) {
            self.redis.reset();
        }
        result
    }

    async fn poll_inner(
        &mut self,
        handler: &dyn EventHandler,
        block: Duration,
    ) -> Result<Vec<Outcome>, EventError> {
        self.ensure_groups().await?;
        self.inspect().await;
        let mut outcomes = Vec::new();
        let pending = self.read("0", None).await?;
        outcomes.extend(self.process_all(handler, pending).await?);
        let fresh = self.read(">", Some(block)).await?;
        outcomes.extend(self.process_all(handler, fresh).await?);
        Ok(outcomes)
    }

    async fn read(
        &mut self,
        from: &str,
        block: Option<Duration>,
    ) -> Result<Vec<(String, StreamId)>, EventError> {
        let mut conn = self.redis.get().await?;
        let mut options = StreamReadOptions::default()
            .group(&self.group, &self.name)
            .count(self.settings.batch_size as usize);
        if let Some(block) = block {
            options = options.block(block.as_millis() as usize);
        }
        let ids = vec![from; self.streams.len()];
        let reply: Option<StreamReadReply> =
            conn.xread_options(&self.streams, &ids, &options).await?;
        Ok(reply
            .map(|r| {
                r.keys
                    .into_iter()
                    .flat_map(|k| {
                        let stream = k.key;
                        k.ids.into_iter().map(move |id| (stream.clone(), id))
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn process_all(
        &mut self,
        handler: &dyn EventHandler,
        entries: Vec<(String, StreamId)>,
    ) -> Result<Vec<Outcome>, EventError> {
        let mut outcomes = Vec::with_capacity(entries.len());
        for (stream, entry) in entries {
            let outcome = self.process(handler, &stream, &entry).await?;
            if let Some(consumed) = metrics::CONSUMED.get() {
                let [stream, group] = metrics::stream_group(&stream, &self.group);
                let outcome = match outcome {
                    Outcome::Applied => "applied",
                    Outcome::Duplicate => "duplicate",
                    Outcome::DeadLettered => "dead_lettered",
                };
                consumed.outcomes.add(
                    1,
                    &[
                        stream,
                        group,
                        KeyValue::new("onaltu.events.outcome", outcome),
                    ],
                );
            }
            outcomes.push(outcome);
        }
        Ok(outcomes)
    }

    async fn process(
        &mut self,
        handler: &dyn EventHandler,
        stream: &str,
        entry: &StreamId,
    ) -> Result<Outcome, EventError> {
        let Some(event) = decode(stream, entry) else {
            tracing::error!(stream, entry = %entry.id, "unreadable event entry; dead-lettering");
            self.dead_letter(stream, entry).await?;
            return Ok(Outcome::DeadLettered);
        };
        let result = self.apply(handler, &event).await;
        let outcome = match result {
            Ok(true) => Outcome::Applied,
            Ok(false) => Outcome::Duplicate,
            Err(err) => {
                let n = self.attempts.entry(entry.id.clone()).or_default();
                *n += 1;
                if *n < self.max_attempts {
                    tracing::warn!(stream, event_id = %event.id, attempt = *n, error = %err, "event handling failed; will retry");
                    return Err(err);
                }
                tracing::error!(stream, event_id = %event.id, error = %err, "event failed too often; dead-lettering");
                self.dead_letter(stream, entry).await?;
                self.attempts.remove(&entry.id);
                return Ok(Outcome::DeadLettered);
            }
        };
        self.attempts.remove(&entry.id);
        let mut conn = self.redis.get().await?;
        conn.xack::<_, _, _, ()>(stream, &self.group, &[&entry.id])
            .await?;
        Ok(outcome)
    }

    /// Applies the event once: `false` when this group had already applied it.
    async fn apply(&self, handler: &dyn EventHandler, event: &Event) -> Result<bool, EventError> {
        let mut conn = self
            .pool
            .get()
            .await
            .map_err(|e| EventError::Pool(e.to_string()))?;
        let group = self.group.as_str();
        conn.transaction(async |conn| {
            let inserted = diesel::insert_into(processed_events::table)
                .values((
                    processed_events::consumer.eq(group),
                    processed_events::event_id.eq(event.id),
                ))
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
            if inserted == 0 {
                return Ok(false);
            }
            handler.handle(conn, event).await?;
            Ok(true)
        })
        .await
    }

    /// Consumes until `shutdown` turns true, retrying while Redis or Postgres is down.
    pub async fn run(
        mut self,
        handler: std::sync::Arc<dyn EventHandler>,
        mut shutdown: Receiver<bool>,
    ) {
        let mut failing = false;
        let block = self.settings.poll_interval.max(Duration::from_millis(100)) * 5;
        while !*shutdown.borrow() {
            let result = tokio::select! {
                r = self.poll(handler.as_ref(), block) => r,
                _ = shutdown.changed() => break,
            };
            match result {
                Ok(_) if failing => {
                    tracing::info!(group = %self.group, "event consumer recovered");
                    failing = false;
                }
                Ok(_) => {}
                Err(err) => {
                    if !failing {
                        tracing::warn!(group = %self.group, error = %err, "event consumer cannot make progress; retrying");
                        failing = true;
                    }
                    tokio::select! {
                        () = tokio::time::sleep(self.settings.poll_interval * 5) => {}
                        _ = shutdown.changed() => {}
                    }
                }
            }
        }
    }

    async fn dead_letter(&mut self, stream: &str, entry: &StreamId) -> Result<(), EventError> {
        let mut conn = self.redis.get().await?;
        let mut fields: Vec<(String, Vec<u8>)> = Vec::new();
        for (k, v) in &entry.map {
            if let Ok(bytes) = <Vec<u8> as redis::FromRedisValue>::from_redis_value_ref(v) {
                fields.push((k.clone(), bytes));
            }
        }
        fields.push(("original_id".into(), entry.id.clone().into_bytes()));
        conn.xadd::<_, _, _, _, ()>(format!("{stream}.dead"), "*", &fields)
            .await?;
        conn.xack::<_, _, _, ()>(stream, &self.group, &[&entry.id])
            .await?;
        Ok(())
    }
}

fn decode(stream: &str, entry: &StreamId) -> Option<Event> {
    let text = |field: &str| entry.get::<String>(field);
    Some(Event {
        id: text("id")?.parse().ok()?,
        stream: stream.to_string(),
        event_type: text("type")?,
        payload: entry.get::<Vec<u8>>("payload")?,
        occurred_at: DateTime::parse_from_rfc3339(&text("occurred_at")?)
            .ok()?
            .with_timezone(&Utc),
    })
}
