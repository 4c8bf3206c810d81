//! The rating's requests decoded in one step into typed inputs: every bad field is named in one
//! INVALID_ARGUMENT, and a handler holds only values that passed.

use chrono::NaiveDate;
use onaltu_api::{Period, decode_offset_token, page_size, parse_id, parse_opt_date};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::common::{CenterKind, CenterSector, Period as PbPeriod};
use onaltu_proto::rating as pb;
use uuid::Uuid;

use super::convert;
use crate::domain::methodology::Methodology;
use crate::domain::record::{self, Recorder, Submitted};
use crate::domain::schedule;
use crate::store::ratings;

/// A required period.
fn required_period(field: &str, p: Option<&PbPeriod>) -> Result<Period, ApiError> {
    match p {
        Some(p) => Period::decode(field, p),
        None => Err(ApiError::invalid(field, "is required")),
    }
}

/// An optional period (none when absent).
fn optional_period(field: &str, p: Option<&PbPeriod>) -> Result<Option<Period>, ApiError> {
    p.map(|p| Period::decode(field, p)).transpose()
}

/// The period in place of one that did not decode; `finish` refuses the input then.
fn no_period() -> Period {
    Period::quarter_of(NaiveDate::default())
}

/// ComputeRatings: which period, under which request id.
#[derive(Debug, Clone, PartialEq)]
pub struct ComputeInput {
    /// The caller's request id: a retry answers the first answer.
    pub request_id: Uuid,
    /// The period to rate: begun, and ended after the methodology took effect.
    pub period: Period,
}

impl ComputeInput {
    /// Decodes `r` against the methodology `m` on `today`.
    pub fn decode(
        r: &pb::ComputeRatingsRequest,
        m: &Methodology,
        today: NaiveDate,
    ) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        let request_id = v.take(parse_id("request_id", &r.request_id));
        let period = required_period("period", r.period.as_ref());
        if let Ok(p) = period {
            schedule::check_period(m, p, today, &mut v);
        }
        let period = v.take_or(period, no_period());
        v.finish(Self { request_id, period })
    }
}

/// RecordIndicators: a centre's values of a period.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordIndicatorsInput {
    /// The caller's request id.
    pub request_id: Uuid,
    /// The centre.
    pub center: Uuid,
    /// The period.
    pub period: Period,
    /// The values, each with a known source this recorder may record.
    pub values: Vec<Submitted>,
}

impl RecordIndicatorsInput {
    /// Decodes `r` against the methodology `m`, as recorded by `recorder`.
    pub fn decode(
        r: pb::RecordIndicatorsRequest,
        m: &Methodology,
        recorder: Recorder,
    ) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        let request_id = v.take(parse_id("request_id", &r.request_id));
        let center = v.take(parse_id("center_id", &r.center_id));
        let period = v.take_or(required_period("period", r.period.as_ref()), no_period());
        let values: Vec<Submitted> = r
            .values
            .into_iter()
            .map(|value| Submitted {
                code: value.indicator_code,
                source: convert::source_of(value.source),
                value: value.value,
                sample_size: value.sample_size,
                evidence_reference: value.evidence_reference,
            })
            .collect();
        record::check_values(m, &values, recorder, &mut v);
        v.finish(Self {
            request_id,
            center,
            period,
            values,
        })
    }
}

/// RecordViolation: a violation an inspection found.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordViolationInput {
    /// The caller's request id.
    pub request_id: Uuid,
    /// The centre.
    pub center: Uuid,
    /// Whether it is critical (caps the stars, gives PENALTY).
    pub critical: bool,
    /// What was found, trimmed.
    pub description: String,
    /// The inspection act or order, trimmed.
    pub inspection_reference: String,
    /// When it was found: not in the future.
    pub found_on: NaiveDate,
}

impl RecordViolationInput {
    /// Decodes `r` on `today`.
    pub fn decode(r: pb::RecordViolationRequest, today: NaiveDate) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        let request_id = v.take(parse_id("request_id", &r.request_id));
        let violation = r.violation.unwrap_or_default();
        let center = v.take(parse_id("violation.center_id", &violation.center_id));
        let found_on = parse_opt_date("violation.found_on", violation.found_on.as_ref(), &mut v);
        record::check_violation(
            &violation.description,
            &violation.inspection_reference,
            found_on,
            today,
            &mut v,
        );
        v.finish(Self {
            request_id,
            center,
            critical: violation.critical,
            description: violation.description.trim().to_string(),
            inspection_reference: violation.inspection_reference.trim().to_string(),
            found_on: found_on.unwrap_or_default(),
        })
    }
}

/// ResolveViolation: which violation, when and how; the dates are checked against the stored
/// violation (`record::resolve`).
#[derive(Debug, Clone, PartialEq)]
pub struct ResolveViolationInput {
    /// The violation.
    pub id: Uuid,
    /// When it was resolved, if the caller said.
    pub resolved_on: Option<NaiveDate>,
    /// How, trimmed.
    pub note: String,
}

impl TryFrom<pb::ResolveViolationRequest> for ResolveViolationInput {
    type Error = ApiError;

    fn try_from(r: pb::ResolveViolationRequest) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        let id = v.take(parse_id("id", &r.id));
        let resolved_on = parse_opt_date("resolved_on", r.resolved_on.as_ref(), &mut v);
        v.finish(Self {
            id,
            resolved_on,
            note: r.resolution_note.trim().to_string(),
        })
    }
}

/// GetCenterRating: a centre's latest rating, or one of a period, or one version of it.
#[derive(Debug, Clone, PartialEq)]
pub struct CenterRatingInput {
    /// The centre.
    pub center: Uuid,
    /// The period, if named.
    pub period: Option<Period>,
    /// The version of that period, if named.
    pub version: Option<i64>,
}

impl TryFrom<pb::GetCenterRatingRequest> for CenterRatingInput {
    type Error = ApiError;

    fn try_from(r: pb::GetCenterRatingRequest) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        let center = v.take(parse_id("center_id", &r.center_id));
        let period = v.take(optional_period("period", r.period.as_ref()));
        if r.rating_version.is_some_and(|n| n < 1) {
            v.add("rating_version", "must be >= 1");
        }
        if r.rating_version.is_some() && r.period.is_none() {
            v.add(
                "period",
                "is required with rating_version: versions are numbered per period",
            );
        }
        v.finish(Self {
            center,
            period,
            version: r.rating_version,
        })
    }
}

/// ListRatings: a page of a period's leaderboard, filtered.
#[derive(Debug, Clone, PartialEq)]
pub struct ListRatingsInput {
    /// Page size.
    pub size: i64,
    /// Offset of the page.
    pub offset: i64,
    /// The period; the latest rated when none.
    pub period: Option<Period>,
    /// Region filter; empty for every region.
    pub region: String,
    /// Sector filter; 0 for every sector.
    pub sector: i32,
    /// Kind filter; 0 for every kind.
    pub kind: i32,
    /// Tier filter; 0 for every tier.
    pub tier: i32,
}

impl TryFrom<pb::ListRatingsRequest> for ListRatingsInput {
    type Error = ApiError;

    fn try_from(r: pb::ListRatingsRequest) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        let size = v.take(page_size(r.page_size));
        let offset = v.take(decode_offset_token(&r.page_token));
        let period = v.take(optional_period("period", r.period.as_ref()));
        for (field, value, ok) in [
            ("sector", r.sector, CenterSector::try_from(r.sector).is_ok()),
            ("kind", r.kind, CenterKind::try_from(r.kind).is_ok()),
            ("tier", r.tier, pb::Tier::try_from(r.tier).is_ok()),
        ] {
            v.check(ok, field, format!("{value} is not a known value"));
        }
        v.finish(Self {
            size,
            offset,
            period,
            region: r.region_code,
            sector: r.sector,
            kind: r.kind,
            tier: r.tier,
        })
    }
}

impl ListRatingsInput {
    /// The store's filter of the leaderboard.
    pub fn filter(&self) -> ratings::Filter {
        ratings::Filter {
            region: (!self.region.is_empty()).then(|| self.region.clone()),
            sector: (self.sector != 0).then_some(self.sector),
            kind: (self.kind != 0).then_some(self.kind),
            tier: (self.tier != 0).then_some(self.tier as i16),
        }
    }

    /// The cache key of the page.
    pub fn key(&self) -> String {
        format!(
            "list:{}:{}:{}:{}:{}:{}:{}",
            self.period.map_or_else(|| "-".to_string(), Period::label),
            self.region,
            self.sector,
            self.kind,
            self.tier,
            self.offset,
            self.size
        )
    }
}

/// GetRatingHistory: a page of a centre's ratings over the periods.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryInput {
    /// The centre.
    pub center: Uuid,
    /// Page size.
    pub size: i64,
    /// Offset of the page.
    pub offset: i64,
    /// Whether versions later superseded are listed too.
    pub include_superseded: bool,
}

impl TryFrom<pb::GetRatingHistoryRequest> for HistoryInput {
    type Error = ApiError;

    fn try_from(r: pb::GetRatingHistoryRequest) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        let center = v.take(parse_id("center_id", &r.center_id));
        let size = v.take(page_size(r.page_size));
        let offset = v.take(decode_offset_token(&r.page_token));
        v.finish(Self {
            center,
            size,
            offset,
            include_superseded: r.include_superseded,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(err: ApiError) -> Vec<String> {
        let paths = err.field_paths().expect("INVALID_ARGUMENT");
        paths.into_iter().map(String::from).collect()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_computation_names_every_bad_field_at_once() {
        let m = Methodology::standard();
        let bad = pb::ComputeRatingsRequest {
            request_id: "nope".into(),
            period: None,
        };
        let err = ComputeInput::decode(&bad, &m, d(2026, 12, 1)).unwrap_err();
        assert_eq!(fields(err), ["request_id", "period"]);
        let good = pb::ComputeRatingsRequest {
            request_id: Uuid::now_v7().to_string(),
            period: Some(Period::quarter_of(d(2026, 8, 1)).encode()),
        };
        let input = ComputeInput::decode(&good, &m, d(2026, 12, 1)).unwrap();
        assert_eq!(input.period.label(), "2026-Q3");
        let future = pb::ComputeRatingsRequest {
            period: Some(Period::quarter_of(d(2027, 2, 1)).encode()),
            ..good
        };
        let err = ComputeInput::decode(&future, &m, d(2026, 12, 1)).unwrap_err();
        assert!(err.to_string().contains("has not begun"), "{err}");
    }

    #[test]
    fn a_violation_without_centre_act_or_date_is_refused_whole() {
        let err =
            RecordViolationInput::decode(pb::RecordViolationRequest::default(), d(2026, 12, 1))
                .unwrap_err();
        let all = fields(err);
        for field in [
            "request_id",
            "violation.center_id",
            "violation.description",
            "violation.inspection_reference",
            "violation.found_on",
        ] {
            assert!(all.iter().any(|f| f == field), "{field} in {all:?}");
        }
    }

    #[test]
    fn list_filters_must_be_known_values() {
        let err = ListRatingsInput::try_from(pb::ListRatingsRequest {
            page_size: -1,
            tier: 99,
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(fields(err), ["page_size", "tier"]);
        let input = ListRatingsInput::try_from(pb::ListRatingsRequest {
            region_code: "KZ-71".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(input.size, 50);
        assert_eq!(input.filter().region.as_deref(), Some("KZ-71"));
        assert_eq!(input.filter().tier, None);
    }

    #[test]
    fn a_version_needs_its_period() {
        let err = CenterRatingInput::try_from(pb::GetCenterRatingRequest {
            center_id: Uuid::now_v7().to_string(),
            period: None,
            rating_version: Some(0),
        })
        .unwrap_err();
        assert_eq!(fields(err), ["rating_version", "period"]);
    }
}
