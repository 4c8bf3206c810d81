//! The rating across the running suite: registry episodes, published evaluations and the city's
//! inspection values make a quarter's stars, tiers and explanation; versions are immutable and
//! only made when inputs change; a critical violation caps the stars.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use onaltu_api::Period;
use onaltu_auth::Role;
use onaltu_proto::rating as pb;
use onaltu_suite::fixtures::*;
use onaltu_suite::{Suite, citizen, claims};
use uuid::Uuid;

fn current() -> Period {
    Period::quarter_of(onaltu_api::today())
}

async fn compute(s: &Suite, period: Period) -> pb::ComputeRatingsResponse {
    s.rating(Some(&claims(Role::CityOperator)))
        .compute_ratings(pb::ComputeRatingsRequest {
            request_id: Uuid::now_v7().to_string(),
            period: Some(period.encode()),
        })
        .await
        .unwrap()
        .into_inner()
}

async fn rating_of(
    s: &Suite,
    centre: &str,
    period: Period,
    version: Option<i64>,
) -> pb::CenterRating {
    s.rating(None)
        .get_center_rating(pb::GetCenterRatingRequest {
            center_id: centre.into(),
            period: Some(period.encode()),
            rating_version: version,
        })
        .await
        .unwrap()
        .into_inner()
        .rating
        .unwrap()
}

fn value(code: &str, source: pb::IndicatorSource, value: f64) -> pb::IndicatorValue {
    pb::IndicatorValue {
        indicator_code: code.into(),
        value,
        source: source as i32,
        evidence_reference: "Акт №7/2026".into(),
        ..Default::default()
    }
}

async fn record(
    s: &Suite,
    centre: &str,
    period: Period,
    values: Vec<pb::IndicatorValue>,
) -> pb::RecordIndicatorsResponse {
    s.rating(Some(&claims(Role::Admin)))
        .record_indicators(pb::RecordIndicatorsRequest {
            request_id: Uuid::now_v7().to_string(),
            center_id: centre.into(),
            period: Some(period.encode()),
            values,
        })
        .await
        .unwrap()
        .into_inner()
}

fn indicator<'a>(r: &'a pb::CenterRating, code: &str) -> &'a pb::IndicatorScore {
    r.criteria
        .iter()
        .flat_map(|c| &c.indicators)
        .find(|i| i.indicator_code == code)
        .unwrap()
}

/// Six adults served by `centre` (admitted 2025-06-02, discharged IMPROVED 2025-06-20) who
/// each evaluate it with `score` today; the evaluations are published.
async fn six_served_and_evaluated(s: &Suite, centre: &str, score: i32) {
    let mut op = s.registry(Some(&claims(Role::CityOperator)));
    let mut moderator = s.feedback(Some(&claims(Role::CityOperator)));
    for i in 0..6 {
        let person = adult(&mut op, 40 + i).await.id;
        let episode = discharged(&mut op, &person, centre).await.id;
        let e = submit(
            &mut s.feedback(Some(&citizen(&person))),
            evaluation(&episode, score, ""),
        )
        .await
        .unwrap();
        publish(&mut moderator, &e.id).await;
    }
}

#[tokio::test]
async fn a_quarter_is_rated_explained_capped_and_versioned() {
    let s = Suite::start().await;
    let mut op = s.registry(Some(&claims(Role::CityOperator)));
    let good = centre(&mut op, "Жақсы орталық", 20).await.id;
    let bare = centre(&mut op, "Жаңа орталық", 20).await.id;
    six_served_and_evaluated(&s, &good, 5).await;
    assert_eq!(
        s.rating_counts_evaluations(6).await,
        6,
        "the feedback events reached the rating"
    );
    let q = current();
    use pb::IndicatorSource::{Inspection, SelfReported};
    let recorded = record(
        &s,
        &good,
        q,
        vec![
            value("accessibility_checklist_share", Inspection, 1.0),
            value("information_openness_share", Inspection, 0.65),
            value("events_per_100_recipients", Inspection, 10.0),
            value("events_per_100_recipients", SelfReported, 18.0),
        ],
    )
    .await;
    assert_eq!((recorded.changed_count, recorded.unchanged_count), (4, 0));

    let first = compute(&s, q).await;
    assert!(first.created);
    assert_eq!(first.rating_version, 1);
    assert_eq!(first.centers_rated, 2);
    assert_eq!(first.events_emitted, 2, "a first rating of each centre");
    assert_eq!(first.methodology_version, "2026.1");

    let r = rating_of(&s, &good, q, None).await;
    // Effectiveness: capacity use 0 of 20 beds this quarter -> 0; results 5.0 (city mean 5.0,
    // so the Bayesian mean is 5.0) -> 100; mean 50.
    // Activities: events 10 per 100 (INSPECTION wins over the self-reported 18) -> 50;
    // activities 5.0 -> 100; mean 75.
    // Access: no admissions this quarter, so no wait; accessibility 1.0 -> 100; information
    // 0.65 -> (0.65 - 0.3) / 0.7 = 50; access scores 5.0 -> 100; mean 83.333.
    // Satisfaction: overall 5.0 -> 100; recommend 6 of 6 promoters, Wilson lower bound
    // 6 / (6 + 3.841459) = 0.609666 -> (0.609666 - 0.4) / 0.5 = 41.933; mean 70.967.
    // Composite: 0.3*50 + 0.1*75 + 0.3*83.333 + 0.3*70.967 = 15 + 7.5 + 25 + 21.290 = 68.79.
    assert_eq!(r.status, pb::RatingStatus::Rated as i32);
    assert_eq!(r.composite, Some(68.79));
    assert_eq!(r.stars, Some(3), "55 <= 68.79 < 70");
    assert_eq!(r.tier, pb::Tier::Standard as i32);
    assert!(r.latest);
    assert_eq!(r.rank_in_region, Some(pb::Rank { rank: 1, out_of: 1 }));
    let events = indicator(&r, "events_per_100_recipients");
    assert_eq!(events.source, Inspection as i32);
    assert!(events.self_report_overridden);
    assert_eq!(events.normalised_value, Some(50.0));
    let overall = indicator(&r, "overall_score");
    assert_eq!(overall.sample_size, Some(6));
    assert_eq!(overall.raw_value, Some(5.0));
    let recommend = indicator(&r, "would_recommend_share").raw_value.unwrap();
    assert!((recommend - 0.609_666).abs() < 1e-5, "{recommend}");
    assert!(
        !r.flags
            .contains(&(pb::RatingFlag::FeedbackSuppressed as i32))
    );
    let codes: Vec<&str> = r.explanations.iter().map(|e| e.code.as_str()).collect();
    assert_eq!(codes, ["stars", "tier"]);
    let stars = &r.explanations[0];
    assert!(stars.en.contains("68.79"), "{}", stars.en);
    let text = stars.text.as_ref().unwrap();
    assert!(
        text.kk.contains("68.79") && text.ru.contains("68.79"),
        "{text:?}"
    );

    let bare_rating = rating_of(&s, &bare, q, None).await;
    assert_eq!(
        bare_rating.status,
        pb::RatingStatus::InsufficientData as i32
    );
    assert_eq!(bare_rating.stars, None);
    assert_eq!(bare_rating.tier, pb::Tier::InsufficientData as i32);
    assert!(
        bare_rating
            .flags
            .contains(&(pb::RatingFlag::FeedbackSuppressed as i32))
    );

    // Nothing changed: the same version comes back and no event is made.
    let again = compute(&s, q).await;
    assert!(!again.created);
    assert_eq!(again.rating_version, 1);
    assert_eq!(s.rating_count("rating_events").await, 2);

    // A critical violation found today caps the stars at 2 and gives PENALTY.
    let violation = s
        .rating(Some(&claims(Role::CityOperator)))
        .record_violation(pb::RecordViolationRequest {
            request_id: Uuid::now_v7().to_string(),
            violation: Some(pb::Violation {
                center_id: good.clone(),
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
    assert_eq!(violation.status, pb::ViolationStatus::Open as i32);
    let capped = compute(&s, q).await;
    assert_eq!(
        (capped.created, capped.rating_version, capped.events_emitted),
        (true, 2, 1)
    );
    let r = rating_of(&s, &good, q, None).await;
    assert_eq!((r.uncapped_stars, r.stars), (Some(3), Some(2)));
    assert_eq!(r.tier, pb::Tier::Penalty as i32);
    assert_eq!(r.capping_violation_ids, vec![violation.id.clone()]);
    assert!(r.flags.contains(&(pb::RatingFlag::StarsCapped as i32)));
    assert!(
        r.flags
            .contains(&(pb::RatingFlag::InspectionTriggered as i32))
    );
    assert!(
        r.star_cap_reason.contains("capped at 2 (from 3)"),
        "{}",
        r.star_cap_reason
    );
    let cap = r
        .explanations
        .iter()
        .find(|e| e.code == "star_cap")
        .unwrap();
    let text = cap.text.as_ref().unwrap();
    assert!(!text.kk.is_empty() && !text.ru.is_empty());
    assert_eq!(s.rating_count("inspection_tasks").await, 1);

    // Version 1 is immutable and no longer the latest.
    let v1 = rating_of(&s, &good, q, Some(1)).await;
    assert_eq!((v1.stars, v1.latest), (Some(3), false));

    // Resolved today, before the quarter ends: the cap goes with the next version.
    s.rating(Some(&claims(Role::CityOperator)))
        .resolve_violation(pb::ResolveViolationRequest {
            id: violation.id.clone(),
            resolved_on: Some(onaltu_api::date(onaltu_api::today())),
            resolution_note: "Пандус жөнделді".into(),
        })
        .await
        .unwrap();
    let resolved = compute(&s, q).await;
    assert_eq!(resolved.rating_version, 3);
    let r = rating_of(&s, &good, q, None).await;
    assert_eq!((r.stars, r.tier), (Some(3), pb::Tier::Standard as i32));

    // The history keeps every version when asked; the leaderboard is public.
    let history = s
        .rating(None)
        .get_rating_history(pb::GetRatingHistoryRequest {
            center_id: good.clone(),
            include_superseded: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .ratings;
    let versions: Vec<i64> = history.iter().map(|r| r.rating_version).collect();
    assert_eq!(versions, [3, 2, 1]);
    let latest_only = s
        .rating(None)
        .get_rating_history(pb::GetRatingHistoryRequest {
            center_id: good.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .ratings;
    assert_eq!(latest_only.len(), 1);
    let board = s
        .rating(None)
        .list_ratings(pb::ListRatingsRequest {
            region_code: "KZ-71".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(board.rating_version, 3);
    let order: Vec<&str> = board.ratings.iter().map(|r| r.center_id.as_str()).collect();
    assert_eq!(order, [good.as_str(), bare.as_str()], "unrated last");
}

#[tokio::test]
async fn registry_episodes_and_withdrawn_evaluations_feed_the_rating() {
    let s = Suite::start().await;
    let mut op = s.registry(Some(&claims(Role::CityOperator)));
    let centre_id = centre(&mut op, "Орталық", 20).await.id;
    six_served_and_evaluated(&s, &centre_id, 4).await;
    assert_eq!(s.rating_counts_evaluations(6).await, 6);

    // The quarter of the episodes: six discharges, all IMPROVED; 18 bed-days each of
    // 20 beds x 91 days.
    let q2 = Period::quarter_of(chrono::NaiveDate::from_ymd_opt(2025, 6, 1).unwrap());
    compute(&s, q2).await;
    let r = rating_of(&s, &centre_id, q2, None).await;
    let improved = indicator(&r, "improved_discharge_share");
    assert_eq!(
        (improved.raw_value, improved.sample_size),
        (Some(1.0), Some(6))
    );
    assert_eq!(improved.source, pb::IndicatorSource::Registry as i32);
    let capacity = indicator(&r, "capacity_use");
    let expected = 6.0 * 18.0 / (20.0 * 91.0);
    assert!((capacity.raw_value.unwrap() - expected).abs() < 1e-9);

    // Today's quarter counts the six evaluations; a reported one is withdrawn and stops
    // counting, leaving five.
    let q = current();
    compute(&s, q).await;
    assert_eq!(
        indicator(&rating_of(&s, &centre_id, q, None).await, "overall_score").sample_size,
        Some(6)
    );
    let one = s
        .feedback(None)
        .list_evaluations(onaltu_proto::feedback::ListEvaluationsRequest {
            center_id: centre_id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .evaluations
        .remove(0);
    s.feedback(Some(&claims(Role::CityOperator)))
        .report_evaluation(onaltu_proto::feedback::ReportEvaluationRequest {
            id: one.id,
            issue: onaltu_proto::feedback::ContentIssue::OffTopic as i32,
            note: String::new(),
        })
        .await
        .unwrap();
    assert_eq!(s.rating_counts_evaluations(5).await, 5);
    let again = compute(&s, q).await;
    assert!(again.created, "a withdrawal changes the inputs");
    let r = rating_of(&s, &centre_id, q, None).await;
    assert_eq!(indicator(&r, "overall_score").sample_size, Some(5));
}

#[tokio::test]
async fn bad_input_names_every_field_and_writes_nothing() {
    let s = Suite::start().await;
    let mut op = s.registry(Some(&claims(Role::CityOperator)));
    let centre_id = centre(&mut op, "Орталық", 20).await.id;
    let mut rating = s.rating(Some(&claims(Role::CityOperator)));
    let err = rating
        .record_indicators(pb::RecordIndicatorsRequest {
            request_id: "not-a-uuid".into(),
            center_id: centre_id.clone(),
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
    assert_eq!(s.rating_count("indicator_values").await, 0);

    let err = rating
        .record_violation(pb::RecordViolationRequest {
            request_id: Uuid::now_v7().to_string(),
            violation: Some(pb::Violation {
                center_id: centre_id.clone(),
                found_on: Some(date(2099, 1, 1)),
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    let fields = bad_fields(&err);
    for f in [
        "violation.description",
        "violation.inspection_reference",
        "violation.found_on",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} missing from {fields:?}");
    }
    assert_eq!(s.rating_count("violations").await, 0);

    let err = rating
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
    assert_eq!(bad_fields(&err), ["period.number"]);
    assert_eq!(s.rating_count("rating_runs").await, 0);

    // A centre the registry does not know.
    let err = rating
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

    // A retry with the same request id answers the first result; a resolved violation cannot
    // be resolved again.
    let request_id = Uuid::now_v7().to_string();
    let ask = || pb::RecordIndicatorsRequest {
        request_id: request_id.clone(),
        center_id: centre_id.clone(),
        period: Some(current().encode()),
        values: vec![value(
            "events_per_100_recipients",
            pb::IndicatorSource::Inspection,
            3.0,
        )],
    };
    let first = rating.record_indicators(ask()).await.unwrap().into_inner();
    let retry = rating.record_indicators(ask()).await.unwrap().into_inner();
    assert_eq!(first, retry);
    assert_eq!(first.changed_count, 1);
    let mut same_values = ask();
    same_values.request_id = Uuid::now_v7().to_string();
    let unchanged = rating
        .record_indicators(same_values)
        .await
        .unwrap()
        .into_inner();
    assert_eq!((unchanged.changed_count, unchanged.unchanged_count), (0, 1));
}

#[tokio::test]
async fn each_role_may_make_only_its_calls() {
    let s = Suite::start().await;
    let mut op = s.registry(Some(&claims(Role::CityOperator)));
    let own = centre(&mut op, "Өз орталығы", 20).await.id;
    let other = centre(&mut op, "Басқа орталық", 20).await.id;
    let staff = onaltu_suite::staff(&own);
    let record_as =
        |claims: Option<onaltu_auth::Claims>, centre: String, source: pb::IndicatorSource| {
            let client = s.rating(claims.as_ref());
            async move {
                let mut client = client;
                client
                    .record_indicators(pb::RecordIndicatorsRequest {
                        request_id: Uuid::now_v7().to_string(),
                        center_id: centre,
                        period: Some(current().encode()),
                        values: vec![value("events_per_100_recipients", source, 4.0)],
                    })
                    .await
                    .map(drop)
                    .map_err(|e| e.code())
            }
        };
    use pb::IndicatorSource::{Inspection, SelfReported};
    use tonic::Code;
    assert_eq!(
        record_as(Some(staff.clone()), own.clone(), SelfReported).await,
        Ok(())
    );
    assert_eq!(
        record_as(Some(staff.clone()), own.clone(), Inspection).await,
        Err(Code::InvalidArgument)
    );
    assert_eq!(
        record_as(Some(staff.clone()), other.clone(), SelfReported).await,
        Err(Code::PermissionDenied)
    );
    assert_eq!(
        record_as(
            Some(citizen(&Uuid::now_v7().to_string())),
            own.clone(),
            SelfReported
        )
        .await,
        Err(Code::PermissionDenied)
    );
    assert_eq!(
        record_as(None, own.clone(), SelfReported).await,
        Err(Code::Unauthenticated)
    );
    assert_eq!(
        record_as(Some(claims(Role::Admin)), own.clone(), Inspection).await,
        Ok(())
    );

    for (role, allowed) in [
        (Role::CityOperator, true),
        (Role::Admin, true),
        (Role::CenterStaff, false),
        (Role::Auditor, false),
        (Role::Integration, false),
        (Role::Citizen, false),
    ] {
        let got = s
            .rating(Some(&claims(role)))
            .compute_ratings(pb::ComputeRatingsRequest {
                request_id: Uuid::now_v7().to_string(),
                period: Some(current().encode()),
            })
            .await;
        assert_eq!(got.is_ok(), allowed, "{role:?} computing");
        if !allowed {
            assert_eq!(got.unwrap_err().code(), Code::PermissionDenied);
        }
    }
    for (role, allowed) in [
        (Some(Role::Integration), true),
        (Some(Role::Auditor), true),
        (Some(Role::CenterStaff), false),
        (Some(Role::Citizen), false),
        (None, false),
    ] {
        let c = role.map(claims);
        let got = s
            .rating(c.as_ref())
            .watch_ratings(pb::WatchRatingsRequest::default())
            .await;
        assert_eq!(got.is_ok(), allowed, "{role:?} watching");
    }
    // Public reads need no token.
    let mut public = s.rating(None);
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
