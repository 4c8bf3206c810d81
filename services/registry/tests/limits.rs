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
