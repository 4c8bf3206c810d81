//! Who may evaluate which episode, decided from the feedback service's own copy of the
//! registry's facts: kept from the registry's events, it lets the recipient and their legal
//! representative evaluate without asking the registry, stops a representative as soon as the
//! revocation's event is applied, asks the registry about an episode it has not seen (and keeps
//! what it learned), and keeps the later fact when events arrive out of order.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;
use onaltu_events::{Event, EventHandler};
use onaltu_feedback::events::registry::RegistryEvents;
use onaltu_proto::registry as pb;
use tonic::Code;
use uuid::Uuid;

#[derive(diesel::QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn scalar(conn: &mut diesel_async::AsyncPgConnection, sql: &str, arg: &str) -> i64 {
    diesel::sql_query(sql)
        .bind::<Text, _>(arg)
        .get_result::<N>(conn)
        .await
        .unwrap()
        .n
}

/// Waits (with a deadline) until `sql` with `arg` counts `n` in the feedback database.
async fn until(h: &Harness, sql: &str, arg: &str, n: i64) {
    let mut conn = h.db.connect().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = scalar(&mut conn, sql, arg).await;
        if got == n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{sql} ({arg}) counts {got}, not {n}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

const EPISODE_KNOWN: &str = "SELECT count(*) AS n FROM eligibility_episodes WHERE episode_id = $1::uuid \
     AND admitted_on IS NOT NULL";
const REPRESENTATIVES: &str =
    "SELECT count(*) AS n FROM eligibility_representatives WHERE person_id = $1::uuid";
const PERSON_VERSION: &str = "SELECT coalesce(max(version), 0)::bigint AS n FROM eligibility_persons \
     WHERE person_id = $1::uuid";

/// Reads of an episode the registry audited for `person` (a representative's read is audited,
/// the person's own is not).
async fn episode_reads(h: &Harness, person: &str) -> i64 {
    let mut conn = h.registry_db.connect().await;
    scalar(
        &mut conn,
        "SELECT count(*) AS n FROM audit_events WHERE action = 'GetEpisode' \
         AND person_id = $1::uuid",
        person,
    )
    .await
}

#[tokio::test]
async fn a_representative_evaluates_from_the_copy_until_the_revocation_is_applied() {
    let h = Harness::start().await;
    let mut op = h.registry_operator();
    let elsewhere = centre(&mut op, "Күннұр", 10).await.id;
    let centre = centre(&mut op, "Шуақ", 10).await.id;
    let parent = adult(&mut op, 1).await.id;
    let child = child(&mut op, 2, &parent).await;
    let first = admitted(&mut op, &child.id, &centre).await.id;
    let second = discharged(&mut op, &child.id, &elsewhere).await.id;
    until(&h, EPISODE_KNOWN, &first, 1).await;
    until(&h, EPISODE_KNOWN, &second, 1).await;
    until(&h, REPRESENTATIVES, &child.id, 1).await;

    // Decided from the copy: the registry is not asked (it would have audited the read).
    let mut as_parent = h.citizen(&parent);
    submit(&mut as_parent, evaluation(&first, 5, ""))
        .await
        .unwrap();
    assert_eq!(episode_reads(&h, &child.id).await, 0);

    // The registry's operator removes the representation; once its event is applied the
    // parent may evaluate no longer.
    let current = op
        .get_person(pb::GetPersonRequest {
            id: child.id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    op.update_person(pb::UpdatePersonRequest {
        person: Some(pb::Person {
            id: child.id.clone(),
            etag: current.etag.clone(),
            legal_representative_ids: Vec::new(),
            ..Default::default()
        }),
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["legal_representative_ids".into()],
        }),
    })
    .await
    .unwrap();
    until(&h, PERSON_VERSION, &child.id, 2).await;
    until(&h, REPRESENTATIVES, &child.id, 0).await;
    let refused = submit(&mut as_parent, evaluation(&second, 4, ""))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
    assert_eq!(h.count("evaluations").await, 1);
}

#[tokio::test]
async fn an_episode_the_copy_has_not_seen_is_asked_of_the_registry_and_kept() {
    let h = Harness::start().await;
    let mut op = h.registry_operator();
    let centre = centre(&mut op, "Шуақ", 10).await.id;
    let person = adult(&mut op, 1).await.id;
    let episode = admitted(&mut op, &person, &centre).await.id;
    until(&h, EPISODE_KNOWN, &episode, 1).await;
    // As if the admission's event had not arrived yet.
    h.sql("DELETE FROM eligibility_episodes").await;

    let mut as_person = h.citizen(&person);
    submit(&mut as_person, evaluation(&episode, 5, ""))
        .await
        .unwrap();
    // Kept as read (version 0), so any event about it counts as later.
    until(
        &h,
        "SELECT count(*) AS n FROM eligibility_episodes WHERE episode_id = $1::uuid \
         AND version = 0 AND admitted_on IS NOT NULL",
        &episode,
        1,
    )
    .await;

    // A stranger is refused by the registry, as before.
    let stranger = adult(&mut op, 3).await.id;
    let refused = submit(&mut h.citizen(&stranger), evaluation(&episode, 5, ""))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
}

fn event<M: prost::Name>(m: &M) -> Event {
    Event {
        id: Uuid::now_v7(),
        stream: onaltu_proto::streams::REGISTRY_EPISODES.into(),
        event_type: M::full_name(),
        payload: m.encode_to_vec(),
        occurred_at: chrono::Utc::now(),
    }
}

#[tokio::test]
async fn a_discharge_arriving_before_its_admission_is_not_undone_by_it() {
    let h = Harness::start().await;
    let mut conn = h.db.connect().await;
    let (episode, person, centre) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let day = |d| Some(date(2025, 6, d));
    let discharged = pb::EpisodeDischarged {
        event_id: Uuid::now_v7().to_string(),
        episode_id: episode.to_string(),
        person_id: person.to_string(),
        center_id: centre.to_string(),
        admitted_on: day(1),
        discharged_on: day(20),
        version: 5,
        ..Default::default()
    };
    let admitted = pb::EpisodeAdmitted {
        event_id: Uuid::now_v7().to_string(),
        episode_id: episode.to_string(),
        person_id: person.to_string(),
        center_id: centre.to_string(),
        admitted_on: day(1),
        version: 3,
        ..Default::default()
    };
    RegistryEvents
        .handle(&mut conn, &event(&discharged))
        .await
        .unwrap();
    RegistryEvents
        .handle(&mut conn, &event(&admitted))
        .await
        .unwrap();
    let state = scalar(
        &mut conn,
        "SELECT state::bigint AS n FROM eligibility_episodes WHERE episode_id = $1::uuid",
        &episode.to_string(),
    )
    .await;
    assert_eq!(state, pb::EpisodeState::Discharged as i64);

    // Representatives: the later set stays whatever order the changes arrive in.
    let (rep, other) = (Uuid::now_v7(), Uuid::now_v7());
    let change = |reps: Vec<Uuid>, version| pb::LegalRepresentativesChanged {
        event_id: Uuid::now_v7().to_string(),
        person_id: person.to_string(),
        representative_ids: reps.iter().map(Uuid::to_string).collect(),
        version,
        occur_time: None,
    };
    RegistryEvents
        .handle(&mut conn, &event(&change(vec![], 4)))
        .await
        .unwrap();
    RegistryEvents
        .handle(&mut conn, &event(&change(vec![rep, other], 2)))
        .await
        .unwrap();
    assert_eq!(
        scalar(&mut conn, REPRESENTATIVES, &person.to_string()).await,
        0
    );
    assert_eq!(
        scalar(&mut conn, PERSON_VERSION, &person.to_string()).await,
        4
    );
}
