//! `onaltu`: the operator's command line for the Onaltu services.

mod browse;
mod calls;
mod centres_tsv;
mod connection;
mod dates;
mod dispatch;
mod health;
mod import;
mod output;
mod persons_csv;
mod progress;
mod ratings;
mod regions;
mod seed;
mod token;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use connection::{ConnectionArgs, connect};

#[derive(Parser)]
#[command(name = "onaltu", about = "Operator tools for the Onaltu services")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Ask a server's grpc.health.v1 service; exits 0 only when it answers SERVING.
    Health {
        /// Server address.
        #[arg(long, default_value = "http://127.0.0.1:50051")]
        addr: String,
        /// Service name to ask about (empty: the whole server).
        #[arg(long, default_value = "")]
        service: String,
        /// Keep asking until SERVING or this many seconds have passed.
        #[arg(long, default_value_t = 0)]
        wait: u64,
    },
    /// Print a development token (HS256, signed with $ONALTU_JWT_SECRET or the development
    /// secret)
    Token(token::TokenArgs),
    /// Import the published list of children's rehabilitation centres (TSV).
    ///
    /// The list (оңалту орталықтары) has the columns row, region_as_printed, name_kk and
    /// email_as_printed. Every row is sent; repairs and doubts (region labels corrected from
    /// the name, malformed or missing e-mails) are printed as notes after the server's summary.
    /// Exits 1 when the server rejects a row.
    #[command(name = "import-centers")]
    ImportCenters {
        #[command(flatten)]
        connection: ConnectionArgs,
        /// The TSV file.
        file: PathBuf,
        /// Validate every row and write nothing.
        #[arg(long)]
        validate_only: bool,
    },
    /// Import persons with disabilities and their current assessments (CSV).
    ///
    /// The header names the columns: iin, surname, given_name, patronymic, birth_date, sex,
    /// region_code, district, address, phone, language, wheelchair_user, needs_escort, visual,
    /// hearing, sign_language, intellectual, group, cause, nosology, established_on, and
    /// optionally re_examination_due, ipr_valid_until and more (cli/README.md). Rows that cannot
    /// be read are rejected here and not sent. Exits 1 when any row is rejected.
    #[command(name = "import-persons")]
    ImportPersons {
        #[command(flatten)]
        connection: ConnectionArgs,
        /// The CSV file.
        file: PathBuf,
        /// Validate every row and write nothing.
        #[arg(long)]
        validate_only: bool,
        /// Rows per ImportPersons call; larger files go as several consecutive calls.
        #[arg(long, default_value_t = import::DEFAULT_BATCH_SIZE)]
        batch_size: usize,
    },
    /// Generate realistic, deterministic demo data and send it through the API.
    ///
    /// Imports the published centres, then persons with assessments, children's households and
    /// education, and rehabilitation episodes through the queue. Exits 1 when a row is rejected
    /// or a call fails.
    Seed(seed::SeedArgs),
    /// Demo evaluations of the registry's served episodes, submitted as their recipients (or
    /// children's parents) and moderated as the city's operators would.
    #[command(name = "seed-feedback")]
    SeedFeedback(seed::feedback::SeedFeedbackArgs),
    /// The city's demo inputs for the rating (inspection checklists, activities, one critical
    /// finding), then the previous and the current quarter computed.
    #[command(name = "seed-rating")]
    SeedRating(seed::rating::SeedRatingArgs),
    /// A demo invataxi day: six vehicles with shifts tomorrow, trips booked for the registry's
    /// wheelchair users in Astana, and the day planned.
    #[command(name = "seed-transport")]
    SeedTransport(seed::transport::SeedTransportArgs),
    /// The invataxi routes of a date (tomorrow by default), stop by stop.
    Dispatch {
        /// Transport server address.
        #[arg(long, default_value = "http://127.0.0.1:50054")]
        addr: String,
        /// The date, YYYY-MM-DD (tomorrow when unset).
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
    },
    /// The rating leaderboard of the latest rated quarter, or one centre's rating explained:
    /// `onaltu ratings --region KZ-71`, `onaltu ratings --centre ID`.
    Ratings {
        /// Rating server address.
        #[arg(long, default_value = "http://127.0.0.1:50053")]
        addr: String,
        /// ISO 3166-2:KZ region code (empty: every region).
        #[arg(long, default_value = "")]
        region: String,
        /// One centre's rating with its explanation instead of the leaderboard.
        #[arg(long)]
        centre: Option<String>,
    },
    /// List rehabilitation centres, e.g. Astana's: `onaltu centres --region KZ-71`.
    Centres {
        #[command(flatten)]
        connection: ConnectionArgs,
        /// ISO 3166-2:KZ region code (empty: every region).
        #[arg(long, default_value = "")]
        region: String,
    },
    /// A centre's feedback: the quarter's summary and its latest published evaluations.
    Feedback {
        /// Feedback server address.
        #[arg(long, default_value = "http://127.0.0.1:50052")]
        addr: String,
        /// The centre's id (`onaltu centres` lists them).
        #[arg(long)]
        centre: String,
    },
    /// The city coordinator's statistics for a region (or the whole country).
    Statistics {
        #[command(flatten)]
        connection: ConnectionArgs,
        /// ISO 3166-2:KZ region code (empty: the whole country).
        #[arg(long, default_value = "")]
        region: String,
    },
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run(Cli::parse().command).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) => {
            eprintln!("onaltu: {err:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(command: Command) -> anyhow::Result<bool> {
    match command {
        Command::Health {
            addr,
            service,
            wait,
        } => health::run(&addr, &service, wait).await,
        Command::Token(args) => token::run(&args).map(|()| true),
        Command::ImportCenters {
            connection,
            file,
            validate_only,
        } => {
            let parsed = import::read_centres(&file)?;
            let mut client = connect(&connection, "import of rehabilitation centres").await?;
            let summary = import::import_centres(&mut client, parsed.rows, validate_only).await?;
            Ok(import::print_summary(
                "centres",
                &summary,
                &[],
                &parsed.notes,
            ))
        }
        Command::ImportPersons {
            connection,
            file,
            validate_only,
            batch_size,
        } => {
            let mut client = connect(&connection, "import of persons with disabilities").await?;
            let (summary, local) =
                import::import_persons(&mut client, &file, validate_only, batch_size).await?;
            Ok(import::print_summary("persons", &summary, &local, &[]))
        }
        Command::Seed(args) => seed::run(args).await,
        Command::SeedFeedback(args) => seed::feedback::run(args).await,
        Command::SeedRating(args) => seed::rating::run(args).await,
        Command::SeedTransport(args) => seed::transport::run(args).await,
        Command::Dispatch { addr, date } => dispatch::run(&addr, date).await,
        Command::Ratings {
            addr,
            region,
            centre,
        } => ratings::run(&addr, &region, centre.as_deref()).await,
        Command::Centres { connection, region } => {
            let mut client = connect(&connection, "list of rehabilitation centres").await?;
            browse::centres(&mut client, &region).await
        }
        Command::Feedback { addr, centre } => browse::feedback(&addr, &centre).await,
        Command::Statistics { connection, region } => {
            let mut client = connect(&connection, "coordinator statistics").await?;
            browse::statistics(&mut client, &region).await
        }
    }
}
