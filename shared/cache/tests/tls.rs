//! `rediss://`: the cache (and every Redis client a service makes through
//! `CacheSettings::client`) over TLS, against a throwaway `redis-server` that speaks only TLS,
//! with certificates made at test time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use onaltu_cache::{Cache, CacheSettings};
use onaltu_config::Checker;
use onaltu_testkit::tls::Pki;
use secrecy::SecretString;

/// A `redis-server` listening only on a TLS port, with a certificate for 127.0.0.1.
struct TlsRedis {
    port: u16,
    child: Child,
    _pki: Pki,
}

impl TlsRedis {
    fn start(pki: Pki) -> Self {
        let server = pki.issue(&["localhost", "127.0.0.1"]);
        let port = onaltu_testkit::free_port();
        let binary = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let child = Command::new(&binary)
            .args(["--bind", "127.0.0.1", "--port", "0"])
            .args(["--tls-port", &port.to_string()])
            .args(["--tls-cert-file", &server.cert_path])
            .args(["--tls-key-file", &server.key_path])
            .args(["--tls-ca-cert-file", pki.ca_path()])
            .args(["--tls-auth-clients", "no", "--save", ""])
            .arg("--dir")
            .arg(pki.dir())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {binary}: {e} (make test installs it)"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server (TLS) did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Self {
            port,
            child,
            _pki: pki,
        }
    }

    fn settings(&self, scheme: &str, ca: Option<&str>) -> CacheSettings {
        CacheSettings {
            url: SecretString::from(format!("{scheme}://127.0.0.1:{}/0", self.port)),
            tls_ca_path: ca.map(str::to_string),
            prefix: "tls".into(),
            op_timeout_ms: 2_000,
            ..CacheSettings::default()
        }
    }
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_rediss_url_with_the_servers_ca_caches_over_tls() {
    let pki = Pki::new("Onaltu test CA");
    let ca = pki.ca_path().to_string();
    let redis = TlsRedis::start(pki);
    let settings = redis.settings("rediss", Some(&ca));
    let cache = Cache::new(&settings).unwrap();

    cache.put("center:1", &"over TLS".to_string()).await;
    assert_eq!(
        cache.get::<String>("center:1").await.as_deref(),
        Some("over TLS")
    );
    assert!(cache.is_up());

    // The relay and the consumers get their client from the same settings.
    let mut conn = settings
        .client()
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let stored: Vec<u8> = redis::cmd("GET")
        .arg("tls:center:1")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(!stored.is_empty());
}

#[tokio::test]
async fn a_server_signed_by_another_ca_or_spoken_to_in_clear_is_an_outage() {
    let pki = Pki::new("Onaltu test CA");
    let redis = TlsRedis::start(pki);
    let stranger = Pki::new("Another CA");

    // The certificate does not chain to the CA the settings trust: no connection, so the cache
    // answers from the loader and counts an outage.
    let cache = Cache::new(&redis.settings("rediss", Some(stranger.ca_path()))).unwrap();
    cache.put("k", &"v".to_string()).await;
    assert_eq!(cache.get::<String>("k").await, None);
    assert!(!cache.is_up());
    let err = redis
        .settings("rediss", Some(stranger.ca_path()))
        .client()
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap_err();
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );

    // Plain redis:// to the TLS port gets no answer it understands.
    let plain = Cache::new(&redis.settings("redis", None)).unwrap();
    assert_eq!(plain.get::<String>("k").await, None);
    assert!(!plain.is_up());
}

#[test]
fn the_ca_setting_is_checked() {
    let problems = |settings: &CacheSettings| {
        let mut c = Checker::default();
        c.section("cache", settings);
        c.violations()
            .iter()
            .map(|v| format!("{}: {}", v.key, v.message))
            .collect::<Vec<_>>()
    };
    let pki = Pki::new("Onaltu test CA");
    let with = |url: &str, ca: &str| CacheSettings {
        url: SecretString::from(url.to_string()),
        tls_ca_path: Some(ca.to_string()),
        ..CacheSettings::default()
    };
    assert!(problems(&with("rediss://cache:6380/0", pki.ca_path())).is_empty());
    let clear = problems(&with("redis://cache:6379/0", pki.ca_path()));
    assert!(
        clear
            .iter()
            .any(|p| p.starts_with("cache.tls_ca_path: is for a rediss://")),
        "{clear:?}"
    );
    let missing = problems(&with("rediss://cache:6380/0", "/nonexistent/ca.crt"));
    assert!(
        missing
            .iter()
            .any(|p| p.contains("cache.tls_ca_path: /nonexistent/ca.crt: file does not exist")),
        "{missing:?}"
    );
    // A CA file that cannot be read stops the client being made, naming the key.
    let err = with("rediss://cache:6380/0", "/nonexistent/ca.crt")
        .client()
        .unwrap_err()
        .to_string();
    assert!(err.contains("tls_ca_path /nonexistent/ca.crt"), "{err}");
}
