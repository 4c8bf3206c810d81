//! What every page shares: the state handlers reach, the request's context (language, session,
//! the page's own address), the layout's data, errors as pages, and the security headers.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::{
    ACCEPT_LANGUAGE, CACHE_CONTROL, CONTENT_SECURITY_POLICY, COOKIE, HeaderValue, LOCATION,
    REFERRER_POLICY, SET_COOKIE, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::request::Parts;
use axum::http::{Request, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use onaltu_auth::{Authenticator, Role};

use crate::backend::Backend;
use crate::i18n::{Lang, Tr};
use crate::session::{self, Session, Sessions};
use crate::settings::Settings;

/// The cookie that remembers the chosen language (a year; not a secret, readable by nobody's
/// script all the same).
pub const LANG_COOKIE: &str = "onaltu_lang";

/// What every handler reaches.
#[derive(Clone)]
pub struct AppState {
    /// The configuration.
    pub settings: Arc<Settings>,
    /// The four services.
    pub backend: Backend,
    /// Signed-in sessions.
    pub sessions: Sessions,
    /// Checks the tokens sessions are started with.
    pub authenticator: Arc<Authenticator>,
}

impl FromRef<AppState> for Backend {
    fn from_ref(state: &AppState) -> Self {
        state.backend.clone()
    }
}

/// The request as a page sees it: its language, the signed-in session if any, and its own
/// address (for the language switch and the way back after signing in).
#[derive(Clone)]
pub struct Ctx {
    /// The page's language.
    pub lang: Lang,
    /// The session, when signed in.
    pub session: Option<Session>,
    /// The session's id (the cookie), when signed in.
    pub session_id: Option<String>,
    /// The path and query of the page, without `lang`.
    pub here: String,
}

impl Ctx {
    /// The translations of the page.
    pub fn tr(&self) -> Tr {
        Tr::new(self.lang)
    }

    /// The person's token for the services, when signed in.
    pub fn token(&self) -> Option<&str> {
        self.session.as_ref().map(|s| s.token.as_str())
    }

    /// The session, or the page that asks to sign in.
    pub fn signed_in(&self) -> Result<&Session, PageError> {
        self.session.as_ref().ok_or(PageError::SignInFirst)
    }

    /// The session of one of `roles`, or a refusal.
    pub fn require(&self, roles: &[Role]) -> Result<&Session, PageError> {
        let session = self.signed_in()?;
        if roles.contains(&session.role()) {
            Ok(session)
        } else {
            Err(PageError::Forbidden)
        }
    }

    /// The session a form was sent in, when the form's `csrf` field is that session's token:
    /// every handler of a POST asks this before anything else.
    pub fn form_session(&self, csrf: &str) -> Result<&Session, PageError> {
        let session = self.signed_in()?;
        if session.csrf_matches(csrf) {
            Ok(session)
        } else {
            Err(PageError::Csrf)
        }
    }

    /// `result` as the response: the page, or the error as a page in this request's language.
    pub fn answer(&self, result: Result<Response, PageError>) -> Response {
        result.unwrap_or_else(|e| e.page(self.lang, &self.here, self.session.is_some()))
    }

    /// The layout's data for a page titled `title` (already translated).
    pub fn page(&self, title: impl Into<String>) -> Layout {
        let title = title.into();
        Layout {
            tr: self.tr(),
            lang: self.lang,
            heading: title.clone(),
            title,
            here: self.here.clone(),
            role: self.session.as_ref().map(Session::role),
            csrf: self
                .session
                .as_ref()
                .map(|s| s.csrf.clone())
                .unwrap_or_default(),
        }
    }
}

impl<S> FromRequestParts<S> for Ctx
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let cookies = parts
            .headers
            .get(COOKIE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let query_lang = parts.uri.query().and_then(query_lang);
        let lang = query_lang
            .or_else(|| session::cookie_value(cookies, LANG_COOKIE).and_then(Lang::parse))
            .or_else(|| {
                parts
                    .headers
                    .get(ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Lang::from_accept_language)
            })
            .unwrap_or_default();
        let session_id = session::cookie_value(cookies, session::COOKIE).map(str::to_string);
        let session = match &session_id {
            Some(id) => crate::oidc::load_renewed(&state, id).await.map_err(|e| {
                tracing::error!(error = %e, "sessions unreachable");
                PageError::Unavailable
            })?,
            None => None,
        };
        Ok(Ctx {
            lang,
            session_id: session.as_ref().and(session_id),
            session,
            here: without_lang(parts.uri.path(), parts.uri.query()),
        })
    }
}

/// The `lang` of a query string, when it names a language of the portal.
fn query_lang(query: &str) -> Option<Lang> {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("lang="))
        .and_then(Lang::parse)
}

/// `path?query` without its `lang` parameter.
pub fn without_lang(path: &str, query: Option<&str>) -> String {
    let rest: Vec<&str> = query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("lang="))
        .collect();
    if rest.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", rest.join("&"))
    }
}

/// The layout's data: what `base.html` shows around every page.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The translations.
    pub tr: Tr,
    /// The language.
    pub lang: Lang,
    /// The page's `<title>`: its heading, prefixed "Error:" when its form has errors.
    pub title: String,
    /// The page's `<h1>`.
    pub heading: String,
    /// The page's own path and query, without `lang`.
    pub here: String,
    /// The signed-in person's role.
    pub role: Option<Role>,
    /// The token forms carry.
    pub csrf: String,
}

impl Layout {
    /// The same page, its `<title>` saying "Error:" first when `has_errors` (a form sent back
    /// with errors), so a screen reader announces it as the page loads.
    pub fn with_errors(mut self, has_errors: bool) -> Self {
        if has_errors {
            self.title = self.tr.s("title-with-errors", "title", &self.heading);
        }
        self
    }

    /// The address of this page in `lang`.
    pub fn in_lang(&self, lang: &Lang) -> String {
        let sep = if self.here.contains('?') { '&' } else { '?' };
        format!("{}{sep}lang={}", self.here, lang.code())
    }

    /// Every language of the switch.
    pub fn langs(&self) -> [Lang; 3] {
        Lang::ALL
    }

    /// Whether someone is signed in.
    pub fn signed_in(&self) -> bool {
        self.role.is_some()
    }

    /// Whether the signed-in person has `role` (by its token name, e.g. `CITIZEN`).
    pub fn is(&self, role: &str) -> bool {
        self.role.is_some_and(|r| r.as_str() == role)
    }

    /// The page's URL-encoded own address, for `?next=`.
    pub fn here_encoded(&self) -> String {
        encode_component(&self.here)
    }
}

/// `value` percent-encoded for a query string.
pub fn encode_component(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A page that cannot be shown, as the visitor is told it.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// Not signed in: the page asks to sign in and come back.
    #[error("sign in first")]
    SignInFirst,
    /// Signed in, but the page is not for this role or this person.
    #[error("forbidden")]
    Forbidden,
    /// No such page or record.
    #[error("not found")]
    NotFound,
    /// A service or the session store is unreachable.
    #[error("unavailable")]
    Unavailable,
    /// A form came without its session's token (a forged or stale form).
    #[error("the form's token does not match the session")]
    Csrf,
    /// The request itself is malformed (not a form's field: those are shown beside the field).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Anything else: logged, and the visitor told it is the portal's fault.
    #[error("internal: {0}")]
    Internal(String),
}

impl PageError {
    /// The page a service's refusal becomes.
    pub fn from_status(status: &tonic::Status) -> Self {
        use tonic::Code;
        match status.code() {
            Code::NotFound => PageError::NotFound,
            Code::PermissionDenied => PageError::Forbidden,
            Code::Unauthenticated => PageError::SignInFirst,
            Code::Unavailable | Code::DeadlineExceeded | Code::ResourceExhausted => {
                PageError::Unavailable
            }
            Code::InvalidArgument => PageError::BadRequest(status.message().to_string()),
            _ => PageError::Internal(format!("{:?}: {}", status.code(), status.message())),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            PageError::SignInFirst => StatusCode::UNAUTHORIZED,
            PageError::Forbidden | PageError::Csrf => StatusCode::FORBIDDEN,
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            PageError::BadRequest(_) => StatusCode::BAD_REQUEST,
            PageError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn key(&self) -> &'static str {
        match self {
            PageError::SignInFirst => "error-sign-in",
            PageError::Forbidden => "error-forbidden",
            PageError::NotFound => "error-not-found",
            PageError::Unavailable => "error-unavailable",
            PageError::Csrf => "error-csrf",
            PageError::BadRequest(_) => "error-bad-request",
            PageError::Internal(_) => "error-internal",
        }
    }

    /// The error as a page in `lang`, shown from `here`.
    pub fn page(&self, lang: Lang, here: &str, signed_in: bool) -> Response {
        if let PageError::Internal(detail) = self {
            tracing::error!(%detail, "page failed");
        }
        let tr = Tr::new(lang);
        let layout = Layout {
            title: tr.t(&format!("{}-title", self.key())),
            heading: tr.t(&format!("{}-title", self.key())),
            tr,
            lang,
            here: here.to_string(),
            role: None,
            csrf: String::new(),
        };
        let template = crate::pages::ErrorPage {
            message: layout.tr.t(self.key()),
            sign_in: matches!(self, PageError::SignInFirst) && !signed_in,
            page: layout,
        };
        let mut response = (self.status(), render(&template)).into_response();
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        // Without the request's context (an extractor refused): in the default language.
        self.page(Lang::default(), "/", false)
    }
}

/// Renders `template` as HTML, or a plain failure when the template itself fails.
pub fn render<T: askama::Template>(template: &T) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a template failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be rendered",
            )
                .into_response()
        }
    }
}

/// `response` marked never to be stored by any cache: pages about a person, forms with their
/// session's token. Also a `map_response` middleware for a whole group of pages.
pub async fn no_store(response: Response) -> Response {
    private(response)
}

/// The same as [`no_store`], for code that is not async.
pub fn private(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A redirect after a form (303: the browser follows with GET).
pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_string())]).into_response()
}

/// Every response's security headers, and the language cookie when the page was asked for in a
/// language (`?lang=`).
pub async fn headers(request: Request<axum::body::Body>, next: Next) -> Response {
    let chosen = request.uri().query().and_then(query_lang);
    let secure = request.extensions().get::<Secure>().is_some_and(|s| s.0);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if let Some(lang) = chosen {
        let cookie = session::cookie(LANG_COOKIE, lang.code(), Some(365 * 86_400), secure);
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            headers.append(SET_COOKIE, value);
        }
    }
    response
}

/// Whether the portal is reached over HTTPS (a request extension set from `[server]
/// public_url`), for the cookies' `Secure`.
#[derive(Debug, Clone, Copy)]
pub struct Secure(pub bool);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_is_told_in_every_language() {
        let errors = [
            PageError::SignInFirst,
            PageError::Forbidden,
            PageError::NotFound,
            PageError::Unavailable,
            PageError::Csrf,
            PageError::BadRequest(String::new()),
            PageError::Internal(String::new()),
        ];
        for lang in Lang::ALL {
            let tr = Tr::new(lang);
            for e in &errors {
                assert!(tr.has(e.key()), "{} lacks {}", lang.code(), e.key());
                assert!(
                    tr.has(&format!("{}-title", e.key())),
                    "{} lacks {}-title",
                    lang.code(),
                    e.key()
                );
            }
        }
    }

    #[test]
    fn the_language_switch_keeps_the_page() {
        assert_eq!(
            without_lang("/centres", Some("region=KZ-71&lang=ru&page=2")),
            "/centres?region=KZ-71&page=2"
        );
        assert_eq!(without_lang("/", Some("lang=en")), "/");
        assert_eq!(query_lang("a=1&lang=ru"), Some(Lang::Ru));
        assert_eq!(query_lang("lang=xx"), None);
        let layout = Layout {
            tr: Tr::new(Lang::Kk),
            lang: Lang::Kk,
            title: String::new(),
            heading: String::new(),
            here: "/centres?page=2".into(),
            role: None,
            csrf: String::new(),
        };
        assert_eq!(layout.in_lang(&Lang::En), "/centres?page=2&lang=en");
        assert_eq!(encode_component("/a?b=c d"), "/a%3Fb%3Dc%20d");
    }
}
