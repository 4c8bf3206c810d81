//! Derived data: transport eligibility, centre indicators and the coordinator's statistics.

mod encode;

use std::collections::HashSet;

use chrono::{Months, NaiveDate};
use onaltu_api::{date, parse_id, parse_opt_date};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::common::{Period, PeriodKind};
use onaltu_proto::registry as pb;
use uuid::Uuid;

use self::encode::Figures;
use super::{REPORT_READERS, Registry};
use crate::domain::access::{self, EligibilityReach};
use crate::domain::eligibility::{self, Facts};
use crate::domain::indicators::{Plan, Stay, center_indicators};
use crate::domain::statistics::{self, Cell};
use crate::store::{centers, persons, reporting};
use onaltu_api::{Ctx, today};

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

/// A transport eligibility check (CheckTransportEligibility).
struct EligibilityInput {
    person: Uuid,
    travel: NaiveDate,
}

impl EligibilityInput {
    /// Decodes a check asked on `today` (the travel date when none is given).
    fn decode(
        req: pb::CheckTransportEligibilityRequest,
        today: NaiveDate,
    ) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        let person = v.take(parse_id("person_id", &req.person_id));
        let travel = parse_opt_date("travel_date", req.travel_date.as_ref(), &mut v);
        v.finish(Self {
            person,
            travel: travel.unwrap_or(today),
        })
    }
}

/// A centre's indicators for a period (GetCenterIndicators).
struct IndicatorsInput {
    center: Uuid,
    period: Period,
    start: NaiveDate,
    end: NaiveDate,
}

impl TryFrom<pb::GetCenterIndicatorsRequest> for IndicatorsInput {
    type Error = ApiError;

    fn try_from(req: pb::GetCenterIndicatorsRequest) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        let center = v.take(parse_id("center_id", &req.center_id));
        let (period, (start, end)) = match req.period {
            Some(p) => {
                let bounds = v.take(period_bounds(&p));
                (p, bounds)
            }
            None => {
                v.add("period", "is required");
                Default::default()
            }
        };
        v.finish(Self {
            center,
            period,
            start,
            end,
        })
    }
}

/// The coordinator's statistics asked for (GetStatistics).
struct StatisticsInput {
    /// The region; the whole country when none.
    region: Option<String>,
    as_of: NaiveDate,
}

impl StatisticsInput {
    /// Decodes a request asked on `today`, against the known region codes.
    fn decode(
        req: pb::GetStatisticsRequest,
        regions: &HashSet<String>,
        today: NaiveDate,
    ) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        if !req.region_code.is_empty() {
            v.check(
                regions.contains(&req.region_code),
                "region_code",
                "unknown region",
            );
        }
        let as_of = parse_opt_date("as_of", req.as_of.as_ref(), &mut v).unwrap_or(today);
        v.check(as_of <= today, "as_of", "must not be in the future");
        v.finish(Self {
            region: (!req.region_code.is_empty()).then_some(req.region_code),
            as_of,
        })
    }
}

impl Registry {
    /// Transport eligibility: asked by a listed service in its own name for a trip it handles
    /// (the purpose, naming the trip and the dispatcher, is kept in the audit trail), or by
    /// whoever may see the person's record (a citizen for themselves and those they represent).
    pub(crate) async fn check_transport_eligibility(
        &self,
        ctx: &Ctx,
        req: pb::CheckTransportEligibilityRequest,
    ) -> Result<pb::CheckTransportEligibilityResponse, ApiError> {
        let claims = ctx.caller.authenticated()?;
        let listed = self.access.eligibility_checkers.contains(&claims.sub);
        let reach = access::eligibility_reach(claims.role, listed, &ctx.purpose)?;
        let input = EligibilityInput::decode(req, today())?;
        let person = input.person;
        let mut conn = self.conn().await?;
        if reach == EligibilityReach::Person {
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
        let (eligible, reasons) = eligibility::decide(&facts, input.travel);
        self.audit_persons(ctx, "CheckTransportEligibility", [person], None)
            .await?;
        Ok(pb::CheckTransportEligibilityResponse {
            eligible,
            reasons: reasons
                .into_iter()
                .map(|r| pb::EligibilityReason {
                    code: r.code.into(),
                    description: r.description,
                })
                .collect(),
            needs: Some(needs),
            group: facts.group as i32,
            valid_until: facts.valid_until.map(date),
        })
    }

    pub(crate) async fn get_center_indicators(
        &self,
        ctx: &Ctx,
        req: pb::GetCenterIndicatorsRequest,
    ) -> Result<pb::GetCenterIndicatorsResponse, ApiError> {
        let input = IndicatorsInput::try_from(req)?;
        let center = input.center;
        ctx.caller.require_center(center, REPORT_READERS)?;
        let mut conn = self.conn().await?;
        let c = centers::get(&mut conn, center)
            .await?
            .ok_or_else(|| ApiError::NotFound {
                resource: "center",
                id: center.to_string(),
            })?;
        let stays: Vec<Stay> =
            reporting::center_episodes(&mut conn, center, input.start, input.end)
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
        let indicators = center_indicators(&stays, input.start, input.end, plan);
        Ok(pb::GetCenterIndicatorsResponse {
            indicators: Some(encode::indicators(center, input.period, &indicators)),
        })
    }

    pub(crate) async fn get_statistics(
        &self,
        ctx: &Ctx,
        req: pb::GetStatisticsRequest,
    ) -> Result<pb::GetStatisticsResponse, ApiError> {
        ctx.caller.require(REPORT_READERS)?;
        let input = StatisticsInput::decode(req, &self.regions, today())?;
        let (region, as_of) = (input.region.as_deref(), input.as_of);
        let load = || async { self.compute_statistics(region, as_of).await };
        let statistics = match self
            .cache
            .generation(super::persons::STATS_GENERATION)
            .await
        {
            Some(generation) => {
                let key = statistics_key(generation, region.unwrap_or_default(), as_of);
                self.cache.get_or_load(&key, load).await?
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
        let cells: Vec<Cell> = reporting::person_cube(&mut conn, as_of, region)
            .await?
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
        let figures = Figures {
            households: reporting::households(&mut conn, as_of, region).await?,
            benefits: reporting::benefits(&mut conn, as_of, region).await?,
            aid: reporting::aid(&mut conn, as_of, region).await?,
            education: reporting::education(&mut conn, as_of, region).await?,
            queues: reporting::queues(&mut conn, as_of, region).await?,
            treated: reporting::treated(&mut conn, as_of, region).await?,
        };
        let persons = statistics::person_breakdowns(&cells);
        Ok(encode::statistics(region, as_of, persons, figures))
    }
}
