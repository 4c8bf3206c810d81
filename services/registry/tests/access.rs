//! The role x RPC matrix of API.md, and the audit trail it leaves.

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
    let episode = enqueue(
        &mut op,
        &person.id,
        &center_a,
        pb::ServiceForm::Stationary,
        date(2025, 1, 10),
    )
    .await
    .id;
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

#[derive(Clone, Copy, Debug)]
enum Rpc {
    GetPerson,
    FindPersonByIin,
    ListAssessments,
    GetEpisode,
    GetQueuePosition,
    ListPersons,
    CreatePerson,
    CreateCenter,
    GetCenter,
    ListCenters,
    CheckTransportEligibility,
    GetCenterIndicators,
    GetStatistics,
    ListAuditEvents,
}

async fn call(w: &World, rpc: Rpc, c: &mut Client) -> Code {
    let p = w.person.id.clone();
    let result = match rpc {
        Rpc::GetPerson => c
            .get_person(pb::GetPersonRequest { id: p })
            .await
            .map(|_| ()),
        Rpc::FindPersonByIin => c
            .find_person_by_iin(pb::FindPersonByIinRequest {
                iin: w.person.iin.clone(),
            })
            .await
            .map(|_| ()),
        Rpc::ListAssessments => c
            .list_assessments(pb::ListAssessmentsRequest {
                person_id: p,
                ..Default::default()
            })
            .await
            .map(|_| ()),
        Rpc::GetEpisode => c
            .get_episode(pb::GetEpisodeRequest {
                id: w.episode.clone(),
            })
            .await
            .map(|_| ()),
        Rpc::GetQueuePosition => c
            .get_queue_position(pb::GetQueuePositionRequest {
                episode_id: w.episode.clone(),
            })
            .await
            .map(|_| ()),
        Rpc::ListPersons => c
            .list_persons(pb::ListPersonsRequest::default())
            .await
            .map(|_| ()),
        Rpc::CreatePerson => c
            .create_person(pb::CreatePersonRequest {
                request_id: String::new(),
                person: Some(child(99)),
            })
            .await
            .map(|_| ()),
        Rpc::CreateCenter => c
            .create_center(pb::CreateCenterRequest {
                request_id: String::new(),
                center: Some(center("Жаңа", 5)),
            })
            .await
            .map(|_| ()),
        Rpc::GetCenter => c
            .get_center(pb::GetCenterRequest {
                id: w.center_a.clone(),
            })
            .await
            .map(|_| ()),
        Rpc::ListCenters => c
            .list_centers(pb::ListCentersRequest::default())
            .await
            .map(|_| ()),
        Rpc::CheckTransportEligibility => c
            .check_transport_eligibility(pb::CheckTransportEligibilityRequest {
                person_id: p,
                travel_date: None,
            })
            .await
            .map(|_| ()),
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
            .map(|_| ()),
        Rpc::GetStatistics => c
            .get_statistics(pb::GetStatisticsRequest::default())
            .await
            .map(|_| ()),
        Rpc::ListAuditEvents => c
            .list_audit_events(pb::ListAuditEventsRequest {
                person_id: p,
                ..Default::default()
            })
            .await
            .map(|_| ()),
    };
    match result {
        Ok(()) => Code::Ok,
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
        ("admin", w.h.as_role(Role::Admin)),
    ];
    // Columns follow `callers`.
    let matrix: Vec<(Rpc, [Code; 12])> = vec![
        (
            Rpc::GetPerson,
            [UNAUTH, OK, OK, DENY, OK, DENY, OK, DENY, DENY, OK, DENY, OK],
        ),
        (
            Rpc::FindPersonByIin,
            [UNAUTH, OK, OK, DENY, OK, DENY, OK, DENY, DENY, OK, DENY, OK],
        ),
        (
            Rpc::ListAssessments,
            [UNAUTH, OK, OK, DENY, OK, DENY, OK, DENY, DENY, OK, DENY, OK],
        ),
        (
            Rpc::GetEpisode,
            [UNAUTH, OK, OK, DENY, OK, DENY, OK, DENY, DENY, OK, DENY, OK],
        ),
        (
            Rpc::GetQueuePosition,
            [UNAUTH, OK, OK, DENY, OK, DENY, OK, DENY, DENY, OK, DENY, OK],
        ),
        (
            Rpc::ListPersons,
            [
                UNAUTH, DENY, DENY, DENY, DENY, DENY, OK, DENY, DENY, OK, DENY, OK,
            ],
        ),
        (
            Rpc::CreatePerson,
            [
                UNAUTH, DENY, DENY, DENY, DENY, DENY, OK, DENY, DENY, DENY, DENY, OK,
            ],
        ),
        (
            Rpc::CreateCenter,
            [
                UNAUTH, DENY, DENY, DENY, DENY, DENY, OK, DENY, DENY, DENY, DENY, OK,
            ],
        ),
        (Rpc::GetCenter, [OK; 12]),
        (Rpc::ListCenters, [OK; 12]),
        (
            Rpc::CheckTransportEligibility,
            [UNAUTH, OK, OK, DENY, OK, DENY, OK, OK, DENY, OK, DENY, OK],
        ),
        (
            Rpc::GetCenterIndicators,
            [
                UNAUTH, DENY, DENY, DENY, OK, DENY, OK, DENY, DENY, OK, OK, OK,
            ],
        ),
        (
            Rpc::GetStatistics,
            [
                UNAUTH, DENY, DENY, DENY, DENY, DENY, OK, DENY, DENY, OK, OK, OK,
            ],
        ),
        (
            Rpc::ListAuditEvents,
            [
                UNAUTH, OK, DENY, DENY, DENY, DENY, DENY, DENY, DENY, OK, DENY, OK,
            ],
        ),
    ];
    let mut failures = Vec::new();
    for (rpc, expected) in &matrix {
        for ((name, client), want) in callers.iter().zip(expected) {
            // Creating twice answers ALREADY_EXISTS: the caller was allowed.
            let mut client = client.clone();
            let got = call(&w, *rpc, &mut client).await;
            let got = if got == Code::AlreadyExists {
                Code::Ok
            } else {
                got
            };
            if got != *want {
                failures.push(format!("{rpc:?} by {name}: expected {want:?}, got {got:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
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
