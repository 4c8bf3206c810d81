//! Read-only views for operators: the centres of a region, a centre's feedback and the
//! coordinator's statistics.

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
            crate::say!(
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
    crate::say!("{total} centre(s)");
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
    crate::say!(
        "{scope}: {} persons with disabilities ({} children, {} adults)",
        s.persons_total,
        s.children_total,
        s.adults_total
    );
    for b in &s.by_age_band {
        let band = pb::AgeBand::try_from(b.age_band)
            .map(|a| a.as_str_name().trim_start_matches("AGE_BAND_").to_string())
            .unwrap_or_default();
        crate::say!("  age {band:<14} {}", b.persons);
    }
    for g in &s.by_group {
        let group = pb::DisabilityGroup::try_from(g.group)
            .map(|x| {
                x.as_str_name()
                    .trim_start_matches("DISABILITY_GROUP_")
                    .to_string()
            })
            .unwrap_or_default();
        crate::say!("  group {group:<14} {}", g.persons);
    }
    crate::say!(
        "  families with special-needs children: {}; children without an education record: {}",
        s.families_with_special_needs_children,
        s.children_without_education_record
    );
    let waiting: i64 = s.queues.iter().map(|q| q.queue_length).sum();
    crate::say!("  waiting in {} queues: {waiting}", s.queues.len());
    if let Some(c) = s.children_coverage {
        crate::say!(
            "  children treated in the last year: {} of {} ({:.1}%)",
            c.treated,
            c.registered,
            c.share.unwrap_or_default() * 100.0
        );
    }
    Ok(true)
}

/// Prints a centre's feedback summary for the current quarter and its latest published
/// evaluations: both public reads of the feedback service.
pub async fn feedback(addr: &str, centre: &str) -> anyhow::Result<bool> {
    use onaltu_proto::feedback as fb;
    let channel = crate::connection::channel(addr).await?;
    let mut client = fb::feedback_service_client::FeedbackServiceClient::new(channel);
    let s = client
        .get_center_feedback_summary(fb::GetCenterFeedbackSummaryRequest {
            center_id: centre.to_string(),
            period: None,
        })
        .await
        .context("GetCenterFeedbackSummary")?
        .into_inner()
        .summary
        .unwrap_or_default();
    let period = s.period.unwrap_or_default();
    crate::say!(
        "centre {centre}, {}-Q{}: {} published evaluation(s)",
        period.year,
        period.number,
        s.n
    );
    if s.suppressed {
        crate::say!("  fewer than 5: every figure is suppressed");
    }
    for c in &s.criteria {
        let name = fb::FeedbackCriterion::try_from(c.criterion)
            .map(|k| {
                k.as_str_name()
                    .trim_start_matches("FEEDBACK_CRITERION_")
                    .to_lowercase()
            })
            .unwrap_or_default();
        crate::say!(
            "  {name:<16} n {:>4}  mean {:.2}  bayesian {:.2} (city {:.2})",
            c.n,
            c.mean,
            c.bayesian_mean,
            c.city_mean
        );
    }
    if let Some(overall) = s.overall_bayesian_mean {
        crate::say!("  overall (bayesian) {overall:.2}");
    }
    if let Some(r) = s.recommend {
        crate::say!(
            "  would recommend: {} of {} ({:.0}%, 95% lower bound {:.0}%)",
            r.promoters,
            r.n,
            r.share * 100.0,
            r.wilson_lower_bound * 100.0
        );
    }
    let latest = client
        .list_evaluations(fb::ListEvaluationsRequest {
            center_id: centre.to_string(),
            page_size: 5,
            ..Default::default()
        })
        .await
        .context("ListEvaluations")?
        .into_inner();
    for e in latest.evaluations {
        let scores = e.scores.unwrap_or_default();
        crate::say!(
            "  - results {}  courtesy {}  {}",
            scores.results.map_or("-".into(), |v| v.to_string()),
            scores.staff_courtesy.map_or("-".into(), |v| v.to_string()),
            e.comment
        );
        if let Some(reply) = e.reply {
            crate::say!("    centre's reply: {}", reply.text);
        }
    }
    Ok(true)
}
