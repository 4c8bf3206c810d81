//! ImportPersons and ImportCenters: client streams of rows, idempotent by IIN / BIN (or a
//! centre's Kazakh name within its region), answering what was created, updated, unchanged, and
//! the rejected rows with their numbers and every reason. A rejected row writes nothing; the
//! others are written in chunks, one transaction each. One call takes at most `[import]
//! max_rows` rows: the first row past it is rejected for itself and the rest, and nothing after
//! it is read. The answer lists the first rejected rows (`[import] max_listed_rejections`, and
//! never more than half the message limit); all rejected rows number `received - created -
//! updated - unchanged`.

mod decode;

use std::collections::HashMap;

use diesel_async::{AsyncConnection as _, SimpleAsyncConnection as _};
use onaltu_api::{now, today};
use onaltu_errors::ApiError;
use onaltu_proto::registry as pb;
use tokio::task::{JoinError, JoinSet};
use tonic::Streaming;
use uuid::Uuid;

use self::decode::{ImportRun, PendingPerson, center_row, pending_person};
use super::persons::{STATS_GENERATION, person_key};
use super::{Registry, WRITERS};
use crate::store::Conn;
use crate::store::centers::{self, CenterRow};
use crate::store::persons::{self, AssessmentRow, PersonRow};
use crate::workers::audit;
use onaltu_api::Ctx;

/// Rows written per transaction.
const CHUNK: usize = 1_000;
/// Chunk transactions running at once during one import.
const WRITERS_IN_FLIGHT: usize = 3;

/// What one chunk of persons did.
#[derive(Debug, Default)]
struct ChunkOutcome {
    created: i64,
    updated: i64,
    unchanged: i64,
    /// The ids of the persons that changed.
    touched: Vec<Uuid>,
}

/// The chunk writers of one ImportPersons, and what they did so far.
#[derive(Default)]
struct ChunkWriters {
    running: JoinSet<Result<ChunkOutcome, ApiError>>,
    done: ChunkOutcome,
}

impl ChunkWriters {
    /// Starts writing `pending`, first waiting for a writer when as many as allowed are busy.
    async fn start(
        &mut self,
        registry: &Registry,
        pending: Vec<PendingPerson>,
        validate_only: bool,
    ) -> Result<(), ApiError> {
        if self.running.len() >= WRITERS_IN_FLIGHT {
            let joined = self.running.join_next().await;
            self.absorb(joined)?;
        }
        let me = registry.clone();
        self.running
            .spawn(async move { me.write_person_chunk(pending, validate_only).await });
        Ok(())
    }

    /// Waits for every writer; the first failure fails the import.
    async fn finish(mut self, summary: &mut pb::ImportSummary) -> Result<Vec<Uuid>, ApiError> {
        while !self.running.is_empty() {
            let joined = self.running.join_next().await;
            self.absorb(joined)?;
        }
        summary.created += self.done.created;
        summary.updated += self.done.updated;
        summary.unchanged += self.done.unchanged;
        Ok(self.done.touched)
    }

    fn absorb(
        &mut self,
        joined: Option<Result<Result<ChunkOutcome, ApiError>, JoinError>>,
    ) -> Result<(), ApiError> {
        let Some(joined) = joined else {
            return Ok(());
        };
        let outcome = joined.map_err(|e| ApiError::Internal(format!("import writer: {e}")))??;
        self.done.created += outcome.created;
        self.done.updated += outcome.updated;
        self.done.unchanged += outcome.unchanged;
        self.done.touched.extend(outcome.touched);
        Ok(())
    }
}

fn stream_error(status: tonic::Status) -> ApiError {
    ApiError::invalid(
        "stream",
        format!("the row stream failed: {}", status.message()),
    )
}

/// What one imported centre did.
enum CenterOutcome {
    Created(Uuid),
    Updated(Uuid),
    Unchanged,
}

impl Registry {
    pub(crate) async fn import_persons(
        &self,
        ctx: &Ctx,
        mut stream: Streaming<pb::ImportPersonsRequest>,
    ) -> Result<pb::ImportPersonsResponse, ApiError> {
        ctx.caller.require(WRITERS)?;
        let mut run = ImportRun::new(self.import);
        let mut seen: HashMap<String, i64> = HashMap::new();
        let mut chunk: Vec<PendingPerson> = Vec::with_capacity(CHUNK);
        // Chunks are written by a few transactions at once while the stream is still read.
        let mut writers = ChunkWriters::default();
        while let Some(msg) = stream.message().await.map_err(stream_error)? {
            let Some((number, validate_only)) = run.next_row(msg.row_number, msg.validate_only)
            else {
                break;
            };
            match pending_person(msg, &seen, &self.regions, today(), now()) {
                Err(v) => run.reject(number, &v),
                Ok(p) => {
                    seen.insert(p.row.iin.clone(), number);
                    chunk.push(p);
                }
            }
            if chunk.len() >= CHUNK {
                writers
                    .start(self, std::mem::take(&mut chunk), validate_only)
                    .await?;
            }
        }
        let validate_only = run.validate_only();
        if !chunk.is_empty() {
            writers.start(self, chunk, validate_only).await?;
        }
        let mut summary = run.finish();
        let changed = writers.finish(&mut summary).await?;
        if !validate_only {
            self.persons_imported(ctx, &changed).await?;
        }
        Ok(pb::ImportPersonsResponse {
            summary: Some(summary),
        })
    }

    /// After an import wrote persons: caches retired, statistics folded, the import audited.
    async fn persons_imported(&self, ctx: &Ctx, changed: &[Uuid]) -> Result<(), ApiError> {
        for ids in changed.chunks(500) {
            let keys: Vec<String> = ids.iter().map(|id| person_key(*id)).collect();
            self.cache.invalidate(&keys).await;
        }
        // The statistics read the deltas too: folding them now keeps the next read short.
        let mut conn = self.conn().await?;
        crate::store::reporting::fold_tallies(&mut conn).await?;
        self.cache.bump(STATS_GENERATION).await;
        self.audit_import(ctx, "ImportPersons").await
    }

    async fn audit_import(&self, ctx: &Ctx, action: &str) -> Result<(), ApiError> {
        self.audit
            .record(vec![audit::event(
                &ctx.caller,
                &ctx.purpose,
                &ctx.trace_id,
                action,
                None,
                None,
                tonic::Code::Ok,
            )])
            .await
    }

    /// Writes one chunk in its own transaction.
    async fn write_person_chunk(
        self,
        pending: Vec<PendingPerson>,
        validate_only: bool,
    ) -> Result<ChunkOutcome, ApiError> {
        let rows = pending.len();
        let started = std::time::Instant::now();
        let mut conn = self.conn().await?;
        let outcome = conn
            .transaction(async |conn| merge_chunk(conn, pending, validate_only).await)
            .await?;
        tracing::debug!(
            rows,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "import chunk written"
        );
        Ok(outcome)
    }

    pub(crate) async fn import_centers(
        &self,
        ctx: &Ctx,
        mut stream: Streaming<pb::ImportCentersRequest>,
    ) -> Result<pb::ImportCentersResponse, ApiError> {
        ctx.caller.require(WRITERS)?;
        let mut run = ImportRun::new(self.import);
        let mut seen: HashMap<String, i64> = HashMap::new();
        let mut changed = Vec::new();
        let mut conn = self.conn().await?;
        while let Some(msg) = stream.message().await.map_err(stream_error)? {
            let Some((number, validate_only)) = run.next_row(msg.row_number, msg.validate_only)
            else {
                break;
            };
            let (identity, row) = match center_row(msg, &seen, &self.regions, now()) {
                Err(v) => {
                    run.reject(number, &v);
                    continue;
                }
                Ok(decoded) => decoded,
            };
            seen.insert(identity, number);
            let outcome = conn
                .transaction(async |conn| import_center(conn, &row, validate_only).await)
                .await?;
            run.count_center(&outcome, &mut changed);
        }
        let validate_only = run.validate_only();
        let summary = run.finish();
        if !validate_only && !changed.is_empty() {
            self.centers_changed(&changed).await;
            self.audit_import(ctx, "ImportCenters").await?;
        }
        Ok(pb::ImportCentersResponse {
            summary: Some(summary),
        })
    }
}

impl ImportRun {
    /// Counts what an imported centre did; a changed one is remembered in `changed`.
    fn count_center(&mut self, outcome: &CenterOutcome, changed: &mut Vec<Uuid>) {
        match outcome {
            CenterOutcome::Created(id) => {
                self.summary.created += 1;
                changed.push(*id);
            }
            CenterOutcome::Updated(id) => {
                self.summary.updated += 1;
                changed.push(*id);
            }
            CenterOutcome::Unchanged => self.summary.unchanged += 1,
        }
    }
}

/// Writes one chunk of persons: new IINs are inserted together, known ones updated where
/// their content or assessment changed.
async fn merge_chunk(
    conn: &mut Conn,
    pending: Vec<PendingPerson>,
    validate_only: bool,
) -> Result<ChunkOutcome, ApiError> {
    // A chunk is a bulk write: it may take longer than an interactive statement. Plans are
    // made for each chunk's arrays: a generic plan cached while the table was small would scan
    // it whole once it has grown.
    conn.batch_execute(
        "SET LOCAL statement_timeout = '120s'; \
         SET LOCAL plan_cache_mode = force_custom_plan",
    )
    .await?;
    let iins: Vec<String> = pending.iter().map(|p| p.row.iin.clone()).collect();
    let existing: HashMap<String, PersonRow> = persons::by_iins(conn, &iins)
        .await?
        .into_iter()
        .map(|p| (p.iin.clone(), p))
        .collect();
    let known: Vec<Uuid> = existing.values().map(|p| p.id).collect();
    let mut assessed: HashMap<Uuid, AssessmentRow> = persons::current_assessments(conn, &known)
        .await?
        .into_iter()
        .map(|a| (a.person_id, a))
        .collect();
    let mut outcome = ChunkOutcome::default();
    let (mut new_rows, mut new_assessments) = (Vec::new(), Vec::new());
    for p in pending {
        let Some(current) = existing.get(&p.row.iin) else {
            outcome.created += 1;
            new_assessments.extend(p.assessment);
            new_rows.push(p.row);
            continue;
        };
        let stored = assessed.remove(&current.id);
        if update_known(conn, p, current, stored, validate_only).await? {
            outcome.updated += 1;
            outcome.touched.push(current.id);
        } else {
            outcome.unchanged += 1;
        }
    }
    if !validate_only {
        persons::insert_many(conn, &new_rows).await?;
        crate::events::persons_registered(conn, &new_rows).await?;
        persons::insert_assessments_many(conn, &new_assessments).await?;
    }
    Ok(outcome)
}

/// Updates a known person from an imported row; whether the person or the assessment changed.
async fn update_known(
    conn: &mut Conn,
    p: PendingPerson,
    current: &PersonRow,
    stored: Option<AssessmentRow>,
    validate_only: bool,
) -> Result<bool, ApiError> {
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
        assessment_changed = stored.is_none_or(|c| !c.same_decision(&a));
        if assessment_changed && !validate_only {
            persons::add_assessment(conn, &a).await?;
        }
    }
    if person_changed && !validate_only {
        next.update_time = now();
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
    Ok(person_changed || assessment_changed)
}

/// Creates or updates one imported centre (matched by BIN, or Kazakh name within its region).
async fn import_center(
    conn: &mut Conn,
    row: &CenterRow,
    validate_only: bool,
) -> Result<CenterOutcome, ApiError> {
    let existing =
        centers::find_match(conn, row.bin.as_deref(), &row.region_code, &row.name_kk).await?;
    let Some(current) = existing else {
        if !validate_only {
            centers::insert(conn, row).await?;
            crate::events::center_updated(conn, row, true).await?;
        }
        return Ok(CenterOutcome::Created(row.id));
    };
    let mut next = CenterRow {
        id: current.id,
        create_time: current.create_time,
        update_time: current.update_time,
        version: current.version,
        ..row.clone()
    };
    if current.same_content(&next) {
        return Ok(CenterOutcome::Unchanged);
    }
    if !validate_only {
        next.update_time = now();
        next.version = current.version + 1;
        centers::update(conn, &next).await?;
        crate::events::center_updated(conn, &next, false).await?;
    }
    Ok(CenterOutcome::Updated(current.id))
}
