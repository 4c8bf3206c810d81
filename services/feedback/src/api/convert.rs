//! Stored rows to the contract's messages, in the view the caller may see.

use onaltu_api::{Period, date, timestamp};
use onaltu_proto::feedback as pb;
use uuid::Uuid;

use crate::domain::answers::{Answers, Draft, Scores};
use crate::domain::complaint;
use crate::domain::evaluation::{self, Authorship, Status, View};
use crate::store::complaints::ComplaintRow;
use crate::store::evaluations::EvaluationRow;

/// The raw answers of a request's evaluation.
pub fn draft(e: &pb::Evaluation) -> Draft {
    let s = e.scores.unwrap_or_default();
    Draft {
        scores: [
            s.results,
            s.activities,
            s.accessibility,
            s.information,
            s.comfort,
            s.waiting,
            s.staff_courtesy,
        ],
        days_waited: e.days_waited,
        would_recommend: e.would_recommend,
        comment: e.comment.clone(),
    }
}

/// The stored answers as a draft, for an edit to change some of them.
pub fn stored_draft(row: &EvaluationRow) -> Draft {
    let a = answers(row);
    Draft {
        scores: a.scores.map(|s| s.map(i32::from)),
        days_waited: a.days_waited,
        would_recommend: a.would_recommend.map(i32::from),
        comment: a.comment,
    }
}

/// The contract's scores.
pub fn scores(s: &Scores) -> pb::CriterionScores {
    let g = |i: usize| s[i].map(i32::from);
    pb::CriterionScores {
        results: g(0),
        activities: g(1),
        accessibility: g(2),
        information: g(3),
        comfort: g(4),
        waiting: g(5),
        staff_courtesy: g(6),
    }
}

/// The stored scores.
pub fn stored_scores(s: &Scores) -> Vec<Option<i16>> {
    s.iter().map(|v| v.map(i16::from)).collect()
}

/// The answers of a stored evaluation.
pub fn answers(row: &EvaluationRow) -> Answers {
    let mut scores: Scores = [None; 7];
    for (slot, stored) in scores.iter_mut().zip(&row.scores) {
        *slot = stored.and_then(|v| u8::try_from(v).ok());
    }
    Answers {
        scores,
        days_waited: row.days_waited,
        would_recommend: row.would_recommend.and_then(|v| u8::try_from(v).ok()),
        comment: row.comment.clone(),
    }
}

/// The status of a stored evaluation.
pub fn status(row: &EvaluationRow) -> Status {
    Status::from_code(row.status).unwrap_or(Status::PendingModeration)
}

/// The authorship of a stored evaluation.
pub fn authorship(row: &EvaluationRow) -> Authorship {
    Authorship {
        recipient: row.recipient_person_id,
        submitted_by: row.submitted_by_person_id,
        legal_representative: row.legal_representative,
    }
}

/// The period a stored evaluation counts in.
pub fn period(row: &EvaluationRow) -> Period {
    Period::quarter_of(row.submitted_on)
}

/// An evaluation in `view`.
pub fn evaluation(row: &EvaluationRow, complaint: Option<Uuid>, view: View) -> pb::Evaluation {
    let full = view == View::Full;
    let moderation = row.moderation_action.map(|action| pb::Moderation {
        action: i32::from(action),
        issue: row.moderation_issue.map(i32::from).unwrap_or_default(),
        note: if full {
            row.moderation_note.clone().unwrap_or_default()
        } else {
            String::new()
        },
        moderator_subject: if full {
            row.moderator_subject.clone().unwrap_or_default()
        } else {
            String::new()
        },
        decide_time: row.moderate_time.map(timestamp),
    });
    pb::Evaluation {
        id: row.id.to_string(),
        episode_id: if view == View::Public {
            String::new()
        } else {
            row.episode_id.to_string()
        },
        center_id: row.center_id.to_string(),
        period: Some(period(row).encode()),
        scores: Some(scores(&answers(row).scores)),
        days_waited: row.days_waited,
        would_recommend: row.would_recommend.map(i32::from),
        comment: row.comment.clone(),
        language: i32::from(row.language),
        status: i32::from(row.status),
        reply: row.reply_text.as_ref().map(|text| pb::CenterReply {
            text: text.clone(),
            author_subject: if view == View::Public {
                String::new()
            } else {
                row.reply_author.clone().unwrap_or_default()
            },
            create_time: row.reply_time.map(timestamp),
        }),
        moderation: if view == View::Public {
            None
        } else {
            moderation
        },
        author: full.then(|| pb::EvaluationAuthor {
            recipient_person_id: row.recipient_person_id.to_string(),
            submitted_by_person_id: row.submitted_by_person_id.to_string(),
            legal_representative: row.legal_representative,
        }),
        complaint_id: match (view, complaint) {
            (View::Public, _) | (_, None) => String::new(),
            (_, Some(id)) => id.to_string(),
        },
        submit_time: Some(timestamp(row.submit_time)),
        update_time: Some(timestamp(row.update_time)),
        publish_time: row.publish_time.map(timestamp),
        editable_until: full.then(|| timestamp(evaluation::editable_until(row.submit_time))),
        etag: row.version.to_string(),
        precheck_flags: if full {
            row.precheck_flags
                .iter()
                .flatten()
                .map(|f| i32::from(*f))
                .collect()
        } else {
            Vec::new()
        },
    }
}

/// A complaint, as every caller allowed to see it sees it.
pub fn complaint(row: &ComplaintRow, today: chrono::NaiveDate) -> pb::Complaint {
    let status =
        complaint::Status::from_code(i32::from(row.status)).unwrap_or(complaint::Status::Open);
    pb::Complaint {
        id: row.id.to_string(),
        evaluation_id: row.evaluation_id.to_string(),
        episode_id: row.episode_id.to_string(),
        center_id: row.center_id.to_string(),
        complainant_person_id: row.complainant_person_id.to_string(),
        text: row.text.clone(),
        status: i32::from(row.status),
        assignee_subject: row.assignee_subject.clone(),
        deadline: Some(date(row.deadline)),
        overdue: complaint::overdue(status, row.deadline, today),
        center_response: row.center_response.clone(),
        resolution: row.resolution.clone(),
        create_time: Some(timestamp(row.create_time)),
        update_time: Some(timestamp(row.update_time)),
        close_time: row.close_time.map(timestamp),
        etag: row.version.to_string(),
    }
}
