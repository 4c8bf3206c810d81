//! Persons, their legal representatives, assessments and education.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::schema::{assessments, education, legal_representatives, persons};

/// A row of `persons`.
#[derive(Debug, Clone, Default, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = persons, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
pub struct PersonRow {
    pub id: Uuid,
    pub iin: String,
    pub surname: String,
    pub given_name: String,
    pub patronymic: String,
    pub birth_date: NaiveDate,
    pub sex: i16,
    pub region_code: String,
    pub district: String,
    pub address: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub phone: String,
    pub preferred_language: i16,
    pub wheelchair_user: bool,
    pub needs_escort: bool,
    pub visual_impairment: bool,
    pub hearing_impairment: bool,
    pub sign_language: bool,
    pub intellectual_disability: bool,
    pub legally_incapacitated: bool,
    pub household_id: Option<Uuid>,
    pub current_group: i16,
    pub current_cause: i16,
    pub current_nosology: i16,
    pub registered_on: NaiveDate,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    pub version: i32,
}

impl PersonRow {
    /// Whether the fields a person's record is made of (not bookkeeping) are the same.
    pub fn same_content(&self, other: &PersonRow) -> bool {
        let strip = |r: &PersonRow| PersonRow {
            id: Uuid::nil(),
            household_id: None,
            current_group: 0,
            current_cause: 0,
            current_nosology: 0,
            registered_on: NaiveDate::MIN,
            create_time: DateTime::<Utc>::MIN_UTC,
            update_time: DateTime::<Utc>::MIN_UTC,
            version: 0,
            ..r.clone()
        };
        strip(self) == strip(other)
    }
}

/// A row of `assessments`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = assessments, check_for_backend(diesel::pg::Pg))]
pub struct AssessmentRow {
    pub id: Uuid,
    pub person_id: Uuid,
    pub decision_number: String,
    pub disability_group: i16,
    pub cause: i16,
    pub nosology_class: i16,
    pub established_on: NaiveDate,
    pub re_examination_due: Option<NaiveDate>,
    pub indefinite: bool,
    pub work_capacity_loss_percent: Option<i16>,
    pub ipr_number: String,
    pub ipr_valid_from: Option<NaiveDate>,
    pub ipr_valid_until: Option<NaiveDate>,
    pub ipr_service_forms: Vec<i16>,
    pub is_current: bool,
    pub create_time: DateTime<Utc>,
}

impl AssessmentRow {
    /// Whether two assessments record the same decision.
    pub fn same_decision(&self, other: &AssessmentRow) -> bool {
        (
            &self.decision_number,
            self.disability_group,
            self.cause,
            self.nosology_class,
            self.established_on,
            self.re_examination_due,
            self.indefinite,
            self.work_capacity_loss_percent,
            &self.ipr_number,
            self.ipr_valid_from,
            self.ipr_valid_until,
            &self.ipr_service_forms,
        ) == (
            &other.decision_number,
            other.disability_group,
            other.cause,
            other.nosology_class,
            other.established_on,
            other.re_examination_due,
            other.indefinite,
            other.work_capacity_loss_percent,
            &other.ipr_number,
            other.ipr_valid_from,
            other.ipr_valid_until,
            &other.ipr_service_forms,
        )
    }
}

/// A row of `education`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = education, check_for_backend(diesel::pg::Pg))]
pub struct EducationRow {
    pub person_id: Uuid,
    pub status: i16,
    pub has_tutor: bool,
    pub home_schooling_quality_note: String,
    pub as_of: NaiveDate,
    pub update_time: DateTime<Utc>,
}

/// Everything a person's record shows.
#[derive(Debug, Clone)]
pub struct PersonRecord {
    pub person: PersonRow,
    pub current: Option<AssessmentRow>,
    pub education: Option<EducationRow>,
    pub representatives: Vec<Uuid>,
    pub represented: Vec<Uuid>,
}

/// One person by id.
pub async fn get(conn: &mut super::Conn, id: Uuid) -> QueryResult<Option<PersonRow>> {
    persons::table
        .find(id)
        .select(PersonRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// One person by id, locked for update.
pub async fn get_for_update(conn: &mut super::Conn, id: Uuid) -> QueryResult<Option<PersonRow>> {
    persons::table
        .find(id)
        .select(PersonRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// One person's id by IIN.
pub async fn id_by_iin(conn: &mut super::Conn, iin: &str) -> QueryResult<Option<Uuid>> {
    persons::table
        .filter(persons::iin.eq(iin))
        .select(persons::id)
        .first(conn)
        .await
        .optional()
}

/// The persons with these IINs.
pub async fn by_iins(conn: &mut super::Conn, iins: &[String]) -> QueryResult<Vec<PersonRow>> {
    persons::table
        .filter(persons::iin.eq_any(iins))
        .select(PersonRow::as_select())
        .load(conn)
        .await
}

/// Which of `ids` exist.
pub async fn existing(conn: &mut super::Conn, ids: &[Uuid]) -> QueryResult<Vec<Uuid>> {
    persons::table
        .filter(persons::id.eq_any(ids))
        .select(persons::id)
        .load(conn)
        .await
}

/// Completes rows into records (current assessment, education, representation).
pub async fn records(
    conn: &mut super::Conn,
    rows: Vec<PersonRow>,
) -> QueryResult<Vec<PersonRecord>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let current: Vec<AssessmentRow> = assessments::table
        .filter(
            assessments::person_id
                .eq_any(&ids)
                .and(assessments::is_current),
        )
        .select(AssessmentRow::as_select())
        .load(conn)
        .await?;
    let educations: Vec<EducationRow> = education::table
        .filter(education::person_id.eq_any(&ids))
        .select(EducationRow::as_select())
        .load(conn)
        .await?;
    let links: Vec<(Uuid, Uuid)> = legal_representatives::table
        .filter(
            legal_representatives::person_id
                .eq_any(&ids)
                .or(legal_representatives::representative_id.eq_any(&ids)),
        )
        .select((
            legal_representatives::person_id,
            legal_representatives::representative_id,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|person| {
            let id = person.id;
            PersonRecord {
                current: current.iter().find(|a| a.person_id == id).cloned(),
                education: educations.iter().find(|e| e.person_id == id).cloned(),
                representatives: links.iter().filter(|l| l.0 == id).map(|l| l.1).collect(),
                represented: links.iter().filter(|l| l.1 == id).map(|l| l.0).collect(),
                person,
            }
        })
        .collect())
}

/// Inserts persons.
pub async fn insert(conn: &mut super::Conn, rows: &[PersonRow]) -> QueryResult<usize> {
    diesel::insert_into(persons::table)
        .values(rows)
        .execute(conn)
        .await
}

/// Inserts many persons in one statement with one array per column: far cheaper for Postgres to
/// parse and plan than a VALUES list with a parameter per cell (bulk import).
pub async fn insert_many(conn: &mut super::Conn, rows: &[PersonRow]) -> QueryResult<usize> {
    use diesel::sql_types::{
        Array, Bool, Date, Float8, Int2, Int4, Nullable, Text, Timestamptz, Uuid as SqlUuid,
    };
    if rows.is_empty() {
        return Ok(0);
    }
    fn col<T: Clone>(rows: &[PersonRow], f: impl Fn(&PersonRow) -> T) -> Vec<T> {
        rows.iter().map(f).collect()
    }
    diesel::sql_query(
        "INSERT INTO persons (id, iin, surname, given_name, patronymic, birth_date, sex, region_code,
            district, address, latitude, longitude, phone, preferred_language, wheelchair_user,
            needs_escort, visual_impairment, hearing_impairment, sign_language,
            intellectual_disability, legally_incapacitated, household_id, current_group,
            current_cause, current_nosology, registered_on, create_time, update_time, version)
         SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
            $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29)",
    )
    .bind::<Array<SqlUuid>, _>(col(rows, |r| r.id))
    .bind::<Array<Text>, _>(col(rows, |r| r.iin.clone()))
    .bind::<Array<Text>, _>(col(rows, |r| r.surname.clone()))
    .bind::<Array<Text>, _>(col(rows, |r| r.given_name.clone()))
    .bind::<Array<Text>, _>(col(rows, |r| r.patronymic.clone()))
    .bind::<Array<Date>, _>(col(rows, |r| r.birth_date))
    .bind::<Array<Int2>, _>(col(rows, |r| r.sex))
    .bind::<Array<Text>, _>(col(rows, |r| r.region_code.clone()))
    .bind::<Array<Text>, _>(col(rows, |r| r.district.clone()))
    .bind::<Array<Text>, _>(col(rows, |r| r.address.clone()))
    .bind::<Array<Nullable<Float8>>, _>(col(rows, |r| r.latitude))
    .bind::<Array<Nullable<Float8>>, _>(col(rows, |r| r.longitude))
    .bind::<Array<Text>, _>(col(rows, |r| r.phone.clone()))
    .bind::<Array<Int2>, _>(col(rows, |r| r.preferred_language))
    .bind::<Array<Bool>, _>(col(rows, |r| r.wheelchair_user))
    .bind::<Array<Bool>, _>(col(rows, |r| r.needs_escort))
    .bind::<Array<Bool>, _>(col(rows, |r| r.visual_impairment))
    .bind::<Array<Bool>, _>(col(rows, |r| r.hearing_impairment))
    .bind::<Array<Bool>, _>(col(rows, |r| r.sign_language))
    .bind::<Array<Bool>, _>(col(rows, |r| r.intellectual_disability))
    .bind::<Array<Bool>, _>(col(rows, |r| r.legally_incapacitated))
    .bind::<Array<Nullable<SqlUuid>>, _>(col(rows, |r| r.household_id))
    .bind::<Array<Int2>, _>(col(rows, |r| r.current_group))
    .bind::<Array<Int2>, _>(col(rows, |r| r.current_cause))
    .bind::<Array<Int2>, _>(col(rows, |r| r.current_nosology))
    .bind::<Array<Date>, _>(col(rows, |r| r.registered_on))
    .bind::<Array<Timestamptz>, _>(col(rows, |r| r.create_time))
    .bind::<Array<Timestamptz>, _>(col(rows, |r| r.update_time))
    .bind::<Array<Int4>, _>(col(rows, |r| r.version))
    .execute(conn)
    .await
}

/// Inserts many assessments in one statement with one array per column (bulk import).
pub async fn insert_assessments_many(
    conn: &mut super::Conn,
    rows: &[AssessmentRow],
) -> QueryResult<usize> {
    use diesel::sql_types::{
        Array, Bool, Date, Int2, Nullable, Text, Timestamptz, Uuid as SqlUuid,
    };
    if rows.is_empty() {
        return Ok(0);
    }
    fn col<T: Clone>(rows: &[AssessmentRow], f: impl Fn(&AssessmentRow) -> T) -> Vec<T> {
        rows.iter().map(f).collect()
    }
    // Service forms are an array per row: passed as array literals and cast back.
    let forms: Vec<String> = col(rows, |r| {
        let items: Vec<String> = r.ipr_service_forms.iter().map(i16::to_string).collect();
        format!("{{{}}}", items.join(","))
    });
    diesel::sql_query(
        "INSERT INTO assessments (id, person_id, decision_number, disability_group, cause,
            nosology_class, established_on, re_examination_due, indefinite,
            work_capacity_loss_percent, ipr_number, ipr_valid_from, ipr_valid_until,
            ipr_service_forms, is_current, create_time)
         SELECT a, b, c, d, e, f, g, h, i, j, k, l, m, n::smallint[], o, p
         FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
              AS t(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p)",
    )
    .bind::<Array<SqlUuid>, _>(col(rows, |r| r.id))
    .bind::<Array<SqlUuid>, _>(col(rows, |r| r.person_id))
    .bind::<Array<Text>, _>(col(rows, |r| r.decision_number.clone()))
    .bind::<Array<Int2>, _>(col(rows, |r| r.disability_group))
    .bind::<Array<Int2>, _>(col(rows, |r| r.cause))
    .bind::<Array<Int2>, _>(col(rows, |r| r.nosology_class))
    .bind::<Array<Date>, _>(col(rows, |r| r.established_on))
    .bind::<Array<Nullable<Date>>, _>(col(rows, |r| r.re_examination_due))
    .bind::<Array<Bool>, _>(col(rows, |r| r.indefinite))
    .bind::<Array<Nullable<Int2>>, _>(col(rows, |r| r.work_capacity_loss_percent))
    .bind::<Array<Text>, _>(col(rows, |r| r.ipr_number.clone()))
    .bind::<Array<Nullable<Date>>, _>(col(rows, |r| r.ipr_valid_from))
    .bind::<Array<Nullable<Date>>, _>(col(rows, |r| r.ipr_valid_until))
    .bind::<Array<Text>, _>(forms)
    .bind::<Array<Bool>, _>(col(rows, |r| r.is_current))
    .bind::<Array<Timestamptz>, _>(col(rows, |r| r.create_time))
    .execute(conn)
    .await
}

/// Replaces a person's row (the version is bumped by the caller).
pub async fn update(conn: &mut super::Conn, row: &PersonRow) -> QueryResult<usize> {
    diesel::update(persons::table.find(row.id))
        .set(row)
        .execute(conn)
        .await
}

/// Replaces who legally represents `person_id`.
pub async fn set_representatives(
    conn: &mut super::Conn,
    person_id: Uuid,
    reps: &[Uuid],
) -> QueryResult<()> {
    diesel::delete(
        legal_representatives::table.filter(legal_representatives::person_id.eq(person_id)),
    )
    .execute(conn)
    .await?;
    let rows: Vec<_> = reps
        .iter()
        .map(|r| {
            (
                legal_representatives::person_id.eq(person_id),
                legal_representatives::representative_id.eq(*r),
            )
        })
        .collect();
    diesel::insert_into(legal_representatives::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(())
}

/// Who legally represents `person_id`.
pub async fn representatives_of(conn: &mut super::Conn, person_id: Uuid) -> QueryResult<Vec<Uuid>> {
    legal_representatives::table
        .filter(legal_representatives::person_id.eq(person_id))
        .select(legal_representatives::representative_id)
        .load(conn)
        .await
}

/// Whether `representative` legally represents `person`.
pub async fn represents(
    conn: &mut super::Conn,
    representative: Uuid,
    person: Uuid,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        legal_representatives::table.filter(
            legal_representatives::person_id
                .eq(person)
                .and(legal_representatives::representative_id.eq(representative)),
        ),
    ))
    .get_result(conn)
    .await
}

/// Filters of ListPersons, already decoded.
#[derive(Debug, Default, Clone)]
pub struct PersonFilter {
    pub region_code: Option<String>,
    pub district: Option<String>,
    pub group: Option<i16>,
    pub cause: Option<i16>,
    pub born_after: Option<NaiveDate>,
    pub born_on_or_before: Option<NaiveDate>,
    pub wheelchair_user: bool,
    pub needs_escort: bool,
    pub visual: bool,
    pub hearing: bool,
    pub sign_language: bool,
    pub intellectual: bool,
}

fn filtered(f: &PersonFilter) -> persons::BoxedQuery<'static, diesel::pg::Pg> {
    let mut q = persons::table.into_boxed();
    if let Some(r) = &f.region_code {
        q = q.filter(persons::region_code.eq(r.clone()));
    }
    if let Some(d) = &f.district {
        q = q.filter(persons::district.eq(d.clone()));
    }
    if let Some(g) = f.group {
        q = q.filter(persons::current_group.eq(g));
    }
    if let Some(c) = f.cause {
        q = q.filter(persons::current_cause.eq(c));
    }
    if let Some(a) = f.born_after {
        q = q.filter(persons::birth_date.gt(a));
    }
    if let Some(b) = f.born_on_or_before {
        q = q.filter(persons::birth_date.le(b));
    }
    if f.wheelchair_user {
        q = q.filter(persons::wheelchair_user);
    }
    if f.needs_escort {
        q = q.filter(persons::needs_escort);
    }
    if f.visual {
        q = q.filter(persons::visual_impairment);
    }
    if f.hearing {
        q = q.filter(persons::hearing_impairment);
    }
    if f.sign_language {
        q = q.filter(persons::sign_language);
    }
    if f.intellectual {
        q = q.filter(persons::intellectual_disability);
    }
    q
}

/// One page of persons in id order after `after`.
pub async fn list(
    conn: &mut super::Conn,
    f: &PersonFilter,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<PersonRow>> {
    let mut q = filtered(f);
    if let Some(a) = after {
        q = q.filter(persons::id.gt(a));
    }
    q.order(persons::id)
        .limit(limit)
        .select(PersonRow::as_select())
        .load(conn)
        .await
}

/// How many persons match.
pub async fn count(conn: &mut super::Conn, f: &PersonFilter) -> QueryResult<i64> {
    filtered(f).count().get_result(conn).await
}

/// A person's assessments, newest first, after `after` in that order.
pub async fn assessments_of(
    conn: &mut super::Conn,
    person: Uuid,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<AssessmentRow>> {
    let mut q = assessments::table
        .filter(assessments::person_id.eq(person))
        .into_boxed();
    if let Some((d, id)) = after {
        q = q.filter(
            assessments::established_on
                .lt(d)
                .or(assessments::established_on
                    .eq(d)
                    .and(assessments::id.lt(id))),
        );
    }
    q.order((assessments::established_on.desc(), assessments::id.desc()))
        .limit(limit)
        .select(AssessmentRow::as_select())
        .load(conn)
        .await
}

/// The current assessment of a person.
pub async fn current_assessment(
    conn: &mut super::Conn,
    person: Uuid,
) -> QueryResult<Option<AssessmentRow>> {
    assessments::table
        .filter(
            assessments::person_id
                .eq(person)
                .and(assessments::is_current),
        )
        .select(AssessmentRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The current assessments of these persons (bulk import).
pub async fn current_assessments(
    conn: &mut super::Conn,
    persons: &[Uuid],
) -> QueryResult<Vec<AssessmentRow>> {
    assessments::table
        .filter(
            assessments::person_id
                .eq_any(persons)
                .and(assessments::is_current),
        )
        .select(AssessmentRow::as_select())
        .load(conn)
        .await
}

/// Records a new assessment and makes the newest-established one current, keeping history.
/// Updates the person's denormalised current group, cause and nosology.
pub async fn add_assessment(
    conn: &mut super::Conn,
    row: &AssessmentRow,
) -> QueryResult<AssessmentRow> {
    let current = current_assessment(conn, row.person_id).await?;
    let becomes_current = current
        .as_ref()
        .is_none_or(|c| (row.established_on, row.id) >= (c.established_on, c.id));
    if becomes_current {
        diesel::update(
            assessments::table.filter(
                assessments::person_id
                    .eq(row.person_id)
                    .and(assessments::is_current),
            ),
        )
        .set(assessments::is_current.eq(false))
        .execute(conn)
        .await?;
        diesel::update(persons::table.find(row.person_id))
            .set((
                persons::current_group.eq(row.disability_group),
                persons::current_cause.eq(row.cause),
                persons::current_nosology.eq(row.nosology_class),
                persons::update_time.eq(Utc::now()),
                persons::version.eq(persons::version + 1),
            ))
            .execute(conn)
            .await?;
    }
    let stored = AssessmentRow {
        is_current: becomes_current,
        ..row.clone()
    };
    diesel::insert_into(assessments::table)
        .values(&stored)
        .execute(conn)
        .await?;
    Ok(stored)
}

/// Inserts assessments of new persons as their current ones (bulk import).
pub async fn insert_assessments(
    conn: &mut super::Conn,
    rows: &[AssessmentRow],
) -> QueryResult<usize> {
    diesel::insert_into(assessments::table)
        .values(rows)
        .execute(conn)
        .await
}

/// Sets a child's education status.
pub async fn upsert_education(conn: &mut super::Conn, row: &EducationRow) -> QueryResult<()> {
    diesel::insert_into(education::table)
        .values(row)
        .on_conflict(education::person_id)
        .do_update()
        .set(row)
        .execute(conn)
        .await?;
    Ok(())
}

/// A person's legal representatives at a version of the person's record.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct RepresentationRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub person_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub version: i32,
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Uuid>)]
    pub representatives: Vec<Uuid>,
}

/// Up to `limit` persons in id order after `after` (nil for the first), each with every legal
/// representative (none for most). One statement, so a person's version and representatives
/// are read from one snapshot: never the representatives of one version labelled with another.
pub async fn representation_after(
    conn: &mut super::Conn,
    after: Uuid,
    limit: i64,
) -> QueryResult<Vec<RepresentationRow>> {
    diesel::sql_query(
        "SELECT p.id AS person_id, p.version, \
                coalesce(array_agg(r.representative_id ORDER BY r.representative_id) \
                         FILTER (WHERE r.representative_id IS NOT NULL), '{}') AS representatives \
         FROM (SELECT id, version FROM persons WHERE id > $1 ORDER BY id LIMIT $2) p \
         LEFT JOIN legal_representatives r ON r.person_id = p.id \
         GROUP BY p.id, p.version \
         ORDER BY p.id",
    )
    .bind::<diesel::sql_types::Uuid, _>(after)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)
    .await
}
