//! The rating of a period: criterion scores, the composite, stars by fixed cut points, the cap
//! of a critical violation, ranks within region and peer group, and the incentive and penalty
//! tier (RATING.md, "Composite, stars, tiers").

use onaltu_api::Period;
use uuid::Uuid;

use super::explain::{self, Line};
use super::feedback::{EVALUATIONS, Totals};
use super::indicators::{self, IndicatorLine, Recorded, RegistryFacts};
use super::methodology::{Criterion, Methodology, Source};

/// Incentive and penalty tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tier {
    /// Five stars, or four and in the top share of the peer group.
    Incentive,
    /// Three or four stars otherwise.
    Standard,
    /// Two stars or less for one period.
    Warning,
    /// Two stars or less for consecutive periods, or a critical violation.
    Penalty,
    /// Too few criteria for a rating.
    InsufficientData,
}

/// Conditions explained with a rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flag {
    /// A criterion rests only on self-reported values.
    SelfReportedOnly,
    /// Feedback below the minimum sample: suppressed.
    FeedbackSuppressed,
    /// Stars lowered by an open critical violation.
    StarsCapped,
    /// Low for the configured number of consecutive periods.
    ConsecutiveLow,
    /// The tier asks for an inspection.
    InspectionTriggered,
}

/// Why a rating asks the city for an inspection (RATING.md: PENALTY triggers one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InspectionReason {
    /// A critical violation is open.
    CriticalViolation,
    /// Two stars or less for this many consecutive periods.
    ConsecutiveLow {
        /// Consecutive low periods, this one included.
        periods: u32,
    },
}

impl InspectionReason {
    /// The reason in English, as the tier's explanation gives it and the inspection task
    /// records it.
    pub fn describe(self) -> String {
        match self {
            Self::CriticalViolation => {
                "Tier PENALTY: an open critical violation; an inspection is triggered.".to_string()
            }
            Self::ConsecutiveLow { periods } => format!(
                "Tier PENALTY: two stars or less for {periods} consecutive periods; an inspection is triggered."
            ),
        }
    }
}

/// A centre's rating of the previous period, as far as this one needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Previous {
    /// The period.
    pub period: Period,
    /// Its composite.
    pub composite: Option<f64>,
    /// Its stars.
    pub stars: Option<i32>,
    /// Its tier.
    pub tier: Tier,
    /// Consecutive periods at two stars or less ending with it.
    pub low_streak: u32,
}

/// Everything a centre's rating rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct CenterInputs {
    /// The centre.
    pub center: Uuid,
    /// Its region.
    pub region: String,
    /// Its peer group: sector and kind.
    pub peer_group: (i32, i32),
    /// The registry's facts; none when the registry had none.
    pub registry: Option<RegistryFacts>,
    /// Its published evaluations of the period.
    pub feedback: Totals,
    /// Values recorded by inspections and by the centre.
    pub recorded: Vec<Recorded>,
    /// Critical violations open at the end of the period.
    pub critical_violations: Vec<Uuid>,
    /// The previous period's rating.
    pub previous: Option<Previous>,
}

/// One criterion's score.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionLine {
    /// The criterion.
    pub criterion: Criterion,
    /// Configured weight.
    pub weight: f64,
    /// Weight renormalised over the criteria present; 0 when missing.
    pub effective_weight: f64,
    /// Mean of the available normalised indicators; none when missing.
    pub score: Option<f64>,
    /// Rests only on self-reported values.
    pub self_reported_only: bool,
    /// Its indicators.
    pub indicators: Vec<IndicatorLine>,
}

/// 1-based competition rank by composite (equal composites share a rank) among `out_of`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rank {
    /// Rank; 0 when not ranked.
    pub rank: i32,
    /// Centres ranked in the set.
    pub out_of: i32,
}

/// A centre's rating for the period, with everything its explanation needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Rating {
    /// The centre.
    pub center: Uuid,
    /// Its region.
    pub region: String,
    /// Its sector and kind.
    pub peer_group: (i32, i32),
    /// Composite 0..100 rounded to 0.01; none for INSUFFICIENT_DATA.
    pub composite: Option<f64>,
    /// Stars after the cap.
    pub stars: Option<i32>,
    /// Stars before the cap.
    pub uncapped_stars: Option<i32>,
    /// Critical violations behind the cap (and the PENALTY).
    pub capping_violations: Vec<Uuid>,
    /// Tier.
    pub tier: Tier,
    /// Criteria in order.
    pub criteria: Vec<CriterionLine>,
    /// Flags.
    pub flags: Vec<Flag>,
    /// Rank in the region.
    pub rank_in_region: Rank,
    /// Rank in the peer group.
    pub rank_in_peer_group: Rank,
    /// The previous period's rating.
    pub previous: Option<Previous>,
    /// Consecutive periods at two stars or less ending with this one.
    pub low_streak: u32,
    /// The inspection the tier asks for, and why; none when it asks for none.
    pub inspection: Option<InspectionReason>,
    /// Published evaluations counted.
    pub evaluations: i64,
    /// Criteria present.
    pub criteria_present: usize,
    /// The explanation, line by line.
    pub explanations: Vec<Line>,
}

impl Rating {
    /// Whether the centre could be rated.
    pub fn rated(&self) -> bool {
        self.composite.is_some()
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The criterion lines and composite of one centre, before ranks and tiers.
pub fn score(m: &Methodology, inputs: &CenterInputs, city: &Totals) -> Rating {
    let lines = indicators::derive(
        m,
        inputs.registry.as_ref(),
        &inputs.feedback,
        city,
        &inputs.recorded,
    );
    let mut criteria: Vec<CriterionLine> = Criterion::ALL
        .iter()
        .map(|&criterion| {
            let indicators: Vec<IndicatorLine> = lines
                .iter()
                .filter(|l| l.criterion == criterion)
                .cloned()
                .collect();
            let available: Vec<&IndicatorLine> = indicators
                .iter()
                .filter(|l| l.normalised.is_some())
                .collect();
            let score = (!available.is_empty()).then(|| {
                available.iter().filter_map(|l| l.normalised).sum::<f64>() / available.len() as f64
            });
            CriterionLine {
                criterion,
                weight: m.weight(criterion),
                effective_weight: 0.0,
                score,
                self_reported_only: !available.is_empty()
                    && available.iter().all(|l| l.source == Source::SelfReported),
                indicators,
            }
        })
        .collect();
    let present: f64 = criteria
        .iter()
        .filter(|c| c.score.is_some())
        .map(|c| c.weight)
        .sum();
    let criteria_present = criteria.iter().filter(|c| c.score.is_some()).count();
    for c in criteria.iter_mut().filter(|c| c.score.is_some()) {
        c.effective_weight = if present > 0.0 {
            c.weight / present
        } else {
            0.0
        };
    }
    let composite = (criteria_present >= m.min_criteria && present > 0.0).then(|| {
        round2(
            criteria
                .iter()
                .filter_map(|c| c.score.map(|s| s * c.effective_weight))
                .sum(),
        )
    });
    let uncapped_stars = composite.map(|c| m.stars(c));
    let capping_violations = inputs.critical_violations.clone();
    let stars = uncapped_stars.map(|s| {
        if capping_violations.is_empty() {
            s
        } else {
            s.min(m.critical_violation_star_cap)
        }
    });
    let mut flags = Vec::new();
    if criteria.iter().any(|c| c.self_reported_only) {
        flags.push(Flag::SelfReportedOnly);
    }
    if indicators::feedback_suppressed(m, &inputs.feedback) {
        flags.push(Flag::FeedbackSuppressed);
    }
    if stars < uncapped_stars {
        flags.push(Flag::StarsCapped);
    }
    Rating {
        center: inputs.center,
        region: inputs.region.clone(),
        peer_group: inputs.peer_group,
        composite,
        stars,
        uncapped_stars,
        capping_violations,
        tier: Tier::InsufficientData,
        criteria,
        flags,
        rank_in_region: Rank::default(),
        rank_in_peer_group: Rank::default(),
        previous: inputs.previous.clone(),
        low_streak: 0,
        inspection: None,
        evaluations: inputs.feedback[EVALUATIONS].n,
        criteria_present,
        explanations: Vec::new(),
    }
}

/// Competition ranks of `ratings` by composite within the sets `key` forms.
fn rank_by<K: PartialEq>(ratings: &[Rating], key: impl Fn(&Rating) -> K) -> Vec<Rank> {
    ratings
        .iter()
        .map(|r| {
            let peers = ratings.iter().filter(|o| o.rated() && key(o) == key(r));
            let out_of = peers.clone().count() as i32;
            match r.composite {
                Some(c) => Rank {
                    rank: 1 + peers.filter(|o| o.composite > Some(c)).count() as i32,
                    out_of,
                },
                None => Rank { rank: 0, out_of },
            }
        })
        .collect()
}

/// The tier a rating earns, with the low streak it continues, its flags and the inspection
/// it asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct TierDecision {
    /// The tier.
    pub tier: Tier,
    /// Consecutive periods at two stars or less ending with this one.
    pub low_streak: u32,
    /// Flags the tier adds.
    pub flags: Vec<Flag>,
    /// The inspection it asks for.
    pub inspection: Option<InspectionReason>,
}

fn decided(
    tier: Tier,
    low_streak: u32,
    flags: Vec<Flag>,
    inspection: Option<InspectionReason>,
) -> TierDecision {
    TierDecision {
        tier,
        low_streak,
        flags,
        inspection,
    }
}

/// The tier of a scored and ranked rating, with the low streak it continues.
pub fn tier(m: &Methodology, r: &Rating) -> TierDecision {
    if !r.capping_violations.is_empty() {
        let streak = if r.stars.is_some_and(|s| s <= 2) {
            low_streak_before(r) + 1
        } else {
            0
        };
        return decided(
            Tier::Penalty,
            streak,
            vec![Flag::InspectionTriggered],
            Some(InspectionReason::CriticalViolation),
        );
    }
    let Some(stars) = r.stars else {
        return decided(Tier::InsufficientData, 0, Vec::new(), None);
    };
    if stars <= 2 {
        let streak = low_streak_before(r) + 1;
        if streak >= m.penalty_consecutive_periods {
            return decided(
                Tier::Penalty,
                streak,
                vec![Flag::ConsecutiveLow, Flag::InspectionTriggered],
                Some(InspectionReason::ConsecutiveLow { periods: streak }),
            );
        }
        return decided(Tier::Warning, streak, Vec::new(), None);
    }
    let top = (m.incentive_top_share * f64::from(r.rank_in_peer_group.out_of)).floor() as i32;
    if stars == 5
        || (stars == 4 && r.rank_in_peer_group.rank >= 1 && r.rank_in_peer_group.rank <= top)
    {
        decided(Tier::Incentive, 0, Vec::new(), None)
    } else {
        decided(Tier::Standard, 0, Vec::new(), None)
    }
}

fn low_streak_before(r: &Rating) -> u32 {
    r.previous.as_ref().map_or(0, |p| p.low_streak)
}

/// Rates every centre of the period: scores, ranks, tiers and explanations.
pub fn rate_all(m: &Methodology, inputs: &[CenterInputs], city: &Totals) -> Vec<Rating> {
    let mut ratings: Vec<Rating> = inputs.iter().map(|i| score(m, i, city)).collect();
    let in_region = rank_by(&ratings, |r| r.region.clone());
    let in_peers = rank_by(&ratings, |r| r.peer_group);
    for ((r, region), peers) in ratings.iter_mut().zip(in_region).zip(in_peers) {
        r.rank_in_region = region;
        r.rank_in_peer_group = peers;
        let decision = tier(m, r);
        r.tier = decision.tier;
        r.low_streak = decision.low_streak;
        r.flags.extend(decision.flags);
        r.inspection = decision.inspection;
        r.explanations = explain::explain(m, r);
    }
    ratings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::feedback::{ItemTotals, RECOMMEND};
    use crate::domain::methodology::FeedbackItem;

    /// Registry facts whose four indicators normalise to exactly `pct` percent each... where
    /// possible: improved share, plan, capacity and wait chosen by hand below.
    fn facts(improved_of_100: i64, wait_days: f64) -> RegistryFacts {
        RegistryFacts {
            admissions: 10,
            planned_admissions: None,
            discharges: 100,
            improved: improved_of_100,
            median_wait_days: Some(wait_days),
            occupied_bed_days: 0,
            available_bed_days: None,
        }
    }

    fn recorded(code: &str, source: Source, value: f64) -> Recorded {
        Recorded {
            code: code.into(),
            source,
            value,
            sample_size: None,
        }
    }

    /// Feedback of `n` evaluations, every item and the overall scored `score`, `promoters` of
    /// `n` recommending.
    fn feedback(n: i64, score: f64, promoters: i64) -> Totals {
        let mut t = Totals::default();
        for item in FeedbackItem::ALL {
            t[item.index()] = ItemTotals {
                n,
                sum: score * n as f64,
            };
        }
        t[RECOMMEND] = ItemTotals {
            n,
            sum: promoters as f64,
        };
        t[EVALUATIONS].n = n;
        t
    }

    fn inputs(center: u128, region: &str) -> CenterInputs {
        CenterInputs {
            center: Uuid::from_u128(center),
            region: region.into(),
            peer_group: (1, 1),
            registry: None,
            feedback: Totals::default(),
            recorded: Vec::new(),
            critical_violations: Vec::new(),
            previous: None,
        }
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-6)
    }

    #[test]
    fn the_composite_renormalises_weights_over_the_criteria_present() {
        let m = Methodology::standard();
        let mut i = inputs(1, "KZ-71");
        // EFFECTIVENESS: improved 95 of 100 -> 100; ACCESS: wait 48.5 days -> 50 and
        // accessibility 0.65 -> (0.65 - 0.3) / 0.7 = 50 -> mean 50; ACTIVITIES: 10 events
        // per 100 -> 50. SATISFACTION missing (no feedback).
        i.registry = Some(facts(95, 48.5));
        i.recorded = vec![
            recorded("accessibility_checklist_share", Source::Inspection, 0.65),
            recorded("events_per_100_recipients", Source::Inspection, 10.0),
        ];
        let r = score(&m, &i, &Totals::default());
        assert_eq!(r.criteria_present, 3);
        // Weights present 0.3 + 0.1 + 0.3 = 0.7: (0.3*100 + 0.1*50 + 0.3*50) / 0.7
        // = (30 + 5 + 15) / 0.7 = 71.428571 -> 71.43
        assert_eq!(r.composite, Some(71.43));
        assert!(close(Some(r.criteria[0].effective_weight), 0.3 / 0.7));
        assert_eq!(r.criteria[3].effective_weight, 0.0);
        assert_eq!(r.stars, Some(4));
        assert!(r.flags.contains(&Flag::FeedbackSuppressed));
    }

    #[test]
    fn fewer_than_three_criteria_is_insufficient_data_without_stars() {
        let m = Methodology::standard();
        let mut i = inputs(1, "KZ-71");
        i.registry = Some(facts(95, 7.0));
        let rated = rate_all(&m, &[i], &Totals::default());
        let r = &rated[0];
        assert_eq!(r.criteria_present, 2, "EFFECTIVENESS and ACCESS");
        assert_eq!(r.composite, None);
        assert_eq!(r.stars, None);
        assert_eq!(r.tier, Tier::InsufficientData);
        assert_eq!(r.rank_in_region, Rank { rank: 0, out_of: 0 });
    }

    #[test]
    fn feedback_fills_satisfaction_and_leans_on_the_city() {
        let m = Methodology::standard();
        let mut i = inputs(1, "KZ-71");
        i.registry = Some(facts(95, 7.0));
        // 10 evaluations, every score 4.8, all 10 promoters; the city mean is also 4.8.
        i.feedback = feedback(10, 4.8, 10);
        let r = score(&m, &i, &i.feedback.clone());
        // Scores at 4.8 -> 100 each. Recommend: Wilson(10 of 10) = 1 / (1 + 3.841459/10)
        // = 0.722467 -> (0.722467 - 0.4) / 0.5 = 64.493.
        // SATISFACTION = (100 + 64.4934) / 2 = 82.2467.
        assert!(
            close(r.criteria[3].score, 82.246_7)
                || (r.criteria[3].score.unwrap() - 82.2467).abs() < 1e-3
        );
        // EFFECTIVENESS = (100 + 100) / 2, ACTIVITIES = 100, ACCESS = (100 + 100) / 2.
        // Composite = 0.3*100 + 0.1*100 + 0.3*100 + 0.3*82.2467 = 94.674 -> 94.67
        assert_eq!(r.composite, Some(94.67));
        assert_eq!(r.stars, Some(5));
        assert!(!r.flags.contains(&Flag::FeedbackSuppressed));
    }

    #[test]
    fn an_open_critical_violation_caps_the_stars_and_gives_penalty() {
        let m = Methodology::standard();
        let mut i = inputs(1, "KZ-71");
        i.registry = Some(facts(95, 7.0));
        i.feedback = feedback(10, 4.8, 10);
        i.critical_violations = vec![Uuid::from_u128(99)];
        let r = &rate_all(&m, &[i.clone()], &i.feedback)[0];
        assert_eq!(r.uncapped_stars, Some(5));
        assert_eq!(r.stars, Some(2));
        assert_eq!(r.tier, Tier::Penalty);
        assert!(r.flags.contains(&Flag::StarsCapped));
        assert!(r.flags.contains(&Flag::InspectionTriggered));
        assert_eq!(r.capping_violations, vec![Uuid::from_u128(99)]);
        assert_eq!(r.inspection, Some(InspectionReason::CriticalViolation));
    }

    fn rated(composite: f64, previous_low_streak: Option<u32>) -> Rating {
        let m = Methodology::standard();
        let mut r = score(&m, &inputs(1, "KZ-71"), &Totals::default());
        r.composite = Some(composite);
        r.stars = Some(m.stars(composite));
        r.uncapped_stars = r.stars;
        r.previous = previous_low_streak.map(|low_streak| Previous {
            period: Period::quarter_of(chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()),
            composite: Some(30.0),
            stars: Some(1),
            tier: Tier::Warning,
            low_streak,
        });
        r
    }

    #[test]
    fn two_stars_once_is_a_warning_twice_a_penalty() {
        let m = Methodology::standard();
        let d = tier(&m, &rated(45.0, None));
        assert_eq!((d.tier, d.low_streak), (Tier::Warning, 1));
        assert!(d.flags.is_empty());
        assert_eq!(d.inspection, None);
        let d = tier(&m, &rated(45.0, Some(1)));
        assert_eq!((d.tier, d.low_streak), (Tier::Penalty, 2));
        assert_eq!(
            d.flags,
            vec![Flag::ConsecutiveLow, Flag::InspectionTriggered]
        );
        assert_eq!(
            d.inspection,
            Some(InspectionReason::ConsecutiveLow { periods: 2 })
        );
        // A previous period that was not low does not count.
        let d = tier(&m, &rated(45.0, Some(0)));
        assert_eq!(d.tier, Tier::Warning);
    }

    #[test]
    fn five_stars_or_four_in_the_top_tenth_of_the_peer_group_is_incentive() {
        let m = Methodology::standard();
        assert_eq!(tier(&m, &rated(90.0, None)).tier, Tier::Incentive);
        assert_eq!(tier(&m, &rated(60.0, None)).tier, Tier::Standard);
        let mut four = rated(80.0, None);
        // 20 in the peer group: floor(0.10 * 20) = 2, so ranks 1 and 2 qualify.
        four.rank_in_peer_group = Rank {
            rank: 2,
            out_of: 20,
        };
        assert_eq!(tier(&m, &four).tier, Tier::Incentive);
        four.rank_in_peer_group = Rank {
            rank: 3,
            out_of: 20,
        };
        assert_eq!(tier(&m, &four).tier, Tier::Standard);
        // 9 in the group: floor(0.9) = 0, no four-star centre is in the top tenth.
        four.rank_in_peer_group = Rank { rank: 1, out_of: 9 };
        assert_eq!(tier(&m, &four).tier, Tier::Standard);
    }

    #[test]
    fn ranks_are_within_region_and_peer_group_and_ties_share_a_rank() {
        let m = Methodology::standard();
        let make = |id: u128, region: &str, peer: (i32, i32), improved: i64| {
            let mut i = inputs(id, region);
            i.peer_group = peer;
            i.registry = Some(facts(improved, 7.0));
            i.recorded = vec![recorded(
                "events_per_100_recipients",
                Source::Inspection,
                20.0,
            )];
            i
        };
        let all = [
            make(1, "KZ-71", (1, 1), 95),
            make(2, "KZ-71", (1, 2), 80),
            make(3, "KZ-75", (1, 1), 95),
            make(4, "KZ-71", (1, 1), 50),
            inputs(5, "KZ-71"),
        ];
        let r = rate_all(&m, &all, &Totals::default());
        assert_eq!(r[0].rank_in_region, Rank { rank: 1, out_of: 3 });
        assert_eq!(r[1].rank_in_region, Rank { rank: 2, out_of: 3 });
        assert_eq!(r[3].rank_in_region, Rank { rank: 3, out_of: 3 });
        assert_eq!(r[2].rank_in_region, Rank { rank: 1, out_of: 1 });
        // Peer group (1, 1): centres 1, 3 (tied) and 4.
        assert_eq!(r[0].rank_in_peer_group, Rank { rank: 1, out_of: 3 });
        assert_eq!(r[2].rank_in_peer_group, Rank { rank: 1, out_of: 3 });
        assert_eq!(r[3].rank_in_peer_group, Rank { rank: 3, out_of: 3 });
        assert_eq!(r[4].rank_in_region, Rank { rank: 0, out_of: 3 });
    }

    #[test]
    fn a_criterion_resting_only_on_self_reports_is_flagged() {
        let m = Methodology::standard();
        let mut i = inputs(1, "KZ-71");
        i.recorded = vec![recorded(
            "events_per_100_recipients",
            Source::SelfReported,
            12.0,
        )];
        let r = score(&m, &i, &Totals::default());
        assert!(r.criteria[1].self_reported_only);
        assert!(r.flags.contains(&Flag::SelfReportedOnly));
        i.recorded.push(recorded(
            "events_per_100_recipients",
            Source::Inspection,
            12.0,
        ));
        let r = score(&m, &i, &Totals::default());
        assert!(!r.criteria[1].self_reported_only);
    }
}
