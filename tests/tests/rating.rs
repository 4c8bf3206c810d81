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

/// The suite with two centres rated for today's quarter: `good`, served and evaluated by six
/// adults with inspection values recorded, and `bare`, with nothing.
struct Rated {
    s: Suite,
    good: String,
    bare: String,
    q: Period,
    first: pb::ComputeRatingsResponse,
}

async fn rated() -> Rated {
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
    Rated {
        s,
        good,
        bare,
        q,
        first,
    }
}

#[tokio::test]
async fn published_evaluations_and_inspections_make_a_quarter_s_stars_and_explanation() {
    let Rated {
        s, good, q, first, ..
    } = rated().await;
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
    assert_eq!(events.source, pb::IndicatorSource::Inspection as i32);
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
}

#[tokio::test]
async fn a_centre_without_feedback_has_insufficient_data() {
    let Rated { s, bare, q, .. } = rated().await;
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
}

#[tokio::test]
async fn unchanged_inputs_make_no_new_version_and_no_event() {
    let Rated { s, q, .. } = rated().await;
    let again = compute(&s, q).await;
    assert!(!again.created);
    assert_eq!(again.rating_version, 1);
    assert_eq!(s.rating_count("rating_events").await, 2);
}

#[tokio::test]
async fn a_critical_violation_caps_the_stars_until_resolved_and_versions_stay_immutable() {
    let Rated {
        s, good, bare, q, ..
    } = rated().await;
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

    // Today's quarter counts the six evaluations; an operator's report hides one but withdraws
    // nothing; the moderator's rejection withdraws it, leaving five.
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
            id: one.id.clone(),
            issue: onaltu_proto::feedback::ContentIssue::OffTopic as i32,
            note: String::new(),
        })
        .await
        .unwrap();
    let hidden = compute(&s, q).await;
    assert!(
        !hidden.created,
        "hiding changes none of the rating's inputs"
    );
    s.feedback(Some(&claims(Role::CityOperator)))
        .moderate_evaluation(onaltu_proto::feedback::ModerateEvaluationRequest {
            id: one.id,
            action: onaltu_proto::feedback::ModerationAction::Reject as i32,
            issue: onaltu_proto::feedback::ContentIssue::OffTopic as i32,
            note: "Қызмет туралы емес".into(),
            etag: String::new(),
        })
        .await
        .unwrap();
    assert_eq!(s.rating_counts_evaluations(5).await, 5);
    let again = compute(&s, q).await;
    assert!(again.created, "a withdrawal changes the inputs");
    let r = rating_of(&s, &centre_id, q, None).await;
    assert_eq!(indicator(&r, "overall_score").sample_size, Some(5));
}
