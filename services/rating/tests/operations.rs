//! The rating service as an operator runs it: the ended quarter rated on schedule, the registry
//! down (UNAVAILABLE, nothing written), Redis down (public reads still answer), and the previous
//! period carried into the next one's rating.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use onaltu_api::Period;
use onaltu_auth::Role;
use onaltu_proto::rating as pb;
use onaltu_proto::rating::rating_service_client::RatingServiceClient;
use onaltu_testkit::authed;
use uuid::Uuid;

/// The ratings of `period` as the public lists them, or `None` if the call failed.
async fn listed(public: &mut Rating, period: Period) -> Option<pb::ListRatingsResponse> {
    public
        .list_ratings(pb::ListRatingsRequest {
            period: Some(period.encode()),
            ..Default::default()
        })
        .await
        .ok()
        .map(|r| r.into_inner())
}

#[tokio::test]
async fn the_ended_quarter_is_rated_on_schedule_once() {
    let h = Harness::start().await;
    centre(&mut h.registry_operator(), "Орталық", 20).await;
    let (scheduled, _db) = h
        .another(|settings| {
            settings.compute.scheduled = true;
            settings.compute.check_interval_secs = 1;
        })
        .await;
    let ended = Period::quarter_of(onaltu_api::today()).previous();
    let mut public = RatingServiceClient::new(authed(&scheduled.channel, None));
    let deadline = Instant::now() + Duration::from_secs(10);
    let rated = loop {
        if let Some(r) = listed(&mut public, ended).await
            && r.rating_version > 0
        {
            break r;
        }
        assert!(
            Instant::now() < deadline,
            "the ended quarter was not rated in time"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(rated.rating_version, 1);
    assert_eq!(rated.ratings.len(), 1);
    // Later checks (one a second) find it rated and make no new version: watched over more
    // than two of them.
    let watched = Instant::now() + Duration::from_millis(2_500);
    while Instant::now() < watched {
        let again = listed(&mut public, ended).await.unwrap();
        assert_eq!(again.rating_version, 1);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn with_the_registry_down_nothing_is_computed_or_written() {
    let h = Harness::start().await;
    let nowhere = format!("http://127.0.0.1:{}", onaltu_testkit::free_port());
    let db = onaltu_testkit::TestDb::new(&onaltu_rating::migrations()).await;
    let cut_off = serve(&db, &h.redis, &nowhere, |settings| {
        settings.registry.timeout_ms = 300;
    })
    .await;
    let mut operator =
        RatingServiceClient::new(authed(&cut_off.channel, Some(&claims(Role::CityOperator))));
    let err = operator
        .compute_ratings(compute_request(Period::quarter_of(onaltu_api::today())))
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::Unavailable, "{err:?}");
    use tonic_types::StatusExt;
    assert!(
        err.get_details_retry_info().is_some(),
        "RetryInfo tells when to retry"
    );
    assert_eq!(db.count("rating_runs").await, 0);
}

#[tokio::test]
async fn public_reads_answer_with_redis_down_and_carry_the_previous_period() {
    let mut h = Harness::start().await;
    let id = centre(&mut h.registry_operator(), "Орталық", 20).await.id;
    let q = Period::quarter_of(onaltu_api::today());
    let record = |period: Period, share: f64| pb::RecordIndicatorsRequest {
        request_id: Uuid::now_v7().to_string(),
        center_id: id.clone(),
        period: Some(period.encode()),
        values: vec![
            pb::IndicatorValue {
                indicator_code: "accessibility_checklist_share".into(),
                value: share,
                source: pb::IndicatorSource::Inspection as i32,
                evidence_reference: "Акт №3".into(),
                ..Default::default()
            },
            pb::IndicatorValue {
                indicator_code: "events_per_100_recipients".into(),
                value: 20.0,
                source: pb::IndicatorSource::Inspection as i32,
                evidence_reference: "Акт №3".into(),
                ..Default::default()
            },
        ],
    };
    let mut operator = h.operator();
    operator
        .record_indicators(record(q.previous(), 1.0))
        .await
        .unwrap();
    operator.record_indicators(record(q, 0.3)).await.unwrap();
    operator
        .compute_ratings(compute_request(q.previous()))
        .await
        .unwrap();
    operator.compute_ratings(compute_request(q)).await.unwrap();

    h.redis.stop();
    let r = h
        .public()
        .get_center_rating(pb::GetCenterRatingRequest {
            center_id: id.clone(),
            ..Default::default()
        })
        .await
        .expect("answered from Postgres while Redis is down")
        .into_inner()
        .rating
        .unwrap();
    h.redis.resume();
    // Both quarters: capacity use 0 -> EFFECTIVENESS 0; events 20 -> ACTIVITIES 100.
    // Previous: accessibility 1.0 -> ACCESS 100: (0*0.3 + 100*0.1 + 100*0.3) / 0.7 = 57.14.
    // Now: accessibility 0.3 -> ACCESS 0: (0 + 10 + 0) / 0.7 = 14.29.
    assert_eq!(r.period, Some(q.encode()), "the latest rated period");
    assert_eq!(r.composite, Some(14.29));
    assert_eq!(r.stars, Some(1));
    assert_eq!(
        r.tier,
        pb::Tier::Warning as i32,
        "one period at two stars or less"
    );
    let previous = r.previous.unwrap();
    assert_eq!(previous.period, Some(q.previous().encode()));
    assert_eq!(previous.composite, Some(57.14));
    assert_eq!(previous.stars, Some(3));
    assert_eq!(previous.composite_change, Some(-42.85));
    assert_eq!(previous.stars_change, Some(-2));
}
