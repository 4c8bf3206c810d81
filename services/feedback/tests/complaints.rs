//! Complaints: opened by an evaluation, due in 15 working days, moved only along
//! OPEN -> IN_REVIEW -> RESOLVED | REJECTED, flagged when overdue, and seen by the complainant,
//! the centre and the city.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use onaltu_auth::Role;
use onaltu_feedback::domain::calendar::WorkCalendar;
use onaltu_proto::feedback as fb;
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

fn resolution() -> fb::Complaint {
    let mut resolve = status(fb::ComplaintStatus::Resolved);
    resolve.resolution = "Пандус салынды".into();
    resolve
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

/// The person's evaluation with a complaint about the ramp; the evaluation.
async fn complained(w: &OneServed) -> fb::Evaluation {
    let e = submit_with_complaint(
        &mut w.author(),
        evaluation(&w.episode, 4, ""),
        "Пандус жоқ, арбамен кіру мүмкін емес",
    )
    .await
    .unwrap();
    assert!(!e.complaint_id.is_empty());
    e
}

/// Takes complaint `id` into review as the centre.
async fn in_review(w: &OneServed, id: &str) -> fb::Complaint {
    let mut review = status(fb::ComplaintStatus::InReview);
    review.center_response = "Пандус сатып алынды, орнатамыз".into();
    w.centre_staff()
        .update_complaint(change(id, review, &["status", "center_response"]))
        .await
        .unwrap()
        .into_inner()
        .complaint
        .unwrap()
}

#[tokio::test]
async fn a_complaint_opens_with_the_evaluation_due_in_fifteen_working_days() {
    let w = world().await;
    let e = complained(&w).await;
    let listed = complaints(&mut w.h.moderator(), false).await;
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
}

#[tokio::test]
async fn an_open_complaint_cannot_skip_review_and_the_refusal_names_the_state() {
    let w = world().await;
    let e = complained(&w).await;
    let skipped =
        w.h.moderator()
            .update_complaint(change(
                &e.complaint_id,
                resolution(),
                &["status", "resolution"],
            ))
            .await
            .unwrap_err();
    assert_eq!(skipped.code(), Code::FailedPrecondition);
    assert!(skipped.message().contains("OPEN"), "{}", skipped.message());
}

#[tokio::test]
async fn the_centre_takes_a_complaint_into_review_but_may_not_close_it() {
    let w = world().await;
    let e = complained(&w).await;
    let reviewed = in_review(&w, &e.complaint_id).await;
    assert_eq!(reviewed.status, fb::ComplaintStatus::InReview as i32);
    let closing = w
        .centre_staff()
        .update_complaint(change(
            &e.complaint_id,
            resolution(),
            &["status", "resolution"],
        ))
        .await
        .unwrap_err();
    assert_eq!(closing.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn closing_a_complaint_needs_a_resolution() {
    let w = world().await;
    let e = complained(&w).await;
    in_review(&w, &e.complaint_id).await;
    let bare =
        w.h.moderator()
            .update_complaint(change(
                &e.complaint_id,
                status(fb::ComplaintStatus::Rejected),
                &["status"],
            ))
            .await
            .unwrap_err();
    assert_eq!(bad_fields(&bare), ["complaint.resolution"]);
}

#[tokio::test]
async fn the_city_resolves_a_reviewed_complaint_and_it_stays_closed() {
    let w = world().await;
    let e = complained(&w).await;
    in_review(&w, &e.complaint_id).await;
    let mut official = w.h.moderator();
    let resolved = official
        .update_complaint(change(
            &e.complaint_id,
            resolution(),
            &["status", "resolution"],
        ))
        .await
        .unwrap()
        .into_inner()
        .complaint
        .unwrap();
    assert_eq!(resolved.status, fb::ComplaintStatus::Resolved as i32);
    assert!(resolved.close_time.is_some());
    let reopened = official
        .update_complaint(change(
            &e.complaint_id,
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
}

#[tokio::test]
async fn the_complainant_sees_their_own_complaints_and_nobody_else_s() {
    let w = world().await;
    complained(&w).await;
    // The complainant sees their own; another citizen nothing; a centre only its own.
    let own = complaints(&mut w.author(), false).await;
    assert_eq!(own.len(), 1);
    let stranger = uuid::Uuid::now_v7().to_string();
    assert!(
        complaints(&mut w.h.citizen(&stranger), false)
            .await
            .is_empty()
    );
    let other_centre = uuid::Uuid::now_v7().to_string();
    assert!(
        complaints(&mut w.h.staff(&other_centre), false)
            .await
            .is_empty()
    );
    let refused =
        w.h.as_role(Role::Integration)
            .list_complaints(fb::ListComplaintsRequest::default())
            .await
            .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn the_centre_complained_about_cannot_tell_who_complained() {
    let w = world().await;
    let e = complained(&w).await;
    let theirs = complaints(&mut w.centre_staff(), false).await;
    assert_eq!(theirs.len(), 1);
    let c = &theirs[0];
    assert_eq!(
        c.evaluation_id, e.id,
        "the evaluation, published or not, names no one"
    );
    assert!(c.complainant_person_id.is_empty(), "no person");
    assert!(
        c.episode_id.is_empty(),
        "no episode that leads to the person"
    );
    let day = c.create_time.unwrap();
    assert_eq!((day.nanos, (day.seconds + 5 * 3600) % 86_400), (0, 0));
    // Answering it, the centre is answered in the same view.
    let reviewed = in_review(&w, &c.id).await;
    assert!(reviewed.complainant_person_id.is_empty() && reviewed.episode_id.is_empty());
    assert_eq!(reviewed.update_time.unwrap().nanos, 0);
    // The city and the complainant see the whole complaint.
    for mut whole in [w.h.moderator(), w.author()] {
        let c = &complaints(&mut whole, false).await[0];
        assert_eq!(c.complainant_person_id, w.person);
        assert_eq!(c.episode_id, w.episode);
    }
}

/// The person's evaluation scoring 1 with a comment; the evaluation.
async fn low_scored(w: &OneServed) -> fb::Evaluation {
    let e = submit(
        &mut w.author(),
        evaluation(&w.episode, 1, "Тамақ суық, бөлме лас"),
    )
    .await
    .unwrap();
    assert!(
        !e.complaint_id.is_empty(),
        "a score of 1 with a comment is a complaint"
    );
    e
}

#[tokio::test]
async fn a_low_score_with_a_comment_opens_a_complaint_flagged_once_overdue() {
    let w = world().await;
    let e = low_scored(&w).await;
    let mut official = w.h.moderator();
    assert!(complaints(&mut official, true).await.is_empty());
    w.h.sql(&format!(
        "UPDATE complaints SET deadline = current_date - 3 WHERE id = '{}'",
        e.complaint_id
    ))
    .await;
    let overdue = complaints(&mut official, true).await;
    assert_eq!(overdue.len(), 1);
    assert!(overdue[0].overdue);
}

#[tokio::test]
async fn the_city_gives_more_time_but_not_a_deadline_in_the_past() {
    let w = world().await;
    let e = low_scored(&w).await;
    let mut official = w.h.moderator();
    w.h.sql(&format!(
        "UPDATE complaints SET deadline = current_date - 3 WHERE id = '{}'",
        e.complaint_id
    ))
    .await;
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
}

#[tokio::test]
async fn a_good_evaluation_with_a_comment_opens_no_complaint() {
    let w = world().await;
    low_scored(&w).await;
    let mut op = w.h.registry_operator();
    let second = discharged(&mut op, &w.person, &w.centre).await.id;
    let fine = submit(&mut w.author(), evaluation(&second, 4, "Жақсы"))
        .await
        .unwrap();
    assert!(fine.complaint_id.is_empty());
    assert_eq!(w.h.count("complaints").await, 1);
}
