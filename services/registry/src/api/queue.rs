//! Queues and service episodes: referral, offer, postponement, admission, and the events of the
//! electronic journal up to discharge.

use chrono::{Days, NaiveDate};
use diesel_async::AsyncConnection as _;
use onaltu_auth::Role;
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::registry::{
    self as pb, EpisodeEventKind as Kind, EpisodeState as State, ServiceForm,
};
use uuid::Uuid;

use super::convert::{self, parse_id, parse_opt_date, parse_opt_id};
use super::{Ctx, READ_ALL, Registry, WRITERS, decode_token, encode_token, page_size, today};
use crate::domain::episode::{self, check_postponement, is_final, transition};
use crate::domain::person::from_date;
use crate::store::episodes::{self, EpisodeFilter, EpisodeRow, EventRow};
use crate::store::{Conn, centers, idempotency, persons};

/// Days between an offer made after a no-show and the arrival it asks for.
const DEFAULT_ARRIVAL_DAYS: u64 = 7;

fn state(e: &EpisodeRow) -> State {
    State::try_from(e.state as i32).unwrap_or(State::Unspecified)
}

fn form_of(e: &EpisodeRow) -> ServiceForm {
    ServiceForm::try_from(e.service_form as i32).unwrap_or(ServiceForm::Unspecified)
}

fn not_found(id: Uuid) -> ApiError {
    ApiError::NotFound {
        resource: "episode",
        id: id.to_string(),
    }
}

fn check_text(v: &mut Violations, field: &str, value: &str, max: usize) {
    v.check(
        value.chars().count() <= max,
        field,
        format!("must be at most {max} characters"),
    );
}

fn event_row(
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
    fn require_center_writer(ctx: &Ctx, center: Uuid) -> Result<(), ApiError> {
        ctx.caller.require_center(center, WRITERS).map(|_| ())
    }

    /// Whether the caller may see an episode: its centre's staff, or whoever may see the person.
    async fn authorize_episode(
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

    async fn episode_message(
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
    async fn episode_after_write(
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
        v.check(
            form != ServiceForm::Unspecified,
            "referral.service_form",
            "is required",
        );
        let referral_date =
            parse_opt_date("referral.referral_date", r.referral_date.as_ref(), &mut v);
        v.check(
            r.referral_date.is_some(),
            "referral.referral_date",
            "is required",
        );
        if let Some(d) = referral_date {
            v.check(
                d <= today(),
                "referral.referral_date",
                "must not be in the future",
            );
        }
        check_text(&mut v, "referral.referral_number", &r.referral_number, 100);
        check_text(
            &mut v,
            "referral.out_of_turn_note",
            &r.out_of_turn_note,
            1000,
        );
        let assessment = parse_opt_id("referral.assessment_id", &r.assessment_id, &mut v);
        let renews = parse_opt_id("referral.renews_episode_id", &r.renews_episode_id, &mut v);
        let reason = pb::OutOfTurnReason::try_from(r.out_of_turn_reason)
            .unwrap_or(pb::OutOfTurnReason::Unspecified);
        v.check(
            pb::OutOfTurnReason::try_from(r.out_of_turn_reason).is_ok(),
            "referral.out_of_turn_reason",
            "unknown value",
        );
        if r.out_of_turn {
            v.check(
                reason != pb::OutOfTurnReason::Unspecified,
                "referral.out_of_turn_reason",
                "is required for an out-of-turn referral",
            );
            if reason == pb::OutOfTurnReason::OrphanTurning18 {
                v.check(
                    form == ServiceForm::Stationary,
                    "referral.service_form",
                    "out-of-turn admission of orphans turning 18 is to stationary care",
                );
            }
        } else {
            v.check(
                reason == pb::OutOfTurnReason::Unspecified,
                "referral.out_of_turn_reason",
                "is only for out-of-turn referrals",
            );
        }
        v.check(
            req.request_id.len() <= 100,
            "request_id",
            "must be at most 100 characters",
        );
        v.into_result()?;
        let (Some(person), Some(center), Some(referral_date)) = (person, center, referral_date)
        else {
            return Err(ApiError::Internal("validated referral incomplete".into()));
        };
        Self::require_center_writer(ctx, center)?;
        let id = Uuid::now_v7();
        let mut conn = self.conn().await?;
        let row = conn
            .transaction(async |conn| {
                if let Some(first) = idempotency::claim(conn, "EnqueueReferral", &req.request_id, id).await? {
                    return episodes::get(conn, first).await?.ok_or_else(|| not_found(first));
                }
                let c = centers::get_for_update(conn, center).await?.ok_or_else(|| ApiError::NotFound {
                    resource: "center",
                    id: center.to_string(),
                })?;
                if !c.service_forms.is_empty() && !c.service_forms.contains(&(form as i16)) {
                    return Err(ApiError::precondition(
                        "SERVICE_FORM",
                        format!("centers/{center}"),
                        format!("the centre does not offer {}", form.as_str_name().trim_start_matches("SERVICE_FORM_")),
                    ));
                }
                if persons::get(conn, person).await?.is_none() {
                    return Err(ApiError::NotFound { resource: "person", id: person.to_string() });
                }
                if let Some(a) = assessment {
                    let owned = persons::assessments_of(conn, person, None, i64::MAX).await?.iter().any(|x| x.id == a);
                    if !owned {
                        return Err(ApiError::invalid("referral.assessment_id", "is not an assessment of this person"));
                    }
                }
                let mut receipt = None;
                if let Some(old_id) = renews {
                    let mut old = episodes::get_for_update(conn, old_id).await?.ok_or_else(|| not_found(old_id))?;
                    if (old.person_id, old.center_id, old.service_form) != (person, center, form as i16) {
                        return Err(ApiError::invalid(
                            "referral.renews_episode_id",
                            "must be an episode of the same person, centre and service form",
                        ));
                    }
                    let old_state = state(&old);
                    if !(episode::WAITING.contains(&old_state) || old_state == State::Terminated) {
                        return Err(ApiError::precondition(
                            "EPISODE_STATE",
                            format!("episodes/{old_id}"),
                            format!(
                                "episode is {}; only a waiting or terminated referral can be renewed",
                                old_state.as_str_name().trim_start_matches("EPISODE_STATE_")
                            ),
                        ));
                    }
                    if old_state != State::Terminated {
                        old.state = State::Terminated as i16;
                        old.ended_on = Some(referral_date);
                        old.update_time = crate::api::now();
                        old.version += 1;
                        episodes::update(conn, &old).await?;
                        episodes::add_event(
                            conn,
                            &event_row(old_id, Kind::Terminated, referral_date, &r.referral_number, "renewed by a new referral (ЖОБ renewed)", ctx),
                        )
                        .await?;
                    }
                    // Renewing an expired ЖОБ keeps the original queue position.
                    receipt = Some(old.queue_receipt);
                } else if let Some(active) = episodes::active_in(conn, person, center, form as i16).await? {
                    return Err(ApiError::AlreadyExists {
                        resource: "episode",
                        message: format!("the person already has episode {} in this queue or at this place", active.id),
                    });
                }
                let receipt = match receipt {
                    Some(r) => r,
                    None => episodes::next_receipt(conn).await?,
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
                episodes::add_event(conn, &event_row(id, Kind::Queued, referral_date, &r.referral_number, "", ctx)).await?;
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
        check_text(&mut v, "order_number", &req.order_number, 100);
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
                let head = episodes::head_of_queue(conn, center, form as i16)
                    .await?
                    .ok_or_else(|| {
                        ApiError::precondition(
                            "QUEUE_EMPTY",
                            format!("centers/{center}"),
                            "nobody is waiting in this queue",
                        )
                    })?;
                if let Some(expected) = expected.filter(|e| *e != head.id) {
                    return Err(ApiError::precondition(
                        "QUEUE_ORDER",
                        format!("episodes/{expected}"),
                        format!(
                            "episode {expected} is not at the head of the queue; episode {} is",
                            head.id
                        ),
                    ));
                }
                if due < head.referral_date {
                    return Err(ApiError::invalid(
                        "arrival_due_date",
                        "must not be before the referral date",
                    ));
                }
                idempotency::claim(conn, "OfferPlace", &req.request_id, head.id).await?;
                // OfferPlace carries no event date: the offer is dated today, or on the arrival
                // date when that has already passed (an offer recorded after the fact).
                let on = today().min(due);
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
    async fn offer(
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

    /// Locks the episode's centre, then the episode (always in this order).
    async fn lock_episode(conn: &mut Conn, id: Uuid) -> Result<EpisodeRow, ApiError> {
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
        check_text(&mut v, "reason", &req.reason, 1000);
        check_text(&mut v, "order_number", &req.order_number, 100);
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
        if let Some(d) = admitted {
            v.check(d <= today(), "admitted_on", "must not be in the future");
        }
        check_text(&mut v, "order_number", &req.order_number, 100);
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
                if admitted < e.referral_date {
                    return Err(ApiError::invalid(
                        "admitted_on",
                        "must not be before the referral date",
                    ));
                }
                let capacity = if form_of(&e) == ServiceForm::Stationary {
                    c.beds.or(c.places)
                } else {
                    c.places.or(c.beds)
                };
                if let Some(capacity) = capacity {
                    let occupied = episodes::occupied(conn, c.id, e.service_form).await?;
                    if occupied >= capacity as i64 {
                        return Err(ApiError::precondition(
                            "CAPACITY",
                            format!("centers/{}", c.id),
                            format!("all {capacity} places of this service form are occupied"),
                        ));
                    }
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

    pub(crate) async fn record_episode_event(
        &self,
        ctx: &Ctx,
        req: pb::RecordEpisodeEventRequest,
    ) -> Result<pb::RecordEpisodeEventResponse, ApiError> {
        let id = parse_id("episode_id", &req.episode_id)?;
        let ev = req.event.unwrap_or_default();
        let kind = Kind::try_from(ev.kind).unwrap_or(Kind::Unspecified);
        let mut v = Violations::new();
        match kind {
            Kind::Unspecified => v.add("event.kind", "is required"),
            Kind::Queued => v.add("event.kind", "use EnqueueReferral"),
            Kind::Offered => v.add("event.kind", "use OfferPlace"),
            Kind::Postponed => v.add("event.kind", "use PostponeArrival"),
            Kind::Admitted => v.add("event.kind", "use AdmitPerson"),
            _ => {}
        }
        let date = parse_opt_date("event.event_date", ev.event_date.as_ref(), &mut v);
        v.check(ev.event_date.is_some(), "event.event_date", "is required");
        if let Some(d) = date {
            v.check(
                d <= today(),
                "event.event_date",
                "must not be in the future",
            );
        }
        let outcome = pb::DischargeOutcome::try_from(ev.discharge_outcome)
            .unwrap_or(pb::DischargeOutcome::Unspecified);
        if kind == Kind::Discharged {
            v.check(
                outcome != pb::DischargeOutcome::Unspecified,
                "event.discharge_outcome",
                "is required on discharge",
            );
        } else {
            v.check(
                ev.discharge_outcome == 0,
                "event.discharge_outcome",
                "is only for discharges",
            );
        }
        let transfer = parse_opt_id("event.transfer_center_id", &ev.transfer_center_id, &mut v);
        if kind == Kind::Transferred {
            v.check(
                transfer.is_some(),
                "event.transfer_center_id",
                "is required on transfer",
            );
        }
        if matches!(kind, Kind::Expelled | Kind::Terminated | Kind::Suspended) {
            v.check(
                !ev.reason.trim().is_empty(),
                "event.reason",
                "is required for this event",
            );
        }
        check_text(&mut v, "event.reason", &ev.reason, 1000);
        check_text(&mut v, "event.order_number", &ev.order_number, 100);
        v.into_result()?;
        let Some(date) = date else {
            return Err(ApiError::Internal("validated event incomplete".into()));
        };
        let mut conn = self.conn().await?;
        let row = conn
            .transaction(async |conn| {
                if let Some(first) =
                    idempotency::find(conn, "RecordEpisodeEvent", &req.request_id).await?
                {
                    return episodes::get(conn, first)
                        .await?
                        .ok_or_else(|| not_found(first));
                }
                let mut e = Self::lock_episode(conn, id).await?;
                Self::require_center_writer(ctx, e.center_id)?;
                let next = transition(&id.to_string(), state(&e), kind)?;
                let since = e.admitted_on.unwrap_or(e.referral_date);
                if date < since {
                    return Err(ApiError::invalid(
                        "event.event_date",
                        format!("must not be before {since}"),
                    ));
                }
                if let Some(t) = transfer {
                    if t == e.center_id {
                        return Err(ApiError::invalid(
                            "event.transfer_center_id",
                            "must be another centre",
                        ));
                    }
                    if centers::get(conn, t).await?.is_none() {
                        return Err(ApiError::invalid(
                            "event.transfer_center_id",
                            "no such centre",
                        ));
                    }
                }
                let was = state(&e);
                e.state = next as i16;
                if is_final(next) {
                    e.ended_on = Some(date);
                }
                if kind == Kind::Discharged {
                    e.discharge_outcome = outcome as i16;
                }
                e.update_time = crate::api::now();
                e.version += 1;
                episodes::update(conn, &e).await?;
                let mut event = event_row(id, kind, date, &ev.order_number, &ev.reason, ctx);
                event.discharge_outcome = outcome as i16;
                event.transfer_center_id = transfer;
                episodes::add_event(conn, &event).await?;
                if kind == Kind::Discharged {
                    super::events::episode_discharged(conn, &e, date).await?;
                }
                idempotency::claim(conn, "RecordEpisodeEvent", &req.request_id, id).await?;
                if kind == Kind::NoShow && matches!(was, State::Offered | State::Postponed) {
                    // A no-show offers the place to the next in line.
                    if let Some(head) =
                        episodes::head_of_queue(conn, e.center_id, e.service_form).await?
                    {
                        // Dated on the no-show, so a journal recorded after the fact stays in order.
                        let due = date
                            .checked_add_days(Days::new(DEFAULT_ARRIVAL_DAYS))
                            .unwrap_or(date);
                        self.offer(
                            conn,
                            ctx,
                            head,
                            (date, due),
                            &ev.order_number,
                            "offered after a no-show",
                        )
                        .await?;
                    }
                }
                Ok::<_, ApiError>(e)
            })
            .await?;
        Ok(pb::RecordEpisodeEventResponse {
            episode: Some(
                self.episode_after_write(&mut conn, ctx, "RecordEpisodeEvent", &row)
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
