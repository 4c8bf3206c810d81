//! Complaints across the running suite: opened by an evaluation, due in 15 working days,
//! moved only along OPEN -> IN_REVIEW -> RESOLVED | REJECTED, flagged when overdue, and seen by
//! the complainant, the centre and the city.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use onaltu_auth::Role;
use onaltu_feedback::domain::calendar::WorkCalendar;
use onaltu_proto::feedback as fb;
use onaltu_suite::fixtures::*;
use onaltu_suite::{OneServed, citizen, claims, staff};
use tonic::Code;

async fn world() -> OneServed {
    OneServed::start("Мейірім орталығы").await
}

fn change(id: &str, c: fb::Complaint, paths: &[&str]) -> fb::UpdateComplaintRequest {
    fb::UpdateComplaintRequest {
        complaint: Some(fb::Complaint { id: id.into(), ..c }),
        update_mask: Some(prost_types::FieldMask {
            paths: paths.iter().map(|p| p.to_string()).collect(),
        }),
    }
}

fn status(s: fb::ComplaintStatus) -> fb::Complaint {
    fb::Complaint {
        status: s as i32,
        ..Default::default()
    }
}

async fn complaints(c: &mut Feedback, overdue_only: bool) -> Vec<fb::Complaint> {
    c.list_complaints(fb::ListComplaintsRequest {
        overdue_only,
        ..Default::default()
    })
    .await
    .unwrap()
    .into_inner()
    .complaints
}

#[tokio::test]
async fn a_complaint_is_due_in_fifteen_working_days_and_moves_along_its_path() {
    let w = world().await;
    let mut author = w.suite.feedback(Some(&citizen(&w.person)));
    let e = author
        .submit_evaluation(fb::SubmitEvaluationRequest {
            request_id: uuid::Uuid::now_v7().to_string(),
            evaluation: Some(evaluation(&w.episode, 4, "")),
            complaint_text: "Пандус жоқ, арбамен кіру мүмкін емес".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .evaluation
        .unwrap();
    assert!(!e.complaint_id.is_empty());
    let mut official = w.suite.feedback(Some(&claims(Role::CityOperator)));
    let listed = complaints(&mut official, false).await;
    assert_eq!(listed.len(), 1);
    let c = &listed[0];
    assert_eq!(c.id, e.complaint_id);
    assert_eq!(c.status, fb::ComplaintStatus::Open as i32);
    assert_eq!(c.text, "Пандус жоқ, арбамен кіру мүмкін емес");
    let received = onaltu_api::today();
    let due = WorkCalendar::kazakhstan()
        .unwrap()
        .add_working_days(received, 15);
    assert_eq!(c.deadline, Some(onaltu_api::date(due)));
    assert!(!c.overdue);

    // Straight to RESOLVED is not the path; the refusal names the state.
    let mut resolve = status(fb::ComplaintStatus::Resolved);
    resolve.resolution = "Пандус салынды".into();
    let skipped = official
        .update_complaint(change(&c.id, resolve.clone(), &["status", "resolution"]))
        .await
        .unwrap_err();
    assert_eq!(skipped.code(), Code::FailedPrecondition);
    assert!(skipped.message().contains("OPEN"), "{}", skipped.message());

    // The centre takes it into review and answers; it may not close it.
    let mut centre = w.suite.feedback(Some(&staff(&w.centre)));
    let mut review = status(fb::ComplaintStatus::InReview);
    review.center_response = "Пандус сатып алынды, орнатамыз".into();
    let reviewed = centre
        .update_complaint(change(&c.id, review, &["status", "center_response"]))
        .await
        .unwrap()
        .into_inner()
        .complaint
        .unwrap();
    assert_eq!(reviewed.status, fb::ComplaintStatus::InReview as i32);
    let closing = centre
        .update_complaint(change(&c.id, resolve.clone(), &["status", "resolution"]))
        .await
        .unwrap_err();
    assert_eq!(closing.code(), Code::PermissionDenied);
    // Closing needs a resolution.
    let bare = official
        .update_complaint(change(
            &c.id,
            status(fb::ComplaintStatus::Rejected),
            &["status"],
        ))
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&bare), ["complaint.resolution"]);
    let resolved = official
        .update_complaint(change(&c.id, resolve, &["status", "resolution"]))
        .await
        .unwrap()
        .into_inner()
        .complaint
        .unwrap();
    assert_eq!(resolved.status, fb::ComplaintStatus::Resolved as i32);
    assert!(resolved.close_time.is_some());
    let reopened = official
        .update_complaint(change(
            &c.id,
            status(fb::ComplaintStatus::InReview),
            &["status"],
        ))
        .await
        .unwrap_err();
    assert!(
        reopened.message().contains("RESOLVED"),
        "{}",
        reopened.message()
    );

    // The complainant sees their own; another citizen nothing; a centre only its own.
    let own = complaints(&mut author, false).await;
    assert_eq!(own.len(), 1);
    let stranger = uuid::Uuid::now_v7().to_string();
    assert!(
        complaints(&mut w.suite.feedback(Some(&citizen(&stranger))), false)
            .await
            .is_empty()
    );
    let other_centre = uuid::Uuid::now_v7().to_string();
    assert!(
        complaints(&mut w.suite.feedback(Some(&staff(&other_centre))), false)
            .await
            .is_empty()
    );
    let refused = w
        .suite
        .feedback(Some(&claims(Role::Integration)))
        .list_complaints(fb::ListComplaintsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn a_low_score_with_a_comment_opens_a_complaint_and_overdue_ones_are_flagged() {
    let w = world().await;
    let mut author = w.suite.feedback(Some(&citizen(&w.person)));
    let e = submit(
        &mut author,
        evaluation(&w.episode, 1, "Тамақ суық, бөлме лас"),
    )
    .await
    .unwrap();
    assert!(
        !e.complaint_id.is_empty(),
        "a score of 1 with a comment is a complaint"
    );
    let mut official = w.suite.feedback(Some(&claims(Role::CityOperator)));
    assert!(complaints(&mut official, true).await.is_empty());
    w.suite
        .feedback_sql(&format!(
            "UPDATE complaints SET deadline = current_date - 3 WHERE id = '{}'",
            e.complaint_id
        ))
        .await;
    let overdue = complaints(&mut official, true).await;
    assert_eq!(overdue.len(), 1);
    assert!(overdue[0].overdue);
    // The city may give more time; a deadline in the past is refused.
    let mut later = fb::Complaint {
        deadline: Some(date(2000, 1, 1)),
        ..Default::default()
    };
    let past = official
        .update_complaint(change(&e.complaint_id, later.clone(), &["deadline"]))
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&past), ["complaint.deadline"]);
    later.deadline = Some(onaltu_api::date(
        onaltu_api::today() + chrono::Days::new(10),
    ));
    official
        .update_complaint(change(&e.complaint_id, later, &["deadline"]))
        .await
        .unwrap();
    assert!(complaints(&mut official, true).await.is_empty());

    // A good evaluation with a comment opens nothing.
    let mut op = w.suite.registry(Some(&claims(Role::CityOperator)));
    let second = discharged(&mut op, &w.person, &w.centre).await.id;
    let fine = submit(&mut author, evaluation(&second, 4, "Жақсы"))
        .await
        .unwrap();
    assert!(fine.complaint_id.is_empty());
    assert_eq!(w.suite.feedback_count("complaints").await, 1);
}
