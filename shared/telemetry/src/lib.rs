//! Telemetry for every service: `tracing` filtered by `RUST_LOG`, text or JSON logs, OpenTelemetry
//! traces exported over OTLP/gRPC when an endpoint is configured, W3C trace context carried on
//! every incoming ([`GrpcTelemetryLayer`]) and outgoing ([`TracePropagation`]) gRPC call, and
//! [`metrics`]: OTLP and a Prometheus scrape endpoint, with the rate, errors and duration of
//! every incoming call recorded by the same layer.
//!
//! Spans and metrics carry the RPC method and status only: never request fields, so personal data
//! cannot reach a log line, a trace attribute or a metric label through this crate.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry::{Context as OtelContext, global};
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use serde::Deserialize;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

pub mod metrics;

pub use metrics::Metrics;

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object a line, for log collectors.
    Json,
}

/// Telemetry settings (`[telemetry]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetrySettings {
    /// `text` or `json`.
    pub log_format: LogFormat,
    /// OTLP/gRPC collector endpoint, e.g. `http://otel-collector:4317`; traces and metrics are
    /// exported only when it is set.
    pub otlp_endpoint: Option<String>,
    /// Share of new traces sampled (0..=1); a caller's sampling decision is always followed.
    pub sampling_ratio: f64,
    /// Where the Prometheus scrape endpoint (`GET /metrics`) listens, e.g. `0.0.0.0:9464`; a
    /// port apart from the gRPC one. None: no endpoint.
    pub metrics_listen: Option<SocketAddr>,
    /// How often metrics are exported over OTLP (with `otlp_endpoint`).
    pub metrics_export_interval_secs: u64,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        Self {
            log_format: LogFormat::Text,
            otlp_endpoint: None,
            sampling_ratio: 1.0,
            metrics_listen: None,
            metrics_export_interval_secs: 30,
        }
    }
}

impl onaltu_config::Validate for TelemetrySettings {
    fn validate(&self, c: &mut onaltu_config::Checker) {
        c.check(
            (0.0..=1.0).contains(&self.sampling_ratio),
            "sampling_ratio",
            "must be between 0 and 1",
        );
        c.check(
            self.otlp_endpoint
                .as_deref()
                .is_none_or(|e| e.starts_with("http://") || e.starts_with("https://")),
            "otlp_endpoint",
            "must start with http:// or https://",
        );
        c.check(
            (1..=3600).contains(&self.metrics_export_interval_secs),
            "metrics_export_interval_secs",
            "must be between 1 and 3600",
        );
    }
}

/// Why telemetry could not start.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// The OTLP exporter could not be built.
    #[error("telemetry: OTLP exporter: {0}")]
    Exporter(String),
    /// A global subscriber was already installed.
    #[error("telemetry: {0}")]
    Init(String),
    /// The metrics endpoint could not listen (`metrics_listen`).
    #[error("metrics_listen: cannot listen on {0}")]
    Listen(String),
}

/// Keeps the tracer provider alive; dropping it flushes and shuts down trace export.
#[must_use = "dropping the guard stops trace export"]
pub struct TelemetryGuard {
    provider: SdkTracerProvider,
}

impl TelemetryGuard {
    /// Exports every finished span now (called during graceful shutdown).
    pub fn flush(&self) {
        if let Err(err) = self.provider.force_flush() {
            tracing::warn!(error = %err, "trace flush failed");
        }
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        // Shutdown flushes the batch processor; a collector that is down must not block exit.
        let _ = self.provider.shutdown();
    }
}

/// Builds the tracer provider: always present so trace context flows through the service even
/// when nothing is exported.
pub fn tracer_provider(
    service: &str,
    settings: &TelemetrySettings,
) -> Result<SdkTracerProvider, TelemetryError> {
    let mut builder = SdkTracerProvider::builder()
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
            settings.sampling_ratio,
        ))))
        .with_resource(
            Resource::builder()
                .with_service_name(format!("onaltu-{service}"))
                .build(),
        );
    if let Some(endpoint) = &settings.otlp_endpoint {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint.clone())
            .build()
            .map_err(|e| TelemetryError::Exporter(e.to_string()))?;
        builder = builder.with_batch_exporter(exporter);
    }
    Ok(builder.build())
}

/// Installs the global subscriber and propagator. Call once, from `main`, inside the runtime.
pub fn init(service: &str, settings: &TelemetrySettings) -> Result<TelemetryGuard, TelemetryError> {
    global::set_text_map_propagator(TraceContextPropagator::new());
    let provider = tracer_provider(service, settings)?;
    let tracer = provider.tracer(format!("onaltu-{service}"));
    global::set_tracer_provider(provider.clone());

    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let fmt = match settings.log_format {
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .boxed(),
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .with(tracing_opentelemetry::layer().with_tracer(tracer))
        .try_init()
        .map_err(|e| TelemetryError::Init(e.to_string()))?;
    Ok(TelemetryGuard { provider })
}

struct HeaderExtractor<'a>(&'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

struct MetadataInjector<'a>(&'a mut tonic::metadata::MetadataMap);

impl Injector for MetadataInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(key), Ok(value)) = (
            tonic::metadata::MetadataKey::from_bytes(key.as_bytes()),
            tonic::metadata::MetadataValue::try_from(value),
        ) {
            self.0.insert(key, value);
        }
    }
}

/// The trace context carried by incoming headers (`traceparent`, `tracestate`).
pub fn extract_context(headers: &http::HeaderMap) -> OtelContext {
    global::get_text_map_propagator(|p| p.extract(&HeaderExtractor(headers)))
}

/// The W3C trace id of the current span, for audit records and error reports.
pub fn current_trace_id() -> Option<String> {
    use opentelemetry::trace::TraceContextExt as _;
    let id = tracing::Span::current()
        .context()
        .span()
        .span_context()
        .trace_id();
    (id != opentelemetry::trace::TraceId::INVALID).then(|| id.to_string())
}

/// Client interceptor that writes the current span's W3C trace context into outgoing metadata.
#[derive(Debug, Clone, Copy, Default)]
pub struct TracePropagation;

impl tonic::service::Interceptor for TracePropagation {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        let cx = tracing::Span::current().context();
        global::get_text_map_propagator(|p| {
            p.inject_context(&cx, &mut MetadataInjector(request.metadata_mut()));
        });
        Ok(request)
    }
}

/// Server layer: one span per call, parented on the caller's trace context, one log line per
/// call at a level chosen by the gRPC status (client errors `info`, server errors `error`), and
/// the call in `rpc.server.duration` by service, method and status code.
#[derive(Debug, Clone, Copy, Default)]
pub struct GrpcTelemetryLayer;

impl<S> tower::Layer<S> for GrpcTelemetryLayer {
    type Service = GrpcTelemetry<S>;
    fn layer(&self, inner: S) -> Self::Service {
        GrpcTelemetry { inner }
    }
}

/// The service made by [`GrpcTelemetryLayer`].
#[derive(Debug, Clone)]
pub struct GrpcTelemetry<S> {
    inner: S,
}

impl<S, B, R> tower::Service<http::Request<B>> for GrpcTelemetry<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<R>>,
    S::Error: std::fmt::Display,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let path = request.uri().path().to_string();
        let span = tracing::info_span!(
            "grpc.server",
            otel.name = %path,
            otel.kind = "server",
            rpc.system = "grpc",
            rpc.method = %path,
            rpc.grpc.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
        );
        // A span without a subscriber has nothing to attach to; that is not an error.
        let _ = span.set_parent(extract_context(request.headers()));
        let inner = {
            let _entered = span.enter();
            self.inner.call(request)
        };
        ResponseFuture {
            inner,
            span,
            path,
            started: Instant::now(),
        }
    }
}

pin_project_lite::pin_project! {
    /// Response future of [`GrpcTelemetry`].
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        span: tracing::Span,
        path: String,
        started: Instant,
    }
}

static RPC_CALLS: metrics::Instruments<metrics::Histogram<f64>> =
    metrics::Instruments::new(|meter| {
        metrics::catalogue::RPC_SERVER.histogram(meter, metrics::LATENCY_BUCKETS)
    });

/// Records one finished call. A path no route knows (UNIMPLEMENTED) is counted as `_OTHER`, so
/// a caller cannot mint label values.
fn record_call(path: &str, code: tonic::Code, seconds: f64) {
    let Some(calls) = RPC_CALLS.get() else {
        return;
    };
    let (service, method) = match path.strip_prefix('/').and_then(|p| p.split_once('/')) {
        Some((service, method))
            if code != tonic::Code::Unimplemented && !service.is_empty() && !method.is_empty() =>
        {
            (service, method)
        }
        _ => ("_OTHER", "_OTHER"),
    };
    calls.record(
        seconds,
        &[
            metrics::KeyValue::new("rpc.system", "grpc"),
            metrics::KeyValue::new("rpc.service", service.to_string()),
            metrics::KeyValue::new("rpc.method", method.to_string()),
            metrics::KeyValue::new("rpc.grpc.status_code", code as i64),
        ],
    );
}

/// Whether a gRPC status code means the server, not the caller, is at fault.
pub fn is_server_error(code: tonic::Code) -> bool {
    use tonic::Code::*;
    matches!(
        code,
        Unknown | DeadlineExceeded | Unimplemented | Internal | Unavailable | DataLoss
    )
}

impl<F, R, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<http::Response<R>, E>>,
    E: std::fmt::Display,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        let result = std::task::ready!(this.inner.poll(cx));
        let elapsed = this.started.elapsed().as_secs_f64();
        let elapsed_ms = elapsed * 1000.0;
        match &result {
            Ok(response) => {
                // Errors travel in the headers (trailers-only); success in the trailers.
                let code = response
                    .headers()
                    .get("grpc-status")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<i32>().ok())
                    .map(tonic::Code::from)
                    .unwrap_or(tonic::Code::Ok);
                this.span.record("rpc.grpc.status_code", code as i32);
                record_call(this.path, code, elapsed);
                if code == tonic::Code::Ok {
                    tracing::debug!(method = %this.path, elapsed_ms, "grpc call");
                } else if is_server_error(code) {
                    this.span.record("otel.status_code", "ERROR");
                    tracing::error!(method = %this.path, elapsed_ms, code = ?code, "grpc call failed");
                } else {
                    tracing::info!(method = %this.path, elapsed_ms, code = ?code, "grpc call refused");
                }
            }
            Err(err) => {
                record_call(this.path, tonic::Code::Unknown, elapsed);
                this.span.record("otel.status_code", "ERROR");
                tracing::error!(method = %this.path, elapsed_ms, error = %err, "grpc transport error");
            }
        }
        Poll::Ready(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::TraceContextExt;
    use tonic::service::Interceptor;
    use tower::{Layer as _, Service, ServiceExt};

    #[tokio::test]
    async fn trace_context_goes_out_and_comes_back_in() {
        global::set_text_map_propagator(TraceContextPropagator::new());
        let provider = tracer_provider("test", &TelemetrySettings::default()).unwrap();
        let subscriber = tracing_subscriber::registry()
            .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
        let _default = tracing::subscriber::set_default(subscriber);

        // Outgoing: the interceptor writes the caller's trace id into `traceparent`.
        let caller = tracing::info_span!("caller");
        let caller_trace = caller.context().span().span_context().trace_id();
        let request = {
            let _entered = caller.enter();
            TracePropagation.call(tonic::Request::new(())).unwrap()
        };
        let traceparent = request
            .metadata()
            .get("traceparent")
            .expect("traceparent sent")
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            traceparent.contains(&caller_trace.to_string()),
            "{traceparent}"
        );

        // Incoming: the server span continues the same trace.
        let mut service =
            GrpcTelemetryLayer.layer(tower::service_fn(|_req: http::Request<()>| async {
                let trace = tracing::Span::current()
                    .context()
                    .span()
                    .span_context()
                    .trace_id();
                Ok::<_, std::convert::Infallible>(http::Response::new(trace))
            }));
        let incoming = http::Request::builder()
            .uri("/onaltu.registry.v1.RegistryService/GetPerson")
            .header("traceparent", traceparent)
            .body(())
            .unwrap();
        let response = service.ready().await.unwrap().call(incoming).await.unwrap();
        assert_eq!(*response.body(), caller_trace);
    }

    /// The only test here that installs the process's meter provider.
    #[tokio::test]
    async fn every_call_is_counted_by_method_and_status_code_and_each_stage_by_method() {
        let settings = TelemetrySettings {
            metrics_listen: Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0))),
            ..TelemetrySettings::default()
        };
        let metrics = Metrics::start("test", &settings).await.unwrap();
        let mut service =
            GrpcTelemetryLayer.layer(tower::service_fn(|req: http::Request<()>| async move {
                let mut response = http::Response::new(());
                if let Some(code) = req.headers().get("x-answer") {
                    response.headers_mut().insert("grpc-status", code.clone());
                }
                Ok::<_, std::convert::Infallible>(response)
            }));
        for (path, code) in [
            ("/onaltu.registry.v1.RegistryService/GetPerson", None),
            ("/onaltu.registry.v1.RegistryService/GetPerson", None),
            ("/onaltu.registry.v1.RegistryService/GetPerson", Some("5")),
            ("/no.such.Service/Anything", Some("12")),
        ] {
            let mut request = http::Request::builder().uri(path);
            if let Some(code) = code {
                request = request.header("x-answer", code);
            }
            let request = request.body(()).unwrap();
            service.ready().await.unwrap().call(request).await.unwrap();
        }
        // The stages of a call, each timed by method and stage, a failed one too.
        let decode = metrics::Stage::new("GetPerson", "authorise_decode");
        let lookup = metrics::Stage::new("GetPerson", "lookup");
        assert_eq!(decode.run(|| 7), 7);
        let failed: Result<(), &str> = lookup.time(async { Err("not found") }).await;
        assert!(failed.is_err());
        lookup.time(async {}).await;

        let addr = metrics.local_addr().unwrap();
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        tokio::io::AsyncWriteExt::write_all(
            &mut stream,
            b"GET /metrics HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
        )
        .await
        .unwrap();
        let mut body = String::new();
        tokio::io::AsyncReadExt::read_to_string(&mut stream, &mut body)
            .await
            .unwrap();
        let count = |service: &str, method: &str, code: i32| {
            format!(
                "rpc_server_duration_seconds_count{{rpc_grpc_status_code=\"{code}\",\
                 rpc_method=\"{method}\",rpc_service=\"{service}\",rpc_system=\"grpc\"}}"
            )
        };
        let registry = "onaltu.registry.v1.RegistryService";
        for (series, n) in [
            (count(registry, "GetPerson", 0), 2),
            (count(registry, "GetPerson", 5), 1),
            (count("_OTHER", "_OTHER", 12), 1),
        ] {
            assert!(
                body.contains(&format!("{series} {n}\n")),
                "{series} {n}:\n{body}"
            );
        }
        assert!(!body.contains("no.such.Service"), "{body}");
        for (stage, n) in [("authorise_decode", 1), ("lookup", 2)] {
            let series = format!(
                "onaltu_rpc_stage_duration_seconds_count{{rpc_method=\"GetPerson\",stage=\"{stage}\"}} {n}\n"
            );
            assert!(body.contains(&series), "{series}{body}");
        }
        metrics.shutdown().await;
    }

    #[test]
    fn server_errors_are_told_from_client_errors() {
        assert!(is_server_error(tonic::Code::Internal));
        assert!(is_server_error(tonic::Code::Unavailable));
        assert!(!is_server_error(tonic::Code::InvalidArgument));
        assert!(!is_server_error(tonic::Code::NotFound));
    }
}
