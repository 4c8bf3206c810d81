//! The electronic journal (электрондық журнал) after admission: temporary leave, return,
//! suspension, discharge, transfer, expulsion, termination and no-show, and the offer to the
//! next in line that a no-show brings. The rules are in `domain::queue` and `domain::episode`.

use diesel_async::AsyncConnection as _;
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::registry::{self as pb, EpisodeEventKind as Kind};

use super::convert::{parse_id, parse_opt_date, parse_opt_id};
use super::queue::{event_row, not_found, state};
use super::{Ctx, Registry, today};
use crate::domain::episode::transition;
use crate::domain::queue::{self as rules, JournalEvent};
use crate::store::{centers, episodes, idempotency};

impl Registry {
    pub(crate) async fn record_episode_event(
        &self,
        ctx: &Ctx,
        req: pb::RecordEpisodeEventRequest,
    ) -> Result<pb::RecordEpisodeEventResponse, ApiError> {
        let id = parse_id("episode_id", &req.episode_id)?;
        let ev = req.event.unwrap_or_default();
        let kind = Kind::try_from(ev.kind).unwrap_or(Kind::Unspecified);
        let mut v = Violations::new();
        let date = parse_opt_date("event.event_date", ev.event_date.as_ref(), &mut v);
        let transfer = parse_opt_id("event.transfer_center_id", &ev.transfer_center_id, &mut v);
        rules::check_journal_event(
            &JournalEvent {
                kind,
                date_sent: ev.event_date.is_some(),
                date,
                outcome: ev.discharge_outcome,
                transfer,
                reason: &ev.reason,
                order: &ev.order_number,
            },
            today(),
            &mut v,
        );
        v.into_result()?;
        let Some(date) = date else {
            return Err(ApiError::Internal("validated event incomplete".into()));
        };
        let outcome = pb::DischargeOutcome::try_from(ev.discharge_outcome)
            .unwrap_or(pb::DischargeOutcome::Unspecified);
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
                rules::check_event_date(date, e.admitted_on, e.referral_date)?;
                if let Some(t) = transfer {
                    let exists = t != e.center_id && centers::get(conn, t).await?.is_some();
                    rules::check_transfer(t, e.center_id, exists)?;
                }
                let was = state(&e);
                e.state = next as i16;
                if let Some(ended) = rules::ended_on(next, date) {
                    e.ended_on = Some(ended);
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
                if rules::frees_a_place(kind, was)
                    && let Some(head) =
                        episodes::head_of_queue(conn, e.center_id, e.service_form).await?
                {
                    // Dated on the no-show, so a journal recorded after the fact stays in order.
                    let due = rules::arrival_after_no_show(date);
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
}
