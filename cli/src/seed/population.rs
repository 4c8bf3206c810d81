//! Demo persons with disabilities (мүгедектігі бар адамдар) and their current assessments
//! (МӘС шешімі), generated deterministically from a seed. Pure: no I/O.
//!
//! The shape follows the source figures: ages in Astana's bands of 30.06.2022 (16,651 aged 18+,
//! 562 aged 16-17, 315 aged 15, 6,400 aged 14 and under, out of 23,928), regions in proportion to
//! the children with disabilities each registered in 2022, a few more boys than girls among
//! children, Kazakh and Russian names (kk 60% / ru 40% preferred language), needs that follow the
//! nosology, adult groups 1/2/3 at 15/45/40%, and causes and nosologies typical of each age.
//! Some children come with a brother or sister who also has a disability, sharing the family's
//! name and address.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};
use onaltu_kzid::{Iin, Sex};
use onaltu_proto::common::{self, GeoPoint, Language};
use onaltu_proto::registry::{
    Assessment, DisabilityCause as Cause, DisabilityGroup as Group, ImportPersonsRequest, Needs,
    NosologyClass as Nosology, Person, RehabilitationProgramme, ServiceForm,
};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::ids::rng_for;
use super::names::{self, FamilyName, Origin};
use super::places::{MOBILE_PREFIXES, STREETS, region_places};
use super::sample::{chance, pick, weighted};
use crate::dates::{add_days, add_years, age_on, child_category_law, to_proto};
use crate::regions::Regions;

/// Age bands of the coordinator's statistics (жас тобы), with Astana's counts of 30.06.2022.
pub const ASTANA_AGE_BANDS: [(AgeBand, f64); 4] = [
    (AgeBand::UpTo14, 6_400.0),
    (AgeBand::Fifteen, 315.0),
    (AgeBand::SixteenTo17, 562.0),
    (AgeBand::Adult, 16_651.0),
];

/// An age band of the statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AgeBand {
    /// 14 and under.
    UpTo14,
    /// 15.
    Fifteen,
    /// 16-17.
    SixteenTo17,
    /// 18 and over.
    Adult,
}

/// Adult ages: most persons with disabilities are past middle age.
const ADULT_AGES: [((i32, i32), f64); 5] = [
    ((18, 29), 12.0),
    ((30, 44), 20.0),
    ((45, 59), 33.0),
    ((60, 74), 27.0),
    ((75, 89), 8.0),
];

/// What to generate.
#[derive(Debug, Clone)]
pub struct PopulationSpec {
    /// Seed of every random choice.
    pub seed: u64,
    /// The day ages and dates are counted from.
    pub today: NaiveDate,
    /// Restrict every person to this region (ISO 3166-2:KZ); every region when `None`.
    pub region: Option<String>,
}

/// A child's family as generated: the naming and the mother's given name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    /// Family number: the index of its first child.
    pub id: u64,
    /// Surname and father.
    pub name: FamilyName,
    /// Index of the mother's given name in the origin's list of women's names.
    pub mother: usize,
}

/// One generated person with the facts later steps need.
#[derive(Debug, Clone)]
pub struct SeedPerson {
    /// Position in the generated sequence, from 0.
    pub index: u64,
    /// The person as imported.
    pub person: Person,
    /// The current assessment as imported.
    pub assessment: Assessment,
    /// Birth date (agrees with the IIN).
    pub birth_date: NaiveDate,
    /// The child's family; `None` for adults.
    pub family: Option<Family>,
}

impl SeedPerson {
    /// The `ImportPersons` row for this person.
    pub fn import_row(&self, validate_only: bool) -> ImportPersonsRequest {
        ImportPersonsRequest {
            row_number: self.index as i64 + 1,
            person: Some(self.person.clone()),
            assessment: Some(self.assessment.clone()),
            validate_only,
        }
    }
}

/// What a sibling shares with the child generated just before.
#[derive(Debug, Clone)]
struct Home {
    family: Family,
    region_code: String,
    district: String,
    address: String,
    location: GeoPoint,
    phone: String,
    language: Language,
}

/// The generator: an endless, deterministic sequence of persons.
pub struct Population {
    spec: PopulationSpec,
    rng: ChaCha8Rng,
    regions: Vec<(usize, f64)>,
    region_codes: Vec<String>,
    issued: HashSet<String>,
    index: u64,
    open_home: Option<Home>,
}

/// Share of children who open a family a following child joins as a sibling.
const SIBLING_SHARE: f64 = 0.3;

impl Population {
    /// A generator for `spec` over the given regions.
    pub fn new(spec: PopulationSpec, regions: &Regions) -> anyhow::Result<Self> {
        let region_codes: Vec<String> = regions.all().iter().map(|r| r.code.clone()).collect();
        let weights: Vec<(usize, f64)> = match &spec.region {
            Some(code) => {
                let i = region_codes
                    .iter()
                    .position(|c| c == code)
                    .ok_or_else(|| anyhow::anyhow!("unknown region {code}"))?;
                vec![(i, 1.0)]
            }
            None => regions
                .all()
                .iter()
                .enumerate()
                .map(|(i, r)| (i, f64::from(r.disabled_children_2022)))
                .collect(),
        };
        Ok(Self {
            rng: rng_for(spec.seed, &["population"]),
            spec,
            regions: weights,
            region_codes,
            issued: HashSet::new(),
            index: 0,
            open_home: None,
        })
    }

    fn birth_date(&mut self) -> NaiveDate {
        let age = match weighted(&mut self.rng, &ASTANA_AGE_BANDS) {
            AgeBand::UpTo14 => self.rng.random_range(0..=14),
            AgeBand::Fifteen => 15,
            AgeBand::SixteenTo17 => self.rng.random_range(16..=17),
            AgeBand::Adult => {
                let (low, high) = weighted(&mut self.rng, &ADULT_AGES);
                self.rng.random_range(low..=high)
            }
        };
        // A day in the year of life that gives exactly `age` full years today.
        let latest = add_years(self.spec.today, -age);
        let earliest = add_days(add_years(self.spec.today, -(age + 1)), 1);
        let span = (latest - earliest).num_days().max(0);
        add_days(earliest, self.rng.random_range(0..=span))
    }

    fn iin(&mut self, birth_date: NaiveDate, sex: Sex) -> String {
        let mut serial = self.rng.random_range(0..10_000u32);
        for _ in 0..10_000 {
            if let Some(iin) = Iin::generate(birth_date, sex, serial)
                && self.issued.insert(iin.clone())
            {
                return iin;
            }
            serial = (serial + 1) % 10_000;
        }
        // Every serial of this day and sex is taken: a population far beyond any seed size.
        String::new()
    }

    fn new_home(&mut self, family_id: u64) -> Home {
        let rng = &mut self.rng;
        let region = weighted(rng, &self.regions);
        let region_code = self.region_codes[region].clone();
        let places = region_places(&region_code);
        let origin = if chance(rng, 0.72) {
            Origin::Kazakh
        } else {
            Origin::Russian
        };
        let surname = match origin {
            // About a third of Kazakh families write the father's name with -ұлы/-қызы.
            Origin::Kazakh if chance(rng, 0.3) => None,
            Origin::Kazakh => Some(pick(rng, names::KAZAKH_SURNAMES).to_string()),
            Origin::Russian => Some(pick(rng, names::RUSSIAN_SURNAMES).to_string()),
        };
        let language = match origin {
            Origin::Kazakh if chance(rng, 0.83) => Language::Kk,
            _ => Language::Ru,
        };
        let address = if chance(rng, 0.3) {
            format!("{}, {}-үй", pick(rng, STREETS), rng.random_range(1..=180))
        } else {
            format!(
                "{}, {}-үй, {}-пәтер",
                pick(rng, STREETS),
                rng.random_range(1..=180),
                rng.random_range(1..=220)
            )
        };
        Home {
            family: Family {
                id: family_id,
                name: FamilyName {
                    origin,
                    surname,
                    father: rng.random_range(0..64),
                },
                mother: rng.random_range(0..64),
            },
            district: pick(rng, places.districts).to_string(),
            address,
            location: GeoPoint {
                latitude: places.latitude + rng.random_range(-0.06..0.06),
                longitude: places.longitude + rng.random_range(-0.09..0.09),
            },
            phone: format!(
                "+7{}{:07}",
                pick(rng, MOBILE_PREFIXES),
                rng.random_range(0..10_000_000)
            ),
            language,
            region_code,
        }
    }

    fn next_person(&mut self) -> SeedPerson {
        let index = self.index;
        self.index += 1;
        let today = self.spec.today;
        let birth_date = self.birth_date();
        let age = age_on(birth_date, today);
        let child = age < 18;
        let home = match (child, self.open_home.take()) {
            (true, Some(home)) => home,
            _ => {
                let home = self.new_home(index);
                if child && chance(&mut self.rng, SIBLING_SHARE) {
                    self.open_home = Some(home.clone());
                }
                home
            }
        };
        let sex = if chance(&mut self.rng, if child { 0.54 } else { 0.49 }) {
            Sex::Male
        } else {
            Sex::Female
        };
        let origin = home.family.name.origin;
        let own_name;
        let naming = if child {
            &home.family.name
        } else {
            // An adult's own parents, not the household's.
            own_name = FamilyName {
                father: self.rng.random_range(0..64),
                ..home.family.name.clone()
            };
            &own_name
        };
        let given = names::given_name(origin, sex, self.rng.random_range(0..64));
        let (surname, patronymic) = (naming.surname_for(sex), naming.patronymic_for(sex));
        let iin = self.iin(birth_date, sex);
        let (assessment, nosology) =
            assessment(&mut self.rng, birth_date, today, &home.region_code);
        let needs = needs(&mut self.rng, age, group_of(&assessment), nosology);
        let legally_incapacitated = !child
            && needs.intellectual_disability
            && group_of(&assessment) == Group::Group1
            && chance(&mut self.rng, 0.5);
        let person = Person {
            iin,
            surname,
            given_name: given.to_string(),
            patronymic,
            birth_date: Some(to_proto(birth_date)),
            sex: match sex {
                Sex::Male => common::Sex::Male,
                Sex::Female => common::Sex::Female,
            } as i32,
            region_code: home.region_code.clone(),
            district: home.district.clone(),
            address: home.address.clone(),
            location: Some(home.location),
            phone: home.phone.clone(),
            preferred_language: home.language as i32,
            needs: Some(needs),
            legally_incapacitated,
            ..Person::default()
        };
        SeedPerson {
            index,
            person,
            assessment,
            birth_date,
            family: child.then(|| home.family.clone()),
        }
    }
}

impl Iterator for Population {
    type Item = SeedPerson;

    fn next(&mut self) -> Option<SeedPerson> {
        Some(self.next_person())
    }
}

fn group_of(a: &Assessment) -> Group {
    Group::try_from(a.group).unwrap_or(Group::Unspecified)
}

/// The leading nosology class for an age: children mostly nervous system (cerebral palsy),
/// congenital malformations and mental disorders; adults mostly circulatory diseases.
fn nosology(rng: &mut impl Rng, age: i32) -> Nosology {
    use Nosology as N;
    let table: &[(N, f64)] = match age {
        ..18 => &[
            (N::NervousSystem, 30.0),
            (N::CongenitalMalformations, 25.0),
            (N::MentalDisorders, 22.0),
            (N::Endocrine, 6.0),
            (N::MalignantNeoplasm, 3.0),
            (N::Injury, 2.0),
            (N::Other, 12.0),
        ],
        18..30 => &[
            (N::NervousSystem, 25.0),
            (N::MentalDisorders, 20.0),
            (N::CongenitalMalformations, 15.0),
            (N::Injury, 12.0),
            (N::Endocrine, 8.0),
            (N::MalignantNeoplasm, 5.0),
            (N::Circulatory, 3.0),
            (N::Other, 12.0),
        ],
        _ => &[
            (N::Circulatory, 28.0),
            (N::NervousSystem, 16.0),
            (N::MalignantNeoplasm, 15.0),
            (N::MentalDisorders, 10.0),
            (N::Injury, 9.0),
            (N::Endocrine, 8.0),
            (N::CongenitalMalformations, 3.0),
            (N::Other, 11.0),
        ],
    };
    weighted(rng, table)
}

/// The cause (себебі) given the nosology and age.
fn cause(rng: &mut impl Rng, age: i32, nosology: Nosology) -> Cause {
    use Cause as C;
    if age < 18 {
        return match nosology {
            Nosology::CongenitalMalformations if chance(rng, 0.9) => C::Congenital,
            _ => weighted(
                rng,
                &[
                    (C::Congenital, 45.0),
                    (C::SinceChildhood, 50.0),
                    (C::Other, 5.0),
                ],
            ),
        };
    }
    if nosology == Nosology::CongenitalMalformations || (age < 25 && chance(rng, 0.75)) {
        return C::SinceChildhood;
    }
    match nosology {
        Nosology::Injury if chance(rng, 0.35) => C::WorkInjury,
        _ => weighted(
            rng,
            &[
                (C::GeneralIllness, 76.0),
                (C::SinceChildhood, 10.0),
                (C::WorkInjury, 4.0),
                (C::OccupationalDisease, 5.0),
                (C::Other, 5.0),
            ],
        ),
    }
}

/// A day between `earliest` and `latest` (both inclusive; `latest` wins when they cross).
fn day_between(rng: &mut impl Rng, earliest: NaiveDate, latest: NaiveDate) -> NaiveDate {
    let span = (latest - earliest).num_days();
    if span <= 0 {
        return latest;
    }
    add_days(earliest, rng.random_range(0..=span))
}

/// The current assessment of a person born on `birth`, and its nosology.
///
/// Periodic assessments were made within their term (1-2 years) plus up to three months of
/// re-examination backlog, so most are current and a few overdue; indefinite ones (some of
/// group 1, older adults of groups 2-3) were made 1-5 years ago, up to 12 for those over 60, so
/// some predate the law of 12.10.2021. Child categories follow the age and the law in force on
/// the day of the decision; a child's re-examination falls at the latest on the birthday that
/// ends the category.
fn assessment(
    rng: &mut impl Rng,
    birth: NaiveDate,
    today: NaiveDate,
    region_code: &str,
) -> (Assessment, Nosology) {
    let age = age_on(birth, today);
    let nosology = nosology(rng, age);
    let cause = cause(rng, age, nosology);
    let (group, established, due) = if age < 18 {
        let (category_start, category_end) = if age < 7 {
            (birth, add_years(birth, 7))
        } else {
            (add_years(birth, 7), add_years(birth, 18))
        };
        let term = rng.random_range(1..=2);
        let earliest = add_days(add_years(today, -term), -90)
            .max(add_days(birth, 14))
            .max(category_start)
            .min(today);
        let established = day_between(rng, earliest, today);
        let law = child_category_law();
        let group = match (established >= law, age_on(birth, established)) {
            (true, ..7) => Group::ChildUnder7,
            (true, _) => Group::Child7To18,
            (false, ..16) => Group::ChildUnder16,
            (false, _) => Group::Child16To18,
        };
        let due = add_years(established, term).min(category_end);
        (group, established, Some(due))
    } else {
        let group = weighted(
            rng,
            &[
                (Group::Group1, 15.0),
                (Group::Group2, 45.0),
                (Group::Group3, 40.0),
            ],
        );
        let adult_from = add_years(birth, 18);
        let indefinite = match group {
            Group::Group1 => chance(rng, 0.4),
            Group::Group2 => age >= 55 && chance(rng, 0.35),
            _ => age >= 60 && chance(rng, 0.2),
        };
        if indefinite {
            let back_years = if age >= 60 { 12 } else { 5 };
            let earliest = add_years(today, -back_years).max(adult_from);
            let latest = add_years(today, -1).max(adult_from);
            (group, day_between(rng, earliest, latest), None)
        } else {
            let term = match group {
                Group::Group1 => 2,
                Group::Group2 if chance(rng, 0.3) => 2,
                _ => 1,
            };
            let earliest = add_days(add_years(today, -term), -90).max(adult_from);
            let established = day_between(rng, earliest, today);
            (group, established, Some(add_years(established, term)))
        }
    };
    let age_then = age_on(birth, established);
    let work_capacity_loss_percent = (18..=62).contains(&age_then).then(|| match group {
        Group::Group1 => *pick(rng, &[90, 100]),
        Group::Group2 => *pick(rng, &[60, 70, 80]),
        _ => *pick(rng, &[30, 40, 50]),
    });
    let number = format!(
        "{}-{}-{:06}",
        region_code.trim_start_matches("KZ-"),
        established.year(),
        rng.random_range(0..1_000_000)
    );
    let programme = RehabilitationProgramme {
        number: format!("ЖОБ-{number}"),
        valid_from: Some(to_proto(established)),
        valid_until: due.map(to_proto),
        service_forms: programme_forms(rng, age, group)
            .into_iter()
            .map(|f| f as i32)
            .collect(),
    };
    let assessment = Assessment {
        decision_number: number,
        group: group as i32,
        cause: cause as i32,
        nosology_class: nosology as i32,
        established_on: Some(to_proto(established)),
        re_examination_due: due.map(to_proto),
        indefinite: due.is_none(),
        work_capacity_loss_percent,
        rehabilitation_programme: Some(programme),
        ..Assessment::default()
    };
    (assessment, nosology)
}

/// Service forms the individual rehabilitation programme (ЖОБ/ИПР) covers.
fn programme_forms(rng: &mut impl Rng, age: i32, group: Group) -> Vec<ServiceForm> {
    use ServiceForm as F;
    let odds: &[(F, f64)] = if age < 18 {
        &[
            (F::Stationary, 0.65),
            (F::SemiStationary, 0.10),
            (F::HomeBased, 0.10),
            (F::Outpatient, 0.85),
            (F::DayHospital, 0.15),
        ]
    } else if group == Group::Group1 {
        &[
            (F::Stationary, 0.35),
            (F::HomeBased, 0.35),
            (F::Outpatient, 0.60),
            (F::TemporaryStay, 0.05),
        ]
    } else {
        &[
            (F::Stationary, 0.30),
            (F::SemiStationary, 0.10),
            (F::Outpatient, 0.70),
            (F::DayHospital, 0.10),
        ]
    };
    let mut forms: Vec<F> = odds
        .iter()
        .filter(|(_, p)| chance(rng, *p))
        .map(|(f, _)| *f)
        .collect();
    if forms.is_empty() {
        forms.push(F::Outpatient);
    }
    forms
}

/// Mobility and communication needs (қажеттіліктер) as they go with the nosology: cerebral palsy
/// and injuries bring wheelchairs, mental disorders intellectual disability, and so on.
fn needs(rng: &mut impl Rng, age: i32, group: Group, nosology: Nosology) -> Needs {
    use Nosology as N;
    let severe = matches!(group, Group::Group1);
    let wheelchair = match nosology {
        N::NervousSystem => 0.30,
        N::Injury => 0.30,
        N::CongenitalMalformations => 0.12,
        N::Circulatory => 0.08,
        _ => 0.02,
    } * if severe { 1.8 } else { 1.0 };
    let visual = match nosology {
        N::Other => 0.20,
        N::Endocrine => 0.10,
        _ => 0.03,
    };
    let hearing = match nosology {
        N::CongenitalMalformations => 0.12,
        N::Other => 0.10,
        _ => 0.03,
    };
    let intellectual = match (nosology, age < 18) {
        (N::MentalDisorders, true) => 0.75,
        (N::MentalDisorders, false) => 0.40,
        (N::CongenitalMalformations, _) => 0.30,
        (N::NervousSystem, _) => 0.25,
        _ => 0.02,
    };
    let wheelchair_user = chance(rng, wheelchair);
    let visual_impairment = chance(rng, visual);
    let hearing_impairment = chance(rng, hearing);
    let intellectual_disability = chance(rng, intellectual);
    let sign_language = hearing_impairment && (age < 18 || chance(rng, 0.6));
    let needs_escort = (wheelchair_user && chance(rng, 0.7))
        || (intellectual_disability && chance(rng, 0.6))
        || (visual_impairment && chance(rng, 0.5))
        || (severe && chance(rng, 0.4))
        || (age < 7 && chance(rng, 0.5));
    Needs {
        wheelchair_user,
        needs_escort,
        visual_impairment,
        hearing_impairment,
        sign_language,
        intellectual_disability,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::dates::from_proto;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn band(age: i32) -> AgeBand {
        match age {
            ..=14 => AgeBand::UpTo14,
            15 => AgeBand::Fifteen,
            16 | 17 => AgeBand::SixteenTo17,
            _ => AgeBand::Adult,
        }
    }

    fn sex_of(p: &SeedPerson) -> Sex {
        if p.person.sex == common::Sex::Male as i32 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    fn is_child(p: &SeedPerson) -> bool {
        age_on(p.birth_date, today()) < 18
    }

    fn generate(seed: u64, n: usize, region: Option<&str>) -> Vec<SeedPerson> {
        let spec = PopulationSpec {
            seed,
            today: today(),
            region: region.map(str::to_string),
        };
        Population::new(spec, &Regions::builtin().unwrap())
            .unwrap()
            .take(n)
            .collect()
    }

    #[test]
    fn every_iin_is_valid_unique_and_agrees_with_birth_date_and_sex() {
        let persons = generate(7, 20_000, None);
        let mut seen = HashSet::new();
        for p in &persons {
            let iin = Iin::parse(&p.person.iin, today()).unwrap();
            assert_eq!(iin.birth_date, p.birth_date);
            assert_eq!(iin.sex, sex_of(p));
            assert_eq!(
                from_proto(&p.person.birth_date.unwrap()),
                Some(p.birth_date)
            );
            assert!(seen.insert(p.person.iin.clone()), "duplicate IIN");
        }
    }

    #[test]
    fn age_bands_follow_astana_within_two_points() {
        let persons = generate(42, 20_000, None);
        let mut counts: HashMap<AgeBand, usize> = HashMap::new();
        for p in &persons {
            *counts
                .entry(band(age_on(p.birth_date, today())))
                .or_default() += 1;
        }
        let total: f64 = ASTANA_AGE_BANDS.iter().map(|(_, n)| n).sum();
        for (band, expected) in ASTANA_AGE_BANDS {
            let share = counts.get(&band).copied().unwrap_or(0) as f64 / persons.len() as f64;
            let expected = expected / total;
            assert!(
                (share - expected).abs() <= 0.02,
                "{band:?}: {share:.4} vs {expected:.4}"
            );
        }
    }

    #[test]
    fn regions_follow_the_registered_children() {
        let regions = Regions::builtin().unwrap();
        let persons = generate(42, 20_000, None);
        let total: f64 = regions
            .all()
            .iter()
            .map(|r| f64::from(r.disabled_children_2022))
            .sum();
        for region in regions.all() {
            let n = persons
                .iter()
                .filter(|p| p.person.region_code == region.code)
                .count();
            let share = n as f64 / persons.len() as f64;
            let expected = f64::from(region.disabled_children_2022) / total;
            assert!(
                (share - expected).abs() <= 0.01,
                "{}: {share:.4} vs {expected:.4}",
                region.code
            );
        }
        assert!(
            generate(1, 500, Some("KZ-71"))
                .iter()
                .all(|p| p.person.region_code == "KZ-71")
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_persons() {
        let a = generate(42, 300, None);
        let b = generate(42, 300, None);
        let c = generate(43, 300, None);
        let persons = |v: &[SeedPerson]| v.iter().map(|p| p.import_row(false)).collect::<Vec<_>>();
        assert_eq!(persons(&a), persons(&b));
        assert_ne!(persons(&a), persons(&c));
    }

    #[test]
    fn persons_look_real() {
        let persons = generate(42, 20_000, None);
        let n = persons.len() as f64;
        let share =
            |f: &dyn Fn(&SeedPerson) -> bool| persons.iter().filter(|p| f(p)).count() as f64 / n;
        let kk = share(&|p| p.person.preferred_language == Language::Kk as i32);
        assert!((0.55..0.65).contains(&kk), "kk {kk}");
        let wheelchair = share(&|p| p.person.needs.unwrap().wheelchair_user);
        assert!(
            (0.08..0.16).contains(&wheelchair),
            "wheelchair {wheelchair}"
        );
        let adults: Vec<&SeedPerson> = persons.iter().filter(|p| !is_child(p)).collect();
        let group_share = |g: Group| {
            adults
                .iter()
                .filter(|p| p.assessment.group == g as i32)
                .count() as f64
                / adults.len() as f64
        };
        assert!((group_share(Group::Group1) - 0.15).abs() < 0.02);
        assert!((group_share(Group::Group2) - 0.45).abs() < 0.02);
        let children: Vec<&SeedPerson> = persons.iter().filter(|p| is_child(p)).collect();
        let boys = children.iter().filter(|p| sex_of(p) == Sex::Male).count() as f64
            / children.len() as f64;
        assert!((0.51..0.57).contains(&boys), "boys {boys}");
        for p in &persons {
            let phone = &p.person.phone;
            assert!(phone.len() == 12 && phone.starts_with("+77"), "{phone}");
            if sex_of(p) == Sex::Female && p.person.surname.ends_with("ов") {
                panic!("a woman with a masculine surname: {}", p.person.surname);
            }
        }
    }

    #[test]
    fn assessments_fit_age_and_law() {
        let law = child_category_law();
        for p in generate(9, 20_000, None) {
            let a = &p.assessment;
            let established = from_proto(a.established_on.as_ref().unwrap()).unwrap();
            assert!(established <= today() && established >= p.birth_date);
            let age_then = age_on(p.birth_date, established);
            match Group::try_from(a.group).unwrap() {
                Group::Group1 | Group::Group2 | Group::Group3 => assert!(age_then >= 18),
                Group::ChildUnder7 => assert!(age_then < 7 && established >= law),
                Group::Child7To18 => assert!((7..18).contains(&age_then) && established >= law),
                Group::ChildUnder16 => assert!(age_then < 16 && established < law),
                Group::Child16To18 => assert!((16..18).contains(&age_then) && established < law),
                Group::Unspecified => panic!("no group"),
            }
            match &a.re_examination_due {
                Some(due) => {
                    assert!(!a.indefinite);
                    assert!(from_proto(due).unwrap() > established);
                }
                None => assert!(a.indefinite && age_then >= 18),
            }
            if a.work_capacity_loss_percent.is_some() {
                assert!(age_then >= 18);
            }
            let programme = a.rehabilitation_programme.as_ref().unwrap();
            assert!(!programme.service_forms.is_empty());
        }
    }

    #[test]
    fn siblings_share_a_family_and_home() {
        let persons = generate(42, 5_000, None);
        let mut families: HashMap<u64, Vec<&SeedPerson>> = HashMap::new();
        for p in &persons {
            if let Some(f) = &p.family {
                families.entry(f.id).or_default().push(p);
            }
        }
        let pairs: Vec<_> = families.values().filter(|v| v.len() == 2).collect();
        assert!(!pairs.is_empty());
        assert!(families.values().all(|v| v.len() <= 2));
        for pair in pairs {
            assert_eq!(pair[0].person.address, pair[1].person.address);
            assert_eq!(pair[0].person.region_code, pair[1].person.region_code);
        }
    }
}
