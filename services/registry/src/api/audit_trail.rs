//! ListAuditEvents: who read or changed a person's record, for auditors and for the person.

use chrono::{DateTime, Utc};
use onaltu_api::{decode_token, encode_token, page_size, parse_opt_id, timestamp};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::registry as pb;
use uuid::Uuid;

use super::Registry;
use crate::domain::access;
use crate::store::audit::{self as audit_store, AuditFilter, AuditRow};
use onaltu_api::Ctx;

/// A page of the audit trail (ListAuditEvents).
#[derive(Debug)]
struct AuditQuery {
    filter: AuditFilter,
    /// The (time, id) the page starts after.
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
}

/// A moment of the contract; "is out of range" recorded in `v` when it is not one.
fn moment(
    field: &str,
    t: Option<&prost_types::Timestamp>,
    v: &mut Violations,
) -> Option<DateTime<Utc>> {
    let t = t?;
    let parsed = DateTime::<Utc>::from_timestamp(t.seconds, t.nanos.max(0) as u32);
    v.check(parsed.is_some(), field, "is out of range");
    parsed
}

/// The (time, id) position a page token of the audit trail stands for.
fn position(token: &str) -> Result<Option<(DateTime<Utc>, Uuid)>, ApiError> {
    let Some(pos) = decode_token(token)? else {
        return Ok(None);
    };
    let bad = || ApiError::invalid("page_token", "is not a token this service issued");
    let (t, id) = pos.split_once('/').ok_or_else(bad)?;
    let t: i64 = t.parse().map_err(|_| bad())?;
    Ok(Some((
        DateTime::<Utc>::from_timestamp_micros(t).ok_or_else(bad)?,
        Uuid::parse_str(id).map_err(|_| bad())?,
    )))
}

impl TryFrom<pb::ListAuditEventsRequest> for AuditQuery {
    type Error = ApiError;

    fn try_from(req: pb::ListAuditEventsRequest) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        let limit = v.take(page_size(req.page_size));
        let person = parse_opt_id("person_id", &req.person_id, &mut v);
        let start = moment("start_time", req.start_time.as_ref(), &mut v);
        let end = moment("end_time", req.end_time.as_ref(), &mut v);
        if let (Some(s), Some(e)) = (start, end) {
            v.check(s < e, "end_time", "must be after start_time");
        }
        v.check(
            person.is_some() || !req.actor_subject.is_empty(),
            "person_id",
            "name a person or an actor",
        );
        let after = v.take(position(&req.page_token));
        let filter = AuditFilter {
            person_id: person,
            actor_subject: (!req.actor_subject.is_empty()).then_some(req.actor_subject),
            start,
            end,
        };
        v.finish(Self {
            filter,
            after,
            limit,
        })
    }
}

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

/// An audit event in the contract's form.
fn audit_event(r: &AuditRow) -> pb::AuditEvent {
    pb::AuditEvent {
        id: r.id.to_string(),
        event_time: Some(timestamp(r.event_time)),
        actor_subject: r.actor_subject.clone(),
        actor_role: r.actor_role as i32,
        action: r.action.clone(),
        person_id: r.person_id.map(|p| p.to_string()).unwrap_or_default(),
        center_id: r.center_id.map(|c| c.to_string()).unwrap_or_default(),
        purpose: r.purpose.clone(),
        allowed: r.allowed,
        status_code: code_name(tonic::Code::from(r.status_code)),
        trace_id: r.trace_id.clone(),
    }
}

impl Registry {
    pub(crate) async fn list_audit_events(
        &self,
        ctx: &Ctx,
        req: pb::ListAuditEventsRequest,
    ) -> Result<pb::ListAuditEventsResponse, ApiError> {
        let claims = ctx.caller.authenticated()?.clone();
        let q = AuditQuery::try_from(req)?;
        let f = &q.filter;
        let names_actor = f.actor_subject.is_some();
        access::audit_trail_access(claims.role, claims.person_id, f.person_id, names_actor)?;
        let mut conn = self.conn().await?;
        let rows = audit_store::list(&mut conn, f, q.after, q.limit + 1).await?;
        let more = rows.len() as i64 > q.limit;
        let rows: Vec<_> = rows.into_iter().take(q.limit as usize).collect();
        let next_page_token = match rows.last() {
            Some(r) if more => {
                encode_token(&format!("{}/{}", r.event_time.timestamp_micros(), r.id))
            }
            _ => String::new(),
        };
        Ok(pb::ListAuditEventsResponse {
            audit_events: rows.iter().map(audit_event).collect(),
            next_page_token,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_are_named_as_the_contract_spells_them() {
        assert_eq!(
            code_name(tonic::Code::PermissionDenied),
            "PERMISSION_DENIED"
        );
        assert_eq!(code_name(tonic::Code::Ok), "OK");
    }

    #[test]
    fn an_audit_query_names_a_person_or_an_actor_and_an_ordered_range() {
        let at = |seconds| prost_types::Timestamp { seconds, nanos: 0 };
        let Err(ApiError::InvalidArgument(bad)) =
            AuditQuery::try_from(pb::ListAuditEventsRequest {
                start_time: Some(at(20)),
                end_time: Some(at(10)),
                page_token: "nope".into(),
                ..Default::default()
            })
        else {
            panic!("an audit query without a person or an actor was accepted");
        };
        let fields: Vec<_> = bad.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["end_time", "person_id", "page_token"]);
    }
}
