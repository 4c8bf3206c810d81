//! StreamEligibilityFacts: the feedback service, in its own name, reads every admitted episode
//! and every person's legal representatives, ids and versions only, in the batches it asks for;
//! the call is audited once; another subject, even an INTEGRATION one, is refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use onaltu_auth::Role;
use onaltu_proto::registry::{self as pb, ServiceForm};
use tonic::Code;

/// Every message of a StreamEligibilityFacts call by `c` with `batch_size`.
async fn facts(
    c: &mut Client,
    batch_size: i32,
) -> Result<Vec<pb::StreamEligibilityFactsResponse>, tonic::Status> {
    let mut stream = c
        .stream_eligibility_facts(pb::StreamEligibilityFactsRequest { batch_size })
        .await?
        .into_inner();
    let mut out = Vec::new();
    while let Some(m) = stream.message().await? {
        out.push(m);
    }
    Ok(out)
}

/// `person` referred to `centre`, offered a place and admitted on 2 June 2025.
async fn admitted(op: &mut Client, person: &str, centre: &str) -> pb::Episode {
    let e = enqueue(
        op,
        person,
        centre,
        ServiceForm::Stationary,
        date(2025, 3, 1),
    )
    .await;
    op.offer_place(pb::OfferPlaceRequest {
        request_id: uuid::Uuid::now_v7().to_string(),
        center_id: centre.into(),
        service_form: ServiceForm::Stationary as i32,
        episode_id: e.id.clone(),
        arrival_due_date: Some(date(2025, 6, 1)),
        order_number: "№12".into(),
    })
    .await
    .unwrap();
    op.admit_person(pb::AdmitPersonRequest {
        request_id: uuid::Uuid::now_v7().to_string(),
        episode_id: e.id.clone(),
        admitted_on: Some(date(2025, 6, 2)),
        order_number: "№13".into(),
    })
    .await
    .unwrap()
    .into_inner()
    .episode
    .unwrap()
}

#[tokio::test]
async fn the_feedback_service_reads_admitted_episodes_then_every_persons_representatives() {
    let h = Harness::start().await;
    let mut op = h.operator();
    let mother = create_person(&mut op, adult(1)).await;
    let other = create_person(&mut op, child(3)).await;
    let child = create_person(
        &mut op,
        pb::Person {
            legal_representative_ids: vec![mother.id.clone()],
            ..child(2)
        },
    )
    .await;
    let centre = create_center(&mut op, center("Шуақ", 10)).await.id;
    let stay = admitted(&mut op, &child.id, &centre).await;
    // Waiting in a queue: not a service received, so not a fact of who may evaluate.
    enqueue(
        &mut op,
        &other.id,
        &centre,
        ServiceForm::Stationary,
        date(2025, 3, 2),
    )
    .await;

    let got = facts(&mut h.feedback_service(), 1).await.unwrap();
    assert_eq!(got.len(), 4, "one admitted episode, then three persons");
    for m in &got {
        assert_eq!(m.episodes.len() + m.legal_representatives.len(), 1, "{m:?}");
    }
    let episode = &got[0].episodes[0];
    assert_eq!(episode.episode_id, stay.id);
    assert_eq!(episode.person_id, child.id);
    assert_eq!(episode.center_id, centre);
    assert_eq!(episode.state, pb::EpisodeState::Admitted as i32);
    assert_eq!(episode.admitted_on, Some(date(2025, 6, 2)));
    assert_eq!(episode.version.to_string(), stay.etag);

    let persons: Vec<&pb::LegalRepresentativesFact> = got[1..]
        .iter()
        .map(|m| &m.legal_representatives[0])
        .collect();
    let mut ids: Vec<&str> = persons.iter().map(|p| p.person_id.as_str()).collect();
    assert!(ids.is_sorted(), "in id order: {ids:?}");
    ids.sort();
    let mut expected = vec![mother.id.as_str(), child.id.as_str(), other.id.as_str()];
    expected.sort();
    assert_eq!(ids, expected);
    for p in persons {
        let (reps, etag) = if p.person_id == child.id {
            (vec![mother.id.clone()], &child.etag)
        } else if p.person_id == mother.id {
            (Vec::new(), &mother.etag)
        } else {
            (Vec::new(), &other.etag)
        };
        assert_eq!(p.representative_ids, reps, "{}", p.person_id);
        assert_eq!(&p.version.to_string(), etag, "{}", p.person_id);
    }

    // The default batch holds them all: one message of episodes, one of persons.
    let whole = facts(&mut h.feedback_service(), 0).await.unwrap();
    assert_eq!(whole.len(), 2);
    assert_eq!(
        (
            whole[0].episodes.len(),
            whole[1].legal_representatives.len()
        ),
        (1, 3)
    );

    // Each call is audited once, as the feedback service's, naming no person.
    let trail = h
        .as_role(Role::Auditor)
        .list_audit_events(pb::ListAuditEventsRequest {
            actor_subject: "service:feedback".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .audit_events;
    let reads: Vec<_> = trail
        .iter()
        .filter(|e| e.action == "StreamEligibilityFacts")
        .collect();
    assert_eq!(reads.len(), 2, "{trail:?}");
    assert!(reads.iter().all(|e| e.allowed && e.person_id.is_empty()));
}

#[tokio::test]
async fn a_batch_size_out_of_bounds_is_refused_by_name() {
    let h = Harness::start().await;
    for batch_size in [-1, 5_001] {
        let refused = facts(&mut h.feedback_service(), batch_size)
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::InvalidArgument, "{batch_size}");
        assert_eq!(bad_fields(&refused), ["batch_size"]);
    }
    assert!(facts(&mut h.feedback_service(), 5_000).await.is_ok());
}

#[tokio::test]
async fn only_the_subjects_listed_read_the_facts() {
    let h = Harness::start_with(|s| {
        s.access.eligibility_fact_readers = vec!["service:feedback-next".into()];
    })
    .await;
    let refused = facts(&mut h.feedback_service(), 0).await.unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    let mut next = h.named(Role::Integration, "service:feedback-next");
    assert!(facts(&mut next, 0).await.is_ok());
    // A listed subject in another role is no service asking in its own name.
    let mut admin = h.named(Role::Admin, "service:feedback-next");
    let refused = facts(&mut admin, 0).await.unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
}
