//! Households (отбасы): members, special-needs children, housing, social support.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::schema::{household_members, households, one_time_aid, persons};

/// A row of `households`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = households, check_for_backend(diesel::pg::Pg))]
pub struct HouseholdRow {
    pub id: Uuid,
    pub special_needs_children_count: i32,
    pub housing_status: i16,
    pub benefits: Vec<i16>,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    pub version: i32,
}

/// A row of `household_members`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = household_members, check_for_backend(diesel::pg::Pg))]
pub struct MemberRow {
    pub household_id: Uuid,
    pub position: i32,
    pub person_id: Option<Uuid>,
    pub full_name: String,
    pub birth_date: Option<NaiveDate>,
    pub relation: i16,
    pub has_disability: bool,
}

/// A row of `one_time_aid`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = one_time_aid, check_for_backend(diesel::pg::Pg))]
pub struct AidRow {
    pub household_id: Uuid,
    pub position: i32,
    pub paid_on: NaiveDate,
    pub amount_minor: i64,
    pub purpose: String,
}

/// A household with its members and aid.
#[derive(Debug, Clone)]
pub struct HouseholdRecord {
    pub household: HouseholdRow,
    pub members: Vec<MemberRow>,
    pub aid: Vec<AidRow>,
}

/// The household a person belongs to.
pub async fn of_person(
    conn: &mut super::Conn,
    person: Uuid,
) -> QueryResult<Option<HouseholdRecord>> {
    let id: Option<Option<Uuid>> = persons::table
        .find(person)
        .select(persons::household_id)
        .first(conn)
        .await
        .optional()?;
    match id.flatten() {
        Some(id) => get(conn, id).await,
        None => Ok(None),
    }
}

/// One household.
pub async fn get(conn: &mut super::Conn, id: Uuid) -> QueryResult<Option<HouseholdRecord>> {
    let Some(household) = households::table
        .find(id)
        .select(HouseholdRow::as_select())
        .first(conn)
        .await
        .optional()?
    else {
        return Ok(None);
    };
    let members = household_members::table
        .filter(household_members::household_id.eq(id))
        .order(household_members::position)
        .select(MemberRow::as_select())
        .load(conn)
        .await?;
    let aid = one_time_aid::table
        .filter(one_time_aid::household_id.eq(id))
        .order(one_time_aid::position)
        .select(AidRow::as_select())
        .load(conn)
        .await?;
    Ok(Some(HouseholdRecord {
        household,
        members,
        aid,
    }))
}

/// Writes a household whole (members and aid replaced) and links its member persons to it.
pub async fn save(conn: &mut super::Conn, r: &HouseholdRecord, created: bool) -> QueryResult<()> {
    let id = r.household.id;
    if created {
        diesel::insert_into(households::table)
            .values(&r.household)
            .execute(conn)
            .await?;
    } else {
        diesel::update(households::table.find(id))
            .set(&r.household)
            .execute(conn)
            .await?;
        diesel::delete(household_members::table.filter(household_members::household_id.eq(id)))
            .execute(conn)
            .await?;
        diesel::delete(one_time_aid::table.filter(one_time_aid::household_id.eq(id)))
            .execute(conn)
            .await?;
        diesel::update(persons::table.filter(persons::household_id.eq(id)))
            .set(persons::household_id.eq(None::<Uuid>))
            .execute(conn)
            .await?;
    }
    diesel::insert_into(household_members::table)
        .values(&r.members)
        .execute(conn)
        .await?;
    diesel::insert_into(one_time_aid::table)
        .values(&r.aid)
        .execute(conn)
        .await?;
    let linked: Vec<Uuid> = r.members.iter().filter_map(|m| m.person_id).collect();
    diesel::update(persons::table.filter(persons::id.eq_any(&linked)))
        .set(persons::household_id.eq(Some(id)))
        .execute(conn)
        .await?;
    Ok(())
}
