//! The rating service: ComputeRatings over 1,000 centres and a million evaluations' worth of
//! inputs, and the delay from a rating event to each of 100 WatchRatings subscribers.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Datelike;
use onaltu_auth::{Claims, Role};
use onaltu_proto::common::{CenterKind, CenterSector, LocalizedText, Period, PeriodKind};
use onaltu_proto::rating as rt;
use onaltu_proto::rating::rating_service_client::RatingServiceClient;
use onaltu_proto::registry as pb;
use onaltu_proto::registry::registry_service_client::RegistryServiceClient;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use super::{Bearer, Phase};

type Rating = RatingServiceClient<InterceptedService<Channel, Bearer>>;

fn client(channel: Channel, secret: &str, role: Role) -> anyhow::Result<Rating> {
    client_as(channel, secret, role, "bench")
}

/// A client whose token names `subject` (each city system subscribes in its own name).
fn client_as(channel: Channel, secret: &str, role: Role, subject: &str) -> anyhow::Result<Rating> {
    let token = onaltu_auth::issue_hs256(secret, &Claims::new(subject, role, 3600))?;
    Ok(
        RatingServiceClient::with_interceptor(channel, Bearer(token))
            .max_decoding_message_size(64 * 1024 * 1024),
    )
}

fn current_quarter() -> Period {
    let today = super::today();
    Period {
        year: today.year(),
        kind: PeriodKind::Quarter as i32,
        number: (today.month0() / 3 + 1) as i32,
    }
}

/// Creates `count` centres through the registry (`channel`), spread over regions, sectors and
/// kinds, and writes their ids to `out`.
pub async fn centres(
    channel: Channel,
    secret: &str,
    count: usize,
    out: &Path,
) -> anyhow::Result<()> {
    let token = onaltu_auth::issue_hs256(secret, &Claims::new("bench", Role::Admin, 3600))?;
    let registry = RegistryServiceClient::with_interceptor(channel, Bearer(token));
    let regions = ["KZ-71", "KZ-75", "KZ-79", "KZ-11", "KZ-15", "KZ-19"];
    let sectors = [
        CenterSector::Health,
        CenterSector::Social,
        CenterSector::Education,
    ];
    let kinds = [
        CenterKind::RehabCentre,
        CenterKind::RehabUnit,
        CenterKind::SocialServiceCentre,
    ];
    let mut tasks = tokio::task::JoinSet::new();
    let mut ids = Vec::with_capacity(count);
    let start = Instant::now();
    for i in 0..count {
        if tasks.len() >= 16
            && let Some(done) = tasks.join_next().await
        {
            ids.push(done??);
        }
        let mut registry = registry.clone();
        tasks.spawn(async move {
            registry
                .create_center(pb::CreateCenterRequest {
                    request_id: uuid::Uuid::now_v7().to_string(),
                    center: Some(pb::Center {
                        name: Some(LocalizedText {
                            kk: format!("Бенч орталығы {i}"),
                            ru: String::new(),
                        }),
                        sector: sectors[i % sectors.len()] as i32,
                        kind: kinds[(i / 3) % kinds.len()] as i32,
                        region_code: regions[i % regions.len()].into(),
                        service_forms: vec![pb::ServiceForm::Stationary as i32],
                        capacity: Some(pb::Capacity {
                            beds: Some(20 + (i % 40) as i32),
                            places: None,
                            admissions_per_month: Some(10 + (i % 20) as i32),
                        }),
                        serves_children: true,
                        serves_adults: true,
                        ..Default::default()
                    }),
                })
                .await
                .map(|r| r.into_inner().center.unwrap_or_default().id)
                .context("CreateCenter")
        });
    }
    while let Some(done) = tasks.join_next().await {
        ids.push(done??);
    }
    std::fs::write(out, ids.join("\n") + "\n")?;
    println!(
        "  (setup) {count} centres created in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn compute_once(
    rating: &mut Rating,
) -> anyhow::Result<(rt::ComputeRatingsResponse, Duration)> {
    let start = Instant::now();
    let answer = rating
        .compute_ratings(rt::ComputeRatingsRequest {
            request_id: uuid::Uuid::now_v7().to_string(),
            period: Some(current_quarter()),
        })
        .await
        .context("ComputeRatings")?
        .into_inner();
    Ok((answer, start.elapsed()))
}

async fn nudge(rating: &mut Rating, centre: &str, value: f64) -> anyhow::Result<()> {
    rating
        .record_indicators(rt::RecordIndicatorsRequest {
            request_id: uuid::Uuid::now_v7().to_string(),
            center_id: centre.to_string(),
            period: Some(current_quarter()),
            values: vec![rt::IndicatorValue {
                indicator_code: "accessibility_checklist_share".into(),
                value,
                source: rt::IndicatorSource::Inspection as i32,
                evidence_reference: "bench".into(),
                ..Default::default()
            }],
        })
        .await
        .context("RecordIndicators")?;
    Ok(())
}

fn ids(centres: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(centres)
        .with_context(|| format!("reading {}", centres.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}

/// ComputeRatings of the current quarter: the first version, an unchanged recomputation, and a
/// recomputation after one centre's value changed.
pub async fn compute(channel: Channel, secret: &str, centres: &Path) -> anyhow::Result<()> {
    let mut rating = client(channel, secret, Role::CityOperator)?;
    let ids = ids(centres)?;
    let (first, took) = compute_once(&mut rating).await?;
    println!(
        "ComputeRatings, new version {} of {} centres ({} events): {:.0} ms (goal < 2000 ms)",
        first.rating_version,
        first.centers_rated,
        first.events_emitted,
        took.as_secs_f64() * 1000.0
    );
    let (same, took) = compute_once(&mut rating).await?;
    println!(
        "ComputeRatings, inputs unchanged (version {} returned, created {}): {:.0} ms",
        same.rating_version,
        same.created,
        took.as_secs_f64() * 1000.0
    );
    if let Some(centre) = ids.first() {
        nudge(&mut rating, centre, 0.31).await?;
    }
    let (changed, took) = compute_once(&mut rating).await?;
    println!(
        "ComputeRatings, one centre's value changed (version {}, {} event): {:.0} ms",
        changed.rating_version,
        changed.events_emitted,
        took.as_secs_f64() * 1000.0
    );
    Ok(())
}

/// `subscribers` WatchRatings streams; `rounds` times one centre's value changes and the
/// quarter is recomputed, making one event each subscriber receives. The delay is from the
/// event's time (stamped as the computation writes it) to its arrival.
pub async fn watch(
    channel: Channel,
    secret: &str,
    centres: &Path,
    subscribers: usize,
    rounds: usize,
) -> anyhow::Result<()> {
    let mut operator = client(channel.clone(), secret, Role::CityOperator)?;
    let integration = client(channel.clone(), secret, Role::Integration)?;
    let ids = ids(centres)?;
    let target = ids.get(1).cloned().context("at least two centres")?;
    // Start after every event written so far.
    let (last_known, _) = compute_once(&mut operator).await?;
    let _ = last_known;
    let mut probe = integration.clone();
    let mut stream = probe
        .watch_ratings(rt::WatchRatingsRequest::default())
        .await?
        .into_inner();
    let mut after = 0;
    while let Ok(Ok(Some(m))) =
        tokio::time::timeout(Duration::from_millis(500), stream.message()).await
    {
        after = m.event.map_or(after, |e| e.sequence_number);
    }
    drop(stream);

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u32>();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..subscribers {
        let mut c = client_as(
            channel.clone(),
            secret,
            Role::Integration,
            &format!("bench-subscriber-{i}"),
        )?;
        let tx = tx.clone();
        let mut stream = c
            .watch_ratings(rt::WatchRatingsRequest {
                after_sequence_number: after,
                center_ids: vec![target.clone()],
                ..Default::default()
            })
            .await?
            .into_inner();
        tasks.spawn(async move {
            loop {
                let Ok(Some(m)) = stream.message().await else {
                    return;
                };
                let Some(at) = m.event.and_then(|e| e.event_time) else {
                    continue;
                };
                let sent = chrono::DateTime::from_timestamp(at.seconds, at.nanos.max(0) as u32)
                    .unwrap_or_default();
                let delay = (chrono::Utc::now() - sent).num_microseconds().unwrap_or(0);
                let _ = tx.send(delay.clamp(0, i64::from(u32::MAX)) as u32);
            }
        });
    }
    drop(tx);
    let start = Instant::now();
    // Each recomputation's events are about the target alone (nothing else changed).
    let mut emitted = 0;
    for round in 0..rounds {
        // Alternate far apart, so each recomputation moves the composite by more than a point.
        nudge(
            &mut operator,
            &target,
            if round % 2 == 0 { 0.35 } else { 0.95 },
        )
        .await?;
        emitted += compute_once(&mut operator).await?.0.events_emitted as usize;
    }
    let deadline = tokio::time::sleep(Duration::from_secs(30));
    tokio::pin!(deadline);
    let mut micros = Vec::new();
    loop {
        tokio::select! {
            got = rx.recv() => match got {
                Some(d) => {
                    micros.push(d);
                    if micros.len() >= subscribers * emitted {
                        break;
                    }
                }
                None => break,
            },
            () = &mut deadline => break,
        }
    }
    tasks.abort_all();
    micros.sort_unstable();
    let expected = subscribers * emitted;
    let phase = Phase {
        name: "WatchRatings delivery",
        calls: micros.len(),
        errors: expected.saturating_sub(micros.len()),
        elapsed: start.elapsed(),
        micros,
    };
    println!(
        "WatchRatings, {subscribers} subscribers x {emitted} events ({rounds} recomputations): {} of {expected} delivered, delay p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (goal p99 < 100 ms)",
        phase.calls,
        phase.percentile(0.5),
        phase.percentile(0.99),
        phase.micros.last().copied().unwrap_or_default() as f64 / 1000.0,
    );
    let _ = phase.name;
    Ok(())
}
