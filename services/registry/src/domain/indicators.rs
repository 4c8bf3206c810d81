//! A centre's registry-derived indicators for a period (for the rating): admissions and their
//! waits, discharges by outcome, occupied and available bed-days, planned admissions.

use chrono::{Datelike, NaiveDate};
use onaltu_proto::registry::{DischargeOutcome, ServiceForm};

use super::statistics::median_and_p90;

/// What an episode contributes, as the registry holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stay {
    /// Service form (stationary stays occupy beds).
    pub service_form: i16,
    /// Referral date.
    pub referral_date: NaiveDate,
    /// Admission date.
    pub admitted_on: Option<NaiveDate>,
    /// End date.
    pub ended_on: Option<NaiveDate>,
    /// Discharge outcome (0 for other endings).
    pub discharge_outcome: i16,
    /// Whether it ended as a no-show.
    pub no_show: bool,
}

/// A centre's capacity and plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Plan {
    /// Beds, for stationary care.
    pub beds: Option<i32>,
    /// Planned admissions per month.
    pub admissions_per_month: Option<i32>,
}

/// Discharges in a period by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Discharges {
    /// Discharged IMPROVED.
    pub improved: i64,
    /// Discharged NO_CHANGE.
    pub no_change: i64,
    /// Discharged WORSENED.
    pub worsened: i64,
    /// Discharged CONTINUING.
    pub continuing: i64,
    /// All discharges.
    pub total: i64,
}

/// A centre's registry-derived indicators for one period.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Indicators {
    /// Admissions in the period.
    pub admissions: i64,
    /// Planned admissions, when the centre has a plan.
    pub planned_admissions: Option<i64>,
    /// Discharges by outcome.
    pub discharges: Discharges,
    /// Median wait, referral to admission, in days; none without admissions.
    pub median_wait_days: Option<f64>,
    /// 90th percentile of that wait.
    pub p90_wait_days: Option<f64>,
    /// Occupied bed-days (төсек-күн).
    pub occupied_bed_days: i64,
    /// Available bed-days; none for centres without beds.
    pub available_bed_days: Option<i64>,
    /// Other episodes ended (transferred, expelled, terminated).
    pub other_exits: i64,
    /// Offers that ended in a no-show.
    pub no_shows: i64,
}

/// The indicators of the period `[start, end]` (inclusive) from the stays that touch it: an
/// admission inside it counts with its wait (referral to admission); an ending inside it counts
/// by outcome (improved, no change, worsened, continuing; anything else is another exit);
/// bed-days run from admission (or the period's start) to the day before discharge (or the
/// period's end, inclusive); available bed-days are beds times days; the plan is the monthly
/// plan times months.
pub fn center_indicators(
    stays: &[Stay],
    start: NaiveDate,
    end: NaiveDate,
    plan: Plan,
) -> Indicators {
    let mut indicators = Indicators::default();
    let mut discharges = Discharges::default();
    let mut waits = Vec::new();
    let mut bed_days = 0i64;
    let within = |d: NaiveDate| (start..=end).contains(&d);
    for s in stays {
        if s.no_show {
            indicators.no_shows += 1;
            continue;
        }
        let Some(admitted) = s.admitted_on else {
            continue;
        };
        if within(admitted) {
            indicators.admissions += 1;
            waits.push((admitted - s.referral_date).num_days() as i32);
        }
        if s.ended_on.is_some_and(within) {
            match DischargeOutcome::try_from(i32::from(s.discharge_outcome)) {
                Ok(DischargeOutcome::Improved) => discharges.improved += 1,
                Ok(DischargeOutcome::NoChange) => discharges.no_change += 1,
                Ok(DischargeOutcome::Worsened) => discharges.worsened += 1,
                Ok(DischargeOutcome::Continuing) => discharges.continuing += 1,
                _ => indicators.other_exits += 1,
            }
        }
        if s.service_form == ServiceForm::Stationary as i16 {
            let from = admitted.max(start);
            let to = match s.ended_on {
                Some(e) if e <= end => e,
                _ => end.succ_opt().unwrap_or(end),
            };
            bed_days += (to - from).num_days().max(0);
        }
    }
    discharges.total =
        discharges.improved + discharges.no_change + discharges.worsened + discharges.continuing;
    let (median, p90) = median_and_p90(&mut waits);
    indicators.discharges = discharges;
    indicators.median_wait_days = median;
    indicators.p90_wait_days = p90;
    indicators.occupied_bed_days = bed_days;
    indicators.available_bed_days = plan
        .beds
        .map(|b| i64::from(b) * ((end - start).num_days() + 1));
    indicators.planned_admissions = plan.admissions_per_month.map(|m| {
        let months =
            (end.year() - start.year()) * 12 + end.month() as i32 - start.month() as i32 + 1;
        i64::from(m) * i64::from(months)
    });
    indicators
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn stay(
        admitted: Option<NaiveDate>,
        ended: Option<NaiveDate>,
        outcome: DischargeOutcome,
    ) -> Stay {
        Stay {
            service_form: ServiceForm::Stationary as i16,
            referral_date: d(1, 1),
            admitted_on: admitted,
            ended_on: ended,
            discharge_outcome: outcome as i16,
            no_show: false,
        }
    }

    #[test]
    fn a_quarter_counts_admissions_discharges_and_bed_days_inside_it() {
        // Q2 2026: 1 April - 30 June, 91 days.
        let (start, end) = (d(4, 1), d(6, 30));
        let stays = [
            // Admitted 10 April (wait 99 days), discharged improved 20 April: 10 bed-days.
            stay(Some(d(4, 10)), Some(d(4, 20)), DischargeOutcome::Improved),
            // Admitted in March, still there: 1 April - 30 June inclusive = 91 bed-days.
            stay(Some(d(3, 15)), None, DischargeOutcome::Unspecified),
            // Admitted 1 June (wait 151 days), expelled 5 June: another exit, 4 bed-days.
            stay(Some(d(6, 1)), Some(d(6, 5)), DischargeOutcome::Unspecified),
            Stay {
                no_show: true,
                ..stay(None, Some(d(5, 1)), DischargeOutcome::Unspecified)
            },
        ];
        let plan = Plan {
            beds: Some(10),
            admissions_per_month: Some(4),
        };
        let i = center_indicators(&stays, start, end, plan);
        assert_eq!(i.admissions, 2);
        assert_eq!(i.no_shows, 1);
        assert_eq!(i.other_exits, 1);
        let discharges = i.discharges;
        assert_eq!((discharges.improved, discharges.total), (1, 1));
        assert_eq!(i.occupied_bed_days, 10 + 91 + 4);
        assert_eq!(i.available_bed_days, Some(10 * 91));
        assert_eq!(i.planned_admissions, Some(4 * 3));
        // Waits 99 and 151: the median of two is their mean.
        assert_eq!(i.median_wait_days, Some(125.0));
    }

    #[test]
    fn day_care_occupies_no_beds_and_a_centre_without_beds_has_none_available() {
        let mut s = stay(Some(d(4, 10)), Some(d(4, 20)), DischargeOutcome::NoChange);
        s.service_form = ServiceForm::SemiStationary as i16;
        let i = center_indicators(&[s], d(4, 1), d(6, 30), Plan::default());
        assert_eq!(i.occupied_bed_days, 0);
        assert_eq!(i.available_bed_days, None);
        assert_eq!(i.planned_admissions, None);
        assert_eq!(i.discharges.no_change, 1);
    }
}
