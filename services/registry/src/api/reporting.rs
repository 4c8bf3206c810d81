//! Derived data: transport eligibility, centre indicators and the coordinator's statistics.

use chrono::{Months, NaiveDate};
use onaltu_auth::Role;
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::common::{Money, Period, PeriodKind};
use onaltu_proto::registry as pb;

use super::convert::{self, parse_id, parse_opt_date};
use super::{Ctx, READ_ALL, Registry, today};
use crate::domain::eligibility::{self, Facts};
use crate::domain::indicators::{Plan, Stay, center_indicators};
use crate::domain::statistics::{self, Cell};
use crate::store::{centers, persons, reporting};

/// The first and last day of a period.
pub fn period_bounds(p: &Period) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let kind = PeriodKind::try_from(p.kind).unwrap_or(PeriodKind::Unspecified);
    let (start_month, months) = match kind {
        PeriodKind::Quarter if (1..=4).contains(&p.number) => ((p.number - 1) * 3 + 1, 3),
        PeriodKind::Month if (1..=12).contains(&p.number) => (p.number, 1),
        PeriodKind::Quarter => return Err(ApiError::invalid("period.number", "a quarter is 1-4")),
        PeriodKind::Month => return Err(ApiError::invalid("period.number", "a month is 1-12")),
        PeriodKind::Unspecified => {
            return Err(ApiError::invalid(
                "period.kind",
                "is required (QUARTER or MONTH)",
            ));
        }
    };
    let start = NaiveDate::from_ymd_opt(p.year, start_month as u32, 1)
        .filter(|_| (2000..=2100).contains(&p.year))
        .ok_or_else(|| ApiError::invalid("period.year", "must be 2000-2100"))?;
    let end = start
        .checked_add_months(Months::new(months))
        .and_then(|d| d.pred_opt())
        .ok_or_else(|| ApiError::invalid("period", "out of range"))?;
    Ok((start, end))
}

fn statistics_key(generation: u64, region: &str, as_of: NaiveDate) -> String {
    format!(
        "statistics:{generation}:{}:{as_of}",
        if region.is_empty() { "KZ" } else { region }
    )
}

impl Registry {
    pub(crate) async fn check_transport_eligibility(
        &self,
        ctx: &Ctx,
        req: pb::CheckTransportEligibilityRequest,
    ) -> Result<pb::CheckTransportEligibilityResponse, ApiError> {
        let person = parse_id("person_id", &req.person_id)?;
        let mut v = Violations::new();
        let travel =
            parse_opt_date("travel_date", req.travel_date.as_ref(), &mut v).unwrap_or_else(today);
        v.into_result()?;
        let claims = ctx.caller.authenticated()?;
        let mut conn = self.conn().await?;
        if claims.role != Role::Dispatcher {
            self.authorize_person(&mut conn, ctx, "CheckTransportEligibility", person)
                .await?;
        }
        let row = persons::get(&mut conn, person)
            .await?
            .ok_or_else(|| ApiError::NotFound {
                resource: "person",
                id: person.to_string(),
            })?;
        let current = persons::current_assessment(&mut conn, person).await?;
        let needs = pb::Needs {
            wheelchair_user: row.wheelchair_user,
            needs_escort: row.needs_escort,
            visual_impairment: row.visual_impairment,
            hearing_impairment: row.hearing_impairment,
            sign_language: row.sign_language,
            intellectual_disability: row.intellectual_disability,
        };
        let facts = Facts {
            group: pb::DisabilityGroup::try_from(row.current_group as i32).unwrap_or_default(),
            needs,
            valid_until: current.as_ref().and_then(|a| a.re_examination_due),
            assessed: current.is_some(),
        };
        let (eligible, reasons) = eligibility::decide(&facts, travel);
        self.audit_persons(ctx, "CheckTransportEligibility", [person], None)
            .await?;
        Ok(pb::CheckTransportEligibilityResponse {
            eligible,
            reasons,
            needs: Some(needs),
            group: facts.group as i32,
            valid_until: convert::date(facts.valid_until),
        })
    }

    pub(crate) async fn get_center_indicators(
        &self,
        ctx: &Ctx,
        req: pb::GetCenterIndicatorsRequest,
    ) -> Result<pb::GetCenterIndicatorsResponse, ApiError> {
        let center = parse_id("center_id", &req.center_id)?;
        let period = req
            .period
            .ok_or_else(|| ApiError::invalid("period", "is required"))?;
        let (start, end) = period_bounds(&period)?;
        let mut allowed = READ_ALL.to_vec();
        allowed.push(Role::Integration);
        ctx.caller.require_center(center, &allowed)?;
        let mut conn = self.conn().await?;
        let c = centers::get(&mut conn, center)
            .await?
            .ok_or_else(|| ApiError::NotFound {
                resource: "center",
                id: center.to_string(),
            })?;
        let stays: Vec<Stay> = reporting::center_episodes(&mut conn, center, start, end)
            .await?
            .into_iter()
            .map(|f| Stay {
                service_form: f.service_form,
                referral_date: f.referral_date,
                admitted_on: f.admitted_on,
                ended_on: f.ended_on,
                discharge_outcome: f.discharge_outcome,
                no_show: f.no_show_on.is_some(),
            })
            .collect();
        let plan = Plan {
            beds: c.beds,
            admissions_per_month: c.admissions_per_month,
        };
        let indicators = pb::CenterIndicators {
            center_id: center.to_string(),
            period: Some(period),
            ..center_indicators(&stays, start, end, plan)
        };
        Ok(pb::GetCenterIndicatorsResponse {
            indicators: Some(indicators),
        })
    }

    pub(crate) async fn get_statistics(
        &self,
        ctx: &Ctx,
        req: pb::GetStatisticsRequest,
    ) -> Result<pb::GetStatisticsResponse, ApiError> {
        let mut allowed = READ_ALL.to_vec();
        allowed.push(Role::Integration);
        ctx.caller.require(&allowed)?;
        let mut v = Violations::new();
        if !req.region_code.is_empty() {
            v.check(
                self.regions.contains(&req.region_code),
                "region_code",
                "unknown region",
            );
        }
        let as_of = parse_opt_date("as_of", req.as_of.as_ref(), &mut v).unwrap_or_else(today);
        v.check(as_of <= today(), "as_of", "must not be in the future");
        v.into_result()?;
        let region = (!req.region_code.is_empty()).then(|| req.region_code.clone());
        let load = || async { self.compute_statistics(region.as_deref(), as_of).await };
        let statistics = match self
            .cache
            .generation(super::persons::STATS_GENERATION)
            .await
        {
            Some(generation) => {
                self.cache
                    .get_or_load(&statistics_key(generation, &req.region_code, as_of), load)
                    .await?
            }
            None => load().await?,
        };
        Ok(pb::GetStatisticsResponse {
            statistics: Some(statistics),
        })
    }

    /// Every breakdown of the coordinator's statistics, straight from the database.
    pub async fn compute_statistics(
        &self,
        region: Option<&str>,
        as_of: NaiveDate,
    ) -> Result<pb::Statistics, ApiError> {
        let mut conn = self.conn().await?;
        reporting::fold_tallies(&mut conn).await?;
        let cube = reporting::person_cube(&mut conn, as_of, region).await?;
        let mut s = pb::Statistics {
            region_code: region.unwrap_or_default().to_string(),
            as_of: Some(crate::domain::person::from_date(as_of)),
            ..Default::default()
        };
        let cells: Vec<Cell> = cube
            .into_iter()
            .map(|c| Cell {
                region_code: c.region_code,
                sex: c.sex,
                grp: c.grp,
                cause: c.cause,
                nosology: c.nosology,
                band: c.band,
                under7: c.under7,
                n: c.n,
            })
            .collect();
        statistics::person_breakdowns(&cells, &mut s);
        for h in reporting::households(&mut conn, as_of, region).await? {
            s.families_with_special_needs_children += h.with_special_needs_children;
            s.special_needs_children_in_families += h.special_needs_children;
            s.by_housing_status.push(pb::HousingStatusCount {
                housing_status: h.housing_status as i32,
                households: h.households,
            });
        }
        s.by_housing_status.sort_by_key(|h| h.housing_status);
        let mut benefits: Vec<_> = reporting::benefits(&mut conn, as_of, region)
            .await?
            .into_iter()
            .map(|b| pb::BenefitCount {
                benefit: b.benefit as i32,
                households: b.households,
            })
            .collect();
        benefits.sort_by_key(|b| b.benefit);
        s.by_benefit = benefits;
        let aid = reporting::aid(&mut conn, as_of, region).await?;
        s.one_time_aid_payments = aid.payments;
        s.one_time_aid_total = Some(Money {
            minor_units: aid.total_minor,
        });
        let mut with_record = 0;
        let mut education: Vec<_> = reporting::education(&mut conn, as_of, region)
            .await?
            .into_iter()
            .map(|e| {
                with_record += e.children;
                pb::EducationStatusCount {
                    status: e.status as i32,
                    children: e.children,
                    with_tutor: e.with_tutor,
                }
            })
            .collect();
        education.sort_by_key(|e| e.status);
        s.children_by_education = education;
        s.children_without_education_record = (s.children_total - with_record).max(0);
        s.queues = reporting::queues(&mut conn, as_of, region)
            .await?
            .into_iter()
            .map(|q| pb::CenterQueueStats {
                center_id: q.center_id.to_string(),
                service_form: q.service_form as i32,
                queue_length: q.queue_length,
                median_wait_days: q.median_wait_days,
            })
            .collect();
        let treated = reporting::treated(&mut conn, as_of, region).await?;
        let share = |t: i64, r: i64| (r > 0).then(|| t as f64 / r as f64);
        s.coverage = Some(pb::Coverage {
            treated: treated.persons,
            registered: s.persons_total,
            share: share(treated.persons, s.persons_total),
        });
        s.children_coverage = Some(pb::Coverage {
            treated: treated.children,
            registered: s.children_total,
            share: share(treated.children, s.children_total),
        });
        Ok(s)
    }
}
