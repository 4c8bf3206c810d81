//! The feedback service's requests decoded in one step into typed inputs: every bad field is
//! named in one INVALID_ARGUMENT, and a handler holds only values that passed.

use chrono::NaiveDate;
use onaltu_api::{
    Period, check_text, decode_id_token, decode_token, page_size, parse_id, parse_opt_date,
    parse_opt_id,
};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::common::Language;
use onaltu_proto::feedback as pb;
use uuid::Uuid;

use super::convert;
use crate::domain::answers::{self, Answers, Draft};
use crate::domain::complaint::{self, Change};
use crate::domain::evaluation::{Field, Status};

/// The stored code of a known language, or the violation recorded.
fn language(code: i32, field: &str, v: &mut Violations) -> i16 {
    let known = Language::try_from(code).is_ok();
    v.check(known, field, "unknown language");
    if known { code as i16 } else { 0 }
}

/// The masked paths, one at least.
fn mask(paths: Option<Vec<String>>, v: &mut Violations) -> Vec<String> {
    let paths = paths.unwrap_or_default();
    v.check(
        !paths.is_empty(),
        "update_mask",
        "name the fields to update",
    );
    paths
}

fn unknown_path(path: &str, v: &mut Violations) {
    v.add(
        format!("update_mask.{path}"),
        "is not a field that can be updated",
    );
}

/// SubmitEvaluation: one evaluation of an episode, perhaps with a complaint.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmitInput {
    /// The caller's request id, when given: the caller's retry answers the first evaluation.
    pub request_id: Option<Uuid>,
    /// The episode evaluated.
    pub episode: Uuid,
    /// The language of the comment.
    pub language: i16,
    /// The complaint the author writes, if any.
    pub complaint_text: String,
    /// The answers, every rule passed.
    pub answers: Answers,
}

impl TryFrom<pb::SubmitEvaluationRequest> for SubmitInput {
    type Error = ApiError;

    fn try_from(r: pb::SubmitEvaluationRequest) -> Result<Self, ApiError> {
        let e = r.evaluation.unwrap_or_default();
        let mut v = Violations::new();
        let request_id = parse_opt_id("request_id", r.request_id.trim(), &mut v);
        let episode = v.take(parse_id("evaluation.episode_id", &e.episode_id));
        let language = language(e.language, "evaluation.language", &mut v);
        check_text(
            &mut v,
            "complaint_text",
            &r.complaint_text,
            complaint::MAX_TEXT_CHARS,
        );
        let answers = v
            .collect(answers::validate("evaluation", &convert::draft(&e)))
            .unwrap_or_default();
        v.finish(Self {
            request_id,
            episode,
            language,
            complaint_text: r.complaint_text,
            answers,
        })
    }
}

/// ReportEvaluation: which evaluation, why.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportInput {
    /// The evaluation reported.
    pub id: Uuid,
    /// The issue found.
    pub issue: crate::domain::moderation::Issue,
    /// The reporter's explanation, trimmed.
    pub note: String,
}

impl TryFrom<pb::ReportEvaluationRequest> for ReportInput {
    type Error = ApiError;

    fn try_from(r: pb::ReportEvaluationRequest) -> Result<Self, ApiError> {
        let id = parse_id("id", &r.id)?;
        let mut v = Violations::new();
        let issue = crate::domain::moderation::Issue::from_code(r.issue);
        v.check(
            issue.is_some(),
            "issue",
            "is required (a reason from the list)",
        );
        check_text(
            &mut v,
            "note",
            &r.note,
            crate::domain::moderation::MAX_NOTE_CHARS,
        );
        match issue {
            Some(issue) if v.is_empty() => Ok(Self {
                id,
                issue,
                note: r.note.trim().to_string(),
            }),
            _ => Err(v.into()),
        }
    }
}

/// UpdateEvaluation: the author's edit of the masked fields.
#[derive(Debug, Clone)]
pub struct UpdateInput {
    /// The evaluation.
    pub id: Uuid,
    /// The version the author read, if given.
    pub etag: String,
    /// The fields edited.
    pub fields: Vec<Field>,
    /// The answers as sent; only the edited fields count.
    pub draft: Draft,
    /// The language as sent.
    pub language: i16,
}

impl TryFrom<pb::UpdateEvaluationRequest> for UpdateInput {
    type Error = ApiError;

    fn try_from(r: pb::UpdateEvaluationRequest) -> Result<Self, ApiError> {
        let e = r.evaluation.unwrap_or_default();
        let mut v = Violations::new();
        let id = v.take(parse_id("evaluation.id", &e.id));
        let paths = mask(r.update_mask.map(|m| m.paths), &mut v);
        let language = language(e.language, "evaluation.language", &mut v);
        let mut fields = Vec::with_capacity(paths.len());
        for p in &paths {
            match Field::parse(p) {
                Some(f) => fields.push(f),
                None => unknown_path(p, &mut v),
            }
        }
        v.finish(Self {
            id,
            draft: convert::draft(&e),
            etag: e.etag,
            fields,
            language,
        })
    }
}

/// ListEvaluations: a page of evaluations, filtered.
#[derive(Debug, Clone, PartialEq)]
pub struct ListEvaluationsInput {
    /// Page size.
    pub limit: i64,
    /// The last evaluation of the page before.
    pub after: Option<Uuid>,
    /// Only this centre's.
    pub center: Option<Uuid>,
    /// Only these statuses (every one when empty).
    pub statuses: Vec<Status>,
    /// Only those submitted in this period.
    pub period: Option<Period>,
    /// Only the caller's own.
    pub mine: bool,
    /// Only those with reports waiting for a moderator.
    pub with_open_reports: bool,
}

impl TryFrom<pb::ListEvaluationsRequest> for ListEvaluationsInput {
    type Error = ApiError;

    fn try_from(r: pb::ListEvaluationsRequest) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        let limit = v.take(page_size(r.page_size));
        let after = v.take(decode_id_token(&r.page_token));
        let center = parse_opt_id("center_id", &r.center_id, &mut v);
        let mut statuses = Vec::new();
        for (i, s) in r.statuses.iter().enumerate() {
            match Status::from_code(*s as i16).filter(|_| (1..=4).contains(s)) {
                Some(s) => statuses.push(s),
                None => v.add(format!("statuses[{i}]"), "unknown status"),
            }
        }
        let period = v.take(
            r.period
                .as_ref()
                .map(|p| Period::decode("period", p))
                .transpose(),
        );
        v.finish(Self {
            limit,
            after,
            center,
            statuses,
            period,
            mine: r.mine,
            with_open_reports: r.with_open_reports,
        })
    }
}

/// The position a complaints page token stands for: the deadline and id of the last one.
fn complaint_position(token: &str) -> Result<Option<(NaiveDate, Uuid)>, ApiError> {
    let Some(text) = decode_token(token)? else {
        return Ok(None);
    };
    let bad = || ApiError::invalid("page_token", "is not a token this service issued");
    let (d, id) = text.split_once('|').ok_or_else(bad)?;
    Ok(Some((
        d.parse().map_err(|_| bad())?,
        Uuid::parse_str(id).map_err(|_| bad())?,
    )))
}

/// ListComplaints: a page of complaints, filtered.
#[derive(Debug, Clone, PartialEq)]
pub struct ListComplaintsInput {
    /// Page size.
    pub limit: i64,
    /// Where the page before ended.
    pub after: Option<(NaiveDate, Uuid)>,
    /// Only this centre's.
    pub center: Option<Uuid>,
    /// Only these statuses (their stored codes; every one when empty).
    pub statuses: Vec<i16>,
    /// Only the overdue ones.
    pub overdue_only: bool,
}

impl TryFrom<pb::ListComplaintsRequest> for ListComplaintsInput {
    type Error = ApiError;

    fn try_from(r: pb::ListComplaintsRequest) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        let limit = v.take(page_size(r.page_size));
        let after = v.take(complaint_position(&r.page_token));
        let center = parse_opt_id("center_id", &r.center_id, &mut v);
        let mut statuses = Vec::new();
        for (i, s) in r.statuses.iter().enumerate() {
            match complaint::Status::from_code(*s) {
                Some(s) => statuses.push(s as i16),
                None => v.add(format!("statuses[{i}]"), "unknown status"),
            }
        }
        v.finish(Self {
            limit,
            after,
            center,
            statuses,
            overdue_only: r.overdue_only,
        })
    }
}

/// UpdateComplaint: the masked fields of a complaint.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateComplaintInput {
    /// The complaint.
    pub id: Uuid,
    /// The version the caller read, if given.
    pub etag: String,
    /// The change asked for (checked against the complaint by `complaint::update`).
    pub change: Change,
}

impl TryFrom<pb::UpdateComplaintRequest> for UpdateComplaintInput {
    type Error = ApiError;

    fn try_from(r: pb::UpdateComplaintRequest) -> Result<Self, ApiError> {
        let c = r.complaint.unwrap_or_default();
        let mut v = Violations::new();
        let id = v.take(parse_id("complaint.id", &c.id));
        let paths = mask(r.update_mask.map(|m| m.paths), &mut v);
        let mut change = Change::default();
        for p in &paths {
            match p.as_str() {
                "status" => change.status = Some(c.status),
                "assignee_subject" => change.assignee = Some(c.assignee_subject.clone()),
                "deadline" => {
                    change.deadline =
                        parse_opt_date("complaint.deadline", c.deadline.as_ref(), &mut v);
                    v.check(
                        c.deadline.is_some(),
                        "complaint.deadline",
                        "is required when masked",
                    );
                }
                "center_response" => change.center_response = Some(c.center_response.clone()),
                "resolution" => change.resolution = Some(c.resolution.clone()),
                other => unknown_path(other, &mut v),
            }
        }
        v.finish(Self {
            id,
            etag: c.etag,
            change,
        })
    }
}

/// GetCenterFeedbackSummary: a centre's summary of a period.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryInput {
    /// The centre.
    pub center: Uuid,
    /// The period; the current quarter when none is named.
    pub period: Period,
}

impl SummaryInput {
    /// Decodes `r` on `today`.
    pub fn decode(
        r: &pb::GetCenterFeedbackSummaryRequest,
        today: NaiveDate,
    ) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        let center = v.take(parse_id("center_id", &r.center_id));
        let current = Period::quarter_of(today);
        let period = match &r.period {
            Some(p) => v.take_or(Period::decode("period", p), current),
            None => current,
        };
        v.finish(Self { center, period })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(err: ApiError) -> Vec<String> {
        let paths = err.field_paths().expect("INVALID_ARGUMENT");
        paths.into_iter().map(String::from).collect()
    }

    #[test]
    fn an_edit_names_a_bad_id_and_every_unknown_path_at_once() {
        let err = UpdateInput::try_from(edit(
            pb::Evaluation {
                id: "x".into(),
                ..Default::default()
            },
            &["comment", "status", "scores.nothing"],
        ))
        .unwrap_err();
        assert_eq!(
            fields(err),
            [
                "evaluation.id",
                "update_mask.status",
                "update_mask.scores.nothing"
            ]
        );
    }

    #[test]
    fn an_edit_keeps_the_fields_masked() {
        let input = UpdateInput::try_from(edit(
            pb::Evaluation {
                id: Uuid::now_v7().to_string(),
                language: 1,
                ..Default::default()
            },
            &["comment", "scores.waiting"],
        ))
        .unwrap();
        assert_eq!(
            input.fields,
            [
                Field::Comment,
                Field::Score(crate::domain::answers::Criterion::Waiting)
            ]
        );
    }

    #[test]
    fn a_complaint_change_needs_a_mask_and_a_deadline_when_masked() {
        let err = UpdateComplaintInput::try_from(complaint_change(
            pb::Complaint {
                id: Uuid::now_v7().to_string(),
                ..Default::default()
            },
            &["deadline"],
        ))
        .unwrap_err();
        assert_eq!(fields(err), ["complaint.deadline"]);
        let err =
            UpdateComplaintInput::try_from(pb::UpdateComplaintRequest::default()).unwrap_err();
        assert_eq!(fields(err), ["complaint.id", "update_mask"]);
    }

    #[test]
    fn a_list_names_a_foreign_token_and_unknown_statuses_together() {
        let err = ListEvaluationsInput::try_from(pb::ListEvaluationsRequest {
            page_token: "not-a-token".into(),
            statuses: vec![9],
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(fields(err), ["page_token", "statuses[0]"]);
    }

    fn paths(paths: &[&str]) -> Vec<String> {
        paths.iter().map(|p| p.to_string()).collect()
    }

    fn edit(evaluation: pb::Evaluation, masked: &[&str]) -> pb::UpdateEvaluationRequest {
        let mut r = pb::UpdateEvaluationRequest {
            evaluation: Some(evaluation),
            ..Default::default()
        };
        r.update_mask.get_or_insert_with(Default::default).paths = paths(masked);
        r
    }

    fn complaint_change(complaint: pb::Complaint, masked: &[&str]) -> pb::UpdateComplaintRequest {
        let mut r = pb::UpdateComplaintRequest {
            complaint: Some(complaint),
            ..Default::default()
        };
        r.update_mask.get_or_insert_with(Default::default).paths = paths(masked);
        r
    }
}
