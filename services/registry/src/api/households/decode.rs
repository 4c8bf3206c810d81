//! The typed inputs of UpsertHousehold and SetEducationStatus, decoded in one step with every
//! violation.

use chrono::{DateTime, NaiveDate, Utc};
use onaltu_api::parse_id;
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::registry as pb;
use uuid::Uuid;

use crate::domain::household::{Aid, Member, check_education, check_household};
use crate::store::households::{AidRow, HouseholdRecord, HouseholdRow, MemberRow};
use crate::store::persons::EducationRow;

/// UpsertHousehold, decoded.
#[derive(Debug)]
pub(crate) struct HouseholdInput {
    /// The caller's key for retries.
    pub request_id: Option<Uuid>,
    /// The household updated; `None` creates one.
    pub id: Option<Uuid>,
    /// The version the caller read, if given.
    pub etag: String,
    /// Members, in order.
    pub members: Vec<Member>,
    /// One-time aid paid, in order.
    pub aid: Vec<Aid>,
    /// Children with special needs.
    pub special_needs_children_count: i32,
    /// Housing status.
    pub housing_status: i16,
    /// Benefits received.
    pub benefits: Vec<i16>,
}

impl HouseholdInput {
    /// Decodes an UpsertHousehold request on `today`.
    pub(crate) fn decode(
        req: pb::UpsertHouseholdRequest,
        today: NaiveDate,
    ) -> Result<Self, ApiError> {
        let h = req.household.unwrap_or_default();
        let mut v = Violations::new();
        let request_id = crate::api::idempotent::request_id(&req.request_id, &mut v);
        let (id, members, aid) = check_household(&h, today, &mut v);
        let support = h.social_support.unwrap_or_default();
        v.finish(HouseholdInput {
            request_id,
            id,
            etag: h.etag,
            members,
            aid,
            special_needs_children_count: h.special_needs_children_count,
            housing_status: h.housing_status as i16,
            benefits: support.benefits.iter().map(|b| *b as i16).collect(),
        })
    }

    /// The members who are persons of the registry.
    pub(crate) fn linked(&self) -> Vec<Uuid> {
        self.members.iter().filter_map(|m| m.person).collect()
    }

    /// The household as stored under `id`, succeeding `existing` if any.
    pub(crate) fn record(
        &self,
        id: Uuid,
        existing: Option<&HouseholdRecord>,
        now: DateTime<Utc>,
    ) -> HouseholdRecord {
        HouseholdRecord {
            household: HouseholdRow {
                id,
                special_needs_children_count: self.special_needs_children_count,
                housing_status: self.housing_status,
                benefits: self.benefits.clone(),
                create_time: existing.map_or(now, |e| e.household.create_time),
                update_time: now,
                version: existing.map_or(1, |e| e.household.version + 1),
            },
            members: self
                .members
                .iter()
                .zip(0..)
                .map(|(m, position)| MemberRow {
                    household_id: id,
                    position,
                    person_id: m.person,
                    full_name: m.full_name.clone(),
                    birth_date: m.birth_date,
                    relation: m.relation,
                    has_disability: m.has_disability,
                })
                .collect(),
            aid: self
                .aid
                .iter()
                .zip(0..)
                .map(|(a, position)| AidRow {
                    household_id: id,
                    position,
                    paid_on: a.paid_on,
                    amount_minor: a.amount_minor,
                    purpose: a.purpose.clone(),
                })
                .collect(),
        }
    }
}

/// SetEducationStatus, decoded.
#[derive(Debug)]
pub(crate) struct EducationInput {
    /// The child.
    pub person: Uuid,
    /// The education as it will be stored (its time set when written).
    pub row: EducationRow,
}

impl EducationInput {
    /// Decodes a SetEducationStatus request on `today`.
    pub(crate) fn decode(
        req: pb::SetEducationStatusRequest,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        let person = v.take(parse_id("person_id", &req.person_id));
        let e = req.education.unwrap_or_default();
        let as_of = check_education(&e, today, &mut v);
        v.finish(EducationInput {
            person,
            row: EducationRow {
                person_id: person,
                status: e.status as i16,
                has_tutor: e.has_tutor,
                home_schooling_quality_note: e.home_schooling_quality_note.trim().to_string(),
                as_of,
                update_time: now,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
    }

    fn fields(err: ApiError) -> Vec<String> {
        let paths = err.field_paths().expect("INVALID_ARGUMENT");
        paths.into_iter().map(String::from).collect()
    }

    #[test]
    fn an_education_names_its_child_and_a_known_status() {
        let err = EducationInput::decode(
            pb::SetEducationStatusRequest::default(),
            today(),
            Utc::now(),
        )
        .unwrap_err();
        assert_eq!(fields(err), ["person_id", "education.status"]);
    }

    #[test]
    fn a_household_keeps_its_members_in_order_and_succeeds_the_stored_one() {
        let member = |name: &str| pb::HouseholdMember {
            full_name: name.into(),
            ..pb::HouseholdMember::default()
        };
        let input = HouseholdInput::decode(
            pb::UpsertHouseholdRequest {
                request_id: Uuid::from_u128(9).to_string(),
                household: Some(pb::Household {
                    members: vec![member("Айгүл"), member("Ерлан")],
                    ..pb::Household::default()
                }),
                ..pb::UpsertHouseholdRequest::default()
            },
            today(),
        )
        .unwrap();
        let id = Uuid::from_u128(1);
        let first = input.record(id, None, Utc::now());
        assert_eq!(first.household.version, 1);
        let names: Vec<_> = first
            .members
            .iter()
            .map(|m| (m.position, m.full_name.as_str()))
            .collect();
        assert_eq!(names, [(0, "Айгүл"), (1, "Ерлан")]);
        assert_eq!(
            input.record(id, Some(&first), Utc::now()).household.version,
            2
        );
    }
}
