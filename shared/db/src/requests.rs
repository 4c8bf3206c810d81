//! The first answer of each creating call, by request id and caller, in the service's own
//! `idempotent_requests` table (request_id uuid, method text, caller text, response bytea,
//! created_at timestamptz), written in the transaction of the call.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection as Conn, RunQueryDsl};
use onaltu_errors::ApiError;
use uuid::Uuid;

mod schema {
    diesel::table! {
        idempotent_requests (request_id) {
            request_id -> Uuid,
            method -> Text,
            caller -> Text,
            response -> Bytea,
            created_at -> Timestamptz,
        }
    }
}

use schema::idempotent_requests as r;

/// The answer stored for `request_id`, if `caller` called `method` with it before; a request
/// id reused for another method or by another caller is refused.
pub async fn answered(
    conn: &mut Conn,
    request_id: Uuid,
    method: &str,
    caller: &str,
) -> Result<Option<Vec<u8>>, ApiError> {
    let row: Option<(String, String, Vec<u8>)> = r::table
        .find(request_id)
        .select((r::method, r::caller, r::response))
        .first(conn)
        .await
        .optional()?;
    match row {
        Some((m, _, _)) if m != method => Err(ApiError::invalid(
            "request_id",
            format!("was already used for {m}; use a new UUID for each call"),
        )),
        Some((_, c, _)) if c != caller => Err(ApiError::invalid(
            "request_id",
            "was already used by another caller; use a new UUID for each call",
        )),
        Some((_, _, response)) => Ok(Some(response)),
        None => Ok(None),
    }
}

/// Remembers `response` for `request_id` in the caller's transaction. When a concurrent call
/// with the same id remembered first, the transaction must not commit: ABORTED, and the retry
/// then finds the first answer.
pub async fn remember(
    conn: &mut Conn,
    request_id: Uuid,
    method: &str,
    caller: &str,
    response: Vec<u8>,
) -> Result<(), ApiError> {
    let inserted = diesel::insert_into(r::table)
        .values((
            r::request_id.eq(request_id),
            r::method.eq(method),
            r::caller.eq(caller),
            r::response.eq(response),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 0 {
        return Err(ApiError::Aborted(
            "another call with this request_id was made at the same moment; retry it".into(),
        ));
    }
    Ok(())
}
