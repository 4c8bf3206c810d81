//! WatchRatings: a subscriber that disconnects in the middle of a
//! recompute, and again across a restart of the rating service, resumes from the last sequence
//! number it saw and receives every event exactly once; filters narrow the stream.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

mod common;

use common::*;
use onaltu_auth::Role;
use onaltu_proto::rating as pb;
use uuid::Uuid;

fn compute_now() -> pb::ComputeRatingsRequest {
    compute_request(current())
}

async fn record(s: &Harness, centre: &str, code: &str, value: f64) {
    s.operator()
        .record_indicators(pb::RecordIndicatorsRequest {
            request_id: Uuid::now_v7().to_string(),
            center_id: centre.into(),
            period: Some(current().encode()),
            values: vec![pb::IndicatorValue {
                indicator_code: code.into(),
                value,
                source: pb::IndicatorSource::Inspection as i32,
                evidence_reference: "Акт №1".into(),
                ..Default::default()
            }],
        })
        .await
        .unwrap();
}

async fn subscribe(
    s: &Harness,
    request: pb::WatchRatingsRequest,
) -> tonic::Streaming<pb::WatchRatingsResponse> {
    s.as_role(Role::Integration)
        .watch_ratings(request)
        .await
        .unwrap()
        .into_inner()
}

/// Reads events from `stream` into `seen` until it holds `n` (ten seconds at most).
async fn read_until(
    stream: &mut tonic::Streaming<pb::WatchRatingsResponse>,
    seen: &mut Vec<pb::RatingEvent>,
    n: usize,
) {
    while seen.len() < n {
        let next = tokio::time::timeout(Duration::from_secs(10), stream.message())
            .await
            .unwrap_or_else(|_| panic!("only {} of {n} events arrived", seen.len()))
            .unwrap()
            .expect("the stream stays open");
        seen.push(next.event.unwrap());
    }
}

#[tokio::test]
async fn a_subscriber_resumes_across_a_recompute_and_a_restart_and_misses_nothing() {
    let mut s = Harness::start().await;
    let mut op = s.registry_operator();
    let mut centres = Vec::new();
    for i in 0..12 {
        centres.push(centre(&mut op, &format!("Орталық {i}"), 20).await.id);
    }
    let mut operator = s.operator();
    let first = operator
        .compute_ratings(compute_now())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.events_emitted, 12, "a first rating for each centre");

    // Read five, then leave.
    let mut seen = Vec::new();
    let mut stream = subscribe(&s, pb::WatchRatingsRequest::default()).await;
    read_until(&mut stream, &mut seen, 5).await;
    drop(stream);

    // Every centre gets inspection values: three criteria, so each becomes RATED.
    for c in &centres {
        record(&s, c, "accessibility_checklist_share", 0.9).await;
        record(&s, c, "events_per_100_recipients", 12.0).await;
    }
    // Reconnect from the last one seen while the recompute runs.
    let recompute = tokio::spawn({
        let mut operator = operator.clone();
        async move {
            operator
                .compute_ratings(compute_now())
                .await
                .unwrap()
                .into_inner()
        }
    });
    let last = seen.last().unwrap().sequence_number;
    let mut stream = subscribe(
        &s,
        pb::WatchRatingsRequest {
            after_sequence_number: last,
            ..Default::default()
        },
    )
    .await;
    let second = recompute.await.unwrap();
    assert_eq!(second.events_emitted, 12, "each centre's status changed");
    read_until(&mut stream, &mut seen, 24).await;
    drop(stream);

    // The rating service restarts; three centres' values change; the subscriber resumes.
    s.restart().await;
    for c in &centres[..3] {
        record(&s, c, "accessibility_checklist_share", 0.4).await;
    }
    let last = seen.last().unwrap().sequence_number;
    let mut stream = subscribe(
        &s,
        pb::WatchRatingsRequest {
            after_sequence_number: last,
            ..Default::default()
        },
    )
    .await;
    let third = s
        .operator()
        .compute_ratings(compute_now())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(third.events_emitted, 3);
    read_until(&mut stream, &mut seen, 27).await;

    let numbers: Vec<i64> = seen.iter().map(|e| e.sequence_number).collect();
    assert!(
        numbers.windows(2).all(|w| w[0] < w[1]),
        "strictly increasing, no repeats: {numbers:?}"
    );
    assert_eq!(s.count("rating_events").await, 27);
    let third_changes = &seen[24..];
    for e in third_changes {
        assert!(centres[..3].contains(&e.center_id));
        assert!(
            e.changes.contains(&(pb::RatingChange::Composite as i32)),
            "{e:?}"
        );
        assert_eq!(e.rating_version, 3);
    }
    // Nothing more arrives: every event was delivered exactly once.
    let extra = tokio::time::timeout(Duration::from_millis(700), stream.message()).await;
    assert!(extra.is_err(), "no further event: {extra:?}");

    // Filters: one centre's events only, from the start.
    let mut only = subscribe(
        &s,
        pb::WatchRatingsRequest {
            center_ids: vec![centres[0].clone()],
            ..Default::default()
        },
    )
    .await;
    let mut mine = Vec::new();
    read_until(&mut only, &mut mine, 3).await;
    assert!(mine.iter().all(|e| e.center_id == centres[0]));
    let other_region = subscribe(
        &s,
        pb::WatchRatingsRequest {
            region_code: "KZ-75".into(),
            ..Default::default()
        },
    )
    .await;
    let mut other_region = other_region;
    let none = tokio::time::timeout(Duration::from_millis(500), other_region.message()).await;
    assert!(none.is_err(), "no centre in KZ-75");
}
