//! A watch over an event table: every event after the sequence number a subscriber last saw,
//! then live ones, for as long as it stays.
//!
//! The table numbers its events in commit order (its writers are serialised until they commit),
//! so "after N" never skips one still being written. One tail per instance reads new events from
//! Postgres once, woken by a write here or by its poll for writes of other instances, and
//! broadcasts them. Each subscriber subscribes to the broadcast first, then catches up from
//! Postgres, then follows the broadcast, skipping what it has already sent, so nothing falls
//! between the two; if it falls behind the broadcast it catches up from Postgres again. No
//! database connection is held while a subscriber is slow: a batch is read, the connection goes
//! back to the pool, then the batch is sent. Subscriptions are capped per caller and in total
//! (RESOURCE_EXHAUSTED beyond), and every stream ends when the service shuts down.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel_async::AsyncPgConnection;
use onaltu_db::Pool;
use onaltu_errors::ApiError;
use onaltu_telemetry::metrics::{Instruments, KeyValue, UpDownCounter, catalogue};
use tokio::sync::{Notify, broadcast, mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

/// An event table as a watch reads it.
#[async_trait::async_trait]
pub trait EventLog: Send + Sync + 'static {
    /// A stored event.
    type Row: Send + Sync + 'static;
    /// What one subscriber wants.
    type Filter: Send + Sync + 'static;

    /// The gRPC method that serves this watch (e.g. `WatchRatings`), the `rpc.method` of its
    /// subscriber count.
    const METHOD: &'static str = "Watch";

    /// The event's sequence number.
    fn sequence(row: &Self::Row) -> i64;

    /// Whether `filter` wants `row`.
    fn wants(filter: &Self::Filter, row: &Self::Row) -> bool;

    /// Up to `limit` events after `after` in sequence order: those `filter` wants, or every one
    /// without a filter (the tail).
    async fn after(
        &self,
        conn: &mut AsyncPgConnection,
        after: i64,
        filter: Option<&Self::Filter>,
        limit: i64,
    ) -> diesel::QueryResult<Vec<Self::Row>>;
}

/// How a watch behaves under load.
#[derive(Debug, Clone, Copy)]
pub struct WatchLimits {
    /// Live events a slow subscriber may fall behind by before it catches up from Postgres.
    pub live_events: usize,
    /// Messages buffered per subscriber before the watch waits for it.
    pub per_stream_buffer: usize,
    /// How often the tail looks for events written by other instances.
    pub poll: Duration,
    /// Events read from Postgres per query.
    pub batch: i64,
    /// Streams one caller (token subject) may hold open at once.
    pub per_caller: usize,
    /// Streams the instance holds open at once.
    pub total: usize,
}

impl Default for WatchLimits {
    fn default() -> Self {
        Self {
            live_events: 4_096,
            per_stream_buffer: 256,
            poll: Duration::from_millis(500),
            batch: 500,
            per_caller: 16,
            total: 1_000,
        }
    }
}

/// The watch of one event table on this instance.
pub struct Watch<L: EventLog> {
    inner: Arc<Inner<L>>,
}

impl<L: EventLog> Clone for Watch<L> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

struct Inner<L: EventLog> {
    log: L,
    pool: Pool,
    limits: WatchLimits,
    live: broadcast::Sender<Arc<L::Row>>,
    wake: Arc<Notify>,
    closing: watch::Receiver<bool>,
    streams: Mutex<HashMap<String, usize>>,
}

/// Open streams of every watch of the process, by method (`onaltu.watch.subscribers`).
static SUBSCRIBERS: Instruments<UpDownCounter<i64>> =
    Instruments::new(|meter| catalogue::WATCH_SUBSCRIBERS.up_down(meter));

fn subscribers<L: EventLog>(change: i64) {
    if let Some(subscribers) = SUBSCRIBERS.get() {
        subscribers.add(change, &[KeyValue::new("rpc.method", L::METHOD)]);
    }
}

/// A subscriber's place in the caps, given back when its stream ends.
struct Seat<L: EventLog> {
    inner: Arc<Inner<L>>,
    caller: String,
}

impl<L: EventLog> Drop for Seat<L> {
    fn drop(&mut self) {
        subscribers::<L>(-1);
        let mut streams = self
            .inner
            .streams
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(n) = streams.get_mut(&self.caller) {
            *n -= 1;
            if *n == 0 {
                streams.remove(&self.caller);
            }
        }
    }
}

/// What a subscription sends: the encoded event, or `None` to skip it.
pub type Encode<L, T> =
    Box<dyn Fn(&<L as EventLog>::Row) -> Option<Result<T, Status>> + Send + Sync + 'static>;

impl<L: EventLog> Watch<L> {
    /// A watch over `log` in `pool`; its streams end when `closing` turns true.
    pub fn new(log: L, pool: Pool, limits: WatchLimits, closing: watch::Receiver<bool>) -> Self {
        let (live, _) = broadcast::channel(limits.live_events.max(1));
        Self {
            inner: Arc::new(Inner {
                log,
                pool,
                limits,
                live,
                wake: Arc::new(Notify::new()),
                closing,
                streams: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Tells the tail that events were just written here.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// The tail's wake-up, for writers that hold it apart from the watch.
    pub fn waker(&self) -> Arc<Notify> {
        self.inner.wake.clone()
    }

    /// Streams open now.
    pub fn open_streams(&self) -> usize {
        self.lock_streams().values().sum()
    }

    /// Reads events after `last` (the last one stored when the instance started, read before it
    /// serves, so no write here can slip between) and broadcasts them until closing.
    pub async fn run_tail(self, mut last: i64) {
        let inner = &self.inner;
        let mut closing = inner.closing.clone();
        while !*closing.borrow() {
            tokio::select! {
                () = inner.wake.notified() => {}
                () = tokio::time::sleep(inner.limits.poll) => {}
                _ = closing.changed() => break,
            }
            loop {
                let Some(rows) = self.read(last, None).await else {
                    break;
                };
                let full = rows.len() as i64 == inner.limits.batch;
                for row in rows {
                    last = L::sequence(&row);
                    let _ = inner.live.send(Arc::new(row));
                }
                if !full {
                    break;
                }
            }
        }
    }

    /// A stream of `prelude` (e.g. a snapshot the caller read), then every event after `after`
    /// that `filter` wants, encoded by `encode`, then live ones. `caller` names the subscriber
    /// for the per-caller cap.
    pub fn subscribe<T: Send + 'static>(
        &self,
        caller: &str,
        filter: L::Filter,
        after: i64,
        prelude: Vec<T>,
        encode: Encode<L, T>,
    ) -> Result<ReceiverStream<Result<T, Status>>, ApiError> {
        let seat = self.seat(caller)?;
        let live = self.inner.live.subscribe();
        let (sink, stream) = mpsc::channel(self.inner.limits.per_stream_buffer.max(1));
        let follower = Follower {
            watch: self.clone(),
            filter,
            after,
            encode,
            sink,
        };
        tokio::spawn(follower.run(prelude, live, seat));
        Ok(ReceiverStream::new(stream))
    }

    fn seat(&self, caller: &str) -> Result<Seat<L>, ApiError> {
        let limits = self.inner.limits;
        let mut streams = self.lock_streams();
        let total: usize = streams.values().sum();
        let own = streams.get(caller).copied().unwrap_or(0);
        let refuse = |message: String| ApiError::ResourceExhausted {
            message,
            retry_after: Duration::from_secs(5),
        };
        if total >= limits.total {
            return Err(refuse(format!(
                "this instance serves {} streams already; retry later",
                limits.total
            )));
        }
        if own >= limits.per_caller {
            return Err(refuse(format!(
                "at most {} streams at once per caller; close one first",
                limits.per_caller
            )));
        }
        *streams.entry(caller.to_string()).or_default() += 1;
        subscribers::<L>(1);
        Ok(Seat {
            inner: self.inner.clone(),
            caller: caller.to_string(),
        })
    }

    fn lock_streams(&self) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
        self.inner
            .streams
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// One batch after `after`; the connection goes back to the pool before the caller sends
    /// anything. `None` when the database cannot be read.
    async fn read(&self, after: i64, filter: Option<&L::Filter>) -> Option<Vec<L::Row>> {
        let mut conn = self.inner.pool.get().await.ok()?;
        self.inner
            .log
            .after(&mut conn, after, filter, self.inner.limits.batch)
            .await
            .ok()
    }
}

/// One subscriber's task.
struct Follower<L: EventLog, T> {
    watch: Watch<L>,
    filter: L::Filter,
    after: i64,
    encode: Encode<L, T>,
    sink: mpsc::Sender<Result<T, Status>>,
}

impl<L: EventLog, T: Send + 'static> Follower<L, T> {
    async fn run(
        mut self,
        prelude: Vec<T>,
        mut live: broadcast::Receiver<Arc<L::Row>>,
        _seat: Seat<L>,
    ) {
        for message in prelude {
            if self.sink.send(Ok(message)).await.is_err() {
                return;
            }
        }
        if !self.catch_up().await {
            return;
        }
        let mut closing = self.watch.inner.closing.clone();
        if *closing.borrow() {
            return;
        }
        loop {
            let got = tokio::select! {
                got = live.recv() => got,
                () = self.sink.closed() => return,
                _ = closing.changed() => return,
            };
            match got {
                Ok(row) => {
                    if L::sequence(&row) <= self.after {
                        continue;
                    }
                    if !self.send(&row).await {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    if !self.catch_up().await {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }

    /// Sends `row` if wanted and moves past it; `false` once the subscriber has left.
    async fn send(&mut self, row: &L::Row) -> bool {
        if L::wants(&self.filter, row)
            && let Some(message) = (self.encode)(row)
            && self.sink.send(message).await.is_err()
        {
            return false;
        }
        self.after = L::sequence(row);
        true
    }

    /// Sends every stored event after `self.after` that the subscriber wants; `false` when the
    /// subscriber left or the database failed (then the stream ends with UNAVAILABLE and the
    /// subscriber resumes from the last sequence number it saw).
    async fn catch_up(&mut self) -> bool {
        loop {
            let Some(rows) = self.watch.read(self.after, Some(&self.filter)).await else {
                let _ = self
                    .sink
                    .send(Err(Status::unavailable(
                        "events cannot be read now; resume from the last sequence number",
                    )))
                    .await;
                return false;
            };
            let full = rows.len() as i64 == self.watch.inner.limits.batch;
            for row in &rows {
                if !self.send(row).await {
                    return false;
                }
            }
            if !full {
                return true;
            }
        }
    }
}
