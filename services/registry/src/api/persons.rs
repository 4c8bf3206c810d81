//! Persons: registration, reading (cached, audited), updates by field mask, and lists. Who may
//! see a record is in `access.rs`; the rules of a person are in `domain::person`.

pub(crate) mod decode;

use diesel_async::AsyncConnection as _;
use onaltu_api::{check_etag, now, parse_id, today};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::registry as pb;
use prost::Message as _;
use uuid::Uuid;

use self::decode::{NewPerson, PersonUpdate};
use super::idempotent::Key;
use super::{READ_ALL, Registry, WRITERS, convert, idempotent};
use crate::domain::person::representatives_change;
use crate::store::Conn;
use crate::store::persons::{self, PersonRecord, PersonRow};
use onaltu_api::Ctx;

/// Cache key of a person's record: the id only, never the IIN.
pub fn person_key(id: Uuid) -> String {
    format!("person:{id}")
}

/// The person cube and every cached statistic change with any person's write.
pub const STATS_GENERATION: &str = "statistics";

fn person_not_found(id: Uuid) -> ApiError {
    ApiError::NotFound {
        resource: "person",
        id: id.to_string(),
    }
}

impl Registry {
    pub(super) async fn load_record(
        &self,
        conn: &mut Conn,
        id: Uuid,
    ) -> Result<PersonRecord, ApiError> {
        let row = persons::get(conn, id)
            .await?
            .ok_or_else(|| person_not_found(id))?;
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

    /// Refuses representatives who are the person or not registered, each by position.
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

    /// Makes `reps` the legal representatives of the person updated to `next`, in the update's
    /// transaction, and announces them when they change (`domain::person::representatives_change`).
    async fn replace_representatives(
        conn: &mut Conn,
        next: &PersonRow,
        reps: &[Uuid],
    ) -> Result<(), ApiError> {
        Self::check_representatives(conn, next.id, reps).await?;
        let before = persons::representatives_of(conn, next.id).await?;
        if !representatives_change(&before, reps) {
            return Ok(());
        }
        persons::set_representatives(conn, next.id, reps).await?;
        crate::events::representatives_changed(conn, next.id, reps, next.version, next.update_time)
            .await
    }

    /// Registers a new person in one transaction: the row, its event, representatives and
    /// first assessment; a retry of the same request by the same caller answers the person it
    /// registered.
    async fn register_person(
        &self,
        conn: &mut Conn,
        new: &NewPerson,
        key: Option<&Key>,
    ) -> Result<Uuid, ApiError> {
        let row = &new.row;
        conn.transaction(async |conn| {
            if let Some(first) = idempotent::replayed(conn, key).await? {
                return Ok::<_, ApiError>(first);
            }
            if persons::id_by_iin(conn, &row.iin).await?.is_some() {
                return Err(ApiError::AlreadyExists {
                    resource: "person",
                    message: "a person with this IIN is already registered".into(),
                });
            }
            Self::check_representatives(conn, row.id, &new.representatives).await?;
            persons::insert(conn, std::slice::from_ref(row)).await?;
            crate::events::persons_registered(conn, std::slice::from_ref(row)).await?;
            persons::set_representatives(conn, row.id, &new.representatives).await?;
            if !new.representatives.is_empty() {
                crate::events::representatives_changed(
                    conn,
                    row.id,
                    &new.representatives,
                    row.version,
                    row.create_time,
                )
                .await?;
            }
            if let Some(a) = &new.assessment {
                persons::add_assessment(conn, a).await?;
            }
            idempotent::remember(conn, key, row.id).await?;
            Ok(row.id)
        })
        .await
    }

    pub(crate) async fn create_person(
        &self,
        ctx: &Ctx,
        req: pb::CreatePersonRequest,
    ) -> Result<pb::CreatePersonResponse, ApiError> {
        ctx.caller.require(WRITERS)?;
        let body = req.encode_to_vec();
        let new = NewPerson::decode(req, &self.regions, today(), now())?;
        let key = idempotent::key(ctx, "CreatePerson", new.request_id, &body);
        let mut conn = self.conn().await?;
        let created = self.register_person(&mut conn, &new, key.as_ref()).await?;
        let person = self
            .person_written(&mut conn, ctx, "CreatePerson", created)
            .await?;
        Ok(pb::CreatePersonResponse {
            person: Some(person),
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
        let update = PersonUpdate::try_from(req)?;
        let id = update.id;
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let current = persons::get_for_update(conn, id)
                .await?
                .ok_or_else(|| person_not_found(id))?;
            check_etag(&update.etag, current.version, "person")?;
            let next = update.apply(&current, &self.regions, today(), now())?;
            if let Some(reps) = &update.representatives {
                Self::replace_representatives(conn, &next, reps).await?;
            }
            persons::update(conn, &next).await?;
            Ok::<_, ApiError>(())
        })
        .await?;
        let person = self
            .person_written(&mut conn, ctx, "UpdatePerson", id)
            .await?;
        Ok(pb::UpdatePersonResponse {
            person: Some(person),
        })
    }
}
