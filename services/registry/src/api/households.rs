//! Households (отбасы / семья) with their social support, and children's education.

mod decode;

use diesel_async::AsyncConnection as _;
use onaltu_api::{check_etag, now, parse_id, today};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::registry as pb;
use prost::Message as _;
use uuid::Uuid;

use self::decode::{EducationInput, HouseholdInput};
use super::idempotent::Key;
use super::persons::{STATS_GENERATION, person_key};
use super::{Registry, WRITERS, convert, idempotent};
use crate::domain::household::{check_child, check_members_exist};
use crate::store::households::{self, HouseholdRecord};
use crate::store::{Conn, persons};

fn household_not_found(id: Uuid) -> ApiError {
    ApiError::NotFound {
        resource: "household",
        id: id.to_string(),
    }
}
use onaltu_api::Ctx;

impl Registry {
    /// Saves a household in one transaction; whether it was created. A retry of the same
    /// request by the same caller answers the household as it now stands, and whether the
    /// first call created it.
    async fn save_household(
        conn: &mut Conn,
        input: &HouseholdInput,
        key: Option<&Key>,
    ) -> Result<(HouseholdRecord, bool), ApiError> {
        if let Some(first) = idempotent::replayed(conn, key).await? {
            let record = households::get(conn, first)
                .await?
                .ok_or_else(|| household_not_found(first))?;
            return Ok((record, input.id.is_none()));
        }
        let found = persons::existing(conn, &input.linked()).await?;
        let mut v = Violations::new();
        check_members_exist(&input.members, &found, &mut v);
        v.into_result()?;
        let existing = match input.id {
            Some(id) => Some(
                households::get(conn, id)
                    .await?
                    .ok_or_else(|| household_not_found(id))?,
            ),
            None => None,
        };
        let id = input.id.unwrap_or_else(Uuid::now_v7);
        if let Some(e) = &existing {
            check_etag(&input.etag, e.household.version, "household")?;
        }
        let record = input.record(id, existing.as_ref(), now());
        households::save(conn, &record, existing.is_none()).await?;
        idempotent::remember(conn, key, id).await?;
        Ok((record, existing.is_none()))
    }

    pub(crate) async fn upsert_household(
        &self,
        ctx: &Ctx,
        req: pb::UpsertHouseholdRequest,
    ) -> Result<pb::UpsertHouseholdResponse, ApiError> {
        ctx.caller.require(WRITERS)?;
        let body = req.encode_to_vec();
        let input = HouseholdInput::decode(req, today())?;
        let key = idempotent::key(ctx, "UpsertHousehold", input.request_id, &body);
        let mut conn = self.conn().await?;
        let (record, created) = conn
            .transaction(async |conn| Self::save_household(conn, &input, key.as_ref()).await)
            .await?;
        let linked = input.linked();
        for p in &linked {
            self.cache.invalidate(&[person_key(*p)]).await;
        }
        self.cache.bump(STATS_GENERATION).await;
        self.audit_persons(ctx, "UpsertHousehold", linked, None)
            .await?;
        Ok(pb::UpsertHouseholdResponse {
            household: Some(convert::household(&record)),
            created,
        })
    }

    pub(crate) async fn get_household(
        &self,
        ctx: &Ctx,
        req: pb::GetHouseholdRequest,
    ) -> Result<pb::GetHouseholdResponse, ApiError> {
        let person = parse_id("person_id", &req.person_id)?;
        let mut conn = self.conn().await?;
        self.authorize_person(&mut conn, ctx, "GetHousehold", person)
            .await?;
        let record = households::of_person(&mut conn, person)
            .await?
            .ok_or_else(|| ApiError::NotFound {
                resource: "household",
                id: format!("of person {person}"),
            })?;
        self.audit_persons(ctx, "GetHousehold", [person], None)
            .await?;
        Ok(pb::GetHouseholdResponse {
            household: Some(convert::household(&record)),
        })
    }

    pub(crate) async fn set_education_status(
        &self,
        ctx: &Ctx,
        req: pb::SetEducationStatusRequest,
    ) -> Result<pb::SetEducationStatusResponse, ApiError> {
        ctx.caller.require(WRITERS)?;
        let input = EducationInput::decode(req, today(), now())?;
        let person = input.person;
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let p = persons::get_for_update(conn, person)
                .await?
                .ok_or_else(|| ApiError::NotFound {
                    resource: "person",
                    id: person.to_string(),
                })?;
            check_child(person, p.birth_date, input.row.as_of)?;
            persons::upsert_education(conn, &input.row).await?;
            Ok::<_, ApiError>(())
        })
        .await?;
        self.invalidate_person(person).await;
        self.audit_persons(ctx, "SetEducationStatus", [person], None)
            .await?;
        Ok(pb::SetEducationStatusResponse {
            education: Some(convert::education(&input.row)),
        })
    }
}
