//! The moderators' pages over HTTP, against the registry, feedback, rating and transport
//! services and the portal running in process: a pending evaluation published and shown on
//! the centre's public page, one rejected for a reason with a note (nothing published), a
//! complaint taken to resolved with its resolution, overdue complaints first, other roles
//! refused, and forged forms changing nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Browser, World};
use http::StatusCode;
use onaltu_auth::Role;
use onaltu_proto::feedback as fb;
use onaltu_suite::fixtures::*;
use onaltu_suite::{citizen, claims, staff};

impl World {
    async fn complaints(&self) -> Vec<fb::Complaint> {
        self.moderator()
            .list_complaints(fb::ListComplaintsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .complaints
    }

    /// Moves complaint `id`'s deadline `days` days into the past, as time would.
    fn age_deadline(&self, id: &str, days: u32) {
        let sql =
            format!("UPDATE complaints SET deadline = current_date - {days} WHERE id = '{id}'");
        let done = std::process::Command::new("psql")
            .args([self.suite.feedback_db.url(), "-q", "-c", &sql])
            .status()
            .expect("psql runs");
        assert!(done.success(), "the deadline was moved");
    }
}

/// A person's evaluation of a service at a new centre, waiting for moderation:
/// (centre, evaluation).
async fn pending(
    w: &World,
    serial: u32,
    comment: &str,
    complaint: &str,
) -> (String, fb::Evaluation) {
    let mut op = w.suite.registry(Some(&claims(Role::CityOperator)));
    let person = adult(&mut op, serial).await.id;
    let centre = centre(&mut op, &format!("Оңалту орталығы {serial}"), 20)
        .await
        .id;
    let episode = discharged(&mut op, &person, &centre).await.id;
    let mut author = w.suite.feedback(Some(&citizen(&person)));
    let e = onaltu_testkit::feedback::submit_with_complaint(
        &mut author,
        evaluation(&episode, 4, comment),
        complaint,
    )
    .await
    .unwrap();
    (centre, e)
}

#[tokio::test]
async fn an_operator_publishes_a_pending_evaluation_and_the_public_sees_it() {
    let w = World::start().await;
    let (centre, e) = pending(&w, 201, "Жақсы орталық. Хабарласыңыз: +7 701 123 45 67", "").await;
    let operator = w.sign_in(claims(Role::CityOperator)).await;

    let queue = w.get(&operator, "/moderation").await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
    assert_eq!(queue.cache, "no-store");
    assert!(
        queue.body.contains("Оңалту орталығы 201"),
        "the centre's name"
    );
    assert!(queue.body.contains("Жақсы орталық."), "the comment");
    assert!(
        queue.body.contains("a phone number"),
        "the pre-check flag in words"
    );
    assert!(
        queue.body.contains("Contains personal data"),
        "the reasons offered"
    );
    let action = format!("/moderation/{}", e.id);
    let etag = queue.hidden_in(&action, "etag");

    let done = w
        .post(
            &operator,
            &action,
            &[
                ("csrf", operator.csrf.as_str()),
                ("etag", &etag),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location, "/moderation?notice=published");
    let after = w.get(&operator, &done.location).await;
    assert!(after.body.contains("The evaluation is published."));
    assert!(!after.body.contains(&action), "it left the queue");
    assert_eq!(
        w.evaluation(&e.id).await.status,
        fb::EvaluationStatus::Published as i32
    );

    let public = w.anonymous(&format!("/centres/{centre}")).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(
        public.body.contains("Жақсы орталық."),
        "published on the centre's page"
    );

    // Deciding again is refused in words, and changes nothing.
    let again = w
        .post(
            &operator,
            &action,
            &[
                ("csrf", operator.csrf.as_str()),
                ("action", "reject"),
                ("issue", "spam"),
                ("note", "x"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(again.body.contains("already been decided"));
    assert_eq!(
        w.evaluation(&e.id).await.status,
        fb::EvaluationStatus::Published as i32
    );
}

#[tokio::test]
async fn a_rejection_needs_a_reason_and_a_note_and_publishes_nothing() {
    let w = World::start().await;
    let (centre, e) = pending(&w, 202, "Дәрігер Әлиева жаман", "").await;
    let operator = w.sign_in(claims(Role::CityOperator)).await;
    let action = format!("/moderation/{}", e.id);

    let bad = w
        .post(
            &operator,
            &action,
            &[("csrf", operator.csrf.as_str()), ("action", "reject")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("class=\"error-summary\""));
    assert!(bad.body.contains(&format!("id=\"issue-{}-error\"", e.id)));
    assert!(bad.body.contains(&format!("id=\"note-{}-error\"", e.id)));
    assert!(bad.body.contains("<title>Error: "));
    assert_eq!(
        w.evaluation(&e.id).await.status,
        fb::EvaluationStatus::PendingModeration as i32
    );

    let done = w
        .post(
            &operator,
            &action,
            &[
                ("csrf", operator.csrf.as_str()),
                ("action", "reject"),
                ("issue", "third_person"),
                ("note", "Please do not name staff members."),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location, "/moderation?notice=rejected");
    let stored = w.evaluation(&e.id).await;
    assert_eq!(stored.status, fb::EvaluationStatus::Rejected as i32);
    let decision = stored.moderation.unwrap();
    assert_eq!(decision.issue, fb::ContentIssue::ThirdPerson as i32);
    assert_eq!(decision.note, "Please do not name staff members.");

    let public = w.anonymous(&format!("/centres/{centre}")).await;
    assert!(!public.body.contains("Әлиева"), "nothing published");
}

#[tokio::test]
async fn a_complaint_is_moved_to_resolved_with_its_resolution() {
    let w = World::start().await;
    let (_, e) = pending(&w, 203, "", "Кезек туралы ақпарат берілмеді.").await;
    let id = e.complaint_id.clone();
    assert!(!id.is_empty());
    let operator = w.sign_in(claims(Role::CityOperator)).await;

    let list = w.get(&operator, "/moderation/complaints").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(list.cache, "no-store");
    assert!(list.body.contains("Кезек туралы ақпарат берілмеді."));
    assert!(list.body.contains("Оңалту орталығы 203"));
    let action = format!("/moderation/complaints/{id}");
    assert!(
        !list.body.contains(&format!("status-{id}-resolved")),
        "an open complaint is taken in review first"
    );
    let etag = list.hidden_in(&action, "etag");

    let review = w
        .post(
            &operator,
            &action,
            &[
                ("csrf", operator.csrf.as_str()),
                ("etag", &etag),
                ("status", "in_review"),
            ],
        )
        .await;
    assert_eq!(review.status, StatusCode::SEE_OTHER, "{}", review.body);

    let no_resolution = w
        .post(
            &operator,
            &action,
            &[("csrf", operator.csrf.as_str()), ("status", "resolved")],
        )
        .await;
    assert_eq!(no_resolution.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_resolution
            .body
            .contains(&format!("id=\"resolution-{id}-error\""))
    );
    assert_eq!(
        w.complaints().await[0].status,
        fb::ComplaintStatus::InReview as i32
    );

    let resolved = w
        .post(
            &operator,
            &action,
            &[
                ("csrf", operator.csrf.as_str()),
                ("status", "resolved"),
                ("resolution", "Кезек туралы ақпарат сайтқа қойылды."),
            ],
        )
        .await;
    assert_eq!(resolved.status, StatusCode::SEE_OTHER, "{}", resolved.body);
    assert_eq!(resolved.location, "/moderation/complaints?notice=updated");
    let stored = &w.complaints().await[0];
    assert_eq!(stored.status, fb::ComplaintStatus::Resolved as i32);
    assert_eq!(stored.resolution, "Кезек туралы ақпарат сайтқа қойылды.");

    // A closed complaint takes no further step.
    let closed = w
        .post(
            &operator,
            &action,
            &[("csrf", operator.csrf.as_str()), ("status", "in_review")],
        )
        .await;
    assert_eq!(closed.status, StatusCode::CONFLICT, "{}", closed.body);
}

#[tokio::test]
async fn overdue_complaints_are_listed_first_and_said_in_words() {
    let w = World::start().await;
    let (_, first) = pending(&w, 204, "", "Бірінші шағым.").await;
    let (_, second) = pending(&w, 205, "", "Екінші шағым.").await;
    w.age_deadline(&second.complaint_id, 3);
    let operator = w.sign_in(claims(Role::CityOperator)).await;

    let list = w.get(&operator, "/moderation/complaints").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let at = |id: &str| list.body.find(&format!("id=\"complaint-{id}\"")).unwrap();
    assert!(
        at(&second.complaint_id) < at(&first.complaint_id),
        "overdue first"
    );
    assert!(list.body.contains("1 is overdue."));
    assert!(list.body.contains("Overdue: the answer was due by"));
}

#[tokio::test]
async fn only_the_city_moderates() {
    let w = World::start().await;
    let mut op = w.suite.registry(Some(&claims(Role::CityOperator)));
    let person = adult(&mut op, 206).await.id;
    let place = centre(&mut op, "Оңалту орталығы 206", 20).await.id;
    let others = [
        citizen(&person),
        staff(&place),
        onaltu_testkit::driver(&uuid::Uuid::now_v7().to_string()),
        claims(Role::Dispatcher),
        claims(Role::Auditor),
    ];
    for who in others {
        let role = who.role;
        let v = w.sign_in(who).await;
        for path in ["/moderation", "/moderation/complaints"] {
            let page = w.get(&v, path).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{role:?} on {path}");
            assert_eq!(page.cache, "no-store");
        }
    }
    assert_eq!(
        w.anonymous("/moderation").await.status,
        StatusCode::UNAUTHORIZED
    );
    let admin = w.sign_in(claims(Role::Admin)).await;
    assert_eq!(w.get(&admin, "/moderation").await.status, StatusCode::OK);
    let _ = &w.portal.url;
}

#[tokio::test]
async fn a_forged_form_changes_nothing() {
    let w = World::start().await;
    let (_, e) = pending(&w, 207, "Жақсы.", "Шағым мәтіні.").await;
    let operator = w.sign_in(claims(Role::CityOperator)).await;

    let forged = w
        .post(
            &operator,
            &format!("/moderation/{}", e.id),
            &[("csrf", "forged"), ("action", "publish")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        w.evaluation(&e.id).await.status,
        fb::EvaluationStatus::PendingModeration as i32
    );

    let forged = w
        .post(
            &operator,
            &format!("/moderation/complaints/{}", e.complaint_id),
            &[("status", "in_review")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        w.complaints().await[0].status,
        fb::ComplaintStatus::Open as i32
    );

    // A centre's staff cannot moderate, even with their own session's token.
    let mut op = w.suite.registry(Some(&claims(Role::CityOperator)));
    let place = centre(&mut op, "Оңалту орталығы 208", 20).await.id;
    let worker = w.sign_in(staff(&place)).await;
    let refused = w
        .post(
            &worker,
            &format!("/moderation/{}", e.id),
            &[("csrf", worker.csrf.as_str()), ("action", "publish")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        w.evaluation(&e.id).await.status,
        fb::EvaluationStatus::PendingModeration as i32
    );
}
