//! An in-process registry on a real Postgres schema and a private Redis, with clients for any
//! role.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use onaltu_auth::{Claims, Role};
use onaltu_proto::common::{Date, Sex};
use onaltu_proto::registry as pb;
use onaltu_proto::registry::registry_service_client::RegistryServiceClient;
use onaltu_testkit::{AuthedChannel, RedisServer, Served, TestDb, authed};
use tonic::transport::Channel;
use uuid::Uuid;

pub type Client = RegistryServiceClient<AuthedChannel>;

/// A running registry; dropping it stops the server first, then drops its schema and Redis.
pub struct Harness {
    _served: Served,
    pub db: TestDb,
    pub redis: RedisServer,
    pub channel: Channel,
}

impl Harness {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts the registry with settings adjusted by `adjust`.
    pub async fn start_with(adjust: impl FnOnce(&mut onaltu_registry::settings::Settings)) -> Self {
        let db = TestDb::new(&onaltu_registry::migrations()).await;
        let redis = RedisServer::start();
        let mut settings = onaltu_registry::settings::Settings::local(
            db.settings(),
            &redis.url(),
            onaltu_testkit::jwt_secret(),
        );
        adjust(&mut settings);
        let pool = db.pool();
        let served = Served::service("registry", settings, pool, onaltu_registry::serve).await;
        Self {
            channel: served.channel.clone(),
            _served: served,
            db,
            redis,
        }
    }

    pub fn client(&self, claims: Option<Claims>) -> Client {
        RegistryServiceClient::new(authed(&self.channel, claims.as_ref()))
    }

    pub fn as_role(&self, role: Role) -> Client {
        self.client(Some(onaltu_testkit::claims(role)))
    }

    pub fn operator(&self) -> Client {
        self.as_role(Role::CityOperator)
    }

    pub fn citizen(&self, person: &str) -> Client {
        let mut c = onaltu_testkit::claims(Role::Citizen);
        c.sub = format!("citizen-{person}");
        c.person_id = Some(person.parse().unwrap());
        self.client(Some(c))
    }

    pub fn staff(&self, center: &str) -> Client {
        self.client(Some(onaltu_testkit::staff(center)))
    }

    /// A caller with `role` whose token subject is `sub`.
    pub fn named(&self, role: Role, sub: &str) -> Client {
        let mut c = onaltu_testkit::claims(role);
        c.sub = sub.into();
        self.client(Some(c))
    }

    /// The transport service, asking in its own name.
    pub fn transport_service(&self) -> Client {
        self.named(Role::Integration, "service:transport")
    }

    /// The feedback service, asking in its own name.
    pub fn feedback_service(&self) -> Client {
        self.named(Role::Integration, "service:feedback")
    }

    pub fn anonymous(&self) -> Client {
        self.client(None)
    }

    pub async fn count(&self, table: &str) -> i64 {
        self.db.count(table).await
    }
}

pub fn date(y: i32, m: i32, d: i32) -> Date {
    Date {
        year: y,
        month: m,
        day: d,
    }
}

/// A valid IIN for the given birth date and sex.
pub fn iin(y: i32, m: u32, d: u32, sex: onaltu_kzid::Sex, serial: u32) -> String {
    onaltu_kzid::Iin::generate(
        chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap(),
        sex,
        serial,
    )
    .unwrap()
}

/// A valid person (a child in Astana) with a unique IIN per serial.
pub fn child(serial: u32) -> pb::Person {
    pb::Person {
        iin: iin(2016, 4, 12, onaltu_kzid::Sex::Female, serial),
        surname: "Ахметова".into(),
        given_name: "Айару".into(),
        patronymic: "Серікқызы".into(),
        sex: Sex::Female as i32,
        region_code: "KZ-71".into(),
        district: "Есіл".into(),
        phone: "+77011234567".into(),
        needs: Some(pb::Needs {
            wheelchair_user: true,
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// An adult in Astana.
pub fn adult(serial: u32) -> pb::Person {
    pb::Person {
        iin: iin(1975, 9, 1, onaltu_kzid::Sex::Male, serial),
        surname: "Иванов".into(),
        given_name: "Сергей".into(),
        sex: Sex::Male as i32,
        region_code: "KZ-71".into(),
        ..Default::default()
    }
}

pub fn child_assessment() -> pb::Assessment {
    pb::Assessment {
        group: pb::DisabilityGroup::Child7To18 as i32,
        cause: pb::DisabilityCause::Congenital as i32,
        nosology_class: pb::NosologyClass::NervousSystem as i32,
        established_on: Some(date(2024, 5, 1)),
        re_examination_due: Some(date(2030, 5, 1)),
        ..Default::default()
    }
}

pub async fn create_person(client: &mut Client, p: pb::Person) -> pb::Person {
    client
        .create_person(pb::CreatePersonRequest {
            request_id: Uuid::now_v7().to_string(),
            person: Some(p),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap()
}

pub fn center(name: &str, beds: i32) -> pb::Center {
    pb::Center {
        name: Some(onaltu_proto::common::LocalizedText {
            kk: name.into(),
            ru: String::new(),
        }),
        sector: onaltu_proto::common::CenterSector::Health as i32,
        kind: onaltu_proto::common::CenterKind::RehabCentre as i32,
        region_code: "KZ-71".into(),
        service_forms: vec![
            pb::ServiceForm::Stationary as i32,
            pb::ServiceForm::SemiStationary as i32,
        ],
        capacity: Some(pb::Capacity {
            beds: Some(beds),
            places: Some(beds),
            admissions_per_month: Some(10),
        }),
        serves_children: true,
        emails: vec!["info@example.kz".into()],
        ..Default::default()
    }
}

pub async fn create_center(client: &mut Client, c: pb::Center) -> pb::Center {
    client
        .create_center(pb::CreateCenterRequest {
            request_id: Uuid::now_v7().to_string(),
            center: Some(c),
        })
        .await
        .unwrap()
        .into_inner()
        .center
        .unwrap()
}

pub async fn enqueue(
    client: &mut Client,
    person: &str,
    center: &str,
    form: pb::ServiceForm,
    on: Date,
) -> pb::Episode {
    client
        .enqueue_referral(pb::EnqueueReferralRequest {
            request_id: Uuid::now_v7().to_string(),
            referral: Some(pb::Referral {
                person_id: person.into(),
                center_id: center.into(),
                service_form: form as i32,
                referral_date: Some(on),
                referral_number: "ЖОБ-1".into(),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .episode
        .unwrap()
}

/// `message` sent with the purpose header the audit trail keeps.
pub fn with_purpose<T>(message: T, purpose: &str) -> tonic::Request<T> {
    let mut r = tonic::Request::new(message);
    r.metadata_mut()
        .insert("x-onaltu-purpose", purpose.parse().unwrap());
    r
}

/// The field paths of a status's BadRequest details.
pub fn bad_fields(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    status
        .get_details_bad_request()
        .map(|b| b.field_violations.into_iter().map(|f| f.field).collect())
        .unwrap_or_default()
}

/// The descriptions of a status's BadRequest details.
pub fn bad_descriptions(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    status
        .get_details_bad_request()
        .map(|b| {
            b.field_violations
                .into_iter()
                .map(|f| f.description)
                .collect()
        })
        .unwrap_or_default()
}
