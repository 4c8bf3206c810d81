//! What a household and a child's education must say: the members (a person of the registry or
//! a named one), the one-time aid paid (dated, positive, not in the future), the benefits and
//! the housing status; an education status for children under 18 only.

use chrono::NaiveDate;
use onaltu_api::{parse_opt_id, to_date};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::registry as pb;
use uuid::Uuid;

use super::person::age_on;

/// Longest note on home schooling.
pub const MAX_EDUCATION_NOTE: usize = 2000;

/// A member as decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The member's record in the registry, if any.
    pub person: Option<Uuid>,
    /// Full name (for members not in the registry).
    pub full_name: String,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Relation to the household.
    pub relation: i16,
    /// Has a disability.
    pub has_disability: bool,
}

/// One-time aid as decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Aid {
    /// Date paid.
    pub paid_on: NaiveDate,
    /// Amount in minor units (tiyn).
    pub amount_minor: i64,
    /// Purpose.
    pub purpose: String,
}

fn date(
    field: &str,
    d: Option<&onaltu_proto::common::Date>,
    v: &mut Violations,
) -> Option<NaiveDate> {
    let parsed = to_date(d?);
    if parsed.is_none() {
        v.add(field, "is not a calendar date");
    }
    parsed
}

/// Checks a household and decodes its members and aid; every problem is collected in `v`.
pub fn check_household(
    h: &pb::Household,
    today: NaiveDate,
    v: &mut Violations,
) -> (Option<Uuid>, Vec<Member>, Vec<Aid>) {
    let id = parse_opt_id("household.id", &h.id, v);
    v.check(
        h.special_needs_children_count >= 0,
        "household.special_needs_children_count",
        "must not be negative",
    );
    v.check(
        pb::HousingStatus::try_from(h.housing_status).is_ok(),
        "household.housing_status",
        "unknown value",
    );
    let support = h.social_support.clone().unwrap_or_default();
    for (i, b) in support.benefits.iter().enumerate() {
        v.check(
            pb::BenefitKind::try_from(*b).is_ok_and(|b| b != pb::BenefitKind::Unspecified),
            format!("household.social_support.benefits[{i}]"),
            "unknown benefit",
        );
    }
    let mut aid = Vec::new();
    for (i, a) in support.one_time_aid.iter().enumerate() {
        let field = format!("household.social_support.one_time_aid[{i}]");
        let paid = date(&format!("{field}.paid_on"), a.paid_on.as_ref(), v);
        v.check(
            a.paid_on.is_some(),
            format!("{field}.paid_on"),
            "is required",
        );
        let amount = a.amount.as_ref().map(|m| m.minor_units).unwrap_or_default();
        v.check(amount > 0, format!("{field}.amount"), "must be positive");
        if let Some(paid) = paid {
            v.check(
                paid <= today,
                format!("{field}.paid_on"),
                "must not be in the future",
            );
            aid.push(Aid {
                paid_on: paid,
                amount_minor: amount,
                purpose: a.purpose.clone(),
            });
        }
    }
    let mut members = Vec::new();
    for (i, m) in h.members.iter().enumerate() {
        let field = format!("household.members[{i}]");
        let person = parse_opt_id(&format!("{field}.person_id"), &m.person_id, v);
        v.check(
            person.is_some() || !m.full_name.trim().is_empty(),
            format!("{field}.full_name"),
            "is required for a member not in the registry",
        );
        v.check(
            pb::HouseholdRelation::try_from(m.relation).is_ok(),
            format!("{field}.relation"),
            "unknown value",
        );
        let birth = date(&format!("{field}.birth_date"), m.birth_date.as_ref(), v);
        members.push(Member {
            person,
            full_name: m.full_name.trim().to_string(),
            birth_date: birth,
            relation: m.relation as i16,
            has_disability: m.has_disability,
        });
    }
    v.check(
        !members.is_empty(),
        "household.members",
        "a household has at least one member",
    );
    (id, members, aid)
}

/// Members linked to registry persons that do not exist, by position.
pub fn check_members_exist(members: &[Member], found: &[Uuid], v: &mut Violations) {
    for (i, m) in members.iter().enumerate() {
        if let Some(p) = m.person {
            v.check(
                found.contains(&p),
                format!("household.members[{i}].person_id"),
                "no such person",
            );
        }
    }
}

/// Checks an education status and returns the date it is as of (today when unset).
pub fn check_education(e: &pb::ChildEducation, today: NaiveDate, v: &mut Violations) -> NaiveDate {
    v.check(
        pb::EducationStatus::try_from(e.status)
            .is_ok_and(|s| s != pb::EducationStatus::Unspecified),
        "education.status",
        "is required",
    );
    v.check(
        e.home_schooling_quality_note.chars().count() <= MAX_EDUCATION_NOTE,
        "education.home_schooling_quality_note",
        "must be at most 2000 characters",
    );
    let as_of = match &e.as_of {
        Some(d) => {
            let parsed = to_date(d);
            v.check(
                parsed.is_some(),
                "education.as_of",
                "is not a calendar date",
            );
            parsed.unwrap_or(today)
        }
        None => today,
    };
    v.check(
        as_of <= today,
        "education.as_of",
        "must not be in the future",
    );
    as_of
}

/// Education is recorded for children: the person is under 18 on the date it is as of.
pub fn check_child(person: Uuid, birth: NaiveDate, as_of: NaiveDate) -> Result<(), ApiError> {
    if age_on(birth, as_of) >= 18 {
        return Err(ApiError::precondition(
            "CHILD_EDUCATION",
            format!("persons/{person}"),
            "education status is recorded for children under 18",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use onaltu_proto::common::{Date, Money};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn fields(v: &Violations) -> Vec<String> {
        v.as_slice().iter().map(|f| f.field.clone()).collect()
    }

    #[test]
    fn a_household_needs_members_named_or_registered() {
        let mut v = Violations::new();
        let (_, members, _) = check_household(&pb::Household::default(), d(2026, 3, 1), &mut v);
        assert!(members.is_empty());
        assert_eq!(fields(&v), ["household.members"]);
        let h = pb::Household {
            members: vec![pb::HouseholdMember {
                full_name: " ".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let mut v = Violations::new();
        check_household(&h, d(2026, 3, 1), &mut v);
        assert_eq!(fields(&v), ["household.members[0].full_name"]);
    }

    #[test]
    fn aid_is_dated_positive_and_not_in_the_future() {
        let h = pb::Household {
            members: vec![pb::HouseholdMember {
                full_name: "Айгүл".into(),
                ..Default::default()
            }],
            social_support: Some(pb::SocialSupport {
                one_time_aid: vec![
                    pb::OneTimeAid {
                        paid_on: Some(Date {
                            year: 2026,
                            month: 4,
                            day: 1,
                        }),
                        amount: Some(Money { minor_units: 0 }),
                        ..Default::default()
                    },
                    pb::OneTimeAid::default(),
                ],
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut v = Violations::new();
        let (_, _, aid) = check_household(&h, d(2026, 3, 1), &mut v);
        assert_eq!(
            fields(&v),
            [
                "household.social_support.one_time_aid[0].amount",
                "household.social_support.one_time_aid[0].paid_on",
                "household.social_support.one_time_aid[1].paid_on",
                "household.social_support.one_time_aid[1].amount",
            ]
        );
        assert_eq!(aid.len(), 1);
    }

    #[test]
    fn linked_members_must_be_registered() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let member = |p| Member {
            person: Some(p),
            full_name: String::new(),
            birth_date: None,
            relation: 0,
            has_disability: false,
        };
        let mut v = Violations::new();
        check_members_exist(&[member(a), member(b)], &[a], &mut v);
        assert_eq!(fields(&v), ["household.members[1].person_id"]);
    }

    #[test]
    fn education_is_for_children_and_dated_in_the_past() {
        let e = pb::ChildEducation {
            status: 0,
            as_of: Some(Date {
                year: 2026,
                month: 5,
                day: 1,
            }),
            ..Default::default()
        };
        let mut v = Violations::new();
        check_education(&e, d(2026, 3, 1), &mut v);
        assert_eq!(fields(&v), ["education.status", "education.as_of"]);
        let p = Uuid::from_u128(1);
        assert!(check_child(p, d(2010, 3, 2), d(2028, 3, 1)).is_ok());
        assert!(check_child(p, d(2010, 3, 1), d(2028, 3, 1)).is_err());
    }
}
