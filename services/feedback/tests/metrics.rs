//! Where SubmitEvaluation's time goes, as a scrape of the service's metrics shows it: every stage
//! of a submission timed by method and stage, and the registry's fallback only for an episode the
//! eligibility copy does not know.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::*;
use diesel_async::RunQueryDsl;
use onaltu_telemetry::{Metrics, TelemetrySettings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The body of one `GET /metrics`.
async fn scrape(addr: SocketAddr) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nhost: feedback\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").expect("an HTTP answer");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    body.to_string()
}

/// How many SubmitEvaluation calls the scrape `body` timed in `stage` (0 when none).
fn stage_count(body: &str, stage: &str) -> f64 {
    let labels = format!("{{rpc_method=\"SubmitEvaluation\",stage=\"{stage}\"}} ");
    body.lines()
        .find_map(|line| {
            line.strip_prefix("onaltu_rpc_stage_duration_seconds_count")?
                .strip_prefix(labels.as_str())?
                .parse()
                .ok()
        })
        .unwrap_or(0.0)
}

#[derive(diesel::QueryableByName)]
struct N {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Waits (with a deadline) until the eligibility copy has seen `n` admissions.
async fn until_admissions_known(h: &Harness, n: i64) {
    let mut conn = h.db.connect().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let known = diesel::sql_query(
            "SELECT count(*) AS n FROM eligibility_episodes WHERE admitted_on IS NOT NULL",
        )
        .get_result::<N>(&mut conn)
        .await
        .unwrap()
        .n;
        if known == n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the copy knows {known} admissions, not {n}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_submission_is_timed_stage_by_stage_and_asks_the_registry_only_for_an_unknown_episode() {
    // The provider first: the service's instruments bind to it.
    let metrics = Metrics::start(
        "feedback",
        &TelemetrySettings {
            metrics_listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            ..TelemetrySettings::default()
        },
    )
    .await
    .unwrap();
    let addr = metrics.local_addr().expect("the scrape endpoint");
    let h = Harness::start().await;
    let mut op = h.registry_operator();
    let centre = centre(&mut op, "Шуақ", 10).await.id;
    let (known_person, unknown_person) = (adult(&mut op, 1).await.id, adult(&mut op, 2).await.id);
    let known = admitted(&mut op, &known_person, &centre).await.id;
    let unknown = admitted(&mut op, &unknown_person, &centre).await.id;
    until_admissions_known(&h, 2).await;
    // As if the second admission's event had not arrived yet.
    h.sql(&format!(
        "DELETE FROM eligibility_episodes WHERE episode_id = '{unknown}'"
    ))
    .await;

    // Decided from the copy: every stage but the registry's.
    submit(&mut h.citizen(&known_person), evaluation(&known, 5, ""))
        .await
        .unwrap();
    let body = scrape(addr).await;
    for stage in [
        "authorise_decode",
        "replay_lookup",
        "decide_write",
        "encode",
    ] {
        assert_eq!(stage_count(&body, stage), 1.0, "{stage}:\n{body}");
    }
    assert_eq!(stage_count(&body, "registry_fallback"), 0.0, "{body}");

    // The copy does not know the episode: its transaction decides nothing, the registry does.
    submit(&mut h.citizen(&unknown_person), evaluation(&unknown, 4, ""))
        .await
        .unwrap();
    let body = scrape(addr).await;
    assert_eq!(stage_count(&body, "registry_fallback"), 1.0, "{body}");
    for stage in [
        "authorise_decode",
        "replay_lookup",
        "decide_write",
        "encode",
    ] {
        assert_eq!(stage_count(&body, stage), 2.0, "{stage}:\n{body}");
    }
    // No id of a person or an episode reaches a label.
    for id in [&known, &unknown, &known_person, &unknown_person] {
        assert!(!body.contains(id.as_str()), "{id} in:\n{body}");
    }
    metrics.shutdown().await;
}
