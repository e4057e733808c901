//! Signing in, changing one's own password, and who am I.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::AnyPrincipal;
use super::problem::{ApiError, Problem};
use super::{Body, Reply};
use crate::auth::throttle::Locked;
use crate::auth::{AuthError, password};
use crate::domain::ids::{TenantId, UserId};
use crate::domain::principal::{PrincipalKind, TenantScope};
use crate::domain::role::Role;
use crate::domain::user::{Username, check_new_password};
use crate::state::AppState;
use crate::store::users;

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login).service(change_password).service(me);
}

/// Username and password.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"username": "alice", "password": "correct horse battery staple"}))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// A session token and what it allows.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub role: Role,
    /// When true, only `POST /api/v1/auth/password` works until a new password is set.
    pub must_change_password: bool,
}

/// Sign in with a username and password
///
/// Answers a session token (JWT). A wrong username, a wrong password and a disabled account all answer the same
/// 401, in the same time. After 5 failures for one username within 15 minutes, that username is refused with
/// 429 for 15 minutes; after 20 failures from one client address (any usernames), that address is. The start of
/// each lock is recorded in the platform audit trail.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = String, description = "Seconds until the username may try again"))),
    ),
    security(())
)]
#[post("/auth/login")]
async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Body<LoginRequest>,
) -> Reply<web::Json<LoginResponse>> {
    let body = body?.into_inner();
    let now = state.clock.now();
    let throttle_key = body.username.trim().to_lowercase();
    // The connection's address: a forwarded-for header is the client's to choose, so it is not trusted here.
    let address = req.peer_addr().map(|a| a.ip());
    if let Err(until) = state.login_throttle.check(&throttle_key, address, now) {
        return Err(ApiError::TooManyAttempts { retry_after_seconds: (until - now).num_seconds().max(1) });
    }
    let user = match Username::parse(&body.username) {
        Ok(name) => users::find_by_username(&state.db, name.as_str()).await?,
        Err(_) => None,
    };
    let matches = password::verify_blocking(body.password, user.as_ref().map(|u| u.password_hash.clone())).await;
    let Some(user) = user.filter(|u| matches && u.disabled_at.is_none()) else {
        for lock in state.login_throttle.fail(&throttle_key, address, now) {
            let (kind, subject) = match &lock.on {
                Locked::Username(name) => ("username", name.clone()),
                Locked::Address(ip) => ("client_address", ip.to_string()),
            };
            users::record_sign_in_lock(&state.db, now, kind, &subject, lock.until).await?;
        }
        return Err(AuthError::BadCredentials.into());
    };
    state.login_throttle.succeed(&throttle_key);
    Ok(web::Json(issue_session(&state, &user)?))
}

fn issue_session(state: &AppState, user: &crate::entities::user::Model) -> Reply<LoginResponse> {
    let now = state.clock.now();
    let ttl = Duration::from_std(state.config.session_ttl).unwrap_or_else(|_| Duration::hours(12));
    let expires_at = now + ttl;
    let role = users::stored_role(&user.role)?;
    let token = state.principals.keys().issue(&user.id.to_string(), role, user.session_epoch, now, expires_at)?;
    Ok(LoginResponse { token, expires_at, role, must_change_password: user.must_change_password })
}

/// The current password and the new one.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"current_password": "the one you have", "new_password": "a new long passphrase"}))]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// Change your own password
///
/// Ends every other session of the account and answers a fresh session token. Works even when an admin's reset
/// requires a new password before anything else.
#[utoipa::path(
    tag = "auth",
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Service tokens have no password"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[post("/auth/password")]
async fn change_password(
    state: web::Data<AppState>,
    caller: AnyPrincipal,
    body: Body<ChangePasswordRequest>,
) -> Reply<web::Json<LoginResponse>> {
    let principal = caller.0;
    if principal.kind != PrincipalKind::User {
        return Err(ApiError::Forbidden("Service tokens have no password to change.".into()));
    }
    let body = body?.into_inner();
    let user = users::find(&state.db, UserId(principal.id)).await?.ok_or(ApiError::NotFound("user"))?;
    if !password::verify_blocking(body.current_password, Some(user.password_hash.clone())).await {
        return Err(
            crate::domain::ValidationError::field("current_password", "does not match your current password").into()
        );
    }
    check_new_password("new_password", &body.new_password, &user.username)?;
    let hash = password::hash_blocking(body.new_password).await.map_err(ApiError::Internal)?;
    let updated =
        users::set_password(&state.db, &principal.actor(), state.clock.now(), UserId(principal.id), hash, false)
            .await?;
    state.principals.forget_all();
    Ok(web::Json(issue_session(&state, &updated)?))
}

/// The signed-in principal.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub kind: PrincipalKind,
    pub id: String,
    /// Username or service-token name.
    pub name: String,
    pub role: Role,
    /// True for admins: every tenant is visible.
    pub all_tenants: bool,
    /// The tenants the principal is a member of (empty for admins, who see all).
    pub tenant_ids: Vec<TenantId>,
    pub must_change_password: bool,
    /// The service's clock now: what "today", "this quarter" and "due" mean to it.
    pub now: chrono::DateTime<chrono::Utc>,
}

/// Who am I
///
/// The caller's identity, role and tenant memberships, as read from the database for this request.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, body = Me),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/me")]
async fn me(state: web::Data<AppState>, caller: AnyPrincipal) -> HttpResponse {
    let p = caller.0;
    let (all_tenants, tenant_ids) = match &p.tenants {
        TenantScope::All => (true, Vec::new()),
        TenantScope::Only(ids) => (false, ids.iter().copied().collect()),
    };
    HttpResponse::Ok().json(Me {
        kind: p.kind,
        id: p.id.to_string(),
        name: p.name,
        role: p.role,
        all_tenants,
        tenant_ids,
        must_change_password: p.must_change_password,
        now: state.clock.now(),
    })
}
