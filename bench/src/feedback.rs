//! The feedback service's figures: durable SubmitEvaluation under 32 callers (beside pgbench's
//! one-row insert, which `make bench` runs on the same Postgres), and GetCenterFeedbackSummary
//! uncached over a million evaluations.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use onaltu_auth::{Claims, Role};
use onaltu_proto::feedback as fb;
use onaltu_proto::feedback::feedback_service_client::FeedbackServiceClient;
use tonic::transport::Channel;

use super::{Bearer, Phase, load};

/// Submits one evaluation per (episode, person) pair of `pairs` (CSV), each as that person,
/// from `concurrency` callers for `duration` (or until the pairs run out).
pub async fn submit(
    channel: Channel,
    secret: &str,
    pairs: &std::path::Path,
    concurrency: usize,
    duration: Duration,
    baseline_tps: f64,
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
    Ok(())
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
