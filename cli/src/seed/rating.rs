//! `onaltu seed-rating`: the city's demo inputs for the rating, then the ratings themselves.
//! Every centre gets the accessibility and information-openness checklist shares an inspection
//! found and its own count of cultural and social events (some checked by an inspection); one
//! centre has an open critical safety finding. Then the previous and the current quarter are
//! computed. Deterministic for a seed; a re-run sends the same request ids.

use anyhow::Context;
use chrono::{Datelike, Utc};
use futures::StreamExt;
use onaltu_auth::{Claims, Role};
use onaltu_proto::common::{Date, Period, PeriodKind};
use onaltu_proto::rating as pb;
use onaltu_proto::registry::ListCentersRequest;
use rand::Rng;
use tonic::metadata::AsciiMetadataValue;
use tonic::transport::Channel;

use super::ids::{request_id, rng_for};
use super::sample::chance;
use crate::connection::{ConnectionArgs, channel, connect, sign};
use crate::say;

/// Flags of `onaltu seed-rating`.
#[derive(Debug, Clone, clap::Args)]
pub struct SeedRatingArgs {
    #[command(flatten)]
    connection: ConnectionArgs,
    /// Rating server address.
    #[arg(long, default_value = "http://127.0.0.1:50053")]
    rating: String,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Calls in flight.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
}

/// A rating client whose every call carries `token`.
pub type RatingClient = pb::rating_service_client::RatingServiceClient<
    tonic::service::interceptor::InterceptedService<Channel, Bearer>,
>;

/// Adds `authorization: Bearer <token>` to every call.
#[derive(Clone)]
pub struct Bearer(pub AsciiMetadataValue);

impl tonic::service::Interceptor for Bearer {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        request
            .metadata_mut()
            .insert("authorization", self.0.clone());
        Ok(request)
    }
}

/// The rating client at `addr` calling as an administrator (who records inspection values and
/// centres' own reports alike).
pub async fn operator_client(addr: &str) -> anyhow::Result<RatingClient> {
    let token = sign(&Claims::new("onaltu-seed-admin", Role::Admin, 3600))?;
    let header = format!("Bearer {token}")
        .parse()
        .context("a printable token")?;
    Ok(
        pb::rating_service_client::RatingServiceClient::with_interceptor(
            channel(addr).await?,
            Bearer(header),
        ),
    )
}

fn quarter(year: i32, number: i32) -> Period {
    Period {
        year,
        kind: PeriodKind::Quarter as i32,
        number,
    }
}

/// Runs the seeding; `Ok(false)` when some call failed.
pub async fn run(args: SeedRatingArgs) -> anyhow::Result<bool> {
    let mut registry = connect(&args.connection, "rating inputs").await?;
    let mut centres = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = registry
            .list_centers(ListCentersRequest {
                page_size: 500,
                page_token: page_token.clone(),
                ..Default::default()
            })
            .await
            .context("listing centres")?
            .into_inner();
        centres.extend(page.centers.into_iter().map(|c| c.id));
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    let rating = operator_client(&args.rating).await?;
    let today = (Utc::now() + chrono::Duration::hours(5)).date_naive();
    let q = (today.month0() / 3 + 1) as i32;
    let current = quarter(today.year(), q);
    let previous = if q == 1 {
        quarter(today.year() - 1, 4)
    } else {
        quarter(today.year(), q - 1)
    };
    say!("recording inspection values of {} centres", centres.len());
    let results = futures::stream::iter(centres.iter().cloned())
        .map(|centre| {
            let (mut rating, seed) = (rating.clone(), args.seed);
            async move {
                for period in [previous, current] {
                    let label = format!("{}-Q{}", period.year, period.number);
                    let mut rng = rng_for(seed, &["inspection", &centre, &label]);
                    let act = format!("Акт №{}/{}", rng.random_range(1..400), period.year);
                    let inspected = |code: &str, value: f64| pb::IndicatorValue {
                        indicator_code: code.into(),
                        value,
                        source: pb::IndicatorSource::Inspection as i32,
                        evidence_reference: act.clone(),
                        ..Default::default()
                    };
                    let events = rng.random_range(2.0_f64..22.0).round();
                    let mut values = vec![
                        inspected(
                            "accessibility_checklist_share",
                            rng.random_range(0.35_f64..1.0),
                        ),
                        inspected(
                            "information_openness_share",
                            rng.random_range(0.45_f64..1.0),
                        ),
                        pb::IndicatorValue {
                            indicator_code: "events_per_100_recipients".into(),
                            value: events,
                            source: pb::IndicatorSource::SelfReported as i32,
                            ..Default::default()
                        },
                    ];
                    if chance(&mut rng, 0.6) {
                        values.push(inspected(
                            "events_per_100_recipients",
                            (events * rng.random_range(0.5..1.0)).round(),
                        ));
                    }
                    rating
                        .record_indicators(pb::RecordIndicatorsRequest {
                            request_id: request_id(seed, &["indicators", &centre, &label]),
                            center_id: centre.clone(),
                            period: Some(period),
                            values,
                        })
                        .await
                        .with_context(|| format!("recording the values of centre {centre}"))?;
                }
                Ok::<_, anyhow::Error>(())
            }
        })
        .buffer_unordered(args.concurrency.max(1))
        .collect::<Vec<_>>()
        .await;
    let failed: Vec<_> = results.into_iter().filter_map(Result::err).collect();
    for err in failed.iter().take(5) {
        say!("failed: {err:#}");
    }
    let mut rating = rating;
    if let Some(centre) = centres.first() {
        rating
            .record_violation(pb::RecordViolationRequest {
                request_id: request_id(args.seed, &["violation", centre]),
                violation: Some(pb::Violation {
                    center_id: centre.clone(),
                    critical: true,
                    description:
                        "Эвакуациялық шығу жолы бөгелген / Загромождён эвакуационный выход".into(),
                    inspection_reference: format!("Акт №17/{}", today.year()),
                    found_on: Some(Date {
                        year: today.year(),
                        month: today.month() as i32,
                        day: 1,
                    }),
                    ..Default::default()
                }),
            })
            .await
            .context("recording a critical finding")?;
    }
    for period in [previous, current] {
        let done = rating
            .compute_ratings(pb::ComputeRatingsRequest {
                request_id: uuid::Uuid::now_v7().to_string(),
                period: Some(period),
            })
            .await
            .context("computing the ratings")?
            .into_inner();
        say!(
            "{}-Q{}: version {} of {} centres ({} events)",
            period.year,
            period.number,
            done.rating_version,
            done.centers_rated,
            done.events_emitted
        );
    }
    Ok(failed.is_empty())
}
