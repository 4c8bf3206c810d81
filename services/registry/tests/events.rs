//! The registry's events: each written through the outbox in the transaction of its change
//! (so a refused or repeated change writes none), relayed to the `registry.episodes` stream,
//! and carrying no personal data.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use diesel_async::RunQueryDsl;
use onaltu_proto::registry::{self as pb, EpisodeEventKind as Kind, ServiceForm};
use prost::Message as _;
use tonic::Code;

#[derive(diesel::QueryableByName)]
struct Outboxed {
    #[diesel(sql_type = diesel::sql_types::Text)]
    event_type: String,
    #[diesel(sql_type = diesel::sql_types::Binary)]
    payload: Vec<u8>,
}

/// The events waiting or sent on the episodes stream.
async fn outbox(h: &Harness) -> Vec<Outboxed> {
    on_stream(h, "registry.episodes").await
}

async fn on_stream(h: &Harness, stream: &str) -> Vec<Outboxed> {
    let mut conn = h.db.connect().await;
    diesel::sql_query(
        "SELECT event_type, payload FROM outbox_events WHERE stream = $1 ORDER BY seq",
    )
    .bind::<diesel::sql_types::Text, _>(stream)
    .load(&mut conn)
    .await
    .unwrap()
}

fn admit(episode: &str, request_id: &str) -> pb::AdmitPersonRequest {
    pb::AdmitPersonRequest {
        request_id: request_id.into(),
        episode_id: episode.into(),
        admitted_on: Some(date(2025, 6, 2)),
        order_number: "№13".into(),
    }
}

async fn offered(op: &mut Client, center: &str, episode: &str) {
    op.offer_place(pb::OfferPlaceRequest {
        request_id: uuid::Uuid::now_v7().to_string(),
        center_id: center.into(),
        service_form: ServiceForm::Stationary as i32,
        episode_id: episode.into(),
        arrival_due_date: Some(date(2025, 6, 1)),
        order_number: "№12".into(),
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn admissions_and_discharges_are_announced_in_their_own_transaction() {
    let h = Harness::start().await;
    let mut op = h.operator();
    let first = child(1);
    let (iin, surname) = (first.iin.clone(), first.surname.clone());
    let a = create_person(&mut op, first).await;
    let b = create_person(&mut op, child(2)).await;
    let centre = create_center(&mut op, center("Бір орындық орталық", 1)).await;
    let ea = enqueue(
        &mut op,
        &a.id,
        &centre.id,
        ServiceForm::Stationary,
        date(2025, 3, 1),
    )
    .await;
    let eb = enqueue(
        &mut op,
        &b.id,
        &centre.id,
        ServiceForm::Stationary,
        date(2025, 3, 2),
    )
    .await;
    assert!(outbox(&h).await.is_empty(), "queueing announces nothing");

    offered(&mut op, &centre.id, &ea.id).await;
    op.admit_person(admit(&ea.id, "0190a000-0000-7000-8000-00000000000a"))
        .await
        .unwrap();
    // A retry of the same admission changes nothing, so it announces nothing either.
    op.admit_person(admit(&ea.id, "0190a000-0000-7000-8000-00000000000a"))
        .await
        .unwrap();
    let events = outbox(&h).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_type, "onaltu.registry.v1.EpisodeAdmitted");
    let admitted = pb::EpisodeAdmitted::decode(events[0].payload.as_slice()).unwrap();
    assert_eq!(admitted.episode_id, ea.id);
    assert_eq!(admitted.center_id, centre.id);
    assert_eq!(admitted.person_id, a.id);
    assert_eq!(admitted.wait_days, 93, "1 March to 2 June 2025");
    assert_eq!(admitted.event_id.len(), 36);

    // The one bed is taken: the second admission is refused and its transaction, event
    // included, rolls back.
    let _ = op
        .offer_place(pb::OfferPlaceRequest {
            request_id: uuid::Uuid::now_v7().to_string(),
            center_id: centre.id.clone(),
            service_form: ServiceForm::Stationary as i32,
            episode_id: eb.id.clone(),
            arrival_due_date: Some(date(2025, 6, 1)),
            order_number: "№12".into(),
        })
        .await;
    let refused = op
        .admit_person(admit(&eb.id, "0190a000-0000-7000-8000-00000000000b"))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert_eq!(
        outbox(&h).await.len(),
        1,
        "a refused admission announced something"
    );

    op.record_episode_event(pb::RecordEpisodeEventRequest {
        request_id: uuid::Uuid::now_v7().to_string(),
        episode_id: ea.id.clone(),
        event: Some(pb::EpisodeEvent {
            kind: Kind::Discharged as i32,
            event_date: Some(date(2025, 6, 20)),
            discharge_outcome: pb::DischargeOutcome::Improved as i32,
            ..Default::default()
        }),
    })
    .await
    .unwrap();
    let events = outbox(&h).await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].event_type, "onaltu.registry.v1.EpisodeDischarged");
    let discharged = pb::EpisodeDischarged::decode(events[1].payload.as_slice()).unwrap();
    assert_eq!(discharged.episode_id, ea.id);
    assert_eq!(discharged.outcome, pb::DischargeOutcome::Improved as i32);
    assert_eq!(discharged.discharged_on, Some(date(2025, 6, 20)));

    for e in &events {
        let text = String::from_utf8_lossy(&e.payload);
        assert!(
            !text.contains(&iin) && !text.contains(&surname),
            "personal data in an event"
        );
    }

    // The relay publishes both to the stream the other services read.
    let client = redis::Client::open(h.redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let mut len = 0;
    for _ in 0..100 {
        len = redis::cmd("XLEN")
            .arg("registry.episodes")
            .query_async::<i64>(&mut conn)
            .await
            .unwrap();
        if len == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(len, 2, "both events on registry.episodes");
}

#[tokio::test]
async fn registrations_and_centre_changes_are_announced_in_their_own_transaction() {
    let h = Harness::start().await;
    let mut op = h.operator();
    let p = child(31);
    let (iin, surname) = (p.iin.clone(), p.surname.clone());
    let person = create_person(&mut op, p.clone()).await;
    let persons = on_stream(&h, "registry.persons").await;
    assert_eq!(persons.len(), 1);
    assert_eq!(persons[0].event_type, "onaltu.registry.v1.PersonRegistered");
    let registered = pb::PersonRegistered::decode(persons[0].payload.as_slice()).unwrap();
    assert_eq!(registered.person_id, person.id);
    assert_eq!(registered.region_code, "KZ-71");
    assert!(registered.registered_on.is_some());
    let raw = String::from_utf8_lossy(&persons[0].payload).to_string();
    assert!(
        !raw.contains(&iin) && !raw.contains(&surname),
        "nothing personal"
    );

    // A refused registration (the IIN is taken) announces nothing.
    let again = op
        .create_person(pb::CreatePersonRequest {
            request_id: uuid::Uuid::now_v7().to_string(),
            person: Some(p),
        })
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::AlreadyExists);
    assert_eq!(on_stream(&h, "registry.persons").await.len(), 1);

    // A centre registered, then changed.
    let centre = create_center(&mut op, center("Жаңа орталық", 12)).await;
    let mut changed = centre.clone();
    changed.capacity = Some(pb::Capacity {
        beds: Some(20),
        places: None,
        admissions_per_month: None,
    });
    op.update_center(pb::UpdateCenterRequest {
        center: Some(changed),
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["capacity".into()],
        }),
    })
    .await
    .unwrap();
    let centres = on_stream(&h, "registry.centers").await;
    assert_eq!(centres.len(), 2);
    let created = pb::CenterUpdated::decode(centres[0].payload.as_slice()).unwrap();
    let updated = pb::CenterUpdated::decode(centres[1].payload.as_slice()).unwrap();
    assert_eq!(
        (created.center_id.as_str(), created.created, created.beds),
        (centre.id.as_str(), true, Some(12))
    );
    assert_eq!(
        (updated.created, updated.beds, updated.version),
        (false, Some(20), created.version + 1)
    );
    assert!(on_stream(&h, "registry.episodes").await.is_empty());
}
