//! Cache-aside against a real Redis, including Redis going down and coming back.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};

use onaltu_cache::{Cache, CacheSettings};
use onaltu_testkit::RedisServer;
use secrecy::SecretString;

fn cache(redis: &RedisServer, ttl_secs: u64) -> Cache {
    Cache::new(&CacheSettings {
        url: SecretString::from(redis.url()),
        prefix: format!("t{}", onaltu_testkit::free_port()),
        ttl_secs,
        op_timeout_ms: 200,
        ..CacheSettings::default()
    })
    .unwrap()
}

async fn load(cache: &Cache, key: &str, loads: &AtomicUsize, value: &str) -> String {
    cache
        .get_or_load(key, || async {
            loads.fetch_add(1, Ordering::SeqCst);
            Ok::<_, std::convert::Infallible>(value.to_string())
        })
        .await
        .unwrap()
}

/// Loads `key` until the cache is back up (Redis is probed at most once a second), asserting every
/// answer on the way is `value`: a stale entry is never served, before or after the recovery.
async fn load_until_up(cache: &Cache, key: &str, loads: &AtomicUsize, value: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        assert_eq!(load(cache, key, loads, value).await, value);
        if cache.is_up() {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the cache did not come back"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn loads_once_then_serves_from_redis_until_invalidated() {
    let redis = RedisServer::start();
    let cache = cache(&redis, 60);
    let loads = AtomicUsize::new(0);

    assert_eq!(load(&cache, "center:1", &loads, "v1").await, "v1");
    assert_eq!(
        load(&cache, "center:1", &loads, "v2").await,
        "v1",
        "served from cache"
    );
    assert_eq!(loads.load(Ordering::SeqCst), 1);

    cache.invalidate(&["center:1".to_string()]).await;
    assert_eq!(
        load(&cache, "center:1", &loads, "v2").await,
        "v2",
        "reloaded after a write"
    );
    assert_eq!(loads.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn entries_expire_after_their_ttl() {
    let redis = RedisServer::start();
    let cache = cache(&redis, 1);
    let loads = AtomicUsize::new(0);
    load(&cache, "k", &loads, "a").await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(load(&cache, "k", &loads, "b").await, "b");
}

#[tokio::test]
async fn with_redis_down_calls_answer_from_the_loader_and_the_outage_is_counted_once() {
    let mut redis = RedisServer::start();
    let cache = cache(&redis, 60);
    let loads = AtomicUsize::new(0);
    load(&cache, "center:7", &loads, "before").await;

    redis.stop();
    for i in 0..20 {
        let value = format!("db-{i}");
        assert_eq!(
            load(&cache, &format!("other:{i}"), &loads, &value).await,
            value
        );
    }
    assert!(!cache.is_up());
    assert_eq!(cache.outages(), 1, "one outage, however many calls");

    // A write during the outage cannot reach Redis...
    cache.invalidate(&["center:7".to_string()]).await;

    redis.resume();
    // ...so when Redis returns, the stale entry must not be served.
    load_until_up(&cache, "center:7", &loads, "after").await;
    assert_eq!(cache.outages(), 1);
}

#[tokio::test]
async fn keys_carry_the_prefix() {
    let redis = RedisServer::start();
    let cache = Cache::new(&CacheSettings {
        url: SecretString::from(redis.url()),
        prefix: "registry".into(),
        ..CacheSettings::default()
    })
    .unwrap();
    assert_eq!(cache.key("person:0190"), "registry:person:0190");
}

#[tokio::test]
async fn a_generation_bump_retires_every_key_built_from_it() {
    let redis = RedisServer::start();
    let cache = cache(&redis, 60);
    let loads = AtomicUsize::new(0);
    let g0 = cache.generation("centers").await.unwrap();
    load(&cache, &format!("list:{g0}:page1"), &loads, "a").await;
    cache.bump("centers").await;
    let g1 = cache.generation("centers").await.unwrap();
    assert_ne!(g0, g1);
    assert_eq!(
        load(&cache, &format!("list:{g1}:page1"), &loads, "b").await,
        "b"
    );
}

/// Lets `user` (password `pw`) at `redis` do what a service's ACL user may: its own keys under
/// `prefix`, the cache's commands, and no SCAN or KEYS.
async fn acl_user(redis: &RedisServer, user: &str, prefix: &str) -> String {
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("ACL")
        .arg(&[
            "SETUSER",
            user,
            "reset",
            "on",
            ">pw",
            "resetchannels",
            "-@all",
        ])
        .arg(&["+hello", "+ping", "+select"])
        .arg(&[
            "+get", "+set", "+setex", "+incr", "+incrby", "+del", "+unlink",
        ])
        .arg(format!("~{prefix}:*"))
        .query_async::<()>(&mut conn)
        .await
        .unwrap();
    redis
        .url()
        .replace("redis://", &format!("redis://{user}:pw@"))
}

#[tokio::test]
async fn invalidations_missed_during_an_outage_are_replayed_without_scanning() {
    let mut redis = RedisServer::start();
    let prefix = format!("t{}", onaltu_testkit::free_port());
    let url = acl_user(&redis, "cacheuser", &prefix).await;
    let cache = Cache::new(&CacheSettings {
        url: SecretString::from(url),
        prefix: prefix.clone(),
        op_timeout_ms: 200,
        ..CacheSettings::default()
    })
    .unwrap();
    let loads = AtomicUsize::new(0);
    let g0 = cache.generation("centers").await.unwrap();
    load(&cache, &format!("list:{g0}:page1"), &loads, "old page").await;
    load(&cache, "center:7", &loads, "old centre").await;

    redis.stop();
    cache.invalidate(&["center:7".to_string()]).await;
    cache.bump("centers").await;
    redis.resume();
    // A restart forgets users made at run time: made again, as an ACL file would.
    acl_user(&redis, "cacheuser", &prefix).await;

    load_until_up(&cache, "center:7", &loads, "new centre").await;
    let g1 = cache.generation("centers").await.unwrap();
    assert_ne!(g0, g1, "the missed bump was made");
    assert!(cache.is_up());
}

#[tokio::test]
async fn past_the_remembered_misses_nothing_is_read_from_redis_for_a_ttl() {
    let mut redis = RedisServer::start();
    let cache = cache(&redis, 60);
    let loads = AtomicUsize::new(0);
    load(&cache, "center:7", &loads, "old").await;

    redis.stop();
    let many: Vec<String> = (0..=onaltu_cache::MAX_MISSED_KEYS)
        .map(|i| format!("center:{i}"))
        .collect();
    cache.invalidate(&many).await;
    redis.resume();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    assert_eq!(load(&cache, "center:7", &loads, "new").await, "new");
    assert_eq!(loads.load(Ordering::SeqCst), 2);
}
