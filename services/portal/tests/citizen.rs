//! A citizen's own pages over HTTP, against the registry, feedback, rating and transport services
//! running in process: their services with the one to evaluate, the evaluation form with every
//! rule answered beside its field and nothing written on error, the moderation status, forged
//! forms and other persons' episodes refused, and an invataxi trip booked and cancelled.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Browser, Visitor, World};
use http::StatusCode;
use onaltu_auth::Role;
use onaltu_proto::common::GeoPoint;
use onaltu_proto::registry as reg;
use onaltu_suite::fixtures::*;
use onaltu_suite::{citizen, claims};

impl World {
    fn operator(&self) -> Registry {
        self.suite.registry(Some(&claims(Role::CityOperator)))
    }

    async fn evaluations(&self) -> i64 {
        self.suite.feedback_db.count("evaluations").await
    }

    async fn trips(&self) -> i64 {
        self.portal.transport_db.count("trips").await
    }
}

/// A complete evaluation form.
fn evaluation(csrf: &str, request_id: &str) -> Vec<(&'static str, String)> {
    vec![
        ("csrf", csrf.into()),
        ("request_id", request_id.into()),
        ("results", "5".into()),
        ("activities", "4".into()),
        ("accessibility", "na".into()),
        ("information", "4".into()),
        ("comfort", "5".into()),
        ("waiting", "3".into()),
        ("staff_courtesy", "5".into()),
        ("days_waited", "93".into()),
        ("would_recommend", "9".into()),
        ("comment", "Рахмет!\r\nБәрі жақсы болды.".into()),
        ("complaint", String::new()),
    ]
}

fn with(
    mut form: Vec<(&'static str, String)>,
    field: &str,
    value: &str,
) -> Vec<(&'static str, String)> {
    for (k, v) in &mut form {
        if *k == field {
            *v = value.to_string();
        }
    }
    form
}

/// A person with a discharged episode at a centre: (person, centre, episode).
async fn discharged_person(w: &World, serial: u32) -> (String, String, String) {
    let mut op = w.operator();
    let person = adult(&mut op, serial).await.id;
    let centre = centre(&mut op, &format!("Оңалту орталығы {serial}"), 20)
        .await
        .id;
    let episode = discharged(&mut op, &person, &centre).await.id;
    (person, centre, episode)
}

#[tokio::test]
async fn a_discharged_service_is_evaluated_once_and_waits_for_moderation() {
    let w = World::start().await;
    let (person, _, episode) = discharged_person(&w, 101).await;
    let me = w.sign_in(citizen(&person)).await;

    let services = w.get(&me, "/my/services").await;
    assert_eq!(services.status, StatusCode::OK, "{}", services.body);
    assert_eq!(services.cache, "no-store");
    assert!(services.body.contains("Evaluate this service"));
    assert!(services.body.contains(&format!("/my/evaluate/{episode}")));
    assert!(
        services.body.contains("Оңалту орталығы 101"),
        "the centre's name"
    );

    let form = w.get(&me, &format!("/my/evaluate/{episode}")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert_eq!(form.cache, "no-store");
    assert!(
        form.body
            .contains("<legend>Results of rehabilitation</legend>")
    );
    let request_id = form.hidden("request_id");

    let path = format!("/my/evaluate/{episode}");
    let sent = w.post(&me, &path, &evaluation(&me.csrf, &request_id)).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert_eq!(sent.location, "/my/evaluations?notice=sent");
    // The browser sends the same form twice: it is answered once.
    let again = w.post(&me, &path, &evaluation(&me.csrf, &request_id)).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(w.evaluations().await, 1);

    let mine = w.get(&me, "/my/evaluations?notice=sent").await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body.contains("waiting for moderation"), "the notice");
    assert!(mine.body.contains("Waiting for moderation"), "the status");
    assert!(mine.body.contains("Change this evaluation"));

    let after = w.get(&me, "/my/services").await;
    assert!(after.body.contains("You have evaluated this service."));
    assert!(
        !after
            .body
            .contains(&format!("href=\"/my/evaluate/{episode}\""))
    );
}

#[tokio::test]
async fn each_bad_answer_is_told_beside_its_field_and_nothing_is_written() {
    let w = World::start().await;
    let (person, _, episode) = discharged_person(&w, 102).await;
    let me = w.sign_in(citizen(&person)).await;
    let path = format!("/my/evaluate/{episode}");
    let request_id = w.get(&me, &path).await.hidden("request_id");
    let good = evaluation(&me.csrf, &request_id);
    let long_comment = "ә".repeat(2001);
    let long_complaint = "x".repeat(4001);
    let cases: Vec<(&str, Vec<(&'static str, String)>)> = vec![
        ("results", with(good.clone(), "results", "")),
        ("waiting", with(good.clone(), "waiting", "7")),
        ("days_waited", with(good.clone(), "days_waited", "many")),
        ("days_waited", with(good.clone(), "days_waited", "4000")),
        (
            "would_recommend",
            with(good.clone(), "would_recommend", "11"),
        ),
        ("comment", with(good.clone(), "comment", &long_comment)),
        (
            "complaint",
            with(good.clone(), "complaint", &long_complaint),
        ),
    ];
    for (field, form) in cases {
        let page = w.post(&me, &path, &form).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(page.field_error(field), "{field}: {}", page.body);
        assert!(page.title().starts_with("Error: "), "{}", page.title());
        assert_eq!(page.cache, "no-store");
    }
    let mut none = good.clone();
    for c in [
        "results",
        "activities",
        "accessibility",
        "information",
        "comfort",
        "waiting",
        "staff_courtesy",
    ] {
        none = with(none, c, "na");
    }
    let page = w.post(&me, &path, &none).await;
    assert!(page.field_error("scores"), "{}", page.body);
    assert!(
        page.body.contains("href=\"#results-5\""),
        "the summary links to the field"
    );

    // What was typed is kept.
    let page = w
        .post(&me, &path, &with(good.clone(), "days_waited", "many"))
        .await;
    assert!(page.body.contains("value=\"many\""));
    assert!(page.body.contains("Рахмет!"));
    assert!(
        page.body
            .contains("id=\"results-5\" name=\"results\" value=\"5\" checked")
    );
    assert_eq!(w.evaluations().await, 0, "nothing is written on error");
}

#[tokio::test]
async fn a_forged_form_and_another_persons_episode_are_refused() {
    let w = World::start().await;
    let (person, _, episode) = discharged_person(&w, 103).await;
    let (other, _, others_episode) = discharged_person(&w, 104).await;
    let me = w.sign_in(citizen(&person)).await;
    let _them = w.sign_in(citizen(&other)).await;
    let request_id = w
        .get(&me, &format!("/my/evaluate/{episode}"))
        .await
        .hidden("request_id");

    let forged = w
        .post(
            &me,
            &format!("/my/evaluate/{episode}"),
            &evaluation("not-the-session-token", &request_id),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.body.contains("The form has expired"));

    let theirs = w.get(&me, &format!("/my/evaluate/{others_episode}")).await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN, "{}", theirs.body);
    let sent = w
        .post(
            &me,
            &format!("/my/evaluate/{others_episode}"),
            &evaluation(&me.csrf, &uuid::Uuid::now_v7().to_string()),
        )
        .await;
    assert_eq!(sent.status, StatusCode::FORBIDDEN, "{}", sent.body);
    assert_eq!(w.evaluations().await, 0);

    // Without a session the pages ask to sign in.
    let anonymous = Visitor {
        cookie: String::new(),
        csrf: String::new(),
    };
    assert_eq!(
        w.get(&anonymous, "/my/services").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_evaluation_is_edited_and_goes_back_to_moderation() {
    let w = World::start().await;
    let (person, _, episode) = discharged_person(&w, 105).await;
    let me = w.sign_in(citizen(&person)).await;
    let path = format!("/my/evaluate/{episode}");
    let request_id = w.get(&me, &path).await.hidden("request_id");
    w.post(&me, &path, &evaluation(&me.csrf, &request_id)).await;
    let list = w.get(&me, "/my/evaluations").await;
    let start = list.body.find("/my/evaluations/").unwrap();
    let end = list.body[start..].find('"').unwrap();
    let edit = list.body[start..start + end].to_string();

    let form = w.get(&me, &edit).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(
        form.body
            .contains("id=\"accessibility-na\" name=\"accessibility\" value=\"na\" checked")
    );
    let bad = w
        .post(&me, &edit, &with(evaluation(&me.csrf, ""), "comfort", ""))
        .await;
    assert!(bad.field_error("comfort"));
    let changed = w
        .post(&me, &edit, &with(evaluation(&me.csrf, ""), "comfort", "2"))
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    assert_eq!(changed.location, "/my/evaluations?notice=updated");
    assert_eq!(w.evaluations().await, 1);
}

/// Puts `person`'s home on the map and registers a centre with an address there; returns the
/// centre.
async fn home_and_centre(w: &World, person: &str) -> String {
    let mut op = w.operator();
    op.update_person(reg::UpdatePersonRequest {
        person: Some(reg::Person {
            id: person.into(),
            address: "Астана, Сарыарқа даңғылы, 10".into(),
            location: Some(GeoPoint {
                latitude: 51.11,
                longitude: 71.40,
            }),
            ..Default::default()
        }),
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["address".into(), "location".into()],
        }),
    })
    .await
    .unwrap();
    let c = centre(&mut op, "Инватакси орталығы", 20).await;
    op.update_center(reg::UpdateCenterRequest {
        center: Some(reg::Center {
            id: c.id.clone(),
            address: "Астана, Мәңгілік Ел, 5".into(),
            location: Some(GeoPoint {
                latitude: 51.15,
                longitude: 71.47,
            }),
            ..Default::default()
        }),
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["address".into(), "location".into()],
        }),
    })
    .await
    .unwrap();
    c.id
}

fn trip_form(csrf: &str, request_id: &str, centre: &str) -> Vec<(&'static str, String)> {
    let tomorrow = onaltu_api::today() + chrono::Duration::days(1);
    vec![
        ("csrf", csrf.into()),
        ("request_id", request_id.into()),
        ("direction", "to_centre".into()),
        ("centre", centre.into()),
        ("time_kind", "pickup".into()),
        ("date", tomorrow.format("%Y-%m-%d").to_string()),
        ("time", "10:00".into()),
        ("wheelchair", "yes".into()),
        ("escorts", "1".into()),
        ("purpose", "rehabilitation".into()),
        ("note", "2-подъезд".into()),
    ]
}

#[tokio::test]
async fn a_trip_is_booked_and_cancelled_and_bad_input_is_named() {
    let w = World::start().await;
    let person = wheelchair_user(&mut w.operator(), 106).await.id;
    let centre = home_and_centre(&w, &person).await;
    let me = w.sign_in(citizen(&person)).await;

    let form = w.get(&me, "/my/trips/new").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert_eq!(form.cache, "no-store");
    assert!(form.body.contains("Сарыарқа"), "the home address is shown");
    let request_id = form.hidden("request_id");
    let good = trip_form(&me.csrf, &request_id, &centre);

    let today = onaltu_api::today().format("%Y-%m-%d").to_string();
    let cases = [
        ("date", with(good.clone(), "date", &today)),
        ("date", with(good.clone(), "date", "tomorrow")),
        ("time", with(good.clone(), "time", "07:00")),
        ("escorts", with(good.clone(), "escorts", "5")),
        ("centre", with(good.clone(), "centre", "")),
        ("direction", with(good.clone(), "direction", "")),
    ];
    for (field, form) in cases {
        let page = w.post(&me, "/my/trips/new", &form).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(page.field_error(field), "{field}: {}", page.body);
    }
    assert_eq!(w.trips().await, 0, "nothing is written on error");

    let forged = w
        .post(&me, "/my/trips/new", &with(good.clone(), "csrf", "forged"))
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(w.trips().await, 0);

    let booked = w.post(&me, "/my/trips/new", &good).await;
    assert_eq!(booked.status, StatusCode::SEE_OTHER, "{}", booked.body);
    assert_eq!(booked.location, "/my/trips?notice=requested");
    let twice = w.post(&me, "/my/trips/new", &good).await;
    assert_eq!(twice.status, StatusCode::SEE_OTHER);
    assert_eq!(w.trips().await, 1, "a double submit books once");

    let list = w.get(&me, "/my/trips?notice=requested").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.body.contains("Requested"));
    assert!(list.body.contains("pick up at 10:00"));
    let start = list.body.find("action=\"/my/trips/").unwrap() + 8;
    let end = list.body[start..].find('"').unwrap();
    let cancel = list.body[start..start + end].to_string();
    let confirm = w.post(&me, &cancel, &[("csrf", me.csrf.clone())]).await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
    assert!(confirm.body.contains("Do you want to cancel this trip?"));
    assert!(
        !confirm.body.contains("This is a late cancellation."),
        "tomorrow's trip is cancelled in time"
    );
    let done = w
        .post(
            &me,
            &cancel,
            &[("csrf", me.csrf.clone()), ("confirm", "yes".into())],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location, "/my/trips?notice=cancelled");
    let after = w.get(&me, "/my/trips").await;
    assert!(after.body.contains("Cancelled"));
    assert!(!after.body.contains(&format!("action=\"{cancel}\"")));
}
