//! The audit trail writer. A read of a person's record answers only once its audit event is
//! durable; to keep that cheap, events of concurrent calls are grouped into one insert and one
//! commit (group commit) instead of a commit per call.

use onaltu_auth::{Caller, Role};
use onaltu_db::Pool;
use onaltu_errors::ApiError;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::store::audit::AuditRow;

type Batch = (Vec<AuditRow>, oneshot::Sender<bool>);

/// Largest number of events written in one commit.
const MAX_GROUP: usize = 2_000;

/// A handle on the audit writer.
#[derive(Clone)]
pub struct AuditLog {
    tx: mpsc::Sender<Batch>,
}

impl AuditLog {
    /// Starts the writer task on `pool`.
    pub fn start(pool: Pool) -> Self {
        let (tx, rx) = mpsc::channel::<Batch>(4_096);
        tokio::spawn(write_loop(pool, rx));
        Self { tx }
    }

    /// Writes `rows` and returns once they are committed; UNAVAILABLE when they could not be.
    pub async fn record(&self, rows: Vec<AuditRow>) -> Result<(), ApiError> {
        if rows.is_empty() {
            return Ok(());
        }
        let unavailable = || ApiError::Unavailable {
            message: "the audit trail cannot be written; the record is not shown without it".into(),
            retry_after: std::time::Duration::from_secs(1),
        };
        let (done_tx, done_rx) = oneshot::channel();
        self.tx
            .send((rows, done_tx))
            .await
            .map_err(|_| unavailable())?;
        match done_rx.await {
            Ok(true) => Ok(()),
            _ => Err(unavailable()),
        }
    }
}

async fn write_loop(pool: Pool, mut rx: mpsc::Receiver<Batch>) {
    // One commit at a time, so events commit in the order of their times and a reader paging
    // "after (time, id)" never skips one committed late.
    while let Some(first) = rx.recv().await {
        // Everything that queued up while the previous commit ran goes into this one.
        let mut group = vec![first];
        let mut count = group[0].0.len();
        while count < MAX_GROUP {
            match rx.try_recv() {
                Ok(batch) => {
                    count += batch.0.len();
                    group.push(batch);
                }
                Err(_) => break,
            }
        }
        let ok = write_group(&pool, &mut group).await;
        for (_, done) in group {
            let _ = done.send(ok);
        }
    }
}

/// Writes one group of events in one insert and one commit.
async fn write_group(pool: &Pool, group: &mut [Batch]) -> bool {
    let rows: Vec<AuditRow> = group.iter_mut().flat_map(|(r, _)| r.drain(..)).collect();
    match pool.get().await {
        Ok(mut conn) => match crate::store::audit::insert(&mut conn, &rows).await {
            Ok(_) => true,
            Err(err) => {
                tracing::error!(error = %err, "audit write failed");
                false
            }
        },
        Err(err) => {
            tracing::error!(error = %err, "audit write: no database connection");
            false
        }
    }
}

/// The proto number of a role.
pub fn role_number(role: Role) -> i16 {
    match role {
        Role::Citizen => 1,
        Role::CenterStaff => 2,
        Role::CityOperator => 3,
        Role::Dispatcher => 4,
        Role::Driver => 5,
        Role::Auditor => 6,
        Role::Integration => 7,
        Role::Admin => 8,
    }
}

/// An audit event of `caller` doing `action` on a person and/or centre.
pub fn event(
    caller: &Caller,
    purpose: &str,
    trace_id: &str,
    action: &str,
    person_id: Option<Uuid>,
    center_id: Option<Uuid>,
    status: tonic::Code,
) -> AuditRow {
    let (subject, role) = match caller {
        Caller::Anonymous => ("anonymous".to_string(), 0),
        Caller::Authenticated(c) => (c.sub.clone(), role_number(c.role)),
    };
    AuditRow {
        id: Uuid::now_v7(),
        event_time: onaltu_api::now(),
        actor_subject: subject,
        actor_role: role,
        action: action.to_string(),
        person_id,
        center_id,
        purpose: purpose.chars().take(200).collect(),
        allowed: status == tonic::Code::Ok,
        status_code: status as i32,
        trace_id: trace_id.to_string(),
    }
}
