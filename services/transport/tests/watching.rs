//! The dispatch stream: every change of a day in order from where a subscriber left off, then
//! the changes as they happen.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use onaltu_proto::transport::{self as pb, TripState as S};

/// The day booked, planned, A's morning trip driven to its end and B's afternoon trip
/// cancelled.
async fn busy_day() -> BookedDay {
    let d = BookedDay::start().await;
    d.plan().await;
    let p1 = get_trip(&d.h, &d.t1.id).await;
    drive(
        &mut d.h.driver(&p1.vehicle_id),
        &d.t1.id,
        &[S::DriverEnRoute, S::Arrived, S::OnBoard, S::Completed],
    )
    .await;
    d.h.citizen(&d.b)
        .cancel_trip(pb::CancelTripRequest {
            id: d.t3.id.clone(),
            reason: "ауырып қалдым".into(),
        })
        .await
        .unwrap();
    d
}

/// Watches `day` as a dispatcher, after sequence number `after`.
async fn watch(d: &BookedDay, after: i64) -> tonic::Streaming<pb::WatchDispatchResponse> {
    d.h.dispatcher()
        .watch_dispatch(pb::WatchDispatchRequest {
            service_date: Some(onaltu_api::date(d.day)),
            after_sequence_number: after,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

/// The changes `stream` brings until the one numbered `last`, failing after [`DEADLINE`].
async fn read_until(
    stream: &mut tonic::Streaming<pb::WatchDispatchResponse>,
    last: i64,
) -> Vec<pb::WatchDispatchResponse> {
    let mut seen: Vec<pb::WatchDispatchResponse> = Vec::new();
    let read = async {
        while seen.last().is_none_or(|m| m.sequence_number < last) {
            seen.push(stream.message().await.unwrap().expect("the stream goes on"));
        }
    };
    tokio::time::timeout(DEADLINE, read)
        .await
        .unwrap_or_else(|_| panic!("change {last} did not arrive"));
    seen
}

#[tokio::test]
async fn the_dispatch_stream_replays_every_change_of_the_day_in_order() {
    let d = busy_day().await;
    let last = d.h.last_dispatch_change(d.day).await;
    let seen = read_until(&mut watch(&d, 0).await, last).await;
    assert!(seen.len() >= 10, "{} changes", seen.len());
    assert!(
        seen.windows(2)
            .all(|w| w[0].sequence_number < w[1].sequence_number)
    );
    assert!(
        seen.iter()
            .any(|m| m.kind == pb::DispatchChangeKind::RoutePlanned as i32)
    );
}

#[tokio::test]
async fn a_stream_resumed_after_the_last_change_seen_repeats_nothing_and_brings_new_ones() {
    let d = busy_day().await;
    let seen = read_until(
        &mut watch(&d, 0).await,
        d.h.last_dispatch_change(d.day).await,
    )
    .await;
    let last = seen.last().unwrap().sequence_number;
    let mut resumed = watch(&d, last).await;
    book(
        &mut d.h.citizen(&d.a),
        trip("", Some(local(d.day, 12, 0)), None, HOME, CENTRE),
    )
    .await
    .unwrap();
    let next = tokio::time::timeout(DEADLINE, resumed.message())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(next.sequence_number > last);
    assert_eq!(next.kind, pb::DispatchChangeKind::TripCreated as i32);
}
