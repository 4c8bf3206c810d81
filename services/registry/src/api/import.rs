//! ImportPersons and ImportCenters: client streams of rows, idempotent by IIN / BIN (or a
//! centre's Kazakh name within its region), answering what was created, updated, unchanged, and
//! every rejected row with its number and every reason. A rejected row writes nothing; the
//! others are written in chunks, one transaction each.

use std::collections::HashMap;

use diesel_async::{AsyncConnection as _, SimpleAsyncConnection as _};
use onaltu_errors::{ApiError, FieldViolation, Violations};
use onaltu_proto::registry as pb;
use tonic::Streaming;
use uuid::Uuid;

use super::convert;
use super::persons::{STATS_GENERATION, person_key};
use super::{Ctx, Registry, WRITERS, audit, today};
use crate::domain::person::check_assessment;
use crate::store::centers;
use crate::store::persons::{self, AssessmentRow, PersonRow};

/// Rows written per transaction.
const CHUNK: usize = 1_000;
/// Chunk transactions running at once during one import.
const WRITERS_IN_FLIGHT: usize = 3;

/// Created, updated, unchanged, and the ids of changed persons.
type ChunkOutcome = (i64, i64, i64, Vec<Uuid>);

fn absorb(
    joined: Option<Result<Result<ChunkOutcome, ApiError>, tokio::task::JoinError>>,
    summary: &mut pb::ImportSummary,
    changed: &mut Vec<Uuid>,
) -> Result<(), ApiError> {
    let Some(joined) = joined else {
        return Ok(());
    };
    let (created, updated, unchanged, touched) =
        joined.map_err(|e| ApiError::Internal(format!("import writer: {e}")))??;
    summary.created += created;
    summary.updated += updated;
    summary.unchanged += unchanged;
    changed.extend(touched);
    Ok(())
}

struct PendingPerson {
    row: PersonRow,
    assessment: Option<AssessmentRow>,
}

fn rejected(row_number: i64, violations: &[FieldViolation]) -> pb::RejectedRow {
    pb::RejectedRow {
        row_number,
        violations: violations
            .iter()
            .map(|v| pb::RowViolation {
                field: v.field.clone(),
                description: v.description.clone(),
            })
            .collect(),
    }
}

fn stream_error(status: tonic::Status) -> ApiError {
    ApiError::invalid(
        "stream",
        format!("the row stream failed: {}", status.message()),
    )
}

impl Registry {
    pub(crate) async fn import_persons(
        &self,
        ctx: &Ctx,
        mut stream: Streaming<pb::ImportPersonsRequest>,
    ) -> Result<pb::ImportPersonsResponse, ApiError> {
        ctx.caller.require(WRITERS)?;
        let mut summary = pb::ImportSummary::default();
        let mut seen: HashMap<String, i64> = HashMap::new();
        let mut chunk: Vec<PendingPerson> = Vec::with_capacity(CHUNK);
        let mut validate_only = None;
        let mut changed: Vec<Uuid> = Vec::new();
        // Chunks are written by a few transactions at once while the stream is still read.
        let mut writers = tokio::task::JoinSet::new();
        while let Some(msg) = stream.message().await.map_err(stream_error)? {
            summary.received += 1;
            let validate_only = *validate_only.get_or_insert(msg.validate_only);
            let number = if msg.row_number > 0 {
                msg.row_number
            } else {
                summary.received
            };
            let person = msg.person.unwrap_or_default();
            let mut v = Violations::new();
            let mut inner = Violations::new();
            let row = self.person_row(&person, &mut inner);
            v.extend_prefixed("person", inner);
            if let Some(first) = seen.get(&person.iin) {
                v.add(
                    "person.iin",
                    format!("the same IIN is already in row {first} of this import"),
                );
            }
            let assessment = match (&msg.assessment, &row) {
                (Some(a), Some(r)) => {
                    let mut av = Violations::new();
                    check_assessment(a, r.birth_date, today(), &mut av);
                    v.extend_prefixed("assessment", av);
                    Some(a)
                }
                _ => None,
            };
            let Some(mut row) = row.filter(|_| v.is_empty()) else {
                summary.rejected.push(rejected(number, v.as_slice()));
                continue;
            };
            seen.insert(person.iin.clone(), number);
            row.id = Uuid::now_v7();
            let assessment =
                assessment.map(|a| convert::assessment_row(a, row.id, crate::api::now()));
            if let Some(a) = &assessment {
                row.current_group = a.disability_group;
                row.current_cause = a.cause;
                row.current_nosology = a.nosology_class;
            }
            chunk.push(PendingPerson { row, assessment });
            if chunk.len() >= CHUNK {
                if writers.len() >= WRITERS_IN_FLIGHT {
                    absorb(writers.join_next().await, &mut summary, &mut changed)?;
                }
                let (me, pending) = (self.clone(), std::mem::take(&mut chunk));
                writers.spawn(async move { me.write_person_chunk(pending, validate_only).await });
            }
        }
        let validate_only = validate_only.unwrap_or(false);
        if !chunk.is_empty() {
            let (me, pending) = (self.clone(), std::mem::take(&mut chunk));
            writers.spawn(async move { me.write_person_chunk(pending, validate_only).await });
        }
        while !writers.is_empty() {
            absorb(writers.join_next().await, &mut summary, &mut changed)?;
        }
        summary.validate_only = validate_only;
        summary.rejected.sort_by_key(|r| r.row_number);
        if !validate_only {
            for ids in changed.chunks(500) {
                let keys: Vec<String> = ids.iter().map(|id| person_key(*id)).collect();
                self.cache.invalidate(&keys).await;
            }
            // The statistics read the deltas too: folding them now keeps the next read short.
            let mut conn = self.conn().await?;
            crate::store::reporting::fold_tallies(&mut conn).await?;
            self.cache.bump(STATS_GENERATION).await;
            self.audit
                .record(vec![audit::event(
                    &ctx.caller,
                    &ctx.purpose,
                    &ctx.trace_id,
                    "ImportPersons",
                    None,
                    None,
                    tonic::Code::Ok,
                )])
                .await?;
        }
        Ok(pb::ImportPersonsResponse {
            summary: Some(summary),
        })
    }

    /// Writes one chunk in its own transaction: returns created, updated, unchanged and the ids
    /// of the persons that changed.
    async fn write_person_chunk(
        self,
        pending: Vec<PendingPerson>,
        validate_only: bool,
    ) -> Result<ChunkOutcome, ApiError> {
        let rows = pending.len();
        let started = std::time::Instant::now();
        let iins: Vec<String> = pending.iter().map(|p| p.row.iin.clone()).collect();
        let mut conn = self.conn().await?;
        let (created, updated, unchanged, touched) = conn
            .transaction(async |conn| {
                // A chunk is a bulk write: it may take longer than an interactive statement.
                // Plans are made for each chunk's arrays: a generic plan cached while the table
                // was small would scan it whole once it has grown.
                conn.batch_execute(
                    "SET LOCAL statement_timeout = '120s'; \
                     SET LOCAL plan_cache_mode = force_custom_plan",
                )
                .await?;
                let existing: HashMap<String, PersonRow> = persons::by_iins(conn, &iins)
                    .await?
                    .into_iter()
                    .map(|p| (p.iin.clone(), p))
                    .collect();
                let known: Vec<Uuid> = existing.values().map(|p| p.id).collect();
                let mut assessed: HashMap<Uuid, AssessmentRow> =
                    persons::current_assessments(conn, &known)
                        .await?
                        .into_iter()
                        .map(|a| (a.person_id, a))
                        .collect();
                let (mut created, mut updated, mut unchanged) = (0i64, 0i64, 0i64);
                let mut new_rows = Vec::new();
                let mut new_assessments = Vec::new();
                let mut touched = Vec::new();
                for p in pending {
                    match existing.get(&p.row.iin) {
                        None => {
                            created += 1;
                            if let Some(a) = p.assessment {
                                new_assessments.push(a);
                            }
                            new_rows.push(p.row);
                        }
                        Some(current) => {
                            let mut next = PersonRow {
                                id: current.id,
                                household_id: current.household_id,
                                current_group: current.current_group,
                                current_cause: current.current_cause,
                                current_nosology: current.current_nosology,
                                registered_on: current.registered_on,
                                create_time: current.create_time,
                                version: current.version,
                                ..p.row
                            };
                            let person_changed = !next.same_content(current);
                            let mut assessment_changed = false;
                            if let Some(mut a) = p.assessment {
                                a.person_id = current.id;
                                assessment_changed = assessed
                                    .remove(&current.id)
                                    .is_none_or(|c| !c.same_decision(&a));
                                if assessment_changed && !validate_only {
                                    persons::add_assessment(conn, &a).await?;
                                }
                            }
                            if person_changed && !validate_only {
                                next.update_time = crate::api::now();
                                next.version = current.version + 1;
                                // The assessment (if any) already bumped these columns.
                                if let Some(fresh) = persons::get(conn, current.id).await? {
                                    next.current_group = fresh.current_group;
                                    next.current_cause = fresh.current_cause;
                                    next.current_nosology = fresh.current_nosology;
                                    next.version = fresh.version + 1;
                                }
                                persons::update(conn, &next).await?;
                            }
                            if person_changed || assessment_changed {
                                updated += 1;
                                touched.push(current.id);
                            } else {
                                unchanged += 1;
                            }
                        }
                    }
                }
                if !validate_only {
                    persons::insert_many(conn, &new_rows).await?;
                    super::events::persons_registered(conn, &new_rows).await?;
                    persons::insert_assessments_many(conn, &new_assessments).await?;
                }
                Ok::<_, ApiError>((created, updated, unchanged, touched))
            })
            .await?;
        tracing::debug!(
            rows,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "import chunk written"
        );
        Ok((created, updated, unchanged, touched))
    }

    pub(crate) async fn import_centers(
        &self,
        ctx: &Ctx,
        mut stream: Streaming<pb::ImportCentersRequest>,
    ) -> Result<pb::ImportCentersResponse, ApiError> {
        ctx.caller.require(WRITERS)?;
        let mut summary = pb::ImportSummary::default();
        let mut validate_only = None;
        let mut seen: HashMap<(String, String), i64> = HashMap::new();
        let mut changed = Vec::new();
        let mut conn = self.conn().await?;
        while let Some(msg) = stream.message().await.map_err(stream_error)? {
            summary.received += 1;
            let validate_only = *validate_only.get_or_insert(msg.validate_only);
            let number = if msg.row_number > 0 {
                msg.row_number
            } else {
                summary.received
            };
            let c = msg.center.unwrap_or_default();
            let mut v = Violations::new();
            let mut inner = Violations::new();
            crate::domain::center::check_center(&c, &self.regions, &mut inner);
            v.extend_prefixed("center", inner);
            let row = convert::center_row(&c, Uuid::now_v7(), crate::api::now());
            let identity = (
                row.bin
                    .clone()
                    .unwrap_or_else(|| format!("{}/{}", row.region_code, row.name_kk)),
                String::new(),
            );
            if let Some(first) = seen.get(&identity) {
                v.add(
                    "center",
                    format!("the same centre is already in row {first} of this import"),
                );
            }
            if !v.is_empty() {
                summary.rejected.push(rejected(number, v.as_slice()));
                continue;
            }
            seen.insert(identity, number);
            let outcome = conn
                .transaction(async |conn| {
                    let existing = centers::find_match(
                        conn,
                        row.bin.as_deref(),
                        &row.region_code,
                        &row.name_kk,
                    )
                    .await?;
                    let outcome = match existing {
                        None => {
                            if !validate_only {
                                centers::insert(conn, &row).await?;
                                super::events::center_updated(conn, &row, true).await?;
                            }
                            (0, row.id)
                        }
                        Some(current)
                            if current.same_content(&CenterRowWithId::from(&row, &current)) =>
                        {
                            (2, current.id)
                        }
                        Some(current) => {
                            if !validate_only {
                                let mut next = CenterRowWithId::from(&row, &current);
                                next.update_time = crate::api::now();
                                next.version = current.version + 1;
                                centers::update(conn, &next).await?;
                                super::events::center_updated(conn, &next, false).await?;
                            }
                            (1, current.id)
                        }
                    };
                    Ok::<_, ApiError>(outcome)
                })
                .await?;
            match outcome.0 {
                0 => summary.created += 1,
                1 => summary.updated += 1,
                _ => summary.unchanged += 1,
            }
            if outcome.0 != 2 {
                changed.push(outcome.1);
            }
        }
        let validate_only = validate_only.unwrap_or(false);
        summary.validate_only = validate_only;
        summary.rejected.sort_by_key(|r| r.row_number);
        if !validate_only && !changed.is_empty() {
            self.centers_changed(&changed).await;
            self.audit
                .record(vec![audit::event(
                    &ctx.caller,
                    &ctx.purpose,
                    &ctx.trace_id,
                    "ImportCenters",
                    None,
                    None,
                    tonic::Code::Ok,
                )])
                .await?;
        }
        Ok(pb::ImportCentersResponse {
            summary: Some(summary),
        })
    }
}

/// An imported centre row carrying the stored centre's identity and history.
struct CenterRowWithId;

impl CenterRowWithId {
    fn from(row: &centers::CenterRow, current: &centers::CenterRow) -> centers::CenterRow {
        centers::CenterRow {
            id: current.id,
            create_time: current.create_time,
            update_time: current.update_time,
            version: current.version,
            ..row.clone()
        }
    }
}
