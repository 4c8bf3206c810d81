//! RecordViolation and ResolveViolation.

use diesel_async::AsyncConnection as _;
use onaltu_api::{Ctx, date, now, timestamp, today};
use onaltu_errors::ApiError;
use onaltu_proto::rating as pb;
use prost::Message as _;
use uuid::Uuid;

use super::decode::{RecordViolationInput, ResolveViolationInput};
use super::{OFFICIALS, Rating};
use crate::domain::record;
use crate::store::requests::{self, Request};
use crate::store::violations;

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
        let body = req.encode_to_vec();
        let input = RecordViolationInput::decode(req, today())?;
        let by = ctx.subject();
        let key = Request::with_fingerprint(&by, RECORD, input.request_id, &body);
        let mut conn = self.conn().await?;
        if let Some(answer) = requests::answered(&mut conn, &key).await? {
            return pb::RecordViolationResponse::decode(answer.as_slice())
                .map_err(|e| ApiError::Internal(format!("stored answer: {e}")));
        }
        if !self.registry.center_exists(input.center).await? {
            return Err(ApiError::NotFound {
                resource: "center",
                id: input.center.to_string(),
            });
        }
        let row = violations::ViolationRow {
            id: Uuid::now_v7(),
            center_id: input.center,
            critical: input.critical,
            description: input.description,
            inspection_reference: input.inspection_reference,
            found_on: input.found_on,
            resolved_on: None,
            resolution_note: String::new(),
            recorded_by: by.clone(),
            create_time: now(),
        };
        let answer = pb::RecordViolationResponse {
            violation: Some(encode(&row)),
        };
        conn.transaction(async |conn| {
            // An identical call racing this one waits on the key, then answers as it did.
            if let Some(first) = requests::answered(conn, &key).await? {
                return pb::RecordViolationResponse::decode(first.as_slice())
                    .map_err(|e| ApiError::Internal(format!("stored answer: {e}")));
            }
            violations::insert(conn, &row).await?;
            requests::remember(conn, &key, answer.encode_to_vec()).await?;
            Ok::<_, ApiError>(answer)
        })
        .await
    }

    pub(crate) async fn resolve_violation(
        &self,
        ctx: &Ctx,
        req: pb::ResolveViolationRequest,
    ) -> Result<pb::ResolveViolationResponse, ApiError> {
        ctx.caller.require(OFFICIALS)?;
        let input = ResolveViolationInput::try_from(req)?;
        let id = input.id;
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let row =
                violations::get_for_update(conn, id)
                    .await?
                    .ok_or_else(|| ApiError::NotFound {
                        resource: "violation",
                        id: id.to_string(),
                    })?;
            let on = record::resolve(
                row.resolved_on.is_none(),
                row.found_on,
                input.resolved_on,
                &input.note,
                today(),
            )?;
            violations::resolve(conn, id, on, &input.note).await?;
            let row = violations::ViolationRow {
                resolved_on: Some(on),
                resolution_note: input.note.clone(),
                ..row
            };
            Ok(pb::ResolveViolationResponse {
                violation: Some(encode(&row)),
            })
        })
        .await
    }
}
