//! `onaltu import-centers` and `onaltu import-persons`: stream a file's rows over the registry's
//! client-streaming import RPCs and report the server's summary with every rejected row.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use futures::StreamExt;
use indicatif::ProgressBar;
use onaltu_proto::registry::{
    ImportCentersRequest, ImportPersonsRequest, ImportSummary, RejectedRow, RowViolation,
};
use tokio::sync::mpsc;

use crate::calls::describe;
use crate::centres_tsv::{self, CentreRow, Note};
use crate::connection::Registry;
use crate::persons_csv::{self, Columns};
use crate::progress;
use crate::regions::Regions;
use crate::say;

/// Rows read ahead of the server at most: the file is never held in memory whole.
pub const ROWS_IN_FLIGHT: usize = 256;

/// Rows per `ImportPersons` call by default: a few seconds of work for the server, well within
/// its request timeout.
pub const DEFAULT_BATCH_SIZE: usize = 5_000;

/// Reads and parses a centres TSV file.
pub fn read_centres(path: &Path) -> anyhow::Result<centres_tsv::ParsedCentres> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    centres_tsv::parse(&text, &Regions::builtin()?).with_context(|| format!("{}", path.display()))
}

/// Streams centre rows through `ImportCenters` with a progress bar and returns the summary.
pub async fn import_centres(
    client: &mut Registry,
    rows: Vec<CentreRow>,
    validate_only: bool,
) -> anyhow::Result<ImportSummary> {
    let bar = progress::bar(rows.len() as u64, "centres");
    let ticks = bar.clone();
    let stream = futures::stream::iter(rows).map(move |row| {
        ticks.inc(1);
        ImportCentersRequest {
            row_number: row.row_number,
            center: Some(row.center),
            validate_only,
        }
    });
    let answer = client.import_centers(stream).await;
    bar.finish_and_clear();
    let response = answer.map_err(|s| anyhow::anyhow!("ImportCenters failed: {}", describe(&s)))?;
    Ok(response.into_inner().summary.unwrap_or_default())
}

/// Counts the data records of a CSV file, for the progress bar; streams, holds nothing.
fn count_records(path: &Path) -> anyhow::Result<u64> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("reading {}", path.display()))?;
    let mut record = csv::ByteRecord::new();
    let mut n = 0;
    // The count only sizes the bar: a read error ends it, and the import reports the row.
    while let Ok(true) = reader.read_byte_record(&mut record) {
        n += 1;
    }
    Ok(n)
}

/// Streams a persons CSV through `ImportPersons`: rows are read on a blocking thread into a
/// bounded channel, rows that cannot be read are rejected locally. Returns the server's
/// summary and the local rejections.
pub async fn import_persons(
    client: &mut Registry,
    path: &Path,
    validate_only: bool,
    batch_size: usize,
) -> anyhow::Result<(ImportSummary, Vec<RejectedRow>)> {
    let total = count_records(path)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(File::open(path).with_context(|| format!("reading {}", path.display()))?);
    let columns = Columns::from_header(reader.headers().context("reading the header")?)
        .with_context(|| format!("{}", path.display()))?;
    let bar = progress::bar(total, "persons");
    let (tx, rx) = mpsc::channel(ROWS_IN_FLIGHT);
    let local_bar = bar.clone();
    let producer = tokio::task::spawn_blocking(move || {
        let mut rejected = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let (row_number, parsed) = match record {
                Ok(record) => {
                    let line = record.position().map_or(i as u64 + 2, |p| p.line());
                    let row_number = line as i64;
                    (
                        row_number,
                        persons_csv::parse_row(&columns, &record, row_number, validate_only),
                    )
                }
                Err(err) if err.is_io_error() => {
                    // The file itself failed: nothing more can be read from it.
                    let violation = RowViolation {
                        field: "row".to_string(),
                        description: format!("reading stopped here: {err}"),
                    };
                    rejected.push(RejectedRow {
                        row_number: i as i64 + 2,
                        violations: vec![violation],
                    });
                    break;
                }
                Err(err) => {
                    let line = err.position().map_or(i as u64 + 2, |p| p.line());
                    let violation = RowViolation {
                        field: "row".to_string(),
                        description: format!("cannot be read: {err}"),
                    };
                    (line as i64, Err(vec![violation]))
                }
            };
            match parsed {
                Ok(request) => {
                    // The receiver is gone when the call ended early; its error is reported.
                    if tx.blocking_send(request).is_err() {
                        break;
                    }
                }
                Err(violations) => {
                    local_bar.inc(1);
                    rejected.push(RejectedRow {
                        row_number,
                        violations,
                    });
                }
            }
        }
        rejected
    });
    let sent = send_persons(client, rx, batch_size, &bar).await;
    bar.finish_and_clear();
    let local = producer.await.context("reading the file")?;
    Ok((sent?, local))
}

/// Sends the rows of `rows` through `ImportPersons`, at most `batch_size` rows per call: the
/// server bounds how long one call may take, so a large import goes as consecutive streams.
/// Returns the summaries added up.
pub async fn send_persons(
    client: &mut Registry,
    rows: mpsc::Receiver<ImportPersonsRequest>,
    batch_size: usize,
    bar: &ProgressBar,
) -> anyhow::Result<ImportSummary> {
    let rows = Arc::new(tokio::sync::Mutex::new(rows));
    let mut total = ImportSummary::default();
    loop {
        // Waiting for the first row before calling means no call is made for an empty tail.
        let Some(first) = rows.lock().await.recv().await else {
            break;
        };
        let rest = futures::stream::unfold(
            (rows.clone(), batch_size.max(1) - 1),
            |(source, left)| async move {
                if left == 0 {
                    return None;
                }
                let row = source.lock().await.recv().await?;
                Some((row, (source, left - 1)))
            },
        );
        let ticks = bar.clone();
        let stream = futures::stream::once(async move { first })
            .chain(rest)
            .inspect(move |_| ticks.inc(1));
        let part = client.import_persons(stream).await.map_err(|s| {
            anyhow::anyhow!(
                "ImportPersons failed after {} rows were answered: {}",
                total.received,
                describe(&s)
            )
        })?;
        add_up(&mut total, part.into_inner().summary.unwrap_or_default());
    }
    Ok(total)
}

/// Adds one call's summary to the total.
fn add_up(total: &mut ImportSummary, part: ImportSummary) {
    total.received += part.received;
    total.created += part.created;
    total.updated += part.updated;
    total.unchanged += part.unchanged;
    total.rejected.extend(part.rejected);
    total.validate_only |= part.validate_only;
}

/// Prints an import's outcome: the counts, every rejected row (server's and local, by row
/// number) with its reasons, then the client-side notes. Returns whether no row was rejected.
pub fn print_summary(
    what: &str,
    summary: &ImportSummary,
    local: &[RejectedRow],
    notes: &[Note],
) -> bool {
    let mut rejected: Vec<&RejectedRow> = summary.rejected.iter().chain(local).collect();
    rejected.sort_by_key(|r| r.row_number);
    say!(
        "{what}{}: received {}, created {}, updated {}, unchanged {}, rejected {}{}",
        if summary.validate_only {
            " (validated only, nothing written)"
        } else {
            ""
        },
        summary.received,
        summary.created,
        summary.updated,
        summary.unchanged,
        rejected.len(),
        if local.is_empty() {
            String::new()
        } else {
            format!(" ({} of them here, not sent)", local.len())
        }
    );
    if !rejected.is_empty() {
        say!("rejected rows:");
        for row in &rejected {
            let reasons: Vec<String> = row
                .violations
                .iter()
                .map(|v| {
                    if v.field.is_empty() {
                        v.description.clone()
                    } else {
                        format!("{}: {}", v.field, v.description)
                    }
                })
                .collect();
            say!("  row {}: {}", row.row_number, reasons.join("; "));
        }
    }
    if !notes.is_empty() {
        say!("notes ({}):", notes.len());
        for note in notes {
            say!("  {note}");
        }
    }
    rejected.is_empty()
}
