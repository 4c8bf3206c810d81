//! Retention on the feedback database: run at a chosen moment, the rules forget reports a
//! moderator decided on more than `[reports] keep_decided_days` ago and keep younger decided
//! ones and every open one, however old; idempotency keys and delivered events go by the shared
//! rules.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Duration, Utc};
use common::*;
use onaltu_proto::feedback as fb;
use uuid::Uuid;

fn spam(id: &str) -> fb::ReportEvaluationRequest {
    fb::ReportEvaluationRequest {
        id: id.into(),
        issue: fb::ContentIssue::Spam as i32,
        note: String::new(),
    }
}

#[tokio::test]
async fn decided_reports_are_forgotten_after_their_keep_period_open_ones_never() {
    let w = OneServed::start("Шапағат").await;
    let e = submit(&mut w.author(), evaluation(&w.episode, 2, "Нашар"))
        .await
        .unwrap();
    publish(&mut w.h.moderator(), &e.id).await;
    let (old, young) = (Uuid::now_v7(), Uuid::now_v7());
    for reporter in [old, young] {
        w.h.citizen(&reporter.to_string())
            .report_evaluation(spam(&e.id))
            .await
            .unwrap();
    }
    // The moderator keeps it published: both reports are dismissed.
    publish(&mut w.h.moderator(), &e.id).await;
    // A report made after that decision waits for the next one.
    let waiting = Uuid::now_v7();
    w.h.citizen(&waiting.to_string())
        .report_evaluation(spam(&e.id))
        .await
        .unwrap();
    let settings = onaltu_feedback::settings::Settings::default();
    let keep = i64::from(settings.reports.keep_decided_days);
    w.h.sql(&format!(
        "UPDATE evaluation_reports SET decide_time = now() - interval '{} days' \
         WHERE reporter_subject = 'citizen-{old}'",
        keep + 1
    ))
    .await;
    w.h.sql(&format!(
        "UPDATE evaluation_reports SET decide_time = now() - interval '{} days' \
         WHERE reporter_subject = 'citizen-{young}'",
        keep - 1
    ))
    .await;
    w.h.sql(&format!(
        "UPDATE evaluation_reports SET create_time = now() - interval '{} days' \
         WHERE reporter_subject = 'citizen-{waiting}'",
        keep * 3
    ))
    .await;
    let rules = onaltu_feedback::workers::retention::rules(&settings);
    let mut conn = w.h.db.connect().await;
    let done = onaltu_db::retention::run_once(&mut conn, &rules, Utc::now())
        .await
        .unwrap();
    let reports = done
        .iter()
        .find(|(name, _)| *name == "evaluation_reports")
        .unwrap();
    assert_eq!(reports.1, 1, "{done:?}");
    let left = get(&mut w.h.moderator(), &e.id).await.unwrap().reports;
    assert_eq!(left.len(), 2);
    assert!(
        left.iter()
            .any(|r| r.decision == fb::ReportDecision::Open as i32)
    );
    // A run a moment later has nothing more to forget.
    let again = onaltu_db::retention::run_once(&mut conn, &rules, Utc::now() + Duration::hours(1))
        .await
        .unwrap();
    assert!(again.iter().all(|(_, n)| *n == 0), "{again:?}");
}
