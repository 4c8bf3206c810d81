//! The registry flows (from `onaltu_testkit::registry`) and the feedback flows the suite's tests
//! start from.

use onaltu_testkit::AuthedChannel;
pub use onaltu_testkit::bad_fields;
pub use onaltu_testkit::registry::{
    Registry, admitted, adult, centre, child, date, discharged, queued, wheelchair_user,
};
use uuid::Uuid;

/// A feedback client.
pub type Feedback =
    onaltu_proto::feedback::feedback_service_client::FeedbackServiceClient<AuthedChannel>;

/// An evaluation of `episode` scoring every criterion `score`, with `comment`.
pub fn evaluation(episode: &str, score: i32, comment: &str) -> onaltu_proto::feedback::Evaluation {
    use onaltu_proto::feedback as fb;
    fb::Evaluation {
        episode_id: episode.into(),
        scores: Some(fb::CriterionScores {
            results: Some(score),
            activities: Some(score),
            accessibility: Some(score),
            information: Some(score),
            comfort: Some(score),
            waiting: Some(score),
            staff_courtesy: Some(score),
        }),
        days_waited: Some(30),
        would_recommend: Some(if score >= 4 { 9 } else { 5 }),
        comment: comment.into(),
        language: onaltu_proto::common::Language::Kk as i32,
        ..Default::default()
    }
}

/// Submits `evaluation` as the citizen behind `client`.
pub async fn submit(
    client: &mut Feedback,
    evaluation: onaltu_proto::feedback::Evaluation,
) -> Result<onaltu_proto::feedback::Evaluation, tonic::Status> {
    client
        .submit_evaluation(onaltu_proto::feedback::SubmitEvaluationRequest {
            request_id: Uuid::now_v7().to_string(),
            evaluation: Some(evaluation),
            complaint_text: String::new(),
        })
        .await
        .map(|r| r.into_inner().evaluation.expect("the evaluation"))
}

/// Publishes evaluation `id` as a moderator.
pub async fn publish(moderator: &mut Feedback, id: &str) -> onaltu_proto::feedback::Evaluation {
    moderator
        .moderate_evaluation(onaltu_proto::feedback::ModerateEvaluationRequest {
            id: id.into(),
            action: onaltu_proto::feedback::ModerationAction::Publish as i32,
            ..Default::default()
        })
        .await
        .expect("publish")
        .into_inner()
        .evaluation
        .expect("the evaluation")
}
