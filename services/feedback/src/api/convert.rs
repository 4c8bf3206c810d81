//! Between the domain's decisions, the stored rows and the contract's messages, in the view the
//! caller may see.

use chrono::{DateTime, Utc};
use onaltu_api::{Period, date, timestamp, to_the_day};
use onaltu_proto::feedback as pb;
use uuid::Uuid;

use super::decode::{ReportInput, SubmitInput};
use crate::domain::answers::{Answers, Draft, Scores};
use crate::domain::complaint::{self, Opened, State};
use crate::domain::evaluation::{self, Authorship, Status, Submission, View};
use crate::domain::precheck::Flag;
use crate::domain::report::{ReportDecision, Reporter, ReporterRole, Weight};
use crate::store::complaints::ComplaintRow;
use crate::store::evaluations::EvaluationRow;
use crate::store::reports::ReportRow;

/// The raw answers of a request's evaluation.
pub fn draft(e: &pb::Evaluation) -> Draft {
    Draft {
        scores: e.scores.unwrap_or_default().in_order(),
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

/// An evaluation in `view`; its reports are added for officials only (`report`).
pub fn evaluation(row: &EvaluationRow, complaint: Option<Uuid>, view: View) -> pb::Evaluation {
    let full = view == View::Full;
    // Outside the author's and officials' view, a moment tells its day only.
    let moment = |t: DateTime<Utc>| timestamp(if full { t } else { to_the_day(t) });
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
        decide_time: row.moderate_time.map(moment),
    });
    pb::Evaluation {
        id: row.id.to_string(),
        episode_id: if full {
            row.episode_id.to_string()
        } else {
            String::new()
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
        submit_time: Some(moment(row.submit_time)),
        update_time: Some(moment(row.update_time)),
        publish_time: row.publish_time.map(moment),
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
        reports: Vec::new(),
    }
}

/// The row of a new report by `reporter` of `input`, made at `at`: open.
pub fn new_report(reporter: &Reporter, input: &ReportInput, at: DateTime<Utc>) -> ReportRow {
    ReportRow {
        id: Uuid::now_v7(),
        evaluation_id: input.id,
        reporter_subject: reporter.subject.clone(),
        reporter_role: reporter.role as i16,
        reporter_center_id: reporter.center,
        issue: input.issue as i16,
        note: input.note.clone(),
        create_time: at,
        decision: ReportDecision::Open as i16,
        decide_time: None,
        decided_by: None,
    }
}

/// A report of an evaluation, for officials.
pub fn report(row: &ReportRow) -> pb::EvaluationReport {
    let role = ReporterRole::from_code(row.reporter_role);
    pb::EvaluationReport {
        id: row.id.to_string(),
        evaluation_id: row.evaluation_id.to_string(),
        issue: i32::from(row.issue),
        note: row.note.clone(),
        reporter_role: i32::from(row.reporter_role),
        reporter_center_id: row
            .reporter_center_id
            .map(|c| c.to_string())
            .unwrap_or_default(),
        counts_toward_hiding: role.is_some_and(|r| r.weight() != Weight::Nothing),
        decision: i32::from(row.decision),
        create_time: Some(timestamp(row.create_time)),
        decide_time: row.decide_time.map(timestamp),
    }
}

/// A complaint as its caller may see it: whole for the complainant and officials; in the
/// centre's view (`centre_view`) without what leads to the complainant (episode, person) and
/// with its moments to the day.
pub fn complaint(row: &ComplaintRow, today: chrono::NaiveDate, centre_view: bool) -> pb::Complaint {
    let status =
        complaint::Status::from_code(i32::from(row.status)).unwrap_or(complaint::Status::Open);
    let hidden = |value: Uuid| {
        if centre_view {
            String::new()
        } else {
            value.to_string()
        }
    };
    let moment = |t: DateTime<Utc>| timestamp(if centre_view { to_the_day(t) } else { t });
    pb::Complaint {
        id: row.id.to_string(),
        evaluation_id: row.evaluation_id.to_string(),
        episode_id: hidden(row.episode_id),
        center_id: row.center_id.to_string(),
        complainant_person_id: hidden(row.complainant_person_id),
        text: row.text.clone(),
        status: i32::from(row.status),
        assignee_subject: row.assignee_subject.clone(),
        deadline: Some(date(row.deadline)),
        overdue: complaint::overdue(status, row.deadline, today),
        center_response: row.center_response.clone(),
        resolution: row.resolution.clone(),
        create_time: Some(moment(row.create_time)),
        update_time: Some(moment(row.update_time)),
        close_time: row.close_time.map(moment),
        etag: row.version.to_string(),
    }
}

fn stored_flags(flags: &[Flag]) -> Vec<Option<i16>> {
    flags.iter().map(|f| Some(*f as i16)).collect()
}

/// The row of a new evaluation submitted at `at`.
pub fn new_evaluation(input: &SubmitInput, s: &Submission, at: DateTime<Utc>) -> EvaluationRow {
    let answers = &input.answers;
    EvaluationRow {
        // The id tells the day only: the centre sees it.
        id: onaltu_api::day_id(at),
        episode_id: input.episode,
        center_id: s.center,
        recipient_person_id: s.author.recipient,
        submitted_by_person_id: s.author.submitted_by,
        legal_representative: s.author.legal_representative,
        submitted_on: s.submitted_on,
        scores: stored_scores(&answers.scores),
        days_waited: answers.days_waited,
        would_recommend: answers.would_recommend.map(i16::from),
        comment: answers.comment.clone(),
        language: input.language,
        precheck_flags: stored_flags(&s.precheck_flags),
        status: s.status as i16,
        moderation_action: None,
        moderation_issue: None,
        moderation_note: None,
        moderator_subject: None,
        moderate_time: None,
        reply_text: None,
        reply_author: None,
        reply_time: None,
        submit_time: at,
        update_time: at,
        publish_time: None,
        version: 1,
    }
}

/// The row of the complaint `evaluation` opened at `at`.
pub fn new_complaint(evaluation: &EvaluationRow, c: Opened, at: DateTime<Utc>) -> ComplaintRow {
    ComplaintRow {
        id: onaltu_api::day_id(at),
        evaluation_id: evaluation.id,
        episode_id: evaluation.episode_id,
        center_id: evaluation.center_id,
        complainant_person_id: evaluation.submitted_by_person_id,
        text: c.text,
        status: c.status as i16,
        assignee_subject: String::new(),
        deadline: c.deadline,
        center_response: String::new(),
        resolution: String::new(),
        create_time: at,
        update_time: at,
        close_time: None,
        version: 1,
    }
}

/// `row` with the author's edited `answers` at `at`: a new version, back in moderation.
pub fn revise(row: &mut EvaluationRow, answers: Answers, flags: &[Flag], at: DateTime<Utc>) {
    row.scores = stored_scores(&answers.scores);
    row.days_waited = answers.days_waited;
    row.would_recommend = answers.would_recommend.map(i16::from);
    row.precheck_flags = stored_flags(flags);
    row.comment = answers.comment;
    row.status = Status::PendingModeration as i16;
    row.publish_time = None;
    row.update_time = at;
    row.version += 1;
}

/// The fields of a stored complaint its rules look at.
pub fn complaint_state(row: &ComplaintRow) -> State {
    State {
        status: complaint::Status::from_code(i32::from(row.status))
            .unwrap_or(complaint::Status::Open),
        assignee: row.assignee_subject.clone(),
        deadline: row.deadline,
        center_response: row.center_response.clone(),
        resolution: row.resolution.clone(),
    }
}

/// `row`, in state `was`, moved to `next` at `at`: a new version, closed when it closes now.
pub fn changed_complaint(row: &mut ComplaintRow, was: &State, next: State, at: DateTime<Utc>) {
    if next.status.is_closed() && !was.status.is_closed() {
        row.close_time = Some(at);
    }
    row.status = next.status as i16;
    row.assignee_subject = next.assignee;
    row.deadline = next.deadline;
    row.center_response = next.center_response;
    row.resolution = next.resolution;
    row.update_time = at;
    row.version += 1;
}
