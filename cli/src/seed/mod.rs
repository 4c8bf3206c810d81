//! `onaltu seed`: realistic, deterministic demo and load data, sent through the registry's public
//! API as an operator would: the published centres, then persons with their assessments, the
//! children's households and education, and rehabilitation episodes through the queue.
//!
//! Everything is derived from `--seed` and the as-of date, and every creating call carries a
//! request id derived from them, so a re-run with the same flags changes nothing.

pub mod episodes;
pub mod families;
pub mod feedback;
pub mod ids;
pub mod names;
pub mod places;
pub mod population;
pub mod rating;
pub mod sample;
pub mod transport;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use chrono::NaiveDate;
use futures::StreamExt;
use onaltu_proto::registry::{
    AdmitPersonRequest, CreatePersonRequest, EnqueueReferralRequest, Episode, EpisodeEvent,
    EpisodeEventKind, EpisodeState, FindPersonByIinRequest, GetEpisodeRequest, HouseholdRelation,
    ImportSummary, ListCentersRequest, OfferPlaceRequest, Person, RecordEpisodeEventRequest,
    Referral, SetEducationStatusRequest, UpdatePersonRequest, UpsertHouseholdRequest,
};

use crate::calls::Failures;
use crate::connection::{ConnectionArgs, Registry, connect};
use crate::dates::to_proto;
use crate::import::{
    DEFAULT_BATCH_SIZE, ROWS_IN_FLIGHT, import_centres, print_summary, send_persons,
};
use crate::progress;
use crate::regions::Regions;
use crate::retry;
use crate::say;
use episodes::{CentreInfo, EpisodePlan, QueuePlan, Step, plan_episodes};
use families::{Child, plan_education, plan_household, plan_representative};
use population::{Population, PopulationSpec};

/// Where the published centres list lives in the repository.
const CENTRES_PATH: &str = "services/registry/seed/rehab_centers_2025.tsv";

/// The published centres list, built in for when the command runs outside the repository.
const PUBLISHED_CENTRES: &str =
    include_str!("../../../services/registry/seed/rehab_centers_2025.tsv");

/// Flags of `onaltu seed`.
#[derive(Debug, Clone, clap::Args)]
pub struct SeedArgs {
    #[command(flatten)]
    connection: ConnectionArgs,
    /// Number of persons to generate.
    #[arg(long)]
    persons: u64,
    /// Seed of every random choice; the same seed (and as-of date) gives the same data.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Share of children given a rehabilitation episode, 0-1.
    #[arg(long, default_value_t = 0.25)]
    episodes_share: f64,
    /// Put every person in this region (ISO 3166-2:KZ, e.g. KZ-71).
    #[arg(long)]
    region: Option<String>,
    /// The published centres list (TSV). Default: services/registry/seed/rehab_centers_2025.tsv
    /// in this directory or a parent, else the copy built into the command.
    #[arg(long)]
    centres: Option<PathBuf>,
    /// Day ages and dates are counted from (YYYY-MM-DD); default today. Re-runs are idempotent
    /// for the same seed and as-of date.
    #[arg(long)]
    as_of: Option<NaiveDate>,
    /// Rows per ImportPersons call; more persons go as several consecutive calls.
    #[arg(long, default_value_t = DEFAULT_BATCH_SIZE)]
    batch_size: usize,
    /// Calls in flight at once for households, education and episodes.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
}

/// What the episodes step did.
#[derive(Debug, Default)]
struct EpisodeTally {
    planned: usize,
    without_centre: usize,
    skipped: u64,
    states: BTreeMap<String, u64>,
}

/// Runs the seed; returns whether every row was accepted and every call succeeded.
pub async fn run(args: SeedArgs) -> anyhow::Result<bool> {
    let started = Instant::now();
    let today = args
        .as_of
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    if today > chrono::Local::now().date_naive() {
        anyhow::bail!("--as-of must not be in the future");
    }
    if !(0.0..=1.0).contains(&args.episodes_share) {
        anyhow::bail!("--episodes-share must be between 0 and 1");
    }
    let regions = Regions::builtin()?;
    if let Some(code) = &args.region
        && regions.get(code).is_none()
    {
        anyhow::bail!("--region {code} is not a region code (e.g. KZ-71)");
    }
    let concurrency = args.concurrency.max(1);
    let mut client = connect(&args.connection, "seed demo data").await?;
    let failures = Failures::default();
    say!(
        "seed {} as of {today} (the same --seed and --as-of repeat this data): {} persons, region {}",
        args.seed,
        args.persons,
        args.region.as_deref().unwrap_or("all")
    );

    let (source, text) = centres_text(args.centres.as_deref())?;
    let centres = crate::centres_tsv::parse(&text, &regions).with_context(|| source.clone())?;
    let centre_notes = centres.notes.len();
    let centres_summary = import_centres(&mut client, centres.rows, false).await?;
    let centres_ok = print_summary("centres", &centres_summary, &[], &[]);
    say!(
        "  from {source}; {centre_notes} notes on the list (see `onaltu import-centers --validate-only`)"
    );

    let spec = PopulationSpec {
        seed: args.seed,
        today,
        region: args.region.clone(),
    };
    let persons_started = Instant::now();
    let persons_summary =
        import_persons(&mut client, &spec, &regions, args.persons, args.batch_size).await?;
    let persons_secs = persons_started.elapsed().as_secs_f64();
    let persons_ok = print_summary(
        &format!("persons (sent {})", args.persons),
        &persons_summary,
        &[],
        &[],
    );

    let children: Vec<Child> = Population::new(spec, &regions)?
        .take(args.persons as usize)
        .filter_map(|p| Child::from_person(&p))
        .collect();
    let (person_ids, households, education, mothers) =
        households_and_education(&client, args.seed, today, &children, concurrency, &failures)
            .await;
    say!("households: {households} upserted; education: {education} children's status set");
    say!("legal representatives: {mothers} mothers registered for their children");

    let centre_infos = list_centres(&client, &failures).await;
    let registered: Vec<Child> = children
        .into_iter()
        .filter(|c| person_ids.contains_key(&c.iin))
        .collect();
    let plan = plan_episodes(
        args.seed,
        today,
        args.episodes_share,
        &registered,
        &centre_infos,
    );
    let tally = run_episodes(&client, plan, &person_ids, concurrency, &failures).await;
    let states: Vec<String> = tally
        .states
        .iter()
        .map(|(state, n)| format!("{state} {n}"))
        .collect();
    say!(
        "episodes: {} planned ({}); {} children without a suitable centre; {} skipped after a failure",
        tally.planned,
        if states.is_empty() {
            "none".to_string()
        } else {
            states.join(", ")
        },
        tally.without_centre,
        tally.skipped
    );

    let failed = failures.total();
    if failed == 0 {
        say!("failed calls: none");
    } else {
        say!("failed calls: {failed}");
        let lines = failures.lines();
        for line in &lines {
            say!("  {line}");
        }
        if lines
            .iter()
            .any(|l| l.starts_with("OfferPlace FailedPrecondition"))
        {
            say!(
                "  (offers go to the head of a queue: queues that already hold referrals from \
                 other data refuse these; seed an empty registry, or repeat the same --seed and --as-of)"
            );
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    say!(
        "elapsed {elapsed:.1} s; persons imported at {:.0} rows/s",
        persons_summary.received as f64 / persons_secs.max(1e-3)
    );
    Ok(centres_ok && persons_ok && failed == 0 && tally.skipped == 0)
}

/// The centres list: the given file, the repository's copy found from the current directory
/// up, or the built-in copy.
fn centres_text(path: Option<&Path>) -> anyhow::Result<(String, String)> {
    let found = match path {
        Some(path) => Some(path.to_path_buf()),
        None => std::env::current_dir().ok().and_then(|dir| {
            dir.ancestors()
                .map(|d| d.join(CENTRES_PATH))
                .find(|p| p.is_file())
        }),
    };
    match found {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            Ok((path.display().to_string(), text))
        }
        None => Ok((
            "the built-in list".to_string(),
            PUBLISHED_CENTRES.to_string(),
        )),
    }
}

/// Streams `n` generated persons through `ImportPersons`, generated on a blocking thread into a
/// bounded channel.
async fn import_persons(
    client: &mut Registry,
    spec: &PopulationSpec,
    regions: &Regions,
    n: u64,
    batch_size: usize,
) -> anyhow::Result<ImportSummary> {
    let population = Population::new(spec.clone(), regions)?;
    let (tx, rx) = tokio::sync::mpsc::channel(ROWS_IN_FLIGHT);
    let producer = tokio::task::spawn_blocking(move || {
        for person in population.take(n as usize) {
            // The receiver is gone when the import failed; its error is reported.
            if tx.blocking_send(person.import_row(false)).is_err() {
                break;
            }
        }
    });
    let bar = progress::bar(n, "persons");
    let sent = send_persons(client, rx, batch_size, &bar).await;
    bar.finish_and_clear();
    producer.await.context("generating persons")?;
    sent
}

/// Finds each child's person id, upserts each family's household and sets each school-age
/// child's education, and registers some mothers as their children's legal representatives.
/// Returns the person ids by IIN, households upserted, statuses set and mothers registered.
async fn households_and_education(
    client: &Registry,
    seed: u64,
    today: NaiveDate,
    children: &[Child],
    concurrency: usize,
    failures: &Failures,
) -> (HashMap<String, Registered>, u64, u64, u64) {
    let mut families: BTreeMap<u64, Vec<Child>> = BTreeMap::new();
    for child in children {
        families
            .entry(child.family.id)
            .or_default()
            .push(child.clone());
    }
    let bar = progress::bar(families.len() as u64, "households");
    let results: Vec<FamilyOutcome> = futures::stream::iter(families.into_values())
        .map(|family| {
            let mut client = client.clone();
            let failures = failures.clone();
            let bar = bar.clone();
            async move {
                let result = one_family(&mut client, seed, today, family, &failures).await;
                bar.inc(1);
                result
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    bar.finish_and_clear();
    let mut ids = HashMap::new();
    let (mut households, mut education, mut mothers) = (0, 0, 0);
    for outcome in results {
        ids.extend(outcome.person_ids);
        households += u64::from(outcome.household_upserted);
        education += outcome.education_set;
        mothers += u64::from(outcome.representative);
    }
    (ids, households, education, mothers)
}

/// A registered child's ids.
#[derive(Debug, Clone)]
struct Registered {
    /// Person id.
    person_id: String,
    /// Id of the current assessment, whose programme grounds a referral; empty if none.
    assessment_id: String,
}

/// What was done for one family.
struct FamilyOutcome {
    /// Person ids of the registered children, by IIN.
    person_ids: Vec<(String, Registered)>,
    /// Whether the household was upserted.
    household_upserted: bool,
    /// Education statuses set.
    education_set: u64,
    /// Whether the family's mother is registered as the children's legal representative.
    representative: bool,
}

async fn one_family(
    client: &mut Registry,
    seed: u64,
    today: NaiveDate,
    family: Vec<Child>,
    failures: &Failures,
) -> FamilyOutcome {
    let mut found = Vec::new();
    let mut registered = Vec::new();
    for child in family {
        let iin = child.iin.clone();
        let find = FindPersonByIinRequest { iin: iin.clone() };
        let answer = retry!(client, find_person_by_iin, find).await;
        match answer {
            Ok(response) => match response.person {
                Some(person) => {
                    let assessment_id = person.current_assessment.map(|a| a.id).unwrap_or_default();
                    found.push((
                        iin,
                        Registered {
                            person_id: person.id,
                            assessment_id,
                        },
                    ));
                    registered.push(child);
                }
                None => failures.record(
                    "FindPersonByIin",
                    &tonic::Status::not_found("answer without a person"),
                ),
            },
            Err(status) => failures.record("FindPersonByIin", &status),
        }
    }
    let Some(mut plan) = plan_household(seed, today, &registered) else {
        return FamilyOutcome {
            person_ids: found,
            household_upserted: false,
            education_set: 0,
            representative: false,
        };
    };
    for (member, (_, registered)) in plan.household.members.iter_mut().zip(&found) {
        member.person_id = registered.person_id.clone();
    }
    let region = registered
        .first()
        .map(|c| c.region_code.clone())
        .unwrap_or_default();
    let mother = match plan_representative(seed, &plan, &region) {
        Some(rep) => register_representative(client, rep, failures).await,
        None => None,
    };
    if let Some(mother_id) = &mother {
        // The mother's own line of the household is now a person of the registry.
        if let Some(member) = plan.household.members.iter_mut().rev().find(|m| {
            m.relation == HouseholdRelation::Head as i32
                || m.relation == HouseholdRelation::Spouse as i32
        }) {
            member.person_id = mother_id.clone();
        }
    }
    let upsert = UpsertHouseholdRequest {
        request_id: plan.request_id.clone(),
        household: Some(plan.household),
        update_mask: None,
    };
    let upserted = match retry!(client, upsert_household, upsert).await {
        Ok(_) => true,
        Err(status) => {
            failures.record("UpsertHousehold", &status);
            false
        }
    };
    if let Some(mother_id) = &mother {
        for (_, child) in &found {
            represent(client, &child.person_id, mother_id, failures).await;
        }
    }
    let mut set = 0;
    for (child, (_, ids)) in registered.iter().zip(&found) {
        let Some(education) = plan_education(seed, today, child) else {
            continue;
        };
        let call = SetEducationStatusRequest {
            person_id: ids.person_id.clone(),
            education: Some(education),
        };
        match retry!(client, set_education_status, call).await {
            Ok(_) => set += 1,
            Err(status) => failures.record("SetEducationStatus", &status),
        }
    }
    FamilyOutcome {
        person_ids: found,
        household_upserted: upserted,
        education_set: set,
        representative: mother.is_some(),
    }
}

/// Registers a family's mother (or finds her, when an earlier run did): her person id.
async fn register_representative(
    client: &mut Registry,
    rep: families::RepresentativePlan,
    failures: &Failures,
) -> Option<String> {
    let iin = rep.person.iin.clone();
    let create = CreatePersonRequest {
        request_id: rep.request_id,
        person: Some(rep.person),
    };
    match retry!(client, create_person, create).await {
        Ok(response) => response.person.map(|p| p.id),
        Err(status) if status.code() == tonic::Code::AlreadyExists => {
            let find = FindPersonByIinRequest { iin: iin.clone() };
            match retry!(client, find_person_by_iin, find).await {
                Ok(response) => response.person.map(|p| p.id),
                Err(status) => {
                    failures.record("FindPersonByIin", &status);
                    None
                }
            }
        }
        Err(status) => {
            failures.record("CreatePerson", &status);
            None
        }
    }
}

/// Names `mother_id` the legal representative of child `child_id`.
async fn represent(client: &mut Registry, child_id: &str, mother_id: &str, failures: &Failures) {
    let update = UpdatePersonRequest {
        person: Some(Person {
            id: child_id.to_string(),
            legal_representative_ids: vec![mother_id.to_string()],
            ..Person::default()
        }),
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["legal_representative_ids".into()],
        }),
    };
    if let Err(status) = retry!(client, update_person, update).await {
        failures.record("UpdatePerson", &status);
    }
}

/// Every centre in the registry that serves children, page by page.
async fn list_centres(client: &Registry, failures: &Failures) -> Vec<CentreInfo> {
    let mut centres = Vec::new();
    let mut page_token = String::new();
    loop {
        let call = ListCentersRequest {
            page_size: 500,
            page_token: page_token.clone(),
            serves_children: Some(true),
            ..ListCentersRequest::default()
        };
        let page = match retry!(client, list_centers, call).await {
            Ok(page) => page,
            Err(status) => {
                failures.record("ListCenters", &status);
                break;
            }
        };
        centres.extend(page.centers.into_iter().map(|c| {
            let ages = c.ages_served.unwrap_or_default();
            CentreInfo {
                id: c.id,
                region_code: c.region_code,
                service_forms: c.service_forms,
                ages: (ages.min_age_years, ages.max_age_years),
            }
        }));
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    centres
}

/// Runs every queue's episodes: queues at once, each queue's calls in queue order.
async fn run_episodes(
    client: &Registry,
    plan: episodes::EpisodesPlan,
    person_ids: &HashMap<String, Registered>,
    concurrency: usize,
    failures: &Failures,
) -> EpisodeTally {
    let mut tally = EpisodeTally {
        planned: plan.len(),
        without_centre: plan.without_centre,
        ..EpisodeTally::default()
    };
    let bar = progress::bar(plan.len() as u64, "episodes");
    let outcomes: Vec<(Vec<EpisodeState>, u64)> = futures::stream::iter(plan.queues)
        .map(|queue| {
            let mut client = client.clone();
            let failures = failures.clone();
            let bar = bar.clone();
            async move { run_queue(&mut client, queue, person_ids, &failures, &bar).await }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    bar.finish_and_clear();
    for (states, skipped) in outcomes {
        tally.skipped += skipped;
        for state in states {
            let name = state
                .as_str_name()
                .trim_start_matches("EPISODE_STATE_")
                .to_string();
            *tally.states.entry(name).or_default() += 1;
        }
    }
    tally
}

/// Enqueues a queue's referrals in order, then moves each episode through its steps in the same
/// order. After a failed offer the rest of the queue is skipped: the failed episode would stay
/// at the head and every later offer would be refused.
async fn run_queue(
    client: &mut Registry,
    mut queue: QueuePlan,
    person_ids: &HashMap<String, Registered>,
    failures: &Failures,
    bar: &indicatif::ProgressBar,
) -> (Vec<EpisodeState>, u64) {
    let mut enqueued: Vec<(EpisodePlan, Episode)> = Vec::new();
    for plan in std::mem::take(&mut queue.episodes) {
        let Some(ids) = person_ids.get(&plan.iin) else {
            continue;
        };
        let call = EnqueueReferralRequest {
            request_id: plan.request_id.clone(),
            referral: Some(Referral {
                person_id: ids.person_id.clone(),
                center_id: queue.center_id.clone(),
                service_form: queue.service_form as i32,
                referral_date: Some(to_proto(plan.referral_date)),
                referral_number: plan.referral_number.clone(),
                assessment_id: ids.assessment_id.clone(),
                ..Referral::default()
            }),
        };
        match retry!(client, enqueue_referral, call).await {
            Ok(response) => match response.episode {
                Some(episode) => enqueued.push((plan, episode)),
                None => failures.record(
                    "EnqueueReferral",
                    &tonic::Status::internal("answer without an episode"),
                ),
            },
            Err(status) => {
                failures.record("EnqueueReferral", &status);
                bar.inc(1);
            }
        }
    }
    let mut states = Vec::new();
    let mut skipped = 0;
    let mut blocked = false;
    let mut after_no_show = false;
    for (plan, episode) in enqueued {
        bar.inc(1);
        if blocked {
            skipped += 1;
            continue;
        }
        let mut current = episode;
        if std::mem::take(&mut after_no_show) {
            // The registry has offered this episode the place of the no-show before it.
            let get = GetEpisodeRequest {
                id: current.id.clone(),
            };
            match retry!(client, get_episode, get).await {
                Ok(response) => current = response.episode.unwrap_or(current),
                Err(status) => failures.record("GetEpisode", &status),
            }
        }
        for step in &plan.steps {
            match run_step(client, &queue, &current, step).await {
                Ok(next) => current = next,
                Err((rpc, status)) => {
                    failures.record(rpc, &status);
                    blocked = matches!(step, Step::Offer { .. });
                    break;
                }
            }
            after_no_show = matches!(step, Step::NoShow { .. });
        }
        states.push(EpisodeState::try_from(current.state).unwrap_or(EpisodeState::Unspecified));
    }
    (states, skipped)
}

/// One step's call; the episode as the server answers it, or the failed RPC and its status.
async fn run_step(
    client: &mut Registry,
    queue: &QueuePlan,
    episode: &Episode,
    step: &Step,
) -> Result<Episode, (&'static str, tonic::Status)> {
    let missing = |rpc| (rpc, tonic::Status::internal("answer without an episode"));
    match step {
        Step::Offer {
            arrival_due,
            order_number,
            request_id,
        } => {
            let call = OfferPlaceRequest {
                request_id: request_id.clone(),
                center_id: queue.center_id.clone(),
                service_form: queue.service_form as i32,
                episode_id: episode.id.clone(),
                arrival_due_date: Some(to_proto(*arrival_due)),
                order_number: order_number.clone(),
            };
            retry!(client, offer_place, call)
                .await
                .map_err(|s| ("OfferPlace", s))?
                .episode
                .ok_or_else(|| missing("OfferPlace"))
        }
        Step::Admit {
            admitted_on,
            order_number,
            request_id,
        } => {
            let call = AdmitPersonRequest {
                request_id: request_id.clone(),
                episode_id: episode.id.clone(),
                admitted_on: Some(to_proto(*admitted_on)),
                order_number: order_number.clone(),
            };
            retry!(client, admit_person, call)
                .await
                .map_err(|s| ("AdmitPerson", s))?
                .episode
                .ok_or_else(|| missing("AdmitPerson"))
        }
        Step::NoShow { date, request_id } => {
            let event = EpisodeEvent {
                kind: EpisodeEventKind::NoShow as i32,
                event_date: Some(to_proto(*date)),
                reason: "Белгіленген мерзімде келмеді".to_string(),
                ..EpisodeEvent::default()
            };
            record_event(client, episode, request_id, event).await
        }
        Step::Discharge {
            date,
            outcome,
            order_number,
            request_id,
        } => {
            let event = EpisodeEvent {
                kind: EpisodeEventKind::Discharged as i32,
                event_date: Some(to_proto(*date)),
                order_number: order_number.clone(),
                reason: "Оңалту курсы аяқталды".to_string(),
                discharge_outcome: *outcome as i32,
                ..EpisodeEvent::default()
            };
            record_event(client, episode, request_id, event).await
        }
    }
}

async fn record_event(
    client: &mut Registry,
    episode: &Episode,
    request_id: &str,
    event: EpisodeEvent,
) -> Result<Episode, (&'static str, tonic::Status)> {
    let call = RecordEpisodeEventRequest {
        request_id: request_id.to_string(),
        episode_id: episode.id.clone(),
        event: Some(event),
    };
    retry!(client, record_episode_event, call)
        .await
        .map_err(|s| ("RecordEpisodeEvent", s))?
        .episode
        .ok_or_else(|| {
            (
                "RecordEpisodeEvent",
                tonic::Status::internal("answer without an episode"),
            )
        })
}
