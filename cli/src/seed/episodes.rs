//! Rehabilitation episodes (оңалту кезеңі) for demo children: a referral (жолдама) to a centre
//! of the child's region, then, as the queue moves, an offer of a place, admission and
//! discharge. Planned deterministically from the seed. Pure: no I/O.
//!
//! Waits from referral to admission are log-normal around each queue's typical wait, itself
//! log-normal across queues (median about 30 days, a long tail of congested queues, capped at
//! 180 days); a stay lasts 14-21 days; discharge outcomes are IMPROVED 60% / NO_CHANGE 28% /
//! WORSENED 3% / CONTINUING 9%; in half the queues the latest offer ends in a no-show, and the
//! registry then offers the place to the next in line. Events that would fall after today have
//! not happened yet, so recent referrals are still QUEUED, OFFERED or ADMITTED.
//!
//! Each centre serves each queue (one per service form) first come, first served: offers go out
//! in referral order, so an episode is offered only after every earlier referral in its queue.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use onaltu_proto::registry::{DischargeOutcome as Outcome, ServiceForm};
use rand::Rng;

use super::families::Child;
use super::ids::{request_id, rng_for};
use super::sample::{chance, log_normal, pick, weighted};
use crate::dates::{add_days, age_on};

/// A centre as the planner needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct CentreInfo {
    /// Centre id.
    pub id: String,
    /// Region, ISO 3166-2:KZ.
    pub region_code: String,
    /// Service forms offered, as contract enum values.
    pub service_forms: Vec<i32>,
    /// Youngest and oldest age served (inclusive; no upper limit when `None`).
    pub ages: (i32, Option<i32>),
}

impl CentreInfo {
    fn serves_age(&self, age: i32) -> bool {
        age >= self.ages.0 && self.ages.1.is_none_or(|max| age <= max)
    }
}

/// One event after the referral, with the request id of its call.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// `OfferPlace` to this episode (QUEUED -> OFFERED).
    Offer {
        /// Date by which the child must arrive: a week after the offer.
        arrival_due: NaiveDate,
        /// Order number.
        order_number: String,
        /// Request id.
        request_id: String,
    },
    /// `AdmitPerson` (OFFERED -> ADMITTED).
    Admit {
        /// Admission date.
        admitted_on: NaiveDate,
        /// Admission order number (бұйрық).
        order_number: String,
        /// Request id.
        request_id: String,
    },
    /// `RecordEpisodeEvent` NO_SHOW the day after the arrival was due.
    NoShow {
        /// Event date.
        date: NaiveDate,
        /// Request id.
        request_id: String,
    },
    /// `RecordEpisodeEvent` DISCHARGED with an outcome.
    Discharge {
        /// Discharge date.
        date: NaiveDate,
        /// Outcome of rehabilitation.
        outcome: Outcome,
        /// Discharge order number.
        order_number: String,
        /// Request id.
        request_id: String,
    },
}

/// One child's episode: the referral and what followed.
#[derive(Debug, Clone, PartialEq)]
pub struct EpisodePlan {
    /// The child's IIN.
    pub iin: String,
    /// Date the referral was received.
    pub referral_date: NaiveDate,
    /// Referral number (жолдама нөмірі).
    pub referral_number: String,
    /// Request id of `EnqueueReferral`.
    pub request_id: String,
    /// Events after the referral, in order.
    pub steps: Vec<Step>,
}

/// One queue: a centre and service form, with its episodes in referral (queue) order.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuePlan {
    /// Centre id.
    pub center_id: String,
    /// Service form of the queue.
    pub service_form: ServiceForm,
    /// Episodes in queue order.
    pub episodes: Vec<EpisodePlan>,
}

/// Every queue, and how many chosen children found no centre.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EpisodesPlan {
    /// Queues, ordered by centre id and form.
    pub queues: Vec<QueuePlan>,
    /// Children chosen for an episode whose programme covers no form any centre offers to their
    /// age, or whose programme was not valid in the last two years.
    pub without_centre: usize,
}

impl EpisodesPlan {
    /// Number of episodes planned.
    pub fn len(&self) -> usize {
        self.queues.iter().map(|q| q.episodes.len()).sum()
    }
}

/// How far back referrals go.
const REFERRAL_DAYS: i64 = 730;

/// Plans episodes for `share` of `children`.
pub fn plan_episodes(
    seed: u64,
    today: NaiveDate,
    share: f64,
    children: &[Child],
    centres: &[CentreInfo],
) -> EpisodesPlan {
    let mut plan = EpisodesPlan::default();
    let mut queues: BTreeMap<(String, i32), Vec<EpisodePlan>> = BTreeMap::new();
    for child in children {
        let mut rng = rng_for(seed, &["episode", &child.iin]);
        if !chance(&mut rng, share) {
            continue;
        }
        let (from, until) = child.programme_valid;
        let earliest = from.max(add_days(today, -REFERRAL_DAYS));
        let latest = until.unwrap_or(today).min(add_days(today, -1));
        if earliest > latest {
            plan.without_centre += 1;
            continue;
        }
        // Referrals mostly follow the programme within weeks.
        let delay = log_normal(&mut rng, 30.0, 0.8).round().min(365.0) as i64;
        let mut referral_date = add_days(from, delay).max(earliest);
        if referral_date > latest {
            let span = (latest - earliest).num_days();
            referral_date = add_days(earliest, rng.random_range(0..=span));
        }
        let age = age_on(child.birth_date, referral_date);
        let fits = |c: &&CentreInfo| {
            c.serves_age(age)
                && c.service_forms
                    .iter()
                    .any(|f| child.programme_forms.contains(f))
        };
        let local: Vec<&CentreInfo> = centres
            .iter()
            .filter(|c| c.region_code == child.region_code)
            .filter(fits)
            .collect();
        let candidates = if local.is_empty() {
            centres.iter().filter(fits).collect()
        } else {
            local
        };
        if candidates.is_empty() {
            plan.without_centre += 1;
            continue;
        }
        let centre = *pick(&mut rng, &candidates);
        let forms: Vec<i32> = centre
            .service_forms
            .iter()
            .copied()
            .filter(|f| child.programme_forms.contains(f))
            .collect();
        let form = *pick(&mut rng, &forms);
        queues
            .entry((centre.id.clone(), form))
            .or_default()
            .push(EpisodePlan {
                iin: child.iin.clone(),
                referral_date,
                referral_number: format!(
                    "Ж-{}-{:06}",
                    referral_date.year(),
                    rng.random_range(0..1_000_000)
                ),
                request_id: request_id(seed, &["enqueue", &child.iin]),
                steps: Vec::new(),
            });
    }
    for ((center_id, form), mut episodes) in queues {
        episodes.sort_by(|a, b| (a.referral_date, &a.iin).cmp(&(b.referral_date, &b.iin)));
        // How congested this queue is: the typical wait of its referrals.
        let mut queue_rng = rng_for(seed, &["queue", &center_id, &form.to_string()]);
        let typical_wait = log_normal(&mut queue_rng, 30.0, 0.6).clamp(7.0, 150.0);
        let mut last_offer = None;
        for episode in &mut episodes {
            last_offer = Some(plan_steps(seed, today, typical_wait, episode, last_offer));
        }
        plan_no_show(seed, today, &mut episodes);
        plan.queues.push(QueuePlan {
            center_id,
            service_form: ServiceForm::try_from(form).unwrap_or(ServiceForm::Unspecified),
            episodes,
        });
    }
    plan
}

/// Share of queues whose latest offer ends in a no-show.
const NO_SHOW_SHARE: f64 = 0.5;

/// Turns the latest offer of a queue into a no-show, for some queues. Only the latest: the
/// registry hands the place of a no-show to the next in line at once, which would overtake the
/// offers planned for later referrals.
fn plan_no_show(seed: u64, today: NaiveDate, episodes: &mut [EpisodePlan]) {
    let Some(last) = episodes.iter_mut().rev().find(|e| !e.steps.is_empty()) else {
        return;
    };
    let mut rng = rng_for(seed, &["no-show", &last.iin]);
    let Some(Step::Offer { arrival_due, .. }) = last.steps.first() else {
        return;
    };
    let date = add_days(*arrival_due, 1);
    if date <= today && chance(&mut rng, NO_SHOW_SHARE) {
        last.steps.truncate(1);
        last.steps.push(Step::NoShow {
            date,
            request_id: request_id(seed, &["no-show", &last.iin]),
        });
    }
}

/// Fills in an episode's steps and returns the date of its offer (which may lie after today:
/// then it has not happened and the episode is still queued). Offers never precede
/// `last_offer`, the previous offer in the same queue, and the wait scatters around the queue's
/// typical wait.
fn plan_steps(
    seed: u64,
    today: NaiveDate,
    typical_wait: f64,
    episode: &mut EpisodePlan,
    last_offer: Option<NaiveDate>,
) -> NaiveDate {
    let iin = episode.iin.clone();
    let mut rng = rng_for(seed, &["episode-steps", &iin]);
    let rng = &mut rng;
    let wait = log_normal(rng, typical_wait, 0.3).round().clamp(3.0, 180.0) as i64;
    let lead = rng.random_range(0..=6);
    let offer = add_days(episode.referral_date, wait - lead)
        .max(episode.referral_date)
        .max(last_offer.unwrap_or(episode.referral_date));
    if offer > today {
        return offer;
    }
    let order = |rng: &mut rand_chacha::ChaCha8Rng| format!("{:04}-Б", rng.random_range(1..10_000));
    let arrival_due = add_days(offer, 7);
    episode.steps.push(Step::Offer {
        arrival_due,
        order_number: order(rng),
        request_id: request_id(seed, &["offer", &iin]),
    });
    let admitted_on = add_days(offer, lead);
    if admitted_on > today {
        return offer;
    }
    episode.steps.push(Step::Admit {
        admitted_on,
        order_number: order(rng),
        request_id: request_id(seed, &["admit", &iin]),
    });
    let discharged_on = add_days(admitted_on, rng.random_range(14..=21));
    if discharged_on <= today {
        let outcome = weighted(
            rng,
            &[
                (Outcome::Improved, 60.0),
                (Outcome::NoChange, 28.0),
                (Outcome::Worsened, 3.0),
                (Outcome::Continuing, 9.0),
            ],
        );
        episode.steps.push(Step::Discharge {
            date: discharged_on,
            outcome,
            order_number: order(rng),
            request_id: request_id(seed, &["discharge", &iin]),
        });
    }
    offer
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::regions::Regions;
    use crate::seed::population::{Population, PopulationSpec};
    use onaltu_proto::registry::EpisodeState;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn children() -> Vec<Child> {
        let spec = PopulationSpec {
            seed: 42,
            today: today(),
            region: None,
        };
        Population::new(spec, &Regions::builtin().unwrap())
            .unwrap()
            .take(20_000)
            .filter_map(|p| Child::from_person(&p))
            .collect()
    }

    fn centres() -> Vec<CentreInfo> {
        let mut centres = Vec::new();
        for (i, region) in Regions::builtin().unwrap().all().iter().enumerate() {
            centres.push(CentreInfo {
                id: format!("centre-{i:02}-a"),
                region_code: region.code.clone(),
                service_forms: vec![ServiceForm::Stationary as i32],
                ages: (0, Some(17)),
            });
            centres.push(CentreInfo {
                id: format!("centre-{i:02}-b"),
                region_code: region.code.clone(),
                service_forms: vec![ServiceForm::Outpatient as i32],
                ages: (0, Some(3)),
            });
        }
        centres
    }

    /// The state the episode ends in once every step is applied.
    fn final_state(e: &EpisodePlan) -> EpisodeState {
        match e.steps.last() {
            None => EpisodeState::Queued,
            Some(Step::Offer { .. }) => EpisodeState::Offered,
            Some(Step::Admit { .. }) => EpisodeState::Admitted,
            Some(Step::NoShow { .. }) => EpisodeState::NoShow,
            Some(Step::Discharge { .. }) => EpisodeState::Discharged,
        }
    }

    fn offer_date(e: &EpisodePlan) -> Option<NaiveDate> {
        e.steps.iter().find_map(|s| match s {
            Step::Offer { arrival_due, .. } => Some(add_days(*arrival_due, -7)),
            _ => None,
        })
    }

    #[test]
    fn queues_are_served_in_referral_order_and_nothing_happens_after_today() {
        let children = children();
        let plan = plan_episodes(42, today(), 0.25, &children, &centres());
        let chosen = plan.len() + plan.without_centre;
        let share = chosen as f64 / children.len() as f64;
        assert!((share - 0.25).abs() < 0.02, "{share}");
        for queue in &plan.queues {
            let mut last_referral = None;
            let mut last_offer = None;
            let mut queued_seen = false;
            for (i, e) in queue.episodes.iter().enumerate() {
                assert!(last_referral <= Some(e.referral_date));
                last_referral = Some(e.referral_date);
                match offer_date(e) {
                    Some(offer) => {
                        assert!(!queued_seen, "an offer skipped an earlier referral");
                        assert!(last_offer <= Some(offer));
                        assert!(offer >= e.referral_date);
                        last_offer = Some(offer);
                    }
                    None => queued_seen = true,
                }
                if matches!(e.steps.last(), Some(Step::NoShow { .. })) {
                    let later = &queue.episodes[i + 1..];
                    assert!(
                        later.iter().all(|x| x.steps.is_empty()),
                        "a no-show before later offers"
                    );
                }
                for step in &e.steps {
                    let date = match step {
                        Step::Offer { arrival_due, .. } => add_days(*arrival_due, -7),
                        Step::Admit { admitted_on, .. } => *admitted_on,
                        Step::NoShow { date, .. } | Step::Discharge { date, .. } => *date,
                    };
                    assert!(date <= today());
                }
            }
        }
    }

    #[test]
    fn waits_stays_and_outcomes_are_realistic() {
        let plan = plan_episodes(42, today(), 0.5, &children(), &centres());
        let mut waits = Vec::new();
        let mut states: HashMap<EpisodeState, usize> = HashMap::new();
        for e in plan.queues.iter().flat_map(|q| &q.episodes) {
            *states.entry(final_state(e)).or_default() += 1;
            let admitted = e.steps.iter().find_map(|s| match s {
                Step::Admit { admitted_on, .. } => Some(*admitted_on),
                _ => None,
            });
            if let Some(admitted) = admitted {
                waits.push((admitted - e.referral_date).num_days());
                let due = e.steps.iter().find_map(|s| match s {
                    Step::Offer { arrival_due, .. } => Some(*arrival_due),
                    _ => None,
                });
                assert!(admitted <= due.unwrap());
            }
            if let Some(Step::Discharge { date, .. }) = e.steps.last() {
                let stay = e.steps.iter().find_map(|s| match s {
                    Step::Admit { admitted_on, .. } => Some((*date - *admitted_on).num_days()),
                    _ => None,
                });
                assert!((14..=21).contains(&stay.unwrap()));
            }
        }
        waits.sort_unstable();
        let median = waits[waits.len() / 2];
        assert!((20..=60).contains(&median), "median wait {median}");
        let total = plan.len() as f64;
        let discharged = states[&EpisodeState::Discharged] as f64 / total;
        assert!(discharged > 0.6, "{discharged}");
        assert!(states.get(&EpisodeState::Queued).copied().unwrap_or(0) > 0);
        assert!(states.get(&EpisodeState::NoShow).copied().unwrap_or(0) > 0);
    }

    #[test]
    fn children_go_to_a_centre_of_their_region_that_serves_their_age() {
        let children = children();
        let centres = centres();
        let plan = plan_episodes(42, today(), 0.25, &children, &centres);
        let by_iin: HashMap<&str, &Child> = children.iter().map(|c| (c.iin.as_str(), c)).collect();
        for queue in &plan.queues {
            let centre = centres.iter().find(|c| c.id == queue.center_id).unwrap();
            for e in &queue.episodes {
                let child = by_iin[e.iin.as_str()];
                assert_eq!(centre.region_code, child.region_code);
                assert!(centre.serves_age(age_on(child.birth_date, e.referral_date)));
                assert!(child.programme_forms.contains(&(queue.service_form as i32)));
            }
        }
        assert_eq!(plan, plan_episodes(42, today(), 0.25, &children, &centres));
    }
}
