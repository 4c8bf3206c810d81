//! The coordinator's dashboard over HTTP, against the registry, feedback, rating and transport
//! services running in process: the registry's statistics by region and breakdown with tables
//! and CSV files whose numbers are the registry's own, the quarter's leaderboard with the rated
//! centre's tier, the transport measures by month, who may read them, and addresses with a wrong
//! value answered by naming the field.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Browser, Page, World};
use http::StatusCode;
use onaltu_auth::Role;
use onaltu_portal::i18n::{Lang, Tr};
use onaltu_proto::common::Period as PbPeriod;
use onaltu_proto::rating as rt;
use onaltu_proto::registry as reg;
use onaltu_suite::fixtures::*;
use onaltu_suite::{citizen, claims, staff};
use uuid::Uuid;

impl Page {
    fn text(&self) -> String {
        self.body.clone()
    }

    /// The CSV file's records after its byte-order mark, header first.
    fn records(&self) -> Vec<Vec<String>> {
        let body = self.body.as_bytes();
        assert!(
            body.starts_with(&[0xEF, 0xBB, 0xBF]),
            "a CSV file starts with a byte-order mark"
        );
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&body[3..]);
        reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    }
}

impl World {
    fn operator(&self) -> Registry {
        self.suite.registry(Some(&claims(Role::CityOperator)))
    }

    /// The registry's statistics of `region` (empty: the country), as the coordinator's own
    /// call gets them.
    async fn statistics(&self, region: &str) -> reg::Statistics {
        self.operator()
            .get_statistics(reg::GetStatisticsRequest {
                region_code: region.into(),
                as_of: None,
            })
            .await
            .unwrap()
            .into_inner()
            .statistics
            .unwrap()
    }
}

/// Persons in two regions: in Astana an adult of group 1 (a wheelchair user), an adult and a
/// child; in Almaty an adult moved there. Returns the Almaty adult's id.
async fn persons_in_two_regions(w: &World) -> String {
    let mut op = w.operator();
    wheelchair_user(&mut op, 1).await;
    let parent = adult(&mut op, 2).await;
    child(&mut op, 3, &parent.id).await;
    let moving = adult(&mut op, 4).await;
    op.update_person(reg::UpdatePersonRequest {
        person: Some(reg::Person {
            region_code: "KZ-75".into(),
            ..moving.clone()
        }),
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["region_code".into()],
        }),
    })
    .await
    .expect("move the person to Almaty");
    moving.id
}

/// A centre that served someone, its inspection values recorded and the current quarter
/// computed: it stands on the quarter's leaderboard.
async fn rated_centre(w: &World) -> (String, PbPeriod) {
    let mut op = w.operator();
    let centre = centre(&mut op, "«Үміт» оңалту орталығы", 20).await;
    let person = adult(&mut op, 9).await;
    discharged(&mut op, &person.id, &centre.id).await;
    let period = onaltu_api::Period::quarter_of(onaltu_api::today()).encode();
    let value = |code: &str, value: f64| rt::IndicatorValue {
        indicator_code: code.into(),
        value,
        source: rt::IndicatorSource::Inspection as i32,
        evidence_reference: "Акт №3/2026".into(),
        ..Default::default()
    };
    w.suite
        .rating(Some(&claims(Role::Admin)))
        .record_indicators(rt::RecordIndicatorsRequest {
            request_id: Uuid::now_v7().to_string(),
            center_id: centre.id.clone(),
            period: Some(period),
            values: vec![
                value("accessibility_checklist_share", 1.0),
                value("information_openness_share", 0.8),
                value("events_per_100_recipients", 12.0),
            ],
        })
        .await
        .unwrap();
    w.suite
        .rating(Some(&claims(Role::CityOperator)))
        .compute_ratings(rt::ComputeRatingsRequest {
            request_id: Uuid::now_v7().to_string(),
            period: Some(period),
        })
        .await
        .unwrap();
    (centre.id, period)
}

/// A table row as the dashboard writes it: the label, then each count right-aligned.
fn table_row(label: &str, values: &[i64]) -> String {
    let cells: String = values
        .iter()
        .map(|v| format!("<td class=\"num\">{v}</td>"))
        .collect();
    format!("<th scope=\"row\">{label}</th>{cells}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coordinator_statistics_by_region_and_breakdown_match_the_registry() {
    let w = World::start().await;
    persons_in_two_regions(&w).await;
    let operator = w.sign_in(claims(Role::CityOperator)).await;
    let tr = Tr::new(Lang::En);

    let all = w.statistics("").await;
    assert_eq!(all.persons_total, 4);
    let page = w.get(&operator, "/coordinator").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.cache, "no-store");
    let html = page.text();
    assert!(
        html.contains("role=\"img\""),
        "the chart is an image to screen readers"
    );
    assert!(html.contains("<caption>By region, The whole country</caption>"));
    for r in &all.by_region {
        let name = tr.t(&format!("region-{}", r.region_code.to_ascii_lowercase()));
        assert!(
            html.contains(&table_row(&name, &[r.persons, r.children, r.adults])),
            "{name}'s row"
        );
    }
    assert!(html.contains(&format!(
        "<tfoot><tr>{}</tr></tfoot>",
        table_row(
            "Total",
            &[all.persons_total, all.children_total, all.adults_total]
        )
    )));

    let astana = w.statistics("KZ-71").await;
    let page = w
        .get(&operator, "/coordinator?region=KZ-71&breakdown=group")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("<caption>By disability group, Astana</caption>"));
    assert!(html.contains("aria-label=\"Bar chart: By disability group, Astana."));
    for g in &astana.by_group {
        let label = if g.group == reg::DisabilityGroup::Group1 as i32 {
            "Group 1"
        } else {
            "Not recorded"
        };
        assert!(html.contains(&table_row(label, &[g.persons])), "{label}");
    }
    assert!(html.contains(&table_row("Total", &[astana.persons_total])));
    assert_eq!(astana.persons_total, 3);

    let almaty = w.statistics("KZ-75").await;
    let page = w
        .get(&operator, "/coordinator?region=KZ-75&breakdown=sex")
        .await;
    assert!(
        page.text()
            .contains(&table_row("Total", &[almaty.persons_total]))
    );
    assert_eq!(almaty.persons_total, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coordinator_statistics_csv_parses_and_its_totals_are_the_registrys() {
    let w = World::start().await;
    persons_in_two_regions(&w).await;
    let operator = w.sign_in(claims(Role::CityOperator)).await;

    let all = w.statistics("").await;
    let file = w
        .get(&operator, "/coordinator/statistics.csv?breakdown=region")
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.header("content-type"), "text/csv; charset=utf-8");
    assert!(
        file.header("content-disposition")
            .starts_with("attachment; filename=\"statistics-kz-region-"),
        "{}",
        file.header("content-disposition")
    );
    assert_eq!(file.cache, "no-store");
    let records = file.records();
    assert_eq!(
        records[0],
        ["Code", "By region", "Persons", "Children", "Adults"]
    );
    let total = records
        .iter()
        .find(|r| r[0] == "TOTAL")
        .expect("a totals row");
    let numbers =
        |r: &[String]| -> Vec<i64> { r[2..].iter().map(|v| v.parse().unwrap()).collect() };
    assert_eq!(
        numbers(total),
        [all.persons_total, all.children_total, all.adults_total]
    );
    for r in &all.by_region {
        let row = records.iter().find(|x| x[0] == r.region_code).unwrap();
        assert_eq!(numbers(row), [r.persons, r.children, r.adults]);
    }
    let sum: i64 = records[1..records.len() - 1]
        .iter()
        .map(|r| numbers(r)[0])
        .sum();
    assert_eq!(sum, all.persons_total, "the rows add up to the total");

    let astana = w.statistics("KZ-71").await;
    let file = w
        .get(
            &operator,
            "/coordinator/statistics.csv?region=KZ-71&breakdown=cause&lang=ru",
        )
        .await;
    let records = file.records();
    assert_eq!(
        records[0][1], "По причине инвалидности",
        "headed in the page's language"
    );
    let total = records.last().unwrap();
    assert_eq!(total[0], "TOTAL");
    assert_eq!(
        numbers(total),
        [
            astana.children_total,
            astana.adults_total,
            astana.persons_total
        ]
    );
    let congenital = records.iter().find(|r| r[0] == "CONGENITAL").unwrap();
    assert_eq!(congenital[1], "Врождённая");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coordinator_leaderboard_and_transport_by_month_with_their_csv_files() {
    let w = World::start().await;
    let (centre, period) = rated_centre(&w).await;
    let listed = w
        .suite
        .rating(None)
        .list_ratings(rt::ListRatingsRequest {
            period: Some(period),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let ours = listed
        .ratings
        .iter()
        .find(|r| r.center_id == centre)
        .expect("the centre is on the leaderboard");
    let tier_code = rt::Tier::try_from(ours.tier)
        .unwrap()
        .as_str_name()
        .trim_start_matches("TIER_")
        .to_string();
    let tr = Tr::new(Lang::En);
    let tier_key = format!("tier-{}", tier_code.to_ascii_lowercase().replace('_', "-"));
    let tier_word = tr.t(&tier_key);

    let auditor = w.sign_in(claims(Role::Auditor)).await;
    let page = w.get(&auditor, "/coordinator").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("«Үміт» оңалту орталығы"));
    assert!(html.contains(&tier_word), "the tier in words");
    assert!(html.contains("<th scope=\"row\">"));
    assert_eq!(
        html.matches("<tr><th scope=\"row\">20").count(),
        6,
        "six months of transport measures"
    );

    let label = format!("{}-Q{}", period.year, period.number);
    let file = w
        .get(
            &auditor,
            &format!("/coordinator/ratings.csv?quarter={label}"),
        )
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.header("content-type"), "text/csv; charset=utf-8");
    assert_eq!(
        file.header("content-disposition"),
        format!(
            "attachment; filename=\"ratings-{}.csv\"",
            label.to_ascii_lowercase()
        )
    );
    let records = file.records();
    assert_eq!(records[0][7], "Tier code");
    let row = records
        .iter()
        .find(|r| r[1] == centre)
        .expect("the centre's row");
    assert_eq!(row[2], "«Үміт» оңалту орталығы");
    assert_eq!(row[4], label);
    assert_eq!(
        (row[7].as_str(), row[8].as_str()),
        (tier_code.as_str(), tier_word.as_str())
    );

    let file = w
        .get(
            &auditor,
            "/coordinator/transport.csv?from=2026-01&to=2026-03",
        )
        .await;
    assert_eq!(file.status, StatusCode::OK);
    let records = file.records();
    let months: Vec<&str> = records.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(months, ["Month", "2026-01", "2026-02", "2026-03", "TOTAL"]);
    assert_eq!(records[0].len(), 14);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coordinator_is_read_by_operators_auditors_and_admins_only() {
    let w = World::start().await;
    let mut op = w.operator();
    let person = adult(&mut op, 5).await;
    let centre = centre(&mut op, "Жаңа өмір орталығы", 10).await;
    let paths = [
        "/coordinator",
        "/coordinator/statistics.csv",
        "/coordinator/ratings.csv",
        "/coordinator/transport.csv",
    ];
    for role in [Role::CityOperator, Role::Auditor, Role::Admin] {
        let cookie = w.sign_in(claims(role)).await;
        for path in paths {
            let got = w.get(&cookie, path).await;
            assert_eq!(got.status, StatusCode::OK, "{role:?} {path}");
            assert_eq!(got.cache, "no-store", "{role:?} {path}");
        }
    }
    let refused = [
        citizen(&person.id),
        claims(Role::Dispatcher),
        staff(&centre.id),
        onaltu_testkit::driver(&Uuid::now_v7().to_string()),
    ];
    for who in refused {
        let role = who.role;
        let cookie = w.sign_in(who).await;
        for path in paths {
            let got = w.get(&cookie, path).await;
            assert_eq!(got.status, StatusCode::FORBIDDEN, "{role:?} {path}");
            assert!(
                !got.header("content-type").starts_with("text/csv"),
                "{role:?} {path}"
            );
        }
    }
    for path in paths {
        let got = w.anonymous(path).await;
        assert_eq!(got.status, StatusCode::UNAUTHORIZED, "anonymous {path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coordinator_names_the_field_of_a_wrong_value() {
    let w = World::start().await;
    let operator = w.sign_in(claims(Role::CityOperator)).await;
    let cases = [
        (
            "/coordinator?region=KZ-99",
            "region",
            "Choose a region from the list",
        ),
        (
            "/coordinator?breakdown=weather",
            "breakdown",
            "Choose a breakdown from the list",
        ),
        (
            "/coordinator?quarter=2026-Q9",
            "quarter",
            "Enter the quarter as the year",
        ),
        (
            "/coordinator?quarter=2100-Q1",
            "quarter",
            "The quarter has not begun yet",
        ),
        ("/coordinator?from=2026-13", "from", "Enter the first month"),
        (
            "/coordinator?from=2026-03&to=2026-01",
            "to",
            "must not be before the first month",
        ),
        (
            "/coordinator?from=2020-01&to=2025-12",
            "from",
            "Choose at most 24 months",
        ),
    ];
    for (path, field, message) in cases {
        let got = w.get(&operator, path).await;
        assert_eq!(got.status, StatusCode::BAD_REQUEST, "{path}");
        let html = got.text();
        assert!(html.contains("<title>Error: "), "{path}");
        assert!(
            html.contains(&format!("href=\"#{field}\"")),
            "{path}: the summary links {field}"
        );
        assert!(
            html.contains(&format!("id=\"{field}-error\"")),
            "{path}: beside {field}"
        );
        assert!(html.contains(message), "{path}: {message}");
    }
    // The sections whose fields are right are still shown.
    let html = w.get(&operator, "/coordinator?quarter=x").await.text();
    assert!(html.contains("<caption>By region, The whole country</caption>"));

    let files = [
        ("/coordinator/statistics.csv?region=XX", "Region"),
        ("/coordinator/statistics.csv?breakdown=x", "Breakdown"),
        ("/coordinator/ratings.csv?quarter=2026-Q0", "Quarter"),
        ("/coordinator/transport.csv?to=June", "Last month"),
    ];
    for (path, field) in files {
        let got = w.get(&operator, path).await;
        assert_eq!(got.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(
            got.header("content-type").starts_with("text/html"),
            "{path}"
        );
        assert!(
            got.text().contains(&format!("<strong>{field}</strong>")),
            "{path}"
        );
    }
    // A statistics file is not refused for another section's wrong value.
    let got = w
        .get(&operator, "/coordinator/statistics.csv?quarter=nonsense")
        .await;
    assert_eq!(got.status, StatusCode::OK);
}
