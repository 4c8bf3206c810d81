//! Bad input names every field and writes nothing; a centre the registry does not know is not
//! found; a retried request answers the first result and unchanged values change nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use onaltu_proto::rating as pb;
use uuid::Uuid;

async fn with_centre() -> (Harness, String) {
    let h = Harness::start().await;
    let id = centre(&mut h.registry_operator(), "Орталық", 20).await.id;
    (h, id)
}

#[tokio::test]
async fn bad_indicator_values_name_every_field_and_write_nothing() {
    let (h, centre_id) = with_centre().await;
    let err = h
        .operator()
        .record_indicators(pb::RecordIndicatorsRequest {
            request_id: "not-a-uuid".into(),
            center_id: centre_id,
            period: None,
            values: vec![
                value("no_such_indicator", pb::IndicatorSource::Inspection, 1.0),
                value("median_wait_days", pb::IndicatorSource::Inspection, 10.0),
                value(
                    "accessibility_checklist_share",
                    pb::IndicatorSource::Inspection,
                    1.5,
                ),
                pb::IndicatorValue {
                    indicator_code: "information_openness_share".into(),
                    value: 0.5,
                    source: pb::IndicatorSource::Inspection as i32,
                    ..Default::default()
                },
            ],
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    let fields = bad_fields(&err);
    for f in [
        "request_id",
        "period",
        "values[0].indicator_code",
        "values[1].source",
        "values[2].value",
        "values[3].evidence_reference",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} missing from {fields:?}");
    }
    assert_eq!(h.count("indicator_values").await, 0);
}

#[tokio::test]
async fn a_bad_violation_names_every_field_and_writes_nothing() {
    let (h, centre_id) = with_centre().await;
    let err = h
        .operator()
        .record_violation(pb::RecordViolationRequest {
            request_id: Uuid::now_v7().to_string(),
            violation: Some(pb::Violation {
                center_id: centre_id,
                found_on: Some(date(2099, 1, 1)),
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    let fields = bad_fields(&err);
    for f in [
        "violation.description",
        "violation.inspection_reference",
        "violation.found_on",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} missing from {fields:?}");
    }
    assert_eq!(h.count("violations").await, 0);
}

#[tokio::test]
async fn a_period_that_does_not_exist_is_not_computed() {
    let (h, _) = with_centre().await;
    let err = h
        .operator()
        .compute_ratings(pb::ComputeRatingsRequest {
            request_id: Uuid::now_v7().to_string(),
            period: Some(onaltu_proto::common::Period {
                year: 2026,
                kind: onaltu_proto::common::PeriodKind::Quarter as i32,
                number: 5,
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert_eq!(bad_fields(&err), ["period.number"]);
    assert_eq!(h.count("rating_runs").await, 0);
}

#[tokio::test]
async fn values_of_a_centre_the_registry_does_not_know_are_not_found() {
    let (h, _) = with_centre().await;
    let err = h
        .operator()
        .record_indicators(pb::RecordIndicatorsRequest {
            request_id: Uuid::now_v7().to_string(),
            center_id: Uuid::now_v7().to_string(),
            period: Some(current().encode()),
            values: vec![value(
                "events_per_100_recipients",
                pb::IndicatorSource::Inspection,
                3.0,
            )],
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::NotFound);
    assert_eq!(h.count("indicator_values").await, 0);
}

fn events(request_id: &str, centre_id: &str) -> pb::RecordIndicatorsRequest {
    pb::RecordIndicatorsRequest {
        request_id: request_id.into(),
        center_id: centre_id.into(),
        period: Some(current().encode()),
        values: vec![value(
            "events_per_100_recipients",
            pb::IndicatorSource::Inspection,
            3.0,
        )],
    }
}

#[tokio::test]
async fn a_retry_with_the_same_request_id_answers_the_first_result() {
    let (h, centre_id) = with_centre().await;
    let mut rating = h.operator();
    let request_id = Uuid::now_v7().to_string();
    let first = rating
        .record_indicators(events(&request_id, &centre_id))
        .await
        .unwrap()
        .into_inner();
    let retry = rating
        .record_indicators(events(&request_id, &centre_id))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first, retry);
    assert_eq!(first.changed_count, 1);
    assert_eq!(h.count("indicator_values").await, 1);
}

#[tokio::test]
async fn the_same_values_recorded_again_change_nothing() {
    let (h, centre_id) = with_centre().await;
    let mut rating = h.operator();
    rating
        .record_indicators(events(&Uuid::now_v7().to_string(), &centre_id))
        .await
        .unwrap();
    let unchanged = rating
        .record_indicators(events(&Uuid::now_v7().to_string(), &centre_id))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((unchanged.changed_count, unchanged.unchanged_count), (0, 1));
}

#[tokio::test]
async fn the_same_request_id_with_other_values_is_refused_and_writes_nothing() {
    let (h, centre_id) = with_centre().await;
    let mut rating = h.operator();
    let request_id = Uuid::now_v7().to_string();
    rating
        .record_indicators(events(&request_id, &centre_id))
        .await
        .unwrap();
    let mut other = events(&request_id, &centre_id);
    other.values[0].value = 9.0;
    let err = rating.record_indicators(other).await.unwrap_err();
    assert_eq!(err.code(), tonic::Code::FailedPrecondition);
    assert!(err.message().contains("request_id"), "{}", err.message());
    let again = rating
        .record_indicators(events(&request_id, &centre_id))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.values.len(), 1);
    assert_eq!(again.values[0].value, 3.0, "the first values stand");
    assert_eq!(h.count("indicator_values").await, 1);
}

#[tokio::test]
async fn another_caller_reusing_a_request_id_makes_a_call_of_its_own() {
    let (h, centre_id) = with_centre().await;
    let request_id = Uuid::now_v7().to_string();
    let first = h
        .operator()
        .record_indicators(events(&request_id, &centre_id))
        .await
        .unwrap()
        .into_inner();
    let mut other = events(&request_id, &centre_id);
    other.values[0].value = 5.0;
    let second = h
        .as_role(onaltu_auth::Role::Admin)
        .record_indicators(other)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.changed_count, 1);
    assert_eq!(second.changed_count, 1, "the admin's own write happened");
    assert_ne!(first, second);
}
