//! Client request ids of creating calls, so a retry returns the first result.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::schema::idempotency_keys as keys;

/// Claims `request_id` for `resource_id` inside the creating transaction. Returns the resource
/// of an earlier call with the same id when there was one (the caller then returns that and
/// rolls nothing else forward). A concurrent retry waits on the key's lock until the first
/// commits, so it also sees the first result.
pub async fn claim(
    conn: &mut super::Conn,
    rpc: &str,
    request_id: &str,
    resource_id: Uuid,
) -> QueryResult<Option<Uuid>> {
    if request_id.is_empty() {
        return Ok(None);
    }
    let inserted = diesel::insert_into(keys::table)
        .values((
            keys::rpc.eq(rpc),
            keys::request_id.eq(request_id),
            keys::resource_id.eq(resource_id),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 1 {
        return Ok(None);
    }
    keys::table
        .filter(keys::rpc.eq(rpc).and(keys::request_id.eq(request_id)))
        .select(keys::resource_id)
        .first(conn)
        .await
        .map(Some)
}

/// The resource an earlier call with `request_id` created, if any.
pub async fn find(
    conn: &mut super::Conn,
    rpc: &str,
    request_id: &str,
) -> QueryResult<Option<Uuid>> {
    if request_id.is_empty() {
        return Ok(None);
    }
    keys::table
        .filter(keys::rpc.eq(rpc).and(keys::request_id.eq(request_id)))
        .select(keys::resource_id)
        .first(conn)
        .await
        .optional()
}
