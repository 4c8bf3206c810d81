//! The coordinator's statistics and invataxi eligibility on a small, known population.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use onaltu_auth::Role;
use onaltu_kzid::Sex as IinSex;
use onaltu_proto::common::Sex;
use onaltu_proto::registry as pb;
use tonic::Code;

/// Someone who turned `age` yesterday (in Astana's calendar).
fn aged(age: u32) -> chrono::NaiveDate {
    let today = (chrono::Utc::now() + chrono::Duration::hours(5)).date_naive();
    today
        .checked_sub_months(chrono::Months::new(12 * age))
        .unwrap()
        .pred_opt()
        .unwrap()
}

fn person(age: u32, sex: IinSex, serial: u32, region: &str, a: pb::Assessment) -> pb::Person {
    let birth = aged(age);
    pb::Person {
        iin: onaltu_kzid::Iin::generate(birth, sex, serial).unwrap(),
        surname: "Тест".into(),
        given_name: "Адам".into(),
        region_code: region.into(),
        current_assessment: Some(a),
        ..Default::default()
    }
}

fn assessment(
    group: pb::DisabilityGroup,
    cause: pb::DisabilityCause,
    nosology: pb::NosologyClass,
) -> pb::Assessment {
    pb::Assessment {
        group: group as i32,
        cause: cause as i32,
        nosology_class: nosology as i32,
        // A year ago: every person here was already born and in the same category.
        established_on: Some(onaltu_registry::domain::person::from_date(aged(1))),
        re_examination_due: Some(date(2099, 1, 10)),
        ..Default::default()
    }
}

#[tokio::test]
async fn every_breakdown_counts_the_population() {
    use pb::{DisabilityCause as C, DisabilityGroup as G, NosologyClass as N};
    let h = Harness::start().await;
    let mut op = h.operator();
    // Children of 5, 10, 15 and 16; adults of 30 and 60.
    let child5 = create_person(
        &mut op,
        person(
            5,
            IinSex::Female,
            1,
            "KZ-71",
            assessment(G::ChildUnder7, C::Congenital, N::CongenitalMalformations),
        ),
    )
    .await;
    let child10 = create_person(
        &mut op,
        person(
            10,
            IinSex::Male,
            2,
            "KZ-71",
            assessment(G::Child7To18, C::Congenital, N::NervousSystem),
        ),
    )
    .await;
    create_person(
        &mut op,
        person(
            15,
            IinSex::Male,
            3,
            "KZ-71",
            assessment(G::Child7To18, C::SinceChildhood, N::MentalDisorders),
        ),
    )
    .await;
    create_person(
        &mut op,
        person(
            16,
            IinSex::Female,
            4,
            "KZ-75",
            assessment(G::Child7To18, C::SinceChildhood, N::NervousSystem),
        ),
    )
    .await;
    create_person(
        &mut op,
        person(
            30,
            IinSex::Male,
            5,
            "KZ-71",
            assessment(G::Group2, C::WorkInjury, N::Injury),
        ),
    )
    .await;
    create_person(
        &mut op,
        person(
            60,
            IinSex::Female,
            6,
            "KZ-71",
            assessment(G::Group1, C::GeneralIllness, N::Circulatory),
        ),
    )
    .await;

    op.upsert_household(pb::UpsertHouseholdRequest {
        request_id: String::new(),
        household: Some(pb::Household {
            members: vec![
                pb::HouseholdMember {
                    person_id: child5.id.clone(),
                    ..Default::default()
                },
                pb::HouseholdMember {
                    person_id: child10.id.clone(),
                    ..Default::default()
                },
            ],
            special_needs_children_count: 2,
            housing_status: pb::HousingStatus::NeedsHousing as i32,
            social_support: Some(pb::SocialSupport {
                benefits: vec![pb::BenefitKind::ChildCarerBenefit as i32],
                one_time_aid: vec![pb::OneTimeAid {
                    paid_on: Some(date(2025, 1, 1)),
                    amount: Some(onaltu_proto::common::Money {
                        minor_units: 1_000_000,
                    }),
                    purpose: String::new(),
                }],
            }),
            ..Default::default()
        }),
        update_mask: None,
    })
    .await
    .unwrap();
    op.set_education_status(pb::SetEducationStatusRequest {
        person_id: child10.id.clone(),
        education: Some(pb::ChildEducation {
            status: pb::EducationStatus::HomeSchooled as i32,
            has_tutor: true,
            ..Default::default()
        }),
    })
    .await
    .unwrap();
    let c = create_center(&mut op, center("Статистика", 10)).await;
    enqueue(
        &mut op,
        &child10.id,
        &c.id,
        pb::ServiceForm::Stationary,
        date(2025, 2, 1),
    )
    .await;

    let as_of = onaltu_registry::domain::person::from_date(
        (chrono::Utc::now() + chrono::Duration::hours(5)).date_naive(),
    );
    let s = h
        .as_role(Role::Integration)
        .get_statistics(pb::GetStatisticsRequest {
            region_code: String::new(),
            as_of: Some(as_of),
        })
        .await
        .unwrap()
        .into_inner()
        .statistics
        .unwrap();
    assert_eq!(
        (s.persons_total, s.children_total, s.adults_total),
        (6, 4, 2)
    );
    let regions: Vec<_> = s
        .by_region
        .iter()
        .map(|r| (r.region_code.as_str(), r.persons, r.children))
        .collect();
    assert_eq!(regions, [("KZ-71", 5, 3), ("KZ-75", 1, 1)]);
    let bands: Vec<_> = s
        .by_age_band
        .iter()
        .map(|b| (b.age_band, b.persons))
        .collect();
    assert_eq!(
        bands,
        [
            (pb::AgeBand::AgeBand14AndUnder as i32, 2),
            (pb::AgeBand::AgeBand15 as i32, 1),
            (pb::AgeBand::AgeBand16To17 as i32, 1),
            (pb::AgeBand::AgeBand18AndOver as i32, 2)
        ]
    );
    let categories: Vec<_> = s
        .by_child_age_category
        .iter()
        .map(|c| (c.category, c.children))
        .collect();
    assert_eq!(
        categories,
        [
            (pb::ChildAgeCategory::Under7 as i32, 1),
            (pb::ChildAgeCategory::ChildAgeCategory7To18 as i32, 3),
            (pb::ChildAgeCategory::Under16 as i32, 3),
            (pb::ChildAgeCategory::ChildAgeCategory16To18 as i32, 1)
        ]
    );
    let sexes: Vec<_> = s.by_sex.iter().map(|x| (x.sex, x.persons)).collect();
    assert_eq!(sexes, [(Sex::Male as i32, 3), (Sex::Female as i32, 3)]);
    let causes: Vec<_> = s
        .by_cause
        .iter()
        .map(|c| (c.cause, c.children, c.adults))
        .collect();
    assert_eq!(
        causes,
        [
            (C::GeneralIllness as i32, 0, 1),
            (C::SinceChildhood as i32, 2, 0),
            (C::Congenital as i32, 2, 0),
            (C::WorkInjury as i32, 0, 1)
        ]
    );
    assert_eq!(s.by_group.iter().map(|g| g.persons).sum::<i64>(), 6);
    assert_eq!(
        (
            s.families_with_special_needs_children,
            s.special_needs_children_in_families
        ),
        (1, 2)
    );
    assert_eq!(
        s.by_housing_status[0].housing_status,
        pb::HousingStatus::NeedsHousing as i32
    );
    assert_eq!(s.by_benefit[0].households, 1);
    assert_eq!(
        (
            s.one_time_aid_payments,
            s.one_time_aid_total.unwrap().minor_units
        ),
        (1, 1_000_000)
    );
    assert_eq!(s.children_by_education.len(), 1);
    assert_eq!(
        (
            s.children_by_education[0].children,
            s.children_by_education[0].with_tutor
        ),
        (1, 1)
    );
    assert_eq!(s.children_without_education_record, 3);
    assert_eq!(s.queues.len(), 1);
    assert_eq!(s.queues[0].queue_length, 1);
    assert_eq!(s.coverage.unwrap().registered, 6);

    let astana = h
        .operator()
        .get_statistics(pb::GetStatisticsRequest {
            region_code: "KZ-71".into(),
            as_of: Some(as_of),
        })
        .await
        .unwrap()
        .into_inner()
        .statistics
        .unwrap();
    assert_eq!(astana.persons_total, 5);

    let bad = h
        .operator()
        .get_statistics(pb::GetStatisticsRequest {
            region_code: "KZ-99".into(),
            as_of: Some(date(2999, 1, 1)),
        })
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&bad), ["region_code", "as_of"]);
}

#[tokio::test]
async fn statistics_follow_writes_despite_the_cache() {
    let h = Harness::start().await;
    let mut op = h.operator();
    let first = op
        .get_statistics(pb::GetStatisticsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .statistics
        .unwrap();
    create_person(&mut op, child(9)).await;
    let second = op
        .get_statistics(pb::GetStatisticsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .statistics
        .unwrap();
    assert_eq!(second.persons_total, first.persons_total + 1);
}

#[tokio::test]
async fn invataxi_eligibility_follows_the_rule_and_the_assessment() {
    use pb::{DisabilityCause as C, DisabilityGroup as G, NosologyClass as N};
    let h = Harness::start().await;
    let mut op = h.operator();
    let kid = create_person(
        &mut op,
        person(
            11,
            IinSex::Male,
            1,
            "KZ-71",
            assessment(G::Child7To18, C::Congenital, N::NervousSystem),
        ),
    )
    .await;
    let group3 = create_person(
        &mut op,
        person(
            46,
            IinSex::Male,
            2,
            "KZ-71",
            assessment(G::Group3, C::GeneralIllness, N::Other),
        ),
    )
    .await;
    let unassessed = create_person(&mut op, adult(3)).await;
    let mut dispatcher = h.as_role(Role::Dispatcher);
    let check = |id: &str| pb::CheckTransportEligibilityRequest {
        person_id: id.into(),
        travel_date: None,
    };
    let yes = dispatcher
        .check_transport_eligibility(check(&kid.id))
        .await
        .unwrap()
        .into_inner();
    assert!(yes.eligible);
    assert_eq!(yes.reasons[0].code, "CHILD_WITH_DISABILITY");
    let no = dispatcher
        .check_transport_eligibility(check(&group3.id))
        .await
        .unwrap()
        .into_inner();
    assert!(!no.eligible);
    assert_eq!(no.reasons[0].code, "NOT_COVERED");
    let none = dispatcher
        .check_transport_eligibility(check(&unassessed.id))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(none.reasons[0].code, "NO_ASSESSMENT");
    let missing = dispatcher
        .check_transport_eligibility(check(&uuid::Uuid::now_v7().to_string()))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
}
