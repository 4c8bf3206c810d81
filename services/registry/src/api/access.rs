//! Who may see a person's record, and the audit trail of every read and write of one by anyone
//! but that person. Whose records a role reaches is decided in `domain::access`.

use onaltu_errors::ApiError;
use uuid::Uuid;

use super::Registry;
use crate::domain::access::{PersonReach, person_reach};
use crate::store::{Conn, persons};
use crate::workers::audit;
use onaltu_api::Ctx;

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
        let allowed = match person_reach(claims.role, claims.person_id, claims.center_id) {
            PersonReach::All => true,
            PersonReach::OwnAndRepresented(own) => {
                own == person || persons::represents(conn, own, person).await?
            }
            PersonReach::CenterEpisodes(center) => {
                persons::has_episode_at(conn, person, center).await?
            }
            PersonReach::Nobody => false,
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
