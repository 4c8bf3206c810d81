//! ListIndicatorDefinitions, GetMethodology and RecordIndicators.

use diesel_async::AsyncConnection as _;
use onaltu_api::{Period, now, page_size, parse_id, timestamp};
use onaltu_auth::Role;
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::rating as pb;
use prost::Message as _;

use super::{OFFICIALS, Rating, convert};
use crate::domain::indicators::Recorded;
use crate::domain::record::{self, Recorder, Submitted};
use crate::store::{indicators, methodologies, requests};
use onaltu_api::{Ctx, decode_offset_token, next_offset_token};

const RECORD: &str = "RecordIndicators";

impl Rating {
    /// The methodology `version` (current when empty).
    pub(crate) async fn methodology_of(&self, version: &str) -> Result<pb::Methodology, ApiError> {
        if version.is_empty() || version == self.methodology.version {
            return Ok(convert::methodology(&self.methodology));
        }
        let mut conn = self.conn().await?;
        let body = methodologies::get(&mut conn, version)
            .await?
            .ok_or_else(|| ApiError::NotFound {
                resource: "methodology",
                id: version.to_string(),
            })?;
        pb::Methodology::decode(body.as_slice())
            .map_err(|e| ApiError::Internal(format!("stored methodology {version}: {e}")))
    }

    pub(crate) async fn get_methodology(
        &self,
        req: pb::GetMethodologyRequest,
    ) -> Result<pb::GetMethodologyResponse, ApiError> {
        Ok(pb::GetMethodologyResponse {
            methodology: Some(self.methodology_of(&req.version).await?),
        })
    }

    pub(crate) async fn list_indicator_definitions(
        &self,
        req: pb::ListIndicatorDefinitionsRequest,
    ) -> Result<pb::ListIndicatorDefinitionsResponse, ApiError> {
        let size = page_size(req.page_size)?;
        let offset = decode_offset_token(&req.page_token)?;
        let m = self.methodology_of(&req.methodology_version).await?;
        let mut all: Vec<pb::IndicatorDefinition> = m
            .indicators
            .into_iter()
            .filter(|d| req.criterion == 0 || d.criterion == req.criterion)
            .collect();
        all.sort_by(|a, b| (a.criterion, &a.code).cmp(&(b.criterion, &b.code)));
        let page: Vec<_> = all
            .into_iter()
            .skip(offset as usize)
            .take(size as usize)
            .collect();
        Ok(pb::ListIndicatorDefinitionsResponse {
            next_page_token: next_offset_token(offset, size, page.len()),
            indicator_definitions: page,
            methodology_version: m.version,
        })
    }

    pub(crate) async fn record_indicators(
        &self,
        ctx: &Ctx,
        req: pb::RecordIndicatorsRequest,
    ) -> Result<pb::RecordIndicatorsResponse, ApiError> {
        let mut v = Violations::new();
        let request_id = parse_id("request_id", &req.request_id).map_err(|e| v.absorb(e));
        let center = parse_id("center_id", &req.center_id).map_err(|e| v.absorb(e));
        let period = match &req.period {
            Some(p) => Period::decode("period", p).map_err(|e| v.absorb(e)),
            None => {
                v.add("period", "is required");
                Err(())
            }
        };
        // Authorise on the centre before describing the values, so a stranger learns nothing.
        if let Ok(center) = center {
            ctx.caller.require_center(center, OFFICIALS)?;
        } else {
            ctx.caller
                .require(&[Role::CenterStaff, Role::CityOperator, Role::Admin])?;
        }
        let recorder = match ctx.caller.role() {
            Some(Role::CenterStaff) => Recorder::CentreStaff,
            Some(Role::CityOperator) => Recorder::CityOperator,
            _ => Recorder::Admin,
        };
        let submitted: Vec<Submitted> = req
            .values
            .iter()
            .map(|value| Submitted {
                code: value.indicator_code.clone(),
                source: convert::source_of(value.source),
                value: value.value,
                sample_size: value.sample_size,
                evidence_reference: value.evidence_reference.clone(),
            })
            .collect();
        record::check_values(&self.methodology, &submitted, recorder, &mut v);
        v.into_result()?;
        let (Ok(request_id), Ok(center), Ok(period)) = (request_id, center, period) else {
            return Err(ApiError::Internal("validated request incomplete".into()));
        };
        let by = ctx.subject();
        let mut conn = self.conn().await?;
        if let Some(answer) = requests::answered(&mut conn, request_id, RECORD, &by).await? {
            return pb::RecordIndicatorsResponse::decode(answer.as_slice())
                .map_err(|e| ApiError::Internal(format!("stored answer: {e}")));
        }
        if !self.registry.center_exists(center).await? {
            return Err(ApiError::NotFound {
                resource: "center",
                id: center.to_string(),
            });
        }
        let label = period.label();
        let at = now();
        let incoming: Vec<indicators::ValueRow> = submitted
            .iter()
            .filter_map(|s| {
                Some(indicators::ValueRow {
                    center_id: center,
                    period: label.clone(),
                    indicator_code: s.code.clone(),
                    source: convert::source(s.source?) as i16,
                    value: s.value,
                    sample_size: s.sample_size,
                    evidence_reference: s.evidence_reference.trim().to_string(),
                    recorded_by: by.clone(),
                    record_time: at,
                })
            })
            .collect();
        conn.transaction(async |conn| {
            let stored = indicators::of_center(conn, center, &label).await?;
            let as_recorded = |rows: &[indicators::ValueRow]| -> Vec<Recorded> {
                rows.iter()
                    .filter_map(|r| {
                        Some(Recorded {
                            code: r.indicator_code.clone(),
                            source: convert::source_of(i32::from(r.source))?,
                            value: r.value,
                            sample_size: r.sample_size,
                        })
                    })
                    .collect()
            };
            let stored_values = as_recorded(&stored);
            let incoming_values = as_recorded(&incoming);
            let (changed_count, unchanged_count) =
                record::count_changes(&stored_values, &incoming_values);
            let changed: Vec<indicators::ValueRow> = incoming
                .iter()
                .zip(&incoming_values)
                .filter(|(_, r)| record::is_change(&stored_values, r))
                .map(|(row, _)| row.clone())
                .collect();
            indicators::upsert(conn, &changed).await?;
            let values = indicators::of_center(conn, center, &label)
                .await?
                .into_iter()
                .map(|r| pb::IndicatorValue {
                    indicator_code: r.indicator_code,
                    value: r.value,
                    source: i32::from(r.source),
                    sample_size: r.sample_size,
                    evidence_reference: r.evidence_reference,
                    recorded_by: r.recorded_by,
                    record_time: Some(timestamp(r.record_time)),
                })
                .collect();
            let answer = pb::RecordIndicatorsResponse {
                values,
                changed_count,
                unchanged_count,
            };
            requests::remember(conn, request_id, RECORD, &by, answer.encode_to_vec()).await?;
            Ok::<_, ApiError>(answer)
        })
        .await
    }
}
