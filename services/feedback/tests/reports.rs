//! Reports of evaluations, called as those who would abuse them: the evaluated centre's staff
//! trying to clear a bad review before the quarter closes, a flood of reports from one account,
//! a citizen reporting twice; and as the safeguards mean them: an operator hides at once, three
//! distinct citizens hide, a hidden evaluation keeps counting until a moderator rejects it, and
//! the moderator's decision is final for the reports made until then.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use onaltu_auth::Role;
use onaltu_proto::feedback as fb;
use tonic::Code;
use uuid::Uuid;

const EVALUATION_PUBLISHED: &str = "onaltu.feedback.v1.EvaluationPublished";
const EVALUATION_WITHDRAWN: &str = "onaltu.feedback.v1.EvaluationWithdrawn";

fn report(id: &str, issue: fb::ContentIssue, note: &str) -> fb::ReportEvaluationRequest {
    fb::ReportEvaluationRequest {
        id: id.into(),
        issue: issue as i32,
        note: note.into(),
    }
}

/// The person's evaluation scored 1, published.
async fn published_low(w: &OneServed) -> fb::Evaluation {
    let e = submit(&mut w.author(), evaluation(&w.episode, 1, "Бәрі нашар"))
        .await
        .unwrap();
    publish(&mut w.h.moderator(), &e.id).await
}

/// A client of a citizen who is someone else (any citizen may report a published evaluation).
fn another_citizen(w: &OneServed) -> Feedback {
    w.h.citizen(&Uuid::now_v7().to_string())
}

async fn status_for_officials(w: &OneServed, id: &str) -> (i32, Vec<fb::EvaluationReport>) {
    let e = get(&mut w.h.moderator(), id).await.unwrap();
    (e.status, e.reports)
}

/// The outbox's event types: what the rating has been told.
async fn told_the_rating(w: &OneServed) -> Vec<String> {
    w.h.outbox_types().await
}

#[tokio::test]
async fn a_report_names_its_reason() {
    let w = OneServed::start("Шапағат").await;
    let e = published_low(&w).await;
    let no_reason = another_citizen(&w)
        .report_evaluation(fb::ReportEvaluationRequest {
            id: e.id.clone(),
            note: "x".repeat(1001),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&no_reason), ["issue", "note"]);
    assert_eq!(w.h.count("evaluation_reports").await, 0, "nothing written");
}

#[tokio::test]
async fn the_evaluated_centre_s_staff_cannot_hide_a_bad_review_nor_move_the_rating() {
    let w = OneServed::start("Шапағат").await;
    let e = published_low(&w).await;
    let answer = w
        .centre_staff()
        .report_evaluation(report(
            &e.id,
            fb::ContentIssue::FalseInformation,
            "Біз мұндай қызмет көрсетпейміз",
        ))
        .await
        .unwrap()
        .into_inner();
    let recorded = answer.report.unwrap();
    assert!(!recorded.counts_toward_hiding);
    assert_eq!(
        recorded.reporter_role,
        onaltu_proto::common::Role::CenterStaff as i32
    );
    assert_eq!(
        answer.evaluation.unwrap().status,
        fb::EvaluationStatus::Published as i32,
        "still published"
    );
    // Still public, still counted: nothing was sent to the rating.
    get(&mut w.h.public(), &e.id).await.unwrap();
    assert_eq!(told_the_rating(&w).await, [EVALUATION_PUBLISHED]);
    // Other centres' staff, as many as there are, hide nothing either.
    for _ in 0..4 {
        let other_centre = Uuid::now_v7().to_string();
        w.h.staff(&other_centre)
            .report_evaluation(report(&e.id, fb::ContentIssue::Spam, ""))
            .await
            .unwrap();
    }
    let (status, reports) = status_for_officials(&w, &e.id).await;
    assert_eq!(status, fb::EvaluationStatus::Published as i32);
    assert_eq!(reports.len(), 5, "the moderator sees every report");
    assert_eq!(
        reports[0].reporter_center_id, w.centre,
        "and which centre made it"
    );
    // The staff's own view of the evaluation shows no report, and no author.
    let seen = get(&mut w.centre_staff(), &e.id).await.unwrap();
    assert!(seen.reports.is_empty());
    assert!(seen.author.is_none() && seen.episode_id.is_empty());
}

#[tokio::test]
async fn an_account_reports_an_evaluation_once() {
    let w = OneServed::start("Шапағат").await;
    let e = published_low(&w).await;
    let mut reporter = another_citizen(&w);
    reporter
        .report_evaluation(report(&e.id, fb::ContentIssue::Offensive, ""))
        .await
        .unwrap();
    let twice = reporter
        .report_evaluation(report(&e.id, fb::ContentIssue::Spam, "again"))
        .await
        .unwrap_err();
    assert_eq!(twice.code(), Code::AlreadyExists);
    assert_eq!(w.h.count("evaluation_reports").await, 1);
}

#[tokio::test]
async fn a_flood_of_reports_from_one_account_stops_at_the_daily_limit() {
    let h = Harness::start_with(|s| s.reports.daily_limit = 3).await;
    let mut op = h.registry_operator();
    let centre = centre(&mut op, "Шапағат", 10).await.id;
    let mut published = Vec::new();
    for n in 1..=4 {
        let person = adult(&mut op, n).await.id;
        let episode = discharged(&mut op, &person, &centre).await.id;
        let e = submit(&mut h.citizen(&person), evaluation(&episode, 2, "Нашар"))
            .await
            .unwrap();
        published.push(publish(&mut h.moderator(), &e.id).await.id);
    }
    let mut flood = h.citizen(&Uuid::now_v7().to_string());
    for id in &published[..3] {
        flood
            .report_evaluation(report(id, fb::ContentIssue::Spam, ""))
            .await
            .unwrap();
    }
    let refused = flood
        .report_evaluation(report(&published[3], fb::ContentIssue::Spam, ""))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::ResourceExhausted);
    assert!(
        refused.message().contains("at most 3"),
        "{}",
        refused.message()
    );
    assert_eq!(h.count("evaluation_reports").await, 3);
    // Another account is not held by this one's limit.
    h.citizen(&Uuid::now_v7().to_string())
        .report_evaluation(report(&published[3], fb::ContentIssue::Spam, ""))
        .await
        .unwrap();
}

#[tokio::test]
async fn three_distinct_citizens_hide_an_evaluation_but_it_keeps_counting() {
    let w = OneServed::start("Шапағат").await;
    let e = published_low(&w).await;
    for n in 1..=3 {
        let answer = another_citizen(&w)
            .report_evaluation(report(&e.id, fb::ContentIssue::Offensive, ""))
            .await
            .unwrap()
            .into_inner();
        assert!(answer.report.unwrap().counts_toward_hiding);
        let (status, _) = status_for_officials(&w, &e.id).await;
        let expected = if n < 3 {
            fb::EvaluationStatus::Published
        } else {
            fb::EvaluationStatus::HiddenReported
        };
        assert_eq!(status, expected as i32, "after {n} citizens");
    }
    assert_eq!(
        get(&mut w.h.public(), &e.id).await.unwrap_err().code(),
        Code::NotFound,
        "hidden from the public"
    );
    let listed =
        w.h.public()
            .list_evaluations(fb::ListEvaluationsRequest {
                center_id: w.centre.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
    assert!(listed.evaluations.is_empty(), "and not listed");
    // Hiding is not a withdrawal: the rating was told nothing, the summary still counts it.
    assert_eq!(told_the_rating(&w).await, [EVALUATION_PUBLISHED]);
    let summary =
        w.h.public()
            .get_center_feedback_summary(fb::GetCenterFeedbackSummaryRequest {
                center_id: w.centre.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .summary
            .unwrap();
    assert_eq!(summary.n, 1, "{summary:?}");
}

#[tokio::test]
async fn an_operator_s_report_hides_at_once_and_only_the_moderator_withdraws() {
    let w = OneServed::start("Шапағат").await;
    let e = published_low(&w).await;
    let answer =
        w.h.moderator()
            .report_evaluation(report(
                &e.id,
                fb::ContentIssue::PersonalData,
                "номер телефона",
            ))
            .await
            .unwrap()
            .into_inner();
    assert_eq!(
        answer.evaluation.unwrap().status,
        fb::EvaluationStatus::HiddenReported as i32
    );
    assert_eq!(told_the_rating(&w).await, [EVALUATION_PUBLISHED]);
    // A stranger holding the id cannot learn, by reporting it, that it exists and is hidden.
    let stranger = another_citizen(&w)
        .report_evaluation(report(&e.id, fb::ContentIssue::Spam, ""))
        .await
        .unwrap_err();
    assert_eq!(stranger.code(), Code::NotFound);
    // The moderator upholds it: now, and only now, it stops counting.
    let rejected =
        w.h.moderator()
            .moderate_evaluation(fb::ModerateEvaluationRequest {
                id: e.id.clone(),
                action: fb::ModerationAction::Reject as i32,
                issue: fb::ContentIssue::PersonalData as i32,
                note: "Телефон нөмірі көрсетілген".into(),
                etag: String::new(),
            })
            .await
            .unwrap()
            .into_inner()
            .evaluation
            .unwrap();
    assert_eq!(rejected.status, fb::EvaluationStatus::Rejected as i32);
    assert_eq!(
        rejected.reports[0].decision,
        fb::ReportDecision::Upheld as i32
    );
    assert_eq!(
        told_the_rating(&w).await,
        [EVALUATION_PUBLISHED, EVALUATION_WITHDRAWN]
    );
}

#[tokio::test]
async fn the_moderator_s_decision_is_final_for_the_reports_made_until_then() {
    let w = OneServed::start("Шапағат").await;
    let e = published_low(&w).await;
    let mut reporters: Vec<Feedback> = (0..3).map(|_| another_citizen(&w)).collect();
    for r in &mut reporters {
        r.report_evaluation(report(&e.id, fb::ContentIssue::Offensive, ""))
            .await
            .unwrap();
    }
    let queue =
        w.h.moderator()
            .list_evaluations(fb::ListEvaluationsRequest {
                with_open_reports: true,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
    assert_eq!(queue.evaluations.len(), 1, "the moderators' queue");
    // Nothing wrong with it: published again, without being counted twice.
    publish(&mut w.h.moderator(), &e.id).await;
    assert_eq!(told_the_rating(&w).await, [EVALUATION_PUBLISHED]);
    let (status, reports) = status_for_officials(&w, &e.id).await;
    assert_eq!(status, fb::EvaluationStatus::Published as i32);
    assert!(
        reports
            .iter()
            .all(|r| r.decision == fb::ReportDecision::Dismissed as i32)
    );
    // The same reporters cannot bring it back; the queue is empty.
    let again = reporters[0]
        .report_evaluation(report(&e.id, fb::ContentIssue::Offensive, ""))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::AlreadyExists);
    let queue =
        w.h.moderator()
            .list_evaluations(fb::ListEvaluationsRequest {
                with_open_reports: true,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
    assert!(queue.evaluations.is_empty());
    // Only officials list the queue.
    let staff = w
        .centre_staff()
        .list_evaluations(fb::ListEvaluationsRequest {
            center_id: w.centre.clone(),
            with_open_reports: true,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(staff.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn unpublished_evaluations_cannot_be_reported_and_stay_unknown_to_strangers() {
    let w = OneServed::start("Шапағат").await;
    let e = submit(&mut w.author(), evaluation(&w.episode, 2, "Күту ұзақ"))
        .await
        .unwrap();
    let stranger = another_citizen(&w)
        .report_evaluation(report(&e.id, fb::ContentIssue::Spam, ""))
        .await
        .unwrap_err();
    assert_eq!(stranger.code(), Code::NotFound);
    let staff = w
        .centre_staff()
        .report_evaluation(report(&e.id, fb::ContentIssue::Spam, ""))
        .await
        .unwrap_err();
    assert_eq!(staff.code(), Code::FailedPrecondition);
    for refused in [Role::Driver, Role::Dispatcher, Role::Auditor] {
        let err =
            w.h.as_role(refused)
                .report_evaluation(report(&e.id, fb::ContentIssue::Spam, ""))
                .await
                .unwrap_err();
        assert_eq!(err.code(), Code::PermissionDenied, "{refused:?}");
    }
    assert_eq!(w.h.count("evaluation_reports").await, 0);
}
