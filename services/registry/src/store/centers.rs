//! Rehabilitation centres.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::schema::centers;

/// A row of `centers`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = centers, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
pub struct CenterRow {
    pub id: Uuid,
    pub bin: Option<String>,
    pub name_kk: String,
    pub name_ru: String,
    pub sector: i16,
    pub kind: i16,
    pub level: i16,
    pub ownership: i16,
    pub region_code: String,
    pub district: String,
    pub address: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub website: String,
    pub service_forms: Vec<i16>,
    pub beds: Option<i32>,
    pub places: Option<i32>,
    pub admissions_per_month: Option<i32>,
    pub min_age_years: i32,
    pub max_age_years: Option<i32>,
    pub groups_served: Vec<i16>,
    pub details: serde_json::Value,
    pub serves_children: bool,
    pub serves_adults: bool,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    pub version: i32,
}

impl CenterRow {
    /// Whether the centre's content (not bookkeeping) is the same.
    pub fn same_content(&self, other: &CenterRow) -> bool {
        let strip = |r: &CenterRow| CenterRow {
            id: Uuid::nil(),
            create_time: DateTime::<Utc>::MIN_UTC,
            update_time: DateTime::<Utc>::MIN_UTC,
            version: 0,
            ..r.clone()
        };
        strip(self) == strip(other)
    }
}

/// One centre.
pub async fn get(conn: &mut super::Conn, id: Uuid) -> QueryResult<Option<CenterRow>> {
    centers::table
        .find(id)
        .select(CenterRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// One centre, locked against concurrent admissions and updates.
pub async fn get_for_update(conn: &mut super::Conn, id: Uuid) -> QueryResult<Option<CenterRow>> {
    centers::table
        .find(id)
        .select(CenterRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// The centre an imported row refers to: by BIN, else by Kazakh name within the region.
pub async fn find_match(
    conn: &mut super::Conn,
    bin: Option<&str>,
    region: &str,
    name_kk: &str,
) -> QueryResult<Option<CenterRow>> {
    if let Some(bin) = bin
        && let Some(found) = centers::table
            .filter(centers::bin.eq(bin))
            .select(CenterRow::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()?
    {
        return Ok(Some(found));
    }
    centers::table
        .filter(
            centers::region_code
                .eq(region)
                .and(centers::name_kk.eq(name_kk)),
        )
        .select(CenterRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Inserts a centre.
pub async fn insert(conn: &mut super::Conn, row: &CenterRow) -> QueryResult<()> {
    diesel::insert_into(centers::table)
        .values(row)
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces a centre's row.
pub async fn update(conn: &mut super::Conn, row: &CenterRow) -> QueryResult<()> {
    diesel::update(centers::table.find(row.id))
        .set(row)
        .execute(conn)
        .await?;
    Ok(())
}

/// Filters of ListCenters, decoded.
#[derive(Debug, Default, Clone, Hash)]
pub struct CenterFilter {
    pub region_code: Option<String>,
    pub sector: Option<i16>,
    pub kind: Option<i16>,
    pub service_form: Option<i16>,
    pub serves_children: Option<bool>,
    pub serves_adults: Option<bool>,
    pub name_query: Option<String>,
}

fn filtered(f: &CenterFilter) -> centers::BoxedQuery<'static, diesel::pg::Pg> {
    let mut q = centers::table.into_boxed();
    if let Some(r) = &f.region_code {
        q = q.filter(centers::region_code.eq(r.clone()));
    }
    if let Some(s) = f.sector {
        q = q.filter(centers::sector.eq(s));
    }
    if let Some(k) = f.kind {
        q = q.filter(centers::kind.eq(k));
    }
    if let Some(form) = f.service_form {
        q = q.filter(centers::service_forms.contains(vec![form]));
    }
    if let Some(c) = f.serves_children {
        q = q.filter(centers::serves_children.eq(c));
    }
    if let Some(a) = f.serves_adults {
        q = q.filter(centers::serves_adults.eq(a));
    }
    if let Some(n) = &f.name_query {
        let pattern = format!(
            "%{}%",
            n.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        q = q.filter(
            centers::name_kk
                .ilike(pattern.clone())
                .or(centers::name_ru.ilike(pattern)),
        );
    }
    q
}

/// One page of centres in id order after `after`.
pub async fn list(
    conn: &mut super::Conn,
    f: &CenterFilter,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<CenterRow>> {
    let mut q = filtered(f);
    if let Some(a) = after {
        q = q.filter(centers::id.gt(a));
    }
    q.order(centers::id)
        .limit(limit)
        .select(CenterRow::as_select())
        .load(conn)
        .await
}

/// How many centres match.
pub async fn count(conn: &mut super::Conn, f: &CenterFilter) -> QueryResult<i64> {
    filtered(f).count().get_result(conn).await
}
