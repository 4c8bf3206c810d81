//! The feedback service's figures: durable SubmitEvaluation under 32 callers (beside pgbench's
//! one-row insert, which `make bench` runs on the same Postgres) and where its time goes on the
//! server (from the service's metrics), and GetCenterFeedbackSummary uncached over a million
//! evaluations.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use onaltu_auth::{Claims, Role};
use onaltu_proto::feedback as fb;
use onaltu_proto::feedback::feedback_service_client::FeedbackServiceClient;
use tonic::transport::Channel;

use super::scrape::Scrape;
use super::{Bearer, Phase, load};

/// The method measured, as the server's metrics name it.
const SUBMIT: &str = "SubmitEvaluation";

/// SubmitEvaluation's stages in the order a call passes them (any other the scrape shows
/// follows).
const STAGES: [&str; 5] = [
    "authorise_decode",
    "replay_lookup",
    "decide_write",
    "registry_fallback",
    "encode",
];

/// Submits one evaluation per (episode, person) pair of `pairs` (CSV), each as that person,
/// from `concurrency` callers for `duration` (or until the pairs run out). With `metrics` (the
/// service's `http://host:port/metrics`), scraped before and after, it prints where the server's
/// time went.
pub async fn submit(
    channel: Channel,
    secret: &str,
    pairs: &std::path::Path,
    concurrency: usize,
    duration: Duration,
    baseline_tps: f64,
    metrics: Option<&str>,
) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(pairs).with_context(|| format!("reading {}", pairs.display()))?;
    let mut calls = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (episode, person) = line.split_once(',').context("episode,person lines")?;
        let mut claims = Claims::new(format!("bench-{person}"), Role::Citizen, 3600);
        claims.person_id = Some(person.trim().parse()?);
        let token = onaltu_auth::issue_hs256(secret, &claims)?;
        calls.push((episode.trim().to_string(), token));
    }
    println!("{} episodes to evaluate", calls.len());
    let before = match metrics {
        Some(url) => Some(Scrape::take(url).await?),
        None => None,
    };
    let calls = Arc::new(calls);
    let next = Arc::new(AtomicUsize::new(0));
    let phase = load("SubmitEvaluation", concurrency, duration, move || {
        let calls = calls.clone();
        let next = next.clone();
        let channel = channel.clone();
        async move {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some((episode, token)) = calls.get(i) else {
                tokio::time::sleep(Duration::from_millis(50)).await;
                return false;
            };
            let mut client =
                FeedbackServiceClient::with_interceptor(channel, Bearer(token.clone()));
            let scores = fb::CriterionScores {
                results: Some(1 + (i % 5) as i32),
                activities: Some(4),
                accessibility: Some(3),
                information: Some(5),
                comfort: Some(4),
                waiting: Some(2),
                staff_courtesy: Some(5),
            };
            client
                .submit_evaluation(fb::SubmitEvaluationRequest {
                    request_id: uuid::Uuid::now_v7().to_string(),
                    evaluation: Some(fb::Evaluation {
                        episode_id: episode.clone(),
                        scores: Some(scores),
                        days_waited: Some(40),
                        would_recommend: Some(9),
                        comment: "Жақсы орталық".into(),
                        ..Default::default()
                    }),
                    complaint_text: String::new(),
                })
                .await
                .is_ok()
        }
    })
    .await;
    if phase.errors > 0 {
        println!(
            "note: {} calls failed or found no episode left",
            phase.errors
        );
    }
    let ratio = if baseline_tps > 0.0 {
        format!(
            "  {:.3}x pgbench one-row inserts",
            phase.throughput() / baseline_tps
        )
    } else {
        String::new()
    };
    println!(
        "SubmitEvaluation (durable, {concurrency} callers) {:>7.0} calls/s  p50 {:>7.3} ms  p99 {:>7.3} ms  errors {}{ratio}",
        phase.throughput(),
        phase.percentile(0.50),
        phase.percentile(0.99),
        phase.errors,
    );
    if let (Some(url), Some(before)) = (metrics, before) {
        breakdown(&before, &Scrape::take(url).await?, &phase);
    }
    Ok(())
}

/// Where SubmitEvaluation's time went on the server between two scrapes: each stage's calls,
/// mean and share of the server's time for the method, the pool's checkout wait, what is left
/// (the token's check and the message's decoding before the handler, the gRPC layers); then the
/// client's view beside the server's mean.
fn breakdown(before: &Scrape, after: &Scrape, phase: &Phase) {
    let delta = |name: &str, labels: &[(&str, &str)]| {
        after.value(name, labels) - before.value(name, labels)
    };
    let method = [("rpc_method", SUBMIT)];
    let calls = delta("rpc_server_duration_seconds_count", &method);
    let seconds = delta("rpc_server_duration_seconds_sum", &method);
    if calls < 1.0 || seconds <= 0.0 {
        println!("the server's metrics counted no {SUBMIT} during the load");
        return;
    }
    let server_mean = seconds / calls * 1000.0;
    println!(
        "Where {SUBMIT}'s time goes on the server: {calls:.0} calls, mean {server_mean:.3} ms \
         (rpc_server_duration_seconds)"
    );
    println!(
        "  {:<24} {:>9} {:>9} {:>7}",
        "stage", "calls", "mean ms", "share"
    );
    let row = |name: &str, n: f64, sum: f64| {
        let mean = if n > 0.0 { sum / n * 1000.0 } else { 0.0 };
        let share = sum / seconds * 100.0;
        println!("  {name:<24} {n:>9.0} {mean:>9.3} {share:>6.1}%");
    };
    let mut stages: Vec<String> = STAGES.iter().map(|s| s.to_string()).collect();
    for found in after.label_values("onaltu_rpc_stage_duration_seconds_count", "stage", &method) {
        if !stages.contains(&found) {
            stages.push(found);
        }
    }
    let mut accounted = 0.0;
    for stage in &stages {
        let labels = [("rpc_method", SUBMIT), ("stage", stage.as_str())];
        let sum = delta("onaltu_rpc_stage_duration_seconds_sum", &labels);
        row(
            stage,
            delta("onaltu_rpc_stage_duration_seconds_count", &labels),
            sum,
        );
        accounted += sum;
    }
    let checkouts = delta("db_client_connection_wait_time_seconds_count", &[]);
    let waited = delta("db_client_connection_wait_time_seconds_sum", &[]);
    row("pool checkout wait", checkouts, waited);
    let rest = seconds - accounted - waited;
    println!(
        "  {:<24} {:>9} {:>9} {:>6.1}%",
        "rest (token, decoding)",
        "",
        "",
        rest / seconds * 100.0
    );
    println!(
        "  (the pool's checkouts are every one of the process, {:.2} a call; registry_fallback's \
         own is in that stage too)",
        checkouts / calls
    );
    let client_mean = phase.micros.iter().map(|&m| f64::from(m)).sum::<f64>()
        / phase.micros.len().max(1) as f64
        / 1000.0;
    println!(
        "Client: p50 {:.3} ms, p99 {:.3} ms, mean {client_mean:.3} ms beside the server's mean \
         {server_mean:.3} ms: {:.3} ms a call is the network and the client",
        phase.percentile(0.50),
        phase.percentile(0.99),
        client_mean - server_mean,
    );
}

/// GetCenterFeedbackSummary for `calls` different centres of `centres` (one id a line), each
/// asked once, so no answer comes from the cache.
pub async fn summary(
    channel: Channel,
    centres: &std::path::Path,
    calls: usize,
) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(centres)
        .with_context(|| format!("reading {}", centres.display()))?;
    let ids: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut client = FeedbackServiceClient::new(channel);
    let mut micros = Vec::new();
    let mut n = 0;
    let start = Instant::now();
    for id in ids.iter().take(calls) {
        let t = Instant::now();
        let s = client
            .get_center_feedback_summary(fb::GetCenterFeedbackSummaryRequest {
                center_id: id.to_string(),
                period: None,
            })
            .await?
            .into_inner()
            .summary
            .unwrap_or_default();
        micros.push(t.elapsed().as_micros().min(u32::MAX as u128) as u32);
        n = n.max(s.n);
    }
    micros.sort_unstable();
    let phase = Phase {
        name: "Summary, uncached",
        calls: micros.len(),
        errors: 0,
        elapsed: start.elapsed(),
        micros,
    };
    println!(
        "GetCenterFeedbackSummary, uncached, {} centres one call each: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (largest n {n})",
        phase.calls,
        phase.percentile(0.5),
        phase.percentile(0.99),
        phase.micros.last().copied().unwrap_or_default() as f64 / 1000.0,
    );
    Ok(())
}
