//! The role x RPC matrix of the feedback service: every RPC called by every role (and without a
//! token), on the caller's own object and on another's, refused exactly where API.md says.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use onaltu_proto::feedback as fb;
use tonic::Code;

/// In an order where each call leaves the objects as the next one needs them.
const RPCS: [&str; 12] = [
    "GetEvaluation",
    "GetEvaluation(pending)",
    "ListEvaluations",
    "GetCenterFeedbackSummary",
    "ListComplaints",
    "ListComplaints(centre)",
    "UpdateComplaint",
    "ReplyToEvaluation",
    "ModerateEvaluation",
    "SubmitEvaluation",
    "ReportEvaluation",
    "UpdateEvaluation",
];

/// How a call was answered, as far as access goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// Let through (whatever the call then made of the request).
    Allowed,
    /// PERMISSION_DENIED or UNAUTHENTICATED.
    Refused,
    /// NOT_FOUND: the caller learns nothing of the object.
    Hidden,
}

impl Answer {
    fn of(answer: &Result<(), tonic::Status>) -> Self {
        match answer {
            Err(s) if matches!(s.code(), Code::PermissionDenied | Code::Unauthenticated) => {
                Self::Refused
            }
            Err(s) if s.code() == Code::NotFound => Self::Hidden,
            _ => Self::Allowed,
        }
    }
}

/// What each caller gets from each RPC, by the caller's name below. "Own" objects are the
/// citizen's evaluation, episode and complaint, and the staff's centre; "other" callers are a
/// second registered citizen and the staff of a second centre.
fn expected(rpc: &str, who: &str) -> Answer {
    use Answer::*;
    let allowed = |yes: bool| if yes { Allowed } else { Refused };
    let official = matches!(who, "CITY_OPERATOR" | "ADMIN");
    match rpc {
        "GetEvaluation" | "ListEvaluations" | "GetCenterFeedbackSummary" => Allowed,
        // An unpublished evaluation: its author, its centre and the city read it; the public
        // learns nothing of it.
        "GetEvaluation(pending)" => match who {
            "ANONYMOUS" => Hidden,
            _ => allowed(matches!(
                who,
                "CITIZEN_OWN" | "STAFF_OWN" | "CITY_OPERATOR" | "AUDITOR" | "ADMIN"
            )),
        },
        "SubmitEvaluation" | "UpdateEvaluation" => allowed(who == "CITIZEN_OWN"),
        "ModerateEvaluation" => allowed(official),
        "ReplyToEvaluation" => allowed(who == "STAFF_OWN"),
        "ReportEvaluation" => allowed(
            official
                || matches!(
                    who,
                    "CITIZEN_OWN" | "CITIZEN_OTHER" | "STAFF_OWN" | "STAFF_OTHER"
                ),
        ),
        "ListComplaints" => allowed(matches!(
            who,
            "CITIZEN_OWN"
                | "CITIZEN_OTHER"
                | "STAFF_OWN"
                | "STAFF_OTHER"
                | "CITY_OPERATOR"
                | "AUDITOR"
                | "ADMIN"
        )),
        // Filtered to the own centre: another centre's staff may not ask; a citizen gets their
        // own complaints about it.
        "ListComplaints(centre)" => allowed(matches!(
            who,
            "CITIZEN_OWN" | "CITIZEN_OTHER" | "STAFF_OWN" | "CITY_OPERATOR" | "AUDITOR" | "ADMIN"
        )),
        "UpdateComplaint" => allowed(official || who == "STAFF_OWN"),
        other => panic!("no rule for {other}"),
    }
}

#[tokio::test]
async fn every_role_is_refused_exactly_where_the_contract_says() {
    let h = Harness::start().await;
    let mut op = h.registry_operator();
    let centre = centre(&mut op, "Матрица орталығы", 10).await.id;
    let other_centre = common::centre(&mut op, "Басқа орталық", 10).await.id;
    let person = adult(&mut op, 1).await.id;
    let other_person = adult(&mut op, 2).await.id;
    let episode = discharged(&mut op, &person, &centre).await.id;
    let second = discharged(&mut op, &person, &centre).await.id;
    let third = discharged(&mut op, &person, &centre).await.id;
    let mut author = h.citizen(&person);
    let e = submit_with_complaint(
        &mut author,
        evaluation(&episode, 2, "Кезек ұзақ"),
        "Кезек ұзақ",
    )
    .await
    .unwrap();
    publish(&mut h.moderator(), &e.id).await;
    let pending = submit(&mut author, evaluation(&third, 4, ""))
        .await
        .unwrap();

    let callers = onaltu_testkit::callers(&person, &other_person, &centre, &other_centre);
    let mut wrong = Vec::new();
    for rpc in RPCS {
        for (who, claims) in &callers {
            let mut c = h.client(claims.as_ref());
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
                "GetEvaluation" => get(&mut c, &e.id).await.map(drop),
                "GetEvaluation(pending)" => get(&mut c, &pending.id).await.map(drop),
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
                "ListComplaints(centre)" => c
                    .list_complaints(fb::ListComplaintsRequest {
                        center_id: centre.clone(),
                        ..Default::default()
                    })
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
            let want = expected(rpc, who);
            if Answer::of(&answer) != want {
                wrong.push(format!("{rpc} by {who}: wanted {want:?}, got {answer:?}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "unexpected answers:\n{}",
        wrong.join("\n")
    );
}
