//! Who may see a person's record, and the audit trail of every read and write of one by anyone
//! but that person. Whose records a role reaches is decided in `domain::access`.

use onaltu_errors::ApiError;
use onaltu_proto::registry::EpisodeState as State;
use uuid::Uuid;

use super::Registry;
use crate::domain::access::{self, PersonReach, Tie, person_reach};
use crate::store::episodes::{self, TiedTo};
use crate::store::{Conn, persons};
use crate::workers::audit;
use onaltu_api::{Ctx, today};

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
            PersonReach::CenterTies(center) => self.tied(conn, person, center).await?,
            PersonReach::Nobody => false,
        };
        if allowed {
            return Ok(());
        }
        self.refused(
            ctx,
            action,
            person,
            ApiError::PermissionDenied("this person's record is not yours to see".into()),
        )
        .await
    }

    /// Audits the refusal of `action` on `person`'s record, then answers `refusal`.
    pub(crate) async fn refused(
        &self,
        ctx: &Ctx,
        action: &str,
        person: Uuid,
        refusal: ApiError,
    ) -> Result<(), ApiError> {
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
        Err(refusal)
    }

    /// Whether `person` has a live tie to `center` today (`domain::access::staff_sees`).
    async fn tied(&self, conn: &mut Conn, person: Uuid, center: Uuid) -> Result<bool, ApiError> {
        let ties: Vec<Tie> = episodes::ties_of(conn, person)
            .await?
            .into_iter()
            .map(|t| Tie {
                center: t.center_id,
                state: State::try_from(i32::from(t.state)).unwrap_or(State::Unspecified),
                admitted_on: t.admitted_on,
                ended_on: t.ended_on,
                referred_by_center: t.referred_by_center,
            })
            .collect();
        let days = self.access.staff_days_after_discharge;
        Ok(access::staff_sees(center, &ties, today(), days))
    }

    /// The persons a centre's staff see today, as a filter of episode lists.
    pub(crate) fn tied_to(&self, center: Uuid) -> TiedTo {
        TiedTo {
            center_id: center,
            tying_states: access::TYING_STATES.iter().map(|s| *s as i16).collect(),
            ended_since: access::ties_ended_since(today(), self.access.staff_days_after_discharge),
        }
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
