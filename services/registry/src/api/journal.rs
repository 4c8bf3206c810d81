//! The electronic journal (электрондық журнал) after admission: temporary leave, return,
//! suspension, discharge, transfer, expulsion, termination and no-show, and the offer to the
//! next in line that a no-show brings. The rules are in `domain::queue` and `domain::episode`.

use chrono::NaiveDate;
use diesel_async::AsyncConnection as _;
use onaltu_api::{now, parse_id, parse_opt_date, parse_opt_id};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::registry::{self as pb, DischargeOutcome, EpisodeEventKind as Kind};
use prost::Message as _;
use uuid::Uuid;

use super::queue::{event_row, state};
use super::{Registry, idempotent};
use crate::domain::episode::transition;
use crate::domain::queue::{self as rules, JournalEvent};
use crate::store::episodes::EpisodeRow;
use crate::store::{Conn, centers, episodes};
use onaltu_api::{Ctx, today};

/// A journal event to record (RecordEpisodeEvent).
#[derive(Debug, Clone, PartialEq)]
struct JournalInput {
    episode: Uuid,
    kind: Kind,
    date: NaiveDate,
    outcome: DischargeOutcome,
    transfer: Option<Uuid>,
    reason: String,
    order_number: String,
    request_id: Option<Uuid>,
}

impl JournalInput {
    /// Decodes a journal event recorded on `today`.
    fn decode(req: pb::RecordEpisodeEventRequest, today: NaiveDate) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        let episode = v.take(parse_id("episode_id", &req.episode_id));
        let ev = req.event.unwrap_or_default();
        let kind = Kind::try_from(ev.kind).unwrap_or(Kind::Unspecified);
        let date = parse_opt_date("event.event_date", ev.event_date.as_ref(), &mut v);
        let transfer = parse_opt_id("event.transfer_center_id", &ev.transfer_center_id, &mut v);
        let event = JournalEvent {
            kind,
            date_sent: ev.event_date.is_some(),
            date,
            outcome: ev.discharge_outcome,
            transfer,
            reason: &ev.reason,
            order: &ev.order_number,
        };
        rules::check_journal_event(&event, today, &mut v);
        let request_id = super::idempotent::request_id(&req.request_id, &mut v);
        v.finish(Self {
            episode,
            kind,
            date: date.unwrap_or_default(),
            outcome: DischargeOutcome::try_from(ev.discharge_outcome)
                .unwrap_or(DischargeOutcome::Unspecified),
            transfer,
            reason: ev.reason,
            order_number: ev.order_number,
            request_id,
        })
    }
}

impl Registry {
    pub(crate) async fn record_episode_event(
        &self,
        ctx: &Ctx,
        req: pb::RecordEpisodeEventRequest,
    ) -> Result<pb::RecordEpisodeEventResponse, ApiError> {
        let body = req.encode_to_vec();
        let input = JournalInput::decode(req, today())?;
        let key = idempotent::key(ctx, "RecordEpisodeEvent", input.request_id, &body);
        let key = key.as_ref();
        let mut conn = self.conn().await?;
        let row = conn
            .transaction(async |conn| {
                let (_, e) = Self::lock_episode(conn, input.episode).await?;
                Self::require_center_writer(ctx, e.center_id)?;
                if let Some(first) = Self::replayed(conn, key).await? {
                    return Ok(first);
                }
                let was = state(&e);
                let e = Self::journal(conn, ctx, e, &input).await?;
                idempotent::remember(conn, key, e.id).await?;
                if rules::frees_a_place(input.kind, was) {
                    Self::offer_freed_place(conn, ctx, &e, &input).await?;
                }
                Ok::<_, ApiError>(e)
            })
            .await?;
        let episode = self
            .episode_after_write(&mut conn, ctx, "RecordEpisodeEvent", &row)
            .await?;
        Ok(pb::RecordEpisodeEventResponse {
            episode: Some(episode),
        })
    }

    /// Records event `j` in episode `e`'s journal and moves the episode on; a discharge is
    /// announced.
    async fn journal(
        conn: &mut Conn,
        ctx: &Ctx,
        mut e: EpisodeRow,
        j: &JournalInput,
    ) -> Result<EpisodeRow, ApiError> {
        let next = transition(&e.id.to_string(), state(&e), j.kind)?;
        rules::check_event_date(j.date, e.admitted_on, e.referral_date)?;
        if let Some(t) = j.transfer {
            let exists = t != e.center_id && centers::get(conn, t).await?.is_some();
            rules::check_transfer(t, e.center_id, exists)?;
        }
        e.state = next as i16;
        if let Some(ended) = rules::ended_on(next, j.date) {
            e.ended_on = Some(ended);
        }
        if j.kind == Kind::Discharged {
            e.discharge_outcome = j.outcome as i16;
        }
        e.update_time = now();
        e.version += 1;
        episodes::update(conn, &e).await?;
        let mut event = event_row(e.id, j.kind, j.date, &j.order_number, &j.reason, ctx);
        event.discharge_outcome = j.outcome as i16;
        event.transfer_center_id = j.transfer;
        episodes::add_event(conn, &event).await?;
        if j.kind == Kind::Discharged {
            crate::events::episode_discharged(conn, &e, j.date).await?;
        }
        Ok(e)
    }

    /// Offers the place a no-show in `e` freed to the next in line, if anyone waits.
    async fn offer_freed_place(
        conn: &mut Conn,
        ctx: &Ctx,
        e: &EpisodeRow,
        j: &JournalInput,
    ) -> Result<(), ApiError> {
        let Some(head) = episodes::head_of_queue(conn, e.center_id, e.service_form).await? else {
            return Ok(());
        };
        // Dated on the no-show, so a journal recorded after the fact stays in order.
        let due = rules::arrival_after_no_show(j.date);
        let reason = "offered after a no-show";
        Self::offer(conn, ctx, head, (j.date, due), &j.order_number, reason).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_event_reports_the_episode_and_the_event_at_once() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let req = pb::RecordEpisodeEventRequest {
            episode_id: String::new(),
            event: Some(pb::EpisodeEvent {
                kind: Kind::Discharged as i32,
                ..Default::default()
            }),
            ..Default::default()
        };
        let Err(ApiError::InvalidArgument(bad)) = JournalInput::decode(req, today) else {
            panic!("a journal event without episode, date or outcome was accepted");
        };
        let fields: Vec<_> = bad.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            ["episode_id", "event.event_date", "event.discharge_outcome"]
        );
    }
}
