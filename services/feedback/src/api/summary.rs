//! GetCenterFeedbackSummary: public, cached in Redis under a generation that every publication
//! and withdrawal moves (one changes the city means every summary leans on).

use onaltu_api::{Period, today};
use onaltu_errors::ApiError;
use onaltu_proto::feedback as pb;

use super::Feedback;
use super::decode::SummaryInput;
use crate::domain::summary::{self, PRIOR_WEIGHT};
use crate::store::{evaluations, totals};

/// The generation of every cached summary.
pub const SUMMARY_GENERATION: &str = "summaries";

impl Feedback {
    /// Retires every cached summary after a publication or withdrawal.
    pub(crate) async fn summaries_changed(&self) {
        self.cache.bump(SUMMARY_GENERATION).await;
    }

    pub(crate) async fn get_center_feedback_summary(
        &self,
        req: pb::GetCenterFeedbackSummaryRequest,
    ) -> Result<pb::GetCenterFeedbackSummaryResponse, ApiError> {
        let SummaryInput { center, period } = SummaryInput::decode(&req, today())?;
        let load = || async {
            let mut conn = self.conn().await?;
            let (from, until) = (period.start(), period.end_exclusive());
            let own = totals::of_center(&mut conn, center, from, until).await?;
            let city = totals::of_city(&mut conn, from, until).await?;
            let median = if own[summary::OVERALL].n >= summary::MIN_PUBLISHED {
                evaluations::median_days_waited(&mut conn, center, from, until).await?
            } else {
                None
            };
            let s = summary::summarise(&own, &city, median);
            Ok::<_, ApiError>(encode(center, period, &s))
        };
        let summary = match self.cache.generation(SUMMARY_GENERATION).await {
            Some(generation) => {
                let key = format!("summary:{generation}:{center}:{}", period.label());
                self.cache.get_or_load(&key, load).await?
            }
            None => load().await?,
        };
        Ok(pb::GetCenterFeedbackSummaryResponse {
            summary: Some(summary),
        })
    }
}

fn encode(center: uuid::Uuid, period: Period, s: &summary::Summary) -> pb::CenterFeedbackSummary {
    pb::CenterFeedbackSummary {
        center_id: center.to_string(),
        period: Some(period.encode()),
        n: s.n,
        suppressed: s.suppressed,
        criteria: s
            .criteria
            .iter()
            .map(|c| pb::CriterionSummary {
                criterion: c.criterion as i32 + 1,
                n: c.totals.n,
                mean: c.mean,
                bayesian_mean: c.bayesian_mean,
                city_mean: c.city_mean,
                prior_weight: PRIOR_WEIGHT,
                distribution: Some(pb::ScoreDistribution {
                    score_1: c.totals.distribution[0],
                    score_2: c.totals.distribution[1],
                    score_3: c.totals.distribution[2],
                    score_4: c.totals.distribution[3],
                    score_5: c.totals.distribution[4],
                }),
            })
            .collect(),
        overall_bayesian_mean: s.overall_bayesian_mean,
        recommend: s.recommend.map(|r| pb::RecommendSummary {
            n: r.n,
            promoters: r.promoters,
            share: r.share,
            wilson_lower_bound: r.wilson_lower_bound,
        }),
        median_days_waited: s.median_days_waited,
    }
}
