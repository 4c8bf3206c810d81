//! WatchRatings: rating events after the sequence number a subscriber last saw, then live ones.
//!
//! One tail task per instance reads new events from Postgres once (woken by a computation here,
//! or by its poll for computations elsewhere) and broadcasts them; each subscriber first catches
//! up from Postgres, then follows the broadcast, and catches up again if it falls behind. It
//! subscribes before catching up and skips what it has seen, so nothing falls between the two.

use std::sync::Arc;
use std::time::Duration;

use onaltu_api::parse_id;
use onaltu_db::Pool;
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::rating as pb;
use prost::Message as _;
use tokio::sync::{Notify, broadcast, mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

use super::{EventStream, Rating, SUBSCRIBERS};
use crate::store::events::{self, EventRow, Filter};
use onaltu_api::Ctx;

/// Most centres one subscription may name.
const MAX_CENTERS: usize = 1_000;
/// Events read from Postgres per query.
const BATCH: i64 = 500;

/// The instance's live rating events.
#[derive(Clone)]
pub struct EventHub {
    inner: Arc<Hub>,
}

struct Hub {
    live: broadcast::Sender<Arc<EventRow>>,
    wake: Notify,
    closing: watch::Receiver<bool>,
}

impl EventHub {
    /// A hub keeping up to `capacity` live events per slow subscriber; streams end when
    /// `closing` turns true.
    pub fn new(capacity: usize, closing: watch::Receiver<bool>) -> Self {
        let (live, _) = broadcast::channel(capacity);
        Self {
            inner: Arc::new(Hub {
                live,
                wake: Notify::new(),
                closing,
            }),
        }
    }

    /// Tells the tail that events were just written here.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Reads events after `last` (the last one written when the instance started, read before
    /// it serves, so no computation here can slip between) and broadcasts them until closing,
    /// polling every `poll` for events written by other instances.
    pub async fn run_tail(self, pool: Pool, mut last: i64, poll: Duration) {
        let mut closing = self.inner.closing.clone();
        while !*closing.borrow() {
            tokio::select! {
                () = self.inner.wake.notified() => {}
                () = tokio::time::sleep(poll) => {}
                _ = closing.changed() => break,
            }
            let Ok(mut conn) = pool.get().await else {
                continue;
            };
            loop {
                let Ok(rows) = events::after(&mut conn, last, &Filter::default(), BATCH).await
                else {
                    break;
                };
                let full = rows.len() as i64 == BATCH;
                for row in rows {
                    last = row.sequence_number;
                    let _ = self.inner.live.send(Arc::new(row));
                }
                if !full {
                    break;
                }
            }
        }
    }
}

fn response(row: &EventRow) -> Result<pb::WatchRatingsResponse, Status> {
    let mut event = pb::RatingEvent::decode(row.body.as_slice())
        .map_err(|_| Status::internal("a stored rating event does not decode"))?;
    event.sequence_number = row.sequence_number;
    Ok(pb::WatchRatingsResponse { event: Some(event) })
}

type Sink = mpsc::Sender<Result<pb::WatchRatingsResponse, Status>>;

/// Sends every stored event after `*after` passing `filter`; `false` when the subscriber left or
/// the database failed (then the stream ends with UNAVAILABLE and the subscriber resumes).
async fn catch_up(pool: &Pool, filter: &Filter, after: &mut i64, sink: &Sink) -> bool {
    loop {
        let rows = match pool.get().await {
            Ok(mut conn) => events::after(&mut conn, *after, filter, BATCH).await.ok(),
            Err(_) => None,
        };
        let Some(rows) = rows else {
            let _ = sink
                .send(Err(Status::unavailable(
                    "rating events cannot be read now; resume from the last sequence number",
                )))
                .await;
            return false;
        };
        let full = rows.len() as i64 == BATCH;
        for row in &rows {
            if sink.send(response(row)).await.is_err() {
                return false;
            }
            *after = row.sequence_number;
        }
        if !full {
            return true;
        }
    }
}

impl Rating {
    pub(crate) async fn watch_ratings(
        &self,
        ctx: &Ctx,
        req: pb::WatchRatingsRequest,
    ) -> Result<EventStream, ApiError> {
        ctx.caller.require(SUBSCRIBERS)?;
        let mut v = Violations::new();
        v.check(
            req.after_sequence_number >= 0,
            "after_sequence_number",
            "must be >= 0",
        );
        v.check(
            onaltu_proto::common::CenterSector::try_from(req.sector).is_ok(),
            "sector",
            "is not a known sector",
        );
        v.check(
            onaltu_proto::common::CenterKind::try_from(req.kind).is_ok(),
            "kind",
            "is not a known kind",
        );
        v.check(
            req.center_ids.len() <= MAX_CENTERS,
            "center_ids",
            format!("at most {MAX_CENTERS} centres; leave it empty for all"),
        );
        let mut centers = Vec::new();
        for (i, id) in req.center_ids.iter().enumerate() {
            match parse_id(&format!("center_ids[{i}]"), id) {
                Ok(id) => centers.push(id),
                Err(e) => v.absorb(e),
            }
        }
        v.into_result()?;
        let filter = Filter {
            region: (!req.region_code.is_empty()).then(|| req.region_code.clone()),
            sector: (req.sector != 0).then_some(req.sector),
            kind: (req.kind != 0).then_some(req.kind),
            centers,
        };
        let mut live = self.hub.inner.live.subscribe();
        let mut closing = self.hub.inner.closing.clone();
        let pool = self.pool.clone();
        let (sink, stream) = mpsc::channel(256);
        let mut after = req.after_sequence_number;
        tokio::spawn(async move {
            if !catch_up(&pool, &filter, &mut after, &sink).await {
                return;
            }
            loop {
                let got = tokio::select! {
                    got = live.recv() => got,
                    () = sink.closed() => return,
                    _ = closing.changed() => return,
                };
                match got {
                    Ok(row) => {
                        if row.sequence_number <= after {
                            continue;
                        }
                        if filter.matches(&row) && sink.send(response(&row)).await.is_err() {
                            return;
                        }
                        after = row.sequence_number;
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        if !catch_up(&pool, &filter, &mut after, &sink).await {
                            return;
                        }
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        });
        Ok(Box::pin(ReceiverStream::new(stream)))
    }
}
