//! The feedback flows other tests start from: an evaluation, its submission by the citizen, its
//! publication by a moderator, and a read.

#![allow(clippy::expect_used)]

use onaltu_proto::feedback::{self as fb, feedback_service_client::FeedbackServiceClient};
use uuid::Uuid;

use crate::AuthedChannel;

/// A feedback client.
pub type Feedback = FeedbackServiceClient<AuthedChannel>;

/// An evaluation of `episode` scoring every criterion `score`, with `comment`.
pub fn evaluation(episode: &str, score: i32, comment: &str) -> fb::Evaluation {
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
    evaluation: fb::Evaluation,
) -> Result<fb::Evaluation, tonic::Status> {
    submit_with_complaint(client, evaluation, "").await
}

/// Submits `evaluation` with the complaint `complaint_text` as the citizen behind `client`.
pub async fn submit_with_complaint(
    client: &mut Feedback,
    evaluation: fb::Evaluation,
    complaint_text: &str,
) -> Result<fb::Evaluation, tonic::Status> {
    client
        .submit_evaluation(fb::SubmitEvaluationRequest {
            request_id: Uuid::now_v7().to_string(),
            evaluation: Some(evaluation),
            complaint_text: complaint_text.into(),
        })
        .await
        .map(|r| r.into_inner().evaluation.expect("the evaluation"))
}

/// Publishes evaluation `id` as a moderator.
pub async fn publish(moderator: &mut Feedback, id: &str) -> fb::Evaluation {
    moderator
        .moderate_evaluation(fb::ModerateEvaluationRequest {
            id: id.into(),
            action: fb::ModerationAction::Publish as i32,
            ..Default::default()
        })
        .await
        .expect("publish")
        .into_inner()
        .evaluation
        .expect("the evaluation")
}

/// Reads evaluation `id` as the caller behind `client`.
pub async fn get(client: &mut Feedback, id: &str) -> Result<fb::Evaluation, tonic::Status> {
    client
        .get_evaluation(fb::GetEvaluationRequest { id: id.into() })
        .await
        .map(|r| r.into_inner().evaluation.expect("the evaluation"))
}
