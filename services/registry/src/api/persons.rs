//! Persons, assessments, households and education.

use diesel_async::AsyncConnection as _;
use onaltu_auth::Role;
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::registry as pb;
use uuid::Uuid;

use super::convert::{self, parse_id, parse_opt_date, parse_opt_id};
use super::{
    Ctx, READ_ALL, Registry, WRITERS, audit, decode_id_token, encode_token, page_size, today,
};
use crate::domain::person::{age_on, check_assessment, check_person, to_date};
use crate::domain::statistics::birth_bounds;
use crate::store::households::{AidRow, HouseholdRecord, HouseholdRow, MemberRow};
use crate::store::persons::{self, EducationRow, PersonFilter, PersonRecord, PersonRow};
use crate::store::{Conn, idempotency};

/// Cache key of a person's record: the id only, never the IIN.
pub fn person_key(id: Uuid) -> String {
    format!("person:{id}")
}

/// The person cube and every cached statistic change with any person's write.
pub const STATS_GENERATION: &str = "statistics";

impl Registry {
    /// Whether the caller may see `person`'s record; a refusal is itself audited.
    pub(crate) async fn authorize_person(
        &self,
        conn: &mut Conn,
        ctx: &Ctx,
        action: &str,
        person: Uuid,
    ) -> Result<(), ApiError> {
        let claims = ctx.caller.authenticated()?;
        let allowed = match claims.role {
            Role::CityOperator | Role::Auditor | Role::Admin => true,
            Role::Citizen => match claims.person_id {
                Some(own) if own == person => true,
                Some(own) => persons::represents(conn, own, person).await?,
                None => false,
            },
            Role::CenterStaff => match claims.center_id {
                Some(center) => persons::has_episode_at(conn, person, center).await?,
                None => false,
            },
            Role::Dispatcher | Role::Driver | Role::Integration => false,
        };
        if allowed {
            return Ok(());
        }
        self.audit
            .record(vec![audit::event(
                &ctx.caller,
                &ctx.purpose,
                &ctx.trace_id,
                action,
                Some(person),
                None,
                tonic::Code::PermissionDenied,
            )])
            .await?;
        Err(ApiError::PermissionDenied(
            "this person's record is not yours to see".into(),
        ))
    }

    /// Audits reads or writes of `persons` by anyone but those persons themselves; returns
    /// once the events are durable.
    pub(crate) async fn audit_persons(
        &self,
        ctx: &Ctx,
        action: &str,
        persons: impl IntoIterator<Item = Uuid>,
        center: Option<Uuid>,
    ) -> Result<(), ApiError> {
        let own = ctx.own_person();
        let rows: Vec<_> = persons
            .into_iter()
            .filter(|p| Some(*p) != own)
            .map(|p| {
                audit::event(
                    &ctx.caller,
                    &ctx.purpose,
                    &ctx.trace_id,
                    action,
                    Some(p),
                    center,
                    tonic::Code::Ok,
                )
            })
            .collect();
        self.audit.record(rows).await
    }

    async fn load_record(&self, conn: &mut Conn, id: Uuid) -> Result<PersonRecord, ApiError> {
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

    async fn invalidate_person(&self, id: Uuid) {
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

    pub(crate) async fn find_person_by_iin(
        &self,
        ctx: &Ctx,
        req: pb::FindPersonByIinRequest,
    ) -> Result<pb::FindPersonByIinResponse, ApiError> {
        ctx.caller.authenticated()?;
        if let Err(err) = onaltu_kzid::Iin::parse(&req.iin, today()) {
            return Err(ApiError::invalid("iin", err.to_string()));
        }
        let mut conn = self.conn().await?;
        let id = persons::id_by_iin(&mut conn, &req.iin).await?;
        let Some(id) = id else {
            // Only those who may read everyone learn that an IIN is not registered.
            ctx.caller.require(READ_ALL).map_err(|_| {
                ApiError::PermissionDenied("this person's record is not yours to see".into())
            })?;
            return Err(ApiError::NotFound {
                resource: "person",
                id: String::new(),
            });
        };
        self.authorize_person(&mut conn, ctx, "FindPersonByIin", id)
            .await?;
        let record = self.load_record(&mut conn, id).await?;
        self.audit_persons(ctx, "FindPersonByIin", [id], None)
            .await?;
        Ok(pb::FindPersonByIinResponse {
            person: Some(convert::person(&record)),
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
                    match path.as_str() {
                        "surname" => next.surname = p.surname.trim().to_string(),
                        "given_name" => next.given_name = p.given_name.trim().to_string(),
                        "patronymic" => next.patronymic = p.patronymic.trim().to_string(),
                        "region_code" => next.region_code = p.region_code.clone(),
                        "district" => next.district = p.district.trim().to_string(),
                        "address" => next.address = p.address.trim().to_string(),
                        "location" => {
                            next.latitude = p.location.as_ref().map(|l| l.latitude);
                            next.longitude = p.location.as_ref().map(|l| l.longitude);
                        }
                        "phone" => next.phone = p.phone.clone(),
                        "preferred_language" => {
                            next.preferred_language = p.preferred_language as i16
                        }
                        "legally_incapacitated" => {
                            next.legally_incapacitated = p.legally_incapacitated
                        }
                        "needs" => {
                            next.wheelchair_user = needs.wheelchair_user;
                            next.needs_escort = needs.needs_escort;
                            next.visual_impairment = needs.visual_impairment;
                            next.hearing_impairment = needs.hearing_impairment;
                            next.sign_language = needs.sign_language;
                            next.intellectual_disability = needs.intellectual_disability;
                        }
                        "needs.wheelchair_user" => next.wheelchair_user = needs.wheelchair_user,
                        "needs.needs_escort" => next.needs_escort = needs.needs_escort,
                        "needs.visual_impairment" => {
                            next.visual_impairment = needs.visual_impairment
                        }
                        "needs.hearing_impairment" => {
                            next.hearing_impairment = needs.hearing_impairment
                        }
                        "needs.sign_language" => next.sign_language = needs.sign_language,
                        "needs.intellectual_disability" => {
                            next.intellectual_disability = needs.intellectual_disability
                        }
                        "legal_representative_ids" => {
                            let mut rv = Violations::new();
                            reps = Some(Self::representative_ids(&p, &mut rv));
                            v.extend_prefixed("person", rv);
                        }
                        "iin" | "birth_date" | "sex" => v.add(
                            format!("update_mask.{path}"),
                            "is fixed by the IIN; register a correction with the city office",
                        ),
                        other => v.add(
                            format!("update_mask.{other}"),
                            "is not a field that can be updated",
                        ),
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

    pub(crate) async fn list_persons(
        &self,
        ctx: &Ctx,
        req: pb::ListPersonsRequest,
    ) -> Result<pb::ListPersonsResponse, ApiError> {
        ctx.caller.require(READ_ALL)?;
        let limit = page_size(req.page_size)?;
        let after = decode_id_token(&req.page_token)?;
        let mut v = Violations::new();
        if !req.region_code.is_empty() {
            v.check(
                self.regions.contains(&req.region_code),
                "region_code",
                "unknown region",
            );
        }
        v.check(
            pb::DisabilityGroup::try_from(req.group).is_ok(),
            "group",
            "unknown value",
        );
        v.check(
            pb::DisabilityCause::try_from(req.cause).is_ok(),
            "cause",
            "unknown value",
        );
        let band = pb::AgeBand::try_from(req.age_band);
        v.check(band.is_ok(), "age_band", "unknown value");
        let mut f = PersonFilter {
            region_code: (!req.region_code.is_empty()).then(|| req.region_code.clone()),
            district: (!req.district.is_empty()).then(|| req.district.clone()),
            group: (req.group != 0).then_some(req.group as i16),
            cause: (req.cause != 0).then_some(req.cause as i16),
            ..PersonFilter::default()
        };
        if let Ok(band) = band {
            let (after, until) = birth_bounds(band, today());
            f.born_after = after;
            f.born_on_or_before = until;
        }
        for (i, n) in req.needs.iter().enumerate() {
            match pb::NeedKind::try_from(*n) {
                Ok(pb::NeedKind::WheelchairUser) => f.wheelchair_user = true,
                Ok(pb::NeedKind::NeedsEscort) => f.needs_escort = true,
                Ok(pb::NeedKind::Visual) => f.visual = true,
                Ok(pb::NeedKind::Hearing) => f.hearing = true,
                Ok(pb::NeedKind::SignLanguage) => f.sign_language = true,
                Ok(pb::NeedKind::Intellectual) => f.intellectual = true,
                _ => v.add(format!("needs[{i}]"), "unknown need"),
            }
        }
        v.into_result()?;
        let mut conn = self.conn().await?;
        let rows = persons::list(&mut conn, &f, after, limit + 1).await?;
        let more = rows.len() as i64 > limit;
        let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
        let next = if more {
            rows.last().map(|r| encode_token(&r.id.to_string()))
        } else {
            None
        };
        let total = if after.is_none() {
            persons::count(&mut conn, &f).await?
        } else {
            0
        };
        let records = persons::records(&mut conn, rows).await?;
        self.audit_persons(
            ctx,
            "ListPersons",
            records.iter().map(|r| r.person.id),
            None,
        )
        .await?;
        Ok(pb::ListPersonsResponse {
            persons: records.iter().map(convert::person).collect(),
            next_page_token: next.unwrap_or_default(),
            total_size: total,
        })
    }

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

    pub(crate) async fn upsert_household(
        &self,
        ctx: &Ctx,
        req: pb::UpsertHouseholdRequest,
    ) -> Result<pb::UpsertHouseholdResponse, ApiError> {
        ctx.caller.require(WRITERS)?;
        let h = req.household.unwrap_or_default();
        let mut v = Violations::new();
        let id = parse_opt_id("household.id", &h.id, &mut v);
        v.check(
            h.special_needs_children_count >= 0,
            "household.special_needs_children_count",
            "must not be negative",
        );
        v.check(
            pb::HousingStatus::try_from(h.housing_status).is_ok(),
            "household.housing_status",
            "unknown value",
        );
        let support = h.social_support.clone().unwrap_or_default();
        for (i, b) in support.benefits.iter().enumerate() {
            v.check(
                pb::BenefitKind::try_from(*b).is_ok_and(|b| b != pb::BenefitKind::Unspecified),
                format!("household.social_support.benefits[{i}]"),
                "unknown benefit",
            );
        }
        let mut aid = Vec::new();
        for (i, a) in support.one_time_aid.iter().enumerate() {
            let field = format!("household.social_support.one_time_aid[{i}]");
            let paid = parse_opt_date(&format!("{field}.paid_on"), a.paid_on.as_ref(), &mut v);
            v.check(
                a.paid_on.is_some(),
                format!("{field}.paid_on"),
                "is required",
            );
            let amount = a.amount.as_ref().map(|m| m.minor_units).unwrap_or_default();
            v.check(amount > 0, format!("{field}.amount"), "must be positive");
            if let Some(paid) = paid {
                v.check(
                    paid <= today(),
                    format!("{field}.paid_on"),
                    "must not be in the future",
                );
                aid.push((paid, amount, a.purpose.clone()));
            }
        }
        let mut members = Vec::new();
        for (i, m) in h.members.iter().enumerate() {
            let field = format!("household.members[{i}]");
            let person = parse_opt_id(&format!("{field}.person_id"), &m.person_id, &mut v);
            v.check(
                person.is_some() || !m.full_name.trim().is_empty(),
                format!("{field}.full_name"),
                "is required for a member not in the registry",
            );
            v.check(
                pb::HouseholdRelation::try_from(m.relation).is_ok(),
                format!("{field}.relation"),
                "unknown value",
            );
            let birth = parse_opt_date(
                &format!("{field}.birth_date"),
                m.birth_date.as_ref(),
                &mut v,
            );
            members.push((
                person,
                m.full_name.trim().to_string(),
                birth,
                m.relation as i16,
                m.has_disability,
            ));
        }
        v.check(
            !members.is_empty(),
            "household.members",
            "a household has at least one member",
        );
        v.into_result()?;
        let linked: Vec<Uuid> = members.iter().filter_map(|m| m.0).collect();
        let mut conn = self.conn().await?;
        let (record, created) = conn
            .transaction(async |conn| {
                let found = persons::existing(conn, &linked).await?;
                let mut v = Violations::new();
                for (i, m) in members.iter().enumerate() {
                    if let Some(p) = m.0 {
                        v.check(
                            found.contains(&p),
                            format!("household.members[{i}].person_id"),
                            "no such person",
                        );
                    }
                }
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
                            person_id: m.0,
                            full_name: m.1.clone(),
                            birth_date: m.2,
                            relation: m.3,
                            has_disability: m.4,
                        })
                        .collect(),
                    aid: aid
                        .iter()
                        .enumerate()
                        .map(|(i, a)| AidRow {
                            household_id: new_id,
                            position: i as i32,
                            paid_on: a.0,
                            amount_minor: a.1,
                            purpose: a.2.clone(),
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
        v.check(
            pb::EducationStatus::try_from(e.status)
                .is_ok_and(|s| s != pb::EducationStatus::Unspecified),
            "education.status",
            "is required",
        );
        v.check(
            e.home_schooling_quality_note.chars().count() <= 2000,
            "education.home_schooling_quality_note",
            "must be at most 2000 characters",
        );
        let as_of = match &e.as_of {
            Some(d) => {
                let parsed = to_date(d);
                v.check(
                    parsed.is_some(),
                    "education.as_of",
                    "is not a calendar date",
                );
                parsed.unwrap_or_else(today)
            }
            None => today(),
        };
        v.check(
            as_of <= today(),
            "education.as_of",
            "must not be in the future",
        );
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
                if age_on(p.birth_date, as_of) >= 18 {
                    return Err(ApiError::precondition(
                        "CHILD_EDUCATION",
                        format!("persons/{person}"),
                        "education status is recorded for children under 18",
                    ));
                }
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
