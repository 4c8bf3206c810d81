//! Creating calls made idempotent on the shared `requests` table (`onaltu_db::requests`): the
//! key is the caller's token subject, the call, and the client's `request_id`, with a
//! fingerprint of the request as received. A handler authorises the caller first (a replay is
//! authorised like a first call), then, in the transaction of the call, asks [`replayed`]: the
//! same caller repeating the same request gets the first result; the same key with another
//! request is FAILED_PRECONDITION; another caller's identical request id is a call of its own.
//! Otherwise the handler writes and [`remember`]s, in the same transaction.
//!
//! What is remembered is the 16 bytes of the id of the resource the first call created or
//! changed; a replay answers that resource as it stands now. A call without a `request_id`
//! is not idempotent. Identical calls racing each other are serialised on their key, so the
//! later one answers the first result too.

use onaltu_api::Ctx;
use onaltu_db::requests::{self, Request};
use onaltu_errors::{ApiError, Violations};
use uuid::Uuid;

use crate::store::Conn;

/// The idempotency key of one creating call.
pub(crate) type Key = Request;

/// The client's request id of a creating call: empty means none; anything else must be a UUID
/// (recorded in `v` when it is not).
pub(crate) fn request_id(value: &str, v: &mut Violations) -> Option<Uuid> {
    onaltu_api::parse_opt_id("request_id", value, v)
}

/// The key of call `method` by the caller with `request_id`, over the request's encoded
/// `body`; `None` when the caller gave no request id.
pub(crate) fn key(
    ctx: &Ctx,
    method: &'static str,
    request_id: Option<Uuid>,
    body: &[u8],
) -> Option<Key> {
    request_id.map(|id| Request::with_fingerprint(&ctx.subject(), method, id, body))
}

/// The resource an earlier identical call by this caller answered, if there was one;
/// FAILED_PRECONDITION when the key came with another request. Called in the call's
/// transaction, it holds the key until the transaction ends.
pub(crate) async fn replayed(conn: &mut Conn, key: Option<&Key>) -> Result<Option<Uuid>, ApiError> {
    match key {
        Some(key) => requests::answered_id(conn, key).await,
        None => Ok(None),
    }
}

/// Remembers that the call answered resource `id`, in the call's open transaction; ABORTED
/// when a concurrent identical call remembered first (the retry then finds its answer).
pub(crate) async fn remember(conn: &mut Conn, key: Option<&Key>, id: Uuid) -> Result<(), ApiError> {
    match key {
        Some(key) => requests::remember_id(conn, key, id).await,
        None => Ok(()),
    }
}
