//! Disability assessments (мүгедектікті белгілеу / освидетельствование) of a person.

use diesel_async::AsyncConnection as _;
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::registry as pb;
use uuid::Uuid;

use super::convert::{self, parse_id};
use super::{Ctx, Registry, WRITERS, encode_token, page_size, today};
use crate::domain::person::check_assessment;
use crate::store::{idempotency, persons};

impl Registry {
    pub(crate) async fn record_assessment(
        &self,
        ctx: &Ctx,
        req: pb::RecordAssessmentRequest,
    ) -> Result<pb::RecordAssessmentResponse, ApiError> {
        ctx.caller.require(WRITERS)?;
        let person = parse_id("person_id", &req.person_id)?;
        let a = req.assessment.unwrap_or_default();
        let mut conn = self.conn().await?;
        let row = conn
            .transaction(async |conn| {
                let p = persons::get_for_update(conn, person)
                    .await?
                    .ok_or_else(|| ApiError::NotFound {
                        resource: "person",
                        id: person.to_string(),
                    })?;
                let mut v = Violations::new();
                check_assessment(&a, p.birth_date, today(), &mut v);
                let mut scoped = Violations::new();
                scoped.extend_prefixed("assessment", v);
                scoped.into_result()?;
                let row = convert::assessment_row(&a, person, crate::api::now());
                if let Some(first) =
                    idempotency::claim(conn, "RecordAssessment", &req.request_id, row.id).await?
                {
                    return persons::assessments_of(conn, person, None, i64::MAX)
                        .await?
                        .into_iter()
                        .find(|x| x.id == first)
                        .ok_or_else(|| ApiError::Internal("idempotent assessment missing".into()));
                }
                Ok(persons::add_assessment(conn, &row).await?)
            })
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
        let person = parse_id("person_id", &req.person_id)?;
        let limit = page_size(req.page_size)?;
        let after = match super::decode_token(&req.page_token)? {
            None => None,
            Some(pos) => {
                let bad = || ApiError::invalid("page_token", "is not a token this service issued");
                let (d, id) = pos.split_once('/').ok_or_else(bad)?;
                Some((
                    d.parse().map_err(|_| bad())?,
                    Uuid::parse_str(id).map_err(|_| bad())?,
                ))
            }
        };
        let mut conn = self.conn().await?;
        self.authorize_person(&mut conn, ctx, "ListAssessments", person)
            .await?;
        let rows = persons::assessments_of(&mut conn, person, after, limit + 1).await?;
        let more = rows.len() as i64 > limit;
        let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
        let next = if more {
            rows.last()
                .map(|r| encode_token(&format!("{}/{}", r.established_on, r.id)))
        } else {
            None
        };
        self.audit_persons(ctx, "ListAssessments", [person], None)
            .await?;
        Ok(pb::ListAssessmentsResponse {
            assessments: rows.iter().map(convert::assessment).collect(),
            next_page_token: next.unwrap_or_default(),
        })
    }
}
