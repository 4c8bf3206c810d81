//! Who may evaluate which episode, decided from the feedback service's own copy of the
//! registry's facts: kept from the registry's events, it lets the recipient and their legal
//! representative evaluate without asking the registry, stops a representative as soon as the
//! revocation's event is applied, asks the registry about an episode it has not seen (and keeps
//! what it learned), and keeps the later fact when events arrive out of order. Rebuilt from the
//! registry's facts (`rebuild-eligibility`), it decides locally again, a revoked representation
//! stays revoked, and a batch merges with what the copy holds as the events do.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;
use onaltu_events::{Event, EventHandler};
use onaltu_feedback::clients::registry::FactsClient;
use onaltu_feedback::domain::eligibility::{KnownEpisode, Representation};
use onaltu_feedback::events::registry::RegistryEvents;
use onaltu_feedback::store::eligibility as copy;
use onaltu_feedback::workers::rebuild_eligibility::{Rebuilt, rebuild};
use onaltu_proto::registry as pb;
use onaltu_testkit::registry::Registry;
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

/// Rebuilds the feedback service's copy from the harness's registry, asking as the feedback
/// service in its own name (a token it signs, as in development), `batch` facts at a time.
async fn rebuilt(h: &Harness, batch: u32) -> Rebuilt {
    let registry = onaltu_client::ClientSettings {
        url: h.registry.addr.clone(),
        backoff_ms: 20,
        ..Default::default()
    };
    let auth = onaltu_auth::AuthSettings {
        hs256_secret: Some(onaltu_testkit::jwt_secret()),
        ..Default::default()
    };
    let client = FactsClient::new(&registry, &auth).unwrap();
    rebuild(&h.db.pool(), &client, batch).await.unwrap()
}

const EPISODES: &str = "SELECT count(*) AS n FROM eligibility_episodes WHERE $1 <> ''";
const PERSONS: &str = "SELECT count(*) AS n FROM eligibility_persons WHERE $1 <> ''";

/// Empties the copy, as a new deployment starts, or as an outage may leave it.
async fn emptied(h: &Harness) {
    let mut conn = h.db.connect().await;
    copy::clear(&mut conn).await.unwrap();
    assert_eq!(scalar(&mut conn, EPISODES, "all").await, 0);
    assert_eq!(scalar(&mut conn, PERSONS, "all").await, 0);
}

/// Replaces `person`'s legal representatives in the registry; the record's new version.
async fn represented_by(op: &mut Registry, person: &str, reps: &[&str]) -> i64 {
    op.update_person(pb::UpdatePersonRequest {
        person: Some(pb::Person {
            id: person.into(),
            legal_representative_ids: reps.iter().map(|r| r.to_string()).collect(),
            ..Default::default()
        }),
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["legal_representative_ids".into()],
        }),
    })
    .await
    .unwrap()
    .into_inner()
    .person
    .unwrap()
    .etag
    .parse()
    .unwrap()
}

#[tokio::test]
async fn a_rebuilt_copy_lets_a_representative_evaluate_without_asking_the_registry() {
    let h = Harness::start().await;
    let mut op = h.registry_operator();
    let elsewhere = centre(&mut op, "Күннұр", 10).await.id;
    let centre = centre(&mut op, "Шуақ", 10).await.id;
    let parent = adult(&mut op, 1).await.id;
    let child = child(&mut op, 2, &parent).await;
    let first = admitted(&mut op, &child.id, &centre).await.id;
    let second = discharged(&mut op, &child.id, &elsewhere).await.id;
    // Waiting in a queue: no service received, so not in the copy.
    queued(&mut op, &parent, &centre).await;
    until(&h, EPISODE_KNOWN, &second, 1).await;
    until(&h, REPRESENTATIVES, &child.id, 1).await;
    emptied(&h).await;

    // In batches of two: the two admitted episodes, then the two persons in one batch.
    let done = rebuilt(&h, 2).await;
    assert_eq!(
        done,
        Rebuilt {
            episodes: 2,
            persons: 2
        }
    );
    let mut conn = h.db.connect().await;
    assert_eq!(scalar(&mut conn, EPISODE_KNOWN, &first).await, 1);
    assert_eq!(scalar(&mut conn, EPISODE_KNOWN, &second).await, 1);
    assert_eq!(scalar(&mut conn, REPRESENTATIVES, &child.id).await, 1);
    assert_eq!(scalar(&mut conn, PERSON_VERSION, &child.id).await, 1);
    assert_eq!(
        scalar(
            &mut conn,
            "SELECT state::bigint AS n FROM eligibility_episodes WHERE episode_id = $1::uuid",
            &second,
        )
        .await,
        pb::EpisodeState::Discharged as i64
    );

    // Decided from the rebuilt copy: the registry is not asked (it would have audited the
    // representative's read).
    let mut as_parent = h.citizen(&parent);
    submit(&mut as_parent, evaluation(&first, 5, ""))
        .await
        .unwrap();
    submit(&mut as_parent, evaluation(&second, 4, ""))
        .await
        .unwrap();
    assert_eq!(episode_reads(&h, &child.id).await, 0);
    assert_eq!(h.count("evaluations").await, 2);
}

#[tokio::test]
async fn a_revoked_representation_stays_revoked_after_a_rebuild_whatever_arrives_late() {
    let h = Harness::start().await;
    let mut op = h.registry_operator();
    let centre = centre(&mut op, "Шуақ", 10).await.id;
    let parent = adult(&mut op, 1).await.id;
    let child = child(&mut op, 2, &parent).await;
    let episode = admitted(&mut op, &child.id, &centre).await.id;
    let revoked_at = represented_by(&mut op, &child.id, &[]).await;
    until(&h, EPISODE_KNOWN, &episode, 1).await;
    until(&h, PERSON_VERSION, &child.id, revoked_at).await;
    emptied(&h).await;

    rebuilt(&h, 500).await;
    let mut conn = h.db.connect().await;
    assert_eq!(scalar(&mut conn, REPRESENTATIVES, &child.id).await, 0);
    assert_eq!(
        scalar(&mut conn, PERSON_VERSION, &child.id).await,
        revoked_at,
        "the copy knows the person is represented by nobody, at the revocation's version"
    );

    // The representation's event, delivered late (from before the revocation), brings nobody
    // back: the rebuilt copy holds a later version.
    let late = pb::LegalRepresentativesChanged {
        event_id: Uuid::now_v7().to_string(),
        person_id: child.id.clone(),
        representative_ids: vec![parent.clone()],
        version: 1,
        occur_time: None,
    };
    RegistryEvents
        .handle(&mut conn, &event(&late))
        .await
        .unwrap();
    assert_eq!(scalar(&mut conn, REPRESENTATIVES, &child.id).await, 0);

    let refused = submit(&mut h.citizen(&parent), evaluation(&episode, 5, ""))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
    assert_eq!(h.count("evaluations").await, 0);
    // The person themselves still evaluates, from the copy.
    submit(&mut h.citizen(&child.id), evaluation(&episode, 5, ""))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_batch_merges_with_the_copy_as_the_events_do() {
    let h = Harness::start().await;
    let mut conn = h.db.connect().await;
    let (person, centre, rep) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let episode = |id, state, admitted: bool, version| KnownEpisode {
        id,
        person_id: person,
        center_id: centre,
        state,
        admitted_on: admitted.then(|| chrono::NaiveDate::from_ymd_opt(2025, 6, 2).unwrap()),
        version,
    };
    let (held, fresh) = (Uuid::now_v7(), Uuid::now_v7());
    // The copy already holds a later discharge of one episode (an event applied during the
    // rebuild), and a later set of representatives.
    copy::apply_episode(
        &mut conn,
        episode(held, pb::EpisodeState::Discharged, false, 7),
    )
    .await
    .unwrap();
    copy::apply_representatives(&mut conn, person, &[], 5)
        .await
        .unwrap();

    copy::apply_episodes(
        &mut conn,
        &[
            episode(held, pb::EpisodeState::Admitted, true, 4),
            episode(fresh, pb::EpisodeState::Admitted, true, 3),
        ],
    )
    .await
    .unwrap();
    let other = Uuid::now_v7();
    copy::apply_representations(
        &mut conn,
        &[
            Representation {
                person_id: person,
                representatives: vec![rep],
                version: 4,
            },
            Representation {
                person_id: other,
                representatives: vec![rep, person],
                version: 2,
            },
        ],
    )
    .await
    .unwrap();

    let state = "SELECT state::bigint AS n FROM eligibility_episodes WHERE episode_id = $1::uuid";
    let version =
        "SELECT version::bigint AS n FROM eligibility_episodes WHERE episode_id = $1::uuid";
    // The later discharge stays; the older fact's admission date is kept beside it.
    assert_eq!(
        scalar(&mut conn, state, &held.to_string()).await,
        pb::EpisodeState::Discharged as i64
    );
    assert_eq!(scalar(&mut conn, version, &held.to_string()).await, 7);
    assert_eq!(scalar(&mut conn, EPISODE_KNOWN, &held.to_string()).await, 1);
    assert_eq!(
        scalar(&mut conn, EPISODE_KNOWN, &fresh.to_string()).await,
        1
    );
    // The older set of representatives changes nothing; the unknown person is taken whole.
    assert_eq!(
        scalar(&mut conn, REPRESENTATIVES, &person.to_string()).await,
        0
    );
    assert_eq!(
        scalar(&mut conn, PERSON_VERSION, &person.to_string()).await,
        5
    );
    assert_eq!(
        scalar(&mut conn, REPRESENTATIVES, &other.to_string()).await,
        2
    );

    // A later batch replaces both.
    copy::apply_representations(
        &mut conn,
        &[Representation {
            person_id: person,
            representatives: vec![rep],
            version: 6,
        }],
    )
    .await
    .unwrap();
    assert_eq!(
        scalar(&mut conn, REPRESENTATIVES, &person.to_string()).await,
        1
    );
}
