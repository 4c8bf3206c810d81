//! ListAuditEvents: who read or changed a person's record, for auditors and for the person.

use chrono::{DateTime, Utc};
use onaltu_auth::Role;
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::registry as pb;
use uuid::Uuid;

use super::convert::{self, parse_opt_id};
use super::{Ctx, Registry, decode_token, encode_token, page_size};
use crate::store::audit as audit_store;

/// The canonical name of a gRPC status code, e.g. `PERMISSION_DENIED`.
fn code_name(code: tonic::Code) -> String {
    let camel = format!("{code:?}");
    let mut out = String::with_capacity(camel.len() + 4);
    for (i, c) in camel.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

impl Registry {
    pub(crate) async fn list_audit_events(
        &self,
        ctx: &Ctx,
        req: pb::ListAuditEventsRequest,
    ) -> Result<pb::ListAuditEventsResponse, ApiError> {
        let claims = ctx.caller.authenticated()?.clone();
        let limit = page_size(req.page_size)?;
        let mut v = Violations::new();
        let person = parse_opt_id("person_id", &req.person_id, &mut v);
        let ts = |t: &prost_types::Timestamp| {
            DateTime::<Utc>::from_timestamp(t.seconds, t.nanos.max(0) as u32)
        };
        let start = req.start_time.as_ref().map(ts);
        let end = req.end_time.as_ref().map(ts);
        v.check(
            !matches!(start, Some(None)),
            "start_time",
            "is out of range",
        );
        v.check(!matches!(end, Some(None)), "end_time", "is out of range");
        if let (Some(Some(s)), Some(Some(e))) = (start, end) {
            v.check(s < e, "end_time", "must be after start_time");
        }
        v.check(
            person.is_some() || !req.actor_subject.is_empty(),
            "person_id",
            "name a person or an actor",
        );
        v.into_result()?;
        match claims.role {
            Role::Auditor | Role::Admin => {}
            // Anyone may see who read their own record.
            Role::Citizen
                if person.is_some()
                    && person == claims.person_id
                    && req.actor_subject.is_empty() => {}
            _ => {
                return Err(ApiError::PermissionDenied(
                    "the audit trail is for auditors".into(),
                ));
            }
        }
        let after = match decode_token(&req.page_token)? {
            None => None,
            Some(pos) => {
                let bad = || ApiError::invalid("page_token", "is not a token this service issued");
                let (t, id) = pos.split_once('/').ok_or_else(bad)?;
                let t: i64 = t.parse().map_err(|_| bad())?;
                Some((
                    DateTime::<Utc>::from_timestamp_micros(t).ok_or_else(bad)?,
                    Uuid::parse_str(id).map_err(|_| bad())?,
                ))
            }
        };
        let f = audit_store::AuditFilter {
            person_id: person,
            actor_subject: (!req.actor_subject.is_empty()).then(|| req.actor_subject.clone()),
            start: start.flatten(),
            end: end.flatten(),
        };
        let mut conn = self.conn().await?;
        let rows = audit_store::list(&mut conn, &f, after, limit + 1).await?;
        let more = rows.len() as i64 > limit;
        let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
        let next = if more {
            rows.last()
                .map(|r| encode_token(&format!("{}/{}", r.event_time.timestamp_micros(), r.id)))
                .unwrap_or_default()
        } else {
            String::new()
        };
        Ok(pb::ListAuditEventsResponse {
            audit_events: rows
                .iter()
                .map(|r| pb::AuditEvent {
                    id: r.id.to_string(),
                    event_time: convert::ts(r.event_time),
                    actor_subject: r.actor_subject.clone(),
                    actor_role: r.actor_role as i32,
                    action: r.action.clone(),
                    person_id: r.person_id.map(|p| p.to_string()).unwrap_or_default(),
                    center_id: r.center_id.map(|c| c.to_string()).unwrap_or_default(),
                    purpose: r.purpose.clone(),
                    allowed: r.allowed,
                    status_code: code_name(tonic::Code::from(r.status_code)),
                    trace_id: r.trace_id.clone(),
                })
                .collect(),
            next_page_token: next,
        })
    }
}
