//! Disability assessments (мүгедектікті белгілеу / освидетельствование) of a person.

use chrono::NaiveDate;
use diesel_async::AsyncConnection as _;
use onaltu_api::{decode_token, encode_token, now, page_size, parse_id, today};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::registry as pb;
use prost::Message as _;
use uuid::Uuid;

use super::idempotent::Key;
use super::persons::decode::{AssessmentInput, assessment_row};
use super::{Registry, WRITERS, convert, idempotent};
use crate::store::persons::AssessmentRow;
use crate::store::{Conn, persons};
use onaltu_api::Ctx;

/// ListAssessments, decoded: whose, and the page.
#[derive(Debug)]
struct AssessmentPage {
    person: Uuid,
    /// The date and id of the last assessment of the previous page.
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
}

impl TryFrom<pb::ListAssessmentsRequest> for AssessmentPage {
    type Error = ApiError;

    fn try_from(req: pb::ListAssessmentsRequest) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        let person = v.take(parse_id("person_id", &req.person_id));
        let limit = v.take(page_size(req.page_size));
        let after = v.take(
            decode_token(&req.page_token).and_then(|pos| pos.map(|pos| position(&pos)).transpose()),
        );
        v.finish(AssessmentPage {
            person,
            after,
            limit,
        })
    }
}

/// The position a page token of ListAssessments stands for: `<established_on>/<id>`.
fn position(token: &str) -> Result<(NaiveDate, Uuid), ApiError> {
    let bad = || ApiError::invalid("page_token", "is not a token this service issued");
    let (d, id) = token.split_once('/').ok_or_else(bad)?;
    Ok((
        d.parse().map_err(|_| bad())?,
        Uuid::parse_str(id).map_err(|_| bad())?,
    ))
}

impl Registry {
    /// Records an assessment of `input.person` in one transaction, checked against the
    /// person's age; a retry of the same request by the same caller answers the assessment it
    /// recorded.
    async fn add_assessment(
        conn: &mut Conn,
        input: &AssessmentInput,
        key: Option<&Key>,
    ) -> Result<AssessmentRow, ApiError> {
        let person = input.person;
        let p = persons::get_for_update(conn, person)
            .await?
            .ok_or_else(|| ApiError::NotFound {
                resource: "person",
                id: person.to_string(),
            })?;
        if let Some(first) = idempotent::replayed(conn, key).await? {
            return persons::assessments_of(conn, person, None, i64::MAX)
                .await?
                .into_iter()
                .find(|x| x.id == first)
                .ok_or_else(|| ApiError::Internal("a remembered assessment is missing".into()));
        }
        let mut v = Violations::new();
        let row = assessment_row(
            "assessment",
            &input.assessment,
            person,
            p.birth_date,
            today(),
            now(),
            &mut v,
        );
        v.into_result()?;
        let row = persons::add_assessment(conn, &row).await?;
        idempotent::remember(conn, key, row.id).await?;
        Ok(row)
    }

    pub(crate) async fn record_assessment(
        &self,
        ctx: &Ctx,
        req: pb::RecordAssessmentRequest,
    ) -> Result<pb::RecordAssessmentResponse, ApiError> {
        ctx.caller.require(WRITERS)?;
        let body = req.encode_to_vec();
        let input = AssessmentInput::try_from(req)?;
        let key = idempotent::key(ctx, "RecordAssessment", input.request_id, &body);
        let person = input.person;
        let mut conn = self.conn().await?;
        let row = conn
            .transaction(async |conn| Self::add_assessment(conn, &input, key.as_ref()).await)
            .await?;
        self.invalidate_person(person).await;
        self.audit_persons(ctx, "RecordAssessment", [person], None)
            .await?;
        Ok(pb::RecordAssessmentResponse {
            assessment: Some(convert::assessment(&row)),
        })
    }

    pub(crate) async fn list_assessments(
        &self,
        ctx: &Ctx,
        req: pb::ListAssessmentsRequest,
    ) -> Result<pb::ListAssessmentsResponse, ApiError> {
        let page = AssessmentPage::try_from(req)?;
        let person = page.person;
        let mut conn = self.conn().await?;
        self.authorize_person(&mut conn, ctx, "ListAssessments", person)
            .await?;
        let rows = persons::assessments_of(&mut conn, person, page.after, page.limit + 1).await?;
        let more = rows.len() as i64 > page.limit;
        let rows: Vec<_> = rows.into_iter().take(page.limit as usize).collect();
        let next = rows
            .last()
            .filter(|_| more)
            .map(|r| encode_token(&format!("{}/{}", r.established_on, r.id)));
        self.audit_persons(ctx, "ListAssessments", [person], None)
            .await?;
        Ok(pb::ListAssessmentsResponse {
            assessments: rows.iter().map(convert::assessment).collect(),
            next_page_token: next.unwrap_or_default(),
        })
    }
}
