//! The portal answering in process over the suite and the transport service, as a browser meets
//! it: signed-in sessions, pages fetched and forms posted with the session's cookie, and what a
//! page says (its status, headers, hidden fields, title and the errors beside its fields). Also
//! the invataxis and shifts the operators' pages start from.

#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use chrono::NaiveDate;
use http::{HeaderMap, Request, StatusCode};
use onaltu_auth::{Claims, Role};
use onaltu_portal::settings::Settings;
use onaltu_portal::web::AppState;
use onaltu_proto::common::GeoPoint;
use onaltu_proto::feedback as fb;
use onaltu_proto::transport::transport_service_client::TransportServiceClient;
use onaltu_proto::transport::{self as pb};
use onaltu_suite::fixtures::Feedback;
use onaltu_suite::{Portal, Suite, claims};
use onaltu_testkit::AuthedChannel;
use tower::ServiceExt;
use uuid::Uuid;

/// A transport client.
pub type Transport = TransportServiceClient<AuthedChannel>;

/// The suite and the portal in front of it; `state` is a second portal over the same services
/// and session store, answering requests in process. Dropped in field order: the state, the
/// portal, then the suite.
pub struct World {
    pub state: AppState,
    pub portal: Portal,
    pub suite: Suite,
}

impl World {
    pub async fn start() -> Self {
        let (suite, portal) = Suite::start_with_portal().await;
        let state = state(&suite, &portal.transport.addr).await;
        Self {
            state,
            portal,
            suite,
        }
    }
}

impl World {
    /// A feedback client of the city's moderators.
    pub fn moderator(&self) -> Feedback {
        self.suite.feedback(Some(&claims(Role::CityOperator)))
    }

    /// Evaluation `id` as the moderators read it.
    pub async fn evaluation(&self, id: &str) -> fb::Evaluation {
        onaltu_testkit::feedback::get(&mut self.moderator(), id)
            .await
            .unwrap()
    }
}

impl Browser for World {
    fn portal(&self) -> &AppState {
        &self.state
    }
}

/// A portal's state over `suite`'s services and the transport service at `transport`.
pub async fn state(suite: &Suite, transport: &str) -> AppState {
    let settings = Settings::local(
        &suite.redis.url(),
        onaltu_testkit::jwt_secret(),
        &suite.registry.addr,
        &suite.feedback.addr,
        &suite.rating.addr,
        transport,
    );
    onaltu_portal::state(settings).await.unwrap()
}

/// A signed-in browser: its session cookie and the session's form token.
pub struct Visitor {
    pub cookie: String,
    pub csrf: String,
}

/// What the browser got.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub location: String,
    pub cache: String,
    pub body: String,
}

impl Page {
    /// The value of header `name` (empty when there is none).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value of the first hidden field `name`.
    pub fn hidden(&self, name: &str) -> String {
        value_after(&self.body, 0, name)
    }

    /// The value of the hidden field `name` of the form posting to `action`.
    pub fn hidden_in(&self, action: &str, name: &str) -> String {
        let form = self
            .body
            .find(&format!("action=\"{action}\""))
            .expect("the form");
        value_after(&self.body, form, name)
    }

    pub fn title(&self) -> &str {
        let start = self.body.find("<title>").unwrap() + 7;
        let end = self.body[start..].find("</title>").unwrap();
        &self.body[start..start + end]
    }

    /// Whether `field` is shown with an error beside it and in the summary.
    pub fn field_error(&self, field: &str) -> bool {
        self.body.contains(&format!("id=\"{field}-error\""))
            && self.body.contains("class=\"error-summary\"")
    }
}

/// The value of the first field `name` in `html` from byte `from` on.
fn value_after(html: &str, from: usize, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = from + html[from..].find(&marker).expect("the field") + marker.len();
    let end = html[start..].find('"').unwrap();
    html[start..start + end].to_string()
}

/// A browser in front of a portal answering in process, in English.
pub trait Browser {
    /// The portal's state the requests go to.
    fn portal(&self) -> &AppState;

    /// A signed-in session of `claims`: its cookie and form token.
    async fn sign_in(&self, claims: Claims) -> Visitor {
        let token = onaltu_testkit::token(&claims);
        let (id, session) = self
            .portal()
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
        let response = onaltu_portal::router(self.portal().clone())
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
            headers: parts.headers,
            body: String::from_utf8(body.to_vec()).unwrap(),
        }
    }

    async fn get(&self, v: &Visitor, path: &str) -> Page {
        let request = Request::get(path)
            .header("cookie", &v.cookie)
            .header("accept-language", "en")
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    /// `path` fetched by a browser with no session.
    async fn anonymous(&self, path: &str) -> Page {
        let request = Request::get(path)
            .header("accept-language", "en")
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    /// Posts `fields` to `path` as a browser sends a form.
    async fn post<V: AsRef<str>>(&self, v: &Visitor, path: &str, fields: &[(&str, V)]) -> Page {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_ref())).collect();
        let request = Request::post(path)
            .header("cookie", &v.cookie)
            .header("accept-language", "en")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(serde_urlencoded::to_string(fields).unwrap()))
            .unwrap();
        self.send(request).await
    }
}

/// A local (UTC+5) time of `day`.
pub fn local(day: NaiveDate, h: u32, m: u32) -> prost_types::Timestamp {
    let t = day.and_hms_opt(h, m, 0).unwrap().and_utc() - chrono::Duration::hours(5);
    prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: 0,
    }
}

/// An invataxi `plate` with one wheelchair place and a ramp, kept at a depot in Astana.
pub async fn invataxi(dispatcher: &mut Transport, plate: &str) -> pb::Vehicle {
    dispatcher
        .create_vehicle(pb::CreateVehicleRequest {
            request_id: Uuid::now_v7().to_string(),
            vehicle: Some(pb::Vehicle {
                plate_number: plate.into(),
                kind: pb::VehicleKind::Invataxi as i32,
                model: "Hyundai Staria".into(),
                wheelchair_places: 1,
                seats: 3,
                has_ramp: true,
                depot: Some(GeoPoint {
                    latitude: 51.1280,
                    longitude: 71.4300,
                }),
                depot_address: "Астана, Пушкин к-сі 15".into(),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .vehicle
        .unwrap()
}

/// A shift on `vehicle` on `day` from `from` to `to` o'clock of the driver the portal signs in
/// as `onaltu_testkit::driver(vehicle)`.
pub async fn shift(
    dispatcher: &mut Transport,
    vehicle: &pb::Vehicle,
    day: NaiveDate,
    (from, to): (u32, u32),
) {
    dispatcher
        .create_shift(pb::CreateShiftRequest {
            request_id: Uuid::now_v7().to_string(),
            shift: Some(pb::Shift {
                vehicle_id: vehicle.id.clone(),
                driver_subject: onaltu_testkit::driver(&vehicle.id).sub,
                driver_name: "Ерлан".into(),
                start_time: Some(local(day, from, 0)),
                end_time: Some(local(day, to, 0)),
                ..Default::default()
            }),
        })
        .await
        .unwrap();
}

/// Trip `id` as the dispatch sees it.
pub async fn get_trip(dispatcher: &mut Transport, id: &str) -> pb::Trip {
    dispatcher
        .get_trip(pb::GetTripRequest { id: id.into() })
        .await
        .unwrap()
        .into_inner()
        .trip
        .unwrap()
}
