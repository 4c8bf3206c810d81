//! The registry served for other services' tests, and the registry flows those tests start
//! from: persons, a centre, and episodes taken through the queue to admission and discharge, all
//! through the registry's API.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::{AuthedChannel, RedisServer, Served, TestDb};
use onaltu_proto::common::{CenterKind, CenterSector, Date, LocalizedText, Sex};
use onaltu_proto::registry::{self as pb, EpisodeEventKind as Kind, ServiceForm};
use uuid::Uuid;

/// A registry client.
pub type Registry = pb::registry_service_client::RegistryServiceClient<AuthedChannel>;

/// The registry running in this process on its own schema, until dropped.
pub struct RegistryServed {
    /// The server.
    pub served: Served,
    /// Its database schema.
    pub db: TestDb,
}

/// Serves the registry on a fresh schema, its cache and events in `redis`.
pub async fn serve(redis: &RedisServer) -> RegistryServed {
    let db = TestDb::new(&onaltu_registry::migrations()).await;
    let settings = onaltu_registry::settings::Settings::local(
        db.settings(),
        &redis.url(),
        crate::jwt_secret(),
    );
    let pool = db.pool();
    let served = Served::service("registry", settings, pool, onaltu_registry::serve).await;
    RegistryServed { served, db }
}

/// A calendar date of the contract.
pub fn date(year: i32, month: i32, day: i32) -> Date {
    Date { year, month, day }
}

fn iin(year: i32, sex: onaltu_kzid::Sex, serial: u32) -> String {
    let birth = chrono::NaiveDate::from_ymd_opt(year, 4, 12).expect("a date");
    onaltu_kzid::Iin::generate(birth, sex, serial).expect("an IIN")
}

/// Registers an adult in Astana; `serial` makes the IIN unique.
pub async fn adult(op: &mut Registry, serial: u32) -> pb::Person {
    create(
        op,
        pb::Person {
            iin: iin(1978, onaltu_kzid::Sex::Male, serial),
            surname: "Сейітов".into(),
            given_name: "Нұрлан".into(),
            sex: Sex::Male as i32,
            region_code: "KZ-71".into(),
            ..Default::default()
        },
    )
    .await
}

/// Registers a child in Astana represented by `representative`.
pub async fn child(op: &mut Registry, serial: u32, representative: &str) -> pb::Person {
    create(
        op,
        pb::Person {
            iin: iin(2016, onaltu_kzid::Sex::Female, serial),
            surname: "Сейітова".into(),
            given_name: "Аружан".into(),
            sex: Sex::Female as i32,
            region_code: "KZ-71".into(),
            legal_representative_ids: vec![representative.into()],
            ..Default::default()
        },
    )
    .await
}

async fn create(op: &mut Registry, person: pb::Person) -> pb::Person {
    op.create_person(pb::CreatePersonRequest {
        request_id: Uuid::now_v7().to_string(),
        person: Some(person),
    })
    .await
    .expect("create a person")
    .into_inner()
    .person
    .expect("the person")
}

/// Registers an adult wheelchair user of group 1, eligible for the invataxi.
pub async fn wheelchair_user(op: &mut Registry, serial: u32) -> pb::Person {
    create(
        op,
        pb::Person {
            iin: iin(1980, onaltu_kzid::Sex::Female, serial),
            surname: "Омарова".into(),
            given_name: "Дана".into(),
            sex: Sex::Female as i32,
            region_code: "KZ-71".into(),
            needs: Some(pb::Needs {
                wheelchair_user: true,
                ..Default::default()
            }),
            current_assessment: Some(pb::Assessment {
                group: pb::DisabilityGroup::Group1 as i32,
                cause: pb::DisabilityCause::Congenital as i32,
                nosology_class: pb::NosologyClass::NervousSystem as i32,
                established_on: Some(date(2024, 5, 1)),
                re_examination_due: Some(date(2030, 5, 1)),
                ..Default::default()
            }),
            ..Default::default()
        },
    )
    .await
}

/// Registers a children's and adults' rehabilitation centre in Astana with `beds`.
pub async fn centre(op: &mut Registry, name: &str, beds: i32) -> pb::Center {
    op.create_center(pb::CreateCenterRequest {
        request_id: Uuid::now_v7().to_string(),
        center: Some(pb::Center {
            name: Some(LocalizedText {
                kk: name.into(),
                ru: String::new(),
            }),
            sector: CenterSector::Health as i32,
            kind: CenterKind::RehabCentre as i32,
            region_code: "KZ-71".into(),
            service_forms: vec![ServiceForm::Stationary as i32],
            capacity: Some(pb::Capacity {
                beds: Some(beds),
                places: Some(beds),
                admissions_per_month: None,
            }),
            serves_children: true,
            serves_adults: true,
            ..Default::default()
        }),
    })
    .await
    .expect("create a centre")
    .into_inner()
    .center
    .expect("the centre")
}

/// Refers `person` to `centre`'s stationary queue; the episode is QUEUED.
pub async fn queued(op: &mut Registry, person: &str, centre: &str) -> pb::Episode {
    op.enqueue_referral(pb::EnqueueReferralRequest {
        request_id: Uuid::now_v7().to_string(),
        referral: Some(pb::Referral {
            person_id: person.into(),
            center_id: centre.into(),
            service_form: ServiceForm::Stationary as i32,
            referral_date: Some(date(2025, 3, 1)),
            referral_number: "ЖОБ-1".into(),
            ..Default::default()
        }),
    })
    .await
    .expect("enqueue")
    .into_inner()
    .episode
    .expect("the episode")
}

/// Takes `person` through `centre`'s queue to admission; the episode is ADMITTED.
pub async fn admitted(op: &mut Registry, person: &str, centre: &str) -> pb::Episode {
    let e = queued(op, person, centre).await;
    op.offer_place(pb::OfferPlaceRequest {
        request_id: Uuid::now_v7().to_string(),
        center_id: centre.into(),
        service_form: ServiceForm::Stationary as i32,
        episode_id: e.id.clone(),
        arrival_due_date: Some(date(2025, 6, 1)),
        order_number: "№12".into(),
    })
    .await
    .expect("offer");
    op.admit_person(pb::AdmitPersonRequest {
        request_id: Uuid::now_v7().to_string(),
        episode_id: e.id,
        admitted_on: Some(date(2025, 6, 2)),
        order_number: "№13".into(),
    })
    .await
    .expect("admit")
    .into_inner()
    .episode
    .expect("the episode")
}

/// Takes `person` through `centre` to a discharge with improvement; the episode is DISCHARGED.
pub async fn discharged(op: &mut Registry, person: &str, centre: &str) -> pb::Episode {
    let e = admitted(op, person, centre).await;
    op.record_episode_event(pb::RecordEpisodeEventRequest {
        request_id: Uuid::now_v7().to_string(),
        episode_id: e.id,
        event: Some(pb::EpisodeEvent {
            kind: Kind::Discharged as i32,
            event_date: Some(date(2025, 6, 20)),
            discharge_outcome: pb::DischargeOutcome::Improved as i32,
            ..Default::default()
        }),
    })
    .await
    .expect("discharge")
    .into_inner()
    .episode
    .expect("the episode")
}
