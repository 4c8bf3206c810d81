//! The role x RPC matrix of API.md: every RPC of the registry called by every role (and
//! without a token), on the caller's own object and on another's; and the audit trail it leaves.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use onaltu_auth::Role;
use onaltu_proto::common::{Period, PeriodKind};
use onaltu_proto::registry as pb;
use tonic::Code;

struct World {
    h: Harness,
    person: pb::Person,
    representative: pb::Person,
    other: pb::Person,
    center_a: String,
    center_b: String,
    episode: String,
}

async fn world() -> World {
    let h = Harness::start().await;
    let mut op = h.operator();
    let representative = create_person(&mut op, adult(2)).await;
    let person = create_person(
        &mut op,
        pb::Person {
            legal_representative_ids: vec![representative.id.clone()],
            current_assessment: Some(child_assessment()),
            ..child(1)
        },
    )
    .await;
    let other = create_person(&mut op, child(3)).await;
    let center_a = create_center(&mut op, center("А орталығы", 10)).await.id;
    let center_b = create_center(&mut op, center("Б орталығы", 10)).await.id;
    // The person waits at centre A on the city office's referral: a live tie to A.
    let episode = enqueue(
        &mut op,
        &person.id,
        &center_a,
        pb::ServiceForm::Stationary,
        date(2025, 1, 10),
    )
    .await
    .id;
    op.upsert_household(household(Some(&person.id)))
        .await
        .unwrap();
    World {
        h,
        person,
        representative,
        other,
        center_a,
        center_b,
        episode,
    }
}

/// A household with the person (if any) as its child.
fn household(child: Option<&str>) -> pb::UpsertHouseholdRequest {
    pb::UpsertHouseholdRequest {
        request_id: String::new(),
        household: Some(pb::Household {
            members: vec![pb::HouseholdMember {
                person_id: child.unwrap_or_default().into(),
                full_name: if child.is_some() {
                    ""
                } else {
                    "Ахметова Гүлнар"
                }
                .into(),
                relation: pb::HouseholdRelation::Child as i32,
                has_disability: true,
                ..Default::default()
            }],
            special_needs_children_count: 1,
            ..Default::default()
        }),
        update_mask: None,
    }
}

/// Every RPC of the registry, reads first, then writes in an order where each leaves the
/// world as the next needs it (the episode is offered, postponed, admitted, then on leave).
#[derive(Clone, Copy, Debug)]
enum Rpc {
    GetPerson,
    FindPersonByIin,
    ListAssessments,
    GetHousehold,
    GetEpisode,
    GetQueuePosition,
    ListEpisodes,
    ListPersons,
    ListQueue,
    GetCenter,
    ListCenters,
    CheckTransportEligibility,
    GetCenterIndicators,
    GetStatistics,
    ListAuditEvents,
    StreamEligibilityFacts,
    CreatePerson,
    UpdatePerson,
    ImportPersons,
    RecordAssessment,
    UpsertHousehold,
    SetEducationStatus,
    CreateCenter,
    UpdateCenter,
    ImportCenters,
    EnqueueReferral,
    OfferPlace,
    PostponeArrival,
    AdmitPerson,
    RecordEpisodeEvent,
}

async fn read(w: &World, rpc: Rpc, c: &mut Client) -> Result<(), tonic::Status> {
    let p = w.person.id.clone();
    match rpc {
        Rpc::GetPerson => c.get_person(pb::GetPersonRequest { id: p }).await.map(drop),
        Rpc::FindPersonByIin => c
            .find_person_by_iin(pb::FindPersonByIinRequest {
                iin: w.person.iin.clone(),
            })
            .await
            .map(drop),
        Rpc::ListAssessments => c
            .list_assessments(pb::ListAssessmentsRequest {
                person_id: p,
                ..Default::default()
            })
            .await
            .map(drop),
        Rpc::GetHousehold => c
            .get_household(pb::GetHouseholdRequest { person_id: p })
            .await
            .map(drop),
        Rpc::GetEpisode => c
            .get_episode(pb::GetEpisodeRequest {
                id: w.episode.clone(),
            })
            .await
            .map(drop),
        Rpc::GetQueuePosition => c
            .get_queue_position(pb::GetQueuePositionRequest {
                episode_id: w.episode.clone(),
            })
            .await
            .map(drop),
        Rpc::ListEpisodes => c
            .list_episodes(pb::ListEpisodesRequest {
                person_id: p,
                center_id: w.center_a.clone(),
                ..Default::default()
            })
            .await
            .map(drop),
        Rpc::ListPersons => c
            .list_persons(pb::ListPersonsRequest::default())
            .await
            .map(drop),
        Rpc::ListQueue => c
            .list_queue(pb::ListQueueRequest {
                center_id: w.center_a.clone(),
                ..Default::default()
            })
            .await
            .map(drop),
        Rpc::GetCenter => c
            .get_center(pb::GetCenterRequest {
                id: w.center_a.clone(),
            })
            .await
            .map(drop),
        Rpc::ListCenters => c
            .list_centers(pb::ListCentersRequest::default())
            .await
            .map(drop),
        Rpc::CheckTransportEligibility => c
            .check_transport_eligibility(with_purpose(
                pb::CheckTransportEligibilityRequest {
                    person_id: p,
                    travel_date: None,
                },
                "invataxi trip for dispatcher disp-1",
            ))
            .await
            .map(drop),
        Rpc::GetCenterIndicators => c
            .get_center_indicators(pb::GetCenterIndicatorsRequest {
                center_id: w.center_a.clone(),
                period: Some(Period {
                    year: 2025,
                    kind: PeriodKind::Quarter as i32,
                    number: 1,
                }),
            })
            .await
            .map(drop),
        Rpc::GetStatistics => c
            .get_statistics(pb::GetStatisticsRequest::default())
            .await
            .map(drop),
        Rpc::ListAuditEvents => c
            .list_audit_events(pb::ListAuditEventsRequest {
                person_id: p,
                ..Default::default()
            })
            .await
            .map(drop),
        Rpc::StreamEligibilityFacts => {
            let mut facts = c
                .stream_eligibility_facts(pb::StreamEligibilityFactsRequest::default())
                .await?
                .into_inner();
            while facts.message().await?.is_some() {}
            Ok(())
        }
        other => write_person(w, other, c).await,
    }
}

async fn write_person(w: &World, rpc: Rpc, c: &mut Client) -> Result<(), tonic::Status> {
    let p = w.person.id.clone();
    match rpc {
        Rpc::CreatePerson => c
            .create_person(pb::CreatePersonRequest {
                request_id: String::new(),
                person: Some(child(99)),
            })
            .await
            .map(drop),
        Rpc::UpdatePerson => c
            .update_person(pb::UpdatePersonRequest {
                person: Some(pb::Person {
                    id: p,
                    district: "Сарыарқа".into(),
                    ..Default::default()
                }),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["district".into()],
                }),
            })
            .await
            .map(drop),
        Rpc::ImportPersons => c
            .import_persons(tokio_stream::iter(Vec::<pb::ImportPersonsRequest>::new()))
            .await
            .map(drop),
        Rpc::RecordAssessment => c
            .record_assessment(pb::RecordAssessmentRequest {
                request_id: String::new(),
                person_id: p,
                assessment: Some(child_assessment()),
            })
            .await
            .map(drop),
        Rpc::UpsertHousehold => c.upsert_household(household(None)).await.map(drop),
        Rpc::SetEducationStatus => c
            .set_education_status(pb::SetEducationStatusRequest {
                person_id: p,
                education: Some(pb::ChildEducation {
                    status: pb::EducationStatus::AtSchool as i32,
                    ..Default::default()
                }),
            })
            .await
            .map(drop),
        other => write_center(w, other, c).await,
    }
}

async fn write_center(w: &World, rpc: Rpc, c: &mut Client) -> Result<(), tonic::Status> {
    match rpc {
        Rpc::CreateCenter => c
            .create_center(pb::CreateCenterRequest {
                request_id: String::new(),
                center: Some(center("Жаңа", 5)),
            })
            .await
            .map(drop),
        Rpc::UpdateCenter => c
            .update_center(pb::UpdateCenterRequest {
                center: Some(pb::Center {
                    id: w.center_a.clone(),
                    website: "https://a.kz".into(),
                    ..Default::default()
                }),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["website".into()],
                }),
            })
            .await
            .map(drop),
        Rpc::ImportCenters => c
            .import_centers(tokio_stream::iter(Vec::<pb::ImportCentersRequest>::new()))
            .await
            .map(drop),
        other => write_episode(w, other, c).await,
    }
}

async fn write_episode(w: &World, rpc: Rpc, c: &mut Client) -> Result<(), tonic::Status> {
    let (e, request_id) = (w.episode.clone(), uuid::Uuid::now_v7().to_string());
    match rpc {
        Rpc::EnqueueReferral => c
            .enqueue_referral(pb::EnqueueReferralRequest {
                request_id,
                referral: Some(pb::Referral {
                    person_id: w.person.id.clone(),
                    center_id: w.center_a.clone(),
                    service_form: pb::ServiceForm::SemiStationary as i32,
                    referral_date: Some(date(2025, 1, 11)),
                    referral_number: "ЖОБ-2".into(),
                    ..Default::default()
                }),
            })
            .await
            .map(drop),
        Rpc::OfferPlace => c
            .offer_place(pb::OfferPlaceRequest {
                request_id,
                center_id: w.center_a.clone(),
                service_form: pb::ServiceForm::Stationary as i32,
                episode_id: String::new(),
                arrival_due_date: Some(date(2025, 6, 1)),
                order_number: "№12".into(),
            })
            .await
            .map(drop),
        Rpc::PostponeArrival => c
            .postpone_arrival(pb::PostponeArrivalRequest {
                request_id,
                episode_id: e,
                arrival_due_date: Some(date(2025, 6, 20)),
                reason: "ауырып қалды".into(),
                order_number: "№15".into(),
            })
            .await
            .map(drop),
        Rpc::AdmitPerson => c
            .admit_person(pb::AdmitPersonRequest {
                request_id,
                episode_id: e,
                admitted_on: Some(date(2025, 6, 20)),
                order_number: "№13".into(),
            })
            .await
            .map(drop),
        Rpc::RecordEpisodeEvent => c
            .record_episode_event(pb::RecordEpisodeEventRequest {
                request_id,
                episode_id: e,
                event: Some(pb::EpisodeEvent {
                    kind: pb::EpisodeEventKind::TemporaryLeave as i32,
                    event_date: Some(date(2025, 7, 1)),
                    order_number: "№14".into(),
                    ..Default::default()
                }),
            })
            .await
            .map(drop),
        other => panic!("{other:?} is not a write of an episode"),
    }
}

/// The answer as far as access goes: OK when the caller was let through (a repeated write
/// answering ALREADY_EXISTS or FAILED_PRECONDITION was let through too).
async fn call(w: &World, rpc: Rpc, c: &mut Client) -> Code {
    match read(w, rpc, c).await {
        Ok(()) => Code::Ok,
        Err(s) if matches!(s.code(), Code::AlreadyExists | Code::FailedPrecondition) => Code::Ok,
        Err(s) => s.code(),
    }
}

#[tokio::test]
async fn the_role_matrix_holds_for_every_rpc() {
    let w = world().await;
    use Code::{Ok as OK, PermissionDenied as DENY, Unauthenticated as UNAUTH};
    let callers: Vec<(&str, Client)> = vec![
        ("anonymous", w.h.anonymous()),
        ("citizen self", w.h.citizen(&w.person.id)),
        ("representative", w.h.citizen(&w.representative.id)),
        ("citizen other", w.h.citizen(&w.other.id)),
        ("staff of the centre", w.h.staff(&w.center_a)),
        ("staff elsewhere", w.h.staff(&w.center_b)),
        ("operator", w.h.as_role(Role::CityOperator)),
        ("dispatcher", w.h.as_role(Role::Dispatcher)),
        ("driver", w.h.as_role(Role::Driver)),
        ("auditor", w.h.as_role(Role::Auditor)),
        ("integration", w.h.as_role(Role::Integration)),
        ("transport service", w.h.transport_service()),
        ("feedback service", w.h.feedback_service()),
        ("admin", w.h.as_role(Role::Admin)),
    ];
    // Columns follow `callers`. Staff of the centre see the person while the person waits
    // there; a dispatcher never reads eligibility directly, the transport service does. The
    // feedback service in its own name is an INTEGRATION like any other, except for the facts of
    // who may evaluate which episode, which are its alone.
    let person_read = [
        UNAUTH, OK, OK, DENY, OK, DENY, OK, DENY, DENY, OK, DENY, DENY, DENY, OK,
    ];
    let city_write = [
        UNAUTH, DENY, DENY, DENY, DENY, DENY, OK, DENY, DENY, DENY, DENY, DENY, DENY, OK,
    ];
    let centre_write = [
        UNAUTH, DENY, DENY, DENY, OK, DENY, OK, DENY, DENY, DENY, DENY, DENY, DENY, OK,
    ];
    let matrix: Vec<(Rpc, [Code; 14])> = vec![
        (Rpc::GetPerson, person_read),
        (Rpc::FindPersonByIin, person_read),
        (Rpc::ListAssessments, person_read),
        (Rpc::GetHousehold, person_read),
        (Rpc::GetEpisode, person_read),
        (Rpc::GetQueuePosition, person_read),
        (Rpc::ListEpisodes, person_read),
        (
            Rpc::ListPersons,
            [
                UNAUTH, DENY, DENY, DENY, DENY, DENY, OK, DENY, DENY, OK, DENY, DENY, DENY, OK,
            ],
        ),
        (
            Rpc::ListQueue,
            [
                UNAUTH, DENY, DENY, DENY, OK, DENY, OK, DENY, DENY, OK, DENY, DENY, DENY, OK,
            ],
        ),
        (Rpc::GetCenter, [OK; 14]),
        (Rpc::ListCenters, [OK; 14]),
        (
            Rpc::CheckTransportEligibility,
            [
                UNAUTH, OK, OK, DENY, OK, DENY, OK, DENY, DENY, OK, DENY, OK, DENY, OK,
            ],
        ),
        (
            Rpc::GetCenterIndicators,
            [
                UNAUTH, DENY, DENY, DENY, OK, DENY, OK, DENY, DENY, OK, OK, OK, OK, OK,
            ],
        ),
        (
            Rpc::GetStatistics,
            [
                UNAUTH, DENY, DENY, DENY, DENY, DENY, OK, DENY, DENY, OK, OK, OK, OK, OK,
            ],
        ),
        (
            Rpc::StreamEligibilityFacts,
            [
                UNAUTH, DENY, DENY, DENY, DENY, DENY, DENY, DENY, DENY, DENY, DENY, DENY, OK, DENY,
            ],
        ),
        (
            Rpc::ListAuditEvents,
            [
                UNAUTH, OK, DENY, DENY, DENY, DENY, DENY, DENY, DENY, OK, DENY, DENY, DENY, OK,
            ],
        ),
        (Rpc::CreatePerson, city_write),
        (Rpc::UpdatePerson, city_write),
        (Rpc::ImportPersons, city_write),
        (Rpc::RecordAssessment, city_write),
        (Rpc::UpsertHousehold, city_write),
        (Rpc::SetEducationStatus, city_write),
        (Rpc::CreateCenter, city_write),
        (Rpc::UpdateCenter, centre_write),
        (Rpc::ImportCenters, city_write),
        // Referrals come from the city office (or a listed referral source), never a centre.
        (Rpc::EnqueueReferral, city_write),
        (Rpc::OfferPlace, centre_write),
        (Rpc::PostponeArrival, centre_write),
        (Rpc::AdmitPerson, centre_write),
        (Rpc::RecordEpisodeEvent, centre_write),
    ];
    let mut failures = Vec::new();
    for (rpc, expected) in &matrix {
        for ((name, client), want) in callers.iter().zip(expected) {
            let mut client = client.clone();
            let got = call(&w, *rpc, &mut client).await;
            if got != *want {
                failures.push(format!("{rpc:?} by {name}: expected {want:?}, got {got:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The writes went through for those let through: the episode was offered, postponed,
    // admitted and is on leave.
    let e =
        w.h.operator()
            .get_episode(pb::GetEpisodeRequest {
                id: w.episode.clone(),
            })
            .await
            .unwrap()
            .into_inner()
            .episode
            .unwrap();
    assert_eq!(e.state, pb::EpisodeState::TemporaryLeave as i32);
}

#[tokio::test]
async fn reading_another_persons_record_by_id_is_refused_and_audited() {
    let w = world().await;
    let mut intruder = w.h.citizen(&w.other.id);
    let status = intruder
        .get_person(pb::GetPersonRequest {
            id: w.person.id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    assert!(!status.message().contains(&w.person.iin));

    let mut auditor = w.h.as_role(Role::Auditor);
    let trail = auditor
        .list_audit_events(pb::ListAuditEventsRequest {
            person_id: w.person.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .audit_events;
    let refused: Vec<_> = trail.iter().filter(|e| !e.allowed).collect();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].action, "GetPerson");
    assert_eq!(refused[0].actor_subject, format!("citizen-{}", w.other.id));
    assert_eq!(
        refused[0].actor_role,
        onaltu_proto::common::Role::Citizen as i32
    );
}

#[tokio::test]
async fn every_read_by_someone_else_is_audited_and_own_reads_are_not() {
    let w = world().await;
    let before = w.h.count("audit_events").await;
    let mut own = w.h.citizen(&w.person.id);
    own.get_person(pb::GetPersonRequest {
        id: w.person.id.clone(),
    })
    .await
    .unwrap();
    assert_eq!(
        w.h.count("audit_events").await,
        before,
        "reading one's own record is not audited"
    );

    let mut rep = w.h.citizen(&w.representative.id);
    rep.get_person(pb::GetPersonRequest {
        id: w.person.id.clone(),
    })
    .await
    .unwrap();
    let mut staff = w.h.staff(&w.center_a);
    staff
        .get_person(pb::GetPersonRequest {
            id: w.person.id.clone(),
        })
        .await
        .unwrap();
    let mut auditor = w.h.as_role(Role::Auditor);
    auditor
        .get_person(pb::GetPersonRequest {
            id: w.person.id.clone(),
        })
        .await
        .unwrap();

    let trail = auditor
        .list_audit_events(pb::ListAuditEventsRequest {
            person_id: w.person.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .audit_events;
    let reads: Vec<_> = trail
        .iter()
        .filter(|e| e.action == "GetPerson" && e.allowed)
        .collect();
    assert_eq!(reads.len(), 3, "representative, staff and auditor");
    let roles: Vec<i32> = reads.iter().map(|e| e.actor_role).collect();
    assert_eq!(
        roles,
        [
            onaltu_proto::common::Role::Citizen as i32,
            onaltu_proto::common::Role::CenterStaff as i32,
            onaltu_proto::common::Role::Auditor as i32
        ]
    );
    // A citizen may see who read their record.
    let mine = own
        .list_audit_events(pb::ListAuditEventsRequest {
            person_id: w.person.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .audit_events;
    assert!(mine.len() >= 3);
}

#[tokio::test]
async fn concurrent_reads_are_each_audited_before_they_answer() {
    let w = world().await;
    let before = w.h.count("audit_events").await;
    let mut calls = Vec::new();
    for _ in 0..40 {
        let mut c = w.h.operator();
        let id = w.person.id.clone();
        calls.push(tokio::spawn(async move {
            c.get_person(pb::GetPersonRequest { id }).await.map(|_| ())
        }));
    }
    for call in calls {
        call.await.unwrap().unwrap();
    }
    // Every answer came after its audit event committed, so all 40 are there now.
    assert_eq!(w.h.count("audit_events").await, before + 40);
}

#[tokio::test]
async fn integration_never_sees_personal_data_but_gets_statistics() {
    let w = world().await;
    let mut integration = w.h.as_role(Role::Integration);
    let stats = integration
        .get_statistics(pb::GetStatisticsRequest {
            region_code: "KZ-71".into(),
            as_of: None,
        })
        .await
        .unwrap()
        .into_inner()
        .statistics
        .unwrap();
    assert_eq!(stats.persons_total, 3);
    for rpc in [
        Rpc::GetPerson,
        Rpc::ListPersons,
        Rpc::FindPersonByIin,
        Rpc::GetEpisode,
    ] {
        assert_eq!(
            call(&w, rpc, &mut integration).await,
            Code::PermissionDenied,
            "{rpc:?}"
        );
    }
}

#[tokio::test]
async fn eligibility_is_read_by_the_transport_service_for_a_named_trip_never_by_a_dispatcher() {
    let w = world().await;
    let check = || pb::CheckTransportEligibilityRequest {
        person_id: w.person.id.clone(),
        travel_date: None,
    };
    // A dispatcher asking directly, and another integration, are refused.
    for mut attacker in [
        w.h.as_role(Role::Dispatcher),
        w.h.named(Role::Integration, "service:rating"),
    ] {
        let refused = attacker
            .check_transport_eligibility(with_purpose(check(), "trip"))
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::PermissionDenied);
    }
    // The transport service states the trip and the dispatcher, or is refused.
    let mut transport = w.h.transport_service();
    let bare = transport
        .check_transport_eligibility(check())
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&bare), ["x-onaltu-purpose"]);
    let purpose = "invataxi trip 0190a000-0000-7000-8000-0000000000aa for dispatcher disp-7";
    let answer = transport
        .check_transport_eligibility(with_purpose(check(), purpose))
        .await
        .unwrap()
        .into_inner();
    assert!(answer.eligible);

    let trail =
        w.h.as_role(Role::Auditor)
            .list_audit_events(pb::ListAuditEventsRequest {
                person_id: w.person.id.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .audit_events;
    let read: Vec<_> = trail
        .iter()
        .filter(|e| e.action == "CheckTransportEligibility" && e.allowed)
        .collect();
    assert_eq!(read.len(), 1, "{trail:?}");
    assert_eq!(read[0].actor_subject, "service:transport");
    assert_eq!(
        read[0].actor_role,
        onaltu_proto::common::Role::Integration as i32
    );
    assert_eq!(read[0].purpose, purpose);
    let refused = trail
        .iter()
        .filter(|e| e.action == "CheckTransportEligibility" && !e.allowed)
        .count();
    assert_eq!(refused, 2, "both refusals are in the trail");
}

/// A token is refused when it lives longer than `[auth]` allows its kind (an hour for a person, a
/// day for an INTEGRATION token), or says nothing of when it was issued; the caller is told only
/// that it is not valid.
#[tokio::test]
async fn a_token_living_longer_than_its_kinds_bound_is_unauthenticated() {
    let h = Harness::start().await;
    let living = |role: Role, secs: u64| {
        let mut c = onaltu_testkit::claims(role);
        c.exp = c.iat.unwrap() + secs;
        c
    };
    let mut no_iat = onaltu_testkit::claims(Role::CityOperator);
    no_iat.iat = None;
    let cases = [
        (living(Role::CityOperator, 3_600), None),
        (living(Role::Integration, 86_400), None),
        (
            living(Role::CityOperator, 3_601),
            Some(Code::Unauthenticated),
        ),
        (
            living(Role::Admin, 30 * 86_400),
            Some(Code::Unauthenticated),
        ),
        (
            living(Role::Integration, 86_401),
            Some(Code::Unauthenticated),
        ),
        (no_iat, Some(Code::Unauthenticated)),
    ];
    for (claims, refused) in cases {
        let answer = h
            .client(Some(claims.clone()))
            .list_centers(pb::ListCentersRequest::default())
            .await;
        match refused {
            None => assert!(answer.is_ok(), "{claims:?}: {answer:?}"),
            Some(code) => {
                let status = answer.unwrap_err();
                assert_eq!(status.code(), code, "{claims:?}");
                assert!(
                    status.message().ends_with("the bearer token is not valid"),
                    "{}",
                    status.message()
                );
            }
        }
    }
}
