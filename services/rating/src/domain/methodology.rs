//! The methodology (әдістеме / методика): criteria and their weights, indicator definitions with
//! their bounds, and every threshold of RATING.md. All of it is configuration with a version; the
//! defaults below are the city's methodology `2026.1`.

use chrono::NaiveDate;
use serde::Deserialize;

/// A rating criterion, in the order the resolution lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Criterion {
    /// Effectiveness (тиімділік / эффективность).
    Effectiveness,
    /// Organisation incl. cultural and social activities.
    Activities,
    /// Accessibility, information openness, comfort and waiting time.
    Access,
    /// Recipients' own evaluation.
    Satisfaction,
}

impl Criterion {
    /// Every criterion, in order.
    pub const ALL: [Criterion; 4] = [
        Criterion::Effectiveness,
        Criterion::Activities,
        Criterion::Access,
        Criterion::Satisfaction,
    ];

    /// Position in [`Criterion::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The name as the contract spells it.
    pub fn name(self) -> &'static str {
        match self {
            Criterion::Effectiveness => "EFFECTIVENESS",
            Criterion::Activities => "ACTIVITIES",
            Criterion::Access => "ACCESS",
            Criterion::Satisfaction => "SATISFACTION",
        }
    }
}

/// Where an indicator value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Source {
    /// Derived from the registry's episodes.
    Registry,
    /// Derived from published evaluations.
    Feedback,
    /// Found by a city inspection; wins over [`Source::SelfReported`].
    Inspection,
    /// Reported by the centre.
    SelfReported,
}

impl Source {
    /// Whether values of this source are recorded through RecordIndicators (not derived).
    pub fn is_recorded(self) -> bool {
        matches!(self, Source::Inspection | Source::SelfReported)
    }
}

/// A score item of an evaluation, as the rating aggregates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackItem {
    /// Results of rehabilitation.
    Results,
    /// Cultural and social activities.
    Activities,
    /// Accessibility.
    Accessibility,
    /// Information openness.
    Information,
    /// Comfort.
    Comfort,
    /// Waiting time.
    Waiting,
    /// Staff courtesy.
    StaffCourtesy,
    /// An evaluation's own mean over every criterion it scored.
    Overall,
}

impl FeedbackItem {
    /// Every item, in storage order.
    pub const ALL: [FeedbackItem; 8] = [
        FeedbackItem::Results,
        FeedbackItem::Activities,
        FeedbackItem::Accessibility,
        FeedbackItem::Information,
        FeedbackItem::Comfort,
        FeedbackItem::Waiting,
        FeedbackItem::StaffCourtesy,
        FeedbackItem::Overall,
    ];

    /// Position in [`FeedbackItem::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// How an indicator's raw value is obtained.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Derivation {
    /// Discharges with outcome IMPROVED over all discharges (registry).
    ImprovedDischargeShare,
    /// Discharges over planned admissions (registry and the centre's plan).
    PlanFulfilment,
    /// Occupied bed-days over available bed-days (registry).
    CapacityUse,
    /// Median days from referral to admission (registry).
    MedianWaitDays,
    /// Mean of the Bayesian means of these evaluation items (feedback).
    FeedbackScore {
        /// The items averaged.
        items: Vec<FeedbackItem>,
    },
    /// Wilson lower bound of the would-recommend share (answers 9-10 of 0-10) (feedback).
    WouldRecommendShare,
    /// Recorded by an inspection or the centre (RecordIndicators).
    Recorded,
}

/// Definition of an indicator (көрсеткіш / показатель).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorDefinition {
    /// Stable code.
    pub code: String,
    /// Name in Kazakh.
    pub name_kk: String,
    /// Name in Russian.
    pub name_ru: String,
    /// Criterion it belongs to.
    pub criterion: Criterion,
    /// Sources allowed; the first is the usual one.
    pub sources: Vec<Source>,
    /// How the raw value is obtained.
    pub derivation: Derivation,
    /// Raw value mapped to 0.
    pub worst: f64,
    /// Raw value mapped to 100.
    pub best: f64,
    /// Unit of the raw value.
    pub unit: String,
}

impl IndicatorDefinition {
    /// Whether higher raw values are better.
    pub fn higher_is_better(&self) -> bool {
        self.best > self.worst
    }

    /// The raw value mapped linearly from `worst` (0) to `best` (100), clamped: absolute bounds,
    /// not a curve.
    pub fn normalise(&self, raw: f64) -> f64 {
        (100.0 * (raw - self.worst) / (self.best - self.worst)).clamp(0.0, 100.0)
    }
}

/// The rating methodology of one version.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Methodology {
    /// Version, e.g. `2026.1`.
    pub version: String,
    /// First day it applies.
    pub effective_from: NaiveDate,
    /// Weights of EFFECTIVENESS, ACTIVITIES, ACCESS, SATISFACTION.
    pub weights: [f64; 4],
    /// Indicators.
    pub indicators: Vec<IndicatorDefinition>,
    /// Prior weight `m` of the Bayesian means.
    pub prior_weight: f64,
    /// Published evaluations needed to show feedback values.
    pub min_evaluations: i64,
    /// Criteria needed for a rating.
    pub min_criteria: usize,
    /// Composite cut points for 5, 4, 3 and 2 stars.
    pub star_cut_points: [f64; 4],
    /// Star cap while a critical violation is open.
    pub critical_violation_star_cap: i32,
    /// Peer-group top share that gives INCENTIVE with four stars.
    pub incentive_top_share: f64,
    /// Consecutive periods at two stars or less that give PENALTY.
    pub penalty_consecutive_periods: u32,
    /// Composite change, in points, that makes a rating event.
    pub event_composite_threshold: f64,
    /// Description in Kazakh.
    pub description_kk: String,
    /// Description in Russian.
    pub description_ru: String,
}

fn indicator(
    code: &str,
    names: (&str, &str),
    criterion: Criterion,
    sources: &[Source],
    derivation: Derivation,
    bounds: (f64, f64),
    unit: &str,
) -> IndicatorDefinition {
    IndicatorDefinition {
        code: code.into(),
        name_kk: names.0.into(),
        name_ru: names.1.into(),
        criterion,
        sources: sources.to_vec(),
        derivation,
        worst: bounds.0,
        best: bounds.1,
        unit: unit.into(),
    }
}

/// Code of the improved-discharge share.
pub const IMPROVED_DISCHARGE_SHARE: &str = "improved_discharge_share";
/// Code of the cultural and social events per 100 recipients.
pub const EVENTS_PER_100_RECIPIENTS: &str = "events_per_100_recipients";
/// Code of the accessibility checklist share.
pub const ACCESSIBILITY_CHECKLIST_SHARE: &str = "accessibility_checklist_share";
/// Code of the information openness checklist share.
pub const INFORMATION_OPENNESS_SHARE: &str = "information_openness_share";

impl Methodology {
    /// The city's methodology `2026.1`, as RATING.md states it.
    pub fn standard() -> Self {
        use Criterion::*;
        use Derivation as D;
        use FeedbackItem as F;
        use Source::*;
        let score = |items: &[FeedbackItem]| D::FeedbackScore {
            items: items.to_vec(),
        };
        Self {
            version: "2026.1".into(),
            effective_from: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or(NaiveDate::MIN),
            weights: [0.30, 0.10, 0.30, 0.30],
            indicators: vec![
                indicator(
                    IMPROVED_DISCHARGE_SHARE,
                    ("Жақсарып шыққандар үлесі", "Доля выписанных с улучшением"),
                    Effectiveness,
                    &[Registry],
                    D::ImprovedDischargeShare,
                    (0.50, 0.95),
                    "share",
                ),
                indicator(
                    "plan_fulfilment",
                    ("Жоспардың орындалуы", "Выполнение плана"),
                    Effectiveness,
                    &[Registry],
                    D::PlanFulfilment,
                    (0.60, 1.00),
                    "share",
                ),
                indicator(
                    "capacity_use",
                    ("Төсек қорын пайдалану", "Использование коечного фонда"),
                    Effectiveness,
                    &[Registry],
                    D::CapacityUse,
                    (0.50, 0.90),
                    "share",
                ),
                indicator(
                    "results_score",
                    ("Нәтижелер бағасы", "Оценка результатов"),
                    Effectiveness,
                    &[Feedback],
                    score(&[F::Results]),
                    (2.5, 4.8),
                    "score 1-5",
                ),
                indicator(
                    EVENTS_PER_100_RECIPIENTS,
                    (
                        "100 алушыға мәдени-әлеуметтік іс-шаралар",
                        "Культурно-социальные мероприятия на 100 получателей",
                    ),
                    Activities,
                    &[SelfReported, Inspection],
                    D::Recorded,
                    (0.0, 20.0),
                    "per 100 recipients",
                ),
                indicator(
                    "activities_score",
                    ("Іс-шаралар бағасы", "Оценка мероприятий"),
                    Activities,
                    &[Feedback],
                    score(&[F::Activities]),
                    (2.5, 4.8),
                    "score 1-5",
                ),
                indicator(
                    "median_wait_days",
                    ("Күтудің медианасы, күн", "Медиана ожидания, дней"),
                    Access,
                    &[Registry],
                    D::MedianWaitDays,
                    (90.0, 7.0),
                    "days",
                ),
                indicator(
                    ACCESSIBILITY_CHECKLIST_SHARE,
                    ("Қолжетімділік тізімі", "Чек-лист доступности"),
                    Access,
                    &[Inspection],
                    D::Recorded,
                    (0.3, 1.0),
                    "share",
                ),
                indicator(
                    INFORMATION_OPENNESS_SHARE,
                    (
                        "Ақпараттық ашықтық тізімі",
                        "Чек-лист информационной открытости",
                    ),
                    Access,
                    &[Inspection],
                    D::Recorded,
                    (0.3, 1.0),
                    "share",
                ),
                indicator(
                    "access_score",
                    ("Қолжетімділік бағасы", "Оценка доступности"),
                    Access,
                    &[Feedback],
                    score(&[F::Accessibility, F::Information, F::Comfort, F::Waiting]),
                    (2.5, 4.8),
                    "score 1-5",
                ),
                indicator(
                    "overall_score",
                    ("Жалпы баға", "Общая оценка"),
                    Satisfaction,
                    &[Feedback],
                    score(&[F::Overall]),
                    (2.5, 4.8),
                    "score 1-5",
                ),
                indicator(
                    "would_recommend_share",
                    ("Ұсынатындар үлесі", "Доля рекомендующих"),
                    Satisfaction,
                    &[Feedback],
                    D::WouldRecommendShare,
                    (0.40, 0.90),
                    "share",
                ),
            ],
            prior_weight: 10.0,
            min_evaluations: 5,
            min_criteria: 3,
            star_cut_points: [85.0, 70.0, 55.0, 40.0],
            critical_violation_star_cap: 2,
            incentive_top_share: 0.10,
            penalty_consecutive_periods: 2,
            event_composite_threshold: 1.0,
            description_kk: "Оңалту орталықтарының сапа рейтингі: тиімділік, ұйымдастыру, \
                             қолжетімділік және алушылардың қанағаттануы."
                .into(),
            description_ru: "Рейтинг качества реабилитационных центров: эффективность, \
                             организация, доступность и удовлетворённость получателей."
                .into(),
        }
    }

    /// The definition of `code`.
    pub fn indicator(&self, code: &str) -> Option<&IndicatorDefinition> {
        self.indicators.iter().find(|i| i.code == code)
    }

    /// The weight of `criterion`.
    pub fn weight(&self, criterion: Criterion) -> f64 {
        self.weights[criterion.index()]
    }

    /// Stars for `composite` by the fixed cut points: `>= cut[0]` five, ... , else one.
    pub fn stars(&self, composite: f64) -> i32 {
        self.star_cut_points
            .iter()
            .position(|cut| composite >= *cut)
            .map_or(1, |i| 5 - i as i32)
    }

    /// Everything wrong with this methodology, each naming the setting; empty when usable.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut check = |ok: bool, what: String| {
            if !ok {
                out.push(what);
            }
        };
        check(
            !self.version.trim().is_empty(),
            "version: is required".into(),
        );
        check(
            self.weights.iter().all(|w| (0.0..=1.0).contains(w))
                && (self.weights.iter().sum::<f64>() - 1.0).abs() < 1e-9,
            "weights: each 0..1, summing to 1".into(),
        );
        check(
            self.star_cut_points.windows(2).all(|w| w[0] > w[1])
                && self
                    .star_cut_points
                    .iter()
                    .all(|c| (0.0..=100.0).contains(c)),
            "star_cut_points: four descending values within 0..100".into(),
        );
        check(
            self.prior_weight >= 0.0,
            "prior_weight: must be >= 0".into(),
        );
        check(
            self.min_evaluations >= 1,
            "min_evaluations: must be >= 1".into(),
        );
        check(
            (1..=4).contains(&self.min_criteria),
            "min_criteria: must be 1-4".into(),
        );
        check(
            (1..=5).contains(&self.critical_violation_star_cap),
            "critical_violation_star_cap: must be 1-5".into(),
        );
        check(
            (0.0..=1.0).contains(&self.incentive_top_share),
            "incentive_top_share: must be 0..1".into(),
        );
        check(
            self.penalty_consecutive_periods >= 1,
            "penalty_consecutive_periods: must be >= 1".into(),
        );
        check(
            self.event_composite_threshold > 0.0,
            "event_composite_threshold: must be > 0".into(),
        );
        let mut seen = std::collections::HashSet::new();
        for (i, d) in self.indicators.iter().enumerate() {
            let at = format!("indicators[{i}]");
            check(
                seen.insert(d.code.as_str()),
                format!("{at}.code: {} appears twice", d.code),
            );
            check(
                (d.best - d.worst).abs() > f64::EPSILON,
                format!("{at}: worst and best must differ"),
            );
            check(!d.sources.is_empty(), format!("{at}.sources: at least one"));
            let recorded = matches!(d.derivation, Derivation::Recorded);
            check(
                d.sources.iter().all(|s| s.is_recorded() == recorded),
                format!(
                    "{at}.sources: a recorded indicator takes INSPECTION or SELF_REPORTED, a derived one REGISTRY or FEEDBACK"
                ),
            );
        }
        for c in Criterion::ALL {
            check(
                self.indicators.iter().any(|d| d.criterion == c),
                format!("indicators: {} has none", c.name()),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_methodology_is_usable_and_its_weights_are_rating_md() {
        let m = Methodology::standard();
        assert_eq!(m.problems(), Vec::<String>::new());
        assert_eq!(m.weights, [0.30, 0.10, 0.30, 0.30]);
        assert_eq!(m.indicators.len(), 12);
    }

    #[test]
    fn normalising_is_linear_and_clamped_both_ways() {
        let m = Methodology::standard();
        let improved = m.indicator(IMPROVED_DISCHARGE_SHARE).unwrap();
        // (0.725 - 0.50) / (0.95 - 0.50) = 0.225 / 0.45 = 50%
        assert!((improved.normalise(0.725) - 50.0).abs() < 1e-9);
        assert_eq!(improved.normalise(0.2), 0.0);
        assert_eq!(improved.normalise(1.0), 100.0);
        let wait = m.indicator("median_wait_days").unwrap();
        assert!(!wait.higher_is_better());
        // (48.5 - 90) / (7 - 90) = -41.5 / -83 = 50%
        assert!((wait.normalise(48.5) - 50.0).abs() < 1e-9);
        assert_eq!(wait.normalise(3.0), 100.0);
        assert_eq!(wait.normalise(120.0), 0.0);
    }

    #[test]
    fn stars_follow_the_fixed_cut_points() {
        let m = Methodology::standard();
        assert_eq!(m.stars(85.0), 5);
        assert_eq!(m.stars(84.99), 4);
        assert_eq!(m.stars(70.0), 4);
        assert_eq!(m.stars(55.0), 3);
        assert_eq!(m.stars(40.0), 2);
        assert_eq!(m.stars(39.99), 1);
        assert_eq!(m.stars(0.0), 1);
    }

    #[test]
    fn a_broken_methodology_names_each_setting() {
        let mut m = Methodology::standard();
        m.weights = [0.5, 0.5, 0.5, 0.5];
        m.star_cut_points = [40.0, 55.0, 70.0, 85.0];
        m.indicators[1].code = IMPROVED_DISCHARGE_SHARE.into();
        m.indicators[7].sources = vec![Source::Registry];
        let problems = m.problems().join("\n");
        assert!(problems.contains("weights"), "{problems}");
        assert!(problems.contains("star_cut_points"), "{problems}");
        assert!(problems.contains("appears twice"), "{problems}");
        assert!(problems.contains("indicators[7].sources"), "{problems}");
    }
}
