//! Centres through a real gRPC client: validation, public reads, filtered lists, updates by the
//! city office and by a centre's staff, imports, and the Redis cache (including Redis down).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use onaltu_auth::Role;
use onaltu_proto::common::CenterKind;
use onaltu_proto::registry as pb;
use tonic::Code;

fn mask(paths: &[&str]) -> Option<prost_types::FieldMask> {
    Some(prost_types::FieldMask {
        paths: paths.iter().map(|p| p.to_string()).collect(),
    })
}

#[tokio::test]
async fn a_bad_centre_is_refused_with_every_reason_and_nothing_is_written() {
    let h = Harness::start().await;
    let mut op = h.operator();
    let bin = onaltu_kzid::generate_bin(2015, 4, 77).unwrap();
    let wrong_bin = format!("{}{}", &bin[..11], (bin.as_bytes()[11] - b'0' + 1) % 10);
    let status = op
        .create_center(pb::CreateCenterRequest {
            request_id: String::new(),
            center: Some(pb::Center {
                bin: wrong_bin,
                emails: vec!["ok@mail.kz".into(), "тарaz-odb@mail.ru".into()],
                website: "www.example.kz".into(),
                capacity: Some(pb::Capacity {
                    beds: Some(-1),
                    ..Default::default()
                }),
                ..center("", 1)
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        bad_fields(&status),
        [
            "center.name.kk",
            "center.bin",
            "center.emails[1]",
            "center.website",
            "center.capacity.beds"
        ]
    );
    assert!(bad_descriptions(&status)[1].contains("check digit"));
    assert_eq!(h.count("centers").await, 0);
}

#[tokio::test]
async fn centres_are_public_to_read_and_listed_by_filters() {
    let h = Harness::start().await;
    let mut op = h.operator();
    let a = create_center(&mut op, center("Астана оңалту", 10)).await;
    let mut early = center("Ерте араласу", 5);
    early.kind = CenterKind::EarlyIntervention as i32;
    early.service_forms = vec![pb::ServiceForm::Outpatient as i32];
    early.region_code = "KZ-75".into();
    let b = create_center(&mut op, early).await;

    let mut public = h.anonymous();
    let got = public
        .get_center(pb::GetCenterRequest { id: a.id.clone() })
        .await
        .unwrap()
        .into_inner()
        .center
        .unwrap();
    assert_eq!(got, a);
    let astana = public
        .list_centers(pb::ListCentersRequest {
            region_code: "KZ-71".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (astana.total_size, astana.centers[0].id.clone()),
        (1, a.id.clone())
    );
    let outpatient = public
        .list_centers(pb::ListCentersRequest {
            service_form: pb::ServiceForm::Outpatient as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(outpatient.centers.len(), 1);
    assert_eq!(outpatient.centers[0].id, b.id);
    let by_name = public
        .list_centers(pb::ListCentersRequest {
            name_query: "араласу".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_name.centers.len(), 1);
    let missing = public
        .get_center(pb::GetCenterRequest {
            id: uuid::Uuid::now_v7().to_string(),
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
}

#[tokio::test]
async fn staff_keep_their_centres_contacts_and_the_city_office_the_rest() {
    let h = Harness::start().await;
    let mut op = h.operator();
    let a = create_center(&mut op, center("Қызметкер", 10)).await;
    let mut staff = h.staff(&a.id);
    let updated = staff
        .update_center(pb::UpdateCenterRequest {
            center: Some(pb::Center {
                id: a.id.clone(),
                phones: vec!["+7 7172 55 55 55".into()],
                ..Default::default()
            }),
            update_mask: mask(&["phones"]),
        })
        .await
        .unwrap()
        .into_inner()
        .center
        .unwrap();
    assert_eq!(updated.phones, ["+7 7172 55 55 55"]);
    // The checklists are the city's inspection, not the centre's own claim.
    let inspected = staff
        .update_center(pb::UpdateCenterRequest {
            center: Some(pb::Center {
                id: a.id.clone(),
                accessibility: Some(pb::AccessibilityChecklist {
                    lift: true,
                    ..Default::default()
                }),
                ..Default::default()
            }),
            update_mask: mask(&["accessibility"]),
        })
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&inspected), ["update_mask.accessibility"]);
    let fresh = h
        .anonymous()
        .get_center(pb::GetCenterRequest { id: a.id.clone() })
        .await
        .unwrap()
        .into_inner()
        .center
        .unwrap();
    assert_eq!(
        fresh.phones, updated.phones,
        "the cached centre was invalidated"
    );

    let denied = staff
        .update_center(pb::UpdateCenterRequest {
            center: Some(pb::Center {
                id: a.id.clone(),
                capacity: Some(pb::Capacity {
                    beds: Some(99),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            update_mask: mask(&["capacity"]),
        })
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&denied), ["update_mask.capacity"]);

    let other = create_center(&mut op, center("Басқа", 10)).await;
    let denied = staff
        .update_center(pb::UpdateCenterRequest {
            center: Some(pb::Center {
                id: other.id.clone(),
                website: "https://x.kz".into(),
                ..Default::default()
            }),
            update_mask: mask(&["website"]),
        })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);

    let renamed = op
        .update_center(pb::UpdateCenterRequest {
            center: Some(pb::Center {
                id: a.id.clone(),
                name: Some(onaltu_proto::common::LocalizedText {
                    kk: "Жаңа атау".into(),
                    ru: "Новое название".into(),
                }),
                ..Default::default()
            }),
            update_mask: mask(&["name"]),
        })
        .await
        .unwrap()
        .into_inner()
        .center
        .unwrap();
    assert_eq!(renamed.name.unwrap().ru, "Новое название");
    let listed = h
        .anonymous()
        .list_centers(pb::ListCentersRequest {
            name_query: "Жаңа".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        listed.centers.len(),
        1,
        "cached lists were retired by the write"
    );
}

async fn import(client: &mut Client, rows: Vec<pb::Center>) -> pb::ImportSummary {
    let messages: Vec<_> = rows
        .into_iter()
        .enumerate()
        .map(|(i, c)| pb::ImportCentersRequest {
            row_number: i as i64 + 1,
            center: Some(c),
            validate_only: false,
        })
        .collect();
    client
        .import_centers(tokio_stream::iter(messages))
        .await
        .unwrap()
        .into_inner()
        .summary
        .unwrap()
}

#[tokio::test]
async fn imports_are_idempotent_and_report_rejected_rows_by_number() {
    let h = Harness::start().await;
    let mut op = h.operator();
    let rows = vec![
        center("Бірінші", 10),
        pb::Center {
            region_code: "KZ-00".into(),
            ..center("Екінші", 10)
        },
        center("Үшінші", 10),
        center("Бірінші", 10),
    ];
    let first = import(&mut op, rows.clone()).await;
    assert_eq!(
        (
            first.received,
            first.created,
            first.updated,
            first.unchanged
        ),
        (4, 2, 0, 0)
    );
    let rejected: Vec<_> = first
        .rejected
        .iter()
        .map(|r| (r.row_number, r.violations[0].field.clone()))
        .collect();
    assert_eq!(
        rejected,
        [
            (2, "center.region_code".to_string()),
            (4, "center".to_string())
        ]
    );

    let again = import(
        &mut op,
        vec![
            center("Бірінші", 10),
            pb::Center {
                capacity: beds_changed(),
                ..center("Үшінші", 10)
            },
        ],
    )
    .await;
    assert_eq!((again.created, again.updated, again.unchanged), (0, 1, 1));
    assert_eq!(h.count("centers").await, 2);

    let denied = h
        .as_role(Role::CenterStaff)
        .import_centers(tokio_stream::iter(Vec::<pb::ImportCentersRequest>::new()))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
}

#[allow(non_snake_case)]
fn beds_changed() -> Option<pb::Capacity> {
    Some(pb::Capacity {
        beds: Some(12),
        places: Some(10),
        admissions_per_month: Some(10),
    })
}

#[tokio::test]
async fn with_redis_down_every_read_answers_from_postgres() {
    let mut h = Harness::start().await;
    let mut op = h.operator();
    let person = create_person(&mut op, child(5)).await;
    let c = create_center(&mut op, center("Redis", 10)).await;
    // Warm the cache.
    op.get_person(pb::GetPersonRequest {
        id: person.id.clone(),
    })
    .await
    .unwrap();
    op.get_center(pb::GetCenterRequest { id: c.id.clone() })
        .await
        .unwrap();

    h.redis.stop();
    for _ in 0..5 {
        op.get_person(pb::GetPersonRequest {
            id: person.id.clone(),
        })
        .await
        .unwrap();
        op.get_center(pb::GetCenterRequest { id: c.id.clone() })
            .await
            .unwrap();
        op.list_centers(pb::ListCentersRequest::default())
            .await
            .unwrap();
        op.get_statistics(pb::GetStatisticsRequest::default())
            .await
            .unwrap();
    }
    // A write while Redis is down...
    op.update_center(pb::UpdateCenterRequest {
        center: Some(pb::Center {
            id: c.id.clone(),
            website: "https://after.kz".into(),
            ..Default::default()
        }),
        update_mask: mask(&["website"]),
    })
    .await
    .unwrap();
    h.redis.resume();
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    // ...is not hidden by the entry cached before the outage.
    let got = op
        .get_center(pb::GetCenterRequest { id: c.id.clone() })
        .await
        .unwrap()
        .into_inner()
        .center
        .unwrap();
    assert_eq!(got.website, "https://after.kz");
}

#[tokio::test]
async fn cache_keys_carry_no_personal_data() {
    let h = Harness::start().await;
    let mut op = h.operator();
    let person = create_person(&mut op, child(6)).await;
    op.get_person(pb::GetPersonRequest {
        id: person.id.clone(),
    })
    .await
    .unwrap();
    op.get_statistics(pb::GetStatisticsRequest::default())
        .await
        .unwrap();
    let client = redis::Client::open(h.redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(
        keys.iter()
            .any(|k| k == &format!("registry:person:{}", person.id)),
        "{keys:?}"
    );
    for k in &keys {
        assert!(
            !k.contains(&person.iin) && !k.contains(&person.surname),
            "{k}"
        );
    }
}
