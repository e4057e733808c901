//! Signing in with the single sign-on provider from a browser: whether it is offered, the start (a redirect to
//! the provider), the provider's return (a redirect to the web UI with a one-time code, or a page saying why
//! not), and the exchange of that code for a session. No session token ever travels in a URL.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use maud::{DOCTYPE, html};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::{LoginResponse, issue_session};
use super::problem::{ApiError, Problem};
use super::{Body, Reply};
use crate::auth::AuthError;
use crate::auth::session::SignInMethod;
use crate::auth::sso::{self, ProviderReturn, Refused, StartError};
use crate::domain::sso::Refusal;
use crate::state::AppState;
use crate::store::{sso as stored, users};

/// Where the provider sends the browser back, under the service's address.
pub const CALLBACK_PATH: &str = "/api/v1/auth/sso/callback";
/// The cookie in which the browser keeps the state of the sign-in it started, so the return is accepted only by
/// that browser. Sent back on the provider's redirect (a top-level navigation, hence `SameSite=Lax`).
const STATE_COOKIE: &str = "scoregrc_sso_state";
/// The cookie goes only to the sign-in's own routes.
const COOKIE_PATH: &str = "/api/v1/auth/sso";

/// The value of cookie `name` in the request's `Cookie` header.
fn cookie(req: &HttpRequest, name: &str) -> Option<String> {
    let header = req.headers().get(header::COOKIE)?.to_str().ok()?;
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_owned())
}

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(sso_status).service(sso_start).service(sso_callback).service(sso_exchange);
}

/// The redirect URI to register at the provider: the configured public address, else this request's.
pub fn redirect_uri(state: &AppState, req: &HttpRequest) -> String {
    match &state.config.public_url {
        Some(url) => format!("{url}{CALLBACK_PATH}"),
        None => {
            let info = req.connection_info();
            format!("{}://{}{CALLBACK_PATH}", info.scheme(), info.host())
        }
    }
}

/// Whether the sign-in page offers single sign-on.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SsoOffer {
    pub enabled: bool,
    /// The button's label.
    pub label: String,
    /// Where the button sends the browser.
    pub start_url: String,
}

/// Is single sign-on offered
///
/// For the sign-in page: whether to show the button, and its label.
#[utoipa::path(tag = "auth", responses((status = 200, body = SsoOffer)), security(()))]
#[get("/auth/sso")]
async fn sso_status(state: web::Data<AppState>) -> Reply<web::Json<SsoOffer>> {
    let config = stored::get(&state.db).await?;
    Ok(web::Json(SsoOffer {
        enabled: config.settings.enabled,
        label: config.settings.button_label,
        start_url: "/api/v1/auth/sso/start".to_owned(),
    }))
}

/// Start signing in with the provider
///
/// A browser navigation, not an API call: answers 302 to the provider's authorization endpoint with `state`,
/// `nonce` and a PKCE (S256) challenge, remembered for 10 minutes. The browser keeps the state in a cookie
/// (`scoregrc_sso_state`, HttpOnly, SameSite=Lax): the return is accepted only with it.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 302, description = "To the provider's authorization endpoint", headers(("Location" = String))),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "Single sign-on is not turned on"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", description = "The provider's metadata could not be fetched"),
    ),
    security(())
)]
#[get("/auth/sso/start")]
async fn sso_start(state: web::Data<AppState>, req: HttpRequest) -> Reply<HttpResponse> {
    let redirect = redirect_uri(&state, &req);
    let key = &state.importer.data_key;
    let now = state.clock.now();
    match sso::start(&state.db, key, state.principals.oidc(), now, &redirect).await {
        Ok(started) => {
            let secure = if redirect.starts_with("https://") { "; Secure" } else { "" };
            let cookie = format!(
                "{STATE_COOKIE}={}; Path={COOKIE_PATH}; Max-Age=600; HttpOnly; SameSite=Lax{secure}",
                started.state
            );
            Ok(HttpResponse::Found()
                .insert_header((header::LOCATION, started.authorize_url))
                .insert_header((header::SET_COOKIE, cookie))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish())
        }
        Err(StartError::NotEnabled) => Err(ApiError::NotFound("single sign-on")),
        Err(StartError::TooManyUnderWay) => Err(ApiError::TooManyAttempts { retry_after_seconds: 60 }),
        Err(StartError::Provider(e)) => Err(ApiError::Unavailable(format!("The identity provider: {e}"))),
        Err(StartError::Store(e)) => Err(e.into()),
    }
}

/// What the provider sends back.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// The provider's return
///
/// Where the provider sends the browser back. A sign-in that passes every check answers 302 to the web UI with
/// a one-time code in the fragment (`/#sso-code=…`, valid 60 seconds, exchanged at
/// `POST /api/v1/auth/sso/exchange`); a refused one answers a page saying why, with its reason code.
#[utoipa::path(
    tag = "auth",
    params(CallbackQuery),
    responses(
        (status = 302, description = "To the web UI with a one-time code", headers(("Location" = String))),
        (status = 400, description = "The sign-in is unknown, expired or already finished: a page for a browser (which \
            accepts `text/html`), a problem for anything else", content((Problem = "application/problem+json"), (String = "text/html"))),
        (status = 403, description = "The sign-in was refused: a page saying why for a browser, a problem for anything \
            else", content((Problem = "application/problem+json"), (String = "text/html"))),
    ),
    security(())
)]
#[get("/auth/sso/callback")]
async fn sso_callback(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: Result<web::Query<CallbackQuery>, actix_web::Error>,
) -> Reply<HttpResponse> {
    let back = match query {
        Ok(q) => {
            let q = q.into_inner();
            ProviderReturn {
                code: q.code,
                state: q.state,
                error: q.error,
                error_description: q.error_description,
                browser_state: cookie(&req, STATE_COOKIE),
            }
        }
        Err(_) => ProviderReturn::default(),
    };
    let forget = format!("{STATE_COOKIE}=; Path={COOKIE_PATH}; Max-Age=0; HttpOnly; SameSite=Lax");
    let key = &state.importer.data_key;
    let now = state.clock.now();
    match sso::finish(&state.db, key, state.principals.oidc(), now, back).await? {
        Ok(finished) => {
            if finished.signed_in.changed {
                state.principals.forget_all();
            }
            tracing::info!(user = %finished.signed_in.username, created = finished.signed_in.created, "signed in through single sign-on");
            let location = format!("/#sso-code={}", finished.one_time_code);
            Ok(HttpResponse::Found()
                .insert_header((header::LOCATION, location))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((header::SET_COOKIE, forget))
                .finish())
        }
        Err(refused) => {
            tracing::info!(reason = refused.refusal.as_str(), detail = %refused.detail, "refused a single sign-on");
            let accept = req.headers().get(header::ACCEPT).and_then(|a| a.to_str().ok()).unwrap_or_default();
            if accept.contains("text/html") {
                let mut page = refusal_page(&refused);
                if let Ok(value) = header::HeaderValue::from_str(&forget) {
                    page.headers_mut().insert(header::SET_COOKIE, value);
                }
                return Ok(page);
            }
            let why = format!("{} (reason: {})", refused.refusal.explanation(), refused.refusal.as_str());
            Err(match refused.refusal {
                Refusal::UnknownState => ApiError::Malformed(why),
                _ => ApiError::Forbidden(why),
            })
        }
    }
}

/// The refusal page loads the UI's stylesheet and icon, and nothing else.
const REFUSAL_PAGE_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; \
    base-uri 'none'; form-action 'none'";

/// The page a person sees when a sign-in is refused: what happened in words, and the reason code for whoever
/// they ask for help.
fn refusal_page(refused: &Refused) -> HttpResponse {
    let status = match refused.refusal {
        Refusal::UnknownState => actix_web::http::StatusCode::BAD_REQUEST,
        _ => actix_web::http::StatusCode::FORBIDDEN,
    };
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Sign-in refused · scoregrc" }
                link rel="icon" href="/ui/favicon.svg" type="image/svg+xml";
                link rel="stylesheet" href="/ui/app.css";
            }
            body {
                main class="narrow" {
                    h1 { "Sign-in refused" }
                    p { (refused.refusal.explanation()) }
                    p { "Reason: " code data-reason=(refused.refusal.as_str()) { (refused.refusal.as_str()) } }
                    p { a href="/" { "Back to sign-in" } }
                }
            }
        }
    };
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_SECURITY_POLICY, REFUSAL_PAGE_POLICY))
        .body(page.into_string())
}

/// A one-time code from the provider's return.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SsoExchange {
    pub code: String,
}

/// Exchange a single sign-on code for a session
///
/// The web UI sends the one-time code it found in its address after the provider's return and gets a session
/// token, as a password sign-in does. A code works once, for 60 seconds; an unknown, used or expired code, or a
/// disabled account, answers 401.
#[utoipa::path(
    tag = "auth",
    request_body = SsoExchange,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[post("/auth/sso/exchange")]
async fn sso_exchange(state: web::Data<AppState>, body: Body<SsoExchange>) -> Reply<web::Json<LoginResponse>> {
    let code = body?.into_inner().code;
    let user = sso::exchange(&state.db, state.clock.now(), code.trim())
        .await?
        .ok_or(AuthError::BadToken("unknown, used or expired single sign-on code".into()))?;
    let account = users::find(&state.db, user).await?.filter(|u| u.disabled_at.is_none());
    let account = account.ok_or(AuthError::AccountUnavailable)?;
    Ok(web::Json(issue_session(&state, &account, SignInMethod::SingleSignOn).await?))
}
