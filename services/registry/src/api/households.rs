//! Households (отбасы / семья) with their social support, and children's education.

use diesel_async::AsyncConnection as _;
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::registry as pb;
use uuid::Uuid;

use super::convert::parse_id;
use super::persons::{STATS_GENERATION, person_key};
use super::{Ctx, Registry, WRITERS, convert, today};
use crate::domain::household::{
    check_child, check_education, check_household, check_members_exist,
};
use crate::store::households::{AidRow, HouseholdRecord, HouseholdRow, MemberRow};
use crate::store::idempotency;
use crate::store::persons::{self, EducationRow};

impl Registry {
    pub(crate) async fn upsert_household(
        &self,
        ctx: &Ctx,
        req: pb::UpsertHouseholdRequest,
    ) -> Result<pb::UpsertHouseholdResponse, ApiError> {
        ctx.caller.require(WRITERS)?;
        let h = req.household.unwrap_or_default();
        let mut v = Violations::new();
        let (id, members, aid) = check_household(&h, today(), &mut v);
        let support = h.social_support.clone().unwrap_or_default();
        v.into_result()?;
        let linked: Vec<Uuid> = members.iter().filter_map(|m| m.person).collect();
        let mut conn = self.conn().await?;
        let (record, created) = conn
            .transaction(async |conn| {
                let found = persons::existing(conn, &linked).await?;
                let mut v = Violations::new();
                check_members_exist(&members, &found, &mut v);
                v.into_result()?;
                let existing = match id {
                    Some(id) => Some(crate::store::households::get(conn, id).await?.ok_or_else(
                        || ApiError::NotFound {
                            resource: "household",
                            id: id.to_string(),
                        },
                    )?),
                    None => None,
                };
                let new_id = id.unwrap_or_else(Uuid::now_v7);
                if existing.is_none()
                    && let Some(first) =
                        idempotency::claim(conn, "UpsertHousehold", &req.request_id, new_id).await?
                {
                    let record = crate::store::households::get(conn, first)
                        .await?
                        .ok_or_else(|| ApiError::Internal("idempotent household missing".into()))?;
                    return Ok::<_, ApiError>((record, false));
                }
                if let Some(e) = &existing {
                    super::check_etag(&h.etag, e.household.version, "household")?;
                }
                let now = crate::api::now();
                let record = HouseholdRecord {
                    household: HouseholdRow {
                        id: new_id,
                        special_needs_children_count: h.special_needs_children_count,
                        housing_status: h.housing_status as i16,
                        benefits: support.benefits.iter().map(|b| *b as i16).collect(),
                        create_time: existing
                            .as_ref()
                            .map(|e| e.household.create_time)
                            .unwrap_or(now),
                        update_time: now,
                        version: existing
                            .as_ref()
                            .map(|e| e.household.version + 1)
                            .unwrap_or(1),
                    },
                    members: members
                        .iter()
                        .enumerate()
                        .map(|(i, m)| MemberRow {
                            household_id: new_id,
                            position: i as i32,
                            person_id: m.person,
                            full_name: m.full_name.clone(),
                            birth_date: m.birth_date,
                            relation: m.relation,
                            has_disability: m.has_disability,
                        })
                        .collect(),
                    aid: aid
                        .iter()
                        .enumerate()
                        .map(|(i, a)| AidRow {
                            household_id: new_id,
                            position: i as i32,
                            paid_on: a.paid_on,
                            amount_minor: a.amount_minor,
                            purpose: a.purpose.clone(),
                        })
                        .collect(),
                };
                crate::store::households::save(conn, &record, existing.is_none()).await?;
                Ok((record, existing.is_none()))
            })
            .await?;
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
        let record = crate::store::households::of_person(&mut conn, person)
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
        let person = parse_id("person_id", &req.person_id)?;
        let e = req.education.unwrap_or_default();
        let mut v = Violations::new();
        let as_of = check_education(&e, today(), &mut v);
        v.into_result()?;
        let mut conn = self.conn().await?;
        let row = conn
            .transaction(async |conn| {
                let p = persons::get_for_update(conn, person)
                    .await?
                    .ok_or_else(|| ApiError::NotFound {
                        resource: "person",
                        id: person.to_string(),
                    })?;
                check_child(person, p.birth_date, as_of)?;
                let row = EducationRow {
                    person_id: person,
                    status: e.status as i16,
                    has_tutor: e.has_tutor,
                    home_schooling_quality_note: e.home_schooling_quality_note.trim().to_string(),
                    as_of,
                    update_time: crate::api::now(),
                };
                persons::upsert_education(conn, &row).await?;
                Ok::<_, ApiError>(row)
            })
            .await?;
        self.invalidate_person(person).await;
        self.audit_persons(ctx, "SetEducationStatus", [person], None)
            .await?;
        Ok(pb::SetEducationStatusResponse {
            education: Some(convert::education(&row)),
        })
    }
}
