//! Read-only views for operators: the centres of a region and the coordinator's statistics.

use anyhow::Context;
use onaltu_proto::registry as pb;

use crate::connection::Registry as Client;

/// Prints every centre of `region` (all regions when empty), one a line.
pub async fn centres(client: &mut Client, region: &str) -> anyhow::Result<bool> {
    let mut token = String::new();
    let mut total = 0;
    loop {
        let page = client
            .list_centers(pb::ListCentersRequest {
                page_size: 500,
                page_token: token,
                region_code: region.to_string(),
                ..Default::default()
            })
            .await
            .context("ListCenters")?
            .into_inner();
        for c in &page.centers {
            let name = c.name.clone().unwrap_or_default();
            let kind = onaltu_proto::common::CenterKind::try_from(c.kind)
                .map(|k| {
                    k.as_str_name()
                        .trim_start_matches("CENTER_KIND_")
                        .to_string()
                })
                .unwrap_or_default();
            println!(
                "{}  {}  {:<20} {}  {}",
                c.id,
                c.region_code,
                kind,
                name.kk,
                c.emails.join(", ")
            );
            total += 1;
        }
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    println!("{total} centre(s)");
    Ok(true)
}

/// Prints the main figures of the coordinator's statistics.
pub async fn statistics(client: &mut Client, region: &str) -> anyhow::Result<bool> {
    let s = client
        .get_statistics(pb::GetStatisticsRequest {
            region_code: region.to_string(),
            as_of: None,
        })
        .await
        .context("GetStatistics")?
        .into_inner()
        .statistics
        .context("no statistics in the answer")?;
    let scope = if region.is_empty() {
        "Kazakhstan"
    } else {
        region
    };
    println!(
        "{scope}: {} persons with disabilities ({} children, {} adults)",
        s.persons_total, s.children_total, s.adults_total
    );
    for b in &s.by_age_band {
        let band = pb::AgeBand::try_from(b.age_band)
            .map(|a| a.as_str_name().trim_start_matches("AGE_BAND_").to_string())
            .unwrap_or_default();
        println!("  age {band:<14} {}", b.persons);
    }
    for g in &s.by_group {
        let group = pb::DisabilityGroup::try_from(g.group)
            .map(|x| {
                x.as_str_name()
                    .trim_start_matches("DISABILITY_GROUP_")
                    .to_string()
            })
            .unwrap_or_default();
        println!("  group {group:<14} {}", g.persons);
    }
    println!(
        "  families with special-needs children: {}; children without an education record: {}",
        s.families_with_special_needs_children, s.children_without_education_record
    );
    let waiting: i64 = s.queues.iter().map(|q| q.queue_length).sum();
    println!("  waiting in {} queues: {waiting}", s.queues.len());
    if let Some(c) = s.children_coverage {
        println!(
            "  children treated in the last year: {} of {} ({:.1}%)",
            c.treated,
            c.registered,
            c.share.unwrap_or_default() * 100.0
        );
    }
    Ok(true)
}
