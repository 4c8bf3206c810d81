//! The moderators' pages over HTTP, against the registry, feedback, rating and transport
//! services and the portal running in process: a pending evaluation published and shown on
//! the centre's public page, one rejected for a reason with a note (nothing published), a
//! complaint taken to resolved with its resolution, overdue complaints first, other roles
//! refused, and forged forms changing nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use http::{Request, StatusCode};
use onaltu_auth::{Claims, Role};
use onaltu_portal::settings::Settings;
use onaltu_portal::web::AppState;
use onaltu_proto::feedback as fb;
use onaltu_suite::fixtures::*;
use onaltu_suite::{Portal, Suite, citizen, claims, staff};
use tower::ServiceExt;

/// The suite and the portal in front of it; `state` is a second portal over the same services
/// and session store, answering requests in process.
struct World {
    state: AppState,
    portal: Portal,
    suite: Suite,
}

impl World {
    async fn start() -> Self {
        let (suite, portal) = Suite::start_with_portal().await;
        let settings = Settings::local(
            &suite.redis.url(),
            onaltu_testkit::jwt_secret(),
            &suite.registry.addr,
            &suite.feedback.addr,
            &suite.rating.addr,
            &portal.transport.addr,
        );
        let state = onaltu_portal::state(settings).await.unwrap();
        Self {
            state,
            portal,
            suite,
        }
    }

    async fn sign_in(&self, claims: Claims) -> Visitor {
        let token = onaltu_testkit::token(&claims);
        let (id, session) = self
            .state
            .sessions
            .start(token, None, None, claims)
            .await
            .unwrap();
        Visitor {
            cookie: format!("onaltu_session={id}"),
            csrf: session.csrf,
        }
    }

    async fn send(&self, request: Request<Body>) -> Page {
        let response = onaltu_portal::router(self.state.clone())
            .oneshot(request)
            .await
            .unwrap();
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, 8 << 20).await.unwrap();
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        Page {
            status: parts.status,
            location: header("location"),
            cache: header("cache-control"),
            body: String::from_utf8(body.to_vec()).unwrap(),
        }
    }

    async fn get(&self, v: Option<&Visitor>, path: &str) -> Page {
        let mut request = Request::get(path).header("accept-language", "en");
        if let Some(v) = v {
            request = request.header("cookie", &v.cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    async fn post(&self, v: &Visitor, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let request = Request::post(path)
            .header("cookie", &v.cookie)
            .header("accept-language", "en")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    fn moderator(&self) -> Feedback {
        self.suite.feedback(Some(&claims(Role::CityOperator)))
    }

    async fn evaluation(&self, id: &str) -> fb::Evaluation {
        onaltu_testkit::feedback::get(&mut self.moderator(), id)
            .await
            .unwrap()
    }

    async fn complaints(&self) -> Vec<fb::Complaint> {
        self.moderator()
            .list_complaints(fb::ListComplaintsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .complaints
    }

    /// Moves complaint `id`'s deadline `days` days into the past, as time would.
    fn age_deadline(&self, id: &str, days: u32) {
        let sql =
            format!("UPDATE complaints SET deadline = current_date - {days} WHERE id = '{id}'");
        let done = std::process::Command::new("psql")
            .args([self.suite.feedback_db.url(), "-q", "-c", &sql])
            .status()
            .expect("psql runs");
        assert!(done.success(), "the deadline was moved");
    }
}

/// A signed-in browser.
struct Visitor {
    cookie: String,
    csrf: String,
}

/// What the browser got.
struct Page {
    status: StatusCode,
    location: String,
    cache: String,
    body: String,
}

impl Page {
    /// The value of the hidden field `name` of the form posting to `action`.
    fn hidden(&self, action: &str, name: &str) -> String {
        let form = self
            .body
            .find(&format!("action=\"{action}\""))
            .expect("the form");
        let marker = format!("name=\"{name}\" value=\"");
        let start = form + self.body[form..].find(&marker).expect("the field") + marker.len();
        let end = self.body[start..].find('"').unwrap();
        self.body[start..start + end].to_string()
    }
}

/// A person's evaluation of a service at a new centre, waiting for moderation:
/// (centre, evaluation).
async fn pending(
    w: &World,
    serial: u32,
    comment: &str,
    complaint: &str,
) -> (String, fb::Evaluation) {
    let mut op = w.suite.registry(Some(&claims(Role::CityOperator)));
    let person = adult(&mut op, serial).await.id;
    let centre = centre(&mut op, &format!("Оңалту орталығы {serial}"), 20)
        .await
        .id;
    let episode = discharged(&mut op, &person, &centre).await.id;
    let mut author = w.suite.feedback(Some(&citizen(&person)));
    let e = onaltu_testkit::feedback::submit_with_complaint(
        &mut author,
        evaluation(&episode, 4, comment),
        complaint,
    )
    .await
    .unwrap();
    (centre, e)
}

#[tokio::test]
async fn an_operator_publishes_a_pending_evaluation_and_the_public_sees_it() {
    let w = World::start().await;
    let (centre, e) = pending(&w, 201, "Жақсы орталық. Хабарласыңыз: +7 701 123 45 67", "").await;
    let operator = w.sign_in(claims(Role::CityOperator)).await;

    let queue = w.get(Some(&operator), "/moderation").await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
    assert_eq!(queue.cache, "no-store");
    assert!(
        queue.body.contains("Оңалту орталығы 201"),
        "the centre's name"
    );
    assert!(queue.body.contains("Жақсы орталық."), "the comment");
    assert!(
        queue.body.contains("a phone number"),
        "the pre-check flag in words"
    );
    assert!(
        queue.body.contains("Contains personal data"),
        "the reasons offered"
    );
    let action = format!("/moderation/{}", e.id);
    let etag = queue.hidden(&action, "etag");

    let done = w
        .post(
            &operator,
            &action,
            &[
                ("csrf", &operator.csrf),
                ("etag", &etag),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location, "/moderation?notice=published");
    let after = w.get(Some(&operator), &done.location).await;
    assert!(after.body.contains("The evaluation is published."));
    assert!(!after.body.contains(&action), "it left the queue");
    assert_eq!(
        w.evaluation(&e.id).await.status,
        fb::EvaluationStatus::Published as i32
    );

    let public = w.get(None, &format!("/centres/{centre}")).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(
        public.body.contains("Жақсы орталық."),
        "published on the centre's page"
    );

    // Deciding again is refused in words, and changes nothing.
    let again = w
        .post(
            &operator,
            &action,
            &[
                ("csrf", &operator.csrf),
                ("action", "reject"),
                ("issue", "spam"),
                ("note", "x"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(again.body.contains("already been decided"));
    assert_eq!(
        w.evaluation(&e.id).await.status,
        fb::EvaluationStatus::Published as i32
    );
}

#[tokio::test]
async fn a_rejection_needs_a_reason_and_a_note_and_publishes_nothing() {
    let w = World::start().await;
    let (centre, e) = pending(&w, 202, "Дәрігер Әлиева жаман", "").await;
    let operator = w.sign_in(claims(Role::CityOperator)).await;
    let action = format!("/moderation/{}", e.id);

    let bad = w
        .post(
            &operator,
            &action,
            &[("csrf", &operator.csrf), ("action", "reject")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("class=\"error-summary\""));
    assert!(bad.body.contains(&format!("id=\"issue-{}-error\"", e.id)));
    assert!(bad.body.contains(&format!("id=\"note-{}-error\"", e.id)));
    assert!(bad.body.contains("<title>Error: "));
    assert_eq!(
        w.evaluation(&e.id).await.status,
        fb::EvaluationStatus::PendingModeration as i32
    );

    let done = w
        .post(
            &operator,
            &action,
            &[
                ("csrf", &operator.csrf),
                ("action", "reject"),
                ("issue", "third_person"),
                ("note", "Please do not name staff members."),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location, "/moderation?notice=rejected");
    let stored = w.evaluation(&e.id).await;
    assert_eq!(stored.status, fb::EvaluationStatus::Rejected as i32);
    let decision = stored.moderation.unwrap();
    assert_eq!(decision.issue, fb::ContentIssue::ThirdPerson as i32);
    assert_eq!(decision.note, "Please do not name staff members.");

    let public = w.get(None, &format!("/centres/{centre}")).await;
    assert!(!public.body.contains("Әлиева"), "nothing published");
}

#[tokio::test]
async fn a_complaint_is_moved_to_resolved_with_its_resolution() {
    let w = World::start().await;
    let (_, e) = pending(&w, 203, "", "Кезек туралы ақпарат берілмеді.").await;
    let id = e.complaint_id.clone();
    assert!(!id.is_empty());
    let operator = w.sign_in(claims(Role::CityOperator)).await;

    let list = w.get(Some(&operator), "/moderation/complaints").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(list.cache, "no-store");
    assert!(list.body.contains("Кезек туралы ақпарат берілмеді."));
    assert!(list.body.contains("Оңалту орталығы 203"));
    let action = format!("/moderation/complaints/{id}");
    assert!(
        !list.body.contains(&format!("status-{id}-resolved")),
        "an open complaint is taken in review first"
    );
    let etag = list.hidden(&action, "etag");

    let review = w
        .post(
            &operator,
            &action,
            &[
                ("csrf", &operator.csrf),
                ("etag", &etag),
                ("status", "in_review"),
            ],
        )
        .await;
    assert_eq!(review.status, StatusCode::SEE_OTHER, "{}", review.body);

    let no_resolution = w
        .post(
            &operator,
            &action,
            &[("csrf", &operator.csrf), ("status", "resolved")],
        )
        .await;
    assert_eq!(no_resolution.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_resolution
            .body
            .contains(&format!("id=\"resolution-{id}-error\""))
    );
    assert_eq!(
        w.complaints().await[0].status,
        fb::ComplaintStatus::InReview as i32
    );

    let resolved = w
        .post(
            &operator,
            &action,
            &[
                ("csrf", &operator.csrf),
                ("status", "resolved"),
                ("resolution", "Кезек туралы ақпарат сайтқа қойылды."),
            ],
        )
        .await;
    assert_eq!(resolved.status, StatusCode::SEE_OTHER, "{}", resolved.body);
    assert_eq!(resolved.location, "/moderation/complaints?notice=updated");
    let stored = &w.complaints().await[0];
    assert_eq!(stored.status, fb::ComplaintStatus::Resolved as i32);
    assert_eq!(stored.resolution, "Кезек туралы ақпарат сайтқа қойылды.");

    // A closed complaint takes no further step.
    let closed = w
        .post(
            &operator,
            &action,
            &[("csrf", &operator.csrf), ("status", "in_review")],
        )
        .await;
    assert_eq!(closed.status, StatusCode::CONFLICT, "{}", closed.body);
}

#[tokio::test]
async fn overdue_complaints_are_listed_first_and_said_in_words() {
    let w = World::start().await;
    let (_, first) = pending(&w, 204, "", "Бірінші шағым.").await;
    let (_, second) = pending(&w, 205, "", "Екінші шағым.").await;
    w.age_deadline(&second.complaint_id, 3);
    let operator = w.sign_in(claims(Role::CityOperator)).await;

    let list = w.get(Some(&operator), "/moderation/complaints").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let at = |id: &str| list.body.find(&format!("id=\"complaint-{id}\"")).unwrap();
    assert!(
        at(&second.complaint_id) < at(&first.complaint_id),
        "overdue first"
    );
    assert!(list.body.contains("1 is overdue."));
    assert!(list.body.contains("Overdue: the answer was due by"));
}

#[tokio::test]
async fn only_the_city_moderates() {
    let w = World::start().await;
    let mut op = w.suite.registry(Some(&claims(Role::CityOperator)));
    let person = adult(&mut op, 206).await.id;
    let place = centre(&mut op, "Оңалту орталығы 206", 20).await.id;
    let others = [
        citizen(&person),
        staff(&place),
        onaltu_testkit::driver(&uuid::Uuid::now_v7().to_string()),
        claims(Role::Dispatcher),
        claims(Role::Auditor),
    ];
    for who in others {
        let role = who.role;
        let v = w.sign_in(who).await;
        for path in ["/moderation", "/moderation/complaints"] {
            let page = w.get(Some(&v), path).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{role:?} on {path}");
            assert_eq!(page.cache, "no-store");
        }
    }
    assert_eq!(
        w.get(None, "/moderation").await.status,
        StatusCode::UNAUTHORIZED
    );
    let admin = w.sign_in(claims(Role::Admin)).await;
    assert_eq!(
        w.get(Some(&admin), "/moderation").await.status,
        StatusCode::OK
    );
    let _ = &w.portal.url;
}

#[tokio::test]
async fn a_forged_form_changes_nothing() {
    let w = World::start().await;
    let (_, e) = pending(&w, 207, "Жақсы.", "Шағым мәтіні.").await;
    let operator = w.sign_in(claims(Role::CityOperator)).await;

    let forged = w
        .post(
            &operator,
            &format!("/moderation/{}", e.id),
            &[("csrf", "forged"), ("action", "publish")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        w.evaluation(&e.id).await.status,
        fb::EvaluationStatus::PendingModeration as i32
    );

    let forged = w
        .post(
            &operator,
            &format!("/moderation/complaints/{}", e.complaint_id),
            &[("status", "in_review")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        w.complaints().await[0].status,
        fb::ComplaintStatus::Open as i32
    );

    // A centre's staff cannot moderate, even with their own session's token.
    let mut op = w.suite.registry(Some(&claims(Role::CityOperator)));
    let place = centre(&mut op, "Оңалту орталығы 208", 20).await.id;
    let worker = w.sign_in(staff(&place)).await;
    let refused = w
        .post(
            &worker,
            &format!("/moderation/{}", e.id),
            &[("csrf", &worker.csrf), ("action", "publish")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        w.evaluation(&e.id).await.status,
        fb::EvaluationStatus::PendingModeration as i32
    );
}
