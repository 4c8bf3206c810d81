//! Service episodes after the offer: postponement, admission, the events of the electronic
//! journal up to discharge, and reading episodes. The rules are in `domain::queue` and
//! `domain::episode`.

use diesel_async::AsyncConnection as _;
use onaltu_auth::Role;
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::registry::{
    self as pb, EpisodeEventKind as Kind, EpisodeState as State, ServiceForm,
};
use uuid::Uuid;

use super::convert::{self, parse_id, parse_opt_date, parse_opt_id};
use super::queue::{event_row, form_of, not_found, state};
use super::{Ctx, Registry, encode_token, page_size, today};
use crate::domain::episode::{self, check_postponement, transition};
use crate::domain::queue as rules;
use crate::store::episodes::{self, EpisodeFilter, EpisodeRow};
use crate::store::{Conn, centers, idempotency};

impl Registry {
    /// Whether the caller may see an episode: its centre's staff, or whoever may see the person.
    pub(super) async fn authorize_episode(
        &self,
        conn: &mut Conn,
        ctx: &Ctx,
        action: &str,
        e: &EpisodeRow,
    ) -> Result<(), ApiError> {
        let claims = ctx.caller.authenticated()?;
        if claims.role == Role::CenterStaff {
            return if claims.center_id == Some(e.center_id) {
                Ok(())
            } else {
                Err(ApiError::PermissionDenied(
                    "this episode is at another centre".into(),
                ))
            };
        }
        self.authorize_person(conn, ctx, action, e.person_id).await
    }

    pub(super) async fn episode_message(
        &self,
        conn: &mut Conn,
        e: &EpisodeRow,
    ) -> Result<pb::Episode, ApiError> {
        let events = episodes::events_of(conn, &[e.id]).await?;
        let mut message = convert::episode(e, &events);
        if episode::WAITING.contains(&state(e)) {
            message.queue_position = episodes::position(conn, e).await?.0 as i32;
        }
        Ok(message)
    }

    /// The episode as answered after a write, on the connection the write used: taking a second
    /// one while holding the first would let concurrent writers starve the pool.
    pub(super) async fn episode_after_write(
        &self,
        conn: &mut Conn,
        ctx: &Ctx,
        action: &str,
        e: &EpisodeRow,
    ) -> Result<pb::Episode, ApiError> {
        let message = self.episode_message(conn, e).await?;
        self.cache.bump(super::persons::STATS_GENERATION).await;
        self.audit_persons(ctx, action, [e.person_id], Some(e.center_id))
            .await?;
        Ok(message)
    }

    /// Locks the episode's centre, then the episode (always in this order).
    pub(super) async fn lock_episode(conn: &mut Conn, id: Uuid) -> Result<EpisodeRow, ApiError> {
        let e = episodes::get(conn, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        centers::get_for_update(conn, e.center_id).await?;
        episodes::get_for_update(conn, id)
            .await?
            .ok_or_else(|| not_found(id))
    }

    pub(crate) async fn postpone_arrival(
        &self,
        ctx: &Ctx,
        req: pb::PostponeArrivalRequest,
    ) -> Result<pb::PostponeArrivalResponse, ApiError> {
        let id = parse_id("episode_id", &req.episode_id)?;
        let mut v = Violations::new();
        let due = parse_opt_date("arrival_due_date", req.arrival_due_date.as_ref(), &mut v);
        v.check(
            req.arrival_due_date.is_some(),
            "arrival_due_date",
            "is required",
        );
        v.check(!req.reason.trim().is_empty(), "reason", "is required");
        rules::check_length(&mut v, "reason", &req.reason, rules::MAX_NOTE);
        rules::check_length(&mut v, "order_number", &req.order_number, rules::MAX_NUMBER);
        v.into_result()?;
        let Some(due) = due else {
            return Err(ApiError::Internal(
                "validated postponement incomplete".into(),
            ));
        };
        let mut conn = self.conn().await?;
        let row = conn
            .transaction(async |conn| {
                if let Some(first) =
                    idempotency::find(conn, "PostponeArrival", &req.request_id).await?
                {
                    return episodes::get(conn, first)
                        .await?
                        .ok_or_else(|| not_found(first));
                }
                let mut e = Self::lock_episode(conn, id).await?;
                Self::require_center_writer(ctx, e.center_id)?;
                let next = transition(&id.to_string(), state(&e), Kind::Postponed)?;
                let offered = e
                    .arrival_due_date
                    .ok_or_else(|| ApiError::Internal("offered episode without a date".into()))?;
                check_postponement(&id.to_string(), form_of(&e), offered, due)?;
                e.state = next as i16;
                e.postponed = true;
                e.arrival_due_date = Some(due);
                e.update_time = crate::api::now();
                e.version += 1;
                episodes::update(conn, &e).await?;
                let mut event = event_row(
                    id,
                    Kind::Postponed,
                    today(),
                    &req.order_number,
                    &req.reason,
                    ctx,
                );
                event.arrival_due_date = Some(due);
                episodes::add_event(conn, &event).await?;
                idempotency::claim(conn, "PostponeArrival", &req.request_id, id).await?;
                Ok::<_, ApiError>(e)
            })
            .await?;
        Ok(pb::PostponeArrivalResponse {
            episode: Some(
                self.episode_after_write(&mut conn, ctx, "PostponeArrival", &row)
                    .await?,
            ),
        })
    }

    pub(crate) async fn admit_person(
        &self,
        ctx: &Ctx,
        req: pb::AdmitPersonRequest,
    ) -> Result<pb::AdmitPersonResponse, ApiError> {
        let id = parse_id("episode_id", &req.episode_id)?;
        let mut v = Violations::new();
        let admitted = parse_opt_date("admitted_on", req.admitted_on.as_ref(), &mut v);
        v.check(req.admitted_on.is_some(), "admitted_on", "is required");
        rules::check_admission_date(admitted, today(), &mut v);
        rules::check_length(&mut v, "order_number", &req.order_number, rules::MAX_NUMBER);
        v.into_result()?;
        let Some(admitted) = admitted else {
            return Err(ApiError::Internal("validated admission incomplete".into()));
        };
        let mut conn = self.conn().await?;
        let row = conn
            .transaction(async |conn| {
                if let Some(first) = idempotency::find(conn, "AdmitPerson", &req.request_id).await?
                {
                    return episodes::get(conn, first)
                        .await?
                        .ok_or_else(|| not_found(first));
                }
                // The centre row is locked first: concurrent admissions to the same centre
                // queue here, so the count below cannot be raced past capacity.
                let e0 = episodes::get(conn, id)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                Self::require_center_writer(ctx, e0.center_id)?;
                let c = centers::get_for_update(conn, e0.center_id)
                    .await?
                    .ok_or_else(|| ApiError::NotFound {
                        resource: "center",
                        id: e0.center_id.to_string(),
                    })?;
                let mut e = episodes::get_for_update(conn, id)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                let next = transition(&id.to_string(), state(&e), Kind::Admitted)?;
                rules::check_admitted_after_referral(admitted, e.referral_date)?;
                let capacity = rules::capacity(form_of(&e), c.beds, c.places);
                if capacity.is_some() {
                    let occupied = episodes::occupied(conn, c.id, e.service_form).await?;
                    rules::check_capacity(c.id, capacity, occupied)?;
                }
                e.state = next as i16;
                e.admitted_on = Some(admitted);
                e.update_time = crate::api::now();
                e.version += 1;
                episodes::update(conn, &e).await?;
                episodes::add_event(
                    conn,
                    &event_row(id, Kind::Admitted, admitted, &req.order_number, "", ctx),
                )
                .await?;
                super::events::episode_admitted(conn, &e, admitted).await?;
                idempotency::claim(conn, "AdmitPerson", &req.request_id, id).await?;
                Ok::<_, ApiError>(e)
            })
            .await?;
        Ok(pb::AdmitPersonResponse {
            episode: Some(
                self.episode_after_write(&mut conn, ctx, "AdmitPerson", &row)
                    .await?,
            ),
        })
    }

    pub(crate) async fn get_episode(
        &self,
        ctx: &Ctx,
        req: pb::GetEpisodeRequest,
    ) -> Result<pb::GetEpisodeResponse, ApiError> {
        let id = parse_id("id", &req.id)?;
        let mut conn = self.conn().await?;
        let Some(e) = episodes::get(&mut conn, id).await? else {
            ctx.caller.authenticated()?;
            return Err(not_found(id));
        };
        self.authorize_episode(&mut conn, ctx, "GetEpisode", &e)
            .await?;
        let message = self.episode_message(&mut conn, &e).await?;
        self.audit_persons(ctx, "GetEpisode", [e.person_id], Some(e.center_id))
            .await?;
        Ok(pb::GetEpisodeResponse {
            episode: Some(message),
        })
    }

    pub(crate) async fn list_episodes(
        &self,
        ctx: &Ctx,
        req: pb::ListEpisodesRequest,
    ) -> Result<pb::ListEpisodesResponse, ApiError> {
        let claims = ctx.caller.authenticated()?.clone();
        let limit = page_size(req.page_size)?;
        let after = super::decode_id_token(&req.page_token)?;
        let mut v = Violations::new();
        let person = parse_opt_id("person_id", &req.person_id, &mut v);
        let center = parse_opt_id("center_id", &req.center_id, &mut v);
        let mut states = Vec::new();
        for (i, s) in req.states.iter().enumerate() {
            match State::try_from(*s) {
                Ok(s) if s != State::Unspecified => states.push(s as i16),
                _ => v.add(format!("states[{i}]"), "unknown state"),
            }
        }
        let form = ServiceForm::try_from(req.service_form);
        v.check(form.is_ok(), "service_form", "unknown value");
        let range = req.referral_dates.unwrap_or_default();
        let from = parse_opt_date(
            "referral_dates.start_date",
            range.start_date.as_ref(),
            &mut v,
        );
        let until = parse_opt_date("referral_dates.end_date", range.end_date.as_ref(), &mut v);
        v.into_result()?;
        let mut conn = self.conn().await?;
        let center = match claims.role {
            Role::CenterStaff => {
                if center.is_some_and(|c| Some(c) != claims.center_id) {
                    return Err(ApiError::PermissionDenied(
                        "staff see their own centre's episodes".into(),
                    ));
                }
                claims.center_id
            }
            Role::CityOperator | Role::Auditor | Role::Admin => center,
            Role::Citizen => {
                let Some(p) = person else {
                    return Err(ApiError::invalid(
                        "person_id",
                        "is required: whose episodes?",
                    ));
                };
                self.authorize_person(&mut conn, ctx, "ListEpisodes", p)
                    .await?;
                center
            }
            _ => {
                return Err(ApiError::PermissionDenied(
                    "episodes are not for this role".into(),
                ));
            }
        };
        let f = EpisodeFilter {
            person_id: person,
            center_id: center,
            states,
            service_form: form
                .ok()
                .filter(|f| *f != ServiceForm::Unspecified)
                .map(|f| f as i16),
            referred_from: from,
            referred_until: until,
        };
        let rows = episodes::list(&mut conn, &f, after, limit + 1).await?;
        let more = rows.len() as i64 > limit;
        let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let events = episodes::events_of(&mut conn, &ids).await?;
        self.audit_persons(
            ctx,
            "ListEpisodes",
            rows.iter().map(|r| r.person_id),
            center,
        )
        .await?;
        Ok(pb::ListEpisodesResponse {
            episodes: rows.iter().map(|r| convert::episode(r, &events)).collect(),
            next_page_token: if more {
                rows.last()
                    .map(|r| encode_token(&r.id.to_string()))
                    .unwrap_or_default()
            } else {
                String::new()
            },
        })
    }
}
