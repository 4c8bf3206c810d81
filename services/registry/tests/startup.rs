//! The registry binary and server as an operator meets them: configuration errors, a missing
//! database, migrations, and health over gRPC.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use onaltu_testkit::TestDb;
use onaltu_testkit::startup::{self, outcome};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

fn registry() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_onaltu-registry"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("ONALTU_ENV", "development")
        .env(
            "ONALTU_CONFIG_DIR",
            concat!(env!("CARGO_MANIFEST_DIR"), "/config"),
        );
    cmd
}

/// The registry as its Deployment starts it, its production.toml changed by `edit`.
fn production(edit: impl FnOnce(String) -> String) -> startup::Production {
    startup::production(
        env!("CARGO_BIN_EXE_onaltu-registry"),
        "registry",
        Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/config/production.toml"
        )),
        edit,
    )
}

fn without(key: &str) -> impl FnOnce(String) -> String {
    let key = format!("{key} = ");
    move |toml| {
        let kept: Vec<&str> = toml.lines().filter(|l| !l.starts_with(&key)).collect();
        assert!(
            kept.len() < toml.lines().count(),
            "{key} is in production.toml"
        );
        kept.join("\n")
    }
}

#[test]
fn without_onaltu_env_the_binary_refuses_to_start_naming_it() {
    for command in ["check-config", "migrate", "serve"] {
        let (code, stderr) = outcome(registry().env_remove("ONALTU_ENV").arg(command));
        assert_eq!(code, Some(2), "{command}: {stderr}");
        assert!(stderr.contains("ONALTU_ENV is not set"), "{stderr}");
        let (code, stderr) = outcome(registry().env("ONALTU_ENV", " ").arg(command));
        assert_eq!(code, Some(2), "{command}: {stderr}");
        assert!(stderr.contains("ONALTU_ENV"), "{stderr}");
    }
}

#[test]
fn the_production_configuration_as_shipped_is_valid() {
    let mut registry = production(|toml| toml);
    let (code, stderr) = outcome(registry.command.arg("check-config"));
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn production_refuses_each_development_setting_naming_its_key() {
    let secret = onaltu_config::DEVELOPMENT_SECRET;
    let cases: Vec<(startup::Production, &[&str])> = vec![
        (
            {
                let mut p = production(|toml| toml);
                p.command.env(
                    "ONALTU_REGISTRY__AUTH__HS256_SECRET",
                    "a-secret-nobody-has-published-of-40-chars",
                );
                p
            },
            &["`auth.hs256_secret`: is not allowed in production"],
        ),
        (
            {
                let mut p = production(|toml| toml);
                p.command
                    .env("ONALTU_REGISTRY__AUTH__HS256_SECRET", secret)
                    .env(
                        "ONALTU_REGISTRY__DATABASE__URL",
                        format!("postgres://registry:{secret}@db.invalid/onaltu_registry"),
                    );
                p
            },
            &[
                "`auth.hs256_secret`: holds a development secret",
                "`database.url`: holds a development secret",
                "`auth.hs256_secret`: is not allowed in production",
            ],
        ),
        (
            production(|toml| {
                toml.replace(
                    "[auth]\n",
                    "[auth]\nhs256_secret = \"onaltu-test-secret-0123456789abcdef\"\n",
                )
            }),
            &["`auth.hs256_secret`: holds a development secret"],
        ),
        (
            production(without("issuer")),
            &["`auth.issuer`: is required in production"],
        ),
        (
            {
                let mut p = production(|toml| toml);
                p.command.env("ONALTU_REGISTRY__AUTH__ISSUER", "");
                p
            },
            &["`auth.issuer`: is required in production"],
        ),
        (
            production(without("audience")),
            &["`auth.audience`: is required in production"],
        ),
        (
            {
                let mut p = production(without("rs256_public_key_path"));
                p.command
                    .env_remove("ONALTU_REGISTRY__AUTH__RS256_PUBLIC_KEY_PATH");
                p
            },
            &["`auth.rs256_public_key_path`: is required in production"],
        ),
        (
            {
                let mut p = production(|toml| toml);
                p.command.env(
                    "ONALTU_REGISTRY__AUTH__MAX_SERVICE_TOKEN_LIFETIME_SECS",
                    (10 * 365 * 86_400).to_string(),
                );
                p
            },
            &["`auth.max_service_token_lifetime_secs`"],
        ),
    ];
    for (mut registry, expected) in cases {
        let (code, stderr) = outcome(registry.command.arg("check-config"));
        assert_eq!(code, Some(2), "{stderr}");
        for e in expected {
            assert!(stderr.contains(e), "{e} in {stderr}");
        }
        assert!(!stderr.contains(secret), "{stderr}");
        assert!(!stderr.contains(onaltu_config::TEST_SECRET), "{stderr}");
    }
}

#[test]
fn a_bad_value_stops_start_up_naming_its_key() {
    let out = registry()
        .env("ONALTU_REGISTRY__SERVER__LISTEN", "not-an-address")
        .arg("check-config")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("server.listen"), "{stderr}");

    let out = registry()
        .env("ONALTU_REGISTRY__DATABASE__MAX_CONNECTIONS", "0")
        .arg("check-config")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("database.max_connections"), "{stderr}");
}

#[test]
fn the_development_configuration_is_valid_and_secrets_stay_hidden() {
    let out = registry().arg("check-config").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = registry()
        .env("ONALTU_REGISTRY__AUTH__HS256_SECRET", "too-short-secret")
        .arg("check-config")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("auth.hs256_secret"), "{stderr}");
    assert!(!stderr.contains("too-short-secret"), "{stderr}");
}

#[test]
fn a_missing_database_says_which_url_it_tried() {
    let port = onaltu_testkit::free_port();
    let out = registry()
        .env(
            "ONALTU_REGISTRY__DATABASE__URL",
            format!("postgres://registry:pa55word@127.0.0.1:{port}/onaltu_registry"),
        )
        .env("ONALTU_REGISTRY__SERVER__LISTEN", "127.0.0.1:0")
        .arg("serve")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "postgres://registry:***@127.0.0.1:{port}/onaltu_registry"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("pa55word"), "{stderr}");
}

#[tokio::test]
async fn migrate_then_serve_answers_serving() {
    let db = TestDb::new(&[]).await;
    let out = registry()
        .env("ONALTU_REGISTRY__DATABASE__URL", db.url())
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("applied 10 migration(s)"));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let mut settings = onaltu_registry::settings::Settings {
        database: db.settings(),
        server: onaltu_server::ServerSettings {
            health_check_interval_ms: 50,
            ..Default::default()
        },
        ..Default::default()
    };
    settings.auth.hs256_secret = Some(onaltu_testkit::jwt_secret());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(onaltu_registry::serve(onaltu_service::Start {
        settings,
        pool: db.pool(),
        listener,
        shutdown: Box::pin(async {
            let _ = stopped.await;
        }),
    }));

    let mut client = None;
    for _ in 0..100 {
        let endpoint = tonic::transport::Channel::from_shared(addr.clone()).unwrap();
        if let Ok(channel) = endpoint.connect().await {
            client = Some(HealthClient::new(channel));
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut client = client.expect("registry listens");
    let mut serving = false;
    for _ in 0..100 {
        let status = client
            .check(HealthCheckRequest {
                service: onaltu_registry::SERVICE_NAME.into(),
            })
            .await
            .unwrap()
            .into_inner()
            .status();
        if status == ServingStatus::Serving {
            serving = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        serving,
        "registry reports SERVING once its database answers"
    );

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
