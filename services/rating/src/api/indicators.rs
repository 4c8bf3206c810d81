//! ListIndicatorDefinitions, GetMethodology and RecordIndicators.

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection as _;
use onaltu_api::{Ctx, decode_offset_token, next_offset_token, now, page_size, parse_id};
use onaltu_errors::ApiError;
use onaltu_proto::rating as pb;
use prost::Message as _;
use uuid::Uuid;

use super::decode::RecordIndicatorsInput;
use super::{OFFICIALS, RECORDERS, Rating, convert};
use crate::domain::indicators::Recorded;
use crate::domain::record::{self, Recorder};
use crate::store::requests::{self, Request};
use crate::store::{Conn, indicators, methodologies};

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
        let recorder = recorder(ctx, &req.center_id)?;
        let body = req.encode_to_vec();
        let input = RecordIndicatorsInput::decode(req, &self.methodology, recorder)?;
        let by = ctx.subject();
        let key = Request::with_fingerprint(&by, RECORD, input.request_id, &body);
        let mut conn = self.conn().await?;
        if let Some(answer) = requests::answered(&mut conn, &key).await? {
            return pb::RecordIndicatorsResponse::decode(answer.as_slice())
                .map_err(|e| ApiError::Internal(format!("stored answer: {e}")));
        }
        if !self.registry.center_exists(input.center).await? {
            return Err(ApiError::NotFound {
                resource: "center",
                id: input.center.to_string(),
            });
        }
        let incoming = rows(&input, &by, now());
        conn.transaction(async |conn| {
            // An identical call racing this one waits on the key, then answers as it did.
            if let Some(answer) = requests::answered(conn, &key).await? {
                return pb::RecordIndicatorsResponse::decode(answer.as_slice())
                    .map_err(|e| ApiError::Internal(format!("stored answer: {e}")));
            }
            let (changed_count, unchanged_count) =
                record(conn, input.center, &input.period.label(), &incoming).await?;
            let values = indicators::of_center(conn, input.center, &input.period.label())
                .await?
                .into_iter()
                .map(convert::indicator_value)
                .collect();
            let answer = pb::RecordIndicatorsResponse {
                values,
                changed_count,
                unchanged_count,
            };
            requests::remember(conn, &key, answer.encode_to_vec()).await?;
            Ok::<_, ApiError>(answer)
        })
        .await
    }
}

/// Who records, once the caller may record for the centre named: authorised on the centre
/// before the values are described, so a stranger learns nothing of them.
fn recorder(ctx: &Ctx, center_id: &str) -> Result<Recorder, ApiError> {
    match parse_id("center_id", center_id) {
        Ok(center) => ctx.caller.require_center(center, OFFICIALS)?,
        Err(_) => ctx.caller.require(RECORDERS)?,
    };
    Ok(Recorder::of(ctx.caller.role()))
}

/// The rows of the values of `input`, recorded by `by` at `at`.
fn rows(input: &RecordIndicatorsInput, by: &str, at: DateTime<Utc>) -> Vec<indicators::ValueRow> {
    let label = input.period.label();
    input
        .values
        .iter()
        .filter_map(|s| {
            Some(indicators::ValueRow {
                center_id: input.center,
                period: label.clone(),
                indicator_code: s.code.clone(),
                source: convert::source(s.source?) as i16,
                value: s.value,
                sample_size: s.sample_size,
                evidence_reference: s.evidence_reference.trim().to_string(),
                recorded_by: by.to_string(),
                record_time: at,
            })
        })
        .collect()
}

fn as_recorded(rows: &[indicators::ValueRow]) -> Vec<Recorded> {
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
}

/// Writes those of `incoming` that differ from what `center` has stored for `period`; how
/// many changed and how many were equal.
async fn record(
    conn: &mut Conn,
    center: Uuid,
    period: &str,
    incoming: &[indicators::ValueRow],
) -> Result<(i32, i32), ApiError> {
    let stored = as_recorded(&indicators::of_center(conn, center, period).await?);
    let incoming_values = as_recorded(incoming);
    let counts = record::count_changes(&stored, &incoming_values);
    let changed: Vec<indicators::ValueRow> = incoming
        .iter()
        .zip(&incoming_values)
        .filter(|(_, r)| record::is_change(&stored, r))
        .map(|(row, _)| row.clone())
        .collect();
    indicators::upsert(conn, &changed).await?;
    Ok(counts)
}
