//! Each indicator's raw value for one centre and period, from the registry's facts, the
//! published evaluations or the recorded values, with its source and sample size, and the rule
//! that picks between sources: INSPECTION wins over SELF_REPORTED; feedback below the minimum
//! sample is suppressed.

use onaltu_stats::{Z_95, bayesian_mean, wilson_lower_bound};

use super::feedback::{EVALUATIONS, RECOMMEND, Totals};
use super::methodology::{Criterion, Derivation, IndicatorDefinition, Methodology, Source};

/// What the registry says of a centre for the period (GetCenterIndicators).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegistryFacts {
    /// Admissions in the period.
    pub admissions: i64,
    /// Planned admissions, if the centre has a plan.
    pub planned_admissions: Option<i64>,
    /// Discharges that completed a course (improved, no change, worsened, continuing).
    pub discharges: i64,
    /// Of those, discharges with outcome IMPROVED.
    pub improved: i64,
    /// Median wait, referral to admission, in days.
    pub median_wait_days: Option<f64>,
    /// Occupied bed-days.
    pub occupied_bed_days: i64,
    /// Available bed-days; none for centres without beds.
    pub available_bed_days: Option<i64>,
}

/// A value recorded by an inspection or by the centre.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// Indicator code.
    pub code: String,
    /// INSPECTION or SELF_REPORTED.
    pub source: Source,
    /// Raw value.
    pub value: f64,
    /// Sample size, where meaningful.
    pub sample_size: Option<i64>,
}

/// One indicator of a centre's rating, line by line.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorLine {
    /// Indicator code.
    pub code: String,
    /// Criterion.
    pub criterion: Criterion,
    /// Raw value; none when missing or suppressed.
    pub raw: Option<f64>,
    /// Normalised 0..100; none when missing or suppressed.
    pub normalised: Option<f64>,
    /// Source of the value used (the usual source when missing).
    pub source: Source,
    /// Sample size behind the value.
    pub sample_size: Option<i64>,
    /// Suppressed for a small sample.
    pub suppressed: bool,
    /// A SELF_REPORTED value was set aside for an INSPECTION value.
    pub self_report_overridden: bool,
}

/// Whether a centre's feedback is below the minimum sample and must not be shown.
pub fn feedback_suppressed(m: &Methodology, feedback: &Totals) -> bool {
    feedback[EVALUATIONS].n < m.min_evaluations
}

/// Every indicator of `m` for one centre, in definition order.
pub fn derive(
    m: &Methodology,
    registry: Option<&RegistryFacts>,
    feedback: &Totals,
    city: &Totals,
    recorded: &[Recorded],
) -> Vec<IndicatorLine> {
    let suppressed = feedback_suppressed(m, feedback);
    m.indicators
        .iter()
        .map(|d| {
            let mut line = IndicatorLine {
                code: d.code.clone(),
                criterion: d.criterion,
                raw: None,
                normalised: None,
                source: d.sources.first().copied().unwrap_or(Source::Registry),
                sample_size: None,
                suppressed: false,
                self_report_overridden: false,
            };
            let value = match &d.derivation {
                Derivation::Recorded => recorded_value(d, recorded, &mut line),
                Derivation::FeedbackScore { .. } | Derivation::WouldRecommendShare
                    if suppressed =>
                {
                    line.suppressed = true;
                    line.sample_size = Some(feedback[EVALUATIONS].n);
                    None
                }
                Derivation::FeedbackScore { items } => {
                    let means: Vec<f64> = items
                        .iter()
                        .filter_map(|item| {
                            let own = feedback[item.index()];
                            let mean = own.mean()?;
                            let prior = city[item.index()].mean().unwrap_or(mean);
                            Some(bayesian_mean(own.n, mean, m.prior_weight, prior))
                        })
                        .collect();
                    (!means.is_empty()).then(|| {
                        (
                            means.iter().sum::<f64>() / means.len() as f64,
                            Some(feedback[EVALUATIONS].n),
                        )
                    })
                }
                Derivation::WouldRecommendShare => {
                    let r = feedback[RECOMMEND];
                    (r.n > 0).then(|| {
                        (
                            wilson_lower_bound(r.sum.round() as i64, r.n, Z_95),
                            Some(r.n),
                        )
                    })
                }
                registry_derived => registry.and_then(|f| from_registry(registry_derived, f)),
            };
            if let Some((raw, sample)) = value {
                line.raw = Some(raw);
                line.normalised = Some(d.normalise(raw));
                line.sample_size = sample;
            }
            line
        })
        .collect()
}

fn recorded_value(
    d: &IndicatorDefinition,
    recorded: &[Recorded],
    line: &mut IndicatorLine,
) -> Option<(f64, Option<i64>)> {
    let of = |source: Source| {
        recorded
            .iter()
            .find(|r| r.code == d.code && r.source == source && d.sources.contains(&source))
    };
    let (inspection, own) = (of(Source::Inspection), of(Source::SelfReported));
    let chosen = inspection.or(own)?;
    line.source = chosen.source;
    line.self_report_overridden = inspection.is_some() && own.is_some();
    Some((chosen.value, chosen.sample_size))
}

fn from_registry(derivation: &Derivation, f: &RegistryFacts) -> Option<(f64, Option<i64>)> {
    match derivation {
        Derivation::ImprovedDischargeShare => (f.discharges > 0)
            .then(|| (f.improved as f64 / f.discharges as f64, Some(f.discharges))),
        Derivation::PlanFulfilment => f
            .planned_admissions
            .filter(|p| *p > 0)
            .map(|p| (f.discharges as f64 / p as f64, Some(p))),
        Derivation::CapacityUse => f
            .available_bed_days
            .filter(|a| *a > 0)
            .map(|a| (f.occupied_bed_days as f64 / a as f64, Some(a))),
        Derivation::MedianWaitDays => f
            .median_wait_days
            .filter(|_| f.admissions > 0)
            .map(|d| (d, Some(f.admissions))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::feedback::ItemTotals;
    use crate::domain::methodology::FeedbackItem;

    fn line<'a>(lines: &'a [IndicatorLine], code: &str) -> &'a IndicatorLine {
        lines.iter().find(|l| l.code == code).unwrap()
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-6)
    }

    fn totals(evaluations: i64, results: (i64, f64), recommend: (i64, f64)) -> Totals {
        let mut t = Totals::default();
        t[FeedbackItem::Results.index()] = ItemTotals {
            n: results.0,
            sum: results.1,
        };
        t[RECOMMEND] = ItemTotals {
            n: recommend.0,
            sum: recommend.1,
        };
        t[EVALUATIONS].n = evaluations;
        t
    }

    #[test]
    fn registry_facts_give_shares_waits_and_their_samples() {
        let m = Methodology::standard();
        let facts = RegistryFacts {
            admissions: 12,
            planned_admissions: Some(40),
            discharges: 30,
            improved: 24,
            median_wait_days: Some(20.0),
            occupied_bed_days: 3_600,
            available_bed_days: Some(4_500),
        };
        let lines = derive(
            &m,
            Some(&facts),
            &Totals::default(),
            &Totals::default(),
            &[],
        );
        // 24 / 30 = 0.8 -> (0.8 - 0.5) / 0.45 = 66.67
        let improved = line(&lines, "improved_discharge_share");
        assert!(close(improved.raw, 0.8));
        assert!(close(improved.normalised, 66.666_667));
        assert_eq!(improved.sample_size, Some(30));
        // 30 / 40 = 0.75 -> (0.75 - 0.6) / 0.4 = 37.5
        assert!(close(line(&lines, "plan_fulfilment").normalised, 37.5));
        // 3600 / 4500 = 0.8 -> (0.8 - 0.5) / 0.4 = 75
        assert!(close(line(&lines, "capacity_use").normalised, 75.0));
        // (20 - 90) / (7 - 90) = 70 / 83 = 84.337
        assert!(close(
            line(&lines, "median_wait_days").normalised,
            84.337_349
        ));
    }

    #[test]
    fn missing_registry_facts_leave_the_indicators_missing_not_zero() {
        let m = Methodology::standard();
        let facts = RegistryFacts::default();
        let lines = derive(
            &m,
            Some(&facts),
            &Totals::default(),
            &Totals::default(),
            &[],
        );
        for code in [
            "improved_discharge_share",
            "plan_fulfilment",
            "capacity_use",
            "median_wait_days",
        ] {
            assert_eq!(line(&lines, code).raw, None, "{code}");
        }
    }

    #[test]
    fn feedback_means_lean_toward_the_city_and_recommend_uses_the_wilson_bound() {
        let m = Methodology::standard();
        // The centre: 10 evaluations, results 50 over 10 answers (mean 5.0), 9 of 10 promoters.
        let own = totals(10, (10, 50.0), (10, 9.0));
        // The city: results mean 4.0.
        let city = totals(100, (100, 400.0), (100, 60.0));
        let lines = derive(&m, None, &own, &city, &[]);
        // (10 * 5.0 + 10 * 4.0) / 20 = 4.5 -> (4.5 - 2.5) / 2.3 = 86.957
        let results = line(&lines, "results_score");
        assert!(close(results.raw, 4.5));
        assert!(close(results.normalised, 86.956_522));
        assert_eq!(results.sample_size, Some(10));
        // Wilson 9 of 10 = 0.595852 -> (0.595852 - 0.4) / 0.5 = 39.170
        let recommend = line(&lines, "would_recommend_share");
        assert!(
            close(recommend.raw, 0.595_852) || (recommend.raw.unwrap() - 0.595_852).abs() < 1e-5
        );
        assert!((recommend.normalised.unwrap() - 39.170).abs() < 1e-2);
    }

    #[test]
    fn fewer_than_five_evaluations_suppress_every_feedback_value() {
        let m = Methodology::standard();
        let own = totals(4, (4, 20.0), (4, 4.0));
        let lines = derive(&m, None, &own, &own, &[]);
        for l in lines.iter().filter(|l| l.source == Source::Feedback) {
            assert!(l.suppressed, "{}", l.code);
            assert_eq!(l.raw, None, "{}", l.code);
            assert_eq!(l.sample_size, Some(4));
        }
    }

    #[test]
    fn inspection_wins_over_self_reported_and_says_so() {
        let m = Methodology::standard();
        let recorded = vec![
            Recorded {
                code: "events_per_100_recipients".into(),
                source: Source::SelfReported,
                value: 20.0,
                sample_size: None,
            },
            Recorded {
                code: "events_per_100_recipients".into(),
                source: Source::Inspection,
                value: 5.0,
                sample_size: Some(80),
            },
        ];
        let lines = derive(&m, None, &Totals::default(), &Totals::default(), &recorded);
        let events = line(&lines, "events_per_100_recipients");
        assert_eq!(events.source, Source::Inspection);
        assert!(events.self_report_overridden);
        // 5 / 20 = 25
        assert!(close(events.normalised, 25.0));
        assert_eq!(events.sample_size, Some(80));
        let alone = derive(
            &m,
            None,
            &Totals::default(),
            &Totals::default(),
            &recorded[..1],
        );
        let events = line(&alone, "events_per_100_recipients");
        assert_eq!(events.source, Source::SelfReported);
        assert!(!events.self_report_overridden);
        assert!(close(events.normalised, 100.0));
    }

    #[test]
    fn a_source_the_definition_does_not_allow_is_ignored() {
        let m = Methodology::standard();
        let recorded = vec![Recorded {
            code: "accessibility_checklist_share".into(),
            source: Source::SelfReported,
            value: 1.0,
            sample_size: None,
        }];
        let lines = derive(&m, None, &Totals::default(), &Totals::default(), &recorded);
        assert_eq!(line(&lines, "accessibility_checklist_share").raw, None);
    }
}
