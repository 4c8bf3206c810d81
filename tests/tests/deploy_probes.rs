//! The Deployments' gRPC probes ask each server's health under the name it registers, on the
//! plaintext health port it listens on (`[server] health_listen`), never on the gRPC port, which
//! mutual TLS closes to the kubelet's probes: a probe naming another service, or the wrong port,
//! never passes and a rollout never completes.

#![allow(clippy::expect_used)]

use std::path::Path;

/// The `grpc:` probes of a Deployment file: (port, service name) of each.
fn grpc_probes(yaml: &str) -> Vec<(u16, String)> {
    let lines: Vec<&str> = yaml.lines().collect();
    let mut probes = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim() != "grpc:" {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let body = lines[i + 1..]
            .iter()
            .take_while(|l| l.len() - l.trim_start().len() > indent || l.trim().is_empty());
        let (mut port, mut service) = (None, None);
        for l in body {
            if let Some(v) = l.trim().strip_prefix("port:") {
                port = v.trim().parse().ok();
            }
            if let Some(v) = l.trim().strip_prefix("service:") {
                service = Some(v.trim().trim_matches('"').to_string());
            }
        }
        probes.push((
            port.expect("a grpc probe names its port"),
            service.unwrap_or_default(),
        ));
    }
    probes
}

/// The port of `key` (`listen`, `health_listen`) in the service's production configuration.
fn production_port(service: &str, key: &str) -> u16 {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../services")
        .join(service)
        .join("config/production.toml");
    let toml = std::fs::read_to_string(&path).expect("the production configuration");
    toml.lines()
        .find_map(|l| l.trim().strip_prefix(&format!("{key} = ")))
        .and_then(|v| v.trim_matches('"').rsplit(':').next()?.parse().ok())
        .unwrap_or_else(|| panic!("{service}: [server] {key} with a port"))
}

/// The port a probe's `tcpSocket` names, as written (a name or a number).
fn tcp_probe_ports(yaml: &str) -> Vec<String> {
    let lines: Vec<&str> = yaml.lines().collect();
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.trim() == "tcpSocket:")
        .filter_map(|(i, _)| lines.get(i + 1)?.trim().strip_prefix("port:"))
        .map(|p| p.trim().to_string())
        .collect()
}

fn check(service: &str, name: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let path = root
        .join("deploy/k8s/base")
        .join(service)
        .join("deployment.yaml");
    let yaml = std::fs::read_to_string(&path).expect("the Deployment");
    let grpc = production_port(service, "listen");
    let health = production_port(service, "health_listen");
    assert_ne!(
        grpc, health,
        "{service}: the health port is a port of its own"
    );
    let probes = grpc_probes(&yaml);
    assert!(
        probes.len() >= 2,
        "{service}: a startup and a readiness probe over gRPC"
    );
    for (probe_port, probe_service) in probes {
        assert_eq!(probe_port, health, "{service}: the probe's port");
        assert_eq!(probe_service, name, "{service}: the probe's service name");
    }
    assert_eq!(
        tcp_probe_ports(&yaml),
        ["health"],
        "{service}: liveness connects to the health port"
    );
    for (port_name, port) in [("grpc", grpc), ("health", health)] {
        assert!(
            yaml.contains(&format!(
                "- name: {port_name}\n              containerPort: {port}\n"
            )),
            "{service}: the container declares port {port_name} {port}"
        );
    }
}

#[test]
fn every_deployment_probes_its_own_service_on_its_health_port() {
    check("registry", onaltu_registry::SERVICE_NAME);
    check("feedback", onaltu_feedback::SERVICE_NAME);
    check("rating", onaltu_rating::SERVICE_NAME);
    check("transport", onaltu_transport::SERVICE_NAME);
}

#[test]
fn the_probe_reader_sees_a_wrong_name() {
    let yaml = "
          readinessProbe:
            grpc:
              port: 50053
              service: onaltu.rating.v1.FeedbackService
            periodSeconds: 5
";
    assert_eq!(
        grpc_probes(yaml),
        vec![(50053, "onaltu.rating.v1.FeedbackService".to_string())]
    );
    let liveness = "
          livenessProbe:
            tcpSocket:
              port: grpc
";
    assert_eq!(tcp_probe_ports(liveness), ["grpc"]);
}
