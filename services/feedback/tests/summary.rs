//! A centre's feedback summary: suppressed below 5 published
//! evaluations, Bayesian means toward the city's, the Wilson bound, public, cached, and
//! renewed when an evaluation is published or withdrawn.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use onaltu_proto::feedback as fb;

async fn summary(s: &Harness, centre: &str) -> fb::CenterFeedbackSummary {
    s.public()
        .get_center_feedback_summary(fb::GetCenterFeedbackSummaryRequest {
            center_id: centre.into(),
            period: None,
        })
        .await
        .unwrap()
        .into_inner()
        .summary
        .unwrap()
}

/// Registers a person, takes them through `centre`, and has them evaluate it with `score`.
async fn evaluated(s: &Harness, serial: u32, centre: &str, score: i32) -> String {
    let mut op = s.registry_operator();
    let person = adult(&mut op, serial).await.id;
    let episode = discharged(&mut op, &person, centre).await.id;
    let mut e = evaluation(&episode, score, "");
    e.days_waited = Some(serial as i32 * 10);
    submit(&mut s.citizen(&person), e).await.unwrap().id
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[tokio::test]
async fn summaries_are_suppressed_below_five_then_pulled_toward_the_city() {
    let s = Harness::start().await;
    let mut op = s.registry_operator();
    let small = centre(&mut op, "Кіші орталық", 20).await.id;
    let big = centre(&mut op, "Үлкен орталық", 20).await.id;
    let mut moderator = s.moderator();

    // The small centre: four evaluations of 5, the big one six of 2.
    let mut small_ids = Vec::new();
    for i in 0..4 {
        small_ids.push(evaluated(&s, 10 + i, &small, 5).await);
    }
    for i in 0..6 {
        let id = evaluated(&s, 20 + i, &big, 2).await;
        publish(&mut moderator, &id).await;
    }
    for id in &small_ids {
        publish(&mut moderator, id).await;
    }
    let suppressed = summary(&s, &small).await;
    assert_eq!(suppressed.n, 4);
    assert!(suppressed.suppressed);
    assert!(suppressed.criteria.is_empty() && suppressed.recommend.is_none());
    assert!(suppressed.overall_bayesian_mean.is_none());

    // A fifth evaluation of 5: the cached summary is renewed by the publication.
    let fifth = evaluated(&s, 14, &small, 5).await;
    publish(&mut moderator, &fifth).await;
    let shown = summary(&s, &small).await;
    assert_eq!(shown.n, 5);
    assert!(!shown.suppressed);
    assert_eq!(shown.criteria.len(), 7);
    let results = &shown.criteria[0];
    assert_eq!(results.criterion, fb::FeedbackCriterion::Results as i32);
    // City: 5 x 5 and 6 x 2 = 37 / 11. Bayesian: (5 * 5 + 10 * 37/11) / 15.
    let city = 37.0 / 11.0;
    assert!(close(results.city_mean, city), "{}", results.city_mean);
    assert!(close(results.mean, 5.0));
    assert!(close(results.bayesian_mean, (25.0 + 10.0 * city) / 15.0));
    assert_eq!(results.prior_weight, 10.0);
    assert_eq!(results.distribution.unwrap().score_5, 5);
    let overall = shown.overall_bayesian_mean.unwrap();
    assert!(close(overall, (25.0 + 10.0 * city) / 15.0));
    // Would recommend: all five answered 9 (promoters): share 1, Wilson bound 0.566 for 5/5.
    let r = shown.recommend.unwrap();
    assert_eq!((r.n, r.promoters), (5, 5));
    assert!(close(r.share, 1.0));
    // 5/5 at 95%: n / (n + z²) = 5 / 8.841459 = 0.56552.
    assert!(
        (r.wilson_lower_bound - 0.565_52).abs() < 1e-4,
        "{}",
        r.wilson_lower_bound
    );
    // Days waited 100, 110, 120, 130, 140: median 120.
    assert_eq!(shown.median_days_waited, Some(120.0));

    // A report alone withdraws nothing: hidden, still counted.
    s.moderator()
        .report_evaluation(fb::ReportEvaluationRequest {
            id: fifth.clone(),
            issue: fb::ContentIssue::Spam as i32,
            note: String::new(),
        })
        .await
        .unwrap();
    assert_eq!(summary(&s, &small).await.n, 5);
    // The moderator's rejection withdraws it: back to four, suppressed again.
    s.moderator()
        .moderate_evaluation(fb::ModerateEvaluationRequest {
            id: fifth,
            action: fb::ModerationAction::Reject as i32,
            issue: fb::ContentIssue::Spam as i32,
            note: "Жарнама".into(),
            etag: String::new(),
        })
        .await
        .unwrap();
    let again = summary(&s, &small).await;
    assert_eq!(again.n, 4);
    assert!(again.suppressed);
}

#[tokio::test]
async fn a_summary_names_its_period_and_refuses_a_bad_one() {
    let s = Harness::start().await;
    let centre = uuid::Uuid::now_v7().to_string();
    let mut c = s.public();
    let empty = summary(&s, &centre).await;
    assert_eq!(empty.n, 0);
    assert!(empty.suppressed);
    let today = onaltu_api::today();
    let quarter = onaltu_api::Period::quarter_of(today).encode();
    assert_eq!(empty.period, Some(quarter));
    let bad = c
        .get_center_feedback_summary(fb::GetCenterFeedbackSummaryRequest {
            center_id: "x".into(),
            period: Some(onaltu_proto::common::Period {
                year: 2026,
                kind: onaltu_proto::common::PeriodKind::Quarter as i32,
                number: 5,
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&bad), ["center_id", "period.number"]);
    let bad = c
        .get_center_feedback_summary(fb::GetCenterFeedbackSummaryRequest {
            center_id: centre,
            period: Some(onaltu_proto::common::Period {
                year: 2026,
                kind: onaltu_proto::common::PeriodKind::Quarter as i32,
                number: 5,
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&bad), ["period.number"]);
}
