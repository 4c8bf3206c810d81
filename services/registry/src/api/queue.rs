//! Queues: referral, position, the queue itself, and the offer of a place. The rules are in
//! `domain::queue` and `domain::episode`; the journal events after an offer are in `episodes.rs`.

use chrono::NaiveDate;
use diesel_async::AsyncConnection as _;
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::registry::{
    self as pb, EpisodeEventKind as Kind, EpisodeState as State, ServiceForm,
};
use uuid::Uuid;

use super::convert::{self, parse_id, parse_opt_date, parse_opt_id};
use super::{Ctx, READ_ALL, Registry, WRITERS, decode_token, encode_token, page_size, today};
use crate::domain::episode::{self, transition};
use crate::domain::person::from_date;
use crate::domain::queue::{self as rules, Referral};
use crate::store::episodes::{self, EpisodeRow, EventRow};
use crate::store::{Conn, centers, idempotency, persons};

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
        recorded_by: by
            .caller
            .authenticated()
            .map(|c| c.sub.clone())
            .unwrap_or_default(),
        create_time: crate::api::now(),
    }
}

impl Registry {
    /// Requires the city office or the staff of `center`.
    pub(super) fn require_center_writer(ctx: &Ctx, center: Uuid) -> Result<(), ApiError> {
        ctx.caller.require_center(center, WRITERS).map(|_| ())
    }

    pub(crate) async fn enqueue_referral(
        &self,
        ctx: &Ctx,
        req: pb::EnqueueReferralRequest,
    ) -> Result<pb::EnqueueReferralResponse, ApiError> {
        let r = req.referral.unwrap_or_default();
        let mut v = Violations::new();
        let person = parse_opt_id("referral.person_id", &r.person_id, &mut v);
        v.check(!r.person_id.is_empty(), "referral.person_id", "is required");
        let center = parse_opt_id("referral.center_id", &r.center_id, &mut v);
        v.check(!r.center_id.is_empty(), "referral.center_id", "is required");
        let form = ServiceForm::try_from(r.service_form).unwrap_or(ServiceForm::Unspecified);
        let referral_date =
            parse_opt_date("referral.referral_date", r.referral_date.as_ref(), &mut v);
        let reason = pb::OutOfTurnReason::try_from(r.out_of_turn_reason).ok();
        rules::check_referral(
            &Referral {
                form,
                date_sent: r.referral_date.is_some(),
                referral_date,
                number: &r.referral_number,
                out_of_turn: r.out_of_turn,
                reason,
                note: &r.out_of_turn_note,
            },
            today(),
            &mut v,
        );
        let assessment = parse_opt_id("referral.assessment_id", &r.assessment_id, &mut v);
        let renews = parse_opt_id("referral.renews_episode_id", &r.renews_episode_id, &mut v);
        rules::check_length(&mut v, "request_id", &req.request_id, rules::MAX_NUMBER);
        v.into_result()?;
        let (Some(person), Some(center), Some(referral_date)) = (person, center, referral_date)
        else {
            return Err(ApiError::Internal("validated referral incomplete".into()));
        };
        let reason = reason.unwrap_or(pb::OutOfTurnReason::Unspecified);
        Self::require_center_writer(ctx, center)?;
        let id = Uuid::now_v7();
        let key = (person, center, form as i16);
        let mut conn = self.conn().await?;
        let row = conn
            .transaction(async |conn| {
                if let Some(first) =
                    idempotency::claim(conn, "EnqueueReferral", &req.request_id, id).await?
                {
                    return episodes::get(conn, first)
                        .await?
                        .ok_or_else(|| not_found(first));
                }
                let c = centers::get_for_update(conn, center)
                    .await?
                    .ok_or_else(|| ApiError::NotFound {
                        resource: "center",
                        id: center.to_string(),
                    })?;
                rules::check_form_offered(center, &c.service_forms, form)?;
                if persons::get(conn, person).await?.is_none() {
                    return Err(ApiError::NotFound {
                        resource: "person",
                        id: person.to_string(),
                    });
                }
                if let Some(a) = assessment {
                    let owned = persons::assessments_of(conn, person, None, i64::MAX)
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
                let receipt = match renews {
                    Some(old_id) => {
                        let mut old = episodes::get_for_update(conn, old_id)
                            .await?
                            .ok_or_else(|| not_found(old_id))?;
                        let old_key = (old.person_id, old.center_id, old.service_form);
                        if rules::renewal(old_id, old_key, state(&old), key)? {
                            old.state = State::Terminated as i16;
                            old.ended_on = Some(referral_date);
                            old.update_time = crate::api::now();
                            old.version += 1;
                            episodes::update(conn, &old).await?;
                            let ended = event_row(
                                old_id,
                                Kind::Terminated,
                                referral_date,
                                &r.referral_number,
                                rules::RENEWED_REASON,
                                ctx,
                            );
                            episodes::add_event(conn, &ended).await?;
                        }
                        // Renewing an expired ЖОБ keeps the original queue position.
                        old.queue_receipt
                    }
                    None => {
                        if let Some(active) =
                            episodes::active_in(conn, person, center, form as i16).await?
                        {
                            return Err(rules::already_waiting(active.id));
                        }
                        episodes::next_receipt(conn).await?
                    }
                };
                let now = crate::api::now();
                let row = EpisodeRow {
                    id,
                    person_id: person,
                    center_id: center,
                    service_form: form as i16,
                    referral_date,
                    referral_number: r.referral_number.trim().to_string(),
                    assessment_id: assessment,
                    renews_episode_id: renews,
                    queue_receipt: receipt,
                    out_of_turn: r.out_of_turn,
                    out_of_turn_reason: reason as i16,
                    out_of_turn_note: r.out_of_turn_note.trim().to_string(),
                    state: State::Queued as i16,
                    arrival_due_date: None,
                    postponed: false,
                    admitted_on: None,
                    ended_on: None,
                    discharge_outcome: 0,
                    create_time: now,
                    update_time: now,
                    version: 1,
                };
                episodes::insert(conn, &row).await?;
                let queued =
                    event_row(id, Kind::Queued, referral_date, &r.referral_number, "", ctx);
                episodes::add_event(conn, &queued).await?;
                Ok::<_, ApiError>(row)
            })
            .await?;
        Ok(pb::EnqueueReferralResponse {
            episode: Some(
                self.episode_after_write(&mut conn, ctx, "EnqueueReferral", &row)
                    .await?,
            ),
        })
    }

    pub(crate) async fn get_queue_position(
        &self,
        ctx: &Ctx,
        req: pb::GetQueuePositionRequest,
    ) -> Result<pb::GetQueuePositionResponse, ApiError> {
        let id = parse_id("episode_id", &req.episode_id)?;
        let mut conn = self.conn().await?;
        let e = episodes::get(&mut conn, id).await?;
        let Some(e) = e else {
            ctx.caller.authenticated()?;
            return Err(not_found(id));
        };
        self.authorize_episode(&mut conn, ctx, "GetQueuePosition", &e)
            .await?;
        let waiting = episode::WAITING.contains(&state(&e));
        let (position, length) = if waiting {
            episodes::position(&mut conn, &e).await?
        } else {
            (
                0,
                episodes::queue_length(&mut conn, e.center_id, Some(e.service_form)).await?,
            )
        };
        let median = episodes::median_wait(&mut conn, e.center_id, e.service_form).await?;
        self.audit_persons(ctx, "GetQueuePosition", [e.person_id], Some(e.center_id))
            .await?;
        Ok(pb::GetQueuePositionResponse {
            queue_position: Some(pb::QueuePosition {
                episode_id: e.id.to_string(),
                center_id: e.center_id.to_string(),
                service_form: e.service_form as i32,
                state: e.state as i32,
                position: position as i32,
                queue_length: length as i32,
                referral_date: Some(from_date(e.referral_date)),
                median_wait_days: median,
                arrival_due_date: convert::date(e.arrival_due_date),
            }),
        })
    }

    pub(crate) async fn list_queue(
        &self,
        ctx: &Ctx,
        req: pb::ListQueueRequest,
    ) -> Result<pb::ListQueueResponse, ApiError> {
        let center = parse_id("center_id", &req.center_id)?;
        ctx.caller.require_center(center, READ_ALL)?;
        let form = ServiceForm::try_from(req.service_form)
            .map_err(|_| ApiError::invalid("service_form", "unknown value"))?;
        let form = (form != ServiceForm::Unspecified).then_some(form as i16);
        let limit = page_size(req.page_size)?;
        let offset = match decode_token(&req.page_token)? {
            Some(s) => s.parse::<i64>().map_err(|_| {
                ApiError::invalid("page_token", "is not a token this service issued")
            })?,
            None => 0,
        };
        let mut conn = self.conn().await?;
        let rows = episodes::queue(&mut conn, center, form, offset, limit + 1).await?;
        let more = rows.len() as i64 > limit;
        let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
        let total = episodes::queue_length(&mut conn, center, form).await?;
        let today = today();
        let mut entries = Vec::with_capacity(rows.len());
        for e in &rows {
            let (position, _) = episodes::position(&mut conn, e).await?;
            entries.push(pb::QueueEntry {
                episode_id: e.id.to_string(),
                person_id: e.person_id.to_string(),
                center_id: e.center_id.to_string(),
                service_form: e.service_form as i32,
                position: position as i32,
                referral_date: Some(from_date(e.referral_date)),
                state: e.state as i32,
                out_of_turn: e.out_of_turn,
                out_of_turn_reason: e.out_of_turn_reason as i32,
                arrival_due_date: convert::date(e.arrival_due_date),
                days_waiting: (today - e.referral_date).num_days() as i32,
            });
        }
        Ok(pb::ListQueueResponse {
            entries,
            next_page_token: if more {
                encode_token(&(offset + limit).to_string())
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
        let mut v = Violations::new();
        let center = parse_opt_id("center_id", &req.center_id, &mut v);
        v.check(!req.center_id.is_empty(), "center_id", "is required");
        let form = ServiceForm::try_from(req.service_form).unwrap_or(ServiceForm::Unspecified);
        v.check(
            form != ServiceForm::Unspecified,
            "service_form",
            "is required",
        );
        let expected = parse_opt_id("episode_id", &req.episode_id, &mut v);
        let due = parse_opt_date("arrival_due_date", req.arrival_due_date.as_ref(), &mut v);
        v.check(
            req.arrival_due_date.is_some(),
            "arrival_due_date",
            "is required",
        );
        rules::check_length(&mut v, "order_number", &req.order_number, rules::MAX_NUMBER);
        v.into_result()?;
        let (Some(center), Some(due)) = (center, due) else {
            return Err(ApiError::Internal("validated offer incomplete".into()));
        };
        Self::require_center_writer(ctx, center)?;
        let mut conn = self.conn().await?;
        let row = conn
            .transaction(async |conn| {
                if let Some(first) = idempotency::find(conn, "OfferPlace", &req.request_id).await? {
                    return episodes::get(conn, first)
                        .await?
                        .ok_or_else(|| not_found(first));
                }
                centers::get_for_update(conn, center)
                    .await?
                    .ok_or_else(|| ApiError::NotFound {
                        resource: "center",
                        id: center.to_string(),
                    })?;
                let head = episodes::head_of_queue(conn, center, form as i16).await?;
                rules::check_offer(
                    center,
                    head.as_ref().map(|h| (h.id, h.referral_date)),
                    expected,
                    due,
                )?;
                let Some(head) = head else {
                    return Err(ApiError::Internal(
                        "an offer without a head of queue".into(),
                    ));
                };
                idempotency::claim(conn, "OfferPlace", &req.request_id, head.id).await?;
                let on = rules::offer_date(today(), due);
                self.offer(conn, ctx, head, (on, due), &req.order_number, "")
                    .await
            })
            .await?;
        Ok(pb::OfferPlaceResponse {
            episode: Some(
                self.episode_after_write(&mut conn, ctx, "OfferPlace", &row)
                    .await?,
            ),
        })
    }

    /// Moves a queued episode to OFFERED with an arrival date.
    pub(super) async fn offer(
        &self,
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
        e.update_time = crate::api::now();
        e.version += 1;
        episodes::update(conn, &e).await?;
        let mut event = event_row(e.id, Kind::Offered, on, order, reason, ctx);
        event.arrival_due_date = Some(due);
        episodes::add_event(conn, &event).await?;
        Ok(e)
    }
}
