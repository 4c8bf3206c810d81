//! Redis cache-aside for read paths.
//!
//! Keys are `<prefix>:<key>`, values the protobuf encoding of the cached message, each with a TTL.
//! Writes invalidate the keys they affect. The cache is only an optimisation: when Redis is down
//! every call still answers from the loader (the database), the outage is logged once when it
//! starts and once when it ends, and Redis is probed at most once a second meanwhile so a dead
//! cache adds no latency. Invalidations missed during an outage are replayed when Redis returns
//! (the keys deleted, the generations bumped); past [`MAX_MISSED_KEYS`] missed keys, this
//! instance reads nothing from Redis until the TTL has retired every entry written before. So a
//! service's Redis user needs no SCAN, which would list every other service's key names. Keys
//! must never carry personal data: use record ids, not IINs.
//!
//! A `rediss://` URL connects over TLS (rustls), trusting the system's CAs or, with `[cache]
//! tls_ca_path`, only that CA; [`CacheSettings::client`] is the one place every Redis client of a
//! service (the cache, the outbox relay, the event consumers) is made.
//!
//! Every lookup is counted by the kind of entry its key names ([`kind`]) and its result: hit,
//! miss, or bypassed (`onaltu.cache.lookups`).

use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use onaltu_config::{Checker, ExposeSecret, SecretString, Validate};
use onaltu_telemetry::metrics::{Counter, Instruments, KeyValue, catalogue};
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde::Deserialize;

/// Cache settings (`[cache]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheSettings {
    /// `redis://host:port/db`, or `rediss://…` over TLS.
    pub url: SecretString,
    /// The CA (PEM) a `rediss://` server's certificate must be signed by, instead of the system's.
    pub tls_ca_path: Option<String>,
    /// Prefix of every key, e.g. `registry`.
    pub prefix: String,
    /// Default time to live of an entry.
    pub ttl_secs: u64,
    /// Longest a single Redis operation may take before the cache is bypassed.
    pub op_timeout_ms: u64,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            url: SecretString::from("redis://127.0.0.1:6379/0"),
            tls_ca_path: None,
            prefix: "onaltu".into(),
            ttl_secs: 300,
            op_timeout_ms: 250,
        }
    }
}

impl CacheSettings {
    /// A Redis client for `url`: over TLS for `rediss://`, trusting `tls_ca_path` when set.
    /// Connects on first use.
    pub fn client(&self) -> Result<redis::Client, CacheError> {
        let url = self.url.expose_secret();
        match &self.tls_ca_path {
            Some(path) if url.starts_with("rediss://") => {
                let root_cert = std::fs::read(path)
                    .map_err(|e| CacheError(format!("tls_ca_path {path}: {e}")))?;
                redis::Client::build_with_tls(
                    url,
                    redis::TlsCertificates {
                        client_tls: None,
                        root_cert: Some(root_cert),
                    },
                )
                .map_err(|e| CacheError(format!("url: {e}")))
            }
            _ => redis::Client::open(url).map_err(|e| CacheError(format!("url: {e}"))),
        }
    }

    /// A local instance (tests, tools): the Redis at `url`, keys under `prefix`.
    pub fn local(url: &str, prefix: &str) -> Self {
        Self {
            url: SecretString::from(url.to_string()),
            prefix: prefix.into(),
            ..Self::default()
        }
    }
}

impl Validate for CacheSettings {
    fn validate(&self, c: &mut Checker) {
        let url = self.url.expose_secret();
        c.check(
            url.starts_with("redis://") || url.starts_with("rediss://"),
            "url",
            "must be a redis:// or rediss:// URL",
        );
        if let Some(path) = &self.tls_ca_path {
            c.check(
                url.starts_with("rediss://"),
                "tls_ca_path",
                "is for a rediss:// url (TLS); the url is not one",
            );
            c.check(
                std::path::Path::new(path).is_file(),
                "tls_ca_path",
                format!("{path}: file does not exist"),
            );
        }
        c.check(
            !self.prefix.is_empty() && !self.prefix.contains(['*', '?', '[', ' ']),
            "prefix",
            "must be non-empty, without spaces or glob characters",
        );
        c.check(
            (1..=86_400).contains(&self.ttl_secs),
            "ttl_secs",
            "must be between 1 and 86400",
        );
        c.check(
            (1..=10_000).contains(&self.op_timeout_ms),
            "op_timeout_ms",
            "must be between 1 and 10000",
        );
    }
}

/// Why the cache could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CacheError(String);

/// A value that can be cached: every protobuf message is one.
pub trait CacheValue: Sized {
    /// Bytes stored in Redis.
    fn to_bytes(&self) -> Vec<u8>;
    /// The value back from its bytes; `None` for an entry that no longer decodes.
    fn from_bytes(bytes: &[u8]) -> Option<Self>;
}

impl<T: prost::Message + Default> CacheValue for T {
    fn to_bytes(&self) -> Vec<u8> {
        self.encode_to_vec()
    }
    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        T::decode(bytes).ok()
    }
}

const PROBE_INTERVAL: Duration = Duration::from_secs(1);

static LOOKUPS: Instruments<Counter<u64>> =
    Instruments::new(|meter| catalogue::CACHE_LOOKUPS.counter(meter));

/// Counts one lookup of `key` by its kind and `result` (hit, miss, bypassed).
fn lookup(key: &str, result: &'static str) {
    if let Some(lookups) = LOOKUPS.get() {
        lookups.add(
            1,
            &[
                KeyValue::new("cache.name", kind(key).to_string()),
                KeyValue::new("cache.result", result),
            ],
        );
    }
}

/// The kind of entry a key holds, for metrics: its first segment of lowercase letters (a
/// generation number may come first, ids and periods follow), so labels never carry an id.
pub fn kind(key: &str) -> &str {
    key.split(':')
        .find(|segment| {
            (1..=32).contains(&segment.len())
                && segment.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        })
        .unwrap_or("other")
}

/// Missed invalidations of keys remembered for replay; past it, the instance reads nothing from
/// Redis for a TTL instead.
pub const MAX_MISSED_KEYS: usize = 10_000;

/// Invalidations Redis did not hear.
#[derive(Default)]
struct Missed {
    /// Full keys to delete.
    keys: HashSet<String>,
    /// Full generation keys to bump.
    generations: HashSet<String>,
}

struct Inner {
    client: redis::Client,
    manager: RwLock<Option<ConnectionManager>>,
    connecting: tokio::sync::Mutex<()>,
    prefix: String,
    ttl: Duration,
    op_timeout: Duration,
    started: Instant,
    /// Milliseconds since `started` of the last failed attempt; 0 while Redis answers.
    down_since_probe: AtomicU64,
    down: AtomicBool,
    missed_invalidation: AtomicBool,
    /// The invalidations Redis did not hear, to replay.
    missed: Mutex<Missed>,
    /// Milliseconds since `started` until which nothing is read from Redis (0: none), after
    /// more invalidations were missed than are remembered.
    distrust_until: AtomicU64,
    outages: AtomicU64,
}

/// A cheap-to-clone handle on the cache.
#[derive(Clone)]
pub struct Cache {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("prefix", &self.inner.prefix)
            .field("up", &self.is_up())
            .finish_non_exhaustive()
    }
}

impl Cache {
    /// A cache over `settings`. Fails only for a malformed URL: an unreachable Redis is an
    /// outage, not a start-up error.
    pub fn new(settings: &CacheSettings) -> Result<Self, CacheError> {
        let client = settings.client()?;
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                manager: RwLock::new(None),
                connecting: tokio::sync::Mutex::new(()),
                prefix: settings.prefix.clone(),
                ttl: Duration::from_secs(settings.ttl_secs),
                op_timeout: Duration::from_millis(settings.op_timeout_ms),
                started: Instant::now(),
                down_since_probe: AtomicU64::new(0),
                down: AtomicBool::new(false),
                missed_invalidation: AtomicBool::new(false),
                missed: Mutex::new(Missed::default()),
                distrust_until: AtomicU64::new(0),
                outages: AtomicU64::new(0),
            }),
        })
    }

    /// The full Redis key of `key`.
    pub fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.inner.prefix)
    }

    /// Whether the last Redis operation succeeded.
    pub fn is_up(&self) -> bool {
        !self.inner.down.load(Ordering::Relaxed)
    }

    /// How many outages have begun since start (each logged once).
    pub fn outages(&self) -> u64 {
        self.inner.outages.load(Ordering::Relaxed)
    }

    /// The cached value of `key`, or the loader's answer, which is then cached.
    pub async fn get_or_load<T, E, F, Fut>(&self, key: &str, load: F) -> Result<T, E>
    where
        T: CacheValue,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(hit) = self.get::<T>(key).await {
            return Ok(hit);
        }
        let value = load().await?;
        self.put(key, &value).await;
        Ok(value)
    }

    /// The cached value of `key`, if Redis answers and holds one.
    pub async fn get<T: CacheValue>(&self, key: &str) -> Option<T> {
        if self.distrusted() {
            lookup(key, "bypassed");
            return None;
        }
        let full = self.key(key);
        let answer: Option<Option<Vec<u8>>> = self
            .run(move |mut conn| async move { conn.get(full).await })
            .await;
        let value = answer
            .as_ref()
            .map(|b| b.as_deref().and_then(T::from_bytes));
        lookup(
            key,
            match &value {
                None => "bypassed",
                Some(None) => "miss",
                Some(Some(_)) => "hit",
            },
        );
        value.flatten()
    }

    /// Stores `value` under `key` with the default TTL.
    pub async fn put<T: CacheValue>(&self, key: &str, value: &T) {
        let full = self.key(key);
        let bytes = value.to_bytes();
        let ttl = self.inner.ttl.as_secs();
        self.run(move |mut conn| async move { conn.set_ex::<_, _, ()>(full, bytes, ttl).await })
            .await;
    }

    /// Removes `keys` after a write that changed what they hold.
    pub async fn invalidate(&self, keys: &[String]) {
        if keys.is_empty() {
            return;
        }
        let full: Vec<String> = keys.iter().map(|k| self.key(k)).collect();
        let missed = full.clone();
        let done = self
            .run(move |mut conn| async move { conn.del::<_, ()>(full).await })
            .await;
        if done.is_none() {
            // Redis could not hear it: deleted again when it comes back.
            self.missed(|m| {
                if m.keys.len() + missed.len() > MAX_MISSED_KEYS {
                    return false;
                }
                m.keys.extend(missed);
                true
            });
        }
    }

    /// The current generation of `name`, a counter that writes bump to retire every key built
    /// from it at once (e.g. all cached list pages); `None` when Redis is unavailable.
    pub async fn generation(&self, name: &str) -> Option<u64> {
        let full = self.key(&format!("gen:{name}"));
        self.run(move |mut conn| async move { conn.get::<_, Option<u64>>(full).await })
            .await
            .map(Option::unwrap_or_default)
    }

    /// Moves `name` to a new generation after a write.
    pub async fn bump(&self, name: &str) {
        let full = self.key(&format!("gen:{name}"));
        let missed = full.clone();
        let done = self
            .run(move |mut conn| async move { conn.incr::<_, _, u64>(full, 1).await })
            .await;
        if done.is_none() {
            self.missed(|m| {
                m.generations.insert(missed);
                true
            });
        }
    }

    /// Remembers an invalidation Redis did not hear (`remember` answers whether it could);
    /// one that could not be remembered makes this instance distrust every entry for a TTL.
    fn missed(&self, remember: impl FnOnce(&mut Missed) -> bool) {
        let mut missed = self
            .inner
            .missed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !remember(&mut missed) {
            let until = self.now_ms() + self.inner.ttl.as_millis() as u64;
            self.inner
                .distrust_until
                .fetch_max(until, Ordering::Relaxed);
        }
        self.inner
            .missed_invalidation
            .store(true, Ordering::Relaxed);
    }

    /// Whether entries may be stale beyond what a replay makes good (see [`MAX_MISSED_KEYS`]).
    fn distrusted(&self) -> bool {
        self.now_ms() < self.inner.distrust_until.load(Ordering::Relaxed)
    }

    fn now_ms(&self) -> u64 {
        self.inner.started.elapsed().as_millis() as u64
    }

    /// Runs one Redis operation, bounded by the op timeout; `None` when Redis is unavailable.
    async fn run<R, F, Fut>(&self, op: F) -> Option<R>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<R>>,
    {
        if !self.should_try() {
            return None;
        }
        let conn = self.connection().await?;
        // Entries that missed an invalidation during an outage go before anything is read.
        if self.inner.missed_invalidation.load(Ordering::Relaxed)
            && !self.replay(conn.clone()).await
        {
            return None;
        }
        match tokio::time::timeout(self.inner.op_timeout, op(conn)).await {
            Ok(Ok(value)) => {
                self.mark_up();
                Some(value)
            }
            Ok(Err(err)) => {
                self.mark_down(&err.to_string());
                None
            }
            Err(_) => {
                self.mark_down("operation timed out");
                None
            }
        }
    }

    /// While down, only one call a second probes Redis; the rest skip it at once.
    fn should_try(&self) -> bool {
        if !self.inner.down.load(Ordering::Relaxed) {
            return true;
        }
        let now = self.inner.started.elapsed().as_millis() as u64;
        let last = self.inner.down_since_probe.load(Ordering::Relaxed);
        now.saturating_sub(last) >= PROBE_INTERVAL.as_millis() as u64
            && self
                .inner
                .down_since_probe
                .compare_exchange(last, now.max(1), Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }

    async fn connection(&self) -> Option<ConnectionManager> {
        if let Some(conn) = self.current() {
            return Some(conn);
        }
        let _guard = self.inner.connecting.lock().await;
        if let Some(conn) = self.current() {
            return Some(conn);
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.inner.op_timeout))
            .set_response_timeout(Some(self.inner.op_timeout))
            .set_number_of_retries(1);
        match ConnectionManager::new_with_config(self.inner.client.clone(), config).await {
            Ok(conn) => {
                if let Ok(mut slot) = self.inner.manager.write() {
                    *slot = Some(conn.clone());
                }
                Some(conn)
            }
            Err(err) => {
                self.mark_down(&err.to_string());
                None
            }
        }
    }

    fn current(&self) -> Option<ConnectionManager> {
        self.inner.manager.read().ok().and_then(|m| m.clone())
    }

    fn mark_down(&self, reason: &str) {
        let now = (self.inner.started.elapsed().as_millis() as u64).max(1);
        self.inner.down_since_probe.store(now, Ordering::Relaxed);
        if !self.inner.down.swap(true, Ordering::Relaxed) {
            self.inner.outages.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(prefix = %self.inner.prefix, %reason, "cache unavailable; answering from the database");
        }
    }

    fn mark_up(&self) {
        if self.inner.down.swap(false, Ordering::Relaxed) {
            tracing::info!(prefix = %self.inner.prefix, "cache available again");
        }
    }

    /// Replays the invalidations Redis did not hear: the keys deleted, the generations bumped;
    /// `true` when all are done.
    async fn replay(&self, mut conn: ConnectionManager) -> bool {
        let (keys, generations): (Vec<String>, Vec<String>) = {
            let missed = self
                .inner
                .missed
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            (
                missed.keys.iter().cloned().collect(),
                missed.generations.iter().cloned().collect(),
            )
        };
        let replayed = tokio::time::timeout(self.inner.op_timeout * 4, async {
            for chunk in keys.chunks(500) {
                conn.del::<_, ()>(chunk).await?;
            }
            for generation in &generations {
                conn.incr::<_, _, u64>(generation, 1).await?;
            }
            Ok::<(), redis::RedisError>(())
        })
        .await;
        let failed = match replayed {
            Ok(Ok(())) => None,
            Ok(Err(err)) => Some(err.to_string()),
            Err(_) => Some("replaying missed invalidations timed out".to_string()),
        };
        if let Some(reason) = failed {
            self.mark_down(&reason);
            return false;
        }
        let mut missed = self
            .inner
            .missed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for key in &keys {
            missed.keys.remove(key);
        }
        for generation in &generations {
            missed.generations.remove(generation);
        }
        if missed.keys.is_empty() && missed.generations.is_empty() {
            self.inner
                .missed_invalidation
                .store(false, Ordering::Relaxed);
        }
        tracing::info!(prefix = %self.inner.prefix, keys = keys.len(), generations = generations.len(), "replayed invalidations missed during the outage");
        true
    }
}

#[cfg(test)]
mod tests {
    use super::kind;

    #[test]
    fn a_key_is_counted_under_its_kind_never_its_ids() {
        assert_eq!(
            kind("person:0190c1a2-7b3e-7000-8000-000000000001"),
            "person"
        );
        assert_eq!(kind("centers:list:7:00000000deadbeef"), "centers");
        assert_eq!(kind("statistics:3:KZ-71:2025-01-01"), "statistics");
        assert_eq!(
            kind("12:history:0190c1a2-7b3e-7000-8000-000000000001:true:0:20"),
            "history"
        );
        assert_eq!(kind("0190c1a2:42"), "other");
        assert_eq!(kind(""), "other");
    }
}
