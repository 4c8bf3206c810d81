//! Queues: referral, position, the queue itself, and the offer of a place. The rules are in
//! `domain::queue` and `domain::episode`; the journal events after an offer are in `episodes.rs`.

mod decode;
mod encode;

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel_async::AsyncConnection as _;
use onaltu_api::{encode_token, now, parse_id};
use onaltu_errors::ApiError;
use onaltu_proto::registry::{
    self as pb, EpisodeEventKind as Kind, EpisodeState as State, ServiceForm,
};
use prost::Message as _;
use uuid::Uuid;

pub(super) use self::decode::required_date;
use self::decode::{OfferInput, QueuePage, ReferralInput};
use super::idempotent::Key;
use super::{READ_ALL, Registry, WRITERS, idempotent};
use crate::domain::access;
use crate::domain::episode::{self, transition};
use crate::domain::queue as rules;
use crate::store::episodes::{self, EpisodeRow, EventRow};
use crate::store::{Conn, centers, persons};
use onaltu_api::{Ctx, today};

pub(super) fn state(e: &EpisodeRow) -> State {
    State::try_from(e.state as i32).unwrap_or(State::Unspecified)
}

pub(super) fn form_of(e: &EpisodeRow) -> ServiceForm {
    ServiceForm::try_from(e.service_form as i32).unwrap_or(ServiceForm::Unspecified)
}

pub(super) fn not_found(id: Uuid) -> ApiError {
    ApiError::NotFound {
        resource: "episode",
        id: id.to_string(),
    }
}

fn center_not_found(id: Uuid) -> ApiError {
    ApiError::NotFound {
        resource: "center",
        id: id.to_string(),
    }
}

pub(super) fn event_row(
    episode: Uuid,
    kind: Kind,
    date: NaiveDate,
    order: &str,
    reason: &str,
    by: &Ctx,
) -> EventRow {
    EventRow {
        id: Uuid::now_v7(),
        episode_id: episode,
        kind: kind as i16,
        event_date: date,
        order_number: order.trim().to_string(),
        reason: reason.trim().to_string(),
        discharge_outcome: 0,
        transfer_center_id: None,
        arrival_due_date: None,
        recorded_by: by.subject(),
        create_time: now(),
    }
}

/// The new episode of referral `r`, queued with `receipt`.
fn queued_episode(id: Uuid, r: &ReferralInput, receipt: i64) -> EpisodeRow {
    let now = now();
    EpisodeRow {
        id,
        person_id: r.person,
        center_id: r.center,
        service_form: r.form as i16,
        referral_date: r.referral_date,
        referral_number: r.number.clone(),
        assessment_id: r.assessment,
        renews_episode_id: r.renews,
        queue_receipt: receipt,
        out_of_turn: r.out_of_turn,
        out_of_turn_reason: r.reason as i16,
        out_of_turn_note: r.note.clone(),
        state: State::Queued as i16,
        arrival_due_date: None,
        postponed: false,
        admitted_on: None,
        ended_on: None,
        discharge_outcome: 0,
        create_time: now,
        update_time: now,
        version: 1,
    }
}

impl Registry {
    /// Requires the city office or the staff of `center`.
    pub(super) fn require_center_writer(ctx: &Ctx, center: Uuid) -> Result<(), ApiError> {
        ctx.caller.require_center(center, WRITERS).map(|_| ())
    }

    /// Refers a person to a centre's queue. Only the city office and the listed referral
    /// sources refer (`domain::access::may_refer`): a centre's staff never do, so no referral
    /// opens a person's record to the centre that asked for it.
    pub(crate) async fn enqueue_referral(
        &self,
        ctx: &Ctx,
        req: pb::EnqueueReferralRequest,
    ) -> Result<pb::EnqueueReferralResponse, ApiError> {
        let claims = ctx.caller.authenticated()?;
        let listed = self.access.referral_sources.contains(&claims.sub);
        access::may_refer(claims.role, listed)?;
        let body = req.encode_to_vec();
        let input = ReferralInput::decode(req, today())?;
        let key = idempotent::key(ctx, "EnqueueReferral", input.request_id, &body);
        let mut conn = self.conn().await?;
        let row = conn
            .transaction(async |conn| Self::enqueue(conn, ctx, &input, key.as_ref()).await)
            .await?;
        let episode = self
            .episode_after_write(&mut conn, ctx, "EnqueueReferral", &row)
            .await?;
        Ok(pb::EnqueueReferralResponse {
            episode: Some(episode),
        })
    }

    /// Queues referral `r`, or answers the episode an identical earlier call queued.
    async fn enqueue(
        conn: &mut Conn,
        ctx: &Ctx,
        r: &ReferralInput,
        key: Option<&Key>,
    ) -> Result<EpisodeRow, ApiError> {
        // The centre is locked first, so its queue's order holds and a concurrent retry waits
        // here until the first call committed.
        centers::get_for_update(conn, r.center)
            .await?
            .ok_or_else(|| center_not_found(r.center))?;
        if let Some(first) = idempotent::replayed(conn, key).await? {
            return episodes::get(conn, first)
                .await?
                .ok_or_else(|| not_found(first));
        }
        Self::check_referral_targets(conn, r).await?;
        let receipt = match r.renews {
            Some(old) => Self::renew(conn, ctx, r, old).await?,
            None => {
                let form = r.form as i16;
                if let Some(active) = episodes::active_in(conn, r.person, r.center, form).await? {
                    return Err(rules::already_waiting(active.id));
                }
                episodes::next_receipt(conn).await?
            }
        };
        let id = Uuid::now_v7();
        let row = queued_episode(id, r, receipt);
        episodes::insert(conn, &row).await?;
        let queued = event_row(id, Kind::Queued, r.referral_date, &r.number, "", ctx);
        episodes::add_event(conn, &queued).await?;
        idempotent::remember(conn, key, id).await?;
        Ok(row)
    }

    /// The centre (locked by the caller), the person and the assessment a referral names
    /// exist, and the centre offers the form.
    async fn check_referral_targets(conn: &mut Conn, r: &ReferralInput) -> Result<(), ApiError> {
        let c = centers::get(conn, r.center)
            .await?
            .ok_or_else(|| center_not_found(r.center))?;
        rules::check_form_offered(r.center, &c.service_forms, r.form)?;
        if persons::get(conn, r.person).await?.is_none() {
            return Err(ApiError::NotFound {
                resource: "person",
                id: r.person.to_string(),
            });
        }
        if let Some(a) = r.assessment {
            let owned = persons::assessments_of(conn, r.person, None, i64::MAX)
                .await?
                .iter()
                .any(|x| x.id == a);
            if !owned {
                return Err(ApiError::invalid(
                    "referral.assessment_id",
                    "is not an assessment of this person",
                ));
            }
        }
        Ok(())
    }

    /// Renews episode `old_id` by referral `r`, terminating it while it still waits; answers the
    /// queue receipt the new episode keeps (an expired ЖОБ keeps its queue position).
    async fn renew(
        conn: &mut Conn,
        ctx: &Ctx,
        r: &ReferralInput,
        old_id: Uuid,
    ) -> Result<i64, ApiError> {
        let mut old = episodes::get_for_update(conn, old_id)
            .await?
            .ok_or_else(|| not_found(old_id))?;
        let old_key = (old.person_id, old.center_id, old.service_form);
        let key = (r.person, r.center, r.form as i16);
        if rules::renewal(old_id, old_key, state(&old), key)? {
            old.state = State::Terminated as i16;
            old.ended_on = Some(r.referral_date);
            old.update_time = now();
            old.version += 1;
            episodes::update(conn, &old).await?;
            let ended = event_row(
                old_id,
                Kind::Terminated,
                r.referral_date,
                &r.number,
                rules::RENEWED_REASON,
                ctx,
            );
            episodes::add_event(conn, &ended).await?;
        }
        Ok(old.queue_receipt)
    }

    pub(crate) async fn get_queue_position(
        &self,
        ctx: &Ctx,
        req: pb::GetQueuePositionRequest,
    ) -> Result<pb::GetQueuePositionResponse, ApiError> {
        let id = parse_id("episode_id", &req.episode_id)?;
        let mut conn = self.conn().await?;
        let Some(e) = episodes::get(&mut conn, id).await? else {
            ctx.caller.authenticated()?;
            return Err(not_found(id));
        };
        self.authorize_episode(&mut conn, ctx, "GetQueuePosition", &e)
            .await?;
        let (position, length) = if episode::WAITING.contains(&state(&e)) {
            episodes::position(&mut conn, &e).await?
        } else {
            let length = episodes::queue_length(&mut conn, e.center_id, Some(e.service_form));
            (0, length.await?)
        };
        let median = episodes::median_wait(&mut conn, e.center_id, e.service_form).await?;
        self.audit_persons(ctx, "GetQueuePosition", [e.person_id], Some(e.center_id))
            .await?;
        Ok(pb::GetQueuePositionResponse {
            queue_position: Some(encode::queue_position(&e, position, length, median)),
        })
    }

    pub(crate) async fn list_queue(
        &self,
        ctx: &Ctx,
        req: pb::ListQueueRequest,
    ) -> Result<pb::ListQueueResponse, ApiError> {
        let page = QueuePage::try_from(req)?;
        ctx.caller.require_center(page.center, READ_ALL)?;
        let mut conn = self.conn().await?;
        let (center, form, limit) = (page.center, page.form, page.limit);
        let rows = episodes::queue(&mut conn, center, form, page.offset, limit + 1).await?;
        let more = rows.len() as i64 > limit;
        let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
        let total = episodes::queue_length(&mut conn, center, form).await?;
        let today = today();
        // The page runs in queue order within each service form, so only the first entry of each
        // form needs its position counted; the ones after it follow on.
        let mut next: HashMap<i16, i64> = HashMap::new();
        let mut entries = Vec::with_capacity(rows.len());
        for e in &rows {
            let position = match next.get(&e.service_form) {
                Some(p) => *p,
                None => episodes::position(&mut conn, e).await?.0,
            };
            next.insert(e.service_form, position + 1);
            entries.push(encode::queue_entry(e, position, today));
        }
        Ok(pb::ListQueueResponse {
            entries,
            next_page_token: if more {
                encode_token(&(page.offset + limit).to_string())
            } else {
                String::new()
            },
            total_size: total,
        })
    }

    pub(crate) async fn offer_place(
        &self,
        ctx: &Ctx,
        req: pb::OfferPlaceRequest,
    ) -> Result<pb::OfferPlaceResponse, ApiError> {
        let body = req.encode_to_vec();
        let input = OfferInput::try_from(req)?;
        Self::require_center_writer(ctx, input.center)?;
        let key = idempotent::key(ctx, "OfferPlace", input.request_id, &body);
        let mut conn = self.conn().await?;
        let row = conn
            .transaction(async |conn| Self::offer_head(conn, ctx, &input, key.as_ref()).await)
            .await?;
        let episode = self
            .episode_after_write(&mut conn, ctx, "OfferPlace", &row)
            .await?;
        Ok(pb::OfferPlaceResponse {
            episode: Some(episode),
        })
    }

    /// Offers the place to the head of the queue, or answers the episode an identical earlier
    /// call offered it to.
    async fn offer_head(
        conn: &mut Conn,
        ctx: &Ctx,
        o: &OfferInput,
        key: Option<&Key>,
    ) -> Result<EpisodeRow, ApiError> {
        centers::get_for_update(conn, o.center)
            .await?
            .ok_or_else(|| center_not_found(o.center))?;
        if let Some(first) = Self::replayed(conn, key).await? {
            return Ok(first);
        }
        let head = episodes::head_of_queue(conn, o.center, o.form as i16).await?;
        let named = head.as_ref().map(|h| (h.id, h.referral_date));
        rules::check_offer(o.center, named, o.expected, o.due)?;
        let head = head.ok_or_else(|| rules::queue_empty(o.center))?;
        let on = rules::offer_date(today(), o.due);
        let offered = Self::offer(conn, ctx, head, (on, o.due), &o.order_number, "").await?;
        idempotent::remember(conn, key, offered.id).await?;
        Ok(offered)
    }

    /// Moves a queued episode to OFFERED with an arrival date.
    pub(super) async fn offer(
        conn: &mut Conn,
        ctx: &Ctx,
        mut e: EpisodeRow,
        (on, due): (NaiveDate, NaiveDate),
        order: &str,
        reason: &str,
    ) -> Result<EpisodeRow, ApiError> {
        let next = transition(&e.id.to_string(), state(&e), Kind::Offered)?;
        e.state = next as i16;
        e.arrival_due_date = Some(due);
        e.update_time = now();
        e.version += 1;
        episodes::update(conn, &e).await?;
        let mut event = event_row(e.id, Kind::Offered, on, order, reason, ctx);
        event.arrival_due_date = Some(due);
        episodes::add_event(conn, &event).await?;
        Ok(e)
    }
}
