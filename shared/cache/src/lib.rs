//! Redis cache-aside for read paths.
//!
//! Keys are `<prefix>:<key>`, values the protobuf encoding of the cached message, each with a TTL.
//! Writes invalidate the keys they affect. The cache is only an optimisation: when Redis is down
//! every call still answers from the loader (the database), the outage is logged once when it
//! starts and once when it ends, and Redis is probed at most once a second meanwhile so a dead
//! cache adds no latency. Invalidations missed during an outage are made good by purging the
//! prefix when Redis returns. Keys must never carry personal data: use record ids, not IINs.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use onaltu_config::{Checker, ExposeSecret, SecretString, Validate};
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde::Deserialize;

/// Cache settings (`[cache]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheSettings {
    /// `redis://host:port/db`.
    pub url: SecretString,
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
            prefix: "onaltu".into(),
            ttl_secs: 300,
            op_timeout_ms: 250,
        }
    }
}

impl CacheSettings {
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
#[error("cache.url: {0}")]
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
        let client = redis::Client::open(settings.url.expose_secret())
            .map_err(|e| CacheError(e.to_string()))?;
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
        let full = self.key(key);
        let bytes: Option<Vec<u8>> = self
            .run(move |mut conn| async move { conn.get(full).await })
            .await
            .flatten();
        bytes.and_then(|b| T::from_bytes(&b))
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
        let done = self
            .run(move |mut conn| async move { conn.del::<_, ()>(full).await })
            .await;
        if done.is_none() {
            // Redis could not hear it: purge everything of ours when it comes back.
            self.inner
                .missed_invalidation
                .store(true, Ordering::Relaxed);
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
        let done = self
            .run(move |mut conn| async move { conn.incr::<_, _, u64>(full, 1).await })
            .await;
        if done.is_none() {
            self.inner
                .missed_invalidation
                .store(true, Ordering::Relaxed);
        }
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
        if self.inner.missed_invalidation.load(Ordering::Relaxed) && !self.purge(conn.clone()).await
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

    /// Deletes every key under the prefix; `true` when all are gone.
    async fn purge(&self, mut conn: ConnectionManager) -> bool {
        let pattern = format!("{}:*", self.inner.prefix);
        let mut keys: Vec<String> = Vec::new();
        let scanned = match tokio::time::timeout(self.inner.op_timeout * 4, async {
            let mut iter = conn.scan_match::<_, String>(pattern).await?;
            while let Some(key) = iter.next_item().await {
                keys.push(key?);
            }
            Ok::<(), redis::RedisError>(())
        })
        .await
        {
            Ok(result) => result.map_err(|e| e.to_string()),
            Err(_) => Err("scan timed out".to_string()),
        };
        if let Err(reason) = scanned {
            self.mark_down(&reason);
            return false;
        }
        for chunk in keys.chunks(500) {
            if let Err(err) = conn.del::<_, ()>(chunk).await {
                self.mark_down(&err.to_string());
                return false;
            }
        }
        self.inner
            .missed_invalidation
            .store(false, Ordering::Relaxed);
        tracing::info!(prefix = %self.inner.prefix, purged = keys.len(), "purged entries that may have missed an invalidation");
        true
    }
}
