//! The OpenID Connect stand-in's endpoints at Entra's paths (`/{tenant}/v2.0/.well-known/openid-configuration`,
//! `/{tenant}/discovery/v2.0/keys`, `/{tenant}/oauth2/v2.0/authorize` and `…/token`), answering and refusing the
//! way Entra does (AADSTS codes in OAuth error bodies), so the service is tested against the provider's real
//! strictness: PKCE, single-use codes, exact redirect URIs, client authentication.

use super::oidc_stub::{CLIENT_ID, CLIENT_SECRET, Grant, Provider};
use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

type Data = web::Data<Provider>;
type Params = HashMap<String, String>;

/// Serves `provider` on `listener` until the test's runtime ends.
pub fn serve(provider: Arc<Provider>, listener: std::net::TcpListener) {
    let data: Data = web::Data::from(provider);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/{tenant}/v2.0/.well-known/openid-configuration", web::get().to(discovery))
            .route("/{tenant}/discovery/v2.0/keys", web::get().to(jwks))
            .route("/{tenant}/oauth2/v2.0/authorize", web::get().to(authorize))
            .route("/{tenant}/oauth2/v2.0/token", web::post().to(token))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
}

/// The issuer discovery and the JWKS announce for `tenant`: multi-tenant authorities keep Entra's literal
/// `{tenantid}` placeholder, which a relying party replaces with each token's `tid`.
fn issuer(url: &str, tenant: &str) -> String {
    match tenant {
        "organizations" | "common" => format!("{url}/{{tenantid}}/v2.0"),
        tenant => format!("{url}/{tenant}/v2.0"),
    }
}

async fn discovery(tenant: web::Path<String>, provider: Data) -> HttpResponse {
    provider.state.lock().unwrap().discovery_requests += 1;
    let (url, t) = (&provider.url, tenant.as_str());
    HttpResponse::Ok().json(json!({
        "token_endpoint": format!("{url}/{t}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{url}/{t}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": issuer(url, t),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "authorization_endpoint": format!("{url}/{t}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{url}/{t}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{url}/{t}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
            "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid",
            "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": format!("{url}/{t}/kerberos"),
        "tenant_region_scope": null,
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    }))
}

async fn jwks(tenant: web::Path<String>, provider: Data) -> HttpResponse {
    let mut state = provider.state.lock().unwrap();
    state.jwks_requests += 1;
    let issuer = issuer(&provider.url, &tenant);
    let keys: Vec<_> = state.published.iter().map(|k| k.jwk(&issuer)).collect();
    HttpResponse::Ok().json(json!({ "keys": keys }))
}

/// Entra's sign-in error page: the browser stays at the provider.
fn error_page(message: &str) -> HttpResponse {
    HttpResponse::BadRequest().content_type("text/html; charset=utf-8").body(format!(
        "<html><body><h1>Sorry, but we're having trouble signing you in.</h1><p>{message}</p></body></html>"
    ))
}

/// `redirect_uri` with `params` added to its query, as a 302.
fn redirect_to(redirect_uri: &url::Url, params: &[(&str, &str)]) -> HttpResponse {
    let mut target = redirect_uri.clone();
    target.query_pairs_mut().extend_pairs(params);
    HttpResponse::Found().insert_header(("Location", target.as_str())).finish()
}

/// Checks the request, then sends the signed-in person straight back with a fresh code (no consent page).
async fn authorize(query: web::Query<Params>, provider: Data) -> HttpResponse {
    let q = query.into_inner();
    let mut state = provider.state.lock().unwrap();
    state.authorizations.push(q.clone());
    let required =
        ["response_type", "client_id", "redirect_uri", "state", "nonce", "code_challenge", "code_challenge_method"];
    if let Some(name) = required.iter().find(|name| q.get(**name).is_none_or(String::is_empty)) {
        return error_page(&format!("AADSTS900144: The request body must contain the following parameter: '{name}'."));
    }
    if q["response_type"] != "code" {
        return error_page("AADSTS700054: response_type is not enabled for the application.");
    }
    if q["client_id"] != CLIENT_ID {
        return error_page(&format!("AADSTS700016: Application with identifier '{}' was not found.", q["client_id"]));
    }
    if q["code_challenge_method"] != "S256" {
        return error_page("AADSTS501491: Invalid code_challenge_method: only S256 is accepted here.");
    }
    let Ok(redirect_uri) = url::Url::parse(&q["redirect_uri"]) else {
        return error_page("AADSTS50011: The redirect URI specified in the request is not a URL.");
    };
    if let Some(description) = state.deny.clone() {
        let params = [("error", "access_denied"), ("error_description", &description), ("state", &q["state"])];
        return redirect_to(&redirect_uri, &params);
    }
    let Some(user) = state.user.clone() else {
        return error_page("Nobody is signed in at the stand-in: the test must call `sign_in_as` first.");
    };
    let code = format!("1.AXEA{}", uuid::Uuid::new_v4().simple());
    let grant = Grant {
        user,
        client_id: q["client_id"].clone(),
        redirect_uri: q["redirect_uri"].clone(),
        nonce: q["nonce"].clone(),
        code_challenge: q["code_challenge"].clone(),
    };
    state.codes.insert(code.clone(), grant);
    redirect_to(&redirect_uri, &[("code", &code), ("state", &q["state"])])
}

/// An OAuth error body as Entra writes it.
fn oauth_error(status: StatusCode, error: &str, code: u32, message: &str) -> HttpResponse {
    let trace = uuid::Uuid::new_v4();
    HttpResponse::build(status).json(json!({
        "error": error,
        "error_description": format!("AADSTS{code}: {message} Trace ID: {trace}"),
        "error_codes": [code],
        "trace_id": trace,
        "correlation_id": uuid::Uuid::new_v4(),
    }))
}

fn invalid_client() -> HttpResponse {
    oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", 7000215, "Invalid client secret provided.")
}

/// The client's id and secret: `client_secret_basic` (an Authorization header) or `client_secret_post`.
fn client_credentials(req: &HttpRequest, form: &Params) -> (String, String) {
    let basic = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let decode = |s: &str| percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
    if let Some((id, secret)) = basic.as_deref().and_then(|b| b.split_once(':')) {
        return (decode(id), decode(secret));
    }
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    (field("client_id"), field("client_secret"))
}

async fn token(req: HttpRequest, form: web::Form<Params>, provider: Data) -> HttpResponse {
    let form = form.into_inner();
    provider.state.lock().unwrap().token_requests.push(form.clone());
    let (client_id, secret) = client_credentials(&req, &form);
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => redeem(&provider, &form, &client_id, &secret),
        Some("client_credentials") => app_only(&provider, &form, &client_id, &secret),
        _ => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type.",
        ),
    }
}

/// Redeems a code once: the client, its redirect URI and the PKCE verifier must match the authorize request.
fn redeem(provider: &Provider, form: &Params, client_id: &str, secret: &str) -> HttpResponse {
    let bad = StatusCode::BAD_REQUEST;
    let mut state = provider.state.lock().unwrap();
    if state.fail_token_exchange {
        return oauth_error(bad, "invalid_grant", 70000, "The provided value for the 'code' parameter is not valid.");
    }
    if client_id != CLIENT_ID || secret != CLIENT_SECRET {
        return invalid_client();
    }
    // Tried once, gone: a code that was redeemed or refused cannot be tried again.
    let Some(grant) = form.get("code").and_then(|code| state.codes.remove(code)) else {
        return oauth_error(bad, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed.");
    };
    if grant.client_id != client_id || form.get("redirect_uri") != Some(&grant.redirect_uri) {
        return oauth_error(bad, "invalid_grant", 50148, "The redirect_uri does not match the authorization request.");
    }
    let verifier = form.get("code_verifier").map(String::as_str).unwrap_or_default();
    if !(43..=128).contains(&verifier.len()) || s256(verifier) != grant.code_challenge {
        let message = "The code_verifier does not match the code_challenge supplied in the authorization request.";
        return oauth_error(bad, "invalid_grant", 501481, message);
    }
    state.redeemed += 1;
    let tamper = state.tamper.clone();
    drop(state);
    HttpResponse::Ok().json(json!({
        "token_type": "Bearer",
        "scope": "email openid profile https://graph.microsoft.com/User.Read",
        "expires_in": 3600,
        "ext_expires_in": 3600,
        "access_token": provider.graph_token(&grant.user),
        "id_token": provider.id_token(&grant.user, &grant.nonce, &tamper),
    }))
}

/// An app-only token for a known daemon asking for `{resource}/.default`.
fn app_only(provider: &Provider, form: &Params, client_id: &str, secret: &str) -> HttpResponse {
    let state = provider.state.lock().unwrap();
    let Some(app) = state.apps.iter().find(|a| a.client_id == client_id).cloned() else {
        let message = format!("Application with identifier '{client_id}' was not found in the directory.");
        return oauth_error(StatusCode::BAD_REQUEST, "unauthorized_client", 700016, &message);
    };
    if app.client_secret != secret {
        return invalid_client();
    }
    if !form.get("scope").is_some_and(|s| s.ends_with("/.default")) {
        let message = "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.";
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_scope", 1002012, message);
    }
    let (v1, tamper) = (state.v1_access_tokens, state.tamper.clone());
    drop(state);
    HttpResponse::Ok().json(json!({
        "token_type": "Bearer",
        "expires_in": 3599,
        "ext_expires_in": 3599,
        "access_token": provider.app_token(&app, v1, &tamper),
    }))
}

/// The PKCE S256 challenge of `verifier`.
pub fn s256(verifier: &str) -> String {
    use sha2::Digest;
    URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
}
