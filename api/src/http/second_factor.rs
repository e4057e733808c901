//! Two-step sign-in: a user turns their own TOTP second factor on and off and renews its recovery codes; an admin
//! resets another account's second factor and sets whether admins must use one.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::{check_throttle, client_address, present, record_failure};
use super::extract::{Administer, AnyPrincipal, Caller, expected_version};
use super::problem::{ApiError, Problem};
use super::{Body, PathOf, Reply};
use crate::auth::password;
use crate::domain::ValidationError;
use crate::domain::ids::UserId;
use crate::domain::principal::{Principal, PrincipalKind};
use crate::domain::recovery_code;
use crate::domain::role::Role;
use crate::domain::sign_in_policy::SignInPolicy;
use crate::domain::sign_in_throttle::Subject;
use crate::domain::totp::TotpSecret;
use crate::state::AppState;
use crate::store::second_factors::{self, Proof, SecondFactorStatus, Verdict};
use crate::store::triage_settings::Versioned;
use crate::store::{sign_in_policy, users};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_second_factor)
        .service(start_second_factor_enrolment)
        .service(confirm_second_factor_enrolment)
        .service(disable_second_factor)
        .service(regenerate_recovery_codes)
        .service(reset_second_factor)
        .service(get_sign_in_policy)
        .service(put_sign_in_policy);
}

/// The caller as a person: service tokens have no second factor.
fn person(caller: AnyPrincipal) -> Reply<Principal> {
    match caller.0.kind {
        PrincipalKind::User => Ok(caller.0),
        PrincipalKind::ServiceToken | PrincipalKind::Application => {
            Err(ApiError::Forbidden("Service tokens and applications have no second factor.".into()))
        }
    }
}

/// Refuses while the caller's username or address is locked by failed sign-ins: codes are guessed here too.
async fn refuse_while_locked(state: &AppState, req: &HttpRequest, principal: &Principal) -> Reply<()> {
    let username = Subject::username(&principal.name);
    check_throttle(state, &username, client_address(req).as_ref(), state.clock.now()).await
}

/// Nothing for an accepted code; a refused one counts as a failed sign-in and answers 422 on `field`.
async fn answer_refusal(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    verdict: Verdict,
    field: &str,
) -> Reply<()> {
    let Verdict::Refused(refusal) = verdict else { return Ok(()) };
    let username = Subject::username(&principal.name);
    record_failure(state, &username, client_address(req).as_ref(), state.clock.now()).await?;
    Err(ValidationError::field(field, refusal.to_string()).into())
}

/// Your two-step sign-in
///
/// Whether it is on, an enrolment is waiting for its first code, and how many recovery codes are left.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, body = SecondFactorStatus),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Service tokens have no second factor"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/me/second-factor")]
async fn get_second_factor(state: web::Data<AppState>, caller: AnyPrincipal) -> Reply<web::Json<SecondFactorStatus>> {
    let principal = person(caller)?;
    Ok(web::Json(second_factors::status(&state.db, UserId(principal.id)).await?))
}

/// A started enrolment: the secret to put into an authenticator app.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Enrolment {
    /// The shared secret in base32, to type into the app.
    pub secret: String,
    /// The same as an `otpauth://totp/…` URI, which the QR code holds.
    pub otpauth_uri: String,
    /// The URI as a QR code, an SVG document.
    pub qr_svg: String,
}

/// Start turning on two-step sign-in
///
/// Makes a new secret and answers it (also as an `otpauth://` URI and its QR code) for an authenticator app.
/// Nothing changes at sign-in until the enrolment is confirmed with a code; starting again replaces the secret.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, body = Enrolment),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Service tokens have no second factor"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Two-step sign-in is already on"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[post("/me/second-factor/enrolment")]
async fn start_second_factor_enrolment(
    state: web::Data<AppState>,
    caller: AnyPrincipal,
) -> Reply<web::Json<Enrolment>> {
    let principal = person(caller)?;
    let secret = TotpSecret::generate(&mut rand::rngs::OsRng);
    let otpauth_uri = secret.otpauth_uri(&principal.name)?;
    let qr_svg = qr_svg(&otpauth_uri)?;
    let (db, key, now) = (&state.db, &state.importer.data_key, state.clock.now());
    second_factors::begin_enrolment(db, key, now, UserId(principal.id), &secret).await?;
    Ok(web::Json(Enrolment { secret: secret.to_base32(), otpauth_uri, qr_svg }))
}

fn qr_svg(text: &str) -> Reply<String> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(code.render::<svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build())
}

/// A code from the authenticator app.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"totp_code": "123456"}))]
pub struct CodeRequest {
    /// The current 6-digit code.
    pub totp_code: String,
}

/// Recovery codes, shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecoveryCodes {
    /// Ten single-use codes for signing in without the authenticator. Store them now: they cannot be shown again.
    pub recovery_codes: Vec<String>,
}

/// Confirm two-step sign-in
///
/// The first code from the app turns two-step sign-in on and answers ten recovery codes, shown only this once.
#[utoipa::path(
    tag = "auth",
    request_body = CodeRequest,
    responses(
        (status = 200, body = RecoveryCodes),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Service tokens have no second factor"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "No enrolment is waiting"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "The code was not accepted"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[post("/me/second-factor/enrolment/confirm")]
async fn confirm_second_factor_enrolment(
    state: web::Data<AppState>,
    caller: AnyPrincipal,
    body: Body<CodeRequest>,
) -> Reply<web::Json<RecoveryCodes>> {
    let principal = person(caller)?;
    let body = body?.into_inner();
    let codes = recovery_code::generate_set(&mut rand::rngs::OsRng);
    let (db, key, now, actor) = (&state.db, &state.importer.data_key, state.clock.now(), principal.actor());
    let verdict =
        second_factors::confirm_enrolment(db, key, &actor, now, UserId(principal.id), &body.totp_code, &codes).await?;
    if let Verdict::Refused(refusal) = verdict {
        return Err(ValidationError::field("totp_code", refusal.to_string()).into());
    }
    state.principals.forget_all();
    Ok(web::Json(RecoveryCodes { recovery_codes: codes }))
}

/// The password and a code from the app or a recovery code.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"password": "the one you have", "totp_code": "123456"}))]
pub struct DisableSecondFactor {
    pub password: String,
    pub totp_code: Option<String>,
    /// Instead of `totp_code`, when the authenticator is lost.
    pub recovery_code: Option<String>,
}

/// Turn off two-step sign-in
///
/// Needs the password and a current code (or a recovery code). A wrong code counts as a failed sign-in. Refused
/// for admins while the sign-in policy requires a second factor for them.
#[utoipa::path(
    tag = "auth",
    request_body = DisableSecondFactor,
    responses(
        (status = 204, description = "Two-step sign-in is off"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Service tokens have no second factor"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Not on, or required by the policy"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Wrong password or code"),
        (status = 429, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = String, description = "Seconds until codes are accepted again"))),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[post("/me/second-factor/disable")]
async fn disable_second_factor(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: AnyPrincipal,
    body: Body<DisableSecondFactor>,
) -> Reply<HttpResponse> {
    let principal = person(caller)?;
    let body = body?.into_inner();
    refuse_while_locked(&state, &req, &principal).await?;
    if principal.role == Role::Admin && sign_in_policy::get(&state.db).await?.value.require_second_factor_for_admins {
        return Err(ApiError::Conflict(
            "The sign-in policy requires two-step sign-in for admins: it cannot be turned off.".into(),
        ));
    }
    let user = users::find(&state.db, UserId(principal.id)).await?.ok_or(ApiError::NotFound("user"))?;
    if !password::verify_blocking(body.password, Some(user.password_hash)).await {
        return Err(ValidationError::field("password", "does not match your password").into());
    }
    let (proof, field) = match (present(&body.totp_code), present(&body.recovery_code)) {
        (Some(code), _) => (Proof::Code(code), "totp_code"),
        (None, Some(code)) => (Proof::RecoveryCode(code), "recovery_code"),
        (None, None) => return Err(ValidationError::field("totp_code", "is required").into()),
    };
    let (db, key, now, actor) = (&state.db, &state.importer.data_key, state.clock.now(), principal.actor());
    let verdict = second_factors::disable(db, key, &actor, now, UserId(principal.id), proof).await?;
    answer_refusal(&state, &req, &principal, verdict, field).await?;
    state.principals.forget_all();
    Ok(HttpResponse::NoContent().finish())
}

/// New recovery codes
///
/// Replaces every recovery code (used or not) with ten new ones, shown only this once. Needs a current code; a
/// wrong one counts as a failed sign-in.
#[utoipa::path(
    tag = "auth",
    request_body = CodeRequest,
    responses(
        (status = 200, body = RecoveryCodes),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Service tokens have no second factor"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Two-step sign-in is not on"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "The code was not accepted"),
        (status = 429, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = String, description = "Seconds until codes are accepted again"))),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[post("/me/second-factor/recovery-codes")]
async fn regenerate_recovery_codes(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: AnyPrincipal,
    body: Body<CodeRequest>,
) -> Reply<web::Json<RecoveryCodes>> {
    let principal = person(caller)?;
    let body = body?.into_inner();
    refuse_while_locked(&state, &req, &principal).await?;
    let codes = recovery_code::generate_set(&mut rand::rngs::OsRng);
    let (db, key, now, actor) = (&state.db, &state.importer.data_key, state.clock.now(), principal.actor());
    let user = UserId(principal.id);
    let verdict = second_factors::replace_recovery_codes(db, key, &actor, now, user, &body.totp_code, &codes).await?;
    answer_refusal(&state, &req, &principal, verdict, "totp_code").await?;
    Ok(web::Json(RecoveryCodes { recovery_codes: codes }))
}

/// Reset an account's two-step sign-in
///
/// For a user who lost both the authenticator and the recovery codes: removes the second factor, so they sign in
/// with the password alone and may enrol again. Recorded in the platform audit trail.
#[utoipa::path(
    tag = "users",
    params(("user_id" = uuid::Uuid, Path)),
    responses(
        (status = 204, description = "The second factor is removed"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such user, or no second factor"),
    ),
    security(("bearer" = ["admin"]))
)]
#[delete("/users/{user_id}/second-factor")]
async fn reset_second_factor(
    state: web::Data<AppState>,
    caller: Caller<Administer>,
    path: PathOf<uuid::Uuid>,
) -> Reply<HttpResponse> {
    let id = UserId(path?.into_inner());
    users::find(&state.db, id).await?.ok_or(ApiError::NotFound("user"))?;
    second_factors::reset(&state.db, &caller.principal.actor(), state.clock.now(), id).await?;
    state.principals.forget_all();
    Ok(HttpResponse::NoContent().finish())
}

/// The sign-in policy
///
/// Whether admins must use two-step sign-in.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, body = Versioned<SignInPolicy>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[get("/sign-in-policy")]
async fn get_sign_in_policy(
    state: web::Data<AppState>,
    _caller: Caller<Administer>,
) -> Reply<web::Json<Versioned<SignInPolicy>>> {
    Ok(web::Json(sign_in_policy::get(&state.db).await?))
}

/// A new sign-in policy.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"require_second_factor_for_admins": false, "version": 0}))]
pub struct PutSignInPolicy {
    pub require_second_factor_for_admins: bool,
    /// The version the change is based on (or send `If-Match`); 0 replaces the default.
    pub version: Option<i64>,
}

/// Replace the sign-in policy
///
/// When admins must use two-step sign-in, an admin without it gets a session that may only enrol (and `GET /me`
/// says so). Turning it on is refused while the calling admin has no second factor.
#[utoipa::path(
    tag = "auth",
    request_body = PutSignInPolicy,
    responses(
        (status = 200, body = Versioned<SignInPolicy>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The calling admin has no second factor"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 428, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[put("/sign-in-policy")]
async fn put_sign_in_policy(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller<Administer>,
    body: Body<PutSignInPolicy>,
) -> Reply<web::Json<Versioned<SignInPolicy>>> {
    let body = body?.into_inner();
    let version = expected_version(&req, body.version)?;
    let policy = SignInPolicy { require_second_factor_for_admins: body.require_second_factor_for_admins };
    let (actor, now, caller) = (caller.principal.actor(), state.clock.now(), UserId(caller.principal.id));
    let stored = sign_in_policy::set(&state.db, &actor, now, caller, policy, version).await?;
    state.principals.forget_all();
    Ok(web::Json(stored))
}
