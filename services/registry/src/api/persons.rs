//! Persons: registration, reading (cached, audited), updates by field mask, and lists. Who may
//! see a record is in `access.rs`; the rules of a person are in `domain::person`.

use diesel_async::AsyncConnection as _;
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::registry as pb;
use uuid::Uuid;

use super::convert::{self, parse_id, parse_opt_id};
use super::{Ctx, READ_ALL, Registry, WRITERS, today};
use crate::domain::person::{check_assessment, check_person, update_mask_field};
use crate::store::persons::{self, PersonRecord, PersonRow};
use crate::store::{Conn, idempotency};

/// Cache key of a person's record: the id only, never the IIN.
pub fn person_key(id: Uuid) -> String {
    format!("person:{id}")
}

/// The person cube and every cached statistic change with any person's write.
pub const STATS_GENERATION: &str = "statistics";

impl Registry {
    pub(super) async fn load_record(
        &self,
        conn: &mut Conn,
        id: Uuid,
    ) -> Result<PersonRecord, ApiError> {
        let row = persons::get(conn, id)
            .await?
            .ok_or_else(|| ApiError::NotFound {
                resource: "person",
                id: id.to_string(),
            })?;
        let mut records = persons::records(conn, vec![row]).await?;
        records
            .pop()
            .ok_or_else(|| ApiError::Internal("record vanished".into()))
    }

    /// After a committed write of a person: the record as it now stands, caches retired, and
    /// the write audited.
    async fn person_written(
        &self,
        conn: &mut Conn,
        ctx: &Ctx,
        action: &str,
        id: Uuid,
    ) -> Result<pb::Person, ApiError> {
        let record = self.load_record(conn, id).await?;
        self.invalidate_person(id).await;
        self.audit_persons(ctx, action, [id], None).await?;
        Ok(convert::person(&record))
    }

    pub(super) async fn invalidate_person(&self, id: Uuid) {
        self.cache.invalidate(&[person_key(id)]).await;
        self.cache.bump(STATS_GENERATION).await;
    }

    /// Validates a person message into a row; `id` and bookkeeping are set by the caller.
    pub(crate) fn person_row(&self, p: &pb::Person, v: &mut Violations) -> Option<PersonRow> {
        let (birth_date, sex) = check_person(p, today(), &self.regions, v)?;
        let needs = p.needs.unwrap_or_default();
        let now = crate::api::now();
        Some(PersonRow {
            id: Uuid::nil(),
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
            registered_on: today(),
            create_time: now,
            update_time: now,
            version: 1,
        })
    }

    fn representative_ids(p: &pb::Person, v: &mut Violations) -> Vec<Uuid> {
        let mut ids = Vec::new();
        for (i, s) in p.legal_representative_ids.iter().enumerate() {
            if let Some(id) = parse_opt_id(&format!("person.legal_representative_ids[{i}]"), s, v) {
                ids.push(id);
            }
        }
        ids.sort();
        ids.dedup();
        ids
    }

    async fn check_representatives(
        conn: &mut Conn,
        person: Uuid,
        reps: &[Uuid],
    ) -> Result<(), ApiError> {
        if reps.contains(&person) {
            return Err(ApiError::invalid(
                "person.legal_representative_ids",
                "a person cannot represent themselves",
            ));
        }
        let found = persons::existing(conn, reps).await?;
        let mut v = Violations::new();
        for (i, r) in reps.iter().enumerate() {
            v.check(
                found.contains(r),
                format!("person.legal_representative_ids[{i}]"),
                "no such person",
            );
        }
        v.into_result()
    }

    pub(crate) async fn create_person(
        &self,
        ctx: &Ctx,
        req: pb::CreatePersonRequest,
    ) -> Result<pb::CreatePersonResponse, ApiError> {
        ctx.caller.require(WRITERS)?;
        let p = req.person.unwrap_or_default();
        let mut v = Violations::new();
        v.check(
            req.request_id.len() <= 100,
            "request_id",
            "must be at most 100 characters",
        );
        let mut inner = Violations::new();
        let row = self.person_row(&p, &mut inner);
        let reps = Self::representative_ids(&p, &mut inner);
        v.extend_prefixed("person", inner);
        let birth = row.as_ref().map(|r| r.birth_date);
        if let (Some(a), Some(birth)) = (&p.current_assessment, birth) {
            let mut av = Violations::new();
            check_assessment(a, birth, today(), &mut av);
            v.extend_prefixed("person.current_assessment", av);
        }
        v.into_result()?;
        let Some(mut row) = row else {
            return Err(ApiError::Internal("validated person without a row".into()));
        };
        let id = Uuid::now_v7();
        row.id = id;
        let mut conn = self.conn().await?;
        let assessment = p.current_assessment.clone();
        let created = conn
            .transaction(async |conn| {
                if let Some(first) =
                    idempotency::claim(conn, "CreatePerson", &req.request_id, id).await?
                {
                    return Ok::<_, ApiError>(first);
                }
                if persons::id_by_iin(conn, &row.iin).await?.is_some() {
                    return Err(ApiError::AlreadyExists {
                        resource: "person",
                        message: "a person with this IIN is already registered".into(),
                    });
                }
                Self::check_representatives(conn, id, &reps).await?;
                persons::insert(conn, std::slice::from_ref(&row)).await?;
                super::events::persons_registered(conn, std::slice::from_ref(&row)).await?;
                persons::set_representatives(conn, id, &reps).await?;
                if let Some(a) = &assessment {
                    persons::add_assessment(
                        conn,
                        &convert::assessment_row(a, id, crate::api::now()),
                    )
                    .await?;
                }
                Ok(id)
            })
            .await?;
        Ok(pb::CreatePersonResponse {
            person: Some(
                self.person_written(&mut conn, ctx, "CreatePerson", created)
                    .await?,
            ),
        })
    }

    pub(crate) async fn get_person(
        &self,
        ctx: &Ctx,
        req: pb::GetPersonRequest,
    ) -> Result<pb::GetPersonResponse, ApiError> {
        let id = parse_id("id", &req.id)?;
        // Roles that read everyone need no database to be authorised, so a cached record is
        // answered without taking a connection.
        if ctx.caller.require(READ_ALL).is_err() {
            let mut conn = self.conn().await?;
            self.authorize_person(&mut conn, ctx, "GetPerson", id)
                .await?;
        }
        let person = self
            .cache
            .get_or_load(&person_key(id), || async {
                let mut conn = self.conn().await?;
                let record = self.load_record(&mut conn, id).await?;
                Ok::<_, ApiError>(convert::person(&record))
            })
            .await?;
        self.audit_persons(ctx, "GetPerson", [id], None).await?;
        Ok(pb::GetPersonResponse {
            person: Some(person),
        })
    }

    pub(crate) async fn update_person(
        &self,
        ctx: &Ctx,
        req: pb::UpdatePersonRequest,
    ) -> Result<pb::UpdatePersonResponse, ApiError> {
        ctx.caller.require(WRITERS)?;
        let p = req.person.unwrap_or_default();
        let id = parse_id("person.id", &p.id)?;
        let paths = req.update_mask.map(|m| m.paths).unwrap_or_default();
        if paths.is_empty() {
            return Err(ApiError::invalid(
                "update_mask",
                "name the fields to update",
            ));
        }
        let mut conn = self.conn().await?;
        let regions = self.regions.clone();
        let updated = conn
            .transaction(async |conn| {
                let current =
                    persons::get_for_update(conn, id)
                        .await?
                        .ok_or_else(|| ApiError::NotFound {
                            resource: "person",
                            id: id.to_string(),
                        })?;
                super::check_etag(&p.etag, current.version, "person")?;
                let mut next = current.clone();
                let mut v = Violations::new();
                let mut reps = None;
                let needs = p.needs.unwrap_or_default();
                for path in &paths {
                    use crate::domain::person::Updatable as U;
                    match update_mask_field(path) {
                        Ok(U::Surname) => next.surname = p.surname.trim().to_string(),
                        Ok(U::GivenName) => next.given_name = p.given_name.trim().to_string(),
                        Ok(U::Patronymic) => next.patronymic = p.patronymic.trim().to_string(),
                        Ok(U::RegionCode) => next.region_code = p.region_code.clone(),
                        Ok(U::District) => next.district = p.district.trim().to_string(),
                        Ok(U::Address) => next.address = p.address.trim().to_string(),
                        Ok(U::Location) => {
                            next.latitude = p.location.as_ref().map(|l| l.latitude);
                            next.longitude = p.location.as_ref().map(|l| l.longitude);
                        }
                        Ok(U::Phone) => next.phone = p.phone.clone(),
                        Ok(U::PreferredLanguage) => {
                            next.preferred_language = p.preferred_language as i16
                        }
                        Ok(U::LegallyIncapacitated) => {
                            next.legally_incapacitated = p.legally_incapacitated
                        }
                        Ok(U::Needs(which)) => {
                            let mut flags = [
                                &mut next.wheelchair_user,
                                &mut next.needs_escort,
                                &mut next.visual_impairment,
                                &mut next.hearing_impairment,
                                &mut next.sign_language,
                                &mut next.intellectual_disability,
                            ];
                            let given = [
                                needs.wheelchair_user,
                                needs.needs_escort,
                                needs.visual_impairment,
                                needs.hearing_impairment,
                                needs.sign_language,
                                needs.intellectual_disability,
                            ];
                            for (i, (flag, value)) in flags.iter_mut().zip(given).enumerate() {
                                if which.is_none_or(|w| w == i) {
                                    **flag = value;
                                }
                            }
                        }
                        Ok(U::LegalRepresentatives) => {
                            let mut rv = Violations::new();
                            reps = Some(Self::representative_ids(&p, &mut rv));
                            v.extend_prefixed("person", rv);
                        }
                        Err((field, why)) => v.add(field, why),
                    }
                }
                v.into_result()?;
                // The updated person must satisfy every rule a new one does.
                let mut check = Violations::new();
                let as_message = pb::Person {
                    iin: next.iin.clone(),
                    surname: next.surname.clone(),
                    given_name: next.given_name.clone(),
                    patronymic: next.patronymic.clone(),
                    region_code: next.region_code.clone(),
                    district: next.district.clone(),
                    address: next.address.clone(),
                    phone: next.phone.clone(),
                    preferred_language: next.preferred_language as i32,
                    location: p.location.filter(|_| paths.iter().any(|x| x == "location")),
                    ..pb::Person::default()
                };
                check_person(&as_message, today(), &regions, &mut check);
                let mut scoped = Violations::new();
                scoped.extend_prefixed("person", check);
                scoped.into_result()?;
                if let Some(reps) = &reps {
                    Self::check_representatives(conn, id, reps).await?;
                    persons::set_representatives(conn, id, reps).await?;
                }
                next.update_time = crate::api::now();
                next.version = current.version + 1;
                persons::update(conn, &next).await?;
                Ok::<_, ApiError>(id)
            })
            .await?;
        Ok(pb::UpdatePersonResponse {
            person: Some(
                self.person_written(&mut conn, ctx, "UpdatePerson", updated)
                    .await?,
            ),
        })
    }
}
