//! The rating service as an operator runs it: the ended quarter rated on schedule, the registry
//! down (UNAVAILABLE, nothing written), Redis down (public reads still answer), and the previous
//! period carried into the next one's rating.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use onaltu_api::Period;
use onaltu_auth::Role;
use onaltu_proto::rating as pb;
use onaltu_proto::rating::rating_service_client::RatingServiceClient;
use onaltu_suite::fixtures::*;
use onaltu_suite::{Suite, claims, serve_rating_with};
use onaltu_testkit::{TestDb, authed};
use uuid::Uuid;

fn compute_request(period: Period) -> pb::ComputeRatingsRequest {
    pb::ComputeRatingsRequest {
        request_id: Uuid::now_v7().to_string(),
        period: Some(period.encode()),
    }
}

#[tokio::test]
async fn the_ended_quarter_is_rated_on_schedule_once() {
    let s = Suite::start().await;
    let mut op = s.registry(Some(&claims(Role::CityOperator)));
    centre(&mut op, "Орталық", 20).await;
    let db = TestDb::new(&onaltu_rating::migrations()).await;
    let scheduled = serve_rating_with(&db, &s.redis, &s.registry.addr, |settings| {
        settings.compute.scheduled = true;
        settings.compute.check_interval_secs = 1;
    })
    .await;
    let ended = Period::quarter_of(onaltu_api::today()).previous();
    let mut public = RatingServiceClient::new(authed(&scheduled.channel, None));
    let mut rated = None;
    for _ in 0..100 {
        if let Ok(r) = public
            .list_ratings(pb::ListRatingsRequest {
                period: Some(ended.encode()),
                ..Default::default()
            })
            .await
            && r.get_ref().rating_version > 0
        {
            rated = Some(r.into_inner());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rated = rated.expect("the ended quarter was rated");
    assert_eq!(rated.rating_version, 1);
    assert_eq!(rated.ratings.len(), 1);
    // Later checks find it rated and make no new version.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let again = public
        .list_ratings(pb::ListRatingsRequest {
            period: Some(ended.encode()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.rating_version, 1);
}

#[tokio::test]
async fn with_the_registry_down_nothing_is_computed_or_written() {
    let s = Suite::start().await;
    let db = TestDb::new(&onaltu_rating::migrations()).await;
    let nowhere = format!("http://127.0.0.1:{}", onaltu_testkit::free_port());
    let cut_off = serve_rating_with(&db, &s.redis, &nowhere, |settings| {
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
    let mut conn = db.connect().await;
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let runs = diesel::sql_query("SELECT count(*) AS n FROM rating_runs")
        .get_result::<N>(&mut conn)
        .await
        .unwrap()
        .n;
    assert_eq!(runs, 0);
}

#[tokio::test]
async fn public_reads_answer_with_redis_down_and_carry_the_previous_period() {
    let mut s = Suite::start().await;
    let mut op = s.registry(Some(&claims(Role::CityOperator)));
    let id = centre(&mut op, "Орталық", 20).await.id;
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
    let mut operator = s.rating(Some(&claims(Role::CityOperator)));
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

    s.redis.stop();
    let r = s
        .rating(None)
        .get_center_rating(pb::GetCenterRatingRequest {
            center_id: id.clone(),
            ..Default::default()
        })
        .await
        .expect("answered from Postgres while Redis is down")
        .into_inner()
        .rating
        .unwrap();
    s.redis.resume();
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
