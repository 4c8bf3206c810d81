//! StreamEligibilityFacts: the facts who may evaluate which episode is decided from, as they
//! stand now, for the feedback service to build its own copy of them anew. Ids, states, dates
//! and record versions only; read a page at a time, each page sent before the next is read, no
//! connection held while the caller takes a page.

use std::pin::Pin;

use futures::Stream;
use onaltu_api::Ctx;
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::registry as pb;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;
use uuid::Uuid;

use super::Registry;
use crate::domain::access;
use crate::store::episodes::{self, AdmittedRow};
use crate::store::persons::{self, RepresentationRow};
use crate::workers::audit;

/// The stream StreamEligibilityFacts answers with.
pub type FactStream =
    Pin<Box<dyn Stream<Item = Result<pb::StreamEligibilityFactsResponse, Status>> + Send>>;

type Sender = mpsc::Sender<Result<pb::StreamEligibilityFactsResponse, Status>>;

/// Facts per message when the caller names no batch size.
const DEFAULT_BATCH: i64 = 500;
/// The most facts per message.
const MAX_BATCH: i64 = 5_000;

/// A StreamEligibilityFacts request, decoded.
struct FactsInput {
    batch: i64,
}

impl TryFrom<pb::StreamEligibilityFactsRequest> for FactsInput {
    type Error = ApiError;

    fn try_from(req: pb::StreamEligibilityFactsRequest) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        let batch = match i64::from(req.batch_size) {
            0 => DEFAULT_BATCH,
            n => n,
        };
        v.check(
            (1..=MAX_BATCH).contains(&batch),
            "batch_size",
            "must be between 1 and 5000 (0 for 500)",
        );
        v.finish(Self { batch })
    }
}

fn episode(row: AdmittedRow) -> pb::EpisodeEligibilityFact {
    pb::EpisodeEligibilityFact {
        episode_id: row.id.to_string(),
        person_id: row.person_id.to_string(),
        center_id: row.center_id.to_string(),
        state: i32::from(row.state),
        admitted_on: Some(onaltu_api::date(row.admitted_on)),
        version: row.version,
    }
}

fn representation(row: RepresentationRow) -> pb::LegalRepresentativesFact {
    pb::LegalRepresentativesFact {
        person_id: row.person_id.to_string(),
        representative_ids: row.representatives.iter().map(Uuid::to_string).collect(),
        version: row.version,
    }
}

impl Registry {
    /// Every admitted episode, then every person's legal representatives, to a listed service
    /// in its own name; the call is audited once, before anything is sent.
    pub(crate) async fn stream_eligibility_facts(
        &self,
        ctx: &Ctx,
        req: pb::StreamEligibilityFactsRequest,
    ) -> Result<FactStream, ApiError> {
        let claims = ctx.caller.authenticated()?;
        let listed = self.access.eligibility_fact_readers.contains(&claims.sub);
        access::may_read_eligibility_facts(claims.role, listed)?;
        let input = FactsInput::try_from(req)?;
        self.audit
            .record(vec![audit::event(
                &ctx.caller,
                &ctx.purpose,
                &ctx.trace_id,
                "StreamEligibilityFacts",
                None,
                None,
                tonic::Code::Ok,
            )])
            .await?;
        let (tx, rx) = mpsc::channel(2);
        tokio::spawn(self.clone().send_facts(input.batch, tx));
        Ok(Box::pin(ReceiverStream::new(rx)))
    }

    /// Sends the facts in pages of `batch`; a read that fails ends the stream with its status,
    /// and a caller that went away stops it.
    async fn send_facts(self, batch: i64, tx: Sender) {
        match self.send_pages(batch, &tx).await {
            Ok(Some((episodes, persons))) => {
                tracing::info!(episodes, persons, "eligibility facts sent");
            }
            Ok(None) => tracing::info!("eligibility facts: the caller went away"),
            Err(e) => {
                tracing::warn!(error = %e, "eligibility facts not all sent");
                let _ = tx.send(Err(Status::from(e))).await;
            }
        }
    }

    /// Sends every admitted episode, then every person's representatives: how many of each were
    /// sent, or None when the caller went away first.
    async fn send_pages(&self, batch: i64, tx: &Sender) -> Result<Option<(u64, u64)>, ApiError> {
        let (mut episodes_sent, mut persons_sent) = (0, 0);
        let mut after = Uuid::nil();
        loop {
            let page = episodes::admitted_after(&mut *self.conn().await?, after, batch).await?;
            let (Some(last), more) = (page.last(), page.len() as i64 == batch) else {
                break;
            };
            after = last.id;
            episodes_sent += page.len() as u64;
            let message = pb::StreamEligibilityFactsResponse {
                episodes: page.into_iter().map(episode).collect(),
                legal_representatives: Vec::new(),
            };
            if tx.send(Ok(message)).await.is_err() {
                return Ok(None);
            }
            if !more {
                break;
            }
        }
        after = Uuid::nil();
        loop {
            let page =
                persons::representation_after(&mut *self.conn().await?, after, batch).await?;
            let (Some(last), more) = (page.last(), page.len() as i64 == batch) else {
                break;
            };
            after = last.person_id;
            persons_sent += page.len() as u64;
            let message = pb::StreamEligibilityFactsResponse {
                episodes: Vec::new(),
                legal_representatives: page.into_iter().map(representation).collect(),
            };
            if tx.send(Ok(message)).await.is_err() {
                return Ok(None);
            }
            if !more {
                break;
            }
        }
        Ok(Some((episodes_sent, persons_sent)))
    }
}
