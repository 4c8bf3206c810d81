//! The public pages over HTTP, against the registry, feedback and rating services running in
//! process: the centres list with each centre's stars, tier and rank, a centre's page with the
//! rating explained line by line, its history, the feedback summary and the published
//! evaluations with the centre's reply, the methodology, and the caching every public page
//! shares (a minute, an entity tag, 304 on a repeat).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;

use http::{HeaderMap, StatusCode};
use onaltu_api::Period;
use onaltu_auth::Role;
use onaltu_portal::oidc::client;
use onaltu_proto::feedback as fb;
use onaltu_proto::rating as pb;
use onaltu_suite::fixtures::*;
use onaltu_suite::{Suite, citizen, claims, staff};
use uuid::Uuid;

/// The portal over `s`, on a free port.
async fn portal(s: &Suite) -> SocketAddr {
    let state = common::state(s, "http://127.0.0.1:9").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(onaltu_portal::serve(
        state,
        listener,
        std::future::pending(),
    ));
    addr
}

/// What a visitor got.
struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The `lang` of the `<html>` element.
    fn lang(&self) -> &str {
        let start = self.body.find("<html lang=\"").expect("an html element") + 12;
        let end = self.body[start..].find('"').unwrap();
        &self.body[start..start + end]
    }

    fn has(&self, text: &str) -> bool {
        self.body.contains(&escaped(text))
    }
}

/// `text` as the templates escape it.
fn escaped(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// GETs `path` from the portal at `addr` with `headers` (English unless told otherwise).
async fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Page {
    let mut request = http::Request::get(format!("http://{addr}{path}"));
    if !headers.iter().any(|(n, _)| *n == "accept-language") {
        request = request.header("accept-language", "en");
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = client::send(request.body(String::new()).unwrap())
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    Page {
        status: parts.status,
        headers: parts.headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

fn current() -> Period {
    Period::quarter_of(onaltu_api::today())
}

/// A centre served by six adults who evaluated it with 5 today (published, one replied to by
/// the centre), with the city's inspection values, and a bare one; the quarter computed.
struct Rated {
    s: Suite,
    good: String,
    bare: String,
}

async fn rated() -> Rated {
    let s = Suite::start().await;
    let mut op = s.registry(Some(&claims(Role::CityOperator)));
    let good = centre(&mut op, "Жақсы орталық", 20).await.id;
    let bare = centre(&mut op, "Жаңа орталық", 20).await.id;
    let mut moderator = s.feedback(Some(&claims(Role::CityOperator)));
    let mut first = None;
    for i in 0..6 {
        let person = adult(&mut op, 60 + i).await.id;
        let episode = discharged(&mut op, &person, &good).await.id;
        let comment = if i == 0 {
            "Жақсы күтім болды"
        } else {
            ""
        };
        let e = submit(
            &mut s.feedback(Some(&citizen(&person))),
            evaluation(&episode, 5, comment),
        )
        .await
        .unwrap();
        publish(&mut moderator, &e.id).await;
        first.get_or_insert(e.id);
    }
    s.feedback(Some(&staff(&good)))
        .reply_to_evaluation(fb::ReplyToEvaluationRequest {
            id: first.unwrap(),
            text: "Рақмет, келіңіз!".into(),
        })
        .await
        .unwrap();
    assert_eq!(s.rating_counts_evaluations(6).await, 6);
    let value = |code: &str, v: f64| pb::IndicatorValue {
        indicator_code: code.into(),
        value: v,
        source: pb::IndicatorSource::Inspection as i32,
        evidence_reference: "Акт №7/2026".into(),
        ..Default::default()
    };
    s.rating(Some(&claims(Role::Admin)))
        .record_indicators(pb::RecordIndicatorsRequest {
            request_id: Uuid::now_v7().to_string(),
            center_id: good.clone(),
            period: Some(current().encode()),
            values: vec![
                value("accessibility_checklist_share", 1.0),
                value("information_openness_share", 0.65),
                value("events_per_100_recipients", 10.0),
            ],
        })
        .await
        .unwrap();
    s.rating(Some(&claims(Role::CityOperator)))
        .compute_ratings(pb::ComputeRatingsRequest {
            request_id: Uuid::now_v7().to_string(),
            period: Some(current().encode()),
        })
        .await
        .unwrap();
    Rated { s, good, bare }
}

#[tokio::test]
async fn a_rated_centre_is_listed_and_explained_line_by_line() {
    let Rated { s, good, bare } = rated().await;
    let addr = portal(&s).await;

    let list = get(addr, "/centres", &[]).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.has("Жақсы орталық") && list.has("Жаңа орталық"));
    assert!(list.has(&format!("/centres/{good}")));
    assert!(list.has("3 of 5 stars"), "68.79 gives three stars");
    assert!(
        list.body
            .contains("<span class=\"stars\" aria-hidden=\"true\">★★★☆☆</span>")
    );
    assert!(list.has("Tier: Standard"));
    assert!(list.has("Place among similar centres: 1 of"));
    assert!(
        list.has("No stars: not enough data to rate"),
        "the bare centre"
    );
    assert!(list.has("2 centres found"));

    let page = get(addr, &format!("/centres/{good}"), &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("<h1>Жақсы орталық</h1>"));
    assert!(page.has("3 of 5 stars") && page.has("68.8 of 100"));
    let rating = s
        .rating(None)
        .get_center_rating(pb::GetCenterRatingRequest {
            center_id: good.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .rating
        .unwrap();
    assert!(!rating.explanations.is_empty());
    for line in &rating.explanations {
        assert!(page.has(&line.en), "the explanation line {:?}", line.en);
    }
    assert!(
        page.has("Information openness checklist met"),
        "an indicator line"
    );
    assert!(page.has("65%") && page.has("City inspection"));
    let label = format!("{}-Q{}", current().encode().year, current().encode().number);
    assert!(
        page.body.contains(&format!(
            "<th scope=\"row\">{label}</th><td class=\"num\">68.8</td>"
        )),
        "the history table"
    );
    assert!(
        page.body
            .contains("role=\"img\" aria-label=\"Line chart of the score")
    );
    assert!(
        page.has("Results of rehabilitation"),
        "the feedback summary"
    );
    assert!(page.has("6 evaluations"));
    assert!(
        page.body
            .contains("<blockquote lang=\"kk\">Жақсы күтім болды</blockquote>")
    );
    assert!(page.has("Рақмет, келіңіз!"), "the centre's reply");

    let bare_page = get(addr, &format!("/centres/{bare}"), &[]).await;
    assert_eq!(bare_page.status, StatusCode::OK);
    assert!(bare_page.has("No stars: not enough data to rate"));
    assert!(bare_page.has("No published evaluations yet."));

    for path in [
        "/centres".to_string(),
        format!("/centres/{good}"),
        "/methodology".into(),
    ] {
        for lang in ["kk", "ru", "en"] {
            let page = get(addr, &format!("{path}?lang={lang}"), &[]).await;
            assert_eq!(page.status, StatusCode::OK, "{path} in {lang}");
            assert_eq!(page.lang(), lang, "{path}");
        }
    }
    let kk = get(addr, "/centres", &[("accept-language", "kk")]).await;
    assert!(kk.has("5 жұлдыздан 3"));
    let ru = get(addr, "/centres?lang=ru", &[]).await;
    assert!(ru.has("3 из 5 звёзд"));
}

#[tokio::test]
async fn public_pages_are_cached_a_minute_and_answered_304_when_unchanged() {
    let s = Suite::start().await;
    let mut op = s.registry(Some(&claims(Role::CityOperator)));
    let id = centre(&mut op, "Күн орталығы", 10).await.id;
    let addr = portal(&s).await;
    for path in [
        "/centres".to_string(),
        format!("/centres/{id}"),
        "/methodology".into(),
    ] {
        let first = get(addr, &path, &[]).await;
        assert_eq!(first.status, StatusCode::OK, "{path}: {}", first.body);
        assert_eq!(first.header("cache-control"), "public, max-age=60");
        let tag = first.header("etag").to_string();
        assert!(tag.starts_with('"') && tag.len() > 10, "{path}: {tag}");
        let again = get(addr, &path, &[("if-none-match", &tag)]).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(again.body.is_empty());
        assert_eq!(again.header("etag"), tag);
        let other = get(addr, &path, &[("if-none-match", "\"something-else\"")]).await;
        assert_eq!(other.status, StatusCode::OK, "{path}");
    }
    let methodology = get(addr, "/methodology", &[]).await;
    assert!(methodology.has("Effectiveness") && methodology.has("weight 30%"));
    assert!(methodology.has("5 stars: overall score of 85 or more"));
    assert!(methodology.has("1 star: overall score below 40"));
    assert!(methodology.has("Share discharged with improvement"));
    assert!(methodology.has("Incentive") && methodology.has("Penalty"));
}

#[tokio::test]
async fn unknown_centres_are_not_found_and_the_list_pages_with_its_filters() {
    let s = Suite::start().await;
    let mut op = s.registry(Some(&claims(Role::CityOperator)));
    for i in 0..23 {
        centre(&mut op, &format!("Орталық {i:02}"), 10).await;
    }
    let addr = portal(&s).await;

    let home = get(addr, "/", &[]).await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.header("location"), "/centres");

    for id in [
        Uuid::now_v7().to_string(),
        "not-a-centre".into(),
        "12345".into(),
    ] {
        let page = get(addr, &format!("/centres/{id}"), &[]).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{id}");
        assert!(page.has("Page not found"), "{id}: {}", page.body);
        for lang in ["kk", "ru"] {
            let page = get(addr, &format!("/centres/{id}?lang={lang}"), &[]).await;
            assert_eq!((page.status, page.lang()), (StatusCode::NOT_FOUND, lang));
        }
    }

    let first = get(
        addr,
        "/centres?region=KZ-71&q=%D0%9E%D1%80%D1%82%D0%B0%D0%BB%D1%8B%D2%9B",
        &[],
    )
    .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert!(first.has("23 centres found"));
    assert_eq!(
        first.body.matches("<li>\n    <h2>").count(),
        20,
        "twenty a page"
    );
    assert!(
        first
            .body
            .contains("<option value=\"KZ-71\" selected>Astana</option>")
    );
    assert!(!first.body.contains("rel=\"prev\""));
    let rel = first.body.find("rel=\"next\"").expect("a next link");
    let start = first.body[..rel].rfind("href=\"").unwrap() + 6;
    let end = first.body[start..].find('"').unwrap() + start;
    let next = first.body[start..end].replace("&#38;", "&");
    assert!(next.starts_with("/centres?region=KZ-71&q="), "{next}");
    assert!(next.contains("&page="), "{next}");
    let second = get(addr, &next, &[]).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    assert_eq!(second.body.matches("<li>\n    <h2>").count(), 3);
    assert!(second.has("Page 2"));
    assert!(second.body.contains("rel=\"prev\""));
    assert!(!second.body.contains("rel=\"next\""));

    let elsewhere = get(addr, "/centres?region=KZ-75", &[]).await;
    assert!(elsewhere.has("No centre matches these filters."));
    let nonsense = get(addr, "/centres?region=XX&sector=army&page=%3Cb%3E", &[]).await;
    assert_eq!(
        nonsense.status,
        StatusCode::OK,
        "unknown filters are dropped"
    );
    assert!(nonsense.has("23 centres found"));
}
