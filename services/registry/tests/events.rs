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

/// The representation events, oldest first.
async fn representations(h: &Harness) -> Vec<pb::LegalRepresentativesChanged> {
    on_stream(h, "registry.representatives")
        .await
        .into_iter()
        .map(|e| {
            assert_eq!(
                e.event_type,
                "onaltu.registry.v1.LegalRepresentativesChanged"
            );
            pb::LegalRepresentativesChanged::decode(e.payload.as_slice()).unwrap()
        })
        .collect()
}

/// Names `reps` (and, when given, a district) as `person`'s in one UpdatePerson.
async fn update_representatives(
    op: &mut Client,
    person: &str,
    reps: &[&str],
    district: Option<&str>,
) -> Result<pb::Person, tonic::Status> {
    let mut paths = vec!["legal_representative_ids".to_string()];
    paths.extend(district.map(|_| "district".to_string()));
    op.update_person(pb::UpdatePersonRequest {
        person: Some(pb::Person {
            id: person.into(),
            legal_representative_ids: reps.iter().map(|r| r.to_string()).collect(),
            district: district.unwrap_or_default().into(),
            ..Default::default()
        }),
        update_mask: Some(prost_types::FieldMask { paths }),
    })
    .await
    .map(|r| r.into_inner().person.unwrap())
}

#[tokio::test]
async fn a_change_of_legal_representatives_is_announced_and_naming_the_same_ones_again_is_not() {
    let h = Harness::start().await;
    let mut op = h.operator();
    let mother = create_person(&mut op, adult(41)).await.id;
    let father = create_person(&mut op, adult(42)).await.id;
    create_person(&mut op, child(43)).await;
    assert!(
        representations(&h).await.is_empty(),
        "a person registered without representatives announces none"
    );

    // Registered with a representative: announced, at the version registered.
    let p = pb::Person {
        legal_representative_ids: vec![mother.clone()],
        ..child(44)
    };
    let (iin, surname) = (p.iin.clone(), p.surname.clone());
    let person = create_person(&mut op, p).await;
    let events = representations(&h).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].person_id, person.id);
    assert_eq!(events[0].representative_ids, [mother.as_str()]);
    assert_eq!(events[0].version.to_string(), person.etag);
    assert_eq!(events[0].event_id.len(), 36);

    // The same representative named again, alone or beside another field: the record changes
    // (its version too), the representation does not, and nothing is announced.
    let same = update_representatives(&mut op, &person.id, &[&mother], None)
        .await
        .unwrap();
    assert_ne!(same.etag, person.etag);
    update_representatives(&mut op, &person.id, &[&mother], Some("Сарыарқа"))
        .await
        .unwrap();
    assert_eq!(representations(&h).await.len(), 1);

    // A refused change (an unknown representative) announces nothing.
    let unknown = uuid::Uuid::now_v7().to_string();
    let refused = update_representatives(&mut op, &person.id, &[&mother, &unknown], None)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert_eq!(representations(&h).await.len(), 1);

    // A second representative: the whole set is announced at the record's new version; the
    // same two in the other order are no change.
    let both = update_representatives(&mut op, &person.id, &[&father, &mother], None)
        .await
        .unwrap();
    update_representatives(&mut op, &person.id, &[&mother, &father], None)
        .await
        .unwrap();
    let events = representations(&h).await;
    assert_eq!(events.len(), 2);
    let mut announced = events[1].representative_ids.clone();
    announced.sort();
    let mut expected = vec![mother.clone(), father.clone()];
    expected.sort();
    assert_eq!(announced, expected);
    assert_eq!(events[1].version.to_string(), both.etag);

    // Every representation removed: announced as an empty set.
    let none = update_representatives(&mut op, &person.id, &[], None)
        .await
        .unwrap();
    let events = representations(&h).await;
    assert_eq!(events.len(), 3);
    assert!(events[2].representative_ids.is_empty());
    assert_eq!(events[2].version.to_string(), none.etag);
    assert!(events.windows(2).all(|w| w[0].version < w[1].version));

    for e in on_stream(&h, "registry.representatives").await {
        let text = String::from_utf8_lossy(&e.payload);
        assert!(
            !text.contains(&iin) && !text.contains(&surname),
            "personal data in an event"
        );
    }
}
