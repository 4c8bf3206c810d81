//! `onaltu seed-feedback`: demo evaluations of the registry's served episodes, sent through the
//! feedback service as the recipients (or the parents of children) would send them, then
//! moderated as the city's operators would: most published, a few rejected for a reason, some
//! left waiting; low scores with a comment open complaints. Deterministic for a seed, and a
//! re-run sends the same request ids, so it creates nothing twice.

use std::collections::HashMap;

use anyhow::Context;
use futures::StreamExt;
use onaltu_auth::{Claims, Role};
use onaltu_proto::common::Language;
use onaltu_proto::feedback as fb;
use onaltu_proto::registry::{EpisodeState, GetPersonRequest, ListEpisodesRequest};
use rand::Rng;

use super::ids::{request_id, rng_for};
use super::sample::{chance, pick};
use crate::connection::{ConnectionArgs, channel, connect, feedback_client, sign};
use crate::say;

/// Flags of `onaltu seed-feedback`.
#[derive(Debug, Clone, clap::Args)]
pub struct SeedFeedbackArgs {
    #[command(flatten)]
    connection: ConnectionArgs,
    /// Feedback server address.
    #[arg(long, default_value = "http://127.0.0.1:50052")]
    feedback: String,
    /// Share of served episodes whose recipient evaluates the centre.
    #[arg(long, default_value_t = 0.7)]
    share: f64,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Calls in flight.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
}

const GOOD: &[&str] = &[
    "Мамандар өте мейірімді, балам көп нәрсе үйренді.",
    "Рахмет! Массаж бен ЛФК жақсы көмектесті.",
    "Персонал внимательный, занятия с логопедом дали результат.",
    "Жақсы орталық, тамақ дәмді, бөлмелер таза.",
    "Спасибо за терпение и заботу, ребёнок стал увереннее.",
    "",
    "",
];
const POOR: &[&str] = &[
    "Кезек өте ұзақ, жарты жыл күттік.",
    "Пандус жоқ, арбамен кіру қиын.",
    "Мало занятий, в выходные ничего не происходит.",
    "Ақпарат жоқ, кесте жиі өзгереді.",
];

/// One served episode to evaluate.
struct Served {
    episode: String,
    person: String,
    centre: String,
}

/// Runs the seeding; `Ok(false)` when some call failed.
pub async fn run(args: SeedFeedbackArgs) -> anyhow::Result<bool> {
    let mut registry = connect(&args.connection, "demo evaluations of services received").await?;
    let mut served = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = registry
            .list_episodes(ListEpisodesRequest {
                page_size: 500,
                page_token: page_token.clone(),
                states: vec![
                    EpisodeState::Admitted as i32,
                    EpisodeState::Discharged as i32,
                ],
                ..Default::default()
            })
            .await
            .context("listing served episodes")?
            .into_inner();
        for e in page.episodes {
            let r = e.referral.unwrap_or_default();
            served.push(Served {
                episode: e.id,
                person: r.person_id,
                centre: r.center_id,
            });
        }
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    served.retain(|s| {
        chance(
            &mut rng_for(args.seed, &["evaluates", &s.episode]),
            args.share,
        )
    });
    say!("evaluating {} served episodes", served.len());

    // Each centre has its own quality, so the summaries and the rating differ between centres.
    let mut quality: HashMap<String, f64> = HashMap::new();
    for s in &served {
        quality
            .entry(s.centre.clone())
            .or_insert_with(|| rng_for(args.seed, &["quality", &s.centre]).random_range(2.8..4.8));
    }
    let operator = sign(&Claims::new(
        "onaltu-seed-moderator",
        Role::CityOperator,
        3600,
    ))?;
    let feedback = channel(&args.feedback).await?;
    let results = futures::stream::iter(served)
        .map(|s| {
            let registry = registry.clone();
            let quality = quality[&s.centre];
            let (operator, feedback, args) = (operator.clone(), feedback.clone(), args.clone());
            async move { evaluate(registry, &feedback, &args, &operator, s, quality).await }
        })
        .buffer_unordered(args.concurrency.max(1))
        .collect::<Vec<_>>()
        .await;
    let mut counts: HashMap<&'static str, usize> = HashMap::new();
    let mut failed = 0;
    for r in results {
        match r {
            Ok(outcome) => *counts.entry(outcome).or_default() += 1,
            Err(err) => {
                failed += 1;
                if failed <= 5 {
                    say!("failed: {err:#}");
                }
            }
        }
    }
    let mut lines: Vec<_> = counts.into_iter().collect();
    lines.sort();
    for (outcome, n) in lines {
        say!("{outcome}: {n}");
    }
    if failed > 0 {
        say!("{failed} evaluations failed");
    }
    Ok(failed == 0)
}

async fn evaluate(
    mut registry: crate::connection::Registry,
    feedback: &tonic::transport::Channel,
    args: &SeedFeedbackArgs,
    operator: &str,
    s: Served,
    quality: f64,
) -> anyhow::Result<&'static str> {
    let mut rng = rng_for(args.seed, &["evaluation", &s.episode]);
    // Children's evaluations are sent by their legal representative.
    let person = registry
        .get_person(GetPersonRequest {
            id: s.person.clone(),
        })
        .await
        .context("reading the recipient")?
        .into_inner()
        .person
        .unwrap_or_default();
    let submitter = person
        .legal_representative_ids
        .first()
        .cloned()
        .unwrap_or_else(|| s.person.clone());
    let mut claims = Claims::new(format!("citizen-{submitter}"), Role::Citizen, 3600);
    claims.person_id = Some(submitter.parse().context("a person id")?);
    let mut citizen = feedback_client(feedback, &sign(&claims)?)?;

    let score = |rng: &mut rand_chacha::ChaCha8Rng| -> Option<i32> {
        if chance(rng, 0.08) {
            return None;
        }
        let noisy = quality + rng.random_range(-1.3..1.3);
        Some(noisy.round().clamp(1.0, 5.0) as i32)
    };
    let scores = fb::CriterionScores {
        results: score(&mut rng),
        activities: score(&mut rng),
        accessibility: score(&mut rng),
        information: score(&mut rng),
        comfort: score(&mut rng),
        waiting: score(&mut rng),
        staff_courtesy: Some(
            (quality + rng.random_range(-1.0..1.2))
                .round()
                .clamp(1.0, 5.0) as i32,
        ),
    };
    let low = [
        scores.results,
        scores.comfort,
        scores.waiting,
        scores.accessibility,
    ]
    .into_iter()
    .flatten()
    .any(|v| v <= 2);
    let comment = if low && chance(&mut rng, 0.6) {
        pick(&mut rng, POOR)
    } else {
        pick(&mut rng, GOOD)
    };
    let recommend = ((quality - 1.0) * 2.5 + rng.random_range(-2.0..2.0))
        .round()
        .clamp(0.0, 10.0) as i32;
    let submitted = citizen
        .submit_evaluation(fb::SubmitEvaluationRequest {
            request_id: request_id(args.seed, &["evaluation", &s.episode]),
            evaluation: Some(fb::Evaluation {
                episode_id: s.episode.clone(),
                scores: Some(scores),
                days_waited: Some(rng.random_range(5..200)),
                would_recommend: Some(recommend),
                comment: comment.to_string(),
                language: if comment.chars().any(|c| "әіңғүұқөһ".contains(c)) {
                    Language::Kk
                } else {
                    Language::Ru
                } as i32,
                ..Default::default()
            }),
            complaint_text: String::new(),
        })
        .await
        .context("submitting")?
        .into_inner()
        .evaluation
        .unwrap_or_default();
    if submitted.status != fb::EvaluationStatus::PendingModeration as i32 {
        return Ok("already moderated");
    }
    let mut moderator = feedback_client(feedback, operator)?;
    let roll: f64 = rng.random();
    let (action, issue, note, outcome) = if roll < 0.85 {
        (
            fb::ModerationAction::Publish,
            fb::ContentIssue::Unspecified,
            "",
            "published",
        )
    } else if roll < 0.90 {
        (
            fb::ModerationAction::Reject,
            fb::ContentIssue::OffTopic,
            "Пікір көрсетілген қызмет туралы емес",
            "rejected",
        )
    } else {
        return Ok("waiting for moderation");
    };
    moderator
        .moderate_evaluation(fb::ModerateEvaluationRequest {
            id: submitted.id,
            action: action as i32,
            issue: issue as i32,
            note: note.into(),
            etag: String::new(),
        })
        .await
        .context("moderating")?;
    Ok(outcome)
}
