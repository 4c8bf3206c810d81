//! What a recipient answers: a score 1-5 per criterion, days waited, would-recommend 0-10 and a
//! comment, each checked against its rule.

use onaltu_errors::Violations;

/// A criterion recipients score (бағалау өлшемі / критерий оценки), in the contract's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Criterion {
    /// Results of rehabilitation (оңалту нәтижесі).
    Results,
    /// Cultural and social activities (мәдени-әлеуметтік іс-шаралар).
    Activities,
    /// Accessibility (қолжетімділік).
    Accessibility,
    /// Openness of information (ақпараттың ашықтығы).
    Information,
    /// Comfort (жайлылық).
    Comfort,
    /// Waiting time (кезекте күту).
    Waiting,
    /// Courtesy of staff (қызметкерлердің сыпайылығы).
    StaffCourtesy,
}

/// Every criterion, in the contract's order (index + 1 is the contract's enum value).
pub const CRITERIA: [Criterion; 7] = [
    Criterion::Results,
    Criterion::Activities,
    Criterion::Accessibility,
    Criterion::Information,
    Criterion::Comfort,
    Criterion::Waiting,
    Criterion::StaffCourtesy,
];

impl Criterion {
    /// The field name in `CriterionScores`.
    pub fn field(self) -> &'static str {
        match self {
            Self::Results => "results",
            Self::Activities => "activities",
            Self::Accessibility => "accessibility",
            Self::Information => "information",
            Self::Comfort => "comfort",
            Self::Waiting => "waiting",
            Self::StaffCourtesy => "staff_courtesy",
        }
    }

    /// Position in [`CRITERIA`].
    pub fn index(self) -> usize {
        CRITERIA.iter().position(|c| *c == self).unwrap_or(0)
    }
}

/// Scores 1-5 by criterion; `None` where the recipient did not answer.
pub type Scores = [Option<u8>; 7];

/// The longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 2000;
/// The longest wait anyone reports, in days (ten years).
pub const MAX_DAYS_WAITED: i32 = 3650;
/// Would-recommend answers of at least this count as promoters (9 or 10 of 0-10).
pub const PROMOTER_FROM: u8 = 9;

/// Answers as the request carries them, before any rule.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// Raw scores by criterion.
    pub scores: [Option<i32>; 7],
    /// Days waited as reported.
    pub days_waited: Option<i32>,
    /// Would recommend, 0-10.
    pub would_recommend: Option<i32>,
    /// Free-text comment.
    pub comment: String,
}

/// Answers that passed every rule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answers {
    /// Scores by criterion.
    pub scores: Scores,
    /// Days waited.
    pub days_waited: Option<i32>,
    /// Would recommend, 0-10.
    pub would_recommend: Option<u8>,
    /// Comment, trimmed.
    pub comment: String,
}

impl Answers {
    /// The mean of the criteria scored: the evaluation's overall score.
    pub fn overall(&self) -> Option<f64> {
        overall(&self.scores)
    }

    /// Whether any criterion is scored at most `threshold`.
    pub fn any_at_most(&self, threshold: u8) -> bool {
        self.scores.iter().flatten().any(|s| *s <= threshold)
    }
}

/// The mean of the criteria scored.
pub fn overall(scores: &Scores) -> Option<f64> {
    let given: Vec<f64> = scores.iter().flatten().map(|s| f64::from(*s)).collect();
    (!given.is_empty()).then(|| given.iter().sum::<f64>() / given.len() as f64)
}

/// Checks `draft`; violations name fields under `prefix` (e.g. `evaluation`).
pub fn validate(prefix: &str, draft: &Draft) -> Result<Answers, Violations> {
    let mut v = Violations::new();
    let mut scores: Scores = [None; 7];
    for (criterion, raw) in CRITERIA.iter().zip(draft.scores) {
        if let Some(score) = raw {
            match u8::try_from(score) {
                Ok(s @ 1..=5) => scores[criterion.index()] = Some(s),
                _ => v.add(
                    format!("{prefix}.scores.{}", criterion.field()),
                    "must be 1 to 5",
                ),
            }
        }
    }
    v.check(
        draft.scores.iter().any(Option::is_some),
        format!("{prefix}.scores"),
        "score at least one criterion",
    );
    if let Some(days) = draft.days_waited {
        v.check(
            (0..=MAX_DAYS_WAITED).contains(&days),
            format!("{prefix}.days_waited"),
            format!("must be 0 to {MAX_DAYS_WAITED}"),
        );
    }
    let recommend = match draft.would_recommend {
        Some(r @ 0..=10) => u8::try_from(r).ok(),
        Some(_) => {
            v.add(format!("{prefix}.would_recommend"), "must be 0 to 10");
            None
        }
        None => None,
    };
    let comment = draft.comment.trim().to_string();
    v.check(
        comment.chars().count() <= MAX_COMMENT_CHARS,
        format!("{prefix}.comment"),
        format!("must be at most {MAX_COMMENT_CHARS} characters"),
    );
    v.check(
        !comment
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t'),
        format!("{prefix}.comment"),
        "must not contain control characters",
    );
    if !v.is_empty() {
        return Err(v);
    }
    Ok(Answers {
        scores,
        days_waited: draft.days_waited,
        would_recommend: recommend,
        comment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(v: Violations) -> Vec<String> {
        v.as_slice().iter().map(|f| f.field.clone()).collect()
    }

    #[test]
    fn every_bad_answer_is_named_at_once() {
        let draft = Draft {
            scores: [Some(0), Some(6), None, Some(3), None, None, Some(-1)],
            days_waited: Some(-2),
            would_recommend: Some(11),
            comment: "x".repeat(MAX_COMMENT_CHARS + 1),
        };
        let bad = fields(validate("evaluation", &draft).unwrap_err());
        assert_eq!(
            bad,
            [
                "evaluation.scores.results",
                "evaluation.scores.activities",
                "evaluation.scores.staff_courtesy",
                "evaluation.days_waited",
                "evaluation.would_recommend",
                "evaluation.comment",
            ]
        );
    }

    #[test]
    fn an_evaluation_scores_at_least_one_criterion() {
        let bad = fields(validate("evaluation", &Draft::default()).unwrap_err());
        assert_eq!(bad, ["evaluation.scores"]);
    }

    #[test]
    fn valid_answers_keep_their_values_and_trim_the_comment() {
        let draft = Draft {
            scores: [Some(5), None, Some(4), None, None, Some(1), Some(5)],
            days_waited: Some(0),
            would_recommend: Some(10),
            comment: "  Рахмет!  ".into(),
        };
        let a = validate("evaluation", &draft).unwrap();
        assert_eq!(a.scores[0], Some(5));
        assert_eq!(a.scores[1], None);
        assert_eq!(a.would_recommend, Some(10));
        assert_eq!(a.comment, "Рахмет!");
        // (5 + 4 + 1 + 5) / 4 = 3.75
        assert_eq!(a.overall(), Some(3.75));
        assert!(a.any_at_most(2));
    }

    #[test]
    fn control_characters_in_a_comment_are_refused() {
        let draft = Draft {
            scores: [Some(3); 7],
            comment: "bad\u{0007}bell".into(),
            ..Draft::default()
        };
        assert_eq!(fields(validate("e", &draft).unwrap_err()), ["e.comment"]);
    }
}
