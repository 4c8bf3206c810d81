//! How a rating is told to a visitor: stars as words and as symbols, the tier by name (never by
//! colour alone), ranks, the explanation line by line, the criteria with their indicators, and
//! the recipients' feedback summary. Everything here is text in the page's language.

use fluent_bundle::FluentValue;
use onaltu_proto::common::Period;
use onaltu_proto::feedback as fb;
use onaltu_proto::rating as pb;

use crate::domain::chart::Sample;
use crate::i18n::{Lang, Tr};

/// `x` with `places` decimals, with the decimal comma of Kazakh and Russian.
pub fn decimal(x: f64, places: usize, lang: Lang) -> String {
    let text = format!("{x:.places$}");
    match lang {
        Lang::Kk | Lang::Ru => text.replace('.', ","),
        Lang::En => text,
    }
}

/// `share` (0..1) as a whole percentage, e.g. `65%`.
pub fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// Five symbols, `stars` of them filled: `★★★★☆`. Out-of-range counts are clamped.
pub fn stars_symbols(stars: i32) -> String {
    let filled = stars.clamp(0, 5) as usize;
    format!("{}{}", "★".repeat(filled), "☆".repeat(5 - filled))
}

/// The stars in words: "4 of 5 stars", or that there are none for want of data.
pub fn stars_text(tr: &Tr, stars: Option<i32>) -> String {
    match stars {
        Some(n) => tr.n("rating-stars-of-five", n),
        None => tr.t("rating-no-stars"),
    }
}

/// The message key naming `tier` (a `Tier` value).
pub fn tier_key(tier: i32) -> &'static str {
    match pb::Tier::try_from(tier).unwrap_or_default() {
        pb::Tier::Incentive => "tier-incentive",
        pb::Tier::Standard => "tier-standard",
        pb::Tier::Warning => "tier-warning",
        pb::Tier::Penalty => "tier-penalty",
        pb::Tier::InsufficientData => "tier-insufficient-data",
        pb::Tier::Unspecified => "tier-none",
    }
}

/// The style of `tier`'s tag (the tag always carries the tier's name as well).
pub fn tier_class(tier: i32) -> &'static str {
    match pb::Tier::try_from(tier).unwrap_or_default() {
        pb::Tier::Incentive => "incentive",
        pb::Tier::Penalty => "penalty",
        pb::Tier::Warning => "warning",
        _ => "neutral",
    }
}

/// The message key naming a rating criterion.
pub fn criterion_key(criterion: i32) -> &'static str {
    match pb::Criterion::try_from(criterion).unwrap_or_default() {
        pb::Criterion::Effectiveness => "criterion-effectiveness",
        pb::Criterion::Activities => "criterion-activities",
        pb::Criterion::Access => "criterion-access",
        pb::Criterion::Satisfaction => "criterion-satisfaction",
        pb::Criterion::Unspecified => "criterion-unknown",
    }
}

/// The message key naming where an indicator value comes from.
pub fn source_key(source: i32) -> &'static str {
    match pb::IndicatorSource::try_from(source).unwrap_or_default() {
        pb::IndicatorSource::Registry => "source-registry",
        pb::IndicatorSource::Feedback => "source-feedback",
        pb::IndicatorSource::Inspection => "source-inspection",
        pb::IndicatorSource::SelfReported => "source-self-reported",
        pb::IndicatorSource::Unspecified => "source-unknown",
    }
}

/// The message key explaining a rating flag.
pub fn flag_key(flag: i32) -> &'static str {
    match pb::RatingFlag::try_from(flag).unwrap_or_default() {
        pb::RatingFlag::SelfReportedOnly => "flag-self-reported-only",
        pb::RatingFlag::FeedbackSuppressed => "flag-feedback-suppressed",
        pb::RatingFlag::StarsCapped => "flag-stars-capped",
        pb::RatingFlag::ConsecutiveLow => "flag-consecutive-low",
        pb::RatingFlag::InspectionTriggered => "flag-inspection-triggered",
        pb::RatingFlag::Unspecified => "flag-unknown",
    }
}

/// The message key naming a criterion recipients score.
pub fn feedback_criterion_key(criterion: i32) -> &'static str {
    match fb::FeedbackCriterion::try_from(criterion).unwrap_or_default() {
        fb::FeedbackCriterion::Results => "feedback-criterion-results",
        fb::FeedbackCriterion::Activities => "feedback-criterion-activities",
        fb::FeedbackCriterion::Accessibility => "feedback-criterion-accessibility",
        fb::FeedbackCriterion::Information => "feedback-criterion-information",
        fb::FeedbackCriterion::Comfort => "feedback-criterion-comfort",
        fb::FeedbackCriterion::Waiting => "feedback-criterion-waiting",
        fb::FeedbackCriterion::StaffCourtesy => "feedback-criterion-staff-courtesy",
        fb::FeedbackCriterion::Unspecified => "feedback-criterion-unknown",
    }
}

/// The message key naming an indicator (`indicator-` and its code, dashed).
pub fn indicator_key(code: &str) -> String {
    format!("indicator-{}", code.replace('_', "-"))
}

/// An indicator's name: the catalogue's, else `fallback` (the service's), else its code.
pub fn indicator_name(tr: &Tr, code: &str, fallback: &str) -> String {
    let key = indicator_key(code);
    if tr.has(&key) {
        tr.t(&key)
    } else if fallback.trim().is_empty() {
        code.to_string()
    } else {
        fallback.to_string()
    }
}

/// A period in words: "2026, quarter 3" or "2026, month 7".
pub fn period_text(tr: &Tr, period: Option<&Period>) -> String {
    let Some(p) = period else {
        return String::new();
    };
    let key = if p.kind == onaltu_proto::common::PeriodKind::Month as i32 {
        "period-month"
    } else {
        "period-quarter"
    };
    tr.args(
        key,
        &[
            ("year", FluentValue::from(p.year.to_string())),
            ("number", FluentValue::from(p.number)),
        ],
    )
}

/// A period's short label, as a chart's axis and a table's column show it: `2026-Q3`, `2026-07`.
pub fn period_label(period: Option<&Period>) -> String {
    match period {
        Some(p) if p.kind == onaltu_proto::common::PeriodKind::Month as i32 => {
            format!("{}-{:02}", p.year, p.number)
        }
        Some(p) => format!("{}-Q{}", p.year, p.number),
        None => String::new(),
    }
}

/// A rank in words: "3 of 12".
pub fn rank_text(tr: &Tr, rank: Option<&pb::Rank>) -> Option<String> {
    let rank = rank.filter(|r| r.rank > 0 && r.out_of > 0)?;
    Some(tr.args(
        "rating-rank",
        &[
            ("rank", FluentValue::from(rank.rank)),
            ("total", FluentValue::from(rank.out_of)),
        ],
    ))
}

/// One line of the service's explanation in `lang` (English from the service's English line).
pub fn explanation_line(line: &pb::Explanation, lang: Lang) -> String {
    match lang {
        Lang::En if !line.en.trim().is_empty() => line.en.clone(),
        _ => crate::domain::text::localized(line.text.as_ref(), lang),
    }
}

/// A rating as a list or a page heads it.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingSummary {
    /// Stars, when rated.
    pub stars: Option<i32>,
    /// `★★★★☆` (hidden from screen readers: the words say it).
    pub symbols: String,
    /// "4 of 5 stars".
    pub stars_text: String,
    /// The tier's name.
    pub tier: String,
    /// The tier tag's style.
    pub tier_class: &'static str,
    /// The composite 0..100, as text.
    pub composite: Option<String>,
    /// The rank in the peer group (same sector and kind), as text.
    pub peer_rank: Option<String>,
    /// The rank in the region, as text.
    pub region_rank: Option<String>,
    /// The period rated, in words.
    pub period: String,
}

impl RatingSummary {
    /// The summary of `rating`.
    pub fn of(rating: &pb::CenterRating, tr: &Tr) -> Self {
        let stars = rating.stars.filter(|s| (1..=5).contains(s));
        Self {
            stars,
            symbols: stars_symbols(stars.unwrap_or(0)),
            stars_text: stars_text(tr, stars),
            tier: tr.t(tier_key(rating.tier)),
            tier_class: tier_class(rating.tier),
            composite: rating.composite.map(|c| decimal(c, 1, tr.lang())),
            peer_rank: rank_text(tr, rating.rank_in_peer_group.as_ref()),
            region_rank: rank_text(tr, rating.rank_in_region.as_ref()),
            period: period_text(tr, rating.period.as_ref()),
        }
    }
}

/// One indicator of a criterion, as the explanation's table shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorLine {
    /// Its name.
    pub name: String,
    /// The raw value, or a dash.
    pub value: String,
    /// The score 0..100, or a dash.
    pub score: String,
    /// Where the value comes from.
    pub source: String,
    /// How many answers or cases stand behind it, when known.
    pub sample: Option<String>,
    /// Why the value is missing or which value was set aside.
    pub note: Option<String>,
}

/// One criterion with its indicators.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionLine {
    /// Its name.
    pub name: String,
    /// Its configured weight, e.g. `30%`.
    pub weight: String,
    /// Its score 0..100, or that it is missing.
    pub score: String,
    /// Whether it rests only on the centre's own reports.
    pub self_reported_only: bool,
    /// Its indicators.
    pub indicators: Vec<IndicatorLine>,
}

/// The unit of a standard indicator's values, from its code, for pages that have no
/// methodology at hand: `share`, `days`, `score 1-5`, or empty.
pub fn unit_of(code: &str) -> &'static str {
    if code.ends_with("_share") || matches!(code, "capacity_use" | "plan_fulfilment") {
        "share"
    } else if code.ends_with("_days") {
        "days"
    } else if code.ends_with("_score") {
        "score 1-5"
    } else {
        ""
    }
}

/// A value in `unit` (as the methodology names units): shares as percentages, days whole,
/// scores with two decimals, anything else with one.
pub fn value_in(tr: &Tr, unit: &str, value: f64) -> String {
    match unit {
        "share" => percent(value),
        "days" => tr.n("unit-days", value.round()),
        u if u.starts_with("score") => decimal(value, 2, tr.lang()),
        _ => decimal(value, 1, tr.lang()),
    }
}

/// An indicator's raw value, told by its unit.
pub fn raw_value(tr: &Tr, code: &str, value: f64) -> String {
    value_in(tr, unit_of(code), value)
}

fn indicator_line(tr: &Tr, score: &pb::IndicatorScore) -> IndicatorLine {
    let dash = || "—".to_string();
    let note = if score.suppressed {
        Some(tr.t("indicator-suppressed"))
    } else if score.self_report_overridden {
        Some(tr.t("indicator-self-report-overridden"))
    } else if score.raw_value.is_none() {
        Some(tr.t("indicator-missing"))
    } else {
        None
    };
    IndicatorLine {
        name: indicator_name(tr, &score.indicator_code, ""),
        value: score
            .raw_value
            .map_or_else(dash, |v| raw_value(tr, &score.indicator_code, v)),
        score: score
            .normalised_value
            .map_or_else(dash, |v| decimal(v, 1, tr.lang())),
        source: tr.t(source_key(score.source)),
        sample: score.sample_size.map(|n| tr.n("indicator-sample", n)),
        note,
    }
}

/// The criteria of `rating`, line by line.
pub fn criteria_lines(rating: &pb::CenterRating, tr: &Tr) -> Vec<CriterionLine> {
    rating
        .criteria
        .iter()
        .map(|c| CriterionLine {
            name: tr.t(criterion_key(c.criterion)),
            weight: percent(c.weight),
            score: c.score.map_or_else(
                || tr.t("criterion-missing"),
                |s| tr.s("criterion-score", "score", decimal(s, 1, tr.lang())),
            ),
            self_reported_only: c.self_reported_only,
            indicators: c.indicators.iter().map(|i| indicator_line(tr, i)).collect(),
        })
        .collect()
}

/// One criterion of the feedback summary.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedbackLine {
    /// The criterion's name.
    pub name: String,
    /// Evaluations that scored it.
    pub n: i64,
    /// The Bayesian mean (1..5), as text.
    pub bayesian_mean: String,
    /// The plain mean, as text.
    pub mean: String,
    /// Counts of 1 to 5, each with its share of `n`.
    pub distribution: Vec<(i32, i64, String)>,
}

/// The per-criterion lines of a feedback summary (none when suppressed).
pub fn feedback_lines(summary: &fb::CenterFeedbackSummary, tr: &Tr) -> Vec<FeedbackLine> {
    if summary.suppressed {
        return Vec::new();
    }
    summary
        .criteria
        .iter()
        .map(|c| {
            let d = c.distribution.unwrap_or_default();
            let counts = [d.score_1, d.score_2, d.score_3, d.score_4, d.score_5];
            let total: i64 = counts.iter().sum();
            let distribution = (1..=5)
                .zip(counts)
                .map(|(score, count)| {
                    #[allow(clippy::cast_precision_loss)]
                    let share = if total > 0 {
                        count as f64 / total as f64
                    } else {
                        0.0
                    };
                    (score, count, percent(share))
                })
                .collect();
            FeedbackLine {
                name: tr.t(feedback_criterion_key(c.criterion)),
                n: c.n,
                bayesian_mean: decimal(c.bayesian_mean, 2, tr.lang()),
                mean: decimal(c.mean, 2, tr.lang()),
                distribution,
            }
        })
        .collect()
}

/// A period of a centre's history, as the table beside the chart shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRow {
    /// The period, e.g. `2026-Q3`.
    pub period: String,
    /// The composite, or a dash.
    pub composite: String,
    /// The stars in words.
    pub stars: String,
    /// The tier's name.
    pub tier: String,
}

/// A centre's history (newest first, as the service gives it) as table rows and as the
/// chart's series, both oldest first.
pub fn history(ratings: &[pb::CenterRating], tr: &Tr) -> (Vec<HistoryRow>, Vec<Sample>) {
    let oldest_first: Vec<&pb::CenterRating> = ratings.iter().rev().collect();
    let rows = oldest_first
        .iter()
        .map(|r| HistoryRow {
            period: period_label(r.period.as_ref()),
            composite: r
                .composite
                .map_or_else(|| "—".to_string(), |c| decimal(c, 1, tr.lang())),
            stars: stars_text(tr, r.stars),
            tier: tr.t(tier_key(r.tier)),
        })
        .collect();
    let series = oldest_first
        .iter()
        .map(|r| Sample {
            label: period_label(r.period.as_ref()),
            value: r.composite,
        })
        .collect();
    (rows, series)
}

/// The day of a moment the feedback service gives "to the day" (00:00 in Kazakhstan, UTC+5):
/// `31.12.2026` in Kazakh and Russian, `2026-12-31` in English.
pub fn day_text(at: Option<&prost_types::Timestamp>, lang: Lang) -> String {
    let Some(at) = at else {
        return String::new();
    };
    let Some(moment) = chrono::DateTime::from_timestamp(at.seconds + 5 * 3600, 0) else {
        return String::new();
    };
    let day = moment.date_naive();
    match lang {
        Lang::Kk | Lang::Ru => day.format("%d.%m.%Y").to_string(),
        Lang::En => day.format("%Y-%m-%d").to_string(),
    }
}

/// A published evaluation as the public sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationView {
    /// The day it was published (or submitted).
    pub day: String,
    /// Each answered criterion with its score 1..5 in words.
    pub scores: Vec<(String, String)>,
    /// Would recommend, 0..10, in words.
    pub recommend: Option<String>,
    /// The comment, if any.
    pub comment: String,
    /// The comment's language code (`kk`, `ru`), for its `lang` attribute.
    pub comment_lang: &'static str,
    /// The centre's reply and its day.
    pub reply: Option<(String, String)>,
}

/// The public view of `evaluation`.
pub fn evaluation_view(evaluation: &fb::Evaluation, tr: &Tr) -> EvaluationView {
    let scores = evaluation.scores.unwrap_or_default().in_order();
    let scores = (1..)
        .zip(scores)
        .filter_map(|(criterion, score)| {
            score.map(|s| {
                (
                    tr.t(feedback_criterion_key(criterion)),
                    tr.n("published-score", s),
                )
            })
        })
        .collect();
    let comment_lang = match onaltu_proto::common::Language::try_from(evaluation.language) {
        Ok(onaltu_proto::common::Language::Ru) => "ru",
        _ => "kk",
    };
    EvaluationView {
        day: day_text(
            evaluation
                .publish_time
                .as_ref()
                .or(evaluation.submit_time.as_ref()),
            tr.lang(),
        ),
        scores,
        recommend: evaluation
            .would_recommend
            .map(|n| tr.n("published-recommend", n)),
        comment: evaluation.comment.trim().to_string(),
        comment_lang,
        reply: evaluation
            .reply
            .as_ref()
            .filter(|r| !r.text.trim().is_empty())
            .map(|r| (r.text.clone(), day_text(r.create_time.as_ref(), tr.lang()))),
    }
}

/// An indicator as the methodology page lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodIndicator {
    /// Its name.
    pub name: String,
    /// Where its values come from, in words.
    pub sources: String,
    /// Which way it improves, in words.
    pub direction: String,
    /// The value that scores 0.
    pub worst: String,
    /// The value that scores 100.
    pub best: String,
}

/// A criterion as the methodology page lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodCriterion {
    /// Its name.
    pub name: String,
    /// Its weight, e.g. `30%`.
    pub weight: String,
    /// Its indicators.
    pub indicators: Vec<MethodIndicator>,
}

/// The methodology in plain words.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodologyView {
    /// The version, e.g. `2026.1`.
    pub version: String,
    /// The first day it applies.
    pub effective_from: String,
    /// The service's description.
    pub description: String,
    /// Criteria with their weights and indicators.
    pub criteria: Vec<MethodCriterion>,
    /// How the composite gives stars, one line per star count.
    pub stars: Vec<String>,
    /// The cap a critical violation puts on the stars.
    pub cap: String,
    /// Each tier's name and when it applies.
    pub tiers: Vec<(String, &'static str, String)>,
    /// How small samples are handled.
    pub samples: Vec<String>,
}

fn unit_or_guess(i: &pb::IndicatorDefinition) -> &str {
    if i.unit.trim().is_empty() {
        unit_of(&i.code)
    } else {
        &i.unit
    }
}

/// The view of `m`.
pub fn methodology_view(m: &pb::Methodology, tr: &Tr) -> MethodologyView {
    let lang = tr.lang();
    let criteria = m
        .criterion_weights
        .iter()
        .map(|cw| MethodCriterion {
            name: tr.t(criterion_key(cw.criterion)),
            weight: percent(cw.weight),
            indicators: m
                .indicators
                .iter()
                .filter(|i| i.criterion == cw.criterion)
                .map(|i| MethodIndicator {
                    name: indicator_name(
                        tr,
                        &i.code,
                        &crate::domain::text::localized(i.name.as_ref(), lang),
                    ),
                    sources: i
                        .sources
                        .iter()
                        .map(|s| tr.t(source_key(*s)))
                        .collect::<Vec<_>>()
                        .join(", "),
                    direction: if i.direction == pb::Direction::LowerIsBetter as i32 {
                        tr.t("method-lower-better")
                    } else {
                        tr.t("method-higher-better")
                    },
                    worst: value_in(tr, unit_or_guess(i), i.worst),
                    best: value_in(tr, unit_or_guess(i), i.best),
                })
                .collect(),
        })
        .collect();
    let mut stars: Vec<String> = (0..)
        .zip(&m.star_cut_points)
        .map(|(i, cut)| {
            tr.args(
                "method-stars-line",
                &[
                    ("stars", FluentValue::from(5 - i)),
                    ("cut", FluentValue::from(decimal(*cut, 0, lang))),
                ],
            )
        })
        .collect();
    if let Some(lowest) = m.star_cut_points.last() {
        stars.push(tr.s("method-stars-lowest", "cut", decimal(*lowest, 0, lang)));
    }
    let tiers = vec![
        (
            tr.t("tier-incentive"),
            "incentive",
            tr.s(
                "method-tier-incentive",
                "share",
                percent(m.incentive_top_share),
            ),
        ),
        (
            tr.t("tier-standard"),
            "neutral",
            tr.t("method-tier-standard"),
        ),
        (tr.t("tier-warning"), "warning", tr.t("method-tier-warning")),
        (
            tr.t("tier-penalty"),
            "penalty",
            tr.n("method-tier-penalty", m.penalty_consecutive_periods),
        ),
        (
            tr.t("tier-insufficient-data"),
            "neutral",
            tr.n("method-tier-insufficient", m.min_criteria),
        ),
    ];
    MethodologyView {
        version: m.version.clone(),
        effective_from: m
            .effective_from
            .as_ref()
            .map(|d| match lang {
                Lang::En => format!("{:04}-{:02}-{:02}", d.year, d.month, d.day),
                _ => format!("{:02}.{:02}.{:04}", d.day, d.month, d.year),
            })
            .unwrap_or_default(),
        description: crate::domain::text::localized(m.description.as_ref(), lang),
        criteria,
        stars,
        cap: tr.n("method-cap", m.critical_violation_star_cap),
        tiers,
        samples: vec![
            tr.n("method-min-evaluations", m.min_evaluations),
            tr.s("method-prior", "m", decimal(m.prior_weight, 0, lang)),
            tr.n("method-min-criteria", m.min_criteria),
        ],
    }
}

/// Every key this module computes at run time, for the catalogue test.
pub const COMPUTED_KEYS: &[&str] = &[
    "tier-incentive",
    "tier-standard",
    "tier-warning",
    "tier-penalty",
    "tier-insufficient-data",
    "tier-none",
    "criterion-effectiveness",
    "criterion-activities",
    "criterion-access",
    "criterion-satisfaction",
    "criterion-unknown",
    "source-registry",
    "source-feedback",
    "source-inspection",
    "source-self-reported",
    "source-unknown",
    "flag-self-reported-only",
    "flag-feedback-suppressed",
    "flag-stars-capped",
    "flag-consecutive-low",
    "flag-inspection-triggered",
    "flag-unknown",
    "feedback-criterion-results",
    "feedback-criterion-activities",
    "feedback-criterion-accessibility",
    "feedback-criterion-information",
    "feedback-criterion-comfort",
    "feedback-criterion-waiting",
    "feedback-criterion-staff-courtesy",
    "feedback-criterion-unknown",
    "period-quarter",
    "period-month",
    "rating-stars-of-five",
    "rating-rank",
];

/// The indicators of the standard methodology, named in the catalogues.
pub const INDICATOR_CODES: &[&str] = &[
    "improved_discharge_share",
    "plan_fulfilment",
    "capacity_use",
    "results_score",
    "events_per_100_recipients",
    "activities_score",
    "median_wait_days",
    "accessibility_checklist_share",
    "information_openness_share",
    "access_score",
    "overall_score",
    "would_recommend_share",
];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn stars_are_told_in_words_and_symbols() {
        assert_eq!(stars_symbols(4), "★★★★☆");
        assert_eq!(stars_symbols(0), "☆☆☆☆☆");
        assert_eq!(stars_symbols(9), "★★★★★");
        let en = Tr::new(Lang::En);
        assert_eq!(stars_text(&en, Some(4)), "4 of 5 stars");
        assert_eq!(stars_text(&en, Some(1)), "1 of 5 stars");
        assert!(stars_text(&Tr::new(Lang::Kk), Some(4)).contains('4'));
        assert!(stars_text(&Tr::new(Lang::Ru), Some(4)).contains('4'));
        assert_ne!(stars_text(&en, None), "rating-no-stars");
    }

    #[test]
    fn numbers_take_the_languages_decimal_sign() {
        assert_eq!(decimal(68.789, 1, Lang::En), "68.8");
        assert_eq!(decimal(68.789, 2, Lang::Ru), "68,79");
        assert_eq!(decimal(4.0, 2, Lang::Kk), "4,00");
        assert_eq!(percent(0.649), "65%");
    }

    #[test]
    fn a_rating_is_summarised_with_its_tier_and_ranks() {
        let rating = pb::CenterRating {
            stars: Some(4),
            composite: Some(72.345),
            tier: pb::Tier::Incentive as i32,
            rank_in_peer_group: Some(pb::Rank { rank: 2, out_of: 9 }),
            period: Some(Period {
                year: 2026,
                kind: onaltu_proto::common::PeriodKind::Quarter as i32,
                number: 3,
            }),
            ..Default::default()
        };
        let en = Tr::new(Lang::En);
        let s = RatingSummary::of(&rating, &en);
        assert_eq!(s.stars_text, "4 of 5 stars");
        assert_eq!(s.symbols, "★★★★☆");
        assert_eq!(s.tier, en.t("tier-incentive"));
        assert_eq!(s.tier_class, "incentive");
        assert_eq!(s.composite.as_deref(), Some("72.3"));
        assert_eq!(s.peer_rank.as_deref(), Some("2 of 9"));
        assert_eq!(s.region_rank, None, "no rank in the region given");
        assert!(s.period.contains("2026") && s.period.contains('3'));
        assert_eq!(period_label(rating.period.as_ref()), "2026-Q3");

        let none = RatingSummary::of(&pb::CenterRating::default(), &en);
        assert_eq!((none.stars, none.symbols.as_str()), (None, "☆☆☆☆☆"));
        assert_eq!(none.tier_class, "neutral");
    }

    #[test]
    fn criteria_are_explained_indicator_by_indicator() {
        let rating = pb::CenterRating {
            criteria: vec![pb::CriterionScore {
                criterion: pb::Criterion::Access as i32,
                weight: 0.3,
                score: Some(83.333),
                indicators: vec![
                    pb::IndicatorScore {
                        indicator_code: "information_openness_share".into(),
                        raw_value: Some(0.65),
                        normalised_value: Some(50.0),
                        source: pb::IndicatorSource::Inspection as i32,
                        ..Default::default()
                    },
                    pb::IndicatorScore {
                        indicator_code: "access_score".into(),
                        suppressed: true,
                        source: pb::IndicatorSource::Feedback as i32,
                        sample_size: Some(3),
                        ..Default::default()
                    },
                ],
                ..Default::default()
            }],
            ..Default::default()
        };
        let en = Tr::new(Lang::En);
        let lines = criteria_lines(&rating, &en);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].weight, "30%");
        assert!(lines[0].score.contains("83.3"), "{}", lines[0].score);
        let [open, access] = &lines[0].indicators[..] else {
            panic!("two indicators")
        };
        assert_eq!((open.value.as_str(), open.score.as_str()), ("65%", "50.0"));
        assert_eq!(open.source, en.t("source-inspection"));
        assert_eq!(open.note, None);
        assert_eq!(access.value, "—");
        assert_eq!(access.note, Some(en.t("indicator-suppressed")));
        assert!(access.sample.as_deref().unwrap().contains('3'));
    }

    #[test]
    fn values_are_told_by_their_unit() {
        let en = Tr::new(Lang::En);
        assert_eq!(raw_value(&en, "capacity_use", 0.5), "50%");
        assert_eq!(raw_value(&en, "would_recommend_share", 0.6097), "61%");
        assert_eq!(raw_value(&en, "median_wait_days", 12.4), "12 days");
        assert_eq!(raw_value(&en, "results_score", 4.5), "4.50");
        assert_eq!(raw_value(&en, "events_per_100_recipients", 10.0), "10.0");
        assert_eq!(value_in(&en, "per 100 recipients", 20.0), "20.0");
        assert_eq!(value_in(&Tr::new(Lang::Ru), "days", 1.0), "1 день");
    }

    #[test]
    fn the_methodology_is_told_in_plain_words() {
        let m = pb::Methodology {
            version: "2026.1".into(),
            criterion_weights: vec![pb::CriterionWeight {
                criterion: pb::Criterion::Access as i32,
                weight: 0.3,
            }],
            indicators: vec![pb::IndicatorDefinition {
                code: "median_wait_days".into(),
                criterion: pb::Criterion::Access as i32,
                sources: vec![pb::IndicatorSource::Registry as i32],
                direction: pb::Direction::LowerIsBetter as i32,
                worst: 90.0,
                best: 7.0,
                unit: "days".into(),
                ..Default::default()
            }],
            star_cut_points: vec![85.0, 70.0, 55.0, 40.0],
            critical_violation_star_cap: 2,
            incentive_top_share: 0.1,
            penalty_consecutive_periods: 2,
            min_evaluations: 5,
            min_criteria: 3,
            prior_weight: 10.0,
            ..Default::default()
        };
        let en = Tr::new(Lang::En);
        let v = methodology_view(&m, &en);
        assert_eq!(v.criteria[0].weight, "30%");
        let wait = &v.criteria[0].indicators[0];
        assert_eq!(
            (wait.worst.as_str(), wait.best.as_str()),
            ("90 days", "7 days")
        );
        assert_eq!(wait.direction, en.t("method-lower-better"));
        assert_eq!(v.stars.len(), 5);
        assert_eq!(v.stars[0], "5 stars: overall score of 85 or more");
        assert_eq!(v.stars[4], "1 star: overall score below 40");
        assert!(v.tiers[0].2.contains("10%"));
        assert!(v.cap.contains('2'));
    }

    #[test]
    fn the_feedback_summary_gives_shares_of_each_score() {
        let summary = fb::CenterFeedbackSummary {
            n: 6,
            criteria: vec![fb::CriterionSummary {
                criterion: fb::FeedbackCriterion::Results as i32,
                n: 4,
                mean: 4.5,
                bayesian_mean: 4.214,
                distribution: Some(fb::ScoreDistribution {
                    score_4: 2,
                    score_5: 2,
                    ..Default::default()
                }),
                ..Default::default()
            }],
            ..Default::default()
        };
        let ru = Tr::new(Lang::Ru);
        let lines = feedback_lines(&summary, &ru);
        assert_eq!(lines[0].bayesian_mean, "4,21");
        assert_eq!(lines[0].distribution[4], (5, 2, "50%".to_string()));
        assert_eq!(lines[0].distribution[0], (1, 0, "0%".to_string()));
        let hidden = fb::CenterFeedbackSummary {
            suppressed: true,
            ..summary
        };
        assert!(feedback_lines(&hidden, &ru).is_empty());
    }

    #[test]
    fn explanations_follow_the_page_language() {
        let line = pb::Explanation {
            code: "stars".into(),
            en: "Composite 68.79 gives 3 stars".into(),
            text: Some(onaltu_proto::common::LocalizedText {
                kk: "68.79 — 3 жұлдыз".into(),
                ru: "68.79 — 3 звезды".into(),
            }),
        };
        assert!(explanation_line(&line, Lang::En).starts_with("Composite"));
        assert!(explanation_line(&line, Lang::Kk).contains("жұлдыз"));
        assert!(explanation_line(&line, Lang::Ru).contains("звезды"));
    }

    #[test]
    fn every_computed_key_is_in_every_language() {
        let indicator_keys: Vec<String> =
            INDICATOR_CODES.iter().map(|c| indicator_key(c)).collect();
        for lang in Lang::ALL {
            let tr = Tr::new(lang);
            for key in COMPUTED_KEYS
                .iter()
                .copied()
                .chain(indicator_keys.iter().map(String::as_str))
            {
                assert!(tr.has(key), "{} lacks {key}", lang.code());
            }
        }
    }
}
