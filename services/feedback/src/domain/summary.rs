//! A centre's feedback summary for a period, as RATING.md defines it: per-criterion means pulled
//! toward the city mean (`(n * mean + m * city_mean) / (n + m)`, m = 10), the would-recommend
//! share with its 95% Wilson lower bound, and nothing shown below 5 published evaluations.

use super::answers::{Answers, CRITERIA, PROMOTER_FROM};

/// Prior weight `m` of the Bayesian means.
pub const PRIOR_WEIGHT: f64 = 10.0;
/// Fewer published evaluations than this and every value is suppressed.
pub const MIN_PUBLISHED: i64 = 5;
pub use onaltu_stats::Z_95;

/// Totals of one item (a criterion, the overall score, or would-recommend).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    /// Answers counted.
    pub n: i64,
    /// Sum of the scores (for would-recommend: promoters).
    pub sum: f64,
    /// Count of each score 1-5 (criteria only).
    pub distribution: [i64; 5],
}

impl Totals {
    /// Adds another month's or centre's totals.
    pub fn add(&mut self, other: &Totals) {
        self.n += other.n;
        self.sum += other.sum;
        for (a, b) in self.distribution.iter_mut().zip(other.distribution) {
            *a += b;
        }
    }

    /// The plain mean, if anything was counted.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum / self.n as f64)
    }
}

/// What the aggregates store: criteria 1-7, then the overall score, then would-recommend.
pub const ITEMS: usize = 9;
/// Index of the overall score among the items.
pub const OVERALL: usize = 7;
/// Index of would-recommend among the items.
pub const RECOMMEND: usize = 8;

/// One evaluation's contribution to the aggregates (`sign` +1 when it is published, -1 when
/// it stops counting).
pub fn contribution(answers: &Answers, sign: i64) -> [Totals; ITEMS] {
    let mut items = [Totals::default(); ITEMS];
    for c in CRITERIA {
        if let Some(score) = answers.scores[c.index()] {
            let t = &mut items[c.index()];
            t.n = sign;
            t.sum = (sign * i64::from(score)) as f64;
            t.distribution[usize::from(score) - 1] = sign;
        }
    }
    if let Some(overall) = answers.overall() {
        items[OVERALL].n = sign;
        items[OVERALL].sum = sign as f64 * overall;
    }
    if let Some(r) = answers.would_recommend {
        items[RECOMMEND].n = sign;
        items[RECOMMEND].sum = if r >= PROMOTER_FROM { sign as f64 } else { 0.0 };
    }
    items
}

pub use onaltu_stats::{bayesian_mean, wilson_lower_bound};

/// One criterion's line of the summary.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionLine {
    /// Index in [`CRITERIA`].
    pub criterion: usize,
    /// The centre's totals.
    pub totals: Totals,
    /// Plain mean.
    pub mean: f64,
    /// Mean pulled toward the city's.
    pub bayesian_mean: f64,
    /// The city's mean (the prior).
    pub city_mean: f64,
}

/// The would-recommend line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecommendLine {
    /// Answers.
    pub n: i64,
    /// Answers of 9 or 10.
    pub promoters: i64,
    /// promoters / n.
    pub share: f64,
    /// Its 95% Wilson lower bound.
    pub wilson_lower_bound: f64,
}

/// A centre's summary; every value is absent when suppressed.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Published evaluations in the period.
    pub n: i64,
    /// Below [`MIN_PUBLISHED`]: nothing else is shown.
    pub suppressed: bool,
    /// Criteria anyone scored.
    pub criteria: Vec<CriterionLine>,
    /// Bayesian mean of the overall score.
    pub overall_bayesian_mean: Option<f64>,
    /// Would-recommend.
    pub recommend: Option<RecommendLine>,
    /// Median days waited.
    pub median_days_waited: Option<f64>,
}

/// Summarises a centre's totals against the city's (which include the centre's).
pub fn summarise(
    centre: &[Totals; ITEMS],
    city: &[Totals; ITEMS],
    median_days_waited: Option<f64>,
) -> Summary {
    let n = centre[OVERALL].n;
    if n < MIN_PUBLISHED {
        return Summary {
            n,
            suppressed: true,
            criteria: Vec::new(),
            overall_bayesian_mean: None,
            recommend: None,
            median_days_waited: None,
        };
    }
    let line = |i: usize| {
        let t = centre[i];
        let mean = t.mean()?;
        let city_mean = city[i].mean().unwrap_or(mean);
        Some((
            t,
            mean,
            bayesian_mean(t.n, mean, PRIOR_WEIGHT, city_mean),
            city_mean,
        ))
    };
    let criteria = (0..CRITERIA.len())
        .filter_map(|i| {
            line(i).map(|(totals, mean, bayesian_mean, city_mean)| CriterionLine {
                criterion: i,
                totals,
                mean,
                bayesian_mean,
                city_mean,
            })
        })
        .collect();
    let r = centre[RECOMMEND];
    let recommend = (r.n > 0).then(|| {
        let promoters = r.sum.round() as i64;
        RecommendLine {
            n: r.n,
            promoters,
            share: promoters as f64 / r.n as f64,
            wilson_lower_bound: wilson_lower_bound(promoters, r.n, Z_95),
        }
    });
    Summary {
        n,
        suppressed: false,
        criteria,
        overall_bayesian_mean: line(OVERALL).map(|(_, _, b, _)| b),
        recommend,
        median_days_waited,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn totals(scores: &[u8]) -> Totals {
        let mut t = Totals::default();
        for s in scores {
            t.n += 1;
            t.sum += f64::from(*s);
            t.distribution[usize::from(*s) - 1] += 1;
        }
        t
    }

    #[test]
    fn fewer_than_five_published_suppresses_everything() {
        let mut centre = [Totals::default(); ITEMS];
        centre[0] = totals(&[5, 5, 5, 5]);
        centre[OVERALL] = totals(&[5, 5, 5, 5]);
        let s = summarise(&centre, &centre, Some(10.0));
        assert!(s.suppressed);
        assert_eq!(s.n, 4);
        assert!(s.criteria.is_empty() && s.recommend.is_none() && s.median_days_waited.is_none());
    }

    #[test]
    fn a_summary_of_five_against_the_city() {
        let mut centre = [Totals::default(); ITEMS];
        centre[0] = totals(&[5, 5, 4, 4, 2]); // mean 4.0
        centre[OVERALL] = totals(&[5, 5, 4, 4, 2]);
        centre[RECOMMEND] = Totals {
            n: 5,
            sum: 4.0,
            distribution: [0; 5],
        };
        let mut city = centre;
        city[0].add(&totals(&[3; 15])); // city: (20 + 45) / 20 = 3.25
        city[OVERALL].add(&totals(&[3; 15]));
        let s = summarise(&centre, &city, Some(12.0));
        assert!(!s.suppressed);
        assert_eq!(s.criteria.len(), 1, "only criteria someone scored");
        let results = &s.criteria[0];
        assert!(close(results.mean, 4.0));
        assert!(close(results.city_mean, 3.25));
        // (5 * 4.0 + 10 * 3.25) / 15 = 52.5 / 15 = 3.5
        assert!(close(results.bayesian_mean, 3.5));
        assert_eq!(results.totals.distribution, [0, 1, 0, 2, 2]);
        let r = s.recommend.unwrap();
        assert_eq!((r.n, r.promoters), (5, 4));
        assert!(close(r.share, 0.8));
        assert!(r.wilson_lower_bound < 0.8 && r.wilson_lower_bound > 0.3);
        assert_eq!(s.median_days_waited, Some(12.0));
    }

    #[test]
    fn a_contribution_adds_and_a_withdrawal_takes_back() {
        let a = Answers {
            scores: [Some(4), None, Some(2), None, None, None, None],
            would_recommend: Some(9),
            ..Answers::default()
        };
        let plus = contribution(&a, 1);
        let minus = contribution(&a, -1);
        assert_eq!(plus[0].distribution, [0, 0, 0, 1, 0]);
        assert_eq!(plus[1], Totals::default());
        assert!(close(plus[OVERALL].sum, 3.0));
        assert!(close(plus[RECOMMEND].sum, 1.0));
        let mut t = plus;
        for (x, y) in t.iter_mut().zip(&minus) {
            x.add(y);
        }
        assert!(t.iter().all(|x| x.n == 0 && close(x.sum, 0.0)));
    }
}
