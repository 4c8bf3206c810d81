//! The registry binary and server as an operator meets them: configuration errors, a missing
//! database, migrations, and health over gRPC.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::Duration;

use onaltu_testkit::TestDb;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

fn registry() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_onaltu-registry"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env(
            "ONALTU_CONFIG_DIR",
            concat!(env!("CARGO_MANIFEST_DIR"), "/config"),
        );
    cmd
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
