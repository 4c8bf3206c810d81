//! Service episodes after the offer: postponement, admission, the events of the electronic
//! journal up to discharge, and reading episodes. The rules are in `domain::queue` and
//! `domain::episode`.

mod decode;

use diesel_async::AsyncConnection as _;
use onaltu_api::{encode_token, now, parse_id};
use onaltu_errors::ApiError;
use onaltu_proto::registry::{self as pb, EpisodeEventKind as Kind};
use prost::Message as _;
use uuid::Uuid;

use self::decode::{AdmitInput, EpisodeQuery, PostponeInput};
use super::idempotent::Key;
use super::queue::{event_row, form_of, not_found, state};
use super::{Registry, idempotent};
use crate::domain::access;
use crate::domain::episode::{self, check_postponement, transition};
use crate::domain::queue as rules;
use crate::store::Conn;
use crate::store::centers::{self, CenterRow};
use crate::store::episodes::{self, EpisodeFilter, EpisodeRow};
use onaltu_api::{Ctx, today};

impl Registry {
    /// Whether the caller may see an episode: whoever may see the person, and of a centre's
    /// staff only those of the episode's own centre.
    pub(super) async fn authorize_episode(
        &self,
        conn: &mut Conn,
        ctx: &Ctx,
        action: &str,
        e: &EpisodeRow,
    ) -> Result<(), ApiError> {
        let claims = ctx.caller.authenticated()?;
        if let Err(refusal) = access::staff_episode(claims.role, claims.center_id, e.center_id) {
            return self.refused(ctx, action, e.person_id, refusal).await;
        }
        self.authorize_person(conn, ctx, action, e.person_id).await
    }

    pub(super) async fn episode_message(
        &self,
        conn: &mut Conn,
        e: &EpisodeRow,
    ) -> Result<pb::Episode, ApiError> {
        let events = episodes::events_of(conn, &[e.id]).await?;
        let mut message = super::convert::episode(e, &events);
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

    /// The episode, as it now stands, that an identical earlier call by this caller answered,
    /// if there was one.
    pub(super) async fn replayed(
        conn: &mut Conn,
        key: Option<&Key>,
    ) -> Result<Option<EpisodeRow>, ApiError> {
        match idempotent::replayed(conn, key).await? {
            Some(first) => episodes::get(conn, first)
                .await?
                .map(Some)
                .ok_or_else(|| not_found(first)),
            None => Ok(None),
        }
    }

    /// Locks the episode's centre, then the episode (always in this order).
    pub(super) async fn lock_episode(
        conn: &mut Conn,
        id: Uuid,
    ) -> Result<(CenterRow, EpisodeRow), ApiError> {
        let e = episodes::get(conn, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        let c = centers::get_for_update(conn, e.center_id)
            .await?
            .ok_or_else(|| ApiError::NotFound {
                resource: "center",
                id: e.center_id.to_string(),
            })?;
        let e = episodes::get_for_update(conn, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        Ok((c, e))
    }

    pub(crate) async fn postpone_arrival(
        &self,
        ctx: &Ctx,
        req: pb::PostponeArrivalRequest,
    ) -> Result<pb::PostponeArrivalResponse, ApiError> {
        let body = req.encode_to_vec();
        let input = PostponeInput::try_from(req)?;
        let key = idempotent::key(ctx, "PostponeArrival", input.request_id, &body);
        let key = key.as_ref();
        let mut conn = self.conn().await?;
        let row = conn
            .transaction(async |conn| {
                let (_, e) = Self::lock_episode(conn, input.episode).await?;
                Self::require_center_writer(ctx, e.center_id)?;
                if let Some(first) = Self::replayed(conn, key).await? {
                    return Ok(first);
                }
                let e = Self::postpone(conn, ctx, e, &input).await?;
                idempotent::remember(conn, key, e.id).await?;
                Ok::<_, ApiError>(e)
            })
            .await?;
        let episode = self
            .episode_after_write(&mut conn, ctx, "PostponeArrival", &row)
            .await?;
        Ok(pb::PostponeArrivalResponse {
            episode: Some(episode),
        })
    }

    /// Moves an offered episode to POSTPONED with the new arrival date.
    async fn postpone(
        conn: &mut Conn,
        ctx: &Ctx,
        mut e: EpisodeRow,
        p: &PostponeInput,
    ) -> Result<EpisodeRow, ApiError> {
        let id = e.id.to_string();
        let next = transition(&id, state(&e), Kind::Postponed)?;
        let offered = e
            .arrival_due_date
            .ok_or_else(|| ApiError::Internal("offered episode without a date".into()))?;
        check_postponement(&id, form_of(&e), offered, p.due)?;
        e.state = next as i16;
        e.postponed = true;
        e.arrival_due_date = Some(p.due);
        e.update_time = now();
        e.version += 1;
        episodes::update(conn, &e).await?;
        let mut event = event_row(
            e.id,
            Kind::Postponed,
            today(),
            &p.order_number,
            &p.reason,
            ctx,
        );
        event.arrival_due_date = Some(p.due);
        episodes::add_event(conn, &event).await?;
        Ok(e)
    }

    pub(crate) async fn admit_person(
        &self,
        ctx: &Ctx,
        req: pb::AdmitPersonRequest,
    ) -> Result<pb::AdmitPersonResponse, ApiError> {
        let body = req.encode_to_vec();
        let input = AdmitInput::decode(req, today())?;
        let key = idempotent::key(ctx, "AdmitPerson", input.request_id, &body);
        let key = key.as_ref();
        let mut conn = self.conn().await?;
        let row = conn
            .transaction(async |conn| {
                // The centre row is locked first: concurrent admissions to the same centre queue
                // here, so the count of places cannot be raced past capacity.
                let (c, e) = Self::lock_episode(conn, input.episode).await?;
                Self::require_center_writer(ctx, e.center_id)?;
                if let Some(first) = Self::replayed(conn, key).await? {
                    return Ok(first);
                }
                let e = Self::admit(conn, ctx, &c, e, &input).await?;
                idempotent::remember(conn, key, e.id).await?;
                Ok::<_, ApiError>(e)
            })
            .await?;
        let episode = self
            .episode_after_write(&mut conn, ctx, "AdmitPerson", &row)
            .await?;
        Ok(pb::AdmitPersonResponse {
            episode: Some(episode),
        })
    }

    /// Admits the person of offered episode `e` (locked, with its centre `c`) when a place of
    /// its form is free, and announces the admission.
    async fn admit(
        conn: &mut Conn,
        ctx: &Ctx,
        c: &CenterRow,
        mut e: EpisodeRow,
        a: &AdmitInput,
    ) -> Result<EpisodeRow, ApiError> {
        let id = e.id;
        let next = transition(&id.to_string(), state(&e), Kind::Admitted)?;
        rules::check_admitted_after_referral(a.admitted_on, e.referral_date)?;
        let capacity = rules::capacity(form_of(&e), c.beds, c.places);
        if capacity.is_some() {
            let occupied = episodes::occupied(conn, c.id, e.service_form).await?;
            rules::check_capacity(c.id, capacity, occupied)?;
        }
        e.state = next as i16;
        e.admitted_on = Some(a.admitted_on);
        e.update_time = now();
        e.version += 1;
        episodes::update(conn, &e).await?;
        let admitted = event_row(id, Kind::Admitted, a.admitted_on, &a.order_number, "", ctx);
        episodes::add_event(conn, &admitted).await?;
        crate::events::episode_admitted(conn, &e, a.admitted_on).await?;
        Ok(e)
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
        let q = EpisodeQuery::try_from(req)?;
        let scope = access::episode_scope(claims.role, claims.center_id, q.center, q.person)?;
        let mut conn = self.conn().await?;
        if let Some(p) = scope.person_to_check {
            self.authorize_person(&mut conn, ctx, "ListEpisodes", p)
                .await?;
        }
        let f = EpisodeFilter {
            person_id: q.person,
            center_id: scope.center,
            states: q.states,
            service_form: q.form,
            referred_from: q.referred_from,
            referred_until: q.referred_until,
            tied_to: scope
                .center
                .filter(|_| scope.tied_only)
                .map(|c| self.tied_to(c)),
        };
        let rows = episodes::list(&mut conn, &f, q.after, q.limit + 1).await?;
        let more = rows.len() as i64 > q.limit;
        let rows: Vec<_> = rows.into_iter().take(q.limit as usize).collect();
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let events = episodes::events_of(&mut conn, &ids).await?;
        let persons = rows.iter().map(|r| r.person_id);
        self.audit_persons(ctx, "ListEpisodes", persons, scope.center)
            .await?;
        Ok(pb::ListEpisodesResponse {
            episodes: rows
                .iter()
                .map(|r| super::convert::episode(r, &events))
                .collect(),
            next_page_token: match rows.last() {
                Some(last) if more => encode_token(&last.id.to_string()),
                _ => String::new(),
            },
        })
    }
}
