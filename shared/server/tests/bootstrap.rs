//! Health, reflection and graceful shutdown through real gRPC clients.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use onaltu_server::{GrpcServer, ReadinessCheck, ServerSettings};
use tokio::net::TcpListener;
use tonic::service::Routes;
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

const SERVICE: &str = "onaltu.registry.v1.RegistryService";

struct Running {
    addr: String,
    ready: Arc<AtomicBool>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<Result<(), onaltu_server::ServerError>>,
}

async fn start(settings: ServerSettings) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let ready = Arc::new(AtomicBool::new(true));
    let check: ReadinessCheck = {
        let ready = ready.clone();
        Arc::new(move || {
            let ready = ready.load(Ordering::SeqCst);
            Box::pin(async move { ready })
        })
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = GrpcServer::new(settings, Routes::default(), &[SERVICE]).with_readiness(check);
    let handle = tokio::spawn(server.serve(listener, async {
        let _ = rx.await;
    }));
    Running {
        addr,
        ready,
        stop: Some(tx),
        handle,
    }
}

fn settings() -> ServerSettings {
    ServerSettings {
        health_check_interval_ms: 50,
        ..ServerSettings::default()
    }
}

async fn health(addr: &str) -> HealthClient<Channel> {
    for _ in 0..100 {
        if let Ok(channel) = Channel::from_shared(addr.to_string())
            .unwrap()
            .connect()
            .await
        {
            return HealthClient::new(channel);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("server did not start");
}

async fn status(client: &mut HealthClient<Channel>, service: &str) -> ServingStatus {
    client
        .check(HealthCheckRequest {
            service: service.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .status()
}

async fn wait_for(client: &mut HealthClient<Channel>, service: &str, want: ServingStatus) {
    for _ in 0..200 {
        if status(client, service).await == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{service} never became {want:?}");
}

#[tokio::test]
async fn health_follows_the_database_per_service_and_for_the_server() {
    let server = start(settings()).await;
    let mut client = health(&server.addr).await;
    wait_for(&mut client, SERVICE, ServingStatus::Serving).await;
    assert_eq!(status(&mut client, "").await, ServingStatus::Serving);

    server.ready.store(false, Ordering::SeqCst);
    wait_for(&mut client, SERVICE, ServingStatus::NotServing).await;
    assert_eq!(status(&mut client, "").await, ServingStatus::NotServing);

    server.ready.store(true, Ordering::SeqCst);
    wait_for(&mut client, SERVICE, ServingStatus::Serving).await;

    let unknown = client
        .check(HealthCheckRequest {
            service: "no.such.Service".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), tonic::Code::NotFound);
}

#[tokio::test]
async fn reflection_lists_the_onaltu_services() {
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

    let server = start(settings()).await;
    health(&server.addr).await;
    let channel = Channel::from_shared(server.addr.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut client = ServerReflectionClient::new(channel);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::FileContainingSymbol(SERVICE.into())),
    };
    let mut stream = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let reply = stream.message().await.unwrap().unwrap();
    match reply.message_response {
        Some(MessageResponse::FileDescriptorResponse(files)) => {
            assert!(!files.file_descriptor_proto.is_empty());
        }
        other => panic!("unexpected reflection answer: {other:?}"),
    }
}

#[tokio::test]
async fn reflection_v1alpha_lists_the_services_for_older_clients() {
    use tonic_reflection::pb::v1alpha::ServerReflectionRequest;
    use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1alpha::server_reflection_response::MessageResponse;

    let server = start(settings()).await;
    health(&server.addr).await;
    let channel = Channel::from_shared(server.addr.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut client = ServerReflectionClient::new(channel);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut stream = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let reply = stream.message().await.unwrap().unwrap();
    let names: Vec<String> = match reply.message_response {
        Some(MessageResponse::ListServicesResponse(list)) => {
            list.service.into_iter().map(|s| s.name).collect()
        }
        other => panic!("unexpected reflection answer: {other:?}"),
    };
    for expected in [
        "onaltu.registry.v1.RegistryService",
        "onaltu.feedback.v1.FeedbackService",
        "grpc.health.v1.Health",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
}

#[tokio::test]
async fn shutdown_reports_not_serving_before_closing_then_stops() {
    let mut server = start(ServerSettings {
        drain_delay_ms: 1_000,
        ..settings()
    })
    .await;
    let mut client = health(&server.addr).await;
    wait_for(&mut client, SERVICE, ServingStatus::Serving).await;

    server.stop.take().unwrap().send(()).unwrap();
    // During the drain delay the listener is still open and answers NOT_SERVING.
    wait_for(&mut client, SERVICE, ServingStatus::NotServing).await;
    assert_eq!(status(&mut client, "").await, ServingStatus::NotServing);
    drop(client);

    let result = tokio::time::timeout(Duration::from_secs(30), server.handle)
        .await
        .expect("server stops after draining")
        .unwrap();
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn a_call_still_open_when_draining_ends_does_not_keep_the_server_up() {
    let mut server = start(ServerSettings {
        drain_timeout_secs: 1,
        ..settings()
    })
    .await;
    let mut client = health(&server.addr).await;
    // A Watch stream never ends by itself: an in-flight call that outlives the drain timeout.
    let _watch = client
        .watch(HealthCheckRequest {
            service: SERVICE.into(),
        })
        .await
        .unwrap();
    server.stop.take().unwrap().send(()).unwrap();
    let result = tokio::time::timeout(Duration::from_secs(30), server.handle)
        .await
        .expect("server stops at the drain timeout")
        .unwrap();
    assert!(result.is_ok());
}

/// A server with its plaintext health port on a listener of the test's own.
async fn start_with_health_port(settings: ServerSettings) -> (Running, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let health = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let health_addr = format!("http://{}", health.local_addr().unwrap());
    let ready = Arc::new(AtomicBool::new(true));
    let check: ReadinessCheck = {
        let ready = ready.clone();
        Arc::new(move || {
            let ready = ready.load(Ordering::SeqCst);
            Box::pin(async move { ready })
        })
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = GrpcServer::new(settings, Routes::default(), &[SERVICE])
        .with_readiness(check)
        .with_health_listener(health);
    let handle = tokio::spawn(server.serve(listener, async {
        let _ = rx.await;
    }));
    (
        Running {
            addr,
            ready,
            stop: Some(tx),
            handle,
        },
        health_addr,
    )
}

#[tokio::test]
async fn the_health_port_answers_the_same_health_and_nothing_else() {
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;

    let (mut server, health_addr) = start_with_health_port(ServerSettings {
        drain_delay_ms: 1_000,
        ..settings()
    })
    .await;
    let mut main = health(&server.addr).await;
    let mut probe = health(&health_addr).await;
    wait_for(&mut probe, SERVICE, ServingStatus::Serving).await;
    assert_eq!(status(&mut probe, "").await, ServingStatus::Serving);

    // Readiness is one state: the database down shows on both ports.
    server.ready.store(false, Ordering::SeqCst);
    wait_for(&mut probe, SERVICE, ServingStatus::NotServing).await;
    assert_eq!(status(&mut main, SERVICE).await, ServingStatus::NotServing);
    server.ready.store(true, Ordering::SeqCst);
    wait_for(&mut probe, SERVICE, ServingStatus::Serving).await;

    // No reflection (nor anything but health) on the health port.
    let channel = Channel::from_shared(health_addr.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let refused = ServerReflectionClient::new(channel)
        .server_reflection_info(tokio_stream::iter([ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        }]))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::Unimplemented, "{refused:?}");

    // Draining: NOT_SERVING on the health port too, while it still answers.
    server.stop.take().unwrap().send(()).unwrap();
    wait_for(&mut probe, SERVICE, ServingStatus::NotServing).await;
    assert_eq!(status(&mut probe, "").await, ServingStatus::NotServing);
    drop((main, probe));
    let result = tokio::time::timeout(Duration::from_secs(30), server.handle)
        .await
        .expect("server stops after draining")
        .unwrap();
    assert!(result.is_ok(), "{result:?}");
    // Once the server has stopped, so has its health port.
    let gone = Channel::from_shared(health_addr).unwrap().connect().await;
    assert!(gone.is_err(), "the health port still accepts connections");
}

#[tokio::test]
async fn health_listen_is_bound_from_the_settings() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let server = start(ServerSettings {
        health_listen: Some(([127, 0, 0, 1], port).into()),
        ..settings()
    })
    .await;
    health(&server.addr).await;
    let mut probe = health(&format!("http://127.0.0.1:{port}")).await;
    wait_for(&mut probe, SERVICE, ServingStatus::Serving).await;
}

#[tokio::test]
async fn a_health_port_already_taken_stops_the_server_naming_the_key() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = GrpcServer::new(
        ServerSettings {
            health_listen: Some(addr),
            ..settings()
        },
        Routes::default(),
        &[SERVICE],
    );
    let err = server
        .serve(listener, std::future::pending())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("server.health_listen") && err.contains(&addr.to_string()),
        "{err}"
    );
}

#[test]
fn the_health_port_must_differ_from_the_grpc_port() {
    let mut c = onaltu_config::Checker::default();
    let settings = ServerSettings {
        health_listen: Some(([0, 0, 0, 0], 50051).into()),
        ..ServerSettings::default()
    };
    c.section("server", &settings);
    let keys: Vec<&str> = c.violations().iter().map(|v| v.key.as_str()).collect();
    assert_eq!(keys, ["server.health_listen"]);
}

#[tokio::test]
async fn a_watch_on_the_health_port_does_not_keep_the_server_up() {
    let (mut server, health_addr) = start_with_health_port(settings()).await;
    let mut probe = health(&health_addr).await;
    wait_for(&mut probe, SERVICE, ServingStatus::Serving).await;
    let _watch = probe
        .watch(HealthCheckRequest {
            service: SERVICE.into(),
        })
        .await
        .unwrap();
    server.stop.take().unwrap().send(()).unwrap();
    let result = tokio::time::timeout(Duration::from_secs(30), server.handle)
        .await
        .expect("the server stops with a Watch open on its health port")
        .unwrap();
    assert!(result.is_ok(), "{result:?}");
}
