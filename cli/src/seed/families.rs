//! Households of children with disabilities (отбасы) and the children's education (білім алу),
//! planned deterministically from the seed. Pure: no I/O.
//!
//! Housing status follows NOT_NEEDED 55% / NEEDS_HOUSING 15% / ON_WAITLIST 20% / PROVIDED 10%;
//! nearly every household receives the state disability benefit and the carer's benefit, some
//! targeted social assistance or housing assistance, and a quarter had one-time material aid.
//! Education: preschool under 7; from 7 a general school, a special school or home schooling,
//! as the child's needs make likely; about 5% without access to education.

use chrono::{Datelike, NaiveDate};
use onaltu_kzid::Sex;
use onaltu_proto::common::Money;
use onaltu_proto::registry::{
    BenefitKind as Benefit, ChildEducation, EducationStatus as Status, Household, HouseholdMember,
    HouseholdRelation as Relation, HousingStatus as Housing, Needs, OneTimeAid, Person,
    SocialSupport,
};
use rand::Rng;

use super::ids::{request_id, rng_for};
use super::names::{self, FamilyName, Origin};
use super::population::{Family, SeedPerson};
use super::sample::{chance, pick, weighted};
use crate::dates::{add_days, add_years, age_on, to_proto};

/// What later steps keep of a generated child: enough to plan the household, education and a
/// rehabilitation episode without keeping the whole person.
#[derive(Debug, Clone)]
pub struct Child {
    /// IIN (ЖСН), the key to find the registered person.
    pub iin: String,
    /// Birth date.
    pub birth_date: NaiveDate,
    /// Region, ISO 3166-2:KZ.
    pub region_code: String,
    /// Needs.
    pub needs: Needs,
    /// Family.
    pub family: Family,
    /// Service forms of the rehabilitation programme (ЖОБ/ИПР), as contract enum values.
    pub programme_forms: Vec<i32>,
    /// First and last day of the programme; the last is `None` when it has no end.
    pub programme_valid: (NaiveDate, Option<NaiveDate>),
}

impl Child {
    /// The child's record, or `None` for an adult.
    pub fn from_person(p: &SeedPerson) -> Option<Self> {
        let family = p.family.clone()?;
        let programme = p
            .assessment
            .rehabilitation_programme
            .clone()
            .unwrap_or_default();
        let from = programme
            .valid_from
            .as_ref()
            .and_then(crate::dates::from_proto)
            .unwrap_or(p.birth_date);
        let until = programme
            .valid_until
            .as_ref()
            .and_then(crate::dates::from_proto);
        Some(Self {
            iin: p.person.iin.clone(),
            birth_date: p.birth_date,
            region_code: p.person.region_code.clone(),
            needs: p.person.needs.unwrap_or_default(),
            family,
            programme_forms: programme.service_forms,
            programme_valid: (from, until),
        })
    }
}

/// A household to upsert: the registered children are its first members, in the order of
/// `child_iins`, with `person_id` left for the caller to fill in.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdPlan {
    /// Deterministic request id of the `UpsertHousehold` call.
    pub request_id: String,
    /// IINs of the registered children, in member order.
    pub child_iins: Vec<String>,
    /// The household.
    pub household: Household,
}

fn full_name(surname: &str, given: &str, patronymic: &str) -> String {
    [surname, given, patronymic]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A parent's full name. In a family whose children's surnames are made from the father's name,
/// each parent's surname is made from their own father's name.
fn parent_name(rng: &mut impl Rng, family: &FamilyName, sex: Sex, mother: usize) -> String {
    let given = match sex {
        Sex::Male => family.father_given_name(),
        Sex::Female => names::given_name(family.origin, Sex::Female, mother),
    };
    let own_father = FamilyName {
        father: rng.random_range(0..64),
        ..family.clone()
    };
    let surname = match (&family.surname, family.origin) {
        (Some(surname), _) => names::gendered_surname(surname, sex),
        (None, _) => own_father.surname_for(sex),
    };
    let patronymic = match family.origin {
        Origin::Kazakh if family.surname.is_none() => String::new(),
        _ => own_father.patronymic_for(sex),
    };
    full_name(&surname, given, &patronymic)
}

/// Plans the household of one family's registered children (one or two).
pub fn plan_household(seed: u64, today: NaiveDate, children: &[Child]) -> Option<HouseholdPlan> {
    let first = children.first()?;
    let family = &first.family;
    let mut rng = rng_for(seed, &["household", &first.iin]);
    let rng = &mut rng;
    let eldest = children.iter().map(|c| c.birth_date).min()?;
    let mother_born = add_days(
        add_years(eldest, -rng.random_range(20..=38)),
        -rng.random_range(0..365),
    );
    let father_born = add_years(mother_born, -rng.random_range(-2..=6));
    let single_mother = chance(rng, 0.22);
    let mut members: Vec<HouseholdMember> = children
        .iter()
        .map(|c| HouseholdMember {
            birth_date: Some(to_proto(c.birth_date)),
            relation: Relation::Child as i32,
            has_disability: true,
            ..HouseholdMember::default()
        })
        .collect();
    let mother = HouseholdMember {
        full_name: parent_name(rng, &family.name, Sex::Female, family.mother),
        birth_date: Some(to_proto(mother_born)),
        relation: if single_mother {
            Relation::Head
        } else {
            Relation::Spouse
        } as i32,
        ..HouseholdMember::default()
    };
    if !single_mother {
        members.push(HouseholdMember {
            full_name: parent_name(rng, &family.name, Sex::Male, family.mother),
            birth_date: Some(to_proto(father_born)),
            relation: Relation::Head as i32,
            ..HouseholdMember::default()
        });
    }
    members.push(mother);
    let brothers_and_sisters = weighted(rng, &[(0, 30.0), (1, 40.0), (2, 20.0), (3, 10.0)]);
    for _ in 0..brothers_and_sisters {
        let sex = if chance(rng, 0.5) {
            Sex::Male
        } else {
            Sex::Female
        };
        let earliest = add_years(mother_born, 18);
        let span = (today - earliest).num_days().max(1);
        let born = add_days(earliest, rng.random_range(0..span));
        members.push(HouseholdMember {
            full_name: full_name(
                &family.name.surname_for(sex),
                names::given_name(family.name.origin, sex, rng.random_range(0..64)),
                &family.name.patronymic_for(sex),
            ),
            birth_date: Some(to_proto(born)),
            relation: Relation::Child as i32,
            ..HouseholdMember::default()
        });
    }
    if chance(rng, 0.12) {
        let grandmother = rng.random_range(0..64);
        members.push(HouseholdMember {
            full_name: parent_name(rng, &family.name, Sex::Female, grandmother),
            birth_date: Some(to_proto(add_years(mother_born, -rng.random_range(20..=30)))),
            relation: Relation::Parent as i32,
            ..HouseholdMember::default()
        });
    }
    let housing = weighted(
        rng,
        &[
            (Housing::NotNeeded, 55.0),
            (Housing::NeedsHousing, 15.0),
            (Housing::OnWaitlist, 20.0),
            (Housing::Provided, 10.0),
        ],
    );
    let mut benefits = Vec::new();
    for (benefit, p) in [
        (Benefit::StateDisabilityBenefit, 0.95),
        (Benefit::ChildCarerBenefit, 0.90),
        (
            Benefit::TargetedSocialAssistance,
            if single_mother { 0.30 } else { 0.12 },
        ),
        (
            Benefit::HousingAssistance,
            if matches!(housing, Housing::NeedsHousing | Housing::OnWaitlist) {
                0.25
            } else {
                0.05
            },
        ),
        (Benefit::SpecialStateBenefit, 0.03),
    ] {
        if chance(rng, p) {
            benefits.push(benefit as i32);
        }
    }
    let mut one_time_aid = Vec::new();
    if chance(rng, 0.25) {
        for _ in 0..rng.random_range(1..=2) {
            let tenge: i64 = rng.random_range(20..=150) * 1_000;
            one_time_aid.push(OneTimeAid {
                paid_on: Some(to_proto(add_days(today, -rng.random_range(1..=730)))),
                amount: Some(Money {
                    minor_units: tenge * 100,
                }),
                purpose: pick(rng, AID_PURPOSES).to_string(),
            });
        }
        one_time_aid.sort_by_key(|a| a.paid_on.map(|d| (d.year, d.month, d.day)));
    }
    Some(HouseholdPlan {
        request_id: request_id(seed, &["household", &first.iin]),
        child_iins: children.iter().map(|c| c.iin.clone()).collect(),
        household: Household {
            members,
            special_needs_children_count: children.len() as i32,
            housing_status: housing as i32,
            social_support: Some(SocialSupport {
                benefits,
                one_time_aid,
            }),
            ..Household::default()
        },
    })
}

/// Purposes of one-time material aid (біржолғы материалдық көмек).
const AID_PURPOSES: &[&str] = &[
    "Баланы мектепке дайындау",
    "Емделуге және дәрі-дәрмекке",
    "Оңалту орталығына жол жүру",
    "Коммуналдық төлемдер",
    "Техникалық көмекші құралдар",
];

/// Notes on the quality of home schooling (үйде оқыту сапасы).
const HOME_SCHOOLING_NOTES: &[&str] = &[
    "Мұғалім аптасына 8 сағат келеді, бағдарлама бейімделген",
    "Сабақтар үйде және онлайн аралас өтеді",
    "Мұғалім жиі ауысады, сабақ кестесі тұрақсыз",
    "Ата-ана оқу сапасына қанағаттанады",
];

/// Share of families whose mother is registered as her children's legal representative (заңды
/// өкіл), so that she evaluates their services and signs in for them.
pub const REPRESENTED_SHARE: f64 = 0.2;

/// The mother of a household, registered in her own right as the legal representative of its
/// registered children: an adult of the children's region, her IIN made from her birth date.
#[derive(Debug, Clone, PartialEq)]
pub struct RepresentativePlan {
    /// Deterministic request id of the `CreatePerson` call.
    pub request_id: String,
    /// The mother as a person of the registry.
    pub person: Person,
}

/// The representative of `plan`'s children for about [`REPRESENTED_SHARE`] of families: the
/// household's mother (`None` for the other families).
pub fn plan_representative(
    seed: u64,
    plan: &HouseholdPlan,
    region_code: &str,
) -> Option<RepresentativePlan> {
    let first = plan.child_iins.first()?;
    let mut rng = rng_for(seed, &["representative", first]);
    if !chance(&mut rng, REPRESENTED_SHARE) {
        return None;
    }
    // The mother is pushed after the father: the last head or spouse of the household.
    let mother = plan.household.members.iter().rev().find(|m| {
        matches!(
            Relation::try_from(m.relation),
            Ok(Relation::Head | Relation::Spouse)
        ) && !m.full_name.is_empty()
    })?;
    let born = mother
        .birth_date
        .as_ref()
        .and_then(crate::dates::from_proto)?;
    let start = rng.random_range(0..10_000u32);
    let iin = (0..10_000u32)
        .find_map(|i| onaltu_kzid::Iin::generate(born, Sex::Female, (start + i) % 10_000))?;
    let mut names = mother.full_name.split_whitespace();
    let surname = names.next()?.to_string();
    let given_name = names.next()?.to_string();
    let patronymic = names.collect::<Vec<_>>().join(" ");
    Some(RepresentativePlan {
        request_id: request_id(seed, &["representative", first]),
        person: Person {
            iin,
            surname,
            given_name,
            patronymic,
            sex: onaltu_proto::common::Sex::Female as i32,
            region_code: region_code.to_string(),
            ..Person::default()
        },
    })
}

/// The education status of a child aged 3-17 on `today`; `None` for younger children.
pub fn plan_education(seed: u64, today: NaiveDate, child: &Child) -> Option<ChildEducation> {
    let age = age_on(child.birth_date, today);
    if !(3..18).contains(&age) {
        return None;
    }
    let mut rng = rng_for(seed, &["education", &child.iin]);
    let rng = &mut rng;
    let needs = &child.needs;
    let status = if age < 7 {
        weighted(rng, &[(Status::Preschool, 94.0), (Status::NoAccess, 6.0)])
    } else if needs.intellectual_disability {
        weighted(
            rng,
            &[
                (Status::AtSchool, 20.0),
                (Status::SpecialSchool, 45.0),
                (Status::HomeSchooled, 30.0),
                (Status::NoAccess, 5.0),
            ],
        )
    } else if needs.wheelchair_user {
        weighted(
            rng,
            &[
                (Status::AtSchool, 30.0),
                (Status::SpecialSchool, 18.0),
                (Status::HomeSchooled, 45.0),
                (Status::NoAccess, 7.0),
            ],
        )
    } else {
        weighted(
            rng,
            &[
                (Status::AtSchool, 50.0),
                (Status::SpecialSchool, 22.0),
                (Status::HomeSchooled, 23.0),
                (Status::NoAccess, 5.0),
            ],
        )
    };
    let has_tutor = match status {
        Status::AtSchool => chance(rng, 0.35),
        Status::HomeSchooled => chance(rng, 0.45),
        Status::SpecialSchool => chance(rng, 0.10),
        Status::Preschool => chance(rng, 0.15),
        _ => false,
    };
    let home_schooling_quality_note = if status == Status::HomeSchooled {
        pick(rng, HOME_SCHOOLING_NOTES).to_string()
    } else {
        String::new()
    };
    // The status as of the start of the school year (1 September).
    let year = if today.month() >= 9 {
        today.year()
    } else {
        today.year() - 1
    };
    let as_of = NaiveDate::from_ymd_opt(year, 9, 1)
        .unwrap_or(today)
        .max(child.birth_date);
    Some(ChildEducation {
        status: status as i32,
        has_tutor,
        home_schooling_quality_note,
        as_of: Some(to_proto(as_of)),
        ..ChildEducation::default()
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::regions::Regions;
    use crate::seed::population::{Population, PopulationSpec};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn children(n: usize) -> Vec<Child> {
        let spec = PopulationSpec {
            seed: 42,
            today: today(),
            region: None,
        };
        Population::new(spec, &Regions::builtin().unwrap())
            .unwrap()
            .take(n)
            .filter_map(|p| Child::from_person(&p))
            .collect()
    }

    fn families(children: &[Child]) -> Vec<Vec<Child>> {
        let mut by_family: BTreeMap<u64, Vec<Child>> = BTreeMap::new();
        for c in children {
            by_family.entry(c.family.id).or_default().push(c.clone());
        }
        by_family.into_values().collect()
    }

    #[test]
    fn households_hold_their_children_and_follow_the_housing_shares() {
        let families = families(&children(20_000));
        let plans: Vec<HouseholdPlan> = families
            .iter()
            .map(|f| plan_household(42, today(), f).unwrap())
            .collect();
        for (plan, family) in plans.iter().zip(&families) {
            let h = &plan.household;
            assert_eq!(h.special_needs_children_count as usize, family.len());
            assert_eq!(plan.child_iins.len(), family.len());
            assert!(h.members[..family.len()].iter().all(|m| m.has_disability));
            let heads = h
                .members
                .iter()
                .filter(|m| m.relation == Relation::Head as i32)
                .count();
            assert_eq!(heads, 1);
            for aid in &h.social_support.as_ref().unwrap().one_time_aid {
                assert!(aid.amount.unwrap().minor_units >= 2_000_000);
            }
        }
        let share = |s: Housing| {
            plans
                .iter()
                .filter(|p| p.household.housing_status == s as i32)
                .count() as f64
                / plans.len() as f64
        };
        assert!((share(Housing::NotNeeded) - 0.55).abs() < 0.03);
        assert!((share(Housing::OnWaitlist) - 0.20).abs() < 0.03);
        assert!(families.iter().any(|f| f.len() == 2));
        assert_eq!(plans[0], plan_household(42, today(), &families[0]).unwrap());
    }

    #[test]
    fn education_follows_age() {
        let children = children(20_000);
        let plans: Vec<(i32, ChildEducation)> = children
            .iter()
            .filter_map(|c| {
                plan_education(42, today(), c).map(|e| (age_on(c.birth_date, today()), e))
            })
            .collect();
        assert!(!plans.is_empty());
        for (age, e) in &plans {
            assert!((3..18).contains(age));
            let status = Status::try_from(e.status).unwrap();
            if *age < 7 {
                assert!(matches!(status, Status::Preschool | Status::NoAccess));
            } else {
                assert_ne!(status, Status::Preschool);
            }
            assert_eq!(
                status == Status::HomeSchooled,
                !e.home_schooling_quality_note.is_empty()
            );
        }
        let no_access = plans
            .iter()
            .filter(|(_, e)| e.status == Status::NoAccess as i32)
            .count() as f64
            / plans.len() as f64;
        assert!((0.03..0.08).contains(&no_access), "{no_access}");
    }
    #[test]
    fn about_a_fifth_of_mothers_represent_their_children() {
        let children = children(400);
        let plans: Vec<_> = families(&children)
            .iter()
            .filter_map(|f| plan_household(42, today(), f))
            .collect();
        let mothers: Vec<_> = plans
            .iter()
            .filter_map(|p| plan_representative(42, p, "KZ-71"))
            .collect();
        let share = mothers.len() as f64 / plans.len() as f64;
        assert!((0.1..0.3).contains(&share), "share {share}");
        for m in &mothers {
            assert_eq!(m.person.sex, onaltu_proto::common::Sex::Female as i32);
            assert!(!m.person.surname.is_empty() && !m.person.given_name.is_empty());
            assert!(
                onaltu_kzid::Iin::parse(&m.person.iin, today()).is_ok(),
                "{}",
                m.person.iin
            );
        }
        let again: Vec<_> = plans
            .iter()
            .filter_map(|p| plan_representative(42, p, "KZ-71"))
            .collect();
        assert_eq!(mothers, again, "the same seed registers the same mothers");
    }
}
