//! East-west traffic over mutual TLS, with certificates made at test time as cert-manager issues
//! them in the cluster (one CA; per service a certificate naming it): the registry requires a
//! client certificate of that CA from every caller; the feedback service asks it with the
//! caller's token, the rating service in its own name, each presenting its own certificate; a
//! service's token is believed only from that service's certificate; callers without a
//! certificate of the CA, or in clear, are refused; the plaintext health port answers health and
//! nothing else; and a service's own token mounted as a file is read again when it is rotated.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use onaltu_api::Period;
use onaltu_auth::{Claims, Role};
use onaltu_client::{ClientSettings, ClientTlsSettings, Registry};
use onaltu_proto::registry::registry_service_client::RegistryServiceClient;
use onaltu_proto::registry::{GetCenterIndicatorsRequest, GetCenterRequest};
use onaltu_proto::{feedback as fb, rating as rt};
use onaltu_suite::{citizen, claims};
use onaltu_testkit::registry as reg;
use onaltu_testkit::tls::{Issued, Pki};
use onaltu_testkit::{RedisServer, Served, TestDb, authed};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use uuid::Uuid;

/// The certificates of one test: the suite's CA, each service's certificate, a gateway's (the
/// way outside callers come in), and a stranger's from another CA.
struct Certificates {
    pki: Pki,
    registry: Issued,
    feedback: Issued,
    rating: Issued,
    gateway: Issued,
    other_ca: Pki,
    stranger: Issued,
}

impl Certificates {
    fn new() -> Self {
        let pki = Pki::new("Onaltu test CA");
        let other_ca = Pki::new("Another CA");
        Self {
            registry: pki.issue(&["registry", "registry.onaltu.svc", "localhost"]),
            feedback: pki.issue(&["feedback", "feedback.onaltu.svc"]),
            rating: pki.issue(&["rating", "rating.onaltu.svc"]),
            gateway: pki.issue(&["gateway"]),
            stranger: other_ca.issue(&["rating"]),
            pki,
            other_ca,
        }
    }

    /// `[registry.tls]` of a service presenting `own` (or no certificate).
    fn client(&self, own: Option<&Issued>) -> ClientTlsSettings {
        ClientTlsSettings {
            ca_path: self.pki.ca_path().to_string(),
            cert_path: own.map(|o| o.cert_path.clone()),
            key_path: own.map(|o| o.key_path.clone()),
            domain_name: Some("registry".into()),
        }
    }
}

/// The registry serving gRPC over mutual TLS, and health in clear on a port of its own.
struct TlsRegistry {
    /// `https://127.0.0.1:<port>`.
    addr: String,
    /// `http://127.0.0.1:<port>` of the health port.
    health_addr: String,
    _db: TestDb,
    redis: RedisServer,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TlsRegistry {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn tls_registry(certs: &Certificates) -> TlsRegistry {
    let redis = RedisServer::start();
    let db = TestDb::new(&onaltu_registry::migrations()).await;
    let mut settings = onaltu_registry::settings::Settings::local(
        db.settings(),
        &redis.url(),
        onaltu_testkit::jwt_secret(),
    );
    settings.server.tls = Some(onaltu_server::TlsSettings {
        cert_path: certs.registry.cert_path.clone(),
        key_path: certs.registry.key_path.clone(),
        client_ca_path: Some(certs.pki.ca_path().to_string()),
    });
    let health_port = onaltu_testkit::free_port();
    settings.server.health_listen = Some(([127, 0, 0, 1], health_port).into());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = format!("https://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let pool = db.pool();
    tokio::spawn(async move {
        let served = onaltu_registry::serve(onaltu_service::Start {
            settings,
            pool,
            listener,
            shutdown: Box::pin(async {
                let _ = stopped.await;
            }),
        })
        .await;
        if let Err(err) = served {
            panic!("the registry stopped with an error: {err}");
        }
    });
    let health_addr = format!("http://127.0.0.1:{health_port}");
    // Ready as the kubelet sees it: SERVING on the plaintext health port.
    let mut ready = false;
    for _ in 0..250 {
        if health_status(&health_addr, "onaltu.registry.v1.RegistryService").await
            == Some(ServingStatus::Serving)
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        ready,
        "the registry never reported SERVING on its health port"
    );
    TlsRegistry {
        addr,
        health_addr,
        _db: db,
        redis,
        stop: Some(stop),
    }
}

/// The health of `service` asked in clear at `addr`, if it answers.
async fn health_status(addr: &str, service: &str) -> Option<ServingStatus> {
    let channel = Channel::from_shared(addr.to_string())
        .unwrap()
        .connect()
        .await
        .ok()?;
    HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: service.into(),
        })
        .await
        .ok()
        .map(|r| r.into_inner().status())
}

/// A TLS channel to the registry trusting `ca`, presenting `own` (if any).
async fn tls_channel(
    addr: &str,
    ca: &str,
    own: Option<&Issued>,
) -> Result<Channel, tonic::transport::Error> {
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(std::fs::read(ca).unwrap()))
        .domain_name("registry");
    if let Some(own) = own {
        tls = tls.identity(Identity::from_pem(&own.cert_pem, &own.key_pem));
    }
    Endpoint::from_shared(addr.to_string())?
        .timeout(Duration::from_secs(5))
        .tls_config(tls)?
        .connect()
        .await
}

type RegistryClient = RegistryServiceClient<onaltu_testkit::AuthedChannel>;

async fn registry_as(
    registry: &TlsRegistry,
    certs: &Certificates,
    own: &Issued,
    claims: Option<&Claims>,
) -> RegistryClient {
    let channel = tls_channel(&registry.addr, certs.pki.ca_path(), Some(own))
        .await
        .expect("a mutual TLS connection");
    RegistryServiceClient::new(authed(&channel, claims))
}

/// Whether a public read over this connection attempt is refused (at the handshake or at the
/// first call, which is where a TLS 1.3 client learns that its certificate was not accepted).
async fn refused(channel: Result<Channel, tonic::transport::Error>) -> bool {
    let Ok(channel) = channel else {
        return true;
    };
    RegistryServiceClient::new(channel)
        .get_center(GetCenterRequest {
            id: Uuid::now_v7().to_string(),
        })
        .await
        .is_err_and(|status| {
            status.code() != tonic::Code::NotFound && status.code() != tonic::Code::InvalidArgument
        })
}

/// A centre with one citizen admitted to it; the operator calls through the gateway.
async fn admitted_citizen(registry: &TlsRegistry, certs: &Certificates) -> (String, String) {
    let mut op = registry_as(
        registry,
        certs,
        &certs.gateway,
        Some(&claims(Role::CityOperator)),
    )
    .await;
    let person = reg::adult(&mut op, 101).await;
    let centre = reg::centre(&mut op, "Мейірім", 40).await;
    let episode = reg::admitted(&mut op, &person.id, &centre.id).await;
    (person.id, episode.id)
}

#[tokio::test]
async fn feedback_asks_the_registry_over_mutual_tls_with_the_callers_token() {
    let certs = Certificates::new();
    let registry = tls_registry(&certs).await;
    let (person, episode) = admitted_citizen(&registry, &certs).await;

    let serve_feedback = async |tls: ClientTlsSettings| {
        let db = TestDb::new(&onaltu_feedback::migrations()).await;
        let mut settings = onaltu_feedback::settings::Settings::local(
            db.settings(),
            &registry.redis.url(),
            onaltu_testkit::jwt_secret(),
            &registry.addr,
        );
        settings.registry.tls = Some(tls);
        settings.registry.backoff_ms = 20;
        let served = Served::service("feedback", settings, db.pool(), onaltu_feedback::serve).await;
        (served, db)
    };

    let (feedback, _db) = serve_feedback(certs.client(Some(&certs.feedback))).await;
    let mut client = fb::feedback_service_client::FeedbackServiceClient::new(authed(
        &feedback.channel,
        Some(&citizen(&person)),
    ));
    let submitted = onaltu_testkit::feedback::submit(
        &mut client,
        onaltu_testkit::feedback::evaluation(&episode, 5, "Жақсы орталық"),
    )
    .await
    .expect("the registry answered over mutual TLS");
    assert_eq!(submitted.episode_id, episode);

    // The same service without a certificate of its own is refused at the handshake: nothing is
    // written, and the caller is told of an internal error (the service's log says why: the
    // registry asked for a certificate).
    let (anonymous, _db2) = serve_feedback(certs.client(None)).await;
    let mut client = fb::feedback_service_client::FeedbackServiceClient::new(authed(
        &anonymous.channel,
        Some(&citizen(&person)),
    ));
    let err = onaltu_testkit::feedback::submit(
        &mut client,
        onaltu_testkit::feedback::evaluation(&episode, 5, "Тағы да"),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), tonic::Code::Internal, "{err:?}");
}

#[tokio::test]
async fn rating_asks_the_registry_in_its_own_name_over_mutual_tls() {
    let certs = Certificates::new();
    let registry = tls_registry(&certs).await;
    let mut op = registry_as(
        &registry,
        &certs,
        &certs.gateway,
        Some(&claims(Role::CityOperator)),
    )
    .await;
    let centre = reg::centre(&mut op, "Шапағат", 30).await;

    let serve_rating = async |tls: ClientTlsSettings| {
        let db = TestDb::new(&onaltu_rating::migrations()).await;
        let mut settings = onaltu_rating::settings::Settings::local(
            db.settings(),
            &registry.redis.url(),
            onaltu_testkit::jwt_secret(),
            &registry.addr,
        );
        settings.registry.tls = Some(tls);
        let served = Served::service("rating", settings, db.pool(), onaltu_rating::serve).await;
        (served, db)
    };
    let compute = async |rating: &Served| {
        rt::rating_service_client::RatingServiceClient::new(authed(
            &rating.channel,
            Some(&claims(Role::CityOperator)),
        ))
        .compute_ratings(rt::ComputeRatingsRequest {
            request_id: Uuid::now_v7().to_string(),
            period: Some(Period::quarter_of(onaltu_api::today()).encode()),
        })
        .await
    };

    // In its own name (service:rating) with its own certificate: the centres and their
    // indicators are read, and the centre is rated.
    let (rating, _db) = serve_rating(certs.client(Some(&certs.rating))).await;
    let computed = compute(&rating).await.expect("rated over mutual TLS");
    assert_eq!(computed.into_inner().centers_rated, 1);
    let rated = rt::rating_service_client::RatingServiceClient::new(authed(&rating.channel, None))
        .get_center_rating(rt::GetCenterRatingRequest {
            center_id: centre.id.clone(),
            period: Some(Period::quarter_of(onaltu_api::today()).encode()),
            rating_version: None,
        })
        .await
        .expect("the centre's rating");
    assert!(rated.into_inner().rating.is_some());

    // The same token over the feedback service's certificate is not believed.
    let (impostor, _db2) = serve_rating(certs.client(Some(&certs.feedback))).await;
    // (The registry's reason, that the certificate does not name rating, is in the rating
    // service's log; its caller is told of an internal error.)
    let err = compute(&impostor).await.unwrap_err();
    assert_eq!(err.code(), tonic::Code::Internal, "{err:?}");
}

#[tokio::test]
async fn a_service_token_is_believed_only_from_that_services_certificate() {
    let certs = Certificates::new();
    let registry = tls_registry(&certs).await;
    let mut op = registry_as(
        &registry,
        &certs,
        &certs.gateway,
        Some(&claims(Role::CityOperator)),
    )
    .await;
    let centre = reg::centre(&mut op, "Үміт", 20).await;
    let indicators = || GetCenterIndicatorsRequest {
        center_id: centre.id.clone(),
        period: Some(Period::quarter_of(onaltu_api::today()).encode()),
    };
    let own = Claims::new("service:rating", Role::Integration, 600);

    let mut rating = registry_as(&registry, &certs, &certs.rating, Some(&own)).await;
    rating.get_center_indicators(indicators()).await.unwrap();

    for (holder, name) in [(&certs.feedback, "feedback"), (&certs.gateway, "gateway")] {
        let mut stolen = registry_as(&registry, &certs, holder, Some(&own)).await;
        let err = stolen
            .get_center_indicators(indicators())
            .await
            .unwrap_err();
        assert_eq!(err.code(), tonic::Code::Unauthenticated, "{name}: {err:?}");
        assert!(err.message().contains("names rating"), "{name}: {err:?}");
    }

    // Other systems' INTEGRATION tokens, and people's, are not services': any certificate of
    // the CA carries them (the gateway's, here).
    let city_system = Claims::new("egov-statistics", Role::Integration, 600);
    let mut gateway = registry_as(&registry, &certs, &certs.gateway, Some(&city_system)).await;
    gateway.get_center_indicators(indicators()).await.unwrap();
}

#[tokio::test]
async fn callers_without_a_certificate_of_the_ca_and_in_clear_are_refused() {
    let certs = Certificates::new();
    let registry = tls_registry(&certs).await;
    let ca = certs.pki.ca_path();

    // With a certificate of the CA, a public read answers.
    assert!(!refused(tls_channel(&registry.addr, ca, Some(&certs.gateway)).await).await);

    // Without a certificate; with one of another CA; in clear; and trusting another CA.
    assert!(refused(tls_channel(&registry.addr, ca, None).await).await);
    assert!(refused(tls_channel(&registry.addr, ca, Some(&certs.stranger)).await).await);
    let clear = registry.addr.replace("https://", "http://");
    assert!(refused(Channel::from_shared(clear).unwrap().connect().await).await);
    assert!(
        refused(
            tls_channel(
                &registry.addr,
                certs.other_ca.ca_path(),
                Some(&certs.gateway)
            )
            .await
        )
        .await
    );

    // The health port answers in clear, the gRPC port's health only over mutual TLS.
    assert_eq!(
        health_status(&registry.health_addr, "").await,
        Some(ServingStatus::Serving)
    );
    let clear = registry.addr.replace("https://", "http://");
    assert_eq!(
        health_status(&clear, "onaltu.registry.v1.RegistryService").await,
        None
    );
    let mtls = tls_channel(&registry.addr, ca, Some(&certs.gateway))
        .await
        .unwrap();
    let status = HealthClient::new(mtls)
        .check(HealthCheckRequest {
            service: "onaltu.registry.v1.RegistryService".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .status();
    assert_eq!(status, ServingStatus::Serving);

    // The health port serves health alone: no registry calls on it.
    let health_only = Channel::from_shared(registry.health_addr.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let err = RegistryServiceClient::new(health_only)
        .get_center(GetCenterRequest {
            id: Uuid::now_v7().to_string(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::Unimplemented, "{err:?}");
}

#[tokio::test]
async fn a_rotated_token_file_is_used_by_the_next_call() {
    let certs = Certificates::new();
    let registry = tls_registry(&certs).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry-token");
    let valid = || onaltu_testkit::token(&Claims::new("service:rating", Role::Integration, 600));
    std::fs::write(&path, valid()).unwrap();

    let settings = ClientSettings {
        url: registry.addr.clone(),
        token_file: Some(path.to_str().unwrap().to_string()),
        tls: Some(certs.client(Some(&certs.rating))),
        attempts: 1,
        ..ClientSettings::default()
    };
    let client = Registry::in_own_name(
        &settings,
        &onaltu_auth::AuthSettings::default(),
        "service:rating",
    )
    .unwrap();
    let statistics = async || {
        let stub = client.as_service().unwrap();
        client
            .call(
                &stub,
                onaltu_proto::registry::GetStatisticsRequest::default(),
                |mut c, r| async move { c.get_statistics(r).await },
            )
            .await
    };
    statistics().await.expect("the mounted token is accepted");

    // The Secret rotated to a token that has expired: the next call carries it.
    let mut expired = Claims::new("service:rating", Role::Integration, 0);
    expired.iat = Some(expired.exp - 7_200);
    expired.exp -= 3_600;
    let next = dir.path().join("registry-token.next");
    std::fs::write(&next, onaltu_testkit::token(&expired)).unwrap();
    std::fs::rename(&next, &path).unwrap();
    let err = statistics().await.unwrap_err();
    assert_eq!(err.code(), tonic::Code::Unauthenticated, "{err:?}");
    assert!(err.message().contains("expired"), "{err:?}");

    // And rotated again to a fresh one: accepted, without a new client.
    std::fs::write(&next, valid()).unwrap();
    std::fs::rename(&next, &path).unwrap();
    statistics().await.expect("the fresh token is accepted");
}
