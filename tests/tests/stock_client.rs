//! The suite through a stock client that knows nothing of its code: Python grpcio with
//! grpcio-reflection (which speaks only `grpc.reflection.v1alpha`) and grpcio-health-checking,
//! from the private virtual environment `make test` prepares under `.data/venv`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

use onaltu_auth::Role;
use onaltu_proto::common::{CenterKind, CenterSector, LocalizedText};
use onaltu_proto::registry as pb;
use onaltu_suite::{Suite, citizen, claims, token};

fn python() -> PathBuf {
    match std::env::var_os("ONALTU_TEST_PYTHON") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.data/venv/bin/python"),
    }
}

#[tokio::test]
async fn a_stock_grpcio_client_discovers_and_calls_every_service() {
    let python = python();
    assert!(
        python.exists(),
        "{} is missing: `make test` creates it (scripts/stack.sh pyclient)",
        python.display()
    );
    let suite = Suite::start().await;
    let operator = claims(Role::CityOperator);
    let centre_name = "Тест оңалту орталығы";
    suite
        .registry(Some(&operator))
        .create_center(pb::CreateCenterRequest {
            request_id: uuid::Uuid::now_v7().to_string(),
            center: Some(pb::Center {
                name: Some(LocalizedText {
                    kk: centre_name.into(),
                    ru: String::new(),
                }),
                sector: CenterSector::Social as i32,
                kind: CenterKind::RehabCentre as i32,
                region_code: "KZ-71".into(),
                service_forms: vec![pb::ServiceForm::Stationary as i32],
                capacity: Some(pb::Capacity {
                    beds: Some(20),
                    ..Default::default()
                }),
                serves_children: true,
                ..Default::default()
            }),
        })
        .await
        .expect("create a centre to read back");

    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("stock_client/check.py");
    let registry = suite.registry.addr.trim_start_matches("http://");
    let citizen = citizen(&uuid::Uuid::now_v7().to_string());
    let run = tokio::task::spawn_blocking({
        let operator_token = token(&operator);
        let citizen_token = token(&citizen);
        let server = format!("{registry}=onaltu.registry.v1.RegistryService");
        let feedback = format!(
            "{}=onaltu.feedback.v1.FeedbackService",
            suite.feedback.addr.trim_start_matches("http://")
        );
        let rating = format!(
            "{}=onaltu.rating.v1.RatingService",
            suite.rating.addr.trim_start_matches("http://")
        );
        move || {
            Command::new(python)
                .arg(script)
                .args(["--server", &server])
                .args(["--server", &feedback])
                .args(["--server", &rating])
                .args(["--operator-token", &operator_token])
                .args(["--citizen-token", &citizen_token])
                .args(["--centre-name", centre_name])
                .output()
                .expect("run the stock client")
        }
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "stock client failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("all checks passed"), "{stdout}");
}
