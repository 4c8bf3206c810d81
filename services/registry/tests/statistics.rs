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
    // The transport service asks in its own name for a trip a dispatcher handles.
    let mut transport = h.transport_service();
    let check = |id: &str| {
        with_purpose(
            pb::CheckTransportEligibilityRequest {
                person_id: id.into(),
                travel_date: None,
            },
            "invataxi trip for dispatcher disp-1",
        )
    };
    let yes = transport
        .check_transport_eligibility(check(&kid.id))
        .await
        .unwrap()
        .into_inner();
    assert!(yes.eligible);
    assert_eq!(yes.reasons[0].code, "CHILD_WITH_DISABILITY");
    let no = transport
        .check_transport_eligibility(check(&group3.id))
        .await
        .unwrap()
        .into_inner();
    assert!(!no.eligible);
    assert_eq!(no.reasons[0].code, "NOT_COVERED");
    let none = transport
        .check_transport_eligibility(check(&unassessed.id))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(none.reasons[0].code, "NO_ASSESSMENT");
    let missing = transport
        .check_transport_eligibility(check(&uuid::Uuid::now_v7().to_string()))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
}

/// Persons born a day either side of every age threshold of three dates asked about, some
/// registered only later, some moved to another region: the statistics (read from the maintained
/// tallies) agree with a count of every person, age by age, in the database.
#[tokio::test]
async fn statistics_from_the_tallies_agree_with_a_count_of_every_person() {
    use chrono::NaiveDate;
    let h = Harness::start().await;
    let mut op = h.operator();
    let today = (chrono::Utc::now() + chrono::Duration::hours(5)).date_naive();
    let as_ofs = [
        today,
        NaiveDate::from_ymd_opt(2025, 6, 15).unwrap(),
        NaiveDate::from_ymd_opt(2021, 3, 31).unwrap(),
    ];
    let mut births = Vec::new();
    for as_of in as_ofs {
        for years in [7, 15, 16, 18] {
            let threshold = as_of
                .checked_sub_months(chrono::Months::new(12 * years))
                .unwrap();
            for days in [-1, 0, 1] {
                births.push(threshold + chrono::Duration::days(days));
            }
        }
    }
    births.extend([
        NaiveDate::from_ymd_opt(1950, 1, 20).unwrap(),
        NaiveDate::from_ymd_opt(1990, 7, 7).unwrap(),
        NaiveDate::from_ymd_opt(2012, 11, 3).unwrap(),
    ]);
    let mut serial = 1;
    for (i, birth) in births.iter().enumerate() {
        let sex = if i % 2 == 0 {
            IinSex::Male
        } else {
            IinSex::Female
        };
        serial += 1;
        let p = pb::Person {
            iin: onaltu_kzid::Iin::generate(*birth, sex, serial).unwrap(),
            surname: "Тест".into(),
            given_name: "Адам".into(),
            sex: if i % 2 == 0 { Sex::Male } else { Sex::Female } as i32,
            region_code: if i % 3 == 0 { "KZ-75" } else { "KZ-71" }.into(),
            ..Default::default()
        };
        create_person(&mut op, p).await;
    }
    // Most registered before every date asked about, some between two of them, and some moved
    // to another region.
    let mut conn = h.db.connect().await;
    use diesel_async::RunQueryDsl as _;
    diesel::sql_query(
        "UPDATE persons SET registered_on = CASE WHEN right(iin, 5)::int % 4 = 1
                                                 THEN date '2025-09-01'
                                                 ELSE date '2020-01-01' END",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    diesel::sql_query("UPDATE persons SET region_code = 'KZ-11' WHERE right(iin, 5)::int % 5 = 2")
        .execute(&mut conn)
        .await
        .unwrap();

    #[derive(diesel::QueryableByName, Debug, PartialEq)]
    struct Counted {
        #[diesel(sql_type = diesel::sql_types::Text)]
        region_code: String,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        age: i32,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut checked = 0;
    for as_of in as_ofs {
        for region in ["", "KZ-71"] {
            let every: Vec<Counted> = diesel::sql_query(
                "SELECT region_code, date_part('year', age($1, birth_date))::int AS age,
                        count(*) AS n
                 FROM persons
                 WHERE registered_on <= $1 AND ($2 = '' OR region_code = $2)
                 GROUP BY 1, 2",
            )
            .bind::<diesel::sql_types::Date, _>(as_of)
            .bind::<diesel::sql_types::Text, _>(region)
            .load(&mut conn)
            .await
            .unwrap();
            let sum = |keep: &dyn Fn(&Counted) -> bool| {
                every.iter().filter(|c| keep(c)).map(|c| c.n).sum::<i64>()
            };
            let s = h
                .operator()
                .get_statistics(pb::GetStatisticsRequest {
                    region_code: region.into(),
                    as_of: Some(onaltu_registry::domain::person::from_date(as_of)),
                })
                .await
                .unwrap()
                .into_inner()
                .statistics
                .unwrap();
            let context = format!("as of {as_of}, region {region:?}");
            assert_eq!(s.persons_total, sum(&|_| true), "{context}");
            assert_eq!(s.children_total, sum(&|c| c.age < 18), "{context}");
            let bands: Vec<(i32, i64)> = s
                .by_age_band
                .iter()
                .map(|b| (b.age_band, b.persons))
                .collect();
            let expected: Vec<(i32, i64)> = [
                (pb::AgeBand::AgeBand14AndUnder, sum(&|c| c.age <= 14)),
                (pb::AgeBand::AgeBand15, sum(&|c| c.age == 15)),
                (
                    pb::AgeBand::AgeBand16To17,
                    sum(&|c| (16..18).contains(&c.age)),
                ),
                (pb::AgeBand::AgeBand18AndOver, sum(&|c| c.age >= 18)),
            ]
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(b, n)| (b as i32, n))
            .collect();
            assert_eq!(bands, expected, "{context}");
            let under7 = s
                .by_child_age_category
                .iter()
                .find(|c| c.category == pb::ChildAgeCategory::Under7 as i32)
                .map_or(0, |c| c.children);
            assert_eq!(under7, sum(&|c| c.age < 7), "{context}");
            for r in &s.by_region {
                let here = |c: &Counted| c.region_code == r.region_code;
                assert_eq!(r.persons, sum(&|c| here(c)), "{context} {}", r.region_code);
                assert_eq!(
                    r.children,
                    sum(&|c| here(c) && c.age < 18),
                    "{context} {}",
                    r.region_code
                );
            }
            assert!(s.persons_total > 0 && s.children_total > 0, "{context}");
            checked += 1;
        }
    }
    assert_eq!(checked, 6);
}
