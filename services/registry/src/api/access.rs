//! Who may see a person's record, and the audit trail of every read and write of one by anyone
//! but that person.

use onaltu_auth::Role;
use onaltu_errors::ApiError;
use uuid::Uuid;

use super::{Ctx, Registry, audit};
use crate::store::{Conn, persons};

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
}
