//! Derived data: transport eligibility, centre indicators, the coordinator's statistics, and
//! the audit trail.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use onaltu_auth::Role;
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::common::{Money, Period, PeriodKind, Sex};
use onaltu_proto::registry::{self as pb, AgeBand, ChildAgeCategory, ServiceForm};
use uuid::Uuid;

use super::convert::{self, parse_id, parse_opt_date, parse_opt_id};
use super::{Ctx, READ_ALL, Registry, decode_token, encode_token, page_size, today};
use crate::domain::eligibility::{self, Facts};
use crate::domain::statistics::median_and_p90;
use crate::store::{audit as audit_store, centers, persons, reporting};

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

/// The canonical name of a gRPC status code, e.g. `PERMISSION_DENIED`.
fn code_name(code: tonic::Code) -> String {
    let camel = format!("{code:?}");
    let mut out = String::with_capacity(camel.len() + 4);
    for (i, c) in camel.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
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
        let facts = reporting::center_episodes(&mut conn, center, start, end).await?;
        let mut indicators = pb::CenterIndicators {
            center_id: center.to_string(),
            period: Some(period),
            ..Default::default()
        };
        let mut discharges = pb::DischargeCounts::default();
        let mut waits = Vec::new();
        let mut bed_days = 0i64;
        for f in &facts {
            if f.no_show_on.is_some() {
                indicators.no_shows += 1;
                continue;
            }
            let Some(admitted) = f.admitted_on else {
                continue;
            };
            if (start..=end).contains(&admitted) {
                indicators.admissions += 1;
                waits.push((admitted - f.referral_date).num_days() as i32);
            }
            if let Some(ended) = f.ended_on.filter(|d| (start..=end).contains(d)) {
                let _ = ended;
                match pb::DischargeOutcome::try_from(f.discharge_outcome as i32) {
                    Ok(pb::DischargeOutcome::Improved) => discharges.improved += 1,
                    Ok(pb::DischargeOutcome::NoChange) => discharges.no_change += 1,
                    Ok(pb::DischargeOutcome::Worsened) => discharges.worsened += 1,
                    Ok(pb::DischargeOutcome::Continuing) => discharges.continuing += 1,
                    _ => indicators.other_exits += 1,
                }
            }
            if f.service_form == ServiceForm::Stationary as i16 {
                // Bed-days inside the period: from admission (or period start) to the day
                // before discharge (or period end, inclusive).
                let from = admitted.max(start);
                let to = match f.ended_on {
                    Some(e) if e <= end => e,
                    _ => end.succ_opt().unwrap_or(end),
                };
                bed_days += (to - from).num_days().max(0);
            }
        }
        discharges.total = discharges.improved
            + discharges.no_change
            + discharges.worsened
            + discharges.continuing;
        let (median, p90) = median_and_p90(&mut waits);
        indicators.discharges = Some(discharges);
        indicators.median_wait_days = median;
        indicators.p90_wait_days = p90;
        indicators.occupied_bed_days = bed_days;
        indicators.available_bed_days = c.beds.map(|b| b as i64 * ((end - start).num_days() + 1));
        indicators.planned_admissions = c.admissions_per_month.map(|m| {
            let months =
                (end.year() - start.year()) * 12 + end.month() as i32 - start.month() as i32 + 1;
            m as i64 * months as i64
        });
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
        let cube = reporting::person_cube(&mut conn, as_of, region).await?;
        let mut s = pb::Statistics {
            region_code: region.unwrap_or_default().to_string(),
            as_of: Some(crate::domain::person::from_date(as_of)),
            ..Default::default()
        };
        let mut by_region: BTreeMap<String, pb::RegionCount> = BTreeMap::new();
        let mut by_band: BTreeMap<i32, i64> = BTreeMap::new();
        let mut by_category: BTreeMap<i32, i64> = BTreeMap::new();
        let mut by_sex: BTreeMap<i32, i64> = BTreeMap::new();
        let mut by_group: BTreeMap<i32, i64> = BTreeMap::new();
        let mut by_cause: BTreeMap<i32, (i64, i64)> = BTreeMap::new();
        let mut by_nosology: BTreeMap<i32, (i64, i64)> = BTreeMap::new();
        for c in &cube {
            let child = c.band < 4;
            s.persons_total += c.n;
            let r = by_region
                .entry(c.region_code.clone())
                .or_insert_with(|| pb::RegionCount {
                    region_code: c.region_code.clone(),
                    ..Default::default()
                });
            r.persons += c.n;
            if child {
                s.children_total += c.n;
                r.children += c.n;
                let category = if c.under7 {
                    ChildAgeCategory::Under7
                } else {
                    ChildAgeCategory::ChildAgeCategory7To18
                };
                *by_category.entry(category as i32).or_default() += c.n;
                let legacy = if c.band == 3 {
                    ChildAgeCategory::ChildAgeCategory16To18
                } else {
                    ChildAgeCategory::Under16
                };
                *by_category.entry(legacy as i32).or_default() += c.n;
            } else {
                s.adults_total += c.n;
                r.adults += c.n;
            }
            let band = match c.band {
                1 => AgeBand::AgeBand14AndUnder,
                2 => AgeBand::AgeBand15,
                3 => AgeBand::AgeBand16To17,
                _ => AgeBand::AgeBand18AndOver,
            };
            *by_band.entry(band as i32).or_default() += c.n;
            *by_sex.entry(c.sex as i32).or_default() += c.n;
            *by_group.entry(c.grp as i32).or_default() += c.n;
            let cause = by_cause.entry(c.cause as i32).or_default();
            let nosology = by_nosology.entry(c.nosology as i32).or_default();
            if child {
                cause.0 += c.n;
                nosology.0 += c.n;
            } else {
                cause.1 += c.n;
                nosology.1 += c.n;
            }
        }
        s.by_region = by_region.into_values().collect();
        s.by_age_band = by_band
            .into_iter()
            .map(|(age_band, persons)| pb::AgeBandCount { age_band, persons })
            .collect();
        s.by_child_age_category = by_category
            .into_iter()
            .map(|(category, children)| pb::ChildAgeCategoryCount { category, children })
            .collect();
        s.by_sex = by_sex
            .into_iter()
            .map(|(sex, persons)| pb::SexCount {
                sex: Sex::try_from(sex).unwrap_or_default() as i32,
                persons,
            })
            .collect();
        s.by_group = by_group
            .into_iter()
            .map(|(group, persons)| pb::GroupCount { group, persons })
            .collect();
        s.by_cause = by_cause
            .into_iter()
            .map(|(cause, (children, adults))| pb::CauseCount {
                cause,
                children,
                adults,
            })
            .collect();
        s.by_nosology = by_nosology
            .into_iter()
            .map(|(nosology_class, (children, adults))| pb::NosologyCount {
                nosology_class,
                children,
                adults,
            })
            .collect();
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

    pub(crate) async fn list_audit_events(
        &self,
        ctx: &Ctx,
        req: pb::ListAuditEventsRequest,
    ) -> Result<pb::ListAuditEventsResponse, ApiError> {
        let claims = ctx.caller.authenticated()?.clone();
        let limit = page_size(req.page_size)?;
        let mut v = Violations::new();
        let person = parse_opt_id("person_id", &req.person_id, &mut v);
        let ts = |t: &prost_types::Timestamp| {
            DateTime::<Utc>::from_timestamp(t.seconds, t.nanos.max(0) as u32)
        };
        let start = req.start_time.as_ref().map(ts);
        let end = req.end_time.as_ref().map(ts);
        v.check(
            !matches!(start, Some(None)),
            "start_time",
            "is out of range",
        );
        v.check(!matches!(end, Some(None)), "end_time", "is out of range");
        if let (Some(Some(s)), Some(Some(e))) = (start, end) {
            v.check(s < e, "end_time", "must be after start_time");
        }
        v.check(
            person.is_some() || !req.actor_subject.is_empty(),
            "person_id",
            "name a person or an actor",
        );
        v.into_result()?;
        match claims.role {
            Role::Auditor | Role::Admin => {}
            // Anyone may see who read their own record.
            Role::Citizen
                if person.is_some()
                    && person == claims.person_id
                    && req.actor_subject.is_empty() => {}
            _ => {
                return Err(ApiError::PermissionDenied(
                    "the audit trail is for auditors".into(),
                ));
            }
        }
        let after = match decode_token(&req.page_token)? {
            None => None,
            Some(pos) => {
                let bad = || ApiError::invalid("page_token", "is not a token this service issued");
                let (t, id) = pos.split_once('/').ok_or_else(bad)?;
                let t: i64 = t.parse().map_err(|_| bad())?;
                Some((
                    DateTime::<Utc>::from_timestamp_micros(t).ok_or_else(bad)?,
                    Uuid::parse_str(id).map_err(|_| bad())?,
                ))
            }
        };
        let f = audit_store::AuditFilter {
            person_id: person,
            actor_subject: (!req.actor_subject.is_empty()).then(|| req.actor_subject.clone()),
            start: start.flatten(),
            end: end.flatten(),
        };
        let mut conn = self.conn().await?;
        let rows = audit_store::list(&mut conn, &f, after, limit + 1).await?;
        let more = rows.len() as i64 > limit;
        let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
        let next = if more {
            rows.last()
                .map(|r| encode_token(&format!("{}/{}", r.event_time.timestamp_micros(), r.id)))
                .unwrap_or_default()
        } else {
            String::new()
        };
        Ok(pb::ListAuditEventsResponse {
            audit_events: rows
                .iter()
                .map(|r| pb::AuditEvent {
                    id: r.id.to_string(),
                    event_time: convert::ts(r.event_time),
                    actor_subject: r.actor_subject.clone(),
                    actor_role: r.actor_role as i32,
                    action: r.action.clone(),
                    person_id: r.person_id.map(|p| p.to_string()).unwrap_or_default(),
                    center_id: r.center_id.map(|c| c.to_string()).unwrap_or_default(),
                    purpose: r.purpose.clone(),
                    allowed: r.allowed,
                    status_code: code_name(tonic::Code::from(r.status_code)),
                    trace_id: r.trace_id.clone(),
                })
                .collect(),
            next_page_token: next,
        })
    }
}
