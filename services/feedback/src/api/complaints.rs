//! ListComplaints and UpdateComplaint.

use chrono::NaiveDate;
use diesel_async::AsyncConnection as _;
use onaltu_api::{Ctx, check_etag, encode_token, now, today};
use onaltu_errors::ApiError;
use onaltu_proto::feedback as pb;
use uuid::Uuid;

use super::decode::{ListComplaintsInput, UpdateComplaintInput};
use super::roles::{COMPLAINT_HANDLERS, COMPLAINT_READERS};
use super::{Feedback, convert};
use crate::domain::complaint::{self, Handler};
use crate::store::Conn;
use crate::store::complaints::{self as store, ComplaintRow, Filter};

impl Feedback {
    pub(crate) async fn list_complaints(
        &self,
        ctx: &Ctx,
        req: pb::ListComplaintsRequest,
    ) -> Result<pb::ListComplaintsResponse, ApiError> {
        let claims = ctx.caller.require(COMPLAINT_READERS)?;
        let input = ListComplaintsInput::try_from(req)?;
        let scope = complaint::scope(claims, input.center)?;
        let centre_view = complaint::centre_view(claims.role);
        let today = today();
        let filter = Filter {
            center: scope.center,
            complainant: scope.complainant,
            statuses: input.statuses,
            overdue_on: input.overdue_only.then_some(today),
        };
        let mut conn = self.conn().await?;
        let rows = store::list(&mut conn, &filter, input.after, input.limit).await?;
        let next_page_token = match rows.last() {
            Some(last) if rows.len() as i64 == input.limit => {
                encode_token(&format!("{}|{}", last.deadline, last.id))
            }
            _ => String::new(),
        };
        Ok(pb::ListComplaintsResponse {
            complaints: rows
                .iter()
                .map(|r| convert::complaint(r, today, centre_view))
                .collect(),
            next_page_token,
        })
    }

    pub(crate) async fn update_complaint(
        &self,
        ctx: &Ctx,
        req: pb::UpdateComplaintRequest,
    ) -> Result<pb::UpdateComplaintResponse, ApiError> {
        let claims = ctx.caller.require(COMPLAINT_HANDLERS)?;
        let handler = Handler::of(claims.role);
        let centre_view = complaint::centre_view(claims.role);
        let own_center = claims.center_id;
        let input = UpdateComplaintInput::try_from(req)?;
        let today = today();
        let mut conn = self.conn().await?;
        let row = conn
            .transaction(async |conn| change(conn, &input, handler, own_center, today).await)
            .await?;
        Ok(pb::UpdateComplaintResponse {
            complaint: Some(convert::complaint(&row, today, centre_view)),
        })
    }
}

/// Applies `input` by `handler` (of `own_center`) on `today`, in the caller's transaction; the
/// row written.
async fn change(
    conn: &mut Conn,
    input: &UpdateComplaintInput,
    handler: Handler,
    own_center: Option<Uuid>,
    today: NaiveDate,
) -> Result<ComplaintRow, ApiError> {
    let id = input.id;
    let mut row = store::get_for_update(conn, id)
        .await?
        .ok_or_else(|| ApiError::NotFound {
            resource: "complaint",
            id: id.to_string(),
        })?;
    complaint::may_handle(handler, own_center, row.center_id)?;
    check_etag(&input.etag, row.version, "complaint")?;
    let state = convert::complaint_state(&row);
    let next = complaint::update(id, &state, &input.change, handler, today)?;
    convert::changed_complaint(&mut row, &state, next, now());
    store::update(conn, &row).await?;
    Ok(row)
}
