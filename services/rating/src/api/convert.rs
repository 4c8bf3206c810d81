//! Between the domain's types and the contract's messages.

use chrono::{DateTime, Utc};
use onaltu_api::{Period, date, timestamp};
use onaltu_proto::common::LocalizedText;
use onaltu_proto::rating as pb;
use prost::Message as _;

use crate::clients::registry::CenterFacts;
use crate::domain::engine::{Flag, Rank, Rating, Tier};
use crate::domain::events::{Change, RatingChanged};
use crate::domain::methodology::{Criterion, Methodology, Source};
use crate::store::indicators::ValueRow;
use crate::store::ratings::RatingRow;

/// The contract's criterion.
pub fn criterion(c: Criterion) -> pb::Criterion {
    match c {
        Criterion::Effectiveness => pb::Criterion::Effectiveness,
        Criterion::Activities => pb::Criterion::Activities,
        Criterion::Access => pb::Criterion::Access,
        Criterion::Satisfaction => pb::Criterion::Satisfaction,
    }
}

/// The contract's source.
pub fn source(s: Source) -> pb::IndicatorSource {
    match s {
        Source::Registry => pb::IndicatorSource::Registry,
        Source::Feedback => pb::IndicatorSource::Feedback,
        Source::Inspection => pb::IndicatorSource::Inspection,
        Source::SelfReported => pb::IndicatorSource::SelfReported,
    }
}

/// The domain's source of a contract value, if it names one.
pub fn source_of(value: i32) -> Option<Source> {
    match pb::IndicatorSource::try_from(value).ok()? {
        pb::IndicatorSource::Registry => Some(Source::Registry),
        pb::IndicatorSource::Feedback => Some(Source::Feedback),
        pb::IndicatorSource::Inspection => Some(Source::Inspection),
        pb::IndicatorSource::SelfReported => Some(Source::SelfReported),
        pb::IndicatorSource::Unspecified => None,
    }
}

/// The contract's tier.
pub fn tier(t: Tier) -> pb::Tier {
    match t {
        Tier::Incentive => pb::Tier::Incentive,
        Tier::Standard => pb::Tier::Standard,
        Tier::Warning => pb::Tier::Warning,
        Tier::Penalty => pb::Tier::Penalty,
        Tier::InsufficientData => pb::Tier::InsufficientData,
    }
}

/// The domain's tier of a stored contract value.
pub fn tier_of(value: i32) -> Tier {
    match pb::Tier::try_from(value).unwrap_or(pb::Tier::InsufficientData) {
        pb::Tier::Incentive => Tier::Incentive,
        pb::Tier::Standard => Tier::Standard,
        pb::Tier::Warning => Tier::Warning,
        pb::Tier::Penalty => Tier::Penalty,
        pb::Tier::InsufficientData | pb::Tier::Unspecified => Tier::InsufficientData,
    }
}

fn flag(f: Flag) -> pb::RatingFlag {
    match f {
        Flag::SelfReportedOnly => pb::RatingFlag::SelfReportedOnly,
        Flag::FeedbackSuppressed => pb::RatingFlag::FeedbackSuppressed,
        Flag::StarsCapped => pb::RatingFlag::StarsCapped,
        Flag::ConsecutiveLow => pb::RatingFlag::ConsecutiveLow,
        Flag::InspectionTriggered => pb::RatingFlag::InspectionTriggered,
    }
}

/// The contract's change.
pub fn change(c: Change) -> pb::RatingChange {
    match c {
        Change::FirstRating => pb::RatingChange::FirstRating,
        Change::Stars => pb::RatingChange::Stars,
        Change::Tier => pb::RatingChange::Tier,
        Change::Composite => pb::RatingChange::Composite,
        Change::Status => pb::RatingChange::Status,
    }
}

/// The methodology as GetMethodology serves it.
pub fn methodology(m: &Methodology) -> pb::Methodology {
    pb::Methodology {
        version: m.version.clone(),
        effective_from: Some(date(m.effective_from)),
        criterion_weights: Criterion::ALL
            .iter()
            .map(|&c| pb::CriterionWeight {
                criterion: criterion(c) as i32,
                weight: m.weight(c),
            })
            .collect(),
        indicators: m
            .indicators
            .iter()
            .map(|d| pb::IndicatorDefinition {
                code: d.code.clone(),
                name: Some(LocalizedText {
                    kk: d.name_kk.clone(),
                    ru: d.name_ru.clone(),
                }),
                criterion: criterion(d.criterion) as i32,
                sources: d.sources.iter().map(|s| source(*s) as i32).collect(),
                direction: if d.higher_is_better() {
                    pb::Direction::HigherIsBetter
                } else {
                    pb::Direction::LowerIsBetter
                } as i32,
                worst: d.worst,
                best: d.best,
                unit: d.unit.clone(),
            })
            .collect(),
        prior_weight: m.prior_weight,
        min_evaluations: m.min_evaluations as i32,
        min_criteria: m.min_criteria as i32,
        star_cut_points: m.star_cut_points.to_vec(),
        critical_violation_star_cap: m.critical_violation_star_cap,
        incentive_top_share: m.incentive_top_share,
        penalty_consecutive_periods: m.penalty_consecutive_periods as i32,
        event_composite_threshold: m.event_composite_threshold,
        description: Some(LocalizedText {
            kk: m.description_kk.clone(),
            ru: m.description_ru.clone(),
        }),
    }
}

fn rank(r: Rank) -> pb::Rank {
    pb::Rank {
        rank: r.rank,
        out_of: r.out_of,
    }
}

/// A centre's rating as stored and served (`latest` is set when read).
pub fn rating(
    center: &CenterFacts,
    period: Period,
    version: i64,
    methodology_version: &str,
    r: &Rating,
    at: DateTime<Utc>,
) -> pb::CenterRating {
    let cap_reason = r
        .explanations
        .iter()
        .find(|l| l.code == "star_cap")
        .map(|l| l.en.clone())
        .unwrap_or_default();
    pb::CenterRating {
        center_id: center.id.to_string(),
        center_name: Some(center.name.clone()),
        region_code: center.region.clone(),
        sector: center.sector,
        kind: center.kind,
        period: Some(period.encode()),
        rating_version: version,
        latest: false,
        methodology_version: methodology_version.to_string(),
        status: if r.rated() {
            pb::RatingStatus::Rated
        } else {
            pb::RatingStatus::InsufficientData
        } as i32,
        composite: r.composite,
        stars: r.stars,
        uncapped_stars: r.uncapped_stars,
        star_cap_reason: cap_reason,
        capping_violation_ids: if r.stars < r.uncapped_stars {
            r.capping_violations
                .iter()
                .map(|id| id.to_string())
                .collect()
        } else {
            Vec::new()
        },
        tier: tier(r.tier) as i32,
        criteria: r
            .criteria
            .iter()
            .map(|c| pb::CriterionScore {
                criterion: criterion(c.criterion) as i32,
                weight: c.weight,
                effective_weight: c.effective_weight,
                score: c.score,
                self_reported_only: c.self_reported_only,
                indicators: c
                    .indicators
                    .iter()
                    .map(|l| pb::IndicatorScore {
                        indicator_code: l.code.clone(),
                        raw_value: l.raw,
                        normalised_value: l.normalised,
                        source: source(l.source) as i32,
                        sample_size: l.sample_size,
                        suppressed: l.suppressed,
                        self_report_overridden: l.self_report_overridden,
                    })
                    .collect(),
            })
            .collect(),
        flags: r.flags.iter().map(|f| flag(*f) as i32).collect(),
        rank_in_region: Some(rank(r.rank_in_region)),
        rank_in_peer_group: Some(rank(r.rank_in_peer_group)),
        previous: r.previous.as_ref().map(|p| pb::PreviousRating {
            period: Some(p.period.encode()),
            composite: p.composite,
            stars: p.stars,
            tier: tier(p.tier) as i32,
            composite_change: match (r.composite, p.composite) {
                (Some(now), Some(then)) => Some(((now - then) * 100.0).round() / 100.0),
                _ => None,
            },
            stars_change: match (r.stars, p.stars) {
                (Some(now), Some(then)) => Some(now - then),
                _ => None,
            },
        }),
        compute_time: Some(timestamp(at)),
        explanations: r
            .explanations
            .iter()
            .map(|l| pb::Explanation {
                code: l.code.to_string(),
                en: l.en.clone(),
                text: Some(LocalizedText {
                    kk: l.kk.clone(),
                    ru: l.ru.clone(),
                }),
            })
            .collect(),
    }
}

/// The stored row of a centre's rating `r` in `version`, with its served `body`.
pub fn rating_row(
    center: &CenterFacts,
    period: Period,
    version: i64,
    r: &Rating,
    body: &pb::CenterRating,
) -> RatingRow {
    RatingRow {
        period: period.label(),
        version,
        center_id: center.id,
        period_start: period.start(),
        region_code: center.region.clone(),
        sector: center.sector,
        kind: center.kind,
        tier: tier(r.tier) as i16,
        composite: r.composite,
        stars: r.stars,
        low_streak: r.low_streak as i32,
        body: body.encode_to_vec(),
    }
}

/// The rating event of `news` about `center` in `version` (its sequence number is given when
/// it is stored).
pub fn event(
    center: &CenterFacts,
    period: Period,
    version: i64,
    news: &RatingChanged,
    at: DateTime<Utc>,
) -> pb::RatingEvent {
    let before = news.before.as_ref();
    pb::RatingEvent {
        sequence_number: 0,
        event_time: Some(timestamp(at)),
        center_id: center.id.to_string(),
        region_code: center.region.clone(),
        sector: center.sector,
        kind: center.kind,
        period: Some(period.encode()),
        rating_version: version,
        changes: news.changes.iter().map(|ch| change(*ch) as i32).collect(),
        previous_composite: before.and_then(|b| b.composite),
        composite: news.after.composite,
        previous_stars: before.and_then(|b| b.stars),
        stars: news.after.stars,
        previous_tier: before.map_or(0, |b| tier(b.tier) as i32),
        tier: tier(news.after.tier) as i32,
    }
}

/// A stored indicator value as served.
pub fn indicator_value(r: ValueRow) -> pb::IndicatorValue {
    pb::IndicatorValue {
        indicator_code: r.indicator_code,
        value: r.value,
        source: i32::from(r.source),
        sample_size: r.sample_size,
        evidence_reference: r.evidence_reference,
        recorded_by: r.recorded_by,
        record_time: Some(timestamp(r.record_time)),
    }
}
