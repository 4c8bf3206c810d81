//! Moderation: publication and rejection with a reason, the automatic pre-check (reports are in
//! `reports.rs`), the centre's one reply, the public view, and the events the rating service
//! consumes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use onaltu_auth::Role;
use onaltu_proto::feedback as fb;
use prost::Message as _;
use tonic::Code;

async fn world() -> OneServed {
    OneServed::start("Шапағат орталығы").await
}

fn moderate(
    id: &str,
    action: fb::ModerationAction,
    issue: fb::ContentIssue,
    note: &str,
) -> fb::ModerateEvaluationRequest {
    fb::ModerateEvaluationRequest {
        id: id.into(),
        action: action as i32,
        issue: issue as i32,
        note: note.into(),
        etag: String::new(),
    }
}

fn publication(id: &str) -> fb::ModerateEvaluationRequest {
    moderate(
        id,
        fb::ModerationAction::Publish,
        fb::ContentIssue::Unspecified,
        "",
    )
}

/// The person's evaluation scored 4 with a comment naming the doctors, pending moderation.
async fn pending(w: &OneServed) -> fb::Evaluation {
    submit(
        &mut w.author(),
        evaluation(&w.episode, 4, "Жақсы дәрігерлер"),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn nothing_counts_before_moderation() {
    let w = world().await;
    pending(&w).await;
    assert!(
        w.h.outbox().await.is_empty(),
        "nothing counts before moderation"
    );
}

#[tokio::test]
async fn only_moderators_moderate() {
    let w = world().await;
    let e = pending(&w).await;
    for who in [citizen(&w.person), staff(&w.centre), claims(Role::Auditor)] {
        let refused =
            w.h.client(Some(&who))
                .moderate_evaluation(publication(&e.id))
                .await
                .unwrap_err();
        assert_eq!(refused.code(), Code::PermissionDenied);
    }
    assert!(w.h.outbox().await.is_empty());
}

#[tokio::test]
async fn a_stale_etag_is_refused() {
    let w = world().await;
    let e = pending(&w).await;
    // The author edited since.
    let mut stale = publication(&e.id);
    stale.etag = "999".into();
    assert_eq!(
        w.h.moderator()
            .moderate_evaluation(stale)
            .await
            .unwrap_err()
            .code(),
        Code::Aborted
    );
}

#[tokio::test]
async fn publication_announces_scores_without_anything_personal() {
    let w = world().await;
    let e = pending(&w).await;
    let published = publish(&mut w.h.moderator(), &e.id).await;
    assert_eq!(published.status, fb::EvaluationStatus::Published as i32);
    assert!(published.publish_time.is_some());
    let events = w.h.outbox().await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].event_type,
        "onaltu.feedback.v1.EvaluationPublished"
    );
    let event = fb::EvaluationPublished::decode(events[0].payload.as_slice()).unwrap();
    assert_eq!(event.evaluation_id, e.id);
    assert_eq!(event.center_id, w.centre);
    assert_eq!(event.scores.unwrap().results, Some(4));
    assert_eq!(event.would_recommend, Some(9));
    let text = String::from_utf8_lossy(&events[0].payload);
    assert!(!text.contains(&w.person) && !text.contains(&w.episode) && !text.contains("дәрігер"));
}

#[tokio::test]
async fn the_relay_carries_a_publication_to_the_stream_the_rating_reads() {
    let w = world().await;
    let e = pending(&w).await;
    publish(&mut w.h.moderator(), &e.id).await;
    assert_eq!(w.h.stream_len("feedback.evaluations", 1).await, 1);
}

#[tokio::test]
async fn a_published_evaluation_is_not_moderated_again_until_reported() {
    let w = world().await;
    let e = pending(&w).await;
    let mut moderator = w.h.moderator();
    publish(&mut moderator, &e.id).await;
    let again = moderator
        .moderate_evaluation(publication(&e.id))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition);
    assert!(again.message().contains("PUBLISHED"), "{}", again.message());
}

/// The person's evaluation naming a nurse, pending moderation.
async fn naming_a_nurse(w: &OneServed) -> fb::Evaluation {
    submit(
        &mut w.author(),
        evaluation(&w.episode, 2, "Медбике Айгүл жаман"),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_rejection_needs_a_reason_from_the_list_and_a_note() {
    let w = world().await;
    let e = naming_a_nurse(&w).await;
    let bad =
        w.h.moderator()
            .moderate_evaluation(moderate(
                &e.id,
                fb::ModerationAction::Reject,
                fb::ContentIssue::Unspecified,
                "",
            ))
            .await
            .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    assert_eq!(bad_fields(&bad), ["issue", "note"]);
}

#[tokio::test]
async fn a_rejection_tells_the_author_the_reason_and_never_counts() {
    let w = world().await;
    let e = naming_a_nurse(&w).await;
    let rejected =
        w.h.moderator()
            .moderate_evaluation(moderate(
                &e.id,
                fb::ModerationAction::Reject,
                fb::ContentIssue::ThirdPerson,
                "Пікірде қызметкердің аты бар",
            ))
            .await
            .unwrap()
            .into_inner()
            .evaluation
            .unwrap();
    assert_eq!(rejected.status, fb::EvaluationStatus::Rejected as i32);
    let seen = get(&mut w.author(), &e.id).await.unwrap();
    let m = seen.moderation.unwrap();
    assert_eq!(m.issue, fb::ContentIssue::ThirdPerson as i32);
    assert_eq!(m.note, "Пікірде қызметкердің аты бар");
    // The centre sees the decision but not the moderator's note; the public nothing.
    let staff_view = get(&mut w.centre_staff(), &e.id).await.unwrap();
    assert!(staff_view.author.is_none());
    assert_eq!(staff_view.moderation.unwrap().note, "");
    let public = get(&mut w.h.public(), &e.id).await.unwrap_err();
    assert_eq!(public.code(), Code::NotFound);
    assert!(
        w.h.outbox().await.is_empty(),
        "a rejected evaluation never counted"
    );
}

#[tokio::test]
async fn the_precheck_flags_personal_data_for_the_moderator_only() {
    let w = world().await;
    let e = submit(
        &mut w.author(),
        evaluation(
            &w.episode,
            5,
            "Хабарласыңыз +7 (701) 123-45-67 немесе ata@mail.kz",
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        e.precheck_flags,
        [
            fb::PrecheckFlag::Phone as i32,
            fb::PrecheckFlag::Email as i32
        ]
    );
    let mut moderator = w.h.moderator();
    let queue = moderator
        .list_evaluations(fb::ListEvaluationsRequest {
            statuses: vec![fb::EvaluationStatus::PendingModeration as i32],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(queue.evaluations.len(), 1);
    assert_eq!(queue.evaluations[0].precheck_flags.len(), 2);
    publish(&mut moderator, &e.id).await;
    let public = get(&mut w.h.public(), &e.id).await.unwrap();
    assert!(public.precheck_flags.is_empty());
}

fn reply(id: &str, text: &str) -> fb::ReplyToEvaluationRequest {
    fb::ReplyToEvaluationRequest {
        id: id.into(),
        text: text.into(),
    }
}

/// The person's evaluation scored 3, pending moderation.
async fn average(w: &OneServed) -> fb::Evaluation {
    submit(&mut w.author(), evaluation(&w.episode, 3, "Орташа"))
        .await
        .unwrap()
}

#[tokio::test]
async fn the_centre_replies_only_once_the_evaluation_is_published() {
    let w = world().await;
    let e = average(&w).await;
    let early = w
        .centre_staff()
        .reply_to_evaluation(reply(&e.id, "Рақмет"))
        .await
        .unwrap_err();
    assert_eq!(early.code(), Code::FailedPrecondition);
}

#[tokio::test]
async fn only_the_evaluated_centre_replies_with_a_text_and_once() {
    let w = world().await;
    let e = average(&w).await;
    publish(&mut w.h.moderator(), &e.id).await;
    let other = uuid::Uuid::now_v7().to_string();
    let foreign =
        w.h.staff(&other)
            .reply_to_evaluation(reply(&e.id, "Біз емес"))
            .await
            .unwrap_err();
    assert_eq!(foreign.code(), Code::PermissionDenied);
    let mut centre = w.centre_staff();
    let empty = centre
        .reply_to_evaluation(reply(&e.id, "  "))
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&empty), ["text"]);
    centre
        .reply_to_evaluation(reply(&e.id, "Рақмет, жақсартамыз"))
        .await
        .unwrap();
    let second = centre
        .reply_to_evaluation(reply(&e.id, "Тағы да"))
        .await
        .unwrap_err();
    assert_eq!(second.code(), Code::AlreadyExists);
}

#[tokio::test]
async fn the_public_sees_the_reply_but_not_who_wrote_it() {
    let w = world().await;
    let e = average(&w).await;
    publish(&mut w.h.moderator(), &e.id).await;
    w.centre_staff()
        .reply_to_evaluation(reply(&e.id, "Рақмет, жақсартамыз"))
        .await
        .unwrap();
    let public =
        w.h.public()
            .list_evaluations(fb::ListEvaluationsRequest {
                center_id: w.centre.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
    assert_eq!(public.evaluations.len(), 1);
    let seen = &public.evaluations[0];
    let r = seen.reply.as_ref().unwrap();
    assert_eq!(r.text, "Рақмет, жақсартамыз");
    assert_eq!(r.author_subject, "", "the public does not see who replied");
    assert!(seen.author.is_none() && seen.episode_id.is_empty() && seen.moderation.is_none());
}

/// Two evaluations of the centre: the person's (pending) and another adult's (published).
struct Two {
    w: OneServed,
    other: String,
    mine: fb::Evaluation,
    theirs: fb::Evaluation,
}

async fn two() -> Two {
    let w = world().await;
    let mut op = w.h.registry_operator();
    let other = adult(&mut op, 2).await.id;
    let other_episode = discharged(&mut op, &other, &w.centre).await.id;
    let mine = submit(&mut w.author(), evaluation(&w.episode, 5, ""))
        .await
        .unwrap();
    let theirs = submit(&mut w.h.citizen(&other), evaluation(&other_episode, 4, ""))
        .await
        .unwrap();
    publish(&mut w.h.moderator(), &theirs.id).await;
    Two {
        w,
        other,
        mine,
        theirs,
    }
}

impl Two {
    async fn list(
        &self,
        c: Option<onaltu_auth::Claims>,
        mine: bool,
        statuses: Vec<i32>,
    ) -> Vec<fb::Evaluation> {
        self.w
            .h
            .client(c.as_ref())
            .list_evaluations(fb::ListEvaluationsRequest {
                center_id: if mine {
                    String::new()
                } else {
                    self.w.centre.clone()
                },
                mine,
                statuses,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .evaluations
    }
}

#[tokio::test]
async fn the_public_lists_published_evaluations_only() {
    let t = two().await;
    let public = t
        .list(
            None,
            false,
            vec![fb::EvaluationStatus::PendingModeration as i32],
        )
        .await;
    assert_eq!(
        public.len(),
        1,
        "the public asked for pending ones and got published only"
    );
    assert_eq!(public[0].id, t.theirs.id);
    let integration = t.list(Some(claims(Role::Integration)), false, vec![]).await;
    assert_eq!(integration.len(), 1);
    assert!(integration[0].author.is_none());
}

#[tokio::test]
async fn an_author_lists_their_own_evaluations() {
    let t = two().await;
    let own = t.list(Some(citizen(&t.w.person)), true, vec![]).await;
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].id, t.mine.id);
    assert!(own[0].author.is_some());
}

#[tokio::test]
async fn the_centre_lists_every_status_of_its_own_without_authors() {
    let t = two().await;
    let staff_list = t.list(Some(staff(&t.w.centre)), false, vec![]).await;
    assert_eq!(
        staff_list.len(),
        2,
        "the centre sees every status of its own"
    );
    assert!(staff_list.iter().all(|e| e.author.is_none()));
}

#[tokio::test]
async fn a_citizen_cannot_read_another_s_unpublished_evaluation() {
    let t = two().await;
    let refused = get(&mut t.w.h.citizen(&t.other), &t.mine.id)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn evaluations_are_listed_newest_day_first_a_page_at_a_time() {
    let t = two().await;
    // Submitted on another day, the first one lists after today's.
    let earlier = onaltu_api::day_id(chrono::Utc::now() - chrono::Duration::days(3));
    t.w.h
        .sql(&format!(
            "UPDATE evaluations SET id = '{earlier}' WHERE id = '{}'",
            t.mine.id
        ))
        .await;
    let mut auditor = t.w.h.as_role(Role::Auditor);
    let first = auditor
        .list_evaluations(fb::ListEvaluationsRequest {
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.evaluations[0].id, t.theirs.id);
    let second = auditor
        .list_evaluations(fb::ListEvaluationsRequest {
            page_size: 1,
            page_token: first.next_page_token,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.evaluations[0].id, earlier.to_string());
    assert!(
        second.next_page_token.is_empty() || {
            let third = auditor
                .list_evaluations(fb::ListEvaluationsRequest {
                    page_size: 1,
                    page_token: second.next_page_token,
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner();
            third.evaluations.is_empty()
        }
    );
}
