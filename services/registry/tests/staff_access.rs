//! Least access for a centre's staff, tried as an attacker would: a person's record opens to a
//! centre only while the person has a live tie to it (queued on a referral the centre did not
//! make, offered, admitted, or discharged at most `[access] staff_days_after_discharge` days
//! ago); another centre's staff, a referral of an arbitrary person id, an old discharge or a
//! withdrawn referral open nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Datelike, NaiveDate};
use common::*;
use onaltu_auth::Role;
use onaltu_proto::common::Date;
use onaltu_proto::registry::{self as pb, EpisodeEventKind as Kind, ServiceForm};
use tonic::Code;

fn proto(d: NaiveDate) -> Date {
    date(d.year(), d.month() as i32, d.day() as i32)
}

fn days_ago(n: u64) -> NaiveDate {
    onaltu_api::today()
        .checked_sub_days(chrono::Days::new(n))
        .unwrap()
}

/// Every read that reaches a person, as `c` calls it; the codes in order.
async fn reads(c: &mut Client, person: &pb::Person, episode: &str) -> Vec<(&'static str, Code)> {
    let code = |r: Result<(), tonic::Status>| r.map_or_else(|s| s.code(), |()| Code::Ok);
    let p = person.id.clone();
    vec![
        (
            "GetPerson",
            code(
                c.get_person(pb::GetPersonRequest { id: p.clone() })
                    .await
                    .map(drop),
            ),
        ),
        (
            "FindPersonByIin",
            code(
                c.find_person_by_iin(pb::FindPersonByIinRequest {
                    iin: person.iin.clone(),
                })
                .await
                .map(drop),
            ),
        ),
        (
            "ListAssessments",
            code(
                c.list_assessments(pb::ListAssessmentsRequest {
                    person_id: p.clone(),
                    ..Default::default()
                })
                .await
                .map(drop),
            ),
        ),
        (
            "GetHousehold",
            code(
                c.get_household(pb::GetHouseholdRequest {
                    person_id: p.clone(),
                })
                .await
                .map(drop),
            ),
        ),
        (
            "GetEpisode",
            code(
                c.get_episode(pb::GetEpisodeRequest { id: episode.into() })
                    .await
                    .map(drop),
            ),
        ),
        (
            "GetQueuePosition",
            code(
                c.get_queue_position(pb::GetQueuePositionRequest {
                    episode_id: episode.into(),
                })
                .await
                .map(drop),
            ),
        ),
        (
            "CheckTransportEligibility",
            code(
                c.check_transport_eligibility(pb::CheckTransportEligibilityRequest {
                    person_id: p,
                    travel_date: None,
                })
                .await
                .map(drop),
            ),
        ),
    ]
}

fn refused_everywhere(got: &[(&str, Code)]) {
    for (rpc, code) in got {
        assert_eq!(*code, Code::PermissionDenied, "{rpc}");
    }
}

/// The episodes `c` lists (its own centre's), by id.
async fn listed(c: &mut Client) -> Vec<String> {
    c.list_episodes(pb::ListEpisodesRequest::default())
        .await
        .unwrap()
        .into_inner()
        .episodes
        .into_iter()
        .map(|e| e.id)
        .collect()
}

async fn household_of(op: &mut Client, person: &str) {
    op.upsert_household(pb::UpsertHouseholdRequest {
        request_id: String::new(),
        household: Some(pb::Household {
            members: vec![pb::HouseholdMember {
                person_id: person.into(),
                relation: pb::HouseholdRelation::Child as i32,
                has_disability: true,
                ..Default::default()
            }],
            special_needs_children_count: 1,
            ..Default::default()
        }),
        update_mask: None,
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn staff_of_another_centre_reach_nothing_of_a_person_waiting_elsewhere() {
    let h = Harness::start().await;
    let mut op = h.operator();
    let person = create_person(
        &mut op,
        pb::Person {
            current_assessment: Some(child_assessment()),
            ..child(1)
        },
    )
    .await;
    household_of(&mut op, &person.id).await;
    let a = create_center(&mut op, center("А орталығы", 10)).await.id;
    let b = create_center(&mut op, center("Б орталығы", 10)).await.id;
    let e = enqueue(
        &mut op,
        &person.id,
        &a,
        ServiceForm::Stationary,
        date(2025, 3, 1),
    )
    .await
    .id;

    let mut staff_a = h.staff(&a);
    for (rpc, code) in reads(&mut staff_a, &person, &e).await {
        assert_eq!(code, Code::Ok, "the centre the person waits at: {rpc}");
    }
    let mut staff_b = h.staff(&b);
    refused_everywhere(&reads(&mut staff_b, &person, &e).await);
    let asked = staff_b
        .list_episodes(pb::ListEpisodesRequest {
            center_id: a.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(asked.code(), Code::PermissionDenied);
    assert!(listed(&mut staff_b).await.is_empty());

    // Each refused read of the record is in the audit trail, with who tried.
    let trail = h
        .as_role(Role::Auditor)
        .list_audit_events(pb::ListAuditEventsRequest {
            person_id: person.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .audit_events;
    let refused: Vec<_> = trail.iter().filter(|e| !e.allowed).collect();
    assert_eq!(refused.len(), 7, "{refused:?}");
    assert!(
        refused
            .iter()
            .all(|e| e.actor_subject == format!("staff-{b}"))
    );
}

#[tokio::test]
async fn staff_cannot_refer_an_arbitrary_person_to_open_their_record() {
    let h = Harness::start().await;
    let mut op = h.operator();
    let victim = create_person(&mut op, child(2)).await;
    let a = create_center(&mut op, center("А орталығы", 10)).await.id;
    let mut staff = h.staff(&a);
    let before = h.count("episodes").await;
    let refused = enqueue_as(&mut staff, &victim.id, &a).await.unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    assert!(!refused.message().contains(&victim.id));
    assert_eq!(h.count("episodes").await, before, "no episode was written");
    let read = staff
        .get_person(pb::GetPersonRequest {
            id: victim.id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(read.code(), Code::PermissionDenied);
    // The city office refers; then, and only then, the centre sees the person.
    enqueue_as(&mut op, &victim.id, &a).await.unwrap();
    staff
        .get_person(pb::GetPersonRequest {
            id: victim.id.clone(),
        })
        .await
        .unwrap();
}

async fn enqueue_as(
    c: &mut Client,
    person: &str,
    center: &str,
) -> Result<pb::Episode, tonic::Status> {
    c.enqueue_referral(pb::EnqueueReferralRequest {
        request_id: uuid::Uuid::now_v7().to_string(),
        referral: Some(pb::Referral {
            person_id: person.into(),
            center_id: center.into(),
            service_form: ServiceForm::Stationary as i32,
            referral_date: Some(date(2025, 3, 1)),
            referral_number: "ЖОБ-7".into(),
            ..Default::default()
        }),
    })
    .await
    .map(|r| r.into_inner().episode.unwrap())
}

/// Takes `person` through `center`'s queue: referred 200 days ago, admitted 150 days ago,
/// discharged `ago` days ago. Answers the episode id.
async fn stay(op: &mut Client, person: &str, center: &str, ago: u64) -> String {
    let e = enqueue(
        op,
        person,
        center,
        ServiceForm::Stationary,
        proto(days_ago(200)),
    )
    .await
    .id;
    op.offer_place(pb::OfferPlaceRequest {
        request_id: uuid::Uuid::now_v7().to_string(),
        center_id: center.into(),
        service_form: ServiceForm::Stationary as i32,
        episode_id: e.clone(),
        arrival_due_date: Some(proto(days_ago(160))),
        order_number: "№1".into(),
    })
    .await
    .unwrap();
    op.admit_person(pb::AdmitPersonRequest {
        request_id: uuid::Uuid::now_v7().to_string(),
        episode_id: e.clone(),
        admitted_on: Some(proto(days_ago(150))),
        order_number: "№2".into(),
    })
    .await
    .unwrap();
    op.record_episode_event(pb::RecordEpisodeEventRequest {
        request_id: uuid::Uuid::now_v7().to_string(),
        episode_id: e.clone(),
        event: Some(pb::EpisodeEvent {
            kind: Kind::Discharged as i32,
            event_date: Some(proto(days_ago(ago))),
            discharge_outcome: pb::DischargeOutcome::Improved as i32,
            order_number: "№3".into(),
            ..Default::default()
        }),
    })
    .await
    .unwrap();
    e
}

#[tokio::test]
async fn a_discharge_91_days_ago_no_longer_opens_the_record_and_90_days_ago_still_does() {
    let h = Harness::start().await;
    let mut op = h.operator();
    let recent = create_person(&mut op, child(3)).await;
    let old = create_person(&mut op, child(4)).await;
    household_of(&mut op, &recent.id).await;
    household_of(&mut op, &old.id).await;
    let a = create_center(&mut op, center("А орталығы", 10)).await.id;
    let recent_episode = stay(&mut op, &recent.id, &a, 90).await;
    let old_episode = stay(&mut op, &old.id, &a, 91).await;

    let mut staff = h.staff(&a);
    for (rpc, code) in reads(&mut staff, &recent, &recent_episode).await {
        // The queue position of an ended episode is still answered; the record is what counts.
        assert_eq!(code, Code::Ok, "discharged 90 days ago: {rpc}");
    }
    refused_everywhere(&reads(&mut staff, &old, &old_episode).await);
    assert_eq!(
        listed(&mut staff).await,
        [recent_episode],
        "the centre's list holds only the persons it may see"
    );

    // The period is the setting's.
    let longer = Harness::start_with(|s| s.access.staff_days_after_discharge = 120).await;
    let mut op = longer.operator();
    let old = create_person(&mut op, child(4)).await;
    let a = create_center(&mut op, center("А орталығы", 10)).await.id;
    let e = stay(&mut op, &old.id, &a, 91).await;
    let mut staff = longer.staff(&a);
    staff
        .get_person(pb::GetPersonRequest { id: old.id.clone() })
        .await
        .unwrap();
    assert_eq!(listed(&mut staff).await, [e]);
}

#[tokio::test]
async fn a_withdrawn_referral_closes_the_record_at_once() {
    let h = Harness::start().await;
    let mut op = h.operator();
    let person = create_person(&mut op, child(5)).await;
    let a = create_center(&mut op, center("А орталығы", 10)).await.id;
    let e = enqueue(
        &mut op,
        &person.id,
        &a,
        ServiceForm::Stationary,
        date(2025, 3, 1),
    )
    .await
    .id;
    let mut staff = h.staff(&a);
    staff
        .get_person(pb::GetPersonRequest {
            id: person.id.clone(),
        })
        .await
        .unwrap();
    op.record_episode_event(pb::RecordEpisodeEventRequest {
        request_id: String::new(),
        episode_id: e.clone(),
        event: Some(pb::EpisodeEvent {
            kind: Kind::Terminated as i32,
            event_date: Some(date(2025, 4, 1)),
            reason: "referral withdrawn".into(),
            ..Default::default()
        }),
    })
    .await
    .unwrap();
    let refused = staff
        .get_person(pb::GetPersonRequest {
            id: person.id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    let refused = staff
        .get_episode(pb::GetEpisodeRequest { id: e })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    assert!(listed(&mut staff).await.is_empty());
}

#[tokio::test]
async fn a_referral_the_centre_made_itself_opens_nothing_until_a_place_is_offered() {
    // Referrals made by a centre's own staff before centres stopped referring are marked by a
    // migration from the audit trail; such a referral opens nothing while it waits.
    let h = Harness::start().await;
    let mut op = h.operator();
    let person = create_person(&mut op, child(6)).await;
    let a = create_center(&mut op, center("А орталығы", 10)).await.id;
    let e = enqueue(
        &mut op,
        &person.id,
        &a,
        ServiceForm::Stationary,
        date(2025, 3, 1),
    )
    .await
    .id;
    {
        use diesel_async::RunQueryDsl;
        let mut conn = h.db.connect().await;
        diesel::sql_query("UPDATE episodes SET referred_by_center = TRUE WHERE id = $1::uuid")
            .bind::<diesel::sql_types::Text, _>(&e)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let mut staff = h.staff(&a);
    let refused = staff
        .get_person(pb::GetPersonRequest {
            id: person.id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    assert!(listed(&mut staff).await.is_empty());
    // An offer is the centre's real tie to the person.
    op.offer_place(pb::OfferPlaceRequest {
        request_id: String::new(),
        center_id: a.clone(),
        service_form: ServiceForm::Stationary as i32,
        episode_id: e.clone(),
        arrival_due_date: Some(date(2025, 6, 1)),
        order_number: "№1".into(),
    })
    .await
    .unwrap();
    staff
        .get_person(pb::GetPersonRequest {
            id: person.id.clone(),
        })
        .await
        .unwrap();
    assert_eq!(listed(&mut staff).await, [e]);
}
