//! Signing in (with a second factor where the account has one), changing one's own password, and who am I.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::AnyPrincipal;
use super::problem::{ApiError, Problem};
use super::{Body, Reply};
use crate::auth::session::SignInMethod;
use crate::auth::{AuthError, password};
use crate::domain::audit::{Actor, ActorKind};
use crate::domain::ids::{TenantId, UserId};
use crate::domain::principal::{PrincipalKind, TenantScope};
use crate::domain::role::Role;
use crate::domain::sign_in_throttle::Subject;
use crate::domain::user::{Username, check_new_password};
use crate::state::AppState;
use crate::store::second_factors::{self, Proof, Verdict};
use crate::store::{sign_in_failures, sign_in_policy, users};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login).service(change_password).service(me);
}

/// Username and password, and for an account with two-step sign-in a code from its authenticator app or one of
/// its recovery codes.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"username": "alice", "password": "correct horse battery staple"}))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// The current 6-digit code from the authenticator app.
    #[serde(default)]
    pub totp_code: Option<String>,
    /// One of the account's unused recovery codes, instead of `totp_code`.
    #[serde(default)]
    pub recovery_code: Option<String>,
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
    /// When true (an admin without two-step sign-in while the sign-in policy requires it), only the enrolment
    /// under `/api/v1/me/second-factor` works until it is turned on.
    pub must_enrol_second_factor: bool,
}

/// Sign in with a username and password
///
/// Answers a session token (JWT). A wrong username, a wrong password and a disabled account all answer the same
/// 401, in the same time. An account with two-step sign-in answers 401 `second-factor-required` to a right
/// password without `totp_code` or `recovery_code`, and 401 `second-factor-refused` to a wrong, expired or reused
/// code, which counts as a failed sign-in. After 5 failures for one username within 15 minutes, that username is
/// refused with 429 for 15 minutes; after 20 failures from one client address (any usernames), that address is.
/// The start of each lock, each refused code and each recovery code used are recorded in the platform audit trail.
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
    let username = Subject::username(&body.username);
    let address = client_address(&req);
    check_throttle(&state, &username, address.as_ref(), now).await?;
    let user = match Username::parse(&body.username) {
        Ok(name) => users::find_by_username(&state.db, name.as_str()).await?,
        Err(_) => None,
    };
    let matches = password::verify_blocking(body.password, user.as_ref().map(|u| u.password_hash.clone())).await;
    let Some(user) = user.filter(|u| matches && u.disabled_at.is_none()) else {
        record_failure(&state, &username, address.as_ref(), now).await?;
        return Err(AuthError::BadCredentials.into());
    };
    if second_factors::is_enabled(&state.db, UserId(user.id)).await? {
        let proof = match (present(&body.totp_code), present(&body.recovery_code)) {
            (Some(code), _) => Proof::Code(code),
            (None, Some(code)) => Proof::RecoveryCode(code),
            (None, None) => return Err(ApiError::SecondFactorRequired),
        };
        let actor = Actor { kind: ActorKind::User, id: Some(user.id.to_string()), name: user.username.clone() };
        let key = &state.importer.data_key;
        if let Verdict::Refused(_) =
            second_factors::sign_in(&state.db, key, &actor, now, UserId(user.id), proof).await?
        {
            record_failure(&state, &username, address.as_ref(), now).await?;
            return Err(ApiError::SecondFactorRefused);
        }
    }
    sign_in_failures::forget(&state.db, &state.importer.data_key, &username).await?;
    Ok(web::Json(issue_session(&state, &user, SignInMethod::Password).await?))
}

/// A field sent with something in it.
pub(super) fn present(field: &Option<String>) -> Option<&str> {
    field.as_deref().filter(|text| !text.trim().is_empty())
}

/// The connection's address, as the throttle counts it: a forwarded-for header is the client's to choose, so it
/// is not trusted here.
pub(super) fn client_address(req: &HttpRequest) -> Option<Subject> {
    req.peer_addr().map(|a| Subject::address(a.ip()))
}

/// Refuses (429, with the seconds to wait) while the username or the address is locked by failed sign-ins.
pub(super) async fn check_throttle(
    state: &AppState,
    username: &Subject,
    address: Option<&Subject>,
    now: DateTime<Utc>,
) -> Reply<()> {
    let key = &state.importer.data_key;
    match sign_in_failures::refused_until(&state.db, key, username, address, now).await? {
        Some(until) => Err(ApiError::TooManyAttempts { retry_after_seconds: (until - now).num_seconds().max(1) }),
        None => Ok(()),
    }
}

/// Counts a failed sign-in; the store records each lock it starts in the audit trail.
pub(super) async fn record_failure(
    state: &AppState,
    username: &Subject,
    address: Option<&Subject>,
    now: DateTime<Utc>,
) -> Reply<()> {
    sign_in_failures::record(&state.db, &state.importer.data_key, username, address, now).await?;
    Ok(())
}

/// A session for `user`, signed in `via` a password or the single sign-on provider. The sign-in policy's
/// second-factor rule is about passwords: a person the provider signed in met the provider's own policy.
pub(super) async fn issue_session(
    state: &AppState,
    user: &crate::entities::user::Model,
    via: SignInMethod,
) -> Reply<LoginResponse> {
    let now = state.clock.now();
    let ttl = Duration::from_std(state.config.session_ttl).unwrap_or_else(|_| Duration::hours(12));
    let expires_at = now + ttl;
    let role = users::stored_role(&user.role)?;
    let must_enrol_second_factor = match via {
        SignInMethod::Password => sign_in_policy::must_enrol(&state.db, UserId(user.id), role).await?,
        SignInMethod::SingleSignOn => false,
    };
    let keys = state.principals.keys();
    let token = keys.issue(&user.id.to_string(), role, user.session_epoch, via, now, expires_at)?;
    Ok(LoginResponse {
        token,
        expires_at,
        role,
        must_change_password: user.must_change_password,
        must_enrol_second_factor,
    })
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
    Ok(web::Json(issue_session(&state, &updated, SignInMethod::Password).await?))
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
    /// When true, only enrolling a second factor (and `me`) works until two-step sign-in is on.
    pub must_enrol_second_factor: bool,
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
        must_enrol_second_factor: p.must_enrol_second_factor,
        now: state.clock.now(),
    })
}
