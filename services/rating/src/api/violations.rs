//! RecordViolation and ResolveViolation.

use diesel_async::AsyncConnection as _;
use onaltu_api::{date, now, parse_id, parse_opt_date, timestamp, today};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::rating as pb;
use prost::Message as _;
use uuid::Uuid;

use super::{OFFICIALS, Rating};
use crate::domain::record;
use crate::store::{requests, violations};
use onaltu_api::Ctx;

const RECORD: &str = "RecordViolation";

fn encode(row: &violations::ViolationRow) -> pb::Violation {
    pb::Violation {
        id: row.id.to_string(),
        center_id: row.center_id.to_string(),
        critical: row.critical,
        description: row.description.clone(),
        inspection_reference: row.inspection_reference.clone(),
        found_on: Some(date(row.found_on)),
        status: if row.resolved_on.is_some() {
            pb::ViolationStatus::Resolved
        } else {
            pb::ViolationStatus::Open
        } as i32,
        resolved_on: row.resolved_on.map(date),
        resolution_note: row.resolution_note.clone(),
        create_time: Some(timestamp(row.create_time)),
    }
}

impl Rating {
    pub(crate) async fn record_violation(
        &self,
        ctx: &Ctx,
        req: pb::RecordViolationRequest,
    ) -> Result<pb::RecordViolationResponse, ApiError> {
        ctx.caller.require(OFFICIALS)?;
        let mut v = Violations::new();
        let request_id = parse_id("request_id", &req.request_id).map_err(|e| v.absorb(e));
        let violation = req.violation.unwrap_or_default();
        let center = parse_id("violation.center_id", &violation.center_id).map_err(|e| v.absorb(e));
        let found_on = parse_opt_date("violation.found_on", violation.found_on.as_ref(), &mut v);
        record::check_violation(
            &violation.description,
            &violation.inspection_reference,
            found_on,
            today(),
            &mut v,
        );
        v.into_result()?;
        let (Ok(request_id), Ok(center), Some(found_on)) = (request_id, center, found_on) else {
            return Err(ApiError::Internal("validated request incomplete".into()));
        };
        let by = ctx.subject();
        let mut conn = self.conn().await?;
        if let Some(answer) = requests::answered(&mut conn, request_id, RECORD, &by).await? {
            return pb::RecordViolationResponse::decode(answer.as_slice())
                .map_err(|e| ApiError::Internal(format!("stored answer: {e}")));
        }
        if !self.registry.center_exists(center).await? {
            return Err(ApiError::NotFound {
                resource: "center",
                id: center.to_string(),
            });
        }
        let row = violations::ViolationRow {
            id: Uuid::now_v7(),
            center_id: center,
            critical: violation.critical,
            description: violation.description.trim().to_string(),
            inspection_reference: violation.inspection_reference.trim().to_string(),
            found_on,
            resolved_on: None,
            resolution_note: String::new(),
            recorded_by: by.clone(),
            create_time: now(),
        };
        let answer = pb::RecordViolationResponse {
            violation: Some(encode(&row)),
        };
        conn.transaction(async |conn| {
            violations::insert(conn, &row).await?;
            requests::remember(conn, request_id, RECORD, &by, answer.encode_to_vec()).await?;
            Ok::<_, ApiError>(())
        })
        .await?;
        Ok(answer)
    }

    pub(crate) async fn resolve_violation(
        &self,
        ctx: &Ctx,
        req: pb::ResolveViolationRequest,
    ) -> Result<pb::ResolveViolationResponse, ApiError> {
        ctx.caller.require(OFFICIALS)?;
        let mut v = Violations::new();
        let id = parse_id("id", &req.id).map_err(|e| v.absorb(e));
        let resolved_on = parse_opt_date("resolved_on", req.resolved_on.as_ref(), &mut v);
        v.into_result()?;
        let Ok(id) = id else {
            return Err(ApiError::Internal("validated request incomplete".into()));
        };
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let row =
                violations::get_for_update(conn, id)
                    .await?
                    .ok_or_else(|| ApiError::NotFound {
                        resource: "violation",
                        id: id.to_string(),
                    })?;
            let note = req.resolution_note.trim();
            let on = record::resolve(
                row.resolved_on.is_none(),
                row.found_on,
                resolved_on,
                note,
                today(),
            )?;
            violations::resolve(conn, id, on, note).await?;
            let row = violations::ViolationRow {
                resolved_on: Some(on),
                resolution_note: note.to_string(),
                ..row
            };
            Ok(pb::ResolveViolationResponse {
                violation: Some(encode(&row)),
            })
        })
        .await
    }
}
