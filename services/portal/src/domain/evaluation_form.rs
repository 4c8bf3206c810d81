//! The evaluation form (бағалау / оценка) as a recipient fills it in: a score 1-5 for each of
//! the seven criteria or "does not apply", the days waited, how likely they would recommend the
//! centre (0-10), a comment and, with a first evaluation, a complaint. The rules are the
//! feedback service's own (`services/feedback/src/domain/answers.rs`), checked here first so
//! the form answers in the page's language beside each field; what the service still refuses
//! is read back onto the same fields ([`service_field`]).

use onaltu_proto::common::Language;
use onaltu_proto::feedback as pb;
use serde::Deserialize;

use super::form::{self, FormErrors};

/// The criteria in the contract's order, by the names the form and `CriterionScores` share.
pub const CRITERIA: [&str; 7] = [
    "results",
    "activities",
    "accessibility",
    "information",
    "comfort",
    "waiting",
    "staff_courtesy",
];

/// The value of a criterion answered "does not apply" (the contract leaves it unset).
pub const NOT_APPLICABLE: &str = "na";
/// The longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 2000;
/// The longest complaint, in characters.
pub const MAX_COMPLAINT_CHARS: usize = 4000;
/// The longest wait anyone reports, in days (ten years).
pub const MAX_DAYS_WAITED: i32 = 3650;
/// The highest would-recommend answer (0: not at all likely, 10: extremely likely).
pub const MAX_RECOMMEND: i32 = 10;

/// The form's fields in page order, for the error summary.
pub const FIELD_ORDER: [&str; 12] = [
    "scores",
    "results",
    "activities",
    "accessibility",
    "information",
    "comfort",
    "waiting",
    "staff_courtesy",
    "days_waited",
    "would_recommend",
    "comment",
    "complaint",
];

/// The form as the browser sends it (and as the page shows it back): text, unchecked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EvaluationFields {
    /// The session's form token.
    pub csrf: String,
    /// The id of this filling-in of the form: a second send of it is answered once.
    pub request_id: String,
    /// Results of rehabilitation: `1`-`5` or `na`.
    pub results: String,
    /// Cultural and social activities.
    pub activities: String,
    /// Accessibility.
    pub accessibility: String,
    /// Openness of information.
    pub information: String,
    /// Comfort.
    pub comfort: String,
    /// Waiting time.
    pub waiting: String,
    /// Courtesy of staff.
    pub staff_courtesy: String,
    /// Days waited, as typed.
    pub days_waited: String,
    /// Would recommend, `0`-`10`, or empty.
    pub would_recommend: String,
    /// The comment.
    pub comment: String,
    /// The complaint, with a first evaluation only.
    pub complaint: String,
}

impl EvaluationFields {
    /// The answer given for `criterion` (one of [`CRITERIA`]).
    pub fn score(&self, criterion: &str) -> &str {
        match criterion {
            "results" => &self.results,
            "activities" => &self.activities,
            "accessibility" => &self.accessibility,
            "information" => &self.information,
            "comfort" => &self.comfort,
            "waiting" => &self.waiting,
            "staff_courtesy" => &self.staff_courtesy,
            _ => "",
        }
    }

    /// The fields showing a stored evaluation, for its author to edit.
    pub fn of_evaluation(e: &pb::Evaluation) -> Self {
        let s = e.scores.unwrap_or_default();
        let shown =
            |v: Option<i32>| v.map_or_else(|| NOT_APPLICABLE.to_string(), |v| v.to_string());
        Self {
            results: shown(s.results),
            activities: shown(s.activities),
            accessibility: shown(s.accessibility),
            information: shown(s.information),
            comfort: shown(s.comfort),
            waiting: shown(s.waiting),
            staff_courtesy: shown(s.staff_courtesy),
            days_waited: e.days_waited.map(|d| d.to_string()).unwrap_or_default(),
            would_recommend: e.would_recommend.map(|r| r.to_string()).unwrap_or_default(),
            comment: e.comment.clone(),
            ..Self::default()
        }
    }
}

/// Answers that passed every rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvaluationInput {
    /// Scores 1-5 in the order of [`CRITERIA`]; `None`: does not apply.
    pub scores: [Option<i32>; 7],
    /// Days waited, when given.
    pub days_waited: Option<i32>,
    /// Would recommend 0-10, when answered.
    pub would_recommend: Option<i32>,
    /// The comment, line breaks as `\n`, trimmed.
    pub comment: String,
    /// The complaint, likewise.
    pub complaint: String,
}

impl EvaluationInput {
    /// The scores as the contract carries them.
    pub fn criterion_scores(&self) -> pb::CriterionScores {
        let [
            results,
            activities,
            accessibility,
            information,
            comfort,
            waiting,
            staff_courtesy,
        ] = self.scores;
        pb::CriterionScores {
            results,
            activities,
            accessibility,
            information,
            comfort,
            waiting,
            staff_courtesy,
        }
    }

    /// The evaluation of `episode_id` (for SubmitEvaluation) or with `id` (UpdateEvaluation),
    /// its comment in `language`.
    pub fn evaluation(&self, episode_id: &str, id: &str, language: Language) -> pb::Evaluation {
        pb::Evaluation {
            id: id.to_string(),
            episode_id: episode_id.to_string(),
            scores: Some(self.criterion_scores()),
            days_waited: self.days_waited,
            would_recommend: self.would_recommend,
            comment: self.comment.clone(),
            language: language as i32,
            ..Default::default()
        }
    }
}

/// What an author may change with UpdateEvaluation (the mask's paths).
pub const UPDATE_PATHS: [&str; 4] = ["scores", "days_waited", "would_recommend", "comment"];

/// The fields checked: the typed answers, or every error with its field.
pub fn validate(fields: &EvaluationFields) -> Result<EvaluationInput, FormErrors> {
    let mut errors = FormErrors::new();
    let mut input = EvaluationInput::default();
    for (i, criterion) in CRITERIA.iter().enumerate() {
        match fields.score(criterion).trim() {
            "" => errors.add(criterion, "my-eval-error-score-missing"),
            NOT_APPLICABLE => {}
            typed => match typed.parse::<i32>() {
                Ok(s @ 1..=5) => input.scores[i] = Some(s),
                _ => errors.add(criterion, "my-eval-error-score-range"),
            },
        }
    }
    let all_answered = CRITERIA.iter().all(|c| !fields.score(c).trim().is_empty());
    if all_answered && input.scores.iter().all(Option::is_none) {
        errors.add("scores", "my-eval-error-scores-none");
    }
    input.days_waited = days_waited(fields.days_waited.trim(), &mut errors);
    input.would_recommend = match fields.would_recommend.trim() {
        "" => None,
        typed => match typed.parse::<i32>() {
            Ok(r @ 0..=MAX_RECOMMEND) => Some(r),
            _ => {
                errors.add("would_recommend", "my-eval-error-recommend-range");
                None
            }
        },
    };
    input.comment = form::normalised_text(&fields.comment);
    if input.comment.chars().count() > MAX_COMMENT_CHARS {
        errors.add("comment", "my-eval-error-comment-long");
    } else if form::has_control_characters(&input.comment) {
        errors.add("comment", "my-eval-error-comment-characters");
    }
    input.complaint = form::normalised_text(&fields.complaint);
    if input.complaint.chars().count() > MAX_COMPLAINT_CHARS {
        errors.add("complaint", "my-eval-error-complaint-long");
    }
    if errors.is_empty() {
        Ok(input)
    } else {
        Err(errors.ordered(&FIELD_ORDER))
    }
}

fn days_waited(typed: &str, errors: &mut FormErrors) -> Option<i32> {
    if typed.is_empty() {
        return None;
    }
    match typed.parse::<i64>() {
        Ok(d) if (0..=i64::from(MAX_DAYS_WAITED)).contains(&d) => i32::try_from(d).ok(),
        Ok(_) => {
            errors.add("days_waited", "my-eval-error-days-range");
            None
        }
        Err(_) => {
            errors.add("days_waited", "my-eval-error-days-number");
            None
        }
    }
}

/// The form field (and message) a field path of the feedback service's refusal belongs to;
/// `None` for paths no field of the form holds (the form as a whole is then at fault).
pub fn service_field(path: &str) -> Option<(&'static str, &'static str)> {
    let path = path.strip_prefix("evaluation.").unwrap_or(path);
    if let Some(criterion) = path.strip_prefix("scores.") {
        let field = CRITERIA.iter().find(|c| **c == criterion)?;
        return Some((field, "my-eval-error-score-range"));
    }
    Some(match path {
        "scores" => ("scores", "my-eval-error-scores-none"),
        "days_waited" => ("days_waited", "my-eval-error-days-range"),
        "would_recommend" => ("would_recommend", "my-eval-error-recommend-range"),
        "comment" => ("comment", "my-eval-error-comment-refused"),
        "complaint_text" => ("complaint", "my-eval-error-complaint-long"),
        _ => return None,
    })
}

/// The errors a refusal of the feedback service makes on the form: its field violations on
/// their fields.
pub fn service_errors(status: &tonic::Status) -> FormErrors {
    form::from_violations(
        &form::violated_fields(status),
        service_field,
        "my-eval-error-general",
    )
    .ordered(&FIELD_ORDER)
}

/// Every message key the form's rules may name (they are chosen at run time).
pub const MESSAGE_KEYS: [&str; 13] = [
    "my-eval-error-edit-window",
    "my-eval-error-score-missing",
    "my-eval-error-score-range",
    "my-eval-error-scores-none",
    "my-eval-error-days-number",
    "my-eval-error-days-range",
    "my-eval-error-recommend-range",
    "my-eval-error-comment-long",
    "my-eval-error-comment-characters",
    "my-eval-error-comment-refused",
    "my-eval-error-complaint-long",
    "my-eval-error-general",
    "my-eval-error-not-received",
];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::i18n::{Lang, Tr};

    fn filled() -> EvaluationFields {
        EvaluationFields {
            results: "5".into(),
            activities: "4".into(),
            accessibility: "na".into(),
            information: "3".into(),
            comfort: "2".into(),
            waiting: "1".into(),
            staff_courtesy: "5".into(),
            days_waited: " 42 ".into(),
            would_recommend: "9".into(),
            comment: "  Рахмет!\r\nБәрі жақсы.  ".into(),
            ..EvaluationFields::default()
        }
    }

    fn error_of(fields: &EvaluationFields, field: &str) -> Option<&'static str> {
        validate(fields).err()?.of(field).map(|e| e.key)
    }

    #[test]
    fn a_complete_form_becomes_typed_answers() {
        let input = validate(&filled()).unwrap();
        assert_eq!(
            input.scores,
            [Some(5), Some(4), None, Some(3), Some(2), Some(1), Some(5)]
        );
        assert_eq!(input.days_waited, Some(42));
        assert_eq!(input.would_recommend, Some(9));
        assert_eq!(input.comment, "Рахмет!\nБәрі жақсы.");
        let e = input.evaluation("ep", "", Language::Kk);
        assert_eq!(e.scores.unwrap().accessibility, None);
        assert_eq!(e.scores.unwrap().staff_courtesy, Some(5));
        assert_eq!(e.language, Language::Kk as i32);
    }

    #[test]
    fn every_criterion_needs_an_answer_or_does_not_apply() {
        let mut f = filled();
        f.comfort = String::new();
        assert_eq!(error_of(&f, "comfort"), Some("my-eval-error-score-missing"));
    }

    #[test]
    fn a_score_is_one_to_five() {
        for bad in ["0", "6", "x", "-1", "3.5"] {
            let mut f = filled();
            f.waiting = bad.into();
            assert_eq!(
                error_of(&f, "waiting"),
                Some("my-eval-error-score-range"),
                "{bad}"
            );
        }
    }

    #[test]
    fn at_least_one_criterion_is_scored() {
        let mut f = filled();
        for c in CRITERIA {
            match c {
                "results" => f.results = "na".into(),
                "activities" => f.activities = "na".into(),
                "accessibility" => f.accessibility = "na".into(),
                "information" => f.information = "na".into(),
                "comfort" => f.comfort = "na".into(),
                "waiting" => f.waiting = "na".into(),
                _ => f.staff_courtesy = "na".into(),
            }
        }
        assert_eq!(error_of(&f, "scores"), Some("my-eval-error-scores-none"));
    }

    #[test]
    fn days_waited_is_a_whole_number_up_to_ten_years() {
        let mut f = filled();
        f.days_waited = "two".into();
        assert_eq!(
            error_of(&f, "days_waited"),
            Some("my-eval-error-days-number")
        );
        f.days_waited = "-1".into();
        assert_eq!(
            error_of(&f, "days_waited"),
            Some("my-eval-error-days-range")
        );
        f.days_waited = "3651".into();
        assert_eq!(
            error_of(&f, "days_waited"),
            Some("my-eval-error-days-range")
        );
        f.days_waited = "3650".into();
        assert!(validate(&f).is_ok());
        f.days_waited = String::new();
        assert_eq!(validate(&f).unwrap().days_waited, None);
    }

    #[test]
    fn would_recommend_is_zero_to_ten_or_unanswered() {
        let mut f = filled();
        f.would_recommend = "11".into();
        assert_eq!(
            error_of(&f, "would_recommend"),
            Some("my-eval-error-recommend-range")
        );
        f.would_recommend = "0".into();
        assert_eq!(validate(&f).unwrap().would_recommend, Some(0));
        f.would_recommend = String::new();
        assert_eq!(validate(&f).unwrap().would_recommend, None);
    }

    #[test]
    fn a_comment_has_a_length_limit_and_no_control_characters() {
        let mut f = filled();
        f.comment = "ә".repeat(MAX_COMMENT_CHARS);
        assert!(
            validate(&f).is_ok(),
            "the limit counts characters, not bytes"
        );
        f.comment = "ә".repeat(MAX_COMMENT_CHARS + 1);
        assert_eq!(error_of(&f, "comment"), Some("my-eval-error-comment-long"));
        f.comment = "bell\u{7}".into();
        assert_eq!(
            error_of(&f, "comment"),
            Some("my-eval-error-comment-characters")
        );
    }

    #[test]
    fn a_complaint_has_a_length_limit() {
        let mut f = filled();
        f.complaint = "x".repeat(MAX_COMPLAINT_CHARS + 1);
        assert_eq!(
            error_of(&f, "complaint"),
            Some("my-eval-error-complaint-long")
        );
    }

    #[test]
    fn every_error_is_named_at_once_in_page_order() {
        let f = EvaluationFields {
            comment: "x".repeat(MAX_COMMENT_CHARS + 1),
            days_waited: "x".into(),
            ..EvaluationFields::default()
        };
        let errors = validate(&f).unwrap_err();
        let fields: Vec<_> = errors.all().iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "results",
                "activities",
                "accessibility",
                "information",
                "comfort",
                "waiting",
                "staff_courtesy",
                "days_waited",
                "comment"
            ]
        );
    }

    #[test]
    fn the_services_field_paths_land_on_the_form() {
        assert_eq!(
            service_field("evaluation.scores.staff_courtesy"),
            Some(("staff_courtesy", "my-eval-error-score-range"))
        );
        assert_eq!(service_field("evaluation.scores").unwrap().0, "scores");
        assert_eq!(
            service_field("evaluation.days_waited").unwrap().0,
            "days_waited"
        );
        assert_eq!(
            service_field("evaluation.would_recommend").unwrap().0,
            "would_recommend"
        );
        assert_eq!(service_field("evaluation.comment").unwrap().0, "comment");
        assert_eq!(service_field("complaint_text").unwrap().0, "complaint");
        assert_eq!(service_field("evaluation.episode_id"), None);
        assert_eq!(service_field("evaluation.scores.nothing"), None);
    }

    #[test]
    fn a_refusal_of_the_service_is_read_back_onto_the_form() {
        use tonic_types::{ErrorDetails, StatusExt};
        let mut d = ErrorDetails::new();
        d.add_bad_request_violation("evaluation.days_waited", "must be 0 to 3650");
        d.add_bad_request_violation("evaluation.scores.results", "must be 1 to 5");
        d.add_bad_request_violation("request_id", "is not a UUID");
        let s = tonic::Status::with_error_details(tonic::Code::InvalidArgument, "bad", d);
        let errors = service_errors(&s);
        let fields: Vec<_> = errors.all().iter().map(|e| e.field).collect();
        assert_eq!(fields, ["", "results", "days_waited"]);
        assert_eq!(errors.of("").unwrap().key, "my-eval-error-general");
    }

    #[test]
    fn a_stored_evaluation_fills_the_form_back() {
        let input = validate(&filled()).unwrap();
        let stored = input.evaluation("ep", "id", Language::Ru);
        let f = EvaluationFields::of_evaluation(&stored);
        assert_eq!(f.accessibility, "na");
        assert_eq!(f.results, "5");
        assert_eq!(f.days_waited, "42");
        assert_eq!(validate(&f).unwrap().scores, input.scores);
    }

    #[test]
    fn every_message_is_translated() {
        for lang in Lang::ALL {
            let tr = Tr::new(lang);
            for key in MESSAGE_KEYS {
                assert!(tr.has(key), "{} lacks {key}", lang.code());
            }
        }
    }
}
