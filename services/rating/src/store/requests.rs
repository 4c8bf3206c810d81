//! The `idempotent_requests` table: the first answer of a creating call, by request id.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use onaltu_errors::ApiError;
use uuid::Uuid;

use super::Conn;
use crate::schema::idempotent_requests as r;

/// The answer stored for `request_id`, if `method` was called with it before; a request id
/// reused for another method is refused.
pub async fn answered(
    conn: &mut Conn,
    request_id: Uuid,
    method: &str,
) -> Result<Option<Vec<u8>>, ApiError> {
    let row: Option<(String, Vec<u8>)> = r::table
        .find(request_id)
        .select((r::method, r::response))
        .first(conn)
        .await
        .optional()?;
    match row {
        Some((m, _)) if m != method => Err(ApiError::invalid(
            "request_id",
            format!("was already used for {m}; use a new UUID for each call"),
        )),
        Some((_, response)) => Ok(Some(response)),
        None => Ok(None),
    }
}

/// Remembers `response` for `request_id`.
pub async fn remember(
    conn: &mut Conn,
    request_id: Uuid,
    method: &str,
    response: Vec<u8>,
) -> QueryResult<()> {
    diesel::insert_into(r::table)
        .values((
            r::request_id.eq(request_id),
            r::method.eq(method),
            r::response.eq(response),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(drop)
}
