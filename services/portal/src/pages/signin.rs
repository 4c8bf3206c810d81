//! Signing in and out. With the city's identity provider configured (`[oidc] issuer`), `/sign-in`
//! sends the person there and `/auth/callback` takes them back with a session. Without one, and
//! never in production, `/sign-in` lists demo accounts found in the running services, each
//! signed in by one button (tokens signed with `[auth] hs256_secret`), and a form for any other
//! account. `/sign-out` ends the session, and the provider's too when it offers that.

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use onaltu_auth::{Claims, Role};
use onaltu_config::ExposeSecret;
use onaltu_proto::{registry as reg, transport as trn};
use serde::Deserialize;

use crate::domain::signin::{self as rules, DevForm, FieldError};
use crate::i18n::{Lang, Tr};
use crate::oidc::{self, OidcError, Tokens};
use crate::session::{self, random_token};
use crate::web::{AppState, Ctx, Layout, PageError, render, see_other};

/// The double-submit cookie of the development sign-in's forms.
pub const DEV_CSRF_COOKIE: &str = "onaltu_signin_csrf";

/// Sign-in routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sign-in", get(sign_in))
        .route("/sign-in/dev", post(dev_sign_in))
        .route("/auth/callback", get(callback))
        .route("/sign-out", post(sign_out))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NextQuery {
    next: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CallbackQuery {
    code: String,
    state: String,
    error: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CsrfForm {
    csrf: String,
}

/// `GET /sign-in`: to the provider, or the development sign-in's page.
async fn sign_in(ctx: Ctx, State(state): State<AppState>, Query(q): Query<NextQuery>) -> Response {
    let result = async {
        if let Some(provider) = configured(&state)? {
            return Ok(
                match provider.begin(&state, &q.next, ctx.lang.code()).await {
                    Ok(url) => crate::web::private(see_other(&url)),
                    Err(e) => failure(&ctx, &e, &q.next),
                },
            );
        }
        if !dev_allowed(&state) {
            return Err(PageError::NotFound);
        }
        let csrf = random_token().map_err(|e| PageError::Internal(e.to_string()))?;
        let form = DevForm {
            csrf: csrf.clone(),
            next: rules::safe_next(Some(&q.next)),
            ..DevForm::default()
        };
        let accounts = demo_accounts(&state, ctx.lang).await;
        let page = dev_page(&ctx, accounts, form, Vec::new());
        let cookie = dev_csrf_cookie(&csrf, Some(rules::STATE_TTL_SECS), secure(&state));
        Ok(with_cookie(crate::web::private(render(&page)), &cookie))
    }
    .await;
    ctx.answer(result)
}

/// `GET /auth/callback`: the provider's answer becomes a session, or a page saying why not.
async fn callback(
    ctx: Ctx,
    State(state): State<AppState>,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let result = async {
        let Some(provider) = configured(&state)? else {
            return Err(PageError::NotFound);
        };
        if !q.error.is_empty() {
            // The sign-in is over either way: its state is spent.
            let _ = oidc::take_pending(&state, &q.state).await;
            let code: String = q
                .error
                .chars()
                .filter(|c| c.is_ascii_lowercase() || *c == '_')
                .take(64)
                .collect();
            let refused = OidcError::Refused(code);
            let e = if q.error == "access_denied" {
                Failure::Cancelled
            } else {
                Failure::Oidc(&refused)
            };
            return Ok(shown(&ctx, &e, "/"));
        }
        match provider.finish(&state, &q.code, &q.state).await {
            Ok((tokens, claims, next)) => start_session(&ctx, &state, tokens, claims, &next).await,
            Err(e) => Ok(failure(&ctx, &e, "/")),
        }
    }
    .await;
    ctx.answer(result)
}

/// `POST /sign-in/dev`: a demo account's session, with a token the portal signs.
async fn dev_sign_in(
    ctx: Ctx,
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<DevForm>,
) -> Response {
    let result = async {
        if !dev_allowed(&state) {
            return Err(PageError::NotFound);
        }
        let cookies = headers.get(COOKIE).and_then(|v| v.to_str().ok());
        let cookie = cookies.and_then(|c| session::cookie_value(c, DEV_CSRF_COOKIE));
        if !rules::double_submit_matches(cookie, &form.csrf) {
            return Err(PageError::Csrf);
        }
        let auth = &state.settings.auth;
        let claims = match rules::dev_claims(&form, auth.max_token_lifetime_secs.min(3_600)) {
            Ok(claims) => claims,
            Err(errors) => {
                let accounts = demo_accounts(&state, ctx.lang).await;
                let page = render(&dev_page(&ctx, accounts, form, errors));
                return Ok(crate::web::private(
                    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response(),
                ));
            }
        };
        let token = sign(&state, claims)?;
        let claims = state.authenticator.verify(&token).map_err(|e| {
            PageError::Internal(format!("the portal's own token is not accepted: {e}"))
        })?;
        let tokens = Tokens {
            access_token: token,
            id_token: None,
            refresh_token: None,
        };
        let next = rules::safe_next(Some(&form.next));
        let response = start_session(&ctx, &state, tokens, claims, &next).await?;
        let spent = dev_csrf_cookie("", Some(0), secure(&state));
        Ok(with_cookie(response, &spent))
    }
    .await;
    ctx.answer(result)
}

/// `POST /sign-out`: the session ends; at the provider too when it offers that.
async fn sign_out(ctx: Ctx, State(state): State<AppState>, Form(form): Form<CsrfForm>) -> Response {
    let result = async {
        let cleared = session::cookie(session::COOKIE, "", Some(0), secure(&state));
        let Some(id) = ctx.session_id.as_deref() else {
            // Already over (expired or signed out elsewhere): only the cookie is left to clear.
            return Ok(with_cookie(crate::web::private(see_other("/")), &cleared));
        };
        let session = ctx.form_session(&form.csrf)?;
        state.sessions.end(id).await.map_err(|e| {
            tracing::error!(error = %e, "sessions unreachable");
            PageError::Unavailable
        })?;
        let back = format!("{}/", state.settings.server.public_url);
        let to = match configured(&state)? {
            Some(provider) => provider
                .end_session_url(session.id_token.as_deref(), &back)
                .await
                .unwrap_or_else(|| "/".into()),
            None => "/".into(),
        };
        Ok(with_cookie(crate::web::private(see_other(&to)), &cleared))
    }
    .await;
    ctx.answer(result)
}

/// The configured provider, if any.
fn configured(state: &AppState) -> Result<Option<std::sync::Arc<oidc::Provider>>, PageError> {
    oidc::provider(&state.settings.oidc).map_err(|e| {
        tracing::error!(error = %e, "the identity provider is misconfigured");
        PageError::Unavailable
    })
}

/// Whether the development sign-in exists here.
fn dev_allowed(state: &AppState) -> bool {
    rules::dev_sign_in_allowed(
        state.settings.oidc.enabled(),
        std::env::var("ONALTU_ENV").ok().as_deref(),
        state.settings.auth.hs256_secret.is_some(),
    )
}

fn secure(state: &AppState) -> bool {
    state.settings.server.secure()
}

/// Signs `claims` with the development secret, with the issuer and audience the services
/// require.
fn sign(state: &AppState, mut claims: Claims) -> Result<String, PageError> {
    let auth = &state.settings.auth;
    let secret = auth
        .hs256_secret
        .as_ref()
        .ok_or_else(|| PageError::Internal("no development secret".into()))?;
    claims.iss = auth.issuer.clone().filter(|v| !v.trim().is_empty());
    claims.aud = auth.audience.clone().filter(|v| !v.trim().is_empty());
    onaltu_auth::issue_hs256(secret.expose_secret(), &claims)
        .map_err(|e| PageError::Internal(e.to_string()))
}

/// A new session for `tokens` (whose access token says `claims`), the cookie set, and the
/// person sent on to `next`. A session the browser already had ends.
async fn start_session(
    ctx: &Ctx,
    state: &AppState,
    tokens: Tokens,
    claims: Claims,
    next: &str,
) -> Result<Response, PageError> {
    let unavailable = |e: session::SessionError| {
        tracing::error!(error = %e, "sessions unreachable");
        PageError::Unavailable
    };
    if let Some(old) = &ctx.session_id {
        state.sessions.end(old).await.map_err(unavailable)?;
    }
    let (id, _) = state
        .sessions
        .start(
            tokens.access_token,
            tokens.refresh_token,
            tokens.id_token,
            claims,
        )
        .await
        .map_err(unavailable)?;
    let cookie = state.sessions.cookie(&id, secure(state));
    Ok(with_cookie(
        crate::web::private(see_other(&rules::safe_next(Some(next)))),
        &cookie,
    ))
}

/// The double-submit cookie: only for the sign-in's own paths, never sent from another site.
fn dev_csrf_cookie(value: &str, max_age: Option<u64>, secure: bool) -> String {
    let mut c = format!("{DEV_CSRF_COOKIE}={value}; Path=/sign-in; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
}

/// Why a sign-in failed, as the person is told.
enum Failure<'a> {
    /// The person cancelled at the provider.
    Cancelled,
    /// Anything else.
    Oidc(&'a OidcError),
}

impl Failure<'_> {
    fn key(&self) -> &'static str {
        match self {
            Failure::Cancelled => "signin-error-cancelled",
            Failure::Oidc(OidcError::UnknownState) => "signin-error-state",
            Failure::Oidc(OidcError::Refused(_)) => "signin-error-refused",
            Failure::Oidc(OidcError::BadToken(_)) => "signin-error-token",
            Failure::Oidc(OidcError::Unavailable(_) | OidcError::Store(_)) => {
                "signin-error-unavailable"
            }
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Failure::Oidc(OidcError::Unavailable(_)) => StatusCode::BAD_GATEWAY,
            Failure::Oidc(OidcError::Store(_)) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

#[derive(askama::Template)]
#[template(path = "signin_error.html")]
struct ErrorPage {
    page: Layout,
    message: String,
    again: String,
}

fn failure(ctx: &Ctx, e: &OidcError, next: &str) -> Response {
    shown(ctx, &Failure::Oidc(e), next)
}

/// The page that tells why signing in failed, and offers to try again.
fn shown(ctx: &Ctx, failure: &Failure<'_>, next: &str) -> Response {
    match failure {
        Failure::Oidc(
            OidcError::Unavailable(reason) | OidcError::Store(session::SessionError(reason)),
        ) => {
            tracing::warn!(%reason, "sign-in failed");
        }
        Failure::Oidc(e) => tracing::info!(reason = %e, "sign-in refused"),
        Failure::Cancelled => tracing::info!("sign-in cancelled at the provider"),
    }
    let tr = ctx.tr();
    let page = ErrorPage {
        page: ctx.page(tr.t("signin-error-title")),
        message: tr.t(failure.key()),
        again: format!(
            "/sign-in?next={}",
            crate::web::encode_component(&rules::safe_next(Some(next)))
        ),
    };
    crate::web::private((failure.status(), render(&page)).into_response())
}

/// A demo account, as one button signs it in.
#[derive(Debug, Clone, Default)]
pub struct DemoAccount {
    /// What kind of account it is (translated).
    pub title: String,
    /// What it is scoped to (translated, with ids).
    pub detail: String,
    /// The role's token name.
    pub role: &'static str,
    /// The subject, when the account's own (a driver's).
    pub sub: String,
    /// The person, for CITIZEN.
    pub person_id: String,
    /// The centre, for CENTER_STAFF.
    pub center_id: String,
    /// The vehicle, for DRIVER.
    pub vehicle_id: String,
}

/// A role in the other account's list.
#[derive(Debug, Clone)]
pub struct RoleOption {
    /// The token name.
    pub value: &'static str,
    /// Its label.
    pub label: String,
}

/// A wrong field, as shown.
#[derive(Debug, Clone)]
pub struct ShownError {
    /// The field's name.
    pub field: &'static str,
    /// The message.
    pub message: String,
}

#[derive(askama::Template)]
#[template(path = "signin_dev.html")]
struct DevPage {
    page: Layout,
    accounts: Vec<DemoAccount>,
    roles: Vec<RoleOption>,
    form: DevForm,
    errors: Vec<ShownError>,
}

impl DevPage {
    /// The message beside `field`, empty when it is right.
    fn error(&self, field: &str) -> String {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
            .unwrap_or_default()
    }
}

fn dev_page(
    ctx: &Ctx,
    accounts: Vec<DemoAccount>,
    form: DevForm,
    errors: Vec<FieldError>,
) -> DevPage {
    let tr = ctx.tr();
    let page = ctx
        .page(tr.t("signin-dev-title"))
        .with_errors(!errors.is_empty());
    DevPage {
        roles: rules::DEV_ROLES
            .into_iter()
            .map(|r| RoleOption {
                value: r.as_str(),
                label: role_label(&tr, r),
            })
            .collect(),
        errors: errors
            .iter()
            .map(|e| ShownError {
                field: e.field,
                message: tr.t(e.key),
            })
            .collect(),
        page,
        accounts,
        form,
    }
}

/// A role's name, as the other account's list shows it.
fn role_label(tr: &Tr, role: Role) -> String {
    match role {
        Role::Citizen => tr.t("signin-role-citizen"),
        Role::CenterStaff => tr.t("signin-role-center-staff"),
        Role::CityOperator => tr.t("signin-role-city-operator"),
        Role::Dispatcher => tr.t("signin-role-dispatcher"),
        Role::Driver => tr.t("signin-role-driver"),
        Role::Auditor => tr.t("signin-role-auditor"),
        Role::Admin => tr.t("signin-role-admin"),
        Role::Integration => tr.t("signin-role-integration"),
    }
}

/// The demo accounts the running services make possible: each one that cannot be found (no
/// such data, or the service down) is left out.
async fn demo_accounts(state: &AppState, lang: Lang) -> Vec<DemoAccount> {
    let tr = Tr::new(lang);
    let admin = Claims::new("dev:portal-demo-accounts", Role::Admin, 60);
    let Ok(token) = sign(state, admin) else {
        return Vec::new();
    };
    let (recipient, parent, staff, driver) = tokio::join!(
        within(recipient(state, &token, &tr)),
        within(parent(state, &token, &tr)),
        within(staff(state, &token, &tr)),
        within(driver(state, &token, &tr)),
    );
    let operator = DemoAccount {
        title: tr.t("signin-dev-operator"),
        detail: tr.t("signin-dev-operator-detail"),
        role: Role::CityOperator.as_str(),
        ..DemoAccount::default()
    };
    let dispatcher = DemoAccount {
        title: tr.t("signin-dev-dispatcher"),
        detail: tr.t("signin-dev-dispatcher-detail"),
        role: Role::Dispatcher.as_str(),
        ..DemoAccount::default()
    };
    [
        recipient,
        parent,
        staff,
        Some(operator),
        Some(dispatcher),
        driver,
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// `found`, or nothing when the service takes more than a few seconds.
async fn within(found: impl Future<Output = Option<DemoAccount>>) -> Option<DemoAccount> {
    tokio::time::timeout(std::time::Duration::from_secs(3), found)
        .await
        .ok()
        .flatten()
}

/// A person with a discharged episode: they may evaluate the centre.
async fn recipient(state: &AppState, token: &str, tr: &Tr) -> Option<DemoAccount> {
    let request = reg::ListEpisodesRequest {
        page_size: 1,
        states: vec![reg::EpisodeState::Discharged as i32],
        ..Default::default()
    };
    let episodes = state
        .backend
        .registry(Some(token))
        .list_episodes(state.backend.to_registry(request))
        .await
        .map_err(|s| tracing::debug!(code = ?s.code(), "no demo recipient"))
        .ok()?
        .into_inner()
        .episodes;
    let person_id = episodes.first()?.referral.as_ref()?.person_id.clone();
    Some(DemoAccount {
        title: tr.t("signin-dev-recipient"),
        detail: tr.s("signin-dev-person", "id", &person_id),
        role: Role::Citizen.as_str(),
        person_id,
        ..DemoAccount::default()
    })
}

/// A person who is the legal representative (заңды өкіл) of another, e.g. a child's parent.
async fn parent(state: &AppState, token: &str, tr: &Tr) -> Option<DemoAccount> {
    let request = reg::ListPersonsRequest {
        page_size: 200,
        ..Default::default()
    };
    let persons = state
        .backend
        .registry(Some(token))
        .list_persons(state.backend.to_registry(request))
        .await
        .map_err(|s| tracing::debug!(code = ?s.code(), "no demo representative"))
        .ok()?
        .into_inner()
        .persons;
    let representative = persons
        .iter()
        .find(|p| !p.represented_person_ids.is_empty())
        .map(|p| p.id.clone())
        .or_else(|| {
            persons
                .iter()
                .find_map(|p| p.legal_representative_ids.first().cloned())
        })?;
    Some(DemoAccount {
        title: tr.t("signin-dev-parent"),
        detail: tr.s("signin-dev-person", "id", &representative),
        role: Role::Citizen.as_str(),
        person_id: representative,
        ..DemoAccount::default()
    })
}

/// Staff of a centre.
async fn staff(state: &AppState, token: &str, tr: &Tr) -> Option<DemoAccount> {
    let request = reg::ListCentersRequest {
        page_size: 1,
        ..Default::default()
    };
    let centers = state
        .backend
        .registry(Some(token))
        .list_centers(state.backend.to_registry(request))
        .await
        .map_err(|s| tracing::debug!(code = ?s.code(), "no demo centre"))
        .ok()?
        .into_inner()
        .centers;
    let center = centers.first()?;
    let name = crate::domain::text::localized(center.name.as_ref(), tr.lang());
    Some(DemoAccount {
        title: tr.t("signin-dev-staff"),
        detail: tr.s("signin-dev-centre", "name", name),
        role: Role::CenterStaff.as_str(),
        center_id: center.id.clone(),
        ..DemoAccount::default()
    })
}

/// A driver with a vehicle; their subject is the one their shifts name, when they have one.
async fn driver(state: &AppState, token: &str, tr: &Tr) -> Option<DemoAccount> {
    let mut transport = state.backend.transport(Some(token));
    let request = trn::ListVehiclesRequest {
        page_size: 1,
        ..Default::default()
    };
    let vehicles = transport
        .list_vehicles(state.backend.to_transport(request))
        .await
        .map_err(|s| tracing::debug!(code = ?s.code(), "no demo vehicle"))
        .ok()?
        .into_inner()
        .vehicles;
    let vehicle = vehicles.first()?;
    let request = trn::ListShiftsRequest {
        page_size: 1,
        vehicle_id: vehicle.id.clone(),
        ..Default::default()
    };
    let sub = match transport
        .list_shifts(state.backend.to_transport(request))
        .await
    {
        Ok(r) => r
            .into_inner()
            .shifts
            .first()
            .map(|s| s.driver_subject.clone())
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    Some(DemoAccount {
        title: tr.t("signin-dev-driver"),
        detail: tr.s("signin-dev-vehicle", "plate", &vehicle.plate_number),
        role: Role::Driver.as_str(),
        sub,
        vehicle_id: vehicle.id.clone(),
        ..DemoAccount::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys asked for by value (the form's rules name them), so the key scan does not see them.
    #[test]
    fn every_field_error_is_told_in_every_language() {
        let keys = [
            "signin-dev-error-role",
            "signin-dev-error-required",
            "signin-dev-error-uuid",
            "signin-dev-error-sub",
            "signin-error-cancelled",
            "signin-error-state",
            "signin-error-refused",
            "signin-error-token",
            "signin-error-unavailable",
        ];
        for lang in Lang::ALL {
            let tr = Tr::new(lang);
            for key in keys {
                assert!(tr.has(key), "{} lacks {key}", lang.code());
            }
        }
    }

    #[test]
    fn the_double_submit_cookie_stays_on_the_sign_in_and_this_site() {
        let c = dev_csrf_cookie("v", Some(600), true);
        assert!(c.starts_with("onaltu_signin_csrf=v; Path=/sign-in; HttpOnly; SameSite=Strict"));
        assert!(c.contains("Max-Age=600") && c.ends_with("Secure"));
        assert!(!dev_csrf_cookie("v", None, false).contains("Secure"));
    }
}
