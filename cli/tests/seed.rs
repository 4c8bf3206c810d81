//! `onaltu seed` against the real registry: a small seed goes through every call, and a re-run
//! with the same seed and date changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Harness;

const SEED: [&str; 11] = [
    "seed",
    "--persons",
    "300",
    "--seed",
    "7",
    "--episodes-share",
    "0.5",
    "--as-of",
    "2026-11-01",
    "--batch-size",
    "120",
];

#[tokio::test(flavor = "multi_thread")]
async fn seed_sends_everything_and_a_re_run_with_the_same_seed_changes_nothing() {
    let h = Harness::start().await;

    let run = h.onaltu(&SEED).await;
    assert_eq!(
        run.code,
        Some(0),
        "every row accepted, every call done: {}",
        run.stderr
    );
    assert!(run.has_line("centres: received 74, created 74, updated 0, unchanged 0, rejected 0"));
    assert!(run.has_line(
        "persons (sent 300): received 300, created 300, updated 0, unchanged 0, rejected 0"
    ));
    assert!(run.has_line("failed calls: none"));
    let households = run.line_starting("households: ").to_string();
    let episodes_line = run.line_starting("episodes: ").to_string();
    assert!(episodes_line.contains("DISCHARGED"), "{episodes_line}");
    assert!(
        episodes_line.ends_with("0 skipped after a failure"),
        "{episodes_line}"
    );

    // Some mothers are registered as their children's legal representatives: persons too.
    let mothers: i64 = run
        .line_starting("legal representatives: ")
        .split_whitespace()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .expect("the count of mothers registered");
    assert!(
        mothers > 0,
        "some children are represented by their mothers"
    );
    let statistics = h.statistics().await;
    assert_eq!(statistics.persons_total, 300 + mothers);
    assert!(
        statistics.children_total > 50,
        "{}",
        statistics.children_total
    );
    assert!(statistics.families_with_special_needs_children > 20);
    assert!(!statistics.children_by_education.is_empty());
    let episodes = h.episodes().await;
    assert!(episodes.len() > 20, "{}", episodes.len());
    let centres = h.centres().await;
    assert_eq!(centres.len(), 74);

    let run = h.onaltu(&SEED).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.has_line("centres: received 74, created 0, updated 0, unchanged 74, rejected 0"));
    assert!(run.has_line(
        "persons (sent 300): received 300, created 0, updated 0, unchanged 300, rejected 0"
    ));
    assert!(run.has_line("failed calls: none"));
    assert_eq!(run.line_starting("households: "), households);
    assert_eq!(
        run.line_starting("legal representatives: "),
        format!("legal representatives: {mothers} mothers registered for their children")
    );
    assert_eq!(run.line_starting("episodes: "), episodes_line);

    assert_eq!(
        h.statistics().await,
        statistics,
        "the re-run changed nothing"
    );
    assert_eq!(h.episodes().await, episodes);
    assert_eq!(h.centres().await, centres);
}
