//! `onaltu-feedback rebuild-eligibility`: the eligibility copy (who may evaluate which episode,
//! `domain::eligibility`) built anew from the registry, for a new deployment, or after an outage
//! that lost events or restored either database from a backup.
//!
//! The copy is emptied, then the registry is asked, in the feedback service's own name, for
//! every fact as it stands now (StreamEligibilityFacts: each admitted episode, then each person's
//! whole set of legal representatives, each with the version of its record), and each batch is
//! applied in a transaction of its own, by the same version-checked merge as the registry's
//! events. The consumer of those events keeps running meanwhile, and no event is lost:
//!
//! - A change the registry committed before it read a fact is in that fact, at that version or a
//!   later one. Its event, applied before the copy was emptied, is emptied with it and the fact
//!   restores it; applied after, it meets the fact under the version check, and whichever comes
//!   second changes nothing the other did not already say.
//! - A change committed after the registry read the fact is not in it, but its event (a higher
//!   version) is published only after that commit, so it is applied after the copy was emptied:
//!   it is never emptied away, and a fact arriving after it is older and changes nothing.
//! - An event delayed in its stream from before a later change (a redelivery, a retry) carries a
//!   lower version than the fact of that later change, and is refused whenever it arrives. This
//!   is why every person is sent, those nobody represents too: a revoked representation is
//!   known to the copy as an empty set at the later version, so the older event naming the
//!   representative cannot bring them back.
//!
//! So the copy must be emptied before the registry starts reading, never after. While the
//! rebuild runs the copy knows less than before, never more: what it does not know, the registry
//! decides (SubmitEvaluation asks it, as for any episode the copy has not seen). A rebuild that
//! stops part-way (the registry unreachable, the stream broken) leaves the copy partial, and
//! says so: run it again; nothing else needs undoing.

use diesel_async::AsyncConnection as _;
use onaltu_db::Pool;
use onaltu_errors::ApiError;
use onaltu_service::{StartError, Task, TaskRun, TaskStart};

use crate::clients::registry::{Facts, FactsClient};
use crate::settings::{self, Settings};
use crate::store::eligibility as store;

/// Facts per batch, each applied in one transaction.
pub const BATCH: u32 = 500;

/// What a rebuild took into the copy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rebuilt {
    /// Admitted episodes.
    pub episodes: u64,
    /// Persons whose legal representatives (perhaps none) the copy now knows.
    pub persons: u64,
}

/// The `rebuild-eligibility` command of the feedback binary.
pub fn task() -> Task<Settings> {
    Task {
        name: "rebuild-eligibility",
        about: "Empty the copy of who may evaluate which episode and build it anew from the \
                registry (in the service's own name: [registry] token), then exit",
        rules: settings::own_registry_token,
        run: |start| -> TaskRun { Box::pin(run(start)) },
    }
}

async fn run(start: TaskStart<Settings>) -> Result<(), StartError> {
    let TaskStart { settings, pool } = start;
    let registry = FactsClient::new(&settings.registry, &settings.auth)
        .map_err(|e| StartError::config("registry", e))?;
    let done = rebuild(&pool, &registry, BATCH)
        .await
        .map_err(|e| StartError::Task(format!("rebuild-eligibility: {e}")))?;
    println!(
        "the eligibility copy was rebuilt: {} admitted episode(s), {} person(s)",
        done.episodes, done.persons
    );
    Ok(())
}

/// Empties the copy in `pool`'s database, then applies every fact `registry` sends,
/// `batch` facts to a transaction (see the module's documentation for why live events are not
/// lost meanwhile).
pub async fn rebuild(pool: &Pool, registry: &FactsClient, batch: u32) -> Result<Rebuilt, ApiError> {
    let mut conn = onaltu_db::connection(pool).await?;
    conn.transaction(async |conn| Ok::<_, ApiError>(store::clear(conn).await?))
        .await?;
    tracing::info!("eligibility copy emptied; reading the registry's facts");
    let mut facts = registry.facts(batch).await?;
    let mut done = Rebuilt::default();
    while let Some(next) = facts.next().await? {
        match &next {
            Facts::Episodes(e) => done.episodes += e.len() as u64,
            Facts::Representations(r) => done.persons += r.len() as u64,
        }
        conn.transaction(async |conn| {
            match &next {
                Facts::Episodes(e) => store::apply_episodes(conn, e).await?,
                Facts::Representations(r) => store::apply_representations(conn, r).await?,
            }
            Ok::<_, ApiError>(())
        })
        .await?;
    }
    tracing::info!(
        episodes = done.episodes,
        persons = done.persons,
        "eligibility copy rebuilt"
    );
    Ok(done)
}
