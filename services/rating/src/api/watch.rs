//! WatchRatings: rating events after the sequence number a subscriber last saw, then live ones,
//! through the shared event-table watch (`onaltu_events::Watch`).

use onaltu_api::{Ctx, parse_id};
use onaltu_errors::{ApiError, Violations};
use onaltu_events::Watch;
use onaltu_proto::common::{CenterKind, CenterSector};
use onaltu_proto::rating as pb;
use prost::Message as _;
use tonic::Status;

use super::{EventStream, Rating, SUBSCRIBERS};
use crate::store::events::{EventRow, Filter, RatingEvents};

/// The instance's watch over the rating events.
pub type EventHub = Watch<RatingEvents>;

/// Most centres one subscription may name.
const MAX_CENTERS: usize = 1_000;

/// A decoded WatchRatings request.
struct Subscription {
    after: i64,
    filter: Filter,
}

impl TryFrom<pb::WatchRatingsRequest> for Subscription {
    type Error = ApiError;

    fn try_from(req: pb::WatchRatingsRequest) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        v.check(
            req.after_sequence_number >= 0,
            "after_sequence_number",
            "must be >= 0",
        );
        v.check(
            CenterSector::try_from(req.sector).is_ok(),
            "sector",
            "is not a known sector",
        );
        v.check(
            CenterKind::try_from(req.kind).is_ok(),
            "kind",
            "is not a known kind",
        );
        v.check(
            req.center_ids.len() <= MAX_CENTERS,
            "center_ids",
            format!("at most {MAX_CENTERS} centres; leave it empty for all"),
        );
        let centers = req
            .center_ids
            .iter()
            .enumerate()
            .map(|(i, id)| v.take(parse_id(&format!("center_ids[{i}]"), id)))
            .collect();
        let filter = Filter {
            region: (!req.region_code.is_empty()).then_some(req.region_code),
            sector: (req.sector != 0).then_some(req.sector),
            kind: (req.kind != 0).then_some(req.kind),
            centers,
        };
        v.finish(Subscription {
            after: req.after_sequence_number,
            filter,
        })
    }
}

fn response(row: &EventRow) -> Option<Result<pb::WatchRatingsResponse, Status>> {
    let encoded = pb::RatingEvent::decode(row.body.as_slice())
        .map(|mut event| {
            event.sequence_number = row.sequence_number;
            pb::WatchRatingsResponse { event: Some(event) }
        })
        .map_err(|_| Status::internal("a stored rating event does not decode"));
    Some(encoded)
}

impl Rating {
    pub(crate) async fn watch_ratings(
        &self,
        ctx: &Ctx,
        req: pb::WatchRatingsRequest,
    ) -> Result<EventStream, ApiError> {
        ctx.caller.require(SUBSCRIBERS)?;
        let sub = Subscription::try_from(req)?;
        let stream = self.hub.subscribe(
            &ctx.subject(),
            sub.filter,
            sub.after,
            Vec::new(),
            Box::new(response),
        )?;
        Ok(Box::pin(stream))
    }
}
