//! `onaltu ratings`: the leaderboard of the latest rated quarter, or one centre's rating with its
//! explanation line by line; public reads of the rating service.

use anyhow::Context;
use onaltu_proto::rating as pb;

use crate::say;

fn stars(n: Option<i32>) -> String {
    match n {
        Some(n) => "★".repeat(n.max(0) as usize) + &"☆".repeat((5 - n).max(0) as usize),
        None => "  —  ".to_string(),
    }
}

fn tier(t: i32) -> String {
    pb::Tier::try_from(t)
        .map(|t| t.as_str_name().trim_start_matches("TIER_").to_string())
        .unwrap_or_default()
}

/// Prints the leaderboard of `region` (every region when empty), or `centre`'s explanation.
pub async fn run(addr: &str, region: &str, centre: Option<&str>) -> anyhow::Result<bool> {
    let mut client = pb::rating_service_client::RatingServiceClient::new(
        crate::connection::channel(addr).await?,
    );
    if let Some(centre) = centre {
        let r = client
            .get_center_rating(pb::GetCenterRatingRequest {
                center_id: centre.to_string(),
                ..Default::default()
            })
            .await
            .context("GetCenterRating")?
            .into_inner()
            .rating
            .unwrap_or_default();
        let p = r.period.unwrap_or_default();
        say!(
            "{} — {}-Q{} version {} (methodology {})",
            r.center_name.map(|n| n.kk).unwrap_or_default(),
            p.year,
            p.number,
            r.rating_version,
            r.methodology_version
        );
        say!(
            "  {}  composite {}  tier {}",
            stars(r.stars),
            r.composite.map_or("—".into(), |c| format!("{c:.2}")),
            tier(r.tier)
        );
        for c in &r.criteria {
            let name = pb::Criterion::try_from(c.criterion)
                .map(|k| {
                    k.as_str_name()
                        .trim_start_matches("CRITERION_")
                        .to_lowercase()
                })
                .unwrap_or_default();
            say!(
                "  {name:<14} {:>6}  weight {:.2} (effective {:.2})",
                c.score.map_or("—".into(), |s| format!("{s:.1}")),
                c.weight,
                c.effective_weight
            );
            for i in &c.indicators {
                let source = pb::IndicatorSource::try_from(i.source)
                    .map(|s| {
                        s.as_str_name()
                            .trim_start_matches("INDICATOR_SOURCE_")
                            .to_lowercase()
                    })
                    .unwrap_or_default();
                say!(
                    "    {:<32} raw {:>8}  score {:>6}  {source}{}{}",
                    i.indicator_code,
                    i.raw_value.map_or("—".into(), |v| format!("{v:.3}")),
                    i.normalised_value.map_or("—".into(), |v| format!("{v:.1}")),
                    i.sample_size
                        .map_or(String::new(), |n| format!(", n = {n}")),
                    if i.suppressed { ", suppressed" } else { "" }
                );
            }
        }
        for e in &r.explanations {
            say!("  • {}", e.en);
            if let Some(t) = &e.text {
                say!("    {}", t.kk);
                say!("    {}", t.ru);
            }
        }
        return Ok(true);
    }
    let board = client
        .list_ratings(pb::ListRatingsRequest {
            region_code: region.to_string(),
            page_size: 500,
            ..Default::default()
        })
        .await
        .context("ListRatings")?
        .into_inner();
    let p = board.period.unwrap_or_default();
    say!(
        "{}-Q{} version {}: {} centre(s){}",
        p.year,
        p.number,
        board.rating_version,
        board.ratings.len(),
        if region.is_empty() {
            String::new()
        } else {
            format!(" in {region}")
        }
    );
    for r in &board.ratings {
        let rank = r.rank_in_region.unwrap_or_default();
        say!(
            "  {:>3}  {}  {:>6}  {:<17} {}  {}",
            if rank.rank > 0 {
                rank.rank.to_string()
            } else {
                "—".into()
            },
            stars(r.stars),
            r.composite.map_or("—".into(), |c| format!("{c:.2}")),
            tier(r.tier),
            r.center_id,
            r.center_name
                .as_ref()
                .map(|n| n.kk.as_str())
                .unwrap_or_default()
        );
    }
    Ok(true)
}
