//! Persons through a real gRPC client: every IIN rule, the other field rules, idempotent
//! creation, updates by field mask, assessments, households and education.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use onaltu_proto::registry as pb;
use tonic::Code;

async fn refused(h: &Harness, p: pb::Person) -> tonic::Status {
    let before = h.count("persons").await;
    let status = h
        .operator()
        .create_person(pb::CreatePersonRequest {
            request_id: String::new(),
            person: Some(p),
        })
        .await
        .unwrap_err();
    assert_eq!(
        h.count("persons").await,
        before,
        "a refused person writes nothing"
    );
    status
}

#[tokio::test]
async fn every_iin_failure_is_named_and_nothing_is_written() {
    let h = Harness::start().await;
    let valid = child(1);
    let cases: Vec<(String, &str)> = vec![
        (valid.iin[..11].to_string(), "must have 12 digits"),
        (format!("{}0", valid.iin), "must have 12 digits"),
        (format!("{}X", &valid.iin[..11]), "digits only"),
        (
            format!("{}9{}", &valid.iin[..6], &valid.iin[7..]),
            "digit 7",
        ),
        (format!("16{}{}", "13", &valid.iin[4..]), "birth date"),
        (
            format!(
                "{}{}",
                &valid.iin[..11],
                (valid.iin.as_bytes()[11] - b'0' + 1) % 10
            ),
            "check digit",
        ),
    ];
    for (iin, rule) in cases {
        let status = refused(
            &h,
            pb::Person {
                iin: iin.clone(),
                ..child(1)
            },
        )
        .await;
        assert_eq!(status.code(), Code::InvalidArgument, "{iin}");
        assert_eq!(bad_fields(&status), ["person.iin"], "{iin}");
        let description = bad_descriptions(&status).join(" ");
        assert!(description.contains(rule), "{iin}: {description}");
    }

    let mut wrong_birth = child(1);
    wrong_birth.birth_date = Some(date(2016, 4, 13));
    let status = refused(&h, wrong_birth).await;
    assert_eq!(bad_fields(&status), ["person.birth_date"]);
    assert!(bad_descriptions(&status)[0].contains("IIN"));

    let mut wrong_sex = child(1);
    wrong_sex.sex = onaltu_proto::common::Sex::Male as i32;
    let status = refused(&h, wrong_sex).await;
    assert_eq!(bad_fields(&status), ["person.sex"]);
}

#[tokio::test]
async fn every_violation_comes_in_one_answer() {
    let h = Harness::start().await;
    let p = pb::Person {
        iin: "1".into(),
        surname: String::new(),
        given_name: "X1".into(),
        region_code: "KZ-00".into(),
        phone: "8 701".into(),
        location: Some(onaltu_proto::common::GeoPoint {
            latitude: 0.0,
            longitude: 0.0,
        }),
        ..Default::default()
    };
    let status = refused(&h, p).await;
    assert_eq!(
        bad_fields(&status),
        [
            "person.iin",
            "person.surname",
            "person.given_name",
            "person.region_code",
            "person.phone",
            "person.location"
        ]
    );
}

#[tokio::test]
async fn a_person_is_created_once_per_iin_and_per_request_id() {
    let h = Harness::start().await;
    let mut op = h.operator();
    let request = pb::CreatePersonRequest {
        request_id: "0190a000-0000-7000-8000-000000000001".into(),
        person: Some(child(7)),
    };
    let first = op
        .create_person(request.clone())
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    assert_eq!(
        first.birth_date,
        Some(date(2016, 4, 12)),
        "taken from the IIN"
    );
    assert_eq!(first.sex, onaltu_proto::common::Sex::Female as i32);
    let retry = op
        .create_person(request)
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    assert_eq!(retry.id, first.id, "a retry returns the first result");
    let dup = op
        .create_person(pb::CreatePersonRequest {
            request_id: "0190a000-0000-7000-8000-000000000002".into(),
            person: Some(child(7)),
        })
        .await
        .unwrap_err();
    assert_eq!(dup.code(), Code::AlreadyExists);
    assert_eq!(h.count("persons").await, 1);
}

#[tokio::test]
async fn updates_follow_the_field_mask_and_keep_the_iin_fixed() {
    let h = Harness::start().await;
    let mut op = h.operator();
    let p = create_person(&mut op, child(3)).await;
    let updated = op
        .update_person(pb::UpdatePersonRequest {
            person: Some(pb::Person {
                id: p.id.clone(),
                district: "Сарыарқа".into(),
                surname: "ignored".into(),
                needs: Some(pb::Needs {
                    needs_escort: true,
                    ..Default::default()
                }),
                etag: p.etag.clone(),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["district".into(), "needs.needs_escort".into()],
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    assert_eq!(updated.district, "Сарыарқа");
    assert_eq!(updated.surname, p.surname, "not in the mask");
    let needs = updated.needs.unwrap();
    assert!(needs.needs_escort && needs.wheelchair_user);
    assert_ne!(updated.etag, p.etag);

    let status = op
        .update_person(pb::UpdatePersonRequest {
            person: Some(pb::Person {
                id: p.id.clone(),
                iin: child(4).iin,
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["iin".into(), "nonsense".into()],
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        bad_fields(&status),
        ["update_mask.iin", "update_mask.nonsense"]
    );

    let stale = op
        .update_person(pb::UpdatePersonRequest {
            person: Some(pb::Person {
                id: p.id.clone(),
                district: "x".into(),
                etag: p.etag.clone(),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["district".into()],
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted, "an old etag loses");
}

#[tokio::test]
async fn assessments_keep_history_with_one_current() {
    let h = Harness::start().await;
    let mut op = h.operator();
    let p = create_person(
        &mut op,
        pb::Person {
            current_assessment: Some(child_assessment()),
            ..child(5)
        },
    )
    .await;
    assert_eq!(
        p.current_assessment.as_ref().unwrap().group,
        pb::DisabilityGroup::Child7To18 as i32
    );
    let newer = pb::Assessment {
        established_on: Some(date(2025, 6, 1)),
        re_examination_due: Some(date(2027, 6, 1)),
        cause: pb::DisabilityCause::SinceChildhood as i32,
        ..child_assessment()
    };
    op.record_assessment(pb::RecordAssessmentRequest {
        request_id: "0190a000-0000-7000-8000-000000000003".into(),
        person_id: p.id.clone(),
        assessment: Some(newer),
    })
    .await
    .unwrap();
    let list = op
        .list_assessments(pb::ListAssessmentsRequest {
            person_id: p.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .assessments;
    assert_eq!(list.len(), 2);
    assert!(list[0].current && !list[1].current, "the newest is current");
    assert_eq!(list[0].cause, pb::DisabilityCause::SinceChildhood as i32);

    let bad = op
        .record_assessment(pb::RecordAssessmentRequest {
            request_id: String::new(),
            person_id: p.id.clone(),
            assessment: Some(pb::Assessment {
                group: pb::DisabilityGroup::Group1 as i32,
                established_on: Some(date(2025, 1, 1)),
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(
        bad_fields(&bad),
        [
            "assessment.cause",
            "assessment.group",
            "assessment.re_examination_due"
        ]
    );
}

#[tokio::test]
async fn households_and_education_are_recorded_for_children() {
    let h = Harness::start().await;
    let mut op = h.operator();
    let kid = create_person(&mut op, child(11)).await;
    let grown = create_person(&mut op, adult(12)).await;
    let household = op
        .upsert_household(pb::UpsertHouseholdRequest {
            request_id: "0190a000-0000-7000-8000-000000000004".into(),
            household: Some(pb::Household {
                members: vec![
                    pb::HouseholdMember {
                        person_id: kid.id.clone(),
                        relation: pb::HouseholdRelation::Child as i32,
                        has_disability: true,
                        ..Default::default()
                    },
                    pb::HouseholdMember {
                        full_name: "Ахметова Гүлнар".into(),
                        relation: pb::HouseholdRelation::Head as i32,
                        ..Default::default()
                    },
                ],
                special_needs_children_count: 1,
                housing_status: pb::HousingStatus::OnWaitlist as i32,
                social_support: Some(pb::SocialSupport {
                    benefits: vec![pb::BenefitKind::ChildCarerBenefit as i32],
                    one_time_aid: vec![pb::OneTimeAid {
                        paid_on: Some(date(2025, 3, 1)),
                        amount: Some(onaltu_proto::common::Money {
                            minor_units: 5_000_000,
                        }),
                        purpose: "wheelchair".into(),
                    }],
                }),
                ..Default::default()
            }),
            update_mask: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(household.created);
    let got = op
        .get_household(pb::GetHouseholdRequest {
            person_id: kid.id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .household
        .unwrap();
    assert_eq!(got.members.len(), 2);
    assert_eq!(got.housing_status, pb::HousingStatus::OnWaitlist as i32);

    let edu = op
        .set_education_status(pb::SetEducationStatusRequest {
            person_id: kid.id.clone(),
            education: Some(pb::ChildEducation {
                status: pb::EducationStatus::HomeSchooled as i32,
                has_tutor: true,
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .education
        .unwrap();
    assert!(edu.has_tutor);
    let person = op
        .get_person(pb::GetPersonRequest { id: kid.id.clone() })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    assert_eq!(
        person.education.unwrap().status,
        pb::EducationStatus::HomeSchooled as i32
    );
    assert_eq!(person.household_id, got.id);

    let status = op
        .set_education_status(pb::SetEducationStatusRequest {
            person_id: grown.id.clone(),
            education: Some(pb::ChildEducation {
                status: pb::EducationStatus::AtSchool as i32,
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);

    let status = op
        .upsert_household(pb::UpsertHouseholdRequest {
            request_id: String::new(),
            household: Some(pb::Household {
                members: vec![pb::HouseholdMember {
                    person_id: uuid::Uuid::now_v7().to_string(),
                    ..Default::default()
                }],
                special_needs_children_count: -1,
                ..Default::default()
            }),
            update_mask: None,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        bad_fields(&status),
        ["household.special_needs_children_count"]
    );
}

#[tokio::test]
async fn list_persons_filters_by_region_group_age_band_and_needs() {
    let h = Harness::start().await;
    let mut op = h.operator();
    let kid = create_person(
        &mut op,
        pb::Person {
            current_assessment: Some(child_assessment()),
            ..child(21)
        },
    )
    .await;
    create_person(&mut op, adult(22)).await;
    let page = op
        .list_persons(pb::ListPersonsRequest {
            region_code: "KZ-71".into(),
            age_band: pb::AgeBand::AgeBand14AndUnder as i32,
            needs: vec![pb::NeedKind::WheelchairUser as i32],
            group: pb::DisabilityGroup::Child7To18 as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.total_size, 1);
    assert_eq!(page.persons[0].id, kid.id);

    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = op
            .list_persons(pb::ListPersonsRequest {
                page_size: 1,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        seen.extend(page.persons.into_iter().map(|p| p.id));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(seen.len(), 2, "pages cover everyone once");

    let bad = op
        .list_persons(pb::ListPersonsRequest {
            page_token: "garbage".into(),
            page_size: -1,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
}
