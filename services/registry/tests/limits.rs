//! Server limits as a caller meets them: deadlines per kind of call.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use onaltu_proto::registry as pb;
use tonic::Code;

fn slow_rows(pause: Duration) -> impl tokio_stream::Stream<Item = pb::ImportCentersRequest> {
    let rows = [center("Баяу бір", 5), center("Баяу екі", 5)];
    async_stream_rows(rows.to_vec(), pause)
}

fn async_stream_rows(
    rows: Vec<pb::Center>,
    pause: Duration,
) -> impl tokio_stream::Stream<Item = pb::ImportCentersRequest> {
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tokio::spawn(async move {
        for (i, c) in rows.into_iter().enumerate() {
            tokio::time::sleep(pause).await;
            let row = pb::ImportCentersRequest {
                row_number: i as i64 + 1,
                center: Some(c),
                validate_only: false,
            };
            if tx.send(row).await.is_err() {
                return;
            }
        }
    });
    tokio_stream::wrappers::ReceiverStream::new(rx)
}

#[tokio::test]
async fn imports_get_the_stream_deadline_not_the_unary_one() {
    let h = Harness::start_with(|s| {
        s.server.request_timeout_ms = 300;
        s.server.stream_timeout_ms = 10_000;
    })
    .await;
    // 2 x 400 ms: longer than a unary call may take, well within the stream deadline.
    let summary = h
        .operator()
        .import_centers(slow_rows(Duration::from_millis(400)))
        .await
        .unwrap()
        .into_inner()
        .summary
        .unwrap();
    assert_eq!(summary.created, 2);
}

#[tokio::test]
async fn a_stream_past_its_deadline_is_cut_with_deadline_exceeded() {
    let h = Harness::start_with(|s| {
        s.server.request_timeout_ms = 300;
        s.server.stream_timeout_ms = 500;
    })
    .await;
    let status = h
        .operator()
        .import_centers(slow_rows(Duration::from_millis(400)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded);
}

#[tokio::test]
async fn a_callers_shorter_deadline_wins() {
    let h = Harness::start().await;
    let mut request = tonic::Request::new(slow_rows(Duration::from_millis(400)));
    // The header alone, so the server, not the client library, enforces it.
    request
        .metadata_mut()
        .insert("grpc-timeout", "300m".parse().unwrap());
    let status = h.operator().import_centers(request).await.unwrap_err();
    // Without the caller's deadline the import would succeed (as above). tonic answers a
    // caller's own expired deadline with CANCELLED, the server's with DEADLINE_EXCEEDED.
    assert!(
        matches!(status.code(), Code::Cancelled | Code::DeadlineExceeded),
        "{status:?}"
    );
    assert_eq!(
        h.count("centers").await,
        0,
        "no row of the cut import is written"
    );
}

fn person_rows(
    rows: Vec<pb::Person>,
) -> impl tokio_stream::Stream<Item = pb::ImportPersonsRequest> {
    tokio_stream::iter(
        rows.into_iter()
            .enumerate()
            .map(|(i, p)| pb::ImportPersonsRequest {
                row_number: i as i64 + 1,
                person: Some(p),
                ..Default::default()
            }),
    )
}

fn rejected_total(s: &pb::ImportSummary) -> i64 {
    s.received - s.created - s.updated - s.unchanged
}

#[tokio::test]
async fn an_import_takes_its_bounded_rows_and_writes_none_of_the_rest() {
    let h = Harness::start_with(|s| s.import.max_rows = 5).await;
    let rows = (1..=8).map(child).collect();
    let summary = h
        .operator()
        .import_persons(person_rows(rows))
        .await
        .unwrap()
        .into_inner()
        .summary
        .unwrap();
    assert_eq!(summary.created, 5);
    assert_eq!(
        h.count("persons").await,
        5,
        "nothing past the bound is written"
    );
    assert_eq!(summary.rejected.len(), 1);
    let refused = &summary.rejected[0];
    assert_eq!(refused.row_number, 6, "the first row past the bound");
    assert_eq!(refused.violations[0].field, "stream");
    assert!(refused.violations[0].description.contains("at most 5 rows"));
    assert_eq!(rejected_total(&summary), 1);
}

#[tokio::test]
async fn an_answer_lists_the_first_rejections_and_counts_them_all() {
    let h = Harness::start_with(|s| s.import.max_listed_rejections = 3).await;
    let bad = |i| pb::Person {
        iin: "123".into(),
        ..child(i)
    };
    let summary = h
        .operator()
        .import_persons(person_rows((1..=10).map(bad).collect()))
        .await
        .unwrap()
        .into_inner()
        .summary
        .unwrap();
    let listed: Vec<i64> = summary.rejected.iter().map(|r| r.row_number).collect();
    assert_eq!(listed, [1, 2, 3]);
    assert_eq!(rejected_total(&summary), 10);
}

#[tokio::test]
async fn an_answer_with_many_rejections_still_fits_the_message_limit() {
    let h = Harness::start_with(|s| s.server.max_message_bytes = 8 * 1024).await;
    // 2,000 rejected rows of several violations each would take far more than 8 KiB.
    let bad = |i| pb::Person {
        iin: "123".into(),
        surname: String::new(),
        region_code: "KZ-00".into(),
        ..child(i)
    };
    let summary = h
        .operator()
        .import_persons(person_rows((1..=2_000).map(bad).collect()))
        .await
        .unwrap()
        .into_inner()
        .summary
        .unwrap();
    assert_eq!(summary.received, 2_000);
    assert_eq!(rejected_total(&summary), 2_000);
    assert!(!summary.rejected.is_empty());
    assert!(summary.rejected.len() < 2_000);
    assert_eq!(summary.rejected[0].row_number, 1);
}
