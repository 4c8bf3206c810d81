//! Published evaluations as the rating counts them: per centre and month, the count and sum of
//! each score item, the would-recommend answers and the number of evaluations. An evaluation is
//! added once when published and taken back when withdrawn.

use super::methodology::FeedbackItem;

/// Slot of the would-recommend answers (`n` answers, `sum` promoters).
pub const RECOMMEND: usize = 8;
/// Slot of the evaluations counted (`n`).
pub const EVALUATIONS: usize = 9;
/// Slots per centre and month: the eight score items, would-recommend, evaluations.
pub const SLOTS: usize = 10;
/// Would-recommend answers from this value up (of 0-10) are promoters.
pub const PROMOTER_FROM: i32 = 9;

/// Count and sum of one slot.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ItemTotals {
    /// Answers counted.
    pub n: i64,
    /// Sum of the scores (promoters for would-recommend).
    pub sum: f64,
}

impl ItemTotals {
    /// The plain mean, if anything was counted.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum / self.n as f64)
    }
}

/// Every slot of a centre (or the city) over some months.
pub type Totals = [ItemTotals; SLOTS];

/// Adds `other` into `into`.
pub fn add(into: &mut Totals, other: &Totals) {
    for (a, b) in into.iter_mut().zip(other) {
        a.n += b.n;
        a.sum += b.sum;
    }
}

/// The whole city's totals: every centre's added up (the prior of the Bayesian means).
pub fn city<'a>(centres: impl IntoIterator<Item = &'a Totals>) -> Totals {
    let mut out = Totals::default();
    for t in centres {
        add(&mut out, t);
    }
    out
}

/// The scores of one published evaluation, as the event carries them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EvaluationScores {
    /// Results, activities, accessibility, information, comfort, waiting, staff courtesy (1-5).
    pub scores: [Option<i32>; 7],
    /// Would recommend, 0-10.
    pub would_recommend: Option<i32>,
}

/// The scores kept of an evaluation: those within range (1-5, and 0-10 for would-recommend).
pub fn valid(e: EvaluationScores) -> EvaluationScores {
    EvaluationScores {
        scores: e.scores.map(|s| s.filter(|s| (1..=5).contains(s))),
        would_recommend: e.would_recommend.filter(|r| (0..=10).contains(r)),
    }
}

/// Whether an event at `at` is newer than the last one applied to the same evaluation (at
/// `last`): events may arrive out of order, and an older one must not undo a newer one.
pub fn is_newer(
    last: Option<chrono::DateTime<chrono::Utc>>,
    at: chrono::DateTime<chrono::Utc>,
) -> bool {
    last.is_none_or(|last| at > last)
}

/// What one evaluation adds (`sign` = 1) or takes back (`sign` = -1). Scores outside 1-5 and
/// recommendations outside 0-10 are not counted (the feedback service never sends them).
pub fn contribution(e: &EvaluationScores, sign: i64) -> Totals {
    let mut out = Totals::default();
    let mut own = ItemTotals::default();
    for (slot, score) in out.iter_mut().zip(e.scores) {
        if let Some(s) = score.filter(|s| (1..=5).contains(s)) {
            *slot = ItemTotals {
                n: sign,
                sum: (sign * i64::from(s)) as f64,
            };
            own.n += 1;
            own.sum += f64::from(s);
        }
    }
    if let Some(mean) = own.mean() {
        out[FeedbackItem::Overall.index()] = ItemTotals {
            n: sign,
            sum: sign as f64 * mean,
        };
    }
    if let Some(r) = e.would_recommend.filter(|r| (0..=10).contains(r)) {
        out[RECOMMEND] = ItemTotals {
            n: sign,
            sum: if r >= PROMOTER_FROM { sign as f64 } else { 0.0 },
        };
    }
    out[EVALUATIONS] = ItemTotals { n: sign, sum: 0.0 };
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_evaluation_counts_each_score_its_own_mean_and_a_promoter() {
        let e = EvaluationScores {
            scores: [Some(5), None, Some(4), None, None, Some(3), Some(4)],
            would_recommend: Some(9),
        };
        let c = contribution(&e, 1);
        assert_eq!(c[0], ItemTotals { n: 1, sum: 5.0 });
        assert_eq!(c[1], ItemTotals::default());
        // Overall: (5 + 4 + 3 + 4) / 4 = 4.0
        assert_eq!(
            c[FeedbackItem::Overall.index()],
            ItemTotals { n: 1, sum: 4.0 }
        );
        assert_eq!(c[RECOMMEND], ItemTotals { n: 1, sum: 1.0 });
        assert_eq!(c[EVALUATIONS].n, 1);
    }

    #[test]
    fn a_withdrawal_takes_back_exactly_what_the_publication_added() {
        let e = EvaluationScores {
            scores: [Some(2), Some(3), None, None, Some(1), None, None],
            would_recommend: Some(8),
        };
        let mut totals = Totals::default();
        add(&mut totals, &contribution(&e, 1));
        assert_eq!(
            totals[RECOMMEND],
            ItemTotals { n: 1, sum: 0.0 },
            "8 is no promoter"
        );
        add(&mut totals, &contribution(&e, -1));
        assert!(totals.iter().all(|t| t.n == 0 && t.sum == 0.0));
    }

    #[test]
    fn an_older_event_does_not_undo_a_newer_one() {
        use chrono::{TimeZone, Utc};
        let t = |s| Utc.timestamp_opt(s, 0).unwrap();
        assert!(is_newer(None, t(10)));
        assert!(is_newer(Some(t(10)), t(11)));
        assert!(
            !is_newer(Some(t(10)), t(10)),
            "a redelivery changes nothing"
        );
        assert!(!is_newer(Some(t(10)), t(9)));
    }

    #[test]
    fn out_of_range_scores_are_not_kept() {
        let e = valid(EvaluationScores {
            scores: [Some(6), Some(5), Some(0), None, None, None, None],
            would_recommend: Some(-1),
        });
        assert_eq!(e.scores[..3], [None, Some(5), None]);
        assert_eq!(e.would_recommend, None);
    }

    #[test]
    fn out_of_range_answers_are_not_counted() {
        let e = EvaluationScores {
            scores: [Some(0), Some(6), None, None, None, None, None],
            would_recommend: Some(11),
        };
        let c = contribution(&e, 1);
        assert!(c[..EVALUATIONS].iter().all(|t| t.n == 0));
        assert_eq!(c[EVALUATIONS].n, 1);
    }
}
