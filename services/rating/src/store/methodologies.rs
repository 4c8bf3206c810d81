//! The `methodologies` table: every methodology version ever used, immutable.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::Conn;
use crate::schema::methodologies as m;

/// Stores version `version` unless stored; `Err` names the version when a different body is
/// already stored under it (a changed methodology needs a new version).
pub async fn ensure(
    conn: &mut Conn,
    version: &str,
    effective_from: NaiveDate,
    body: Vec<u8>,
) -> Result<(), String> {
    let stored: Option<Vec<u8>> = m::table
        .find(version)
        .select(m::body)
        .first(conn)
        .await
        .optional()
        .map_err(|e| e.to_string())?;
    match stored {
        Some(existing) if existing == body => Ok(()),
        Some(_) => Err(format!(
            "methodology {version} is already stored with other numbers; give the changed methodology a new version"
        )),
        None => diesel::insert_into(m::table)
            .values((
                m::version.eq(version),
                m::effective_from.eq(effective_from),
                m::body.eq(body),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
    }
}

/// The body of `version`.
pub async fn get(conn: &mut Conn, version: &str) -> QueryResult<Option<Vec<u8>>> {
    m::table
        .find(version)
        .select(m::body)
        .first(conn)
        .await
        .optional()
}
