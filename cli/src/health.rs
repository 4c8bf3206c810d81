//! `onaltu health`: asks a server's `grpc.health.v1` service.

use std::time::Duration;

use crate::say;
use anyhow::Context;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// Asks until SERVING or `wait` seconds have passed; prints the answer and returns whether the
/// service is serving.
pub async fn run(addr: &str, service: &str, wait: u64) -> anyhow::Result<bool> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait);
    loop {
        let answer = check(addr, service).await;
        let serving = matches!(answer, Ok(ServingStatus::Serving));
        if serving || tokio::time::Instant::now() >= deadline {
            let status = answer?;
            let name = if service.is_empty() {
                "server"
            } else {
                service
            };
            say!("{name} at {addr}: {}", status.as_str_name());
            return Ok(serving);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn check(addr: &str, service: &str) -> anyhow::Result<ServingStatus> {
    let channel = tonic::transport::Endpoint::from_shared(addr.to_string())
        .with_context(|| format!("bad address {addr}"))?
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(5))
        .connect()
        .await
        .with_context(|| format!("cannot connect to {addr}"))?;
    let response = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: service.to_string(),
        })
        .await
        .with_context(|| format!("health check of {addr}"))?;
    Ok(response.into_inner().status())
}
