//! Derived data in the contract's form: centre indicators and the coordinator's statistics.

use chrono::NaiveDate;
use onaltu_api::date;
use onaltu_proto::common::{Money, Period, Sex};
use onaltu_proto::registry as pb;
use uuid::Uuid;

use crate::domain::indicators::Indicators;
use crate::domain::statistics::{self, PersonBreakdowns};
use crate::store::reporting::{
    AidTotal, BenefitCell, EducationCell, HouseholdCell, QueueCell, Treated,
};

/// Centre `center`'s indicators for `period`.
pub(super) fn indicators(center: Uuid, period: Period, i: &Indicators) -> pb::CenterIndicators {
    let d = i.discharges;
    pb::CenterIndicators {
        center_id: center.to_string(),
        period: Some(period),
        admissions: i.admissions,
        planned_admissions: i.planned_admissions,
        discharges: Some(pb::DischargeCounts {
            improved: d.improved,
            no_change: d.no_change,
            worsened: d.worsened,
            continuing: d.continuing,
            total: d.total,
        }),
        median_wait_days: i.median_wait_days,
        p90_wait_days: i.p90_wait_days,
        occupied_bed_days: i.occupied_bed_days,
        available_bed_days: i.available_bed_days,
        other_exits: i.other_exits,
        no_shows: i.no_shows,
    }
}

/// The statistics' figures besides persons, as the store counts them.
pub(super) struct Figures {
    pub households: Vec<HouseholdCell>,
    pub benefits: Vec<BenefitCell>,
    pub aid: AidTotal,
    pub education: Vec<EducationCell>,
    pub queues: Vec<QueueCell>,
    pub treated: Treated,
}

/// The coordinator's statistics of `region` (the country when none) on `as_of`.
pub(super) fn statistics(
    region: Option<&str>,
    as_of: NaiveDate,
    persons: PersonBreakdowns,
    f: Figures,
) -> pb::Statistics {
    let mut s = pb::Statistics {
        region_code: region.unwrap_or_default().to_string(),
        as_of: Some(date(as_of)),
        ..Default::default()
    };
    person_breakdowns(persons, &mut s);
    households(&f.households, &mut s);
    let mut benefits: Vec<_> = f
        .benefits
        .iter()
        .map(|b| pb::BenefitCount {
            benefit: b.benefit as i32,
            households: b.households,
        })
        .collect();
    benefits.sort_by_key(|b| b.benefit);
    s.by_benefit = benefits;
    s.one_time_aid_payments = f.aid.payments;
    s.one_time_aid_total = Some(Money {
        minor_units: f.aid.total_minor,
    });
    education(&f.education, &mut s);
    s.queues = f.queues.iter().map(queue).collect();
    s.coverage = Some(coverage(f.treated.persons, s.persons_total));
    s.children_coverage = Some(coverage(f.treated.children, s.children_total));
    s
}

fn coverage(treated: i64, registered: i64) -> pb::Coverage {
    pb::Coverage {
        treated,
        registered,
        share: statistics::share(treated, registered),
    }
}

fn queue(q: &QueueCell) -> pb::CenterQueueStats {
    pb::CenterQueueStats {
        center_id: q.center_id.to_string(),
        service_form: q.service_form as i32,
        queue_length: q.queue_length,
        median_wait_days: q.median_wait_days,
    }
}

fn households(cells: &[HouseholdCell], s: &mut pb::Statistics) {
    for h in cells {
        s.families_with_special_needs_children += h.with_special_needs_children;
        s.special_needs_children_in_families += h.special_needs_children;
        s.by_housing_status.push(pb::HousingStatusCount {
            housing_status: h.housing_status as i32,
            households: h.households,
        });
    }
    s.by_housing_status.sort_by_key(|h| h.housing_status);
}

fn education(cells: &[EducationCell], s: &mut pb::Statistics) {
    let with_record = cells.iter().map(|e| e.children).sum();
    let mut education: Vec<_> = cells
        .iter()
        .map(|e| pb::EducationStatusCount {
            status: e.status as i32,
            children: e.children,
            with_tutor: e.with_tutor,
        })
        .collect();
    education.sort_by_key(|e| e.status);
    s.children_by_education = education;
    s.children_without_education_record =
        statistics::children_without_record(s.children_total, with_record);
}

/// Totals and the breakdowns by region, age band and child category.
fn person_breakdowns(mut b: PersonBreakdowns, s: &mut pb::Statistics) {
    s.persons_total = b.persons_total;
    s.children_total = b.children_total;
    s.adults_total = b.adults_total;
    s.by_region = std::mem::take(&mut b.by_region)
        .into_iter()
        .map(|r| pb::RegionCount {
            region_code: r.region_code,
            persons: r.persons,
            children: r.children,
            adults: r.adults,
        })
        .collect();
    s.by_age_band = std::mem::take(&mut b.by_age_band)
        .into_iter()
        .map(|(band, persons)| pb::AgeBandCount {
            age_band: band as i32,
            persons,
        })
        .collect();
    s.by_child_age_category = std::mem::take(&mut b.by_child_age_category)
        .into_iter()
        .map(|(category, children)| pb::ChildAgeCategoryCount {
            category: category as i32,
            children,
        })
        .collect();
    person_codes(b, s);
}

/// The breakdowns by the codes of sex, group, cause and nosology.
fn person_codes(b: PersonBreakdowns, s: &mut pb::Statistics) {
    s.by_sex = b
        .by_sex
        .into_iter()
        .map(|(sex, persons)| pb::SexCount {
            sex: Sex::try_from(i32::from(sex)).unwrap_or_default() as i32,
            persons,
        })
        .collect();
    s.by_group = b
        .by_group
        .into_iter()
        .map(|(group, persons)| pb::GroupCount {
            group: i32::from(group),
            persons,
        })
        .collect();
    s.by_cause = b
        .by_cause
        .into_iter()
        .map(|(cause, n)| pb::CauseCount {
            cause: i32::from(cause),
            children: n.children,
            adults: n.adults,
        })
        .collect();
    s.by_nosology = b
        .by_nosology
        .into_iter()
        .map(|(class, n)| pb::NosologyCount {
            nosology_class: i32::from(class),
            children: n.children,
            adults: n.adults,
        })
        .collect();
}
