//! Idempotent creating calls, tried as an attacker and as two honest clients would: a request id
//! belongs to the caller who used it (the key is the caller, the call and the id), a replay is
//! authorised like a first call, and the same id with another request is refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use onaltu_auth::Role;
use onaltu_proto::registry::{self as pb, EpisodeEventKind as Kind, ServiceForm};
use tonic::Code;
use uuid::Uuid;

fn referral(person: &str, center: &str, request_id: &str) -> pb::EnqueueReferralRequest {
    pb::EnqueueReferralRequest {
        request_id: request_id.into(),
        referral: Some(pb::Referral {
            person_id: person.into(),
            center_id: center.into(),
            service_form: ServiceForm::Stationary as i32,
            referral_date: Some(date(2025, 3, 1)),
            referral_number: "ЖОБ-1".into(),
            ..Default::default()
        }),
    }
}

fn offer(center: &str, request_id: &str) -> pb::OfferPlaceRequest {
    pb::OfferPlaceRequest {
        request_id: request_id.into(),
        center_id: center.into(),
        service_form: ServiceForm::Stationary as i32,
        episode_id: String::new(),
        arrival_due_date: Some(date(2025, 6, 1)),
        order_number: "№12".into(),
    }
}

fn postpone(episode: &str, request_id: &str) -> pb::PostponeArrivalRequest {
    pb::PostponeArrivalRequest {
        request_id: request_id.into(),
        episode_id: episode.into(),
        arrival_due_date: Some(date(2025, 6, 10)),
        reason: "ауырып қалды".into(),
        order_number: "№13".into(),
    }
}

fn admission(episode: &str, request_id: &str, on: i32) -> pb::AdmitPersonRequest {
    pb::AdmitPersonRequest {
        request_id: request_id.into(),
        episode_id: episode.into(),
        admitted_on: Some(date(2025, 6, on)),
        order_number: "№14".into(),
    }
}

fn leave(episode: &str, request_id: &str) -> pb::RecordEpisodeEventRequest {
    pb::RecordEpisodeEventRequest {
        request_id: request_id.into(),
        episode_id: episode.into(),
        event: Some(pb::EpisodeEvent {
            kind: Kind::TemporaryLeave as i32,
            event_date: Some(date(2025, 6, 20)),
            order_number: "№15".into(),
            ..Default::default()
        }),
    }
}

fn id() -> String {
    Uuid::now_v7().to_string()
}

/// Makes every episode call of `c` with the requests of `ids` (enqueue, offer, postpone, admit,
/// leave), and answers each answer.
async fn episode_calls(
    c: &mut Client,
    person: &str,
    center: &str,
    episode: &str,
    ids: &[String; 5],
) -> Vec<(&'static str, Result<pb::Episode, tonic::Status>)> {
    let e = |r: Result<Option<pb::Episode>, tonic::Status>| r.map(Option::unwrap);
    vec![
        (
            "EnqueueReferral",
            e(c.enqueue_referral(referral(person, center, &ids[0]))
                .await
                .map(|r| r.into_inner().episode)),
        ),
        (
            "OfferPlace",
            e(c.offer_place(offer(center, &ids[1]))
                .await
                .map(|r| r.into_inner().episode)),
        ),
        (
            "PostponeArrival",
            e(c.postpone_arrival(postpone(episode, &ids[2]))
                .await
                .map(|r| r.into_inner().episode)),
        ),
        (
            "AdmitPerson",
            e(c.admit_person(admission(episode, &ids[3], 2))
                .await
                .map(|r| r.into_inner().episode)),
        ),
        (
            "RecordEpisodeEvent",
            e(c.record_episode_event(leave(episode, &ids[4]))
                .await
                .map(|r| r.into_inner().episode)),
        ),
    ]
}

#[tokio::test]
async fn a_request_id_replayed_by_a_driver_or_another_centres_staff_is_refused_not_answered() {
    let h = Harness::start().await;
    let mut op = h.operator();
    let person = create_person(&mut op, child(1)).await.id;
    let a = create_center(&mut op, center("А орталығы", 10)).await.id;
    let b = create_center(&mut op, center("Б орталығы", 10)).await.id;
    // The honest caller: the city office takes the person from referral to leave.
    let ids = [id(), id(), id(), id(), id()];
    let first = op
        .enqueue_referral(referral(&person, &a, &ids[0]))
        .await
        .unwrap()
        .into_inner()
        .episode
        .unwrap()
        .id;
    let honest = episode_calls(&mut op, &person, &a, &first, &ids).await;
    for (rpc, answer) in &honest {
        assert_eq!(
            answer.as_ref().unwrap().id,
            first,
            "{rpc} answers the episode"
        );
    }
    let events = h.count("episode_events").await;

    let mut driver = h.as_role(Role::Driver);
    let mut staff_b = h.staff(&b);
    for (who, attacker) in [("driver", &mut driver), ("staff of B", &mut staff_b)] {
        for (rpc, answer) in episode_calls(attacker, &person, &a, &first, &ids).await {
            let status = answer.expect_err(rpc);
            assert_eq!(status.code(), Code::PermissionDenied, "{rpc} by {who}");
            assert!(!status.message().contains(&first), "{rpc} by {who}");
        }
    }
    assert_eq!(
        h.count("episode_events").await,
        events,
        "nothing was written"
    );
    // The honest caller's retries still answer the first results.
    let again = episode_calls(&mut op, &person, &a, &first, &ids).await;
    for (rpc, answer) in again {
        assert_eq!(answer.unwrap().id, first, "{rpc} replayed");
    }
    assert_eq!(
        h.count("episode_events").await,
        events,
        "a replay writes nothing"
    );
}

#[tokio::test]
async fn two_honest_callers_with_the_same_request_id_each_get_their_own_write() {
    let h = Harness::start().await;
    let mut op1 = h.named(Role::CityOperator, "operator-1");
    let mut op2 = h.named(Role::CityOperator, "operator-2");
    let shared = id();
    let p1 = op1
        .create_person(pb::CreatePersonRequest {
            request_id: shared.clone(),
            person: Some(child(1)),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    let p2 = op2
        .create_person(pb::CreatePersonRequest {
            request_id: shared.clone(),
            person: Some(child(2)),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    assert_ne!(p1.id, p2.id);
    assert_eq!(h.count("persons").await, 2, "neither write was lost");

    let a = create_center(&mut op1, center("А орталығы", 10)).await.id;
    let b = create_center(&mut op1, center("Б орталығы", 10)).await.id;
    let e1 = op1
        .enqueue_referral(referral(&p1.id, &a, &shared))
        .await
        .unwrap()
        .into_inner()
        .episode
        .unwrap();
    let e2 = op2
        .enqueue_referral(referral(&p2.id, &b, &shared))
        .await
        .unwrap()
        .into_inner()
        .episode
        .unwrap();
    assert_ne!(e1.id, e2.id);
    assert_eq!(e2.referral.unwrap().person_id, p2.id);

    // Two centres' staff offering with the same id each offer their own queue's head.
    let o1 = h
        .staff(&a)
        .offer_place(offer(&a, &shared))
        .await
        .unwrap()
        .into_inner()
        .episode
        .unwrap();
    let o2 = h
        .staff(&b)
        .offer_place(offer(&b, &shared))
        .await
        .unwrap()
        .into_inner()
        .episode
        .unwrap();
    assert_eq!((o1.id, o2.id), (e1.id, e2.id));
}

#[tokio::test]
async fn the_same_request_id_with_another_request_is_refused_and_writes_nothing() {
    let h = Harness::start().await;
    let mut op = h.operator();
    let p1 = create_person(&mut op, child(1)).await.id;
    let p2 = create_person(&mut op, child(2)).await.id;
    let a = create_center(&mut op, center("А орталығы", 10)).await.id;
    let key = id();
    let first = op
        .enqueue_referral(referral(&p1, &a, &key))
        .await
        .unwrap()
        .into_inner()
        .episode
        .unwrap();
    let episodes = h.count("episodes").await;
    let other = op
        .enqueue_referral(referral(&p2, &a, &key))
        .await
        .unwrap_err();
    assert_eq!(other.code(), Code::FailedPrecondition);
    assert_eq!(h.count("episodes").await, episodes);
    let retry = op
        .enqueue_referral(referral(&p1, &a, &key))
        .await
        .unwrap()
        .into_inner()
        .episode
        .unwrap();
    assert_eq!(
        retry.id, first.id,
        "the same request answers the first result"
    );

    op.offer_place(offer(&a, &id())).await.unwrap();
    let admit_key = id();
    op.admit_person(admission(&first.id, &admit_key, 2))
        .await
        .unwrap();
    let changed = op
        .admit_person(admission(&first.id, &admit_key, 3))
        .await
        .unwrap_err();
    assert_eq!(changed.code(), Code::FailedPrecondition);
    let e = op
        .get_episode(pb::GetEpisodeRequest {
            id: first.id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .episode
        .unwrap();
    assert_eq!(
        e.admitted_on,
        Some(date(2025, 6, 2)),
        "the first admission stands"
    );
}

#[tokio::test]
async fn a_request_id_that_is_not_a_uuid_is_refused_naming_the_field() {
    let h = Harness::start().await;
    let mut op = h.operator();
    let refused = op
        .create_person(pb::CreatePersonRequest {
            request_id: "req-1".into(),
            person: Some(child(1)),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert_eq!(bad_fields(&refused), ["request_id"]);
    assert_eq!(h.count("persons").await, 0);
}
