//! Idempotent creating calls, one mechanism for every service: the first answer of each call is
//! kept in the service's `requests` table under (caller, method, request id), with a fingerprint
//! of the request it answered, written in the transaction of the call.
//!
//! A handler authorises the caller first (a replay is authorised like a first call), then asks
//! [`answered`]: the same caller repeating the same request gets the first answer; the same key
//! with another request is FAILED_PRECONDITION; another caller's identical request id is a call
//! of its own. Otherwise the handler does the work and [`remember`]s its answer in the same
//! transaction. Keys are kept for `[retention] requests_days` ([`retention`]).

use chrono::Duration;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection as Conn, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use onaltu_errors::ApiError;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::retention::{RetentionSettings, Rule};

/// The `requests` table; run it with the service's own migrations.
pub static MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

mod schema {
    diesel::table! {
        requests (caller, method, request_id) {
            caller -> Text,
            method -> Text,
            request_id -> Uuid,
            fingerprint -> Bytea,
            answer -> Bytea,
            created_at -> Timestamptz,
        }
    }
}

use schema::requests as r;

/// One creating call as the idempotency key sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    caller: String,
    method: &'static str,
    id: Uuid,
    fingerprint: Vec<u8>,
}

impl Request {
    /// The call `method` by `caller` (the token's subject) with the client's `id`; `body` is the
    /// request message as received, so a different request under the same key is told apart.
    pub fn new(caller: &str, method: &'static str, id: Uuid, body: &impl prost::Message) -> Self {
        Self::with_fingerprint(caller, method, id, &body.encode_to_vec())
    }

    /// As [`Request::new`], from the request's bytes.
    pub fn with_fingerprint(caller: &str, method: &'static str, id: Uuid, body: &[u8]) -> Self {
        Self {
            caller: caller.to_string(),
            method,
            id,
            fingerprint: Sha256::digest(body).to_vec(),
        }
    }

    /// The client's request id.
    pub fn id(&self) -> Uuid {
        self.id
    }
}

/// The first answer to `request` when its caller made this call with this id before, with the
/// same request. The same key with another request is FAILED_PRECONDITION. Called in the call's
/// transaction, it holds the key until the transaction ends: an identical call racing this one
/// waits here, then finds this one's answer.
pub async fn answered(conn: &mut Conn, request: &Request) -> Result<Option<Vec<u8>>, ApiError> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind::<diesel::sql_types::Text, _>(format!(
            "requests\u{1f}{}\u{1f}{}\u{1f}{}",
            request.caller, request.method, request.id
        ))
        .execute(conn)
        .await?;
    let row: Option<(Vec<u8>, Vec<u8>)> = r::table
        .find((&request.caller, request.method, request.id))
        .select((r::fingerprint, r::answer))
        .first(conn)
        .await
        .optional()?;
    match row {
        Some((fingerprint, _)) if fingerprint != request.fingerprint => {
            Err(ApiError::precondition(
                "REQUEST_ID_REUSED",
                "request_id",
                format!(
                    "request_id was already used by this caller for a different {} request; use \
                     a new UUID for each call",
                    request.method
                ),
            ))
        }
        Some((_, answer)) => Ok(Some(answer)),
        None => Ok(None),
    }
}

/// Remembers `answer` for `request` in the caller's open transaction. When a concurrent call with
/// the same key remembered first, the transaction must not commit: ABORTED, and the retry then
/// finds the first answer.
pub async fn remember(conn: &mut Conn, request: &Request, answer: Vec<u8>) -> Result<(), ApiError> {
    let inserted = diesel::insert_into(r::table)
        .values((
            r::caller.eq(&request.caller),
            r::method.eq(request.method),
            r::request_id.eq(request.id),
            r::fingerprint.eq(&request.fingerprint),
            r::answer.eq(answer),
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

/// The resource an earlier identical call answered, for calls whose answer is the id of what
/// they created or changed (remembered by [`remember_id`]); as [`answered`] otherwise.
pub async fn answered_id(conn: &mut Conn, request: &Request) -> Result<Option<Uuid>, ApiError> {
    match answered(conn, request).await? {
        Some(answer) => Uuid::from_slice(&answer)
            .map(Some)
            .map_err(|_| ApiError::Internal("a remembered answer is not a resource id".into())),
        None => Ok(None),
    }
}

/// Remembers that `request` answered resource `id`; as [`remember`].
pub async fn remember_id(conn: &mut Conn, request: &Request, id: Uuid) -> Result<(), ApiError> {
    remember(conn, request, id.as_bytes().to_vec()).await
}

/// Keys older than `[retention] requests_days` are forgotten: a retry after that is a new call.
pub fn retention(settings: &RetentionSettings) -> Rule {
    Rule {
        name: "requests",
        keep: Duration::days(i64::from(settings.requests_days)),
        sql: "DELETE FROM requests WHERE ctid IN \
              (SELECT ctid FROM requests WHERE created_at < $1 LIMIT $2 \
              FOR UPDATE SKIP LOCKED)",
    }
}
