//! The services' metrics as Prometheus scrapes them: the suite (and the transport service)
//! served in this process with the scrape endpoint on a free port, calls made, the endpoint read
//! over HTTP. Every call is counted by method and status code with its duration (a submission's
//! stages too, by stage), the pools, the caches, the outbox, the consumer and the Watch
//! subscribers show, every metric of the catalogue is exported, and every metric the alert rules
//! and dashboards in deploy/ use is one of them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use onaltu_auth::Role;
use onaltu_proto::rating as rating_pb;
use onaltu_proto::registry as registry_pb;
use onaltu_proto::transport as transport_pb;
use onaltu_proto::transport::transport_service_client::TransportServiceClient;
use onaltu_suite::fixtures::{adult, centre, discharged, evaluation, submit};
use onaltu_suite::{Suite, citizen, claims};
use onaltu_telemetry::metrics::catalogue;
use onaltu_telemetry::{Metrics, TelemetrySettings};
use onaltu_testkit::{Served, TestDb, authed};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic::Code;
use uuid::Uuid;

/// One scrape: every sample as (name, labels, value).
struct Scrape(Vec<(String, BTreeMap<String, String>, f64)>);

impl Scrape {
    async fn take(addr: SocketAddr) -> Self {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nhost: suite\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut raw = String::new();
        stream.read_to_string(&mut raw).await.unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").expect("an HTTP answer");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(head.contains("text/plain; version=0.0.4"), "{head}");
        Self(body.lines().filter_map(sample).collect())
    }

    /// The sum of the samples of `name` whose labels include `labels`; 0 when there is none.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.matching(name, labels).map(|(_, v)| v).sum()
    }

    fn has(&self, name: &str, labels: &[(&str, &str)]) -> bool {
        self.matching(name, labels).next().is_some()
    }

    fn matching<'a>(
        &'a self,
        name: &'a str,
        labels: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = (&'a BTreeMap<String, String>, f64)> + 'a {
        self.0
            .iter()
            .filter(move |(n, l, _)| {
                n == name
                    && labels
                        .iter()
                        .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|(_, l, v)| (l, *v))
    }

    fn names(&self) -> BTreeSet<&str> {
        self.0.iter().map(|(n, _, _)| n.as_str()).collect()
    }
}

/// `name{k="v",...} value` (or `name value`); comments and blank lines are not samples.
fn sample(line: &str) -> Option<(String, BTreeMap<String, String>, f64)> {
    if line.starts_with('#') || line.trim().is_empty() {
        return None;
    }
    let (series, value) = line.rsplit_once(' ')?;
    let value = value.parse().ok()?;
    let Some((name, labels)) = series.split_once('{') else {
        return Some((series.to_string(), BTreeMap::new(), value));
    };
    let labels = labels
        .trim_end_matches('}')
        .split("\",")
        .filter_map(|pair| {
            let (k, v) = pair.split_once("=\"")?;
            Some((k.to_string(), v.trim_end_matches('"').to_string()))
        })
        .collect();
    Some((name.to_string(), labels, value))
}

/// Scrapes until `ready` holds (at most ten seconds), then returns that scrape.
async fn scrape_until(addr: SocketAddr, what: &str, ready: impl Fn(&Scrape) -> bool) -> Scrape {
    for _ in 0..200 {
        let scrape = Scrape::take(addr).await;
        if ready(&scrape) {
            return scrape;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the scrape never showed {what}");
}

const REGISTRY: &str = "onaltu.registry.v1.RegistryService";

fn calls(service: &str, method: &str, code: Code) -> [(&'static str, String); 3] {
    [
        ("rpc_service", service.to_string()),
        ("rpc_method", method.to_string()),
        ("rpc_grpc_status_code", (code as i32).to_string()),
    ]
}

fn labels<'a>(owned: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    owned.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Every metric name the monitoring component's alert rules and dashboards use: the words of
/// its files that name one of the suite's metrics (`rpc_`, `db_`, `onaltu_`), less the label
/// names, which share those prefixes.
fn names_used_in(dir: &Path) -> BTreeMap<String, PathBuf> {
    let label_names: BTreeSet<String> = catalogue::ALL
        .iter()
        .flat_map(|m| m.attributes.iter().map(|a| a.replace('.', "_")))
        .collect();
    let mut used = BTreeMap::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':')) {
                // A prefix alone (`onaltu_*` in a comment) names no metric.
                let ours = ["rpc_", "db_", "onaltu_"]
                    .iter()
                    .any(|p| word.starts_with(p))
                    && !word.ends_with('_');
                if ours && !label_names.contains(word) {
                    used.entry(word.to_string()).or_insert_with(|| path.clone());
                }
            }
        }
    }
    used
}

#[tokio::test]
async fn a_scrape_shows_the_calls_pools_caches_events_and_watches_the_alerts_and_dashboards_use() {
    // The provider first: the pools and servers below bind their instruments to it.
    let metrics = Metrics::start(
        "suite",
        &TelemetrySettings {
            metrics_listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            ..TelemetrySettings::default()
        },
    )
    .await
    .unwrap();
    let addr = metrics.local_addr().expect("the scrape endpoint");
    let s = Suite::start().await;
    let transport_db = TestDb::new(&onaltu_transport::migrations()).await;
    let transport = Served::service(
        "transport",
        onaltu_transport::settings::Settings::local(
            transport_db.settings(),
            onaltu_testkit::jwt_secret(),
            &s.registry.addr,
        ),
        transport_db.pool(),
        onaltu_transport::serve,
    )
    .await;

    let before = Scrape::take(addr).await;
    let ok = calls(REGISTRY, "GetCenter", Code::Ok);
    let refused = calls(REGISTRY, "GetCenter", Code::InvalidArgument);
    let duration = "rpc_server_duration_seconds_count";

    // Two reads of a centre (the first fills the cache, the second is a hit) and a refused one.
    let mut op = s.registry(Some(&claims(Role::CityOperator)));
    let id = centre(&mut op, "Өлшенетін орталық", 10).await.id;
    let mut public = s.registry(None);
    for _ in 0..2 {
        public
            .get_center(registry_pb::GetCenterRequest { id: id.clone() })
            .await
            .unwrap();
    }
    let err = public
        .get_center(registry_pb::GetCenterRequest {
            id: "not-an-id".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);

    let after = Scrape::take(addr).await;
    assert_eq!(
        after.value(duration, &labels(&ok)) - before.value(duration, &labels(&ok)),
        2.0
    );
    assert_eq!(
        after.value(duration, &labels(&refused)) - before.value(duration, &labels(&refused)),
        1.0
    );
    // The histogram holds every call: its +Inf bucket is its count, and time was spent.
    let mut inf = labels(&ok);
    inf.push(("le", "+Inf"));
    assert_eq!(
        after.value("rpc_server_duration_seconds_bucket", &inf),
        after.value(duration, &labels(&ok))
    );
    assert!(after.value("rpc_server_duration_seconds_sum", &labels(&ok)) > 0.0);
    assert!(
        after.value(
            duration,
            &labels(&calls(REGISTRY, "CreateCenter", Code::Ok))
        ) >= 1.0
    );
    // No id of the centre read reaches a label.
    assert!(
        !after
            .0
            .iter()
            .any(|(_, l, _)| l.values().any(|v| v.contains(&id)))
    );

    // The pools: their limit, connections by state, the wait for one.
    let pool = ("db_client_connection_pool_name", "onaltu-test");
    assert_eq!(after.value("db_client_connection_max", &[pool]), 16.0);
    for state in ["idle", "used"] {
        assert!(
            after.has(
                "db_client_connection_count",
                &[pool, ("db_client_connection_state", state)]
            ),
            "{state} connections"
        );
    }
    assert!(after.value("db_client_connection_wait_time_seconds_count", &[]) >= 3.0);

    // The cache: the centre missed, then hit, and its id is no label.
    let centre_lookups = |result| [("cache_name", "center"), ("cache_result", result)];
    assert!(after.value("onaltu_cache_lookups_total", &centre_lookups("miss")) >= 1.0);
    assert!(after.value("onaltu_cache_lookups_total", &centre_lookups("hit")) >= 1.0);

    // A submitted evaluation: its stages, by method and stage, beside its call.
    let person = adult(&mut op, 1).await.id;
    let episode = discharged(&mut op, &person, &id).await.id;
    let mut author = s.feedback(Some(&citizen(&person)));
    submit(&mut author, evaluation(&episode, 5, ""))
        .await
        .unwrap();
    let submitted = Scrape::take(addr).await;
    let stage = |stage| [("rpc_method", "SubmitEvaluation"), ("stage", stage)];
    for name in ["authorise_decode", "decide_write", "encode"] {
        assert_eq!(
            submitted.value("onaltu_rpc_stage_duration_seconds_count", &stage(name)),
            1.0,
            "{name}"
        );
    }
    assert!(!submitted.0.iter().any(|(_, l, _)| {
        l.values()
            .any(|v| v.contains(&person) || v.contains(&episode))
    }));

    // A WatchRatings subscriber is counted while its stream is open.
    let watching = [("rpc_method", "WatchRatings")];
    assert_eq!(after.value("onaltu_watch_subscribers", &watching), 0.0);
    let stream = s
        .rating(Some(&claims(Role::Integration)))
        .watch_ratings(rating_pb::WatchRatingsRequest::default())
        .await
        .unwrap()
        .into_inner();
    let open = Scrape::take(addr).await;
    assert_eq!(open.value("onaltu_watch_subscribers", &watching), 1.0);
    drop(stream);
    scrape_until(addr, "the WatchRatings subscriber gone", |s| {
        s.value("onaltu_watch_subscribers", &watching) == 0.0
    })
    .await;

    // The transport service: a planned day's solve time, and a WatchDispatch subscriber.
    let mut dispatcher =
        TransportServiceClient::new(authed(&transport.channel, Some(&claims(Role::Dispatcher))));
    let tomorrow = onaltu_api::today() + chrono::Duration::days(1);
    dispatcher
        .plan_day(transport_pb::PlanDayRequest {
            request_id: Uuid::now_v7().to_string(),
            service_date: Some(onaltu_api::date(tomorrow)),
            options: None,
        })
        .await
        .unwrap();
    let _dispatch = dispatcher
        .watch_dispatch(transport_pb::WatchDispatchRequest {
            service_date: Some(onaltu_api::date(tomorrow)),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();

    // Every metric of the catalogue shows (the outbox once the relays have measured, the
    // consumer's lag once it has looked at its stream).
    let all = scrape_until(addr, "every metric of the catalogue", |s| {
        let names = s.names();
        catalogue::ALL
            .iter()
            .all(|m| m.series().iter().all(|n| names.contains(n.as_str())))
    })
    .await;
    assert_eq!(
        all.value("onaltu_transport_plan_day_duration_seconds_count", &[]),
        1.0
    );
    assert_eq!(
        all.value(
            "onaltu_watch_subscribers",
            &[("rpc_method", "WatchDispatch")]
        ),
        1.0
    );
    let rating_group = [
        ("messaging_destination_name", "feedback.evaluations"),
        ("messaging_consumer_group_name", "rating"),
    ];
    assert!(all.has("onaltu_events_consumer_lag", &rating_group));
    assert_eq!(all.value("onaltu_events_lost_total", &rating_group), 0.0);
    assert!(all.value("onaltu_outbox_published_total", &[]) >= 1.0);

    // What the alert rules and dashboards use is what the services export.
    let monitoring =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/k8s/components/monitoring");
    let used = names_used_in(&monitoring);
    assert!(
        used.contains_key("rpc_server_duration_seconds_bucket"),
        "no metric found in {}",
        monitoring.display()
    );
    let names = all.names();
    let unknown: Vec<String> = used
        .iter()
        .filter(|(name, _)| !names.contains(name.as_str()))
        .map(|(name, file)| format!("{name} ({})", file.display()))
        .collect();
    assert!(unknown.is_empty(), "not in the scrape: {unknown:?}");

    metrics.shutdown().await;
}
