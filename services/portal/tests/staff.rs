//! A centre's staff's page over HTTP, against the registry, feedback, rating and transport
//! services and the portal running in process: their own centre's queue, episodes and
//! evaluations (numbers, never names), one reply per published evaluation with errors beside
//! the field, the indicators the centre reports itself, nothing of another centre, other roles
//! refused, and forged forms changing nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Browser, World};
use http::StatusCode;
use onaltu_auth::Role;
use onaltu_proto::feedback as fb;
use onaltu_suite::fixtures::*;
use onaltu_suite::{citizen, claims, staff};

impl World {
    async fn indicator_values(&self) -> i64 {
        self.suite.rating_count("indicator_values").await
    }
}

/// A centre with a person waiting in its queue and a published evaluation of another
/// person's stay: (centre, evaluation).
async fn centre_with_feedback(w: &World, serial: u32, comment: &str) -> (String, fb::Evaluation) {
    let mut op = w.suite.registry(Some(&claims(Role::CityOperator)));
    let place = centre(&mut op, &format!("Оңалту орталығы {serial}"), 20)
        .await
        .id;
    let stayed = adult(&mut op, serial + 500).await.id;
    let episode = discharged(&mut op, &stayed, &place).await.id;
    let waiting = adult(&mut op, serial).await.id;
    queued(&mut op, &waiting, &place).await;
    let mut author = w.suite.feedback(Some(&citizen(&stayed)));
    let e = submit(&mut author, evaluation(&episode, 5, comment))
        .await
        .unwrap();
    let e = publish(&mut w.moderator(), &e.id).await;
    (place, e)
}

#[tokio::test]
async fn staff_see_their_centre_and_reply_once() {
    let w = World::start().await;
    let (place, e) = centre_with_feedback(&w, 301, "Қызметкерлер өте сыпайы.").await;
    let worker = w.sign_in(staff(&place)).await;

    let page = w.get(&worker, "/staff").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.cache, "no-store");
    assert!(
        page.body.contains("Оңалту орталығы 301"),
        "the centre's name"
    );
    assert!(
        page.body.contains("ЖОБ-1"),
        "the referral number in the queue"
    );
    assert!(page.body.contains("1 referral waiting."));
    assert!(
        page.body.contains("Қызметкерлер өте сыпайы."),
        "the evaluation"
    );
    assert!(!page.body.contains("Сейітов"), "no person's name");
    assert!(
        page.body
            .contains("Cultural and social events per 100 recipients"),
        "the indicator the centre reports itself"
    );
    assert!(
        !page.body.contains("value-accessibility_checklist_share"),
        "not an indicator only the city records"
    );
    let action = format!("/staff/evaluations/{}/reply", e.id);
    assert!(page.body.contains(&action));

    let text = "Рахмет! Сізді қайта күтеміз.";
    let sent = w
        .post(
            &worker,
            &action,
            &[("csrf", worker.csrf.as_str()), ("text", text)],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert_eq!(sent.location, "/staff?notice=replied#evaluations");
    assert_eq!(w.evaluation(&e.id).await.reply.unwrap().text, text);
    let after = w.get(&worker, "/staff?notice=replied").await;
    assert!(after.body.contains("The reply is published."));
    assert!(!after.body.contains(&action), "one reply only");

    let again = w
        .post(
            &worker,
            &action,
            &[("csrf", worker.csrf.as_str()), ("text", "Тағы да")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(again.body.contains("already replied"));
    assert_eq!(w.evaluation(&e.id).await.reply.unwrap().text, text);
}

#[tokio::test]
async fn a_bad_reply_is_answered_beside_the_field_and_nothing_is_written() {
    let w = World::start().await;
    let (place, e) = centre_with_feedback(&w, 302, "Жақсы.").await;
    let worker = w.sign_in(staff(&place)).await;
    let action = format!("/staff/evaluations/{}/reply", e.id);
    let long = "ә".repeat(2001);
    for (text, message) in [
        ("   ", "Write the reply"),
        (long.as_str(), "at most 2000 characters"),
    ] {
        let page = w
            .post(
                &worker,
                &action,
                &[("csrf", worker.csrf.as_str()), ("text", text)],
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            page.body
        );
        assert!(page.body.contains(&format!("id=\"reply-{}-error\"", e.id)));
        assert!(page.body.contains("class=\"error-summary\""));
        assert!(page.body.contains(message), "{message}");
        assert!(page.body.contains("<title>Error: "));
        assert!(page.body.contains("aria-invalid=\"true\""));
    }
    assert!(w.evaluation(&e.id).await.reply.is_none());
}

#[tokio::test]
async fn staff_get_nothing_of_another_centre() {
    let w = World::start().await;
    let (mine, _) = centre_with_feedback(&w, 303, "Біздің орталық.").await;
    let (theirs, e) = centre_with_feedback(&w, 304, "Басқа орталық туралы.").await;
    let worker = w.sign_in(staff(&mine)).await;

    let page = w.get(&worker, "/staff").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Біздің орталық."));
    assert!(!page.body.contains("Басқа орталық туралы."));
    assert!(!page.body.contains("Оңалту орталығы 304"));
    assert!(!page.body.contains(&theirs));

    let refused = w
        .post(
            &worker,
            &format!("/staff/evaluations/{}/reply", e.id),
            &[
                ("csrf", worker.csrf.as_str()),
                ("text", "Біз жауап береміз"),
            ],
        )
        .await;
    assert!(
        matches!(
            refused.status,
            StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
        ),
        "{}: {}",
        refused.status,
        refused.body
    );
    assert!(w.evaluation(&e.id).await.reply.is_none(), "nothing written");
}

#[tokio::test]
async fn staff_record_the_indicators_their_centre_reports() {
    let w = World::start().await;
    let (place, _) = centre_with_feedback(&w, 305, "Жақсы.").await;
    let worker = w.sign_in(staff(&place)).await;
    let page = w.get(&worker, "/staff").await;
    let request_id = page.hidden_in("/staff/indicators", "request_id");
    let field = "value-events_per_100_recipients";

    let bad = w
        .post(
            &worker,
            "/staff/indicators",
            &[
                ("csrf", worker.csrf.as_str()),
                ("request_id", &request_id),
                (field, "-2"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains(&format!("id=\"{field}-error\"")));
    assert!(
        bad.body.contains("value=\"-2\""),
        "the form keeps what was typed"
    );
    assert_eq!(w.indicator_values().await, 0);

    let none = w
        .post(
            &worker,
            "/staff/indicators",
            &[("csrf", worker.csrf.as_str()), ("request_id", &request_id)],
        )
        .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.body.contains("Enter at least one value"));

    let done = w
        .post(
            &worker,
            "/staff/indicators",
            &[
                ("csrf", worker.csrf.as_str()),
                ("request_id", &request_id),
                (field, "12,5"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(w.indicator_values().await, 1);
}

#[tokio::test]
async fn only_a_centres_staff_open_the_staff_page() {
    let w = World::start().await;
    let mut op = w.suite.registry(Some(&claims(Role::CityOperator)));
    let person = adult(&mut op, 306).await.id;
    let others = [
        citizen(&person),
        onaltu_testkit::driver(&uuid::Uuid::now_v7().to_string()),
        claims(Role::Dispatcher),
        claims(Role::CityOperator),
    ];
    for who in others {
        let role = who.role;
        let v = w.sign_in(who).await;
        let page = w.get(&v, "/staff").await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{role:?}");
        assert_eq!(page.cache, "no-store");
    }
    assert_eq!(w.anonymous("/staff").await.status, StatusCode::UNAUTHORIZED);
    let _ = &w.portal.url;
}

#[tokio::test]
async fn a_forged_reply_changes_nothing() {
    let w = World::start().await;
    let (place, e) = centre_with_feedback(&w, 307, "Жақсы.").await;
    let worker = w.sign_in(staff(&place)).await;
    let forged = w
        .post(
            &worker,
            &format!("/staff/evaluations/{}/reply", e.id),
            &[("csrf", "forged"), ("text", "Рахмет")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(w.evaluation(&e.id).await.reply.is_none());
    let forged = w
        .post(
            &worker,
            "/staff/indicators",
            &[
                ("request_id", uuid::Uuid::now_v7().to_string().as_str()),
                ("value-events_per_100_recipients", "3"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(w.indicator_values().await, 0);
}
