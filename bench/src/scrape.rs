//! The few figures the bench reads from a service's `GET /metrics` (the Prometheus text format):
//! the samples of a series by name and labels, such as a histogram's `_sum` and `_count`.

use anyhow::Context;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// One sample: the series name, its labels, its value.
type Sample = (String, Vec<(String, String)>, f64);

/// Every sample of one scrape.
pub struct Scrape(Vec<Sample>);

impl Scrape {
    /// Reads `url` (`http://host:port/metrics`).
    pub async fn take(url: &str) -> anyhow::Result<Self> {
        let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
        let response = client
            .get(
                url.parse()
                    .with_context(|| format!("metrics address {url}"))?,
            )
            .await
            .with_context(|| format!("scraping {url}"))?;
        anyhow::ensure!(
            response.status().is_success(),
            "{url} answered {}",
            response.status()
        );
        let body = response.into_body().collect().await?.to_bytes();
        Ok(Self::parse(&String::from_utf8_lossy(&body)))
    }

    /// The samples of a scrape's text; comments, blank lines and lines it cannot read are none.
    pub fn parse(text: &str) -> Self {
        Self(text.lines().filter_map(sample).collect())
    }

    /// The sum of the samples of `name` whose labels include `labels` (0 when none has them).
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.matching(name, labels).map(|(_, v)| v).sum()
    }

    /// The values label `label` takes in the samples of `name` with `labels`, in order of first
    /// appearance.
    pub fn label_values(&self, name: &str, label: &str, labels: &[(&str, &str)]) -> Vec<String> {
        let mut found: Vec<String> = Vec::new();
        for (l, _) in self.matching(name, labels) {
            if let Some((_, v)) = l.iter().find(|(k, _)| k == label)
                && !found.contains(v)
            {
                found.push(v.clone());
            }
        }
        found
    }

    fn matching<'a>(
        &'a self,
        name: &'a str,
        labels: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = (&'a [(String, String)], f64)> + 'a {
        self.0
            .iter()
            .filter(move |(n, l, _)| {
                n == name
                    && labels
                        .iter()
                        .all(|(k, v)| l.iter().any(|(lk, lv)| lk == k && lv == v))
            })
            .map(|(_, l, v)| (l.as_slice(), *v))
    }
}

/// `name{k="v",...} value` or `name value` (a timestamp after the value is ignored).
fn sample(line: &str) -> Option<Sample> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let (name, mut rest) = match line.find(['{', ' ']) {
        Some(at) => line.split_at(at),
        None => return None,
    };
    let mut labels = Vec::new();
    if let Some(inner) = rest.strip_prefix('{') {
        rest = inner;
        loop {
            rest = rest.trim_start_matches([',', ' ']);
            if let Some(after) = rest.strip_prefix('}') {
                rest = after;
                break;
            }
            let (key, after) = rest.split_once("=\"")?;
            // A value ends at the first quote not escaped by a backslash.
            let mut value = String::new();
            let mut chars = after.char_indices();
            let end = loop {
                match chars.next()? {
                    (i, '"') => break i,
                    (_, '\\') => value.push(match chars.next()?.1 {
                        'n' => '\n',
                        c => c,
                    }),
                    (_, c) => value.push(c),
                }
            };
            labels.push((key.trim().to_string(), value));
            rest = &after[end + 1..];
        }
    }
    let value = rest.split_whitespace().next()?.parse().ok()?;
    Some((name.to_string(), labels, value))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const TEXT: &str = r#"# HELP rpc_server_duration_seconds Duration of incoming gRPC calls
# TYPE rpc_server_duration_seconds histogram
rpc_server_duration_seconds_bucket{rpc_grpc_status_code="0",rpc_method="SubmitEvaluation",rpc_service="onaltu.feedback.v1.FeedbackService",rpc_system="grpc",le="0.005"} 90
rpc_server_duration_seconds_sum{rpc_grpc_status_code="0",rpc_method="SubmitEvaluation",rpc_service="onaltu.feedback.v1.FeedbackService",rpc_system="grpc"} 0.75
rpc_server_duration_seconds_count{rpc_grpc_status_code="0",rpc_method="SubmitEvaluation",rpc_service="onaltu.feedback.v1.FeedbackService",rpc_system="grpc"} 100
rpc_server_duration_seconds_sum{rpc_grpc_status_code="6",rpc_method="SubmitEvaluation",rpc_service="onaltu.feedback.v1.FeedbackService",rpc_system="grpc"} 0.25
rpc_server_duration_seconds_count{rpc_grpc_status_code="6",rpc_method="SubmitEvaluation",rpc_service="onaltu.feedback.v1.FeedbackService",rpc_system="grpc"} 4
rpc_server_duration_seconds_count{rpc_grpc_status_code="0",rpc_method="GetEvaluation",rpc_service="onaltu.feedback.v1.FeedbackService",rpc_system="grpc"} 7
# TYPE onaltu_rpc_stage_duration_seconds histogram
onaltu_rpc_stage_duration_seconds_sum{rpc_method="SubmitEvaluation",stage="authorise_decode"} 2.5e-3
onaltu_rpc_stage_duration_seconds_count{rpc_method="SubmitEvaluation",stage="authorise_decode"} 104
onaltu_rpc_stage_duration_seconds_sum{rpc_method="SubmitEvaluation",stage="decide_write"} 0.5
onaltu_rpc_stage_duration_seconds_count{rpc_method="SubmitEvaluation",stage="decide_write"} 100
onaltu_rpc_stage_duration_seconds_count{rpc_method="SubmitEvaluation",stage="authorise_decode"} 1
db_client_connection_wait_time_seconds_sum 0.02
db_client_connection_wait_time_seconds_count 210 1700000000000
target_info{service_name="onaltu-feedback",note="a \"quoted\", value"} 1

"#;

    #[test]
    fn a_histograms_sum_and_count_are_read_by_name_and_labels() {
        let s = Scrape::parse(TEXT);
        let submit = [("rpc_method", "SubmitEvaluation")];
        // Every status code of the method, not another method's.
        assert_eq!(s.value("rpc_server_duration_seconds_count", &submit), 104.0);
        assert_eq!(s.value("rpc_server_duration_seconds_sum", &submit), 1.0);
        assert_eq!(
            s.value(
                "rpc_server_duration_seconds_count",
                &[
                    ("rpc_method", "SubmitEvaluation"),
                    ("rpc_grpc_status_code", "6")
                ]
            ),
            4.0
        );
        let decode = [
            ("rpc_method", "SubmitEvaluation"),
            ("stage", "authorise_decode"),
        ];
        assert_eq!(
            s.value("onaltu_rpc_stage_duration_seconds_sum", &decode),
            0.0025
        );
        // Samples of the same series add up.
        assert_eq!(
            s.value("onaltu_rpc_stage_duration_seconds_count", &decode),
            105.0
        );
        // Without labels, and with a timestamp after the value.
        assert_eq!(
            s.value("db_client_connection_wait_time_seconds_sum", &[]),
            0.02
        );
        assert_eq!(
            s.value("db_client_connection_wait_time_seconds_count", &[]),
            210.0
        );
        // Nothing of a name the scrape lacks, nor of a bucket taken for its count.
        assert_eq!(
            s.value(
                "onaltu_rpc_stage_duration_seconds_count",
                &[("stage", "encode")]
            ),
            0.0
        );
        assert_eq!(s.value("rpc_server_duration_seconds", &submit), 0.0);
    }

    #[test]
    fn the_stages_found_are_listed_in_order_and_quoted_values_are_read_whole() {
        let s = Scrape::parse(TEXT);
        assert_eq!(
            s.label_values(
                "onaltu_rpc_stage_duration_seconds_count",
                "stage",
                &[("rpc_method", "SubmitEvaluation")]
            ),
            ["authorise_decode", "decide_write"]
        );
        assert_eq!(
            s.label_values(
                "target_info",
                "note",
                &[("service_name", "onaltu-feedback")]
            ),
            [r#"a "quoted", value"#]
        );
    }

    #[test]
    fn comments_blank_and_unreadable_lines_are_no_samples() {
        let s = Scrape::parse("# TYPE x counter\n\nx{a=\"1\" 2\ny not-a-number\nz 3\n");
        assert_eq!(s.0.len(), 1);
        assert_eq!(s.value("z", &[]), 3.0);
    }
}
