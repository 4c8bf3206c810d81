//! Who may make which call of the rating service: a centre's staff record their own centre's
//! self-reported values, the city records inspections, violations and computes, subscribers
//! watch, and the public reads; ending with the role x RPC matrix on own and other centres.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use onaltu_auth::{Claims, Role};
use onaltu_proto::rating as pb;
use pb::IndicatorSource::{Inspection, SelfReported};
use tonic::Code;
use uuid::Uuid;

/// The harness with two centres: `own` (whose staff call) and `other`.
async fn two_centres() -> (Harness, String, String) {
    let h = Harness::start().await;
    let mut op = h.registry_operator();
    let own = centre(&mut op, "Өз орталығы", 20).await.id;
    let other = centre(&mut op, "Басқа орталық", 20).await.id;
    (h, own, other)
}

async fn record_as(
    h: &Harness,
    claims: Option<Claims>,
    centre: &str,
    source: pb::IndicatorSource,
) -> Result<(), Code> {
    h.client(claims.as_ref())
        .record_indicators(pb::RecordIndicatorsRequest {
            request_id: Uuid::now_v7().to_string(),
            center_id: centre.into(),
            period: Some(current().encode()),
            values: vec![value("events_per_100_recipients", source, 4.0)],
        })
        .await
        .map(drop)
        .map_err(|e| e.code())
}

#[tokio::test]
async fn a_centre_s_staff_record_their_own_self_reported_values_only() {
    let (h, own, other) = two_centres().await;
    let staff = staff(&own);
    assert_eq!(
        record_as(&h, Some(staff.clone()), &own, SelfReported).await,
        Ok(())
    );
    assert_eq!(
        record_as(&h, Some(staff.clone()), &own, Inspection).await,
        Err(Code::InvalidArgument)
    );
    assert_eq!(
        record_as(&h, Some(staff), &other, SelfReported).await,
        Err(Code::PermissionDenied)
    );
}

#[tokio::test]
async fn citizens_and_the_public_record_nothing_and_the_city_records_inspections() {
    let (h, own, _) = two_centres().await;
    assert_eq!(
        record_as(
            &h,
            Some(citizen(&Uuid::now_v7().to_string())),
            &own,
            SelfReported
        )
        .await,
        Err(Code::PermissionDenied)
    );
    assert_eq!(
        record_as(&h, None, &own, SelfReported).await,
        Err(Code::Unauthenticated)
    );
    assert_eq!(
        record_as(&h, Some(claims(Role::Admin)), &own, Inspection).await,
        Ok(())
    );
}

#[tokio::test]
async fn only_the_city_computes_ratings() {
    let (h, _, _) = two_centres().await;
    for (role, allowed) in [
        (Role::CityOperator, true),
        (Role::Admin, true),
        (Role::CenterStaff, false),
        (Role::Auditor, false),
        (Role::Integration, false),
        (Role::Citizen, false),
    ] {
        let got = h
            .as_role(role)
            .compute_ratings(compute_request(current()))
            .await;
        assert_eq!(got.is_ok(), allowed, "{role:?} computing");
        if !allowed {
            assert_eq!(got.unwrap_err().code(), Code::PermissionDenied);
        }
    }
}

#[tokio::test]
async fn only_subscribers_watch_ratings() {
    let (h, _, _) = two_centres().await;
    for (role, allowed) in [
        (Some(Role::Integration), true),
        (Some(Role::Auditor), true),
        (Some(Role::CenterStaff), false),
        (Some(Role::Citizen), false),
        (None, false),
    ] {
        let c = role.map(claims);
        let got = h
            .client(c.as_ref())
            .watch_ratings(pb::WatchRatingsRequest::default())
            .await;
        assert_eq!(got.is_ok(), allowed, "{role:?} watching");
    }
}

#[tokio::test]
async fn public_reads_need_no_token() {
    let (h, own, _) = two_centres().await;
    h.operator()
        .compute_ratings(compute_request(current()))
        .await
        .unwrap();
    let mut public = h.public();
    public
        .get_methodology(pb::GetMethodologyRequest::default())
        .await
        .unwrap();
    let defs = public
        .list_indicator_definitions(pb::ListIndicatorDefinitionsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(defs.indicator_definitions.len(), 12);
    assert_eq!(defs.methodology_version, "2026.1");
    public
        .list_ratings(pb::ListRatingsRequest::default())
        .await
        .unwrap();
    public
        .get_center_rating(pb::GetCenterRatingRequest {
            center_id: own.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
}

/// In an order where each call leaves the objects as the next one needs them: ratings are
/// computed before they are read, a violation recorded before it is resolved.
const RPCS: [&str; 11] = [
    "ComputeRatings",
    "GetCenterRating",
    "ListRatings",
    "GetRatingHistory",
    "GetMethodology",
    "ListIndicatorDefinitions",
    "RecordIndicators",
    "RecordIndicators(second centre)",
    "RecordViolation",
    "ResolveViolation",
    "WatchRatings",
];

/// Whether each caller, by its name below, is let through each RPC. "Own" is the staff's
/// centre (or, for a citizen, a person of their own: no rating call concerns one); "other" is a
/// second centre (or a second citizen).
fn allowed(rpc: &str, who: &str) -> bool {
    let official = matches!(who, "CITY_OPERATOR" | "ADMIN");
    match rpc {
        "GetCenterRating"
        | "ListRatings"
        | "GetRatingHistory"
        | "GetMethodology"
        | "ListIndicatorDefinitions" => true,
        "RecordIndicators" => official || who == "STAFF_OWN",
        // The second centre is STAFF_OTHER's own and not STAFF_OWN's.
        "RecordIndicators(second centre)" => official || who == "STAFF_OTHER",
        "RecordViolation" | "ResolveViolation" | "ComputeRatings" => official,
        "WatchRatings" => matches!(who, "INTEGRATION" | "CITY_OPERATOR" | "AUDITOR" | "ADMIN"),
        other => panic!("no rule for {other}"),
    }
}

#[tokio::test]
async fn every_role_is_refused_exactly_where_the_contract_says() {
    let (h, own, other) = two_centres().await;
    let violation = h
        .operator()
        .record_violation(pb::RecordViolationRequest {
            request_id: Uuid::now_v7().to_string(),
            violation: Some(pb::Violation {
                center_id: own.clone(),
                critical: true,
                description: "Пандус сынған".into(),
                inspection_reference: "Акт №9/2026".into(),
                found_on: Some(onaltu_api::date(onaltu_api::today())),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .violation
        .unwrap();
    let callers = onaltu_testkit::callers(
        &Uuid::now_v7().to_string(),
        &Uuid::now_v7().to_string(),
        &own,
        &other,
    );
    let mut wrong = Vec::new();
    for rpc in RPCS {
        for (who, claims) in &callers {
            let mut c = h.client(claims.as_ref());
            let answer: Result<(), tonic::Status> = match rpc {
                "ComputeRatings" => c
                    .compute_ratings(compute_request(current()))
                    .await
                    .map(drop),
                "GetCenterRating" => c
                    .get_center_rating(pb::GetCenterRatingRequest {
                        center_id: own.clone(),
                        ..Default::default()
                    })
                    .await
                    .map(drop),
                "ListRatings" => c
                    .list_ratings(pb::ListRatingsRequest::default())
                    .await
                    .map(drop),
                "GetRatingHistory" => c
                    .get_rating_history(pb::GetRatingHistoryRequest {
                        center_id: own.clone(),
                        ..Default::default()
                    })
                    .await
                    .map(drop),
                "GetMethodology" => c
                    .get_methodology(pb::GetMethodologyRequest::default())
                    .await
                    .map(drop),
                "ListIndicatorDefinitions" => c
                    .list_indicator_definitions(pb::ListIndicatorDefinitionsRequest::default())
                    .await
                    .map(drop),
                "RecordIndicators" | "RecordIndicators(second centre)" => {
                    let centre = if rpc == "RecordIndicators" {
                        &own
                    } else {
                        &other
                    };
                    c.record_indicators(pb::RecordIndicatorsRequest {
                        request_id: Uuid::now_v7().to_string(),
                        center_id: centre.clone(),
                        period: Some(current().encode()),
                        values: vec![value("events_per_100_recipients", SelfReported, 4.0)],
                    })
                    .await
                    .map(drop)
                }
                "RecordViolation" => c
                    .record_violation(pb::RecordViolationRequest {
                        request_id: Uuid::now_v7().to_string(),
                        violation: Some(pb::Violation {
                            center_id: own.clone(),
                            critical: false,
                            description: "Белгі жоқ".into(),
                            inspection_reference: "Акт №10/2026".into(),
                            found_on: Some(onaltu_api::date(onaltu_api::today())),
                            ..Default::default()
                        }),
                    })
                    .await
                    .map(drop),
                "ResolveViolation" => c
                    .resolve_violation(pb::ResolveViolationRequest {
                        id: violation.id.clone(),
                        resolved_on: Some(onaltu_api::date(onaltu_api::today())),
                        resolution_note: "Пандус жөнделді".into(),
                    })
                    .await
                    .map(drop),
                "WatchRatings" => c
                    .watch_ratings(pb::WatchRatingsRequest::default())
                    .await
                    .map(drop),
                other => panic!("unknown {other}"),
            };
            let refused = matches!(
                &answer,
                Err(s) if matches!(s.code(), Code::PermissionDenied | Code::Unauthenticated)
            );
            if refused == allowed(rpc, who) {
                wrong.push(format!("{rpc} by {who}: {answer:?}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "unexpected answers:\n{}",
        wrong.join("\n")
    );
}
