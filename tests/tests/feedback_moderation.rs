//! Moderation across the running suite: publication and rejection with a reason, the
//! automatic pre-check, reports that hide at once, the centre's one reply, the public view,
//! and the events the rating service consumes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel_async::RunQueryDsl;
use onaltu_auth::Role;
use onaltu_proto::feedback as fb;
use onaltu_suite::fixtures::*;
use onaltu_suite::{OneServed, Suite, citizen, claims, staff};
use prost::Message as _;
use tonic::Code;

async fn world() -> OneServed {
    OneServed::start("Шапағат орталығы").await
}

#[derive(diesel::QueryableByName)]
struct Outboxed {
    #[diesel(sql_type = diesel::sql_types::Text)]
    event_type: String,
    #[diesel(sql_type = diesel::sql_types::Binary)]
    payload: Vec<u8>,
}

async fn outbox(s: &Suite) -> Vec<Outboxed> {
    let mut conn = s.feedback_db.connect().await;
    diesel::sql_query("SELECT event_type, payload FROM outbox_events ORDER BY seq")
        .load(&mut conn)
        .await
        .unwrap()
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

#[tokio::test]
async fn publication_announces_scores_without_anything_personal() {
    let w = world().await;
    let mut author = w.suite.feedback(Some(&citizen(&w.person)));
    let mut moderator = w.suite.feedback(Some(&claims(Role::CityOperator)));
    let e = submit(&mut author, evaluation(&w.episode, 4, "Жақсы дәрігерлер"))
        .await
        .unwrap();
    assert!(
        outbox(&w.suite).await.is_empty(),
        "nothing counts before moderation"
    );

    // Not everyone moderates.
    for who in [citizen(&w.person), staff(&w.centre), claims(Role::Auditor)] {
        let refused = w
            .suite
            .feedback(Some(&who))
            .moderate_evaluation(moderate(
                &e.id,
                fb::ModerationAction::Publish,
                fb::ContentIssue::Unspecified,
                "",
            ))
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::PermissionDenied);
    }
    // A stale etag (the author edited since) is refused.
    let mut stale = moderate(
        &e.id,
        fb::ModerationAction::Publish,
        fb::ContentIssue::Unspecified,
        "",
    );
    stale.etag = "999".into();
    assert_eq!(
        moderator
            .moderate_evaluation(stale)
            .await
            .unwrap_err()
            .code(),
        Code::Aborted
    );

    let published = publish(&mut moderator, &e.id).await;
    assert_eq!(published.status, fb::EvaluationStatus::Published as i32);
    assert!(published.publish_time.is_some());
    let events = outbox(&w.suite).await;
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

    // The relay carries it to the stream the rating service reads.
    assert_eq!(w.suite.stream_len("feedback.evaluations", 1).await, 1);

    // Once published it is not moderated again until reported.
    let again = moderator
        .moderate_evaluation(moderate(
            &e.id,
            fb::ModerationAction::Publish,
            fb::ContentIssue::Unspecified,
            "",
        ))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition);
    assert!(again.message().contains("PUBLISHED"), "{}", again.message());
}

#[tokio::test]
async fn a_rejection_names_a_reason_from_the_list_and_tells_only_the_author() {
    let w = world().await;
    let mut author = w.suite.feedback(Some(&citizen(&w.person)));
    let mut moderator = w.suite.feedback(Some(&claims(Role::CityOperator)));
    let e = submit(
        &mut author,
        evaluation(&w.episode, 2, "Медбике Айгүл жаман"),
    )
    .await
    .unwrap();
    let bad = moderator
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

    let rejected = moderator
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
    let seen = author
        .get_evaluation(fb::GetEvaluationRequest { id: e.id.clone() })
        .await
        .unwrap()
        .into_inner()
        .evaluation
        .unwrap();
    let m = seen.moderation.unwrap();
    assert_eq!(m.issue, fb::ContentIssue::ThirdPerson as i32);
    assert_eq!(m.note, "Пікірде қызметкердің аты бар");
    // The centre sees the decision but not the moderator's note; the public nothing.
    let staff_view = w
        .suite
        .feedback(Some(&staff(&w.centre)))
        .get_evaluation(fb::GetEvaluationRequest { id: e.id.clone() })
        .await
        .unwrap()
        .into_inner()
        .evaluation
        .unwrap();
    assert!(staff_view.author.is_none());
    assert_eq!(staff_view.moderation.unwrap().note, "");
    let public = w
        .suite
        .feedback(None)
        .get_evaluation(fb::GetEvaluationRequest { id: e.id.clone() })
        .await
        .unwrap_err();
    assert_eq!(public.code(), Code::NotFound);
    assert!(
        outbox(&w.suite).await.is_empty(),
        "a rejected evaluation never counted"
    );
}

#[tokio::test]
async fn the_precheck_flags_personal_data_for_the_moderator_only() {
    let w = world().await;
    let mut author = w.suite.feedback(Some(&citizen(&w.person)));
    let e = submit(
        &mut author,
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
    let mut moderator = w.suite.feedback(Some(&claims(Role::CityOperator)));
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
    let public = w
        .suite
        .feedback(None)
        .get_evaluation(fb::GetEvaluationRequest { id: e.id })
        .await
        .unwrap()
        .into_inner()
        .evaluation
        .unwrap();
    assert!(public.precheck_flags.is_empty());
}

#[tokio::test]
async fn a_report_hides_at_once_until_moderated_again() {
    let w = world().await;
    let mut author = w.suite.feedback(Some(&citizen(&w.person)));
    let mut moderator = w.suite.feedback(Some(&claims(Role::CityOperator)));
    let e = submit(&mut author, evaluation(&w.episode, 1, "Бәрі нашар"))
        .await
        .unwrap();
    publish(&mut moderator, &e.id).await;

    let mut centre = w.suite.feedback(Some(&staff(&w.centre)));
    let no_reason = centre
        .report_evaluation(fb::ReportEvaluationRequest {
            id: e.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&no_reason), ["issue"]);
    let reported = centre
        .report_evaluation(fb::ReportEvaluationRequest {
            id: e.id.clone(),
            issue: fb::ContentIssue::FalseInformation as i32,
            note: "Біз мұндай қызмет көрсетпейміз".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .evaluation
        .unwrap();
    assert_eq!(reported.status, fb::EvaluationStatus::HiddenReported as i32);
    let hidden = w
        .suite
        .feedback(None)
        .get_evaluation(fb::GetEvaluationRequest { id: e.id.clone() })
        .await
        .unwrap_err();
    assert_eq!(hidden.code(), Code::NotFound);
    let twice = centre
        .report_evaluation(fb::ReportEvaluationRequest {
            id: e.id.clone(),
            issue: fb::ContentIssue::Spam as i32,
            note: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(twice.code(), Code::FailedPrecondition);
    assert!(twice.message().contains("HIDDEN_REPORTED"));

    let types: Vec<String> = outbox(&w.suite)
        .await
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    assert_eq!(
        types,
        [
            "onaltu.feedback.v1.EvaluationPublished",
            "onaltu.feedback.v1.EvaluationWithdrawn"
        ]
    );
    // The moderator finds nothing wrong: published again, counted again.
    publish(&mut moderator, &e.id).await;
    assert_eq!(outbox(&w.suite).await.len(), 3);
    w.suite
        .feedback(None)
        .get_evaluation(fb::GetEvaluationRequest { id: e.id })
        .await
        .unwrap();
}

#[tokio::test]
async fn the_centre_replies_once_in_public() {
    let w = world().await;
    let mut author = w.suite.feedback(Some(&citizen(&w.person)));
    let mut moderator = w.suite.feedback(Some(&claims(Role::CityOperator)));
    let e = submit(&mut author, evaluation(&w.episode, 3, "Орташа"))
        .await
        .unwrap();
    let mut centre = w.suite.feedback(Some(&staff(&w.centre)));
    let reply = |text: &str| fb::ReplyToEvaluationRequest {
        id: e.id.clone(),
        text: text.into(),
    };
    let early = centre
        .reply_to_evaluation(reply("Рақмет"))
        .await
        .unwrap_err();
    assert_eq!(early.code(), Code::FailedPrecondition);
    publish(&mut moderator, &e.id).await;
    let other = uuid::Uuid::now_v7().to_string();
    let foreign = w
        .suite
        .feedback(Some(&staff(&other)))
        .reply_to_evaluation(reply("Біз емес"))
        .await
        .unwrap_err();
    assert_eq!(foreign.code(), Code::PermissionDenied);
    let empty = centre.reply_to_evaluation(reply("  ")).await.unwrap_err();
    assert_eq!(bad_fields(&empty), ["text"]);
    centre
        .reply_to_evaluation(reply("Рақмет, жақсартамыз"))
        .await
        .unwrap();
    let second = centre
        .reply_to_evaluation(reply("Тағы да"))
        .await
        .unwrap_err();
    assert_eq!(second.code(), Code::AlreadyExists);

    let public = w
        .suite
        .feedback(None)
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

#[tokio::test]
async fn public_lists_show_published_evaluations_only_and_authors_their_own() {
    let w = world().await;
    let mut op = w.suite.registry(Some(&claims(Role::CityOperator)));
    let other = adult(&mut op, 2).await.id;
    let other_episode = discharged(&mut op, &other, &w.centre).await.id;
    let mut moderator = w.suite.feedback(Some(&claims(Role::CityOperator)));
    let mine = submit(
        &mut w.suite.feedback(Some(&citizen(&w.person))),
        evaluation(&w.episode, 5, ""),
    )
    .await
    .unwrap();
    let theirs = submit(
        &mut w.suite.feedback(Some(&citizen(&other))),
        evaluation(&other_episode, 4, ""),
    )
    .await
    .unwrap();
    publish(&mut moderator, &theirs.id).await;

    let list = |c: Option<onaltu_auth::Claims>, mine: bool, statuses: Vec<i32>| {
        let suite = &w.suite;
        let centre = w.centre.clone();
        async move {
            suite
                .feedback(c.as_ref())
                .list_evaluations(fb::ListEvaluationsRequest {
                    center_id: if mine { String::new() } else { centre },
                    mine,
                    statuses,
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner()
                .evaluations
        }
    };
    let public = list(
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
    assert_eq!(public[0].id, theirs.id);
    let own = list(Some(citizen(&w.person)), true, vec![]).await;
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].id, mine.id);
    assert!(own[0].author.is_some());
    let staff_list = list(Some(staff(&w.centre)), false, vec![]).await;
    assert_eq!(
        staff_list.len(),
        2,
        "the centre sees every status of its own"
    );
    assert!(staff_list.iter().all(|e| e.author.is_none()));
    let integration = list(Some(claims(Role::Integration)), false, vec![]).await;
    assert_eq!(integration.len(), 1);
    assert!(integration[0].author.is_none());

    // A citizen cannot read another's unpublished evaluation.
    let refused = w
        .suite
        .feedback(Some(&citizen(&other)))
        .get_evaluation(fb::GetEvaluationRequest {
            id: mine.id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    // Pages: one a page, newest first, then the end.
    let mut op_feedback = w.suite.feedback(Some(&claims(Role::Auditor)));
    let first = op_feedback
        .list_evaluations(fb::ListEvaluationsRequest {
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.evaluations[0].id, theirs.id);
    let second = op_feedback
        .list_evaluations(fb::ListEvaluationsRequest {
            page_size: 1,
            page_token: first.next_page_token,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.evaluations[0].id, mine.id);
}
