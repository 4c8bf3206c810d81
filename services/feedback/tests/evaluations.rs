//! Submitting and editing evaluations: who may evaluate which episode (asked of the registry),
//! one evaluation per episode, every bad field at once, the registry down, and the author's
//! 14-day edits.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use onaltu_auth::Role;
use onaltu_proto::feedback as fb;
use tonic::Code;
use tonic_types::StatusExt;

struct World {
    h: Harness,
    centre: String,
    adult: String,
    parent: String,
    child: String,
    adult_episode: String,
    child_episode: String,
}

async fn world() -> World {
    let h = Harness::start().await;
    let mut op = h.registry_operator();
    let centre = centre(&mut op, "Күншуақ оңалту орталығы", 20).await.id;
    let adult_id = adult(&mut op, 1).await.id;
    let parent = adult(&mut op, 2).await.id;
    let child = child(&mut op, 3, &parent).await.id;
    let adult_episode = discharged(&mut op, &adult_id, &centre).await.id;
    let child_episode = admitted(&mut op, &child, &centre).await.id;
    World {
        h,
        centre,
        adult: adult_id,
        parent,
        child,
        adult_episode,
        child_episode,
    }
}

#[tokio::test]
async fn the_recipient_evaluates_a_received_service_pending_moderation() {
    let w = world().await;
    let mut recipient = w.h.citizen(&w.adult);
    let e = submit(
        &mut recipient,
        evaluation(&w.adult_episode, 5, "Рахмет, көмектесті"),
    )
    .await
    .unwrap();
    assert_eq!(e.status, fb::EvaluationStatus::PendingModeration as i32);
    assert_eq!(
        e.center_id, w.centre,
        "the centre comes from the registry's episode"
    );
    let author = e.author.unwrap();
    assert_eq!(author.recipient_person_id, w.adult);
    assert!(!author.legal_representative);
    assert!(e.editable_until.is_some());
    assert_eq!(w.h.count("evaluations").await, 1);
}

#[tokio::test]
async fn a_legal_representative_evaluates_the_child_s_service() {
    let w = world().await;
    let mut parent = w.h.citizen(&w.parent);
    let e = submit(&mut parent, evaluation(&w.child_episode, 4, ""))
        .await
        .unwrap();
    let author = e.author.unwrap();
    assert_eq!(author.recipient_person_id, w.child);
    assert_eq!(author.submitted_by_person_id, w.parent);
    assert!(author.legal_representative);
    assert_eq!(w.h.count("evaluations").await, 1);
}

#[tokio::test]
async fn a_retry_with_the_same_request_id_returns_the_first_evaluation() {
    let w = world().await;
    let mut c = w.h.citizen(&w.adult);
    let request = fb::SubmitEvaluationRequest {
        request_id: uuid::Uuid::now_v7().to_string(),
        evaluation: Some(evaluation(&w.adult_episode, 5, "")),
        complaint_text: String::new(),
    };
    let first = c
        .submit_evaluation(request.clone())
        .await
        .unwrap()
        .into_inner();
    let retry = c.submit_evaluation(request).await.unwrap().into_inner();
    assert_eq!(first.evaluation.unwrap().id, retry.evaluation.unwrap().id);
    assert_eq!(w.h.count("evaluations").await, 1);
}

#[tokio::test]
async fn a_request_id_is_the_caller_s_own_and_names_one_request() {
    let w = world().await;
    let rid = uuid::Uuid::now_v7().to_string();
    let first =
        w.h.citizen(&w.adult)
            .submit_evaluation(fb::SubmitEvaluationRequest {
                request_id: rid.clone(),
                evaluation: Some(evaluation(&w.adult_episode, 5, "")),
                complaint_text: String::new(),
            })
            .await
            .unwrap()
            .into_inner()
            .evaluation
            .unwrap();
    // The same caller, the same id, another request: refused, nothing written.
    let reused =
        w.h.citizen(&w.adult)
            .submit_evaluation(fb::SubmitEvaluationRequest {
                request_id: rid.clone(),
                evaluation: Some(evaluation(&w.adult_episode, 1, "")),
                complaint_text: String::new(),
            })
            .await
            .unwrap_err();
    assert_eq!(reused.code(), Code::FailedPrecondition);
    assert!(
        reused.message().contains("request_id"),
        "{}",
        reused.message()
    );
    // Another caller replaying the id learns nothing of the first evaluation: the call is its
    // own, authorised as theirs (the parent evaluates the child's episode).
    let theirs =
        w.h.citizen(&w.parent)
            .submit_evaluation(fb::SubmitEvaluationRequest {
                request_id: rid,
                evaluation: Some(evaluation(&w.child_episode, 4, "")),
                complaint_text: String::new(),
            })
            .await
            .unwrap()
            .into_inner()
            .evaluation
            .unwrap();
    assert_ne!(theirs.id, first.id);
    assert_eq!(theirs.episode_id, w.child_episode);
    assert_eq!(w.h.count("evaluations").await, 2);
}

#[tokio::test]
async fn the_evaluated_centre_sees_no_author_no_episode_and_no_moment_finer_than_the_day() {
    let w = world().await;
    let e = submit(
        &mut w.h.citizen(&w.adult),
        evaluation(&w.adult_episode, 2, "Ұзақ күттік"),
    )
    .await
    .unwrap();
    let seen = get(&mut w.h.staff(&w.centre), &e.id).await.unwrap();
    assert!(seen.author.is_none());
    assert!(
        seen.episode_id.is_empty(),
        "the episode leads to the person"
    );
    let submitted = seen.submit_time.unwrap();
    assert_eq!(submitted.nanos, 0);
    assert_eq!(
        (submitted.seconds + 5 * 3600) % 86_400,
        0,
        "local midnight of the day"
    );
    // The id tells the day only, like the times.
    let id: uuid::Uuid = e.id.parse().unwrap();
    let (secs, nanos) = id.get_timestamp().unwrap().to_unix();
    assert_eq!((secs as i64, nanos), (submitted.seconds, 0));
    // The author still sees the moment itself.
    let own = get(&mut w.h.citizen(&w.adult), &e.id).await.unwrap();
    assert_eq!(own.episode_id, w.adult_episode);
    assert!(own.submit_time.unwrap().seconds > submitted.seconds);
}

#[tokio::test]
async fn an_episode_has_one_evaluation() {
    let w = world().await;
    let mut c = w.h.citizen(&w.adult);
    submit(&mut c, evaluation(&w.adult_episode, 5, ""))
        .await
        .unwrap();
    let second = submit(&mut c, evaluation(&w.adult_episode, 1, ""))
        .await
        .unwrap_err();
    assert_eq!(second.code(), Code::AlreadyExists);
    assert_eq!(w.h.count("evaluations").await, 1);
}

#[tokio::test]
async fn a_citizen_may_not_evaluate_someone_else_s_episode() {
    let w = world().await;
    // The child's representative cannot evaluate the unrelated adult's episode, nor the
    // adult the child's.
    let mut stranger = w.h.citizen(&w.parent);
    let refused = submit(&mut stranger, evaluation(&w.adult_episode, 1, ""))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
    let mut adult = w.h.citizen(&w.adult);
    let refused = submit(&mut adult, evaluation(&w.child_episode, 1, ""))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    assert_eq!(w.h.count("evaluations").await, 0);
}

#[tokio::test]
async fn staff_operators_and_the_public_do_not_evaluate() {
    let w = world().await;
    // Staff and operators do not evaluate on anyone's behalf; the public not at all.
    for who in [
        Some(staff(&w.centre)),
        Some(claims(Role::CityOperator)),
        None,
    ] {
        let mut c = w.h.client(who.as_ref());
        let refused = submit(&mut c, evaluation(&w.adult_episode, 5, ""))
            .await
            .unwrap_err();
        assert!(
            matches!(
                refused.code(),
                Code::PermissionDenied | Code::Unauthenticated
            ),
            "{refused:?}"
        );
    }
    assert_eq!(w.h.count("evaluations").await, 0);
}

#[tokio::test]
async fn an_episode_the_registry_does_not_know_is_not_found() {
    let w = world().await;
    let mut adult = w.h.citizen(&w.adult);
    let unknown = submit(
        &mut adult,
        evaluation(&uuid::Uuid::now_v7().to_string(), 5, ""),
    )
    .await
    .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
    assert_eq!(w.h.count("evaluations").await, 0);
}

#[tokio::test]
async fn a_service_not_yet_received_cannot_be_evaluated() {
    let w = world().await;
    let mut op = w.h.registry_operator();
    let other = centre(&mut op, "Екінші орталық", 5).await.id;
    let waiting = queued(&mut op, &w.adult, &other).await.id;
    let mut c = w.h.citizen(&w.adult);
    let refused = submit(&mut c, evaluation(&waiting, 3, ""))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert!(
        refused.message().contains("QUEUED"),
        "{}",
        refused.message()
    );
    let details = refused.get_details_precondition_failure().unwrap();
    assert_eq!(details.violations[0].r#type, "EPISODE_STATE");
    assert_eq!(w.h.count("evaluations").await, 0);
}

#[tokio::test]
async fn every_bad_field_is_named_in_one_answer_and_nothing_is_written() {
    let w = world().await;
    let mut c = w.h.citizen(&w.adult);
    let mut e = evaluation("not-a-uuid", 5, &"ы".repeat(2001));
    let scores = e.scores.as_mut().unwrap();
    scores.results = Some(0);
    scores.waiting = Some(6);
    e.would_recommend = Some(11);
    e.days_waited = Some(-1);
    e.language = 9;
    let bad = c
        .submit_evaluation(fb::SubmitEvaluationRequest {
            request_id: "not-a-uuid".into(),
            evaluation: Some(e),
            complaint_text: "ж".repeat(4001),
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    let mut fields = bad_fields(&bad);
    fields.sort();
    assert_eq!(
        fields,
        [
            "complaint_text",
            "evaluation.comment",
            "evaluation.days_waited",
            "evaluation.episode_id",
            "evaluation.language",
            "evaluation.scores.results",
            "evaluation.scores.waiting",
            "evaluation.would_recommend",
            "request_id",
        ]
    );
    assert_eq!(w.h.count("evaluations").await, 0);
    assert_eq!(w.h.count("complaints").await, 0);
}

#[tokio::test]
async fn an_evaluation_without_any_score_is_refused() {
    let w = world().await;
    let mut c = w.h.citizen(&w.adult);
    let mut empty = evaluation(&w.adult_episode, 5, "");
    empty.scores = Some(fb::CriterionScores::default());
    let bad = submit(&mut c, empty).await.unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    assert_eq!(bad_fields(&bad), ["evaluation.scores"]);
    assert_eq!(w.h.count("evaluations").await, 0);
    assert_eq!(w.h.count("complaints").await, 0);
}

#[tokio::test]
async fn with_the_registry_unreachable_nothing_is_written_and_the_caller_retries_later() {
    let dead = format!("http://127.0.0.1:{}", onaltu_testkit::free_port());
    let h = Harness::start_with(|s| {
        s.registry.url = dead;
        s.registry.timeout_ms = 300;
    })
    .await;
    let person = uuid::Uuid::now_v7().to_string();
    let mut c = h.citizen(&person);
    let episode = uuid::Uuid::now_v7().to_string();
    let down = submit(&mut c, evaluation(&episode, 5, ""))
        .await
        .unwrap_err();
    assert_eq!(down.code(), Code::Unavailable, "{down:?}");
    let retry = down.get_details_retry_info().expect("RetryInfo");
    assert!(retry.retry_delay.unwrap().as_secs() >= 1);
    assert_eq!(h.count("evaluations").await, 0);
}

/// An edit of evaluation `id`: `comment`, and the comfort score 1, under `paths`.
fn edit(id: &str, comment: &str, paths: &[&str]) -> fb::UpdateEvaluationRequest {
    fb::UpdateEvaluationRequest {
        evaluation: Some(fb::Evaluation {
            id: id.into(),
            comment: comment.into(),
            scores: Some(fb::CriterionScores {
                comfort: Some(1),
                ..Default::default()
            }),
            ..Default::default()
        }),
        update_mask: Some(prost_types::FieldMask {
            paths: paths.iter().map(|p| p.to_string()).collect(),
        }),
    }
}

/// The adult's evaluation, scored 3, published.
async fn published(w: &World) -> fb::Evaluation {
    let mut author = w.h.citizen(&w.adult);
    let e = submit(&mut author, evaluation(&w.adult_episode, 3, ""))
        .await
        .unwrap();
    let published = publish(&mut w.h.moderator(), &e.id).await;
    assert_eq!(published.status, fb::EvaluationStatus::Published as i32);
    published
}

#[tokio::test]
async fn the_author_s_edit_returns_the_evaluation_to_moderation() {
    let w = world().await;
    let e = published(&w).await;
    let edited =
        w.h.citizen(&w.adult)
            .update_evaluation(edit(&e.id, "Бөлмелер суық", &["comment", "scores.comfort"]))
            .await
            .unwrap()
            .into_inner()
            .evaluation
            .unwrap();
    assert_eq!(
        edited.status,
        fb::EvaluationStatus::PendingModeration as i32
    );
    assert_eq!(edited.comment, "Бөлмелер суық");
    let scores = edited.scores.unwrap();
    assert_eq!(scores.comfort, Some(1));
    assert_eq!(scores.results, Some(3), "unmasked scores are kept");
    // The public no longer sees it; the rating is told it stopped counting.
    assert_eq!(
        w.h.outbox_types().await,
        [
            "onaltu.feedback.v1.EvaluationPublished",
            "onaltu.feedback.v1.EvaluationWithdrawn"
        ]
    );
    let hidden = get(&mut w.h.public(), &e.id).await.unwrap_err();
    assert_eq!(hidden.code(), Code::NotFound);
}

#[tokio::test]
async fn nobody_but_the_author_edits_an_evaluation() {
    let w = world().await;
    let e = published(&w).await;
    let refused =
        w.h.citizen(&w.parent)
            .update_evaluation(edit(&e.id, "x", &["comment"]))
            .await
            .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn an_edit_of_a_field_the_author_does_not_own_names_the_mask_path() {
    let w = world().await;
    let e = published(&w).await;
    let bad =
        w.h.citizen(&w.adult)
            .update_evaluation(edit(&e.id, "x", &["center_id"]))
            .await
            .unwrap_err();
    assert_eq!(bad_fields(&bad), ["update_mask.center_id"]);
}

#[tokio::test]
async fn fifteen_days_after_submission_the_edit_window_is_closed() {
    let w = world().await;
    let e = published(&w).await;
    w.h.sql(&format!(
        "UPDATE evaluations SET submit_time = now() - interval '15 days' WHERE id = '{}'",
        e.id
    ))
    .await;
    let late =
        w.h.citizen(&w.adult)
            .update_evaluation(edit(&e.id, "кеш", &["comment"]))
            .await
            .unwrap_err();
    assert_eq!(late.code(), Code::FailedPrecondition);
    assert!(late.message().contains("14 days"), "{}", late.message());
}
