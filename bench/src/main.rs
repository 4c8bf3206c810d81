//! `onaltu-bench`: measures a running registry, each figure beside a baseline measured in the
//! same run on the same machine (a bare gRPC health check for RPC latency).
//!
//! - `rpc`: GetPerson and GetCenter with a warm cache against grpc.health.v1 Check, N
//!   concurrent callers for D seconds each: throughput, p50, p99, and the ratio to the baseline.
//! - `import`: ImportPersons of N generated rows in one client stream: rows per second.
//! - `statistics`: GetStatistics for the whole country, uncached (a write before each call
//!   retires the cached figures).
//! - `feedback-submit`, `feedback-summary`: the feedback service (`feedback.rs`); with
//!   `--metrics`, where SubmitEvaluation's time goes on the server (`scrape.rs`).
//! - `rating-centres`, `rating-compute`, `rating-watch`: the rating service (`rating.rs`).
//! - `portal`: the portal's public pages beside a static file it serves (`portal.rs`).
//! - `portal-board`: the dispatcher's day board beside the same static file, and a dispatch
//!   change's delay to boards open on its event stream (`portal_board.rs`).

mod darp;
mod darp_generated;
mod feedback;
mod portal;
mod portal_board;
mod rating;
mod scrape;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{Datelike, Days, NaiveDate};
use clap::{Parser, Subcommand};
use onaltu_auth::{Claims, Role};
use onaltu_proto::common::{Date, LocalizedText};
use onaltu_proto::registry as pb;
use onaltu_proto::registry::registry_service_client::RegistryServiceClient;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;
use tonic_health::pb::health_client::HealthClient;

#[derive(Parser)]
#[command(
    name = "onaltu-bench",
    about = "Measure the registry beside its baselines"
)]
struct Cli {
    /// Registry address.
    #[arg(long, default_value = "http://127.0.0.1:50061", global = true)]
    addr: String,
    /// HS256 secret the registry verifies tokens with.
    #[arg(
        long,
        env = "ONALTU_JWT_SECRET",
        default_value = "onaltu-development-secret-change-me-0123456789",
        global = true
    )]
    secret: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// GetPerson and GetCenter (warm cache) beside the health check.
    Rpc {
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        #[arg(long, default_value_t = 30)]
        seconds: u64,
    },
    /// ImportPersons of generated rows.
    Import {
        #[arg(long, default_value_t = 100_000)]
        rows: u64,
        /// First serial of the generated IINs (runs with different offsets create new persons).
        #[arg(long, default_value_t = 0)]
        offset: u64,
    },
    /// GetStatistics for the whole country, uncached.
    Statistics {
        #[arg(long, default_value_t = 10)]
        calls: u32,
    },
    /// SubmitEvaluation of the `episode,person` pairs of a CSV file, each as its person
    /// (`--addr` is the feedback service).
    FeedbackSubmit {
        #[arg(long)]
        pairs: PathBuf,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Throughput of the baseline (pgbench one-row inserts) to print the ratio to.
        #[arg(long, default_value_t = 0.0)]
        baseline_tps: f64,
        /// The service's metrics (`http://host:port/metrics`), scraped before and after to print
        /// where its time goes.
        #[arg(long)]
        metrics: Option<String>,
    },
    /// GetCenterFeedbackSummary once for each of the first `calls` centres of a file
    /// (`--addr` is the feedback service).
    FeedbackSummary {
        #[arg(long)]
        centres: PathBuf,
        #[arg(long, default_value_t = 200)]
        calls: usize,
    },
    /// The dial-a-ride solver on Cordeau's instances in `dir` (no server needed).
    Darp {
        #[arg(long, default_value = "../shared/data/darp")]
        dir: PathBuf,
        #[arg(long, default_value_t = 900)]
        millis: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Generated dial-a-ride instances (groups, slow boarding, windows at both ends) solved in
    /// `millis` beside the same solver given `reference_seconds` (no server needed).
    DarpGenerated {
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = 4)]
        count: usize,
        #[arg(long, default_value_t = 48)]
        requests: usize,
        #[arg(long, default_value_t = 5)]
        vehicles: usize,
        #[arg(long, default_value_t = 900)]
        millis: u64,
        #[arg(long, default_value_t = 60)]
        reference_seconds: u64,
        /// Where to write the instances (not written when absent).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The portal's centres list and a centre's page beside a static file (`--addr` unused).
    Portal {
        /// The portal's address.
        #[arg(long, default_value = "http://127.0.0.1:8090")]
        url: String,
        /// The centre whose page is measured.
        #[arg(long)]
        centre: String,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
    },
    /// The dispatcher's day board under load beside a static file, and a dispatch change's delay
    /// to boards open on its event stream (`--addr` is the registry the transport service asks;
    /// the transport database must be fresh).
    PortalBoard {
        /// The portal's address (started with the development sign-in).
        #[arg(long, default_value = "http://127.0.0.1:8090")]
        url: String,
        /// The transport service the portal reads.
        #[arg(long, default_value = "http://127.0.0.1:50064")]
        transport: String,
        #[arg(long, default_value_t = 6)]
        vehicles: usize,
        /// Trips booked for tomorrow, each by a rider of its own.
        #[arg(long, default_value_t = 150)]
        trips: usize,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Boards open on the event stream.
        #[arg(long, default_value_t = 20)]
        boards: usize,
        /// Dispatch changes made while they are open.
        #[arg(long, default_value_t = 50)]
        changes: usize,
        /// Milliseconds between the starts of two changes.
        #[arg(long, default_value_t = 100)]
        spacing_ms: u64,
    },
    /// An Astana-like invataxi day planned, beside a naive first-come dispatcher (no server).
    AstanaDay {
        #[arg(long, default_value_t = 150)]
        requests: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Creates `count` centres through the registry and writes their ids to `out`.
    RatingCentres {
        #[arg(long, default_value_t = 1000)]
        count: usize,
        #[arg(long)]
        out: PathBuf,
    },
    /// ComputeRatings of the current quarter: new, unchanged, one value changed (`--addr` is
    /// the rating service).
    RatingCompute {
        #[arg(long)]
        centres: PathBuf,
    },
    /// Delay from a rating event to each of `subscribers` WatchRatings streams (`--addr` is the
    /// rating service).
    RatingWatch {
        #[arg(long)]
        centres: PathBuf,
        #[arg(long, default_value_t = 100)]
        subscribers: usize,
        #[arg(long, default_value_t = 20)]
        rounds: usize,
    },
}

#[derive(Clone)]
struct Bearer(String);

impl tonic::service::Interceptor for Bearer {
    fn call(&mut self, mut r: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        let value = format!("Bearer {}", self.0)
            .parse()
            .map_err(|_| tonic::Status::internal("token is not ASCII"))?;
        r.metadata_mut().insert("authorization", value);
        Ok(r)
    }
}

type Client = RegistryServiceClient<InterceptedService<Channel, Bearer>>;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Command::Darp { dir, millis, seed } = &cli.command {
        return darp::cordeau_instances(dir, Duration::from_millis(*millis), *seed);
    }
    if let Command::DarpGenerated {
        seed,
        count,
        requests,
        vehicles,
        millis,
        reference_seconds,
        out,
    } = &cli.command
    {
        return darp_generated::report(
            *seed,
            *count,
            *requests,
            *vehicles,
            Duration::from_millis(*millis),
            Duration::from_secs(*reference_seconds),
            out.as_deref(),
        );
    }
    if let Command::AstanaDay {
        requests,
        seconds,
        seed,
    } = &cli.command
    {
        return darp::astana_day(*requests, Duration::from_secs(*seconds), *seed);
    }
    if let Command::Portal {
        url,
        centre,
        concurrency,
        seconds,
    } = &cli.command
    {
        return portal::pages(url, centre, *concurrency, Duration::from_secs(*seconds)).await;
    }
    let channel = Channel::from_shared(cli.addr.clone())?
        .connect()
        .await
        .with_context(|| format!("cannot connect to {}", cli.addr))?;
    let token = onaltu_auth::issue_hs256(&cli.secret, &Claims::new("bench", Role::Admin, 3600))?;
    let client = RegistryServiceClient::with_interceptor(channel.clone(), Bearer(token))
        .max_decoding_message_size(64 * 1024 * 1024);
    match cli.command {
        Command::PortalBoard {
            url,
            transport,
            vehicles,
            trips,
            concurrency,
            seconds,
            boards,
            changes,
            spacing_ms,
        } => {
            let transport = Channel::from_shared(transport.clone())?
                .connect()
                .await
                .with_context(|| format!("cannot connect to {transport}"))?;
            portal_board::run(portal_board::BoardBench {
                portal: &url,
                transport,
                registry: channel,
                secret: &cli.secret,
                vehicles,
                trips,
                concurrency,
                duration: Duration::from_secs(seconds),
                boards,
                changes,
                spacing: Duration::from_millis(spacing_ms),
            })
            .await
        }
        Command::Rpc {
            concurrency,
            seconds,
        } => rpc(channel, client, concurrency, Duration::from_secs(seconds)).await,
        Command::Import { rows, offset } => import(client, rows, offset).await,
        Command::Statistics { calls } => statistics(client, calls).await,
        Command::FeedbackSubmit {
            pairs,
            concurrency,
            seconds,
            baseline_tps,
            metrics,
        } => {
            feedback::submit(
                channel,
                &cli.secret,
                &pairs,
                concurrency,
                Duration::from_secs(seconds),
                baseline_tps,
                metrics.as_deref(),
            )
            .await
        }
        Command::FeedbackSummary { centres, calls } => {
            feedback::summary(channel, &centres, calls).await
        }
        Command::Darp { .. }
        | Command::DarpGenerated { .. }
        | Command::AstanaDay { .. }
        | Command::Portal { .. } => Ok(()),
        Command::RatingCentres { count, out } => {
            rating::centres(channel, &cli.secret, count, &out).await
        }
        Command::RatingCompute { centres } => rating::compute(channel, &cli.secret, &centres).await,
        Command::RatingWatch {
            centres,
            subscribers,
            rounds,
        } => rating::watch(channel, &cli.secret, &centres, subscribers, rounds).await,
    }
}

/// Latencies of one phase.
struct Phase {
    name: &'static str,
    calls: usize,
    errors: usize,
    elapsed: Duration,
    micros: Vec<u32>,
}

impl Phase {
    fn throughput(&self) -> f64 {
        self.calls as f64 / self.elapsed.as_secs_f64()
    }
    fn percentile(&self, p: f64) -> f64 {
        if self.micros.is_empty() {
            return 0.0;
        }
        let rank = ((p * self.micros.len() as f64).ceil() as usize).clamp(1, self.micros.len());
        self.micros[rank - 1] as f64 / 1000.0
    }
}

async fn load<F, Fut>(name: &'static str, concurrency: usize, duration: Duration, call: F) -> Phase
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let call = Arc::new(call);
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let call = call.clone();
        tasks.push(tokio::spawn(async move {
            let mut micros = Vec::with_capacity(100_000);
            let mut errors = 0;
            while Instant::now() < deadline {
                let t = Instant::now();
                let ok = call().await;
                micros.push(t.elapsed().as_micros().min(u32::MAX as u128) as u32);
                if !ok {
                    errors += 1;
                }
            }
            (micros, errors)
        }));
    }
    let mut micros = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((m, e)) = t.await {
            micros.extend(m);
            errors += e;
        }
    }
    let elapsed = start.elapsed();
    micros.sort_unstable();
    Phase {
        name,
        calls: micros.len(),
        errors,
        elapsed,
        micros,
    }
}

fn today() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(5)).date_naive()
}

fn date(d: NaiveDate) -> Date {
    Date {
        year: d.year(),
        month: d.month() as i32,
        day: d.day() as i32,
    }
}

/// A generated person: a valid IIN from `serial`, spread over ages and regions.
fn person(serial: u64) -> (pb::Person, pb::Assessment) {
    const REGIONS: [&str; 6] = ["KZ-71", "KZ-75", "KZ-79", "KZ-11", "KZ-55", "KZ-61"];
    let today = today();
    // IIN serials step by 3 within a birth date, so the generator's skip past a serial without a
    // check digit lands on a number no other row uses; 3,333 persons share each birth date.
    let age_days = 200 + ((serial / 3_333) * 97) % (80 * 365);
    let birth = today.checked_sub_days(Days::new(age_days)).unwrap_or(today);
    let sex = if (serial / 3_333).is_multiple_of(2) {
        onaltu_kzid::Sex::Male
    } else {
        onaltu_kzid::Sex::Female
    };
    let iin =
        onaltu_kzid::Iin::generate(birth, sex, ((serial % 3_333) * 3) as u32).unwrap_or_default();
    let established = birth.max(today.checked_sub_days(Days::new(100)).unwrap_or(today));
    // The category follows the age on the day the assessment was made.
    let age_years = established.years_since(birth).unwrap_or(0);
    let group = match (age_years, serial % 3) {
        (0..=6, _) => pb::DisabilityGroup::ChildUnder7,
        (7..=17, _) => pb::DisabilityGroup::Child7To18,
        (_, 0) => pb::DisabilityGroup::Group1,
        (_, 1) => pb::DisabilityGroup::Group2,
        _ => pb::DisabilityGroup::Group3,
    };
    let p = pb::Person {
        iin,
        surname: if sex == onaltu_kzid::Sex::Male {
            "Сапаров".into()
        } else {
            "Сапарова".into()
        },
        given_name: "Адам".into(),
        region_code: REGIONS[(serial % REGIONS.len() as u64) as usize].into(),
        ..Default::default()
    };
    let a = pb::Assessment {
        group: group as i32,
        cause: if age_years < 18 {
            pb::DisabilityCause::Congenital
        } else {
            pb::DisabilityCause::GeneralIllness
        } as i32,
        nosology_class: pb::NosologyClass::NervousSystem as i32,
        established_on: Some(date(established)),
        re_examination_due: Some(date(
            established
                .checked_add_days(Days::new(365))
                .unwrap_or(established),
        )),
        ..Default::default()
    };
    (p, a)
}

fn print(phase: &Phase, baseline: Option<&Phase>) {
    let ratio = baseline
        .map(|b| {
            format!(
                "  {:5.2}x baseline throughput",
                phase.throughput() / b.throughput()
            )
        })
        .unwrap_or_else(|| "  (baseline)".into());
    println!(
        "{:<22} {:>10.0} calls/s  p50 {:>7.3} ms  p99 {:>7.3} ms  errors {}{ratio}",
        phase.name,
        phase.throughput(),
        phase.percentile(0.50),
        phase.percentile(0.99),
        phase.errors,
    );
}

async fn rpc(
    channel: Channel,
    mut client: Client,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<()> {
    // One person and one centre to read, read once to warm the cache.
    let serial = 9_000_000 + (chrono::Utc::now().timestamp() as u64 % 900_000);
    let (p, _) = person(serial);
    let person = match client
        .find_person_by_iin(pb::FindPersonByIinRequest { iin: p.iin.clone() })
        .await
    {
        Ok(r) => r.into_inner().person.context("no person")?,
        Err(_) => client
            .create_person(pb::CreatePersonRequest {
                request_id: String::new(),
                person: Some(p),
            })
            .await?
            .into_inner()
            .person
            .context("no person")?,
    };
    let center = client
        .create_center(pb::CreateCenterRequest {
            request_id: String::new(),
            center: Some(pb::Center {
                name: Some(LocalizedText {
                    kk: format!("Өлшеу орталығы {serial}"),
                    ru: String::new(),
                }),
                sector: onaltu_proto::common::CenterSector::Health as i32,
                kind: onaltu_proto::common::CenterKind::RehabCentre as i32,
                region_code: "KZ-71".into(),
                ..Default::default()
            }),
        })
        .await?
        .into_inner()
        .center
        .context("no centre")?;
    client
        .get_person(pb::GetPersonRequest {
            id: person.id.clone(),
        })
        .await?;
    client
        .get_center(pb::GetCenterRequest {
            id: center.id.clone(),
        })
        .await?;
    println!(
        "{concurrency} concurrent callers, {} s per phase, one HTTP/2 connection",
        duration.as_secs()
    );

    let health = HealthClient::new(channel);
    let baseline = load("grpc.health.v1 Check", concurrency, duration, move || {
        let mut h = health.clone();
        async move {
            h.check(tonic_health::pb::HealthCheckRequest {
                service: String::new(),
            })
            .await
            .is_ok()
        }
    })
    .await;
    print(&baseline, None);
    let c = client.clone();
    let id = person.id.clone();
    let get_person = load("GetPerson (warm)", concurrency, duration, move || {
        let mut c = c.clone();
        let id = id.clone();
        async move { c.get_person(pb::GetPersonRequest { id }).await.is_ok() }
    })
    .await;
    print(&get_person, Some(&baseline));
    let c = client.clone();
    let id = center.id.clone();
    let get_center = load("GetCenter (warm)", concurrency, duration, move || {
        let mut c = c.clone();
        let id = id.clone();
        async move { c.get_center(pb::GetCenterRequest { id }).await.is_ok() }
    })
    .await;
    print(&get_center, Some(&baseline));
    Ok(())
}

async fn import(mut client: Client, rows: u64, offset: u64) -> anyhow::Result<()> {
    let (tx, rx) = tokio::sync::mpsc::channel(4096);
    let producer = tokio::spawn(async move {
        for i in 0..rows {
            let (p, a) = person(offset + i);
            let row = pb::ImportPersonsRequest {
                row_number: i as i64 + 1,
                person: Some(p),
                assessment: Some(a),
                validate_only: false,
            };
            if tx.send(row).await.is_err() {
                break;
            }
        }
    });
    let start = Instant::now();
    let summary = client
        .import_persons(tokio_stream::wrappers::ReceiverStream::new(rx))
        .await?
        .into_inner()
        .summary
        .context("no summary")?;
    let elapsed = start.elapsed();
    producer.await?;
    println!(
        "ImportPersons {rows} rows in {:.2} s: {:.0} rows/s (created {}, updated {}, unchanged {}, rejected {})",
        elapsed.as_secs_f64(),
        rows as f64 / elapsed.as_secs_f64(),
        summary.created,
        summary.updated,
        summary.unchanged,
        summary.rejected.len()
    );
    Ok(())
}

async fn statistics(mut client: Client, calls: u32) -> anyhow::Result<()> {
    let mut ms = Vec::new();
    let mut persons = 0;
    for i in 0..calls {
        // A write retires every cached statistic, so the call below is computed from Postgres.
        client
            .create_center(pb::CreateCenterRequest {
                request_id: String::new(),
                center: Some(pb::Center {
                    name: Some(LocalizedText {
                        kk: format!("Статистика {} {i}", uuid::Uuid::now_v7()),
                        ru: String::new(),
                    }),
                    sector: onaltu_proto::common::CenterSector::Health as i32,
                    kind: onaltu_proto::common::CenterKind::Other as i32,
                    region_code: "KZ-71".into(),
                    ..Default::default()
                }),
            })
            .await?;
        let as_of = today();
        let t = Instant::now();
        let s = client
            .get_statistics(pb::GetStatisticsRequest {
                region_code: String::new(),
                as_of: Some(date(as_of)),
            })
            .await?
            .into_inner()
            .statistics
            .context("no statistics")?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        persons = persons.max(s.persons_total);
    }
    ms.sort_by(f64::total_cmp);
    println!(
        "GetStatistics (country, uncached) over {persons} persons: median {:.1} ms, max {:.1} ms over {calls} calls",
        ms[ms.len() / 2],
        ms[ms.len() - 1]
    );
    Ok(())
}
