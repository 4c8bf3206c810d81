//! Metrics: one OpenTelemetry meter provider per process, exported over OTLP/gRPC every
//! `[telemetry] metrics_export_interval_secs` when `otlp_endpoint` is set, and served in the
//! Prometheus text format on `GET /metrics` at `[telemetry] metrics_listen`, a port of its own.
//!
//! Every instrument of the suite comes from [`meter`] and is named in [`catalogue`], the one list
//! of what the services export (deploy/README.md shows it as a table; the alert rules and the
//! dashboards may use nothing else). Attributes are bounded and never personal: method names,
//! status codes, stream, group and cache names, never a person's id, IIN or subject.
//!
//! Call [`Metrics::start`] once per process, before the service builds its pool or serves:
//! instruments bind to the provider on first use, and before the start they record nothing.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use opentelemetry::global;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

pub use opentelemetry::KeyValue;
pub use opentelemetry::metrics::{
    Counter, Gauge, Histogram, Meter, ObservableGauge, UpDownCounter,
};

use crate::{TelemetryError, TelemetrySettings};

pub mod catalogue;
pub mod stage;

pub use stage::Stage;

/// The instrumentation scope of every instrument of the suite.
pub const SCOPE: &str = "onaltu";

/// Bucket bounds (seconds) of the latency histograms: 1 ms to 30 s.
pub const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The content type of the Prometheus text exposition format.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Longest a scraper may take to send its request headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

static STARTED: AtomicBool = AtomicBool::new(false);

/// The meter of the suite once [`Metrics::start`] has installed a provider; `None` before (and
/// when nothing exports metrics), so callers skip recording altogether.
pub fn meter() -> Option<Meter> {
    STARTED
        .load(Ordering::Acquire)
        .then(|| global::meter(SCOPE))
}

/// Instruments made on first use after metrics have started, for code with no struct to hold
/// them (a request layer, a free function).
pub struct Instruments<T> {
    made: OnceLock<T>,
    make: fn(&Meter) -> T,
}

impl<T> Instruments<T> {
    /// Instruments that `make` builds from the suite's meter.
    pub const fn new(make: fn(&Meter) -> T) -> Self {
        Self {
            made: OnceLock::new(),
            make,
        }
    }

    /// The instruments, or `None` while metrics have not started.
    pub fn get(&self) -> Option<&T> {
        if let Some(made) = self.made.get() {
            return Some(made);
        }
        let meter = meter()?;
        Some(self.made.get_or_init(|| (self.make)(&meter)))
    }
}

/// The running metrics of a service: the meter provider and the scrape endpoint. Shutting down
/// (or dropping) it stops the endpoint and exports what is left over OTLP.
#[must_use = "dropping the metrics stops their export"]
pub struct Metrics {
    provider: Option<SdkMeterProvider>,
    endpoint: Option<Endpoint>,
}

struct Endpoint {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("exporting", &self.provider.is_some())
            .field("endpoint", &self.local_addr())
            .finish()
    }
}

impl Metrics {
    /// Starts metrics for `service` as `settings` say and installs the provider for the whole
    /// process. With neither `metrics_listen` nor `otlp_endpoint` nothing is measured. Fails
    /// when the exporter cannot be built or the endpoint's address cannot be bound.
    pub async fn start(
        service: &str,
        settings: &TelemetrySettings,
    ) -> Result<Self, TelemetryError> {
        let metrics = Self::build(service, settings).await?;
        if let Some(provider) = &metrics.provider {
            global::set_meter_provider(provider.clone());
            STARTED.store(true, Ordering::Release);
            tracing::info!(
                endpoint = ?metrics.local_addr(),
                otlp = settings.otlp_endpoint.is_some(),
                "metrics started"
            );
        }
        Ok(metrics)
    }

    /// The provider and endpoint without installing them for the process.
    async fn build(service: &str, settings: &TelemetrySettings) -> Result<Self, TelemetryError> {
        if settings.metrics_listen.is_none() && settings.otlp_endpoint.is_none() {
            return Ok(Self {
                provider: None,
                endpoint: None,
            });
        }
        let mut builder = SdkMeterProvider::builder().with_resource(
            Resource::builder()
                .with_service_name(format!("onaltu-{service}"))
                .build(),
        );
        if let Some(endpoint) = &settings.otlp_endpoint {
            let exporter = opentelemetry_otlp::MetricExporter::builder()
                .with_tonic()
                .with_endpoint(endpoint.clone())
                .build()
                .map_err(|e| TelemetryError::Exporter(e.to_string()))?;
            builder = builder.with_reader(
                PeriodicReader::builder(exporter)
                    .with_interval(Duration::from_secs(settings.metrics_export_interval_secs))
                    .build(),
            );
        }
        let mut scrape = None;
        if let Some(listen) = settings.metrics_listen {
            let registry = prometheus::Registry::new();
            let exporter = opentelemetry_prometheus::exporter()
                .with_registry(registry.clone())
                .scope_info_enabled(false)
                .build()
                .map_err(|e| TelemetryError::Exporter(e.to_string()))?;
            builder = builder.with_reader(exporter);
            let listener = TcpListener::bind(listen)
                .await
                .map_err(|e| TelemetryError::Listen(format!("{listen}: {e}")))?;
            scrape = Some((listener, registry));
        }
        let provider = builder.build();
        let endpoint = match scrape {
            Some((listener, registry)) => {
                let addr = listener
                    .local_addr()
                    .map_err(|e| TelemetryError::Listen(e.to_string()))?;
                let (stop, stopped) = watch::channel(false);
                tokio::spawn(serve(listener, registry, stopped));
                Some(Endpoint { addr, stop })
            }
            None => None,
        };
        Ok(Self {
            provider: Some(provider),
            endpoint,
        })
    }

    /// Where `GET /metrics` answers (the bound address, so port 0 becomes a real one).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.endpoint.as_ref().map(|e| e.addr)
    }

    /// Stops the endpoint and exports what is left; a collector that is down does not block it
    /// beyond the exporter's timeout.
    pub async fn shutdown(mut self) {
        self.stop_endpoint();
        if let Some(provider) = self.provider.take() {
            // The OTLP exporter's last export waits on the runtime: never block a worker on it.
            let _ = tokio::task::spawn_blocking(move || shutdown(&provider)).await;
        }
    }

    fn stop_endpoint(&mut self) {
        if let Some(endpoint) = self.endpoint.take() {
            let _ = endpoint.stop.send(true);
        }
    }

    #[cfg(test)]
    fn provider(&self) -> Option<&SdkMeterProvider> {
        self.provider.as_ref()
    }
}

impl Drop for Metrics {
    fn drop(&mut self) {
        self.stop_endpoint();
        if let Some(provider) = self.provider.take() {
            shutdown(&provider);
        }
    }
}

fn shutdown(provider: &SdkMeterProvider) {
    // An export that fails (a collector that is down) is already logged by the exporter.
    if let Err(err) = provider.shutdown() {
        tracing::debug!(error = %err, "metrics shutdown incomplete");
    }
}

/// Accepts scrapes until `stop` turns true; open connections end with it.
async fn serve(
    listener: TcpListener,
    registry: prometheus::Registry,
    mut stop: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.changed() => break,
        };
        // Reap finished connections so the set does not grow.
        while connections.try_join_next().is_some() {}
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(err) => {
                tracing::warn!(error = %err, "metrics endpoint cannot accept");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let registry = registry.clone();
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let answer = answer(&request, &registry);
                async move { Ok::<_, Infallible>(answer) }
            });
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT);
            // A scraper that hangs up mid-answer is not worth a log line.
            let _ = http.serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

/// `GET /metrics`: every metric in the text format; any other path 404, another method 405.
fn answer(request: &Request<Incoming>, registry: &prometheus::Registry) -> Response<Full<Bytes>> {
    if request.uri().path() != "/metrics" {
        return plain(
            StatusCode::NOT_FOUND,
            "not found: metrics are at /metrics\n",
        );
    }
    if request.method() != Method::GET {
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "only GET\n");
        response
            .headers_mut()
            .insert(http::header::ALLOW, http::HeaderValue::from_static("GET"));
        return response;
    }
    match prometheus::TextEncoder::new().encode_to_string(&registry.gather()) {
        Ok(text) => {
            let mut response = Response::new(Full::new(Bytes::from(text)));
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static(TEXT_FORMAT),
            );
            response
        }
        Err(err) => {
            tracing::error!(error = %err, "metrics cannot be encoded");
            plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "metrics cannot be encoded\n",
            )
        }
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::metrics::MeterProvider as _;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// One HTTP/1.1 exchange with the endpoint: (status line, body).
    async fn exchange(addr: SocketAddr, request: &str) -> (String, String) {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut raw = String::new();
        stream.read_to_string(&mut raw).await.unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let status = head.lines().next().unwrap_or_default().to_string();
        (status, body.to_string())
    }

    fn listening() -> TelemetrySettings {
        TelemetrySettings {
            metrics_listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            ..TelemetrySettings::default()
        }
    }

    #[tokio::test]
    async fn the_endpoint_serves_what_was_recorded_in_the_text_format() {
        let metrics = Metrics::build("test", &listening()).await.unwrap();
        let addr = metrics.local_addr().expect("an endpoint");
        let meter = metrics.provider().unwrap().meter(SCOPE);
        let calls = meter
            .f64_histogram(catalogue::RPC_SERVER_DURATION)
            .with_unit("s")
            .with_boundaries(LATENCY_BUCKETS.to_vec())
            .build();
        calls.record(0.003, &[KeyValue::new("rpc.method", "GetPerson")]);
        calls.record(0.2, &[KeyValue::new("rpc.method", "GetPerson")]);

        let (status, body) = exchange(
            addr,
            "GET /metrics HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
        )
        .await;
        assert!(status.contains("200"), "{status}");
        assert!(
            body.contains("# TYPE rpc_server_duration_seconds histogram"),
            "{body}"
        );
        assert!(
            body.contains(r#"rpc_server_duration_seconds_count{rpc_method="GetPerson"} 2"#),
            "{body}"
        );
        assert!(
            body.contains(
                r#"rpc_server_duration_seconds_bucket{rpc_method="GetPerson",le="0.005"} 1"#
            ),
            "{body}"
        );
        assert!(body.contains(r#"service_name="onaltu-test""#), "{body}");
        assert!(!body.contains("otel_scope_name"), "{body}");
    }

    #[tokio::test]
    async fn other_paths_and_methods_are_refused() {
        let metrics = Metrics::build("test", &listening()).await.unwrap();
        let addr = metrics.local_addr().unwrap();
        let (status, _) = exchange(
            addr,
            "GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
        )
        .await;
        assert!(status.contains("404"), "{status}");
        let (status, _) = exchange(
            addr,
            "POST /metrics HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        )
        .await;
        assert!(status.contains("405"), "{status}");
    }

    #[tokio::test]
    async fn the_endpoint_stops_with_the_metrics() {
        let metrics = Metrics::build("test", &listening()).await.unwrap();
        let addr = metrics.local_addr().unwrap();
        metrics.shutdown().await;
        let mut refused = false;
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(addr).await.is_err() {
                refused = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(refused, "{addr} still accepts after shutdown");
    }

    #[tokio::test]
    async fn nothing_is_measured_without_an_endpoint_or_a_collector() {
        let metrics = Metrics::build("test", &TelemetrySettings::default())
            .await
            .unwrap();
        assert!(metrics.provider().is_none());
        assert!(metrics.local_addr().is_none());
    }

    #[tokio::test]
    async fn a_taken_address_is_a_start_up_error_naming_it() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let settings = TelemetrySettings {
            metrics_listen: Some(taken.local_addr().unwrap()),
            ..TelemetrySettings::default()
        };
        let err = Metrics::build("test", &settings).await.unwrap_err();
        assert!(
            err.to_string()
                .contains(&taken.local_addr().unwrap().to_string()),
            "{err}"
        );
    }
}
