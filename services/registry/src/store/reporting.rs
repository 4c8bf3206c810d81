//! Aggregates for the city coordinator and for the rating service. Each is one or a few
//! grouped scans, so country-wide figures over a million persons stay fast.

use chrono::{Datelike as _, NaiveDate};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Bool, Date, Double, Int2, Nullable, Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

/// Persons counted by every dimension at once; the caller folds the cube into breakdowns.
#[derive(Debug, Clone, QueryableByName)]
pub struct PersonCell {
    #[diesel(sql_type = Text)]
    pub region_code: String,
    #[diesel(sql_type = Int2)]
    pub sex: i16,
    #[diesel(sql_type = Int2)]
    pub grp: i16,
    #[diesel(sql_type = Int2)]
    pub cause: i16,
    #[diesel(sql_type = Int2)]
    pub nosology: i16,
    /// 1: 14 and under, 2: 15, 3: 16-17, 4: 18 and over.
    #[diesel(sql_type = Int2)]
    pub band: i16,
    #[diesel(sql_type = Bool)]
    pub under7: bool,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Folds the deltas the triggers on `persons` appended into the tallies. One folder at a time;
/// a call that finds another folding returns at once (the statistics read the deltas too).
pub async fn fold_tallies(conn: &mut super::Conn) -> diesel::QueryResult<()> {
    use diesel_async::AsyncConnection as _;
    conn.transaction(async |conn| {
        #[derive(QueryableByName)]
        struct Locked {
            #[diesel(sql_type = Bool)]
            locked: bool,
        }
        let lock: Locked = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS locked")
            .bind::<BigInt, _>(TALLY_FOLD_LOCK)
            .get_result(conn)
            .await?;
        if lock.locked {
            diesel::sql_query(
                "WITH moved AS (DELETE FROM person_tally_deltas RETURNING *)
                 INSERT INTO person_tallies
                 SELECT region_code, sex, grp, cause, nosology, birth_month, sum(n)
                 FROM moved
                 GROUP BY 1, 2, 3, 4, 5, 6
                 ORDER BY 1, 2, 3, 4, 5, 6
                 ON CONFLICT (region_code, sex, grp, cause, nosology, birth_month)
                 DO UPDATE SET n = person_tallies.n + excluded.n",
            )
            .execute(conn)
            .await?;
        }
        Ok(())
    })
    .await
}

/// The advisory lock of [`fold_tallies`].
const TALLY_FOLD_LOCK: i64 = 0x7461_6c6c_7966_6f6c;

/// The person cube on `as_of`, for one region or the whole country, from the maintained tallies.
/// A tally counts by month of birth, which decides every age threshold except in the month the
/// threshold falls in: the persons born in those months are counted one by one, and the persons
/// registered after `as_of` are taken back (both through an index, and few for a recent date).
pub async fn person_cube(
    conn: &mut super::Conn,
    as_of: NaiveDate,
    region: Option<&str>,
) -> diesel::QueryResult<Vec<PersonCell>> {
    let years_ago = |y: u32| {
        as_of
            .checked_sub_months(chrono::Months::new(12 * y))
            .unwrap_or(NaiveDate::MIN)
    };
    let thresholds = [years_ago(15), years_ago(16), years_ago(18), years_ago(7)];
    let mut months: Vec<NaiveDate> = thresholds
        .iter()
        .map(|d| d.with_day(1).unwrap_or(*d))
        .collect();
    months.sort();
    months.dedup();
    diesel::sql_query(
        "WITH counted AS (
             SELECT region_code, sex, grp, cause, nosology, birth_month AS born, n
             FROM person_tallies
             WHERE birth_month <> ALL($7)
             UNION ALL
             SELECT region_code, sex, grp, cause, nosology, birth_month, n
             FROM person_tally_deltas
             WHERE birth_month <> ALL($7)
             UNION ALL
             SELECT p.region_code, p.sex, p.current_group, p.current_cause, p.current_nosology,
                    p.birth_date, 1
             FROM unnest($7) AS m(month)
             JOIN persons p ON p.birth_date >= m.month
                           AND p.birth_date < (m.month + interval '1 month')::date
             WHERE p.registered_on <= $1
             UNION ALL
             SELECT region_code, sex, current_group, current_cause, current_nosology,
                    date_trunc('month', birth_date)::date, -1
             FROM persons
             WHERE registered_on > $1
               AND date_trunc('month', birth_date)::date <> ALL($7)
         )
         SELECT region_code, sex, grp, cause, nosology,
                (CASE WHEN born > $3 THEN 1
                      WHEN born > $4 THEN 2
                      WHEN born > $5 THEN 3
                      ELSE 4 END)::smallint AS band,
                born > $6 AS under7,
                sum(n)::bigint AS n
         FROM counted
         WHERE $2::text IS NULL OR region_code = $2
         GROUP BY 1, 2, 3, 4, 5, 6, 7
         HAVING sum(n) <> 0",
    )
    .bind::<Date, _>(as_of)
    .bind::<Nullable<Text>, _>(region)
    .bind::<Date, _>(thresholds[0])
    .bind::<Date, _>(thresholds[1])
    .bind::<Date, _>(thresholds[2])
    .bind::<Date, _>(thresholds[3])
    .bind::<Array<Date>, _>(months)
    .load(conn)
    .await
}

/// Households by housing status, with their special-needs children.
#[derive(Debug, Clone, QueryableByName)]
pub struct HouseholdCell {
    #[diesel(sql_type = Int2)]
    pub housing_status: i16,
    #[diesel(sql_type = BigInt)]
    pub households: i64,
    #[diesel(sql_type = BigInt)]
    pub with_special_needs_children: i64,
    #[diesel(sql_type = BigInt)]
    pub special_needs_children: i64,
}

const HOUSEHOLDS_IN_SCOPE: &str = "EXISTS (SELECT 1 FROM persons p WHERE p.household_id = h.id
     AND p.registered_on <= $1 AND ($2::text IS NULL OR p.region_code = $2))";

/// Households of registered persons, by housing status.
pub async fn households(
    conn: &mut super::Conn,
    as_of: NaiveDate,
    region: Option<&str>,
) -> diesel::QueryResult<Vec<HouseholdCell>> {
    diesel::sql_query(format!(
        "SELECT h.housing_status, count(*) AS households,
                count(*) FILTER (WHERE h.special_needs_children_count > 0) AS with_special_needs_children,
                coalesce(sum(h.special_needs_children_count), 0)::bigint AS special_needs_children
         FROM households h WHERE {HOUSEHOLDS_IN_SCOPE}
         GROUP BY 1"
    ))
    .bind::<Date, _>(as_of)
    .bind::<Nullable<Text>, _>(region)
    .load(conn)
    .await
}

/// Households receiving each kind of benefit.
#[derive(Debug, Clone, QueryableByName)]
pub struct BenefitCell {
    #[diesel(sql_type = Int2)]
    pub benefit: i16,
    #[diesel(sql_type = BigInt)]
    pub households: i64,
}

/// Households by benefit kind.
pub async fn benefits(
    conn: &mut super::Conn,
    as_of: NaiveDate,
    region: Option<&str>,
) -> diesel::QueryResult<Vec<BenefitCell>> {
    diesel::sql_query(format!(
        "SELECT b AS benefit, count(*) AS households
         FROM households h, unnest(h.benefits) AS b WHERE {HOUSEHOLDS_IN_SCOPE}
         GROUP BY 1"
    ))
    .bind::<Date, _>(as_of)
    .bind::<Nullable<Text>, _>(region)
    .load(conn)
    .await
}

/// One-time material aid paid up to `as_of`: payments and total in tiyn.
#[derive(Debug, Clone, QueryableByName)]
pub struct AidTotal {
    #[diesel(sql_type = BigInt)]
    pub payments: i64,
    #[diesel(sql_type = BigInt)]
    pub total_minor: i64,
}

/// One-time aid totals.
pub async fn aid(
    conn: &mut super::Conn,
    as_of: NaiveDate,
    region: Option<&str>,
) -> diesel::QueryResult<AidTotal> {
    diesel::sql_query(format!(
        "SELECT count(*) AS payments, coalesce(sum(a.amount_minor), 0)::bigint AS total_minor
         FROM one_time_aid a JOIN households h ON h.id = a.household_id
         WHERE a.paid_on <= $1 AND {HOUSEHOLDS_IN_SCOPE}"
    ))
    .bind::<Date, _>(as_of)
    .bind::<Nullable<Text>, _>(region)
    .get_result(conn)
    .await
}

/// Children (under 18 on `as_of`) by education status and tutor.
#[derive(Debug, Clone, QueryableByName)]
pub struct EducationCell {
    #[diesel(sql_type = Int2)]
    pub status: i16,
    #[diesel(sql_type = BigInt)]
    pub children: i64,
    #[diesel(sql_type = BigInt)]
    pub with_tutor: i64,
}

/// Children by education status.
pub async fn education(
    conn: &mut super::Conn,
    as_of: NaiveDate,
    region: Option<&str>,
) -> diesel::QueryResult<Vec<EducationCell>> {
    diesel::sql_query(
        "SELECT e.status, count(*) AS children, count(*) FILTER (WHERE e.has_tutor) AS with_tutor
         FROM education e JOIN persons p ON p.id = e.person_id
         WHERE p.registered_on <= $1 AND p.birth_date > $1 - interval '18 years'
           AND ($2::text IS NULL OR p.region_code = $2)
         GROUP BY 1",
    )
    .bind::<Date, _>(as_of)
    .bind::<Nullable<Text>, _>(region)
    .load(conn)
    .await
}

/// A queue's length and median wait on `as_of`.
#[derive(Debug, Clone, QueryableByName)]
pub struct QueueCell {
    #[diesel(sql_type = SqlUuid)]
    pub center_id: Uuid,
    #[diesel(sql_type = Int2)]
    pub service_form: i16,
    #[diesel(sql_type = BigInt)]
    pub queue_length: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub median_wait_days: Option<f64>,
}

/// Queue length (waiting on `as_of`) and median wait (admissions up to `as_of`) per centre and
/// service form.
pub async fn queues(
    conn: &mut super::Conn,
    as_of: NaiveDate,
    region: Option<&str>,
) -> diesel::QueryResult<Vec<QueueCell>> {
    diesel::sql_query(
        "SELECT e.center_id, e.service_form,
                count(*) FILTER (WHERE e.referral_date <= $1
                    AND (e.admitted_on IS NULL OR e.admitted_on > $1)
                    AND (e.ended_on IS NULL OR e.ended_on > $1)) AS queue_length,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY (e.admitted_on - e.referral_date))
                    FILTER (WHERE e.admitted_on <= $1) AS median_wait_days
         FROM episodes e JOIN centers c ON c.id = e.center_id
         WHERE e.referral_date <= $1 AND ($2::text IS NULL OR c.region_code = $2)
         GROUP BY 1, 2
         ORDER BY 1, 2",
    )
    .bind::<Date, _>(as_of)
    .bind::<Nullable<Text>, _>(region)
    .load(conn)
    .await
}

/// Distinct persons admitted for rehabilitation in the year up to `as_of`.
#[derive(Debug, Clone, QueryableByName)]
pub struct Treated {
    #[diesel(sql_type = BigInt)]
    pub persons: i64,
    #[diesel(sql_type = BigInt)]
    pub children: i64,
}

/// Persons and children treated in the twelve months up to `as_of`.
pub async fn treated(
    conn: &mut super::Conn,
    as_of: NaiveDate,
    region: Option<&str>,
) -> diesel::QueryResult<Treated> {
    diesel::sql_query(
        "SELECT count(DISTINCT p.id) AS persons,
                count(DISTINCT p.id) FILTER (WHERE p.birth_date > $1 - interval '18 years') AS children
         FROM episodes e JOIN persons p ON p.id = e.person_id
         WHERE e.admitted_on > $1 - interval '1 year' AND e.admitted_on <= $1
           AND ($2::text IS NULL OR p.region_code = $2)",
    )
    .bind::<Date, _>(as_of)
    .bind::<Nullable<Text>, _>(region)
    .get_result(conn)
    .await
}

/// The episode facts one centre's indicators for a period are made of.
#[derive(Debug, Clone, QueryableByName)]
pub struct EpisodeFacts {
    #[diesel(sql_type = Int2)]
    pub state: i16,
    #[diesel(sql_type = Int2)]
    pub service_form: i16,
    #[diesel(sql_type = Date)]
    pub referral_date: NaiveDate,
    #[diesel(sql_type = Nullable<Date>)]
    pub admitted_on: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    pub ended_on: Option<NaiveDate>,
    #[diesel(sql_type = Int2)]
    pub discharge_outcome: i16,
    #[diesel(sql_type = Nullable<Date>)]
    pub no_show_on: Option<NaiveDate>,
}

/// Episodes of a centre that touch `[start, end]`: admitted before its end and not ended before
/// its start, or ended as a no-show within it.
pub async fn center_episodes(
    conn: &mut super::Conn,
    center: Uuid,
    start: NaiveDate,
    end: NaiveDate,
) -> diesel::QueryResult<Vec<EpisodeFacts>> {
    diesel::sql_query(
        "SELECT e.state, e.service_form, e.referral_date, e.admitted_on, e.ended_on,
                e.discharge_outcome,
                CASE WHEN e.state = 12 THEN e.ended_on END AS no_show_on
         FROM episodes e
         WHERE e.center_id = $1
           AND ((e.admitted_on IS NOT NULL AND e.admitted_on <= $3
                 AND (e.ended_on IS NULL OR e.ended_on >= $2))
                OR (e.state = 12 AND e.ended_on BETWEEN $2 AND $3))",
    )
    .bind::<SqlUuid, _>(center)
    .bind::<Date, _>(start)
    .bind::<Date, _>(end)
    .load(conn)
    .await
}
