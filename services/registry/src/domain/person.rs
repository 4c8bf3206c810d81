//! Rules for persons with disabilities (мүгедектігі бар адам) and their assessments
//! (медициналық-әлеуметтік сараптама шешімі). Pure: no I/O.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};
use onaltu_api::to_date;
use onaltu_errors::Violations;
use onaltu_kzid::{Iin, Sex as IinSex};
use onaltu_proto::common::{Date, GeoPoint, Language, Sex};
use onaltu_proto::registry::{
    Assessment, DisabilityCause, DisabilityGroup, NosologyClass, Person, ServiceForm,
};
use uuid::Uuid;

/// The date the law of 12.10.2021 replaced the child categories under 16 / 16-18 with
/// under 7 / 7-18.
pub fn child_category_law_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, 10, 12).unwrap_or_default()
}

/// A calendar date as a proto date.
pub fn from_date(d: NaiveDate) -> Date {
    onaltu_api::date(d)
}

/// Full years between `birth` and `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

fn name_ok(s: &str) -> bool {
    s.chars().count() <= 100
        && s.chars()
            .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '’' | '.'))
}

/// Whether a phone number is in the national format `+7` and ten digits.
pub fn phone_ok(s: &str) -> bool {
    s.len() == 12 && s.starts_with("+7") && s[1..].bytes().all(|b| b.is_ascii_digit())
}

/// Whether a point lies within Kazakhstan's bounding box.
pub fn location_ok(p: &GeoPoint) -> bool {
    (40.0..=56.0).contains(&p.latitude) && (46.0..=88.0).contains(&p.longitude)
}

/// Checks a person as given to CreatePerson, UpdatePerson or ImportPersons. Birth date and sex
/// may be left out (they are then taken from the IIN); when given they must agree with it.
pub fn check_person(
    p: &Person,
    today: NaiveDate,
    regions: &HashSet<String>,
    v: &mut Violations,
) -> Option<(NaiveDate, Sex)> {
    let decoded = match Iin::parse(&p.iin, today) {
        Ok(iin) => Some(iin),
        Err(err) => {
            v.add("iin", err.to_string());
            None
        }
    };
    v.check(!p.surname.trim().is_empty(), "surname", "is required");
    v.check(
        name_ok(&p.surname),
        "surname",
        "must be letters, spaces or hyphens, at most 100",
    );
    v.check(!p.given_name.trim().is_empty(), "given_name", "is required");
    v.check(
        name_ok(&p.given_name),
        "given_name",
        "must be letters, spaces or hyphens, at most 100",
    );
    v.check(
        name_ok(&p.patronymic),
        "patronymic",
        "must be letters, spaces or hyphens, at most 100",
    );
    v.check(
        regions.contains(&p.region_code),
        "region_code",
        "must be an ISO 3166-2:KZ region code (e.g. KZ-71 for Astana)",
    );
    v.check(
        p.district.chars().count() <= 200,
        "district",
        "must be at most 200 characters",
    );
    v.check(
        p.address.chars().count() <= 500,
        "address",
        "must be at most 500 characters",
    );
    v.check(
        p.phone.is_empty() || phone_ok(&p.phone),
        "phone",
        "must be +7 followed by 10 digits",
    );
    if let Some(loc) = &p.location {
        v.check(location_ok(loc), "location", "must lie within Kazakhstan");
    }
    v.check(
        Language::try_from(p.preferred_language).is_ok(),
        "preferred_language",
        "unknown language",
    );
    let sex = Sex::try_from(p.sex).ok();
    v.check(sex.is_some(), "sex", "unknown value");
    let given_birth = p.birth_date.as_ref().map(|d| (d, to_date(d)));
    if let Some((_, None)) = given_birth {
        v.add("birth_date", "is not a calendar date");
    }
    let iin = decoded?;
    let iin_sex = match iin.sex {
        IinSex::Male => Sex::Male,
        IinSex::Female => Sex::Female,
    };
    if let Some((_, Some(birth))) = given_birth {
        v.check(
            birth == iin.birth_date,
            "birth_date",
            "does not agree with the birth date in the IIN (digits 1-7)",
        );
    }
    if let Some(sex) = sex.filter(|s| *s != Sex::Unspecified) {
        v.check(
            sex == iin_sex,
            "sex",
            "does not agree with the IIN (digit 7)",
        );
    }
    Some((iin.birth_date, iin_sex))
}

/// Checks an assessment of a person born on `birth`.
pub fn check_assessment(a: &Assessment, birth: NaiveDate, today: NaiveDate, v: &mut Violations) {
    let group = DisabilityGroup::try_from(a.group).unwrap_or(DisabilityGroup::Unspecified);
    v.check(
        group != DisabilityGroup::Unspecified,
        "group",
        "is required",
    );
    v.check(
        DisabilityCause::try_from(a.cause).is_ok_and(|c| c != DisabilityCause::Unspecified),
        "cause",
        "is required",
    );
    v.check(
        NosologyClass::try_from(a.nosology_class).is_ok(),
        "nosology_class",
        "unknown value",
    );
    v.check(
        a.decision_number.chars().count() <= 100,
        "decision_number",
        "must be at most 100 characters",
    );
    let Some(established) = a.established_on.as_ref().and_then(to_date) else {
        v.add("established_on", "is required and must be a calendar date");
        return;
    };
    v.check(
        established <= today,
        "established_on",
        "must not be in the future",
    );
    v.check(
        established >= birth,
        "established_on",
        "must not be before the birth date",
    );
    let age = age_on(birth, established);
    let law = child_category_law_date();
    let (age_ok, age_rule, date_ok, date_rule) = match group {
        DisabilityGroup::Group1 | DisabilityGroup::Group2 | DisabilityGroup::Group3 => (
            age >= 18,
            "adult groups are for persons aged 18 and over",
            true,
            "",
        ),
        DisabilityGroup::ChildUnder7 => (
            age < 7,
            "CHILD_UNDER_7 is for children under 7",
            established >= law,
            "child categories under 7 / 7-18 exist since 12.10.2021",
        ),
        DisabilityGroup::Child7To18 => (
            (7..18).contains(&age),
            "CHILD_7_TO_18 is for children aged 7 to 17",
            established >= law,
            "child categories under 7 / 7-18 exist since 12.10.2021",
        ),
        DisabilityGroup::ChildUnder16 => (
            age < 16,
            "CHILD_UNDER_16 is for children under 16",
            established < law,
            "child categories under 16 / 16-18 were replaced on 12.10.2021",
        ),
        DisabilityGroup::Child16To18 => (
            (16..18).contains(&age),
            "CHILD_16_TO_18 is for children aged 16 or 17",
            established < law,
            "child categories under 16 / 16-18 were replaced on 12.10.2021",
        ),
        DisabilityGroup::Unspecified => (true, "", true, ""),
    };
    v.check(
        age_ok,
        "group",
        format!("{age_rule} (age at establishment: {age})"),
    );
    v.check(date_ok, "group", date_rule);
    match (a.indefinite, a.re_examination_due.as_ref()) {
        (true, Some(_)) => v.add(
            "re_examination_due",
            "must be empty when the assessment is indefinite",
        ),
        (false, None) => v.add(
            "re_examination_due",
            "is required unless the assessment is indefinite",
        ),
        (false, Some(d)) => match to_date(d) {
            Some(due) => v.check(
                due > established,
                "re_examination_due",
                "must be after established_on",
            ),
            None => v.add("re_examination_due", "is not a calendar date"),
        },
        (true, None) => {}
    }
    if let Some(pct) = a.work_capacity_loss_percent {
        v.check(
            (0..=100).contains(&pct),
            "work_capacity_loss_percent",
            "must be between 0 and 100",
        );
        v.check(
            age >= 16,
            "work_capacity_loss_percent",
            "applies to persons of working age only",
        );
    }
    if let Some(ipr) = &a.rehabilitation_programme {
        let from = ipr.valid_from.as_ref().map(to_date);
        let until = ipr.valid_until.as_ref().map(to_date);
        v.check(
            !matches!(from, Some(None)),
            "rehabilitation_programme.valid_from",
            "is not a calendar date",
        );
        v.check(
            !matches!(until, Some(None)),
            "rehabilitation_programme.valid_until",
            "is not a calendar date",
        );
        if let (Some(Some(f)), Some(Some(u))) = (from, until) {
            v.check(
                u >= f,
                "rehabilitation_programme.valid_until",
                "must not be before valid_from",
            );
        }
        for (i, f) in ipr.service_forms.iter().enumerate() {
            v.check(
                ServiceForm::try_from(*f).is_ok_and(|f| f != ServiceForm::Unspecified),
                format!("rehabilitation_programme.service_forms[{i}]"),
                "unknown service form",
            );
        }
    }
}

/// A field UpdatePerson may change, as named in its field mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Updatable {
    /// Surname.
    Surname,
    /// Given name.
    GivenName,
    /// Patronymic.
    Patronymic,
    /// Region.
    RegionCode,
    /// District.
    District,
    /// Address.
    Address,
    /// Geo point of the address.
    Location,
    /// Phone.
    Phone,
    /// Preferred language.
    PreferredLanguage,
    /// Legal incapacity.
    LegallyIncapacitated,
    /// Every need (`None`), or one: 0 wheelchair user, 1 escort, 2 visual, 3 hearing, 4 sign
    /// language, 5 intellectual.
    Needs(Option<usize>),
    /// Legal representatives.
    LegalRepresentatives,
}

/// Whether a person's legal representatives (заңды өкілдер) change from `before` to `after`,
/// each a set in any order: only a change is written and announced (LegalRepresentativesChanged),
/// so an update naming the same representatives again tells the other services nothing new.
pub fn representatives_change(before: &[Uuid], after: &[Uuid]) -> bool {
    let set = |ids: &[Uuid]| ids.iter().copied().collect::<HashSet<Uuid>>();
    set(before) != set(after)
}

/// What a field-mask path of UpdatePerson changes; the IIN, birth date and sex are fixed by the
/// IIN (a correction goes through the city office), and any other path is refused, each with
/// the field to name in the answer.
pub fn update_mask_field(path: &str) -> Result<Updatable, (String, &'static str)> {
    use Updatable as U;
    Ok(match path {
        "surname" => U::Surname,
        "given_name" => U::GivenName,
        "patronymic" => U::Patronymic,
        "region_code" => U::RegionCode,
        "district" => U::District,
        "address" => U::Address,
        "location" => U::Location,
        "phone" => U::Phone,
        "preferred_language" => U::PreferredLanguage,
        "legally_incapacitated" => U::LegallyIncapacitated,
        "needs" => U::Needs(None),
        "needs.wheelchair_user" => U::Needs(Some(0)),
        "needs.needs_escort" => U::Needs(Some(1)),
        "needs.visual_impairment" => U::Needs(Some(2)),
        "needs.hearing_impairment" => U::Needs(Some(3)),
        "needs.sign_language" => U::Needs(Some(4)),
        "needs.intellectual_disability" => U::Needs(Some(5)),
        "legal_representative_ids" => U::LegalRepresentatives,
        "iin" | "birth_date" | "sex" => {
            return Err((
                format!("update_mask.{path}"),
                "is fixed by the IIN; register a correction with the city office",
            ));
        }
        other => {
            return Err((
                format!("update_mask.{other}"),
                "is not a field that can be updated",
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_another_set_of_representatives_is_a_change() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert!(!representatives_change(&[a, b], &[b, a]));
        assert!(!representatives_change(&[], &[]));
        assert!(representatives_change(&[a], &[a, b]));
        assert!(representatives_change(&[a], &[]));
        assert!(representatives_change(&[], &[b]));
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn regions() -> HashSet<String> {
        ["KZ-71".to_string()].into_iter().collect()
    }

    fn person() -> Person {
        Person {
            iin: "920315300014".into(),
            surname: "Серікбаев".into(),
            given_name: "Асқар".into(),
            region_code: "KZ-71".into(),
            ..Person::default()
        }
    }

    fn fields(p: &Person) -> Vec<String> {
        let mut v = Violations::new();
        check_person(p, today(), &regions(), &mut v);
        v.as_slice().iter().map(|f| f.field.clone()).collect()
    }

    #[test]
    fn a_valid_person_takes_birth_date_and_sex_from_the_iin() {
        let mut v = Violations::new();
        let (birth, sex) = check_person(&person(), today(), &regions(), &mut v).unwrap();
        assert!(v.is_empty(), "{v:?}");
        assert_eq!(birth, NaiveDate::from_ymd_opt(1992, 3, 15).unwrap());
        assert_eq!(sex, Sex::Male);
    }

    #[test]
    fn birth_date_and_sex_must_agree_with_the_iin() {
        let mut p = person();
        p.birth_date = Some(Date {
            year: 1992,
            month: 3,
            day: 16,
        });
        p.sex = Sex::Female as i32;
        assert_eq!(fields(&p), ["birth_date", "sex"]);
    }

    #[test]
    fn every_violation_is_reported_at_once() {
        let p = Person {
            iin: "12345".into(),
            region_code: "KZ-99".into(),
            phone: "8701".into(),
            ..Person::default()
        };
        assert_eq!(
            fields(&p),
            ["iin", "surname", "given_name", "region_code", "phone"]
        );
    }

    #[test]
    fn assessment_groups_follow_age_and_the_2021_law() {
        let birth = NaiveDate::from_ymd_opt(2015, 5, 1).unwrap();
        let check = |group: DisabilityGroup, y: i32| {
            let a = Assessment {
                group: group as i32,
                cause: DisabilityCause::Congenital as i32,
                established_on: Some(Date {
                    year: y,
                    month: 6,
                    day: 1,
                }),
                re_examination_due: Some(Date {
                    year: y + 1,
                    month: 6,
                    day: 1,
                }),
                ..Assessment::default()
            };
            let mut v = Violations::new();
            check_assessment(&a, birth, today(), &mut v);
            v.as_slice()
                .iter()
                .map(|f| f.description.clone())
                .collect::<Vec<_>>()
        };
        assert!(check(DisabilityGroup::Child7To18, 2023).is_empty());
        assert!(check(DisabilityGroup::ChildUnder16, 2020).is_empty());
        assert_eq!(
            check(DisabilityGroup::ChildUnder7, 2023).len(),
            1,
            "aged 8: not under 7"
        );
        assert_eq!(
            check(DisabilityGroup::ChildUnder16, 2023).len(),
            1,
            "replaced by the law"
        );
        assert_eq!(
            check(DisabilityGroup::Group2, 2023).len(),
            1,
            "a child is not in an adult group"
        );
    }

    #[test]
    fn re_examination_is_due_unless_indefinite() {
        let birth = NaiveDate::from_ymd_opt(1980, 1, 1).unwrap();
        let mut a = Assessment {
            group: DisabilityGroup::Group1 as i32,
            cause: DisabilityCause::GeneralIllness as i32,
            established_on: Some(Date {
                year: 2024,
                month: 1,
                day: 1,
            }),
            ..Assessment::default()
        };
        let mut v = Violations::new();
        check_assessment(&a, birth, today(), &mut v);
        assert_eq!(v.as_slice()[0].field, "re_examination_due");
        a.indefinite = true;
        let mut v = Violations::new();
        check_assessment(&a, birth, today(), &mut v);
        assert!(v.is_empty());
    }

    #[test]
    fn the_iin_fixes_birth_date_and_sex_and_unknown_paths_are_refused() {
        assert_eq!(update_mask_field("surname"), Ok(Updatable::Surname));
        assert_eq!(
            update_mask_field("needs.sign_language"),
            Ok(Updatable::Needs(Some(4)))
        );
        assert_eq!(update_mask_field("needs"), Ok(Updatable::Needs(None)));
        for fixed in ["iin", "birth_date", "sex"] {
            let (field, why) = update_mask_field(fixed).unwrap_err();
            assert_eq!(field, format!("update_mask.{fixed}"));
            assert!(why.contains("fixed by the IIN"));
        }
        let (field, _) = update_mask_field("household_id").unwrap_err();
        assert_eq!(field, "update_mask.household_id");
    }
}
