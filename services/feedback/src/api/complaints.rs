//! ListComplaints and UpdateComplaint.

use chrono::NaiveDate;
use diesel_async::AsyncConnection as _;
use onaltu_api::{decode_token, encode_token, now, page_size, parse_id, parse_opt_date, today};
use onaltu_auth::Role;
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::feedback as pb;
use uuid::Uuid;

use super::{Feedback, convert};
use crate::domain::complaint::{self, Change, Handler, State, Status};
use crate::store::complaints::{self as store, Filter};
use onaltu_api::Ctx;

fn position(token: &str) -> Result<Option<(NaiveDate, Uuid)>, ApiError> {
    let Some(text) = decode_token(token)? else {
        return Ok(None);
    };
    let bad = || ApiError::invalid("page_token", "is not a token this service issued");
    let (d, id) = text.split_once('|').ok_or_else(bad)?;
    Ok(Some((
        d.parse().map_err(|_| bad())?,
        Uuid::parse_str(id).map_err(|_| bad())?,
    )))
}

impl Feedback {
    pub(crate) async fn list_complaints(
        &self,
        ctx: &Ctx,
        req: pb::ListComplaintsRequest,
    ) -> Result<pb::ListComplaintsResponse, ApiError> {
        let claims = ctx.caller.require(&[
            Role::Citizen,
            Role::CenterStaff,
            Role::CityOperator,
            Role::Auditor,
            Role::Admin,
        ])?;
        let limit = page_size(req.page_size)?;
        let after = position(&req.page_token)?;
        let mut v = Violations::new();
        let center = onaltu_api::parse_opt_id("center_id", &req.center_id, &mut v);
        let mut statuses = Vec::new();
        for (i, s) in req.statuses.iter().enumerate() {
            match Status::from_code(*s) {
                Some(s) => statuses.push(s as i16),
                None => v.add(format!("statuses[{i}]"), "unknown status"),
            }
        }
        v.into_result()?;
        let today = today();
        let mut filter = Filter {
            center,
            complainant: None,
            statuses,
            overdue_on: req.overdue_only.then_some(today),
        };
        match claims.role {
            Role::CenterStaff => {
                let own = claims.center_id;
                if center.is_some() && center != own {
                    return Err(ApiError::PermissionDenied(
                        "the centre's staff see their own centre's complaints".into(),
                    ));
                }
                filter.center = Some(own.ok_or_else(|| {
                    ApiError::PermissionDenied("the token names no centre (claim center_id)".into())
                })?);
            }
            Role::Citizen => {
                filter.complainant = Some(claims.person_id.ok_or_else(|| {
                    ApiError::PermissionDenied("the token names no person (claim person_id)".into())
                })?);
            }
            _ => {}
        }
        let mut conn = self.conn().await?;
        let rows = store::list(&mut conn, &filter, after, limit).await?;
        let next_page_token = match rows.last() {
            Some(last) if rows.len() as i64 == limit => {
                encode_token(&format!("{}|{}", last.deadline, last.id))
            }
            _ => String::new(),
        };
        Ok(pb::ListComplaintsResponse {
            complaints: rows.iter().map(|r| convert::complaint(r, today)).collect(),
            next_page_token,
        })
    }

    pub(crate) async fn update_complaint(
        &self,
        ctx: &Ctx,
        req: pb::UpdateComplaintRequest,
    ) -> Result<pb::UpdateComplaintResponse, ApiError> {
        let claims = ctx
            .caller
            .require(&[Role::CenterStaff, Role::CityOperator, Role::Admin])?;
        let handler = if claims.role == Role::CenterStaff {
            Handler::CenterStaff
        } else {
            Handler::Official
        };
        let own_center = claims.center_id;
        let c = req.complaint.unwrap_or_default();
        let id = parse_id("complaint.id", &c.id)?;
        let paths = req.update_mask.map(|m| m.paths).unwrap_or_default();
        let mut v = Violations::new();
        v.check(
            !paths.is_empty(),
            "update_mask",
            "name the fields to update",
        );
        let mut change = Change::default();
        for p in &paths {
            match p.as_str() {
                "status" => change.status = Some(c.status),
                "assignee_subject" => change.assignee = Some(c.assignee_subject.clone()),
                "deadline" => {
                    change.deadline =
                        parse_opt_date("complaint.deadline", c.deadline.as_ref(), &mut v);
                    v.check(
                        c.deadline.is_some(),
                        "complaint.deadline",
                        "is required when masked",
                    );
                }
                "center_response" => change.center_response = Some(c.center_response.clone()),
                "resolution" => change.resolution = Some(c.resolution.clone()),
                other => v.add(
                    format!("update_mask.{other}"),
                    "is not a field that can be updated",
                ),
            }
        }
        v.into_result()?;
        let today = today();
        let mut conn = self.conn().await?;
        let row = conn
            .transaction(async |conn| {
                let mut row =
                    store::get_for_update(conn, id)
                        .await?
                        .ok_or_else(|| ApiError::NotFound {
                            resource: "complaint",
                            id: id.to_string(),
                        })?;
                if handler == Handler::CenterStaff && own_center != Some(row.center_id) {
                    return Err(ApiError::PermissionDenied(
                        "this complaint is about another centre".into(),
                    ));
                }
                if !c.etag.is_empty() && c.etag != row.version.to_string() {
                    return Err(ApiError::Aborted(
                        "the complaint changed since it was read (etag); read it again".into(),
                    ));
                }
                let state = State {
                    status: Status::from_code(i32::from(row.status)).unwrap_or(Status::Open),
                    assignee: row.assignee_subject.clone(),
                    deadline: row.deadline,
                    center_response: row.center_response.clone(),
                    resolution: row.resolution.clone(),
                };
                let next = complaint::update(id, &state, &change, handler, today)?;
                let at = now();
                if next.status.is_closed() && !state.status.is_closed() {
                    row.close_time = Some(at);
                }
                row.status = next.status as i16;
                row.assignee_subject = next.assignee;
                row.deadline = next.deadline;
                row.center_response = next.center_response;
                row.resolution = next.resolution;
                row.update_time = at;
                row.version += 1;
                store::update(conn, &row).await?;
                Ok::<_, ApiError>(row)
            })
            .await?;
        Ok(pb::UpdateComplaintResponse {
            complaint: Some(convert::complaint(&row, today)),
        })
    }
}
