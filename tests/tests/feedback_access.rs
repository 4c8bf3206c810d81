//! The role x RPC matrix of the feedback service: every RPC called by every role (and without a
//! token), refused exactly where API.md says.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use onaltu_auth::{Claims, Role};
use onaltu_proto::feedback as fb;
use onaltu_suite::fixtures::*;
use onaltu_suite::{Suite, citizen, claims, staff};
use tonic::Code;

/// In an order where each call leaves the published evaluation as the next one needs it.
const RPCS: [&str; 10] = [
    "GetEvaluation",
    "ListEvaluations",
    "GetCenterFeedbackSummary",
    "ListComplaints",
    "UpdateComplaint",
    "ReplyToEvaluation",
    "ModerateEvaluation",
    "SubmitEvaluation",
    "ReportEvaluation",
    "UpdateEvaluation",
];

/// Who may call each RPC, by the caller's name below.
fn allowed(rpc: &str, who: &str) -> bool {
    let any = true;
    match rpc {
        "SubmitEvaluation" | "UpdateEvaluation" => who == "CITIZEN",
        "GetEvaluation" | "ListEvaluations" | "GetCenterFeedbackSummary" => any,
        "ModerateEvaluation" => matches!(who, "CITY_OPERATOR" | "ADMIN"),
        "ReplyToEvaluation" => who == "CENTER_STAFF",
        "ReportEvaluation" => matches!(who, "CITIZEN" | "CENTER_STAFF" | "CITY_OPERATOR" | "ADMIN"),
        "ListComplaints" => {
            matches!(
                who,
                "CITIZEN" | "CENTER_STAFF" | "CITY_OPERATOR" | "AUDITOR" | "ADMIN"
            )
        }
        "UpdateComplaint" => matches!(who, "CENTER_STAFF" | "CITY_OPERATOR" | "ADMIN"),
        other => panic!("no rule for {other}"),
    }
}

#[tokio::test]
async fn every_role_is_refused_exactly_where_the_contract_says() {
    let s = Suite::start().await;
    let mut op = s.registry(Some(&claims(Role::CityOperator)));
    let centre = centre(&mut op, "Матрица орталығы", 10).await.id;
    let person = adult(&mut op, 1).await.id;
    let episode = discharged(&mut op, &person, &centre).await.id;
    let second = discharged(&mut op, &person, &centre).await.id;
    let mut author = s.feedback(Some(&citizen(&person)));
    let e = author
        .submit_evaluation(fb::SubmitEvaluationRequest {
            request_id: uuid::Uuid::now_v7().to_string(),
            evaluation: Some(evaluation(&episode, 2, "Кезек ұзақ")),
            complaint_text: "Кезек ұзақ".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .evaluation
        .unwrap();
    publish(&mut s.feedback(Some(&claims(Role::CityOperator))), &e.id).await;

    let callers: Vec<(&str, Option<Claims>)> = vec![
        ("CITIZEN", Some(citizen(&person))),
        ("CENTER_STAFF", Some(staff(&centre))),
        ("CITY_OPERATOR", Some(claims(Role::CityOperator))),
        ("DISPATCHER", Some(claims(Role::Dispatcher))),
        ("DRIVER", Some(claims(Role::Driver))),
        ("AUDITOR", Some(claims(Role::Auditor))),
        ("INTEGRATION", Some(claims(Role::Integration))),
        ("ADMIN", Some(claims(Role::Admin))),
        ("ANONYMOUS", None),
    ];
    let mut wrong = Vec::new();
    for rpc in RPCS {
        for (who, claims) in &callers {
            let mut c = s.feedback(claims.as_ref());
            let answer: Result<(), tonic::Status> = match rpc {
                "SubmitEvaluation" => submit(&mut c, evaluation(&second, 4, "")).await.map(drop),
                "UpdateEvaluation" => c
                    .update_evaluation(fb::UpdateEvaluationRequest {
                        evaluation: Some(fb::Evaluation {
                            id: e.id.clone(),
                            comment: "Кезек ұзақ болды".into(),
                            ..Default::default()
                        }),
                        update_mask: Some(prost_types::FieldMask {
                            paths: vec!["comment".into()],
                        }),
                    })
                    .await
                    .map(drop),
                "GetEvaluation" => c
                    .get_evaluation(fb::GetEvaluationRequest { id: e.id.clone() })
                    .await
                    .map(drop),
                "ListEvaluations" => c
                    .list_evaluations(fb::ListEvaluationsRequest::default())
                    .await
                    .map(drop),
                "ModerateEvaluation" => c
                    .moderate_evaluation(fb::ModerateEvaluationRequest {
                        id: e.id.clone(),
                        action: fb::ModerationAction::Publish as i32,
                        ..Default::default()
                    })
                    .await
                    .map(drop),
                "ReplyToEvaluation" => c
                    .reply_to_evaluation(fb::ReplyToEvaluationRequest {
                        id: e.id.clone(),
                        text: "Рақмет".into(),
                    })
                    .await
                    .map(drop),
                "ReportEvaluation" => c
                    .report_evaluation(fb::ReportEvaluationRequest {
                        id: e.id.clone(),
                        issue: fb::ContentIssue::OffTopic as i32,
                        note: String::new(),
                    })
                    .await
                    .map(drop),
                "ListComplaints" => c
                    .list_complaints(fb::ListComplaintsRequest::default())
                    .await
                    .map(drop),
                "UpdateComplaint" => c
                    .update_complaint(fb::UpdateComplaintRequest {
                        complaint: Some(fb::Complaint {
                            id: e.complaint_id.clone(),
                            center_response: "Қарап жатырмыз".into(),
                            ..Default::default()
                        }),
                        update_mask: Some(prost_types::FieldMask {
                            paths: vec!["center_response".into()],
                        }),
                    })
                    .await
                    .map(drop),
                "GetCenterFeedbackSummary" => c
                    .get_center_feedback_summary(fb::GetCenterFeedbackSummaryRequest {
                        center_id: centre.clone(),
                        period: None,
                    })
                    .await
                    .map(drop),
                other => panic!("unknown {other}"),
            };
            let refused = matches!(
                &answer,
                Err(s) if matches!(s.code(), Code::PermissionDenied | Code::Unauthenticated)
            );
            if refused == allowed(rpc, who) {
                wrong.push(format!("{rpc} by {who}: {answer:?}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "unexpected answers:\n{}",
        wrong.join("\n")
    );
}
