//! The portal's public pages under load, beside a static file served by the same process: the
//! centres list and one centre's page (each a render over the registry, the rating and the
//! feedback services), a repeat visit answered 304 from its ETag, and `/static/portal.css` as the
//! baseline of the HTTP stack itself.

use std::time::Duration;

use anyhow::Context;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::{Phase, load, print};

type Http = Client<HttpConnector, Empty<Bytes>>;

/// GET `url` (with `If-None-Match: etag` when given); the status and the ETag it answered.
async fn get(client: &Http, url: &str, etag: Option<&str>) -> Option<(u16, Option<String>)> {
    let mut request = hyper::Request::get(url);
    if let Some(tag) = etag {
        request = request.header(hyper::header::IF_NONE_MATCH, tag);
    }
    let response = client
        .request(request.body(Empty::new()).ok()?)
        .await
        .ok()?;
    let status = response.status().as_u16();
    let tag = response
        .headers()
        .get(hyper::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    // The whole body is read: a page is measured as delivered, not as its first byte.
    response.into_body().collect().await.ok()?;
    Some((status, tag))
}

async fn phase(
    client: &Http,
    name: &'static str,
    url: String,
    etag: Option<String>,
    expect: u16,
    concurrency: usize,
    duration: Duration,
) -> Phase {
    let client = client.clone();
    load(name, concurrency, duration, move || {
        let (client, url, etag) = (client.clone(), url.clone(), etag.clone());
        async move {
            get(&client, &url, etag.as_deref())
                .await
                .is_some_and(|(status, _)| status == expect)
        }
    })
    .await
}

/// Measures the portal at `base` (e.g. `http://127.0.0.1:8090`), centre `centre`'s page among
/// them, with `concurrency` clients for `duration` each.
pub async fn pages(
    base: &str,
    centre: &str,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<()> {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client: Http = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(concurrency)
        .build(connector);
    let list = format!("{base}/centres");
    let page = format!("{base}/centres/{centre}");
    let (status, etag) = get(&client, &page, None)
        .await
        .with_context(|| format!("cannot reach the portal at {base}"))?;
    anyhow::ensure!(status == 200, "{page} answered {status}");
    let etag = etag.context("the centre page carries no ETag")?;
    let revisit = get(&client, &page, Some(&etag)).await.map(|r| r.0);
    anyhow::ensure!(
        revisit == Some(304),
        "a repeat visit with its ETag answered {revisit:?}, not 304"
    );
    println!("a repeat visit to a centre page with its ETag answers 304 Not Modified");

    let css = format!("{base}/static/portal.css");
    let baseline = phase(
        &client,
        "static file",
        css,
        None,
        200,
        concurrency,
        duration,
    )
    .await;
    print(&baseline, None);
    for (name, url, tag, expect) in [
        ("centres list", list, None, 200),
        ("centre page", page.clone(), None, 200),
        ("centre page, revisit", page, Some(etag), 304),
    ] {
        let measured = phase(&client, name, url, tag, expect, concurrency, duration).await;
        print(&measured, Some(&baseline));
        if expect == 200 {
            println!(
                "  {name}: {:.2}x the static file's throughput (goal >= 0.3x), p99 {:.1} ms (goal < 100 ms)",
                measured.throughput() / baseline.throughput(),
                measured.percentile(0.99)
            );
        }
    }
    Ok(())
}
