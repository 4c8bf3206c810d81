//! A creating call repeated with its `request_id`: the key is (caller, call, request id), and a
//! replay is authorised like a first call before any first answer is given. Another caller's
//! identical request is a call of their own (refused where they would be); a caller whose
//! rights changed is refused; the same key with another request is FAILED_PRECONDITION
//! (REQUEST_ID_REUSED); identical calls at the same moment make one.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use onaltu_proto::transport as pb;
use tonic::Code;
use tonic_types::StatusExt as _;
use uuid::Uuid;

/// A RequestTrip with `request_id` of `person`'s trip (the caller's own when empty) at 10:00
/// tomorrow, or at `hour`.
fn booking(request_id: Uuid, person: &str, hour: u32) -> pb::RequestTripRequest {
    pb::RequestTripRequest {
        request_id: request_id.to_string(),
        trip: Some(trip(
            person,
            Some(local(tomorrow(), hour, 0)),
            None,
            HOME,
            CENTRE,
        )),
    }
}

/// The trip `client` is answered with for `request`.
async fn request(
    client: &mut Client,
    request: &pb::RequestTripRequest,
) -> Result<pb::Trip, tonic::Status> {
    client
        .request_trip(request.clone())
        .await
        .map(|r| r.into_inner().trip.unwrap())
}

/// The violation types of a FAILED_PRECONDITION.
fn precondition_types(status: &tonic::Status) -> Vec<String> {
    status
        .get_details_precondition_failure()
        .map(|p| p.violations.into_iter().map(|v| v.r#type).collect())
        .unwrap_or_default()
}

/// Two wheelchair users, P and Q.
async fn persons(h: &Harness) -> (String, String) {
    let mut op = h.registry_operator();
    let p = wheelchair_user(&mut op, 11).await.id;
    let q = wheelchair_user(&mut op, 12).await.id;
    (p, q)
}

#[tokio::test]
async fn a_request_id_another_citizen_replays_is_a_call_of_their_own() {
    let h = Harness::start().await;
    let (p, q) = persons(&h).await;
    let (mut as_p, mut as_q) = (h.citizen(&p), h.citizen(&q));
    // P books their own trip; Q sends the very same request: Q's own trip, not P's answer.
    let own = booking(Uuid::now_v7(), "", 10);
    let first = request(&mut as_p, &own).await.unwrap();
    let theirs = request(&mut as_q, &own).await.unwrap();
    assert_eq!(first.person_id, p);
    assert_eq!(theirs.person_id, q);
    assert_ne!(theirs.id, first.id);
    // P books naming themselves; Q replays it: refused, as Q booking for P would be.
    let named = booking(Uuid::now_v7(), &p, 11);
    request(&mut as_p, &named).await.unwrap();
    let before = h.count("trips").await;
    let refused = request(&mut as_q, &named).await.unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    assert_eq!(h.count("trips").await, before);
    // P's own replay is answered with P's first trip, and writes nothing.
    assert_eq!(request(&mut as_p, &own).await.unwrap().id, first.id);
    assert_eq!(h.count("trips").await, before);
}

#[tokio::test]
async fn a_replay_by_a_caller_who_lost_the_right_is_refused() {
    let h = Harness::start().await;
    let (p, q) = persons(&h).await;
    let named = booking(Uuid::now_v7(), &p, 10);
    request(&mut h.citizen(&p), &named).await.unwrap();
    // The same subject, its account now tied to another person: not P's booker any more.
    let mut relinked = onaltu_testkit::citizen(&p);
    relinked.person_id = Some(q.parse().unwrap());
    let refused = request(&mut h.client(Some(&relinked)), &named)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);

    // A centre's staff subscribe P, admitted there, to their centre's bus; moved to another
    // centre, the same subject replaying it is refused, as is the other centre's staff.
    let mut op = h.registry_operator();
    let (a, b) = (
        centre(&mut op, "А орталығы", 10).await.id,
        centre(&mut op, "Б орталығы", 10).await.id,
    );
    onaltu_testkit::registry::admitted(&mut op, &p, &a).await;
    let route = weekday_bus_route(&h, &a, "R1").await.id;
    let start = onaltu_api::date(tomorrow() + chrono::Duration::days(7));
    let subscribe = pb::SubscribeRiderRequest {
        request_id: Uuid::now_v7().to_string(),
        subscription: Some(pb::BusSubscription {
            bus_route_id: route,
            person_id: p.clone(),
            start_date: Some(start),
            ..Default::default()
        }),
    };
    let first = h
        .staff(&a)
        .subscribe_rider(subscribe.clone())
        .await
        .unwrap()
        .into_inner();
    let again = h
        .staff(&a)
        .subscribe_rider(subscribe.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again, first);
    let mut moved = onaltu_testkit::staff(&a);
    moved.center_id = Some(b.parse().unwrap());
    for mut caller in [h.client(Some(&moved)), h.staff(&b)] {
        let refused = caller.subscribe_rider(subscribe.clone()).await.unwrap_err();
        assert_eq!(refused.code(), Code::PermissionDenied);
    }
    assert_eq!(h.count("bus_subscriptions").await, 1);
}

#[tokio::test]
async fn a_request_id_reused_for_another_request_is_refused() {
    let h = Harness::start().await;
    let (p, _) = persons(&h).await;
    let mut as_p = h.citizen(&p);
    let id = Uuid::now_v7();
    request(&mut as_p, &booking(id, "", 10)).await.unwrap();
    let before = h.count("trips").await;
    let reused = request(&mut as_p, &booking(id, "", 11)).await.unwrap_err();
    assert_eq!(reused.code(), Code::FailedPrecondition);
    assert_eq!(precondition_types(&reused), ["REQUEST_ID_REUSED"]);
    assert_eq!(h.count("trips").await, before);

    let mut op = h.registry_operator();
    let a = centre(&mut op, "А орталығы", 10).await.id;
    onaltu_testkit::registry::admitted(&mut op, &p, &a).await;
    let route = weekday_bus_route(&h, &a, "R1").await.id;
    let subscription = |days: i64| pb::SubscribeRiderRequest {
        request_id: id.to_string(),
        subscription: Some(pb::BusSubscription {
            bus_route_id: route.clone(),
            person_id: p.clone(),
            start_date: Some(onaltu_api::date(tomorrow() + chrono::Duration::days(days))),
            ..Default::default()
        }),
    };
    let mut staff = h.staff(&a);
    staff.subscribe_rider(subscription(7)).await.unwrap();
    let reused = staff.subscribe_rider(subscription(8)).await.unwrap_err();
    assert_eq!(reused.code(), Code::FailedPrecondition);
    assert_eq!(precondition_types(&reused), ["REQUEST_ID_REUSED"]);
    assert_eq!(h.count("bus_subscriptions").await, 1);
}

#[tokio::test]
async fn identical_bookings_at_the_same_moment_make_one_trip() {
    let h = Harness::start().await;
    let (p, _) = persons(&h).await;
    let same = booking(Uuid::now_v7(), "", 10);
    let calls: Vec<_> = (0..6)
        .map(|_| {
            let (mut client, same) = (h.citizen(&p), same.clone());
            tokio::spawn(async move { request(&mut client, &same).await })
        })
        .collect();
    let mut ids = Vec::new();
    for call in calls {
        ids.push(call.await.unwrap().unwrap().id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(h.count("trips").await, 1);
}
