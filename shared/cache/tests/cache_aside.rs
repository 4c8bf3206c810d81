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
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    // ...so when Redis returns, the stale entry must not be served.
    assert_eq!(load(&cache, "center:7", &loads, "after").await, "after");
    assert!(cache.is_up());
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
