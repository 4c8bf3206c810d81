//! The typed inputs of CreatePerson and UpdatePerson, decoded in one step with every violation.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use onaltu_api::{parse_id, parse_opt_id};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::registry as pb;
use uuid::Uuid;

use crate::api::convert;
use crate::domain::person::{Updatable, check_assessment, check_person, update_mask_field};
use crate::store::persons::{AssessmentRow, PersonRow};

/// A person's row from a message, its violations recorded in `v` under `prefix`; `None` when
/// the IIN does not decode (nothing else can be known then). The id is `id`.
pub(crate) fn person_row(
    prefix: &str,
    p: &pb::Person,
    id: Uuid,
    regions: &HashSet<String>,
    today: NaiveDate,
    now: DateTime<Utc>,
    v: &mut Violations,
) -> Option<PersonRow> {
    let mut inner = Violations::new();
    let checked = check_person(p, today, regions, &mut inner);
    v.extend_prefixed(prefix, inner);
    let (birth_date, sex) = checked?;
    let needs = p.needs.unwrap_or_default();
    Some(PersonRow {
        id,
        iin: p.iin.clone(),
        surname: p.surname.trim().to_string(),
        given_name: p.given_name.trim().to_string(),
        patronymic: p.patronymic.trim().to_string(),
        birth_date,
        sex: sex as i16,
        region_code: p.region_code.clone(),
        district: p.district.trim().to_string(),
        address: p.address.trim().to_string(),
        latitude: p.location.as_ref().map(|l| l.latitude),
        longitude: p.location.as_ref().map(|l| l.longitude),
        phone: p.phone.clone(),
        preferred_language: p.preferred_language as i16,
        wheelchair_user: needs.wheelchair_user,
        needs_escort: needs.needs_escort,
        visual_impairment: needs.visual_impairment,
        hearing_impairment: needs.hearing_impairment,
        sign_language: needs.sign_language,
        intellectual_disability: needs.intellectual_disability,
        legally_incapacitated: p.legally_incapacitated,
        household_id: None,
        current_group: 0,
        current_cause: 0,
        current_nosology: 0,
        registered_on: today,
        create_time: now,
        update_time: now,
        version: 1,
    })
}

/// An assessment of the person `person` born on `birth`, its violations recorded in `v` under
/// `prefix`.
pub(crate) fn assessment_row(
    prefix: &str,
    a: &pb::Assessment,
    person: Uuid,
    birth: NaiveDate,
    today: NaiveDate,
    now: DateTime<Utc>,
    v: &mut Violations,
) -> AssessmentRow {
    let mut inner = Violations::new();
    check_assessment(a, birth, today, &mut inner);
    v.extend_prefixed(prefix, inner);
    convert::assessment_row(a, person, now)
}

/// The legal representatives named by a person, each malformed id recorded in `v`.
fn representative_ids(p: &pb::Person, v: &mut Violations) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = p
        .legal_representative_ids
        .iter()
        .enumerate()
        .filter_map(|(i, s)| parse_opt_id(&format!("person.legal_representative_ids[{i}]"), s, v))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// CreatePerson, decoded.
#[derive(Debug)]
pub(crate) struct NewPerson {
    /// The caller's key for retries.
    pub request_id: Option<Uuid>,
    /// The person's row, with its new id.
    pub row: PersonRow,
    /// Who legally represents the person.
    pub representatives: Vec<Uuid>,
    /// The current assessment, when given.
    pub assessment: Option<AssessmentRow>,
}

impl NewPerson {
    /// Decodes a CreatePerson request against the region codes and the date of `now`.
    pub(crate) fn decode(
        req: pb::CreatePersonRequest,
        regions: &HashSet<String>,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Self, ApiError> {
        let p = req.person.unwrap_or_default();
        let mut v = Violations::new();
        let request_id = crate::api::idempotent::request_id(&req.request_id, &mut v);
        let id = Uuid::now_v7();
        let row = person_row("person", &p, id, regions, today, now, &mut v);
        let representatives = representative_ids(&p, &mut v);
        let assessment = match (&p.current_assessment, &row) {
            (Some(a), Some(r)) => Some(assessment_row(
                "person.current_assessment",
                a,
                id,
                r.birth_date,
                today,
                now,
                &mut v,
            )),
            _ => None,
        };
        v.finish(NewPerson {
            request_id,
            row: row.unwrap_or_default(),
            representatives,
            assessment,
        })
    }
}

/// RecordAssessment, decoded as far as it can be without the person: whose, and the caller's
/// key for retries. The assessment itself is checked against the person's birth date.
#[derive(Debug)]
pub(crate) struct AssessmentInput {
    /// The person assessed.
    pub person: Uuid,
    /// The caller's key for retries.
    pub request_id: Option<Uuid>,
    /// The assessment as sent.
    pub assessment: pb::Assessment,
}

impl TryFrom<pb::RecordAssessmentRequest> for AssessmentInput {
    type Error = ApiError;

    fn try_from(req: pb::RecordAssessmentRequest) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        let request_id = crate::api::idempotent::request_id(&req.request_id, &mut v);
        let person = v.take(parse_id("person_id", &req.person_id));
        v.finish(Self {
            person,
            request_id,
            assessment: req.assessment.unwrap_or_default(),
        })
    }
}

/// UpdatePerson, decoded: which fields change, to what.
#[derive(Debug)]
pub(crate) struct PersonUpdate {
    /// The person updated.
    pub id: Uuid,
    /// The version the caller read, if given.
    pub etag: String,
    /// The fields named by the mask.
    pub fields: Vec<Updatable>,
    /// The new legal representatives, when the mask names them.
    pub representatives: Option<Vec<Uuid>>,
    /// The values of the fields.
    pub values: pb::Person,
}

impl TryFrom<pb::UpdatePersonRequest> for PersonUpdate {
    type Error = ApiError;

    fn try_from(req: pb::UpdatePersonRequest) -> Result<Self, ApiError> {
        let values = req.person.unwrap_or_default();
        let mut v = Violations::new();
        let id = v.take(parse_id("person.id", &values.id));
        let paths = req.update_mask.map(|m| m.paths).unwrap_or_default();
        v.check(
            !paths.is_empty(),
            "update_mask",
            "name the fields to update",
        );
        let mut fields = Vec::with_capacity(paths.len());
        for path in &paths {
            match update_mask_field(path) {
                Ok(field) => fields.push(field),
                Err((field, why)) => v.add(field, why),
            }
        }
        let representatives = fields
            .contains(&Updatable::LegalRepresentatives)
            .then(|| representative_ids(&values, &mut v));
        v.finish(PersonUpdate {
            id,
            etag: values.etag.clone(),
            fields,
            representatives,
            values,
        })
    }
}

impl PersonUpdate {
    /// `current` with the named fields changed, checked against every rule a new person must
    /// satisfy.
    pub(crate) fn apply(
        &self,
        current: &PersonRow,
        regions: &HashSet<String>,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<PersonRow, ApiError> {
        let mut next = current.clone();
        for field in &self.fields {
            set_field(&mut next, *field, &self.values);
        }
        let as_message = pb::Person {
            iin: next.iin.clone(),
            surname: next.surname.clone(),
            given_name: next.given_name.clone(),
            patronymic: next.patronymic.clone(),
            region_code: next.region_code.clone(),
            district: next.district.clone(),
            address: next.address.clone(),
            phone: next.phone.clone(),
            preferred_language: i32::from(next.preferred_language),
            location: self
                .values
                .location
                .filter(|_| self.fields.contains(&Updatable::Location)),
            ..pb::Person::default()
        };
        let mut check = Violations::new();
        check_person(&as_message, today, regions, &mut check);
        let mut v = Violations::new();
        v.extend_prefixed("person", check);
        next.update_time = now;
        next.version = current.version + 1;
        v.finish(next)
    }
}

/// Sets one updatable field of `row` from `p`.
fn set_field(row: &mut PersonRow, field: Updatable, p: &pb::Person) {
    match field {
        Updatable::Surname => row.surname = p.surname.trim().to_string(),
        Updatable::GivenName => row.given_name = p.given_name.trim().to_string(),
        Updatable::Patronymic => row.patronymic = p.patronymic.trim().to_string(),
        Updatable::RegionCode => row.region_code = p.region_code.clone(),
        Updatable::District => row.district = p.district.trim().to_string(),
        Updatable::Address => row.address = p.address.trim().to_string(),
        Updatable::Location => {
            row.latitude = p.location.as_ref().map(|l| l.latitude);
            row.longitude = p.location.as_ref().map(|l| l.longitude);
        }
        Updatable::Phone => row.phone = p.phone.clone(),
        Updatable::PreferredLanguage => row.preferred_language = p.preferred_language as i16,
        Updatable::LegallyIncapacitated => row.legally_incapacitated = p.legally_incapacitated,
        Updatable::Needs(which) => set_needs(row, which, p.needs.unwrap_or_default()),
        // Representatives live in their own table.
        Updatable::LegalRepresentatives => {}
    }
}

/// Sets every need (`None`) or the one numbered `which` (as in [`Updatable::Needs`]).
fn set_needs(row: &mut PersonRow, which: Option<usize>, needs: pb::Needs) {
    let flags = [
        &mut row.wheelchair_user,
        &mut row.needs_escort,
        &mut row.visual_impairment,
        &mut row.hearing_impairment,
        &mut row.sign_language,
        &mut row.intellectual_disability,
    ];
    let given = [
        needs.wheelchair_user,
        needs.needs_escort,
        needs.visual_impairment,
        needs.hearing_impairment,
        needs.sign_language,
        needs.intellectual_disability,
    ];
    for (i, (flag, value)) in flags.into_iter().zip(given).enumerate() {
        if which.is_none_or(|w| w == i) {
            *flag = value;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn regions() -> HashSet<String> {
        ["KZ-71".to_string()].into()
    }

    fn person() -> pb::Person {
        pb::Person {
            iin: "920315300014".into(),
            surname: "Серікбаев".into(),
            given_name: "Асқар".into(),
            region_code: "KZ-71".into(),
            ..pb::Person::default()
        }
    }

    fn fields(err: ApiError) -> Vec<String> {
        let paths = err.field_paths().expect("INVALID_ARGUMENT");
        paths.into_iter().map(String::from).collect()
    }

    #[test]
    fn a_new_person_is_decoded_whole_or_refused_with_every_violation() {
        let req = pb::CreatePersonRequest {
            request_id: "r".into(),
            person: Some(pb::Person {
                legal_representative_ids: vec!["x".into()],
                current_assessment: Some(pb::Assessment::default()),
                ..person()
            }),
        };
        let err = NewPerson::decode(req, &regions(), today(), Utc::now()).unwrap_err();
        assert_eq!(
            fields(err),
            [
                "request_id",
                "person.legal_representative_ids[0]",
                "person.current_assessment.group",
                "person.current_assessment.cause",
                "person.current_assessment.established_on",
            ]
        );
        let req = pb::CreatePersonRequest {
            request_id: Uuid::from_u128(7).to_string(),
            person: Some(person()),
        };
        let new = NewPerson::decode(req, &regions(), today(), Utc::now()).unwrap();
        assert_eq!(new.request_id, Some(Uuid::from_u128(7)));
        assert_eq!(
            new.row.birth_date,
            NaiveDate::from_ymd_opt(1992, 3, 15).unwrap()
        );
        assert_ne!(new.row.id, Uuid::nil());
    }

    #[test]
    fn an_update_names_its_fields_and_changes_only_those() {
        let err = PersonUpdate::try_from(pb::UpdatePersonRequest::default()).unwrap_err();
        assert_eq!(fields(err), ["person.id", "update_mask"]);
        let current = PersonRow {
            iin: "920315300014".into(),
            surname: "Серікбаев".into(),
            given_name: "Асқар".into(),
            region_code: "KZ-71".into(),
            wheelchair_user: true,
            version: 3,
            ..PersonRow::default()
        };
        let update = PersonUpdate::try_from(pb::UpdatePersonRequest {
            person: Some(pb::Person {
                id: Uuid::from_u128(1).to_string(),
                district: " Сарыарқа ".into(),
                surname: "ignored".into(),
                needs: Some(pb::Needs {
                    needs_escort: true,
                    ..pb::Needs::default()
                }),
                ..pb::Person::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["district".into(), "needs.needs_escort".into()],
            }),
        })
        .unwrap();
        let next = update
            .apply(&current, &regions(), today(), Utc::now())
            .unwrap();
        assert_eq!(next.district, "Сарыарқа");
        assert_eq!(next.surname, current.surname);
        assert!(next.needs_escort && next.wheelchair_user);
        assert_eq!(next.version, 4);
    }
}
