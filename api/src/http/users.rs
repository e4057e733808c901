//! People's accounts, managed by admins.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Administer, Caller, expected_version};
use super::problem::{ApiError, Problem};
use super::{Body, PathOf, Query, Reply};
use crate::auth::password;
use crate::domain::Violations;
use crate::domain::ids::UserId;
use crate::domain::role::Role;
use crate::domain::user::{Username, check_name, check_new_password};
use crate::state::AppState;
use crate::store::page::{Page, PageParams};
use crate::store::users::{self, NewUser, User, UserUpdate};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users).service(create_user).service(get_user).service(update_user).service(reset_password);
}

const MAX_DISPLAY_NAME: usize = 200;

/// A new account.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"username": "eve", "password": "a long first passphrase", "role": "engineer", "display_name": "Eve Engineer"}))]
pub struct CreateUser {
    /// Stored lower-case.
    #[schema(pattern = r"^[A-Za-z0-9._@-]{3,64}$")]
    pub username: String,
    /// At least 12 characters, not containing the username.
    #[schema(min_length = 12, max_length = 256)]
    pub password: String,
    pub role: Role,
    /// Defaults to the username.
    pub display_name: Option<String>,
    /// Ask the user to pick their own password at first sign-in (default true).
    pub must_change_password: Option<bool>,
}

/// List every account
#[utoipa::path(
    tag = "users",
    params(PageParams),
    responses(
        (status = 200, body = Page<User>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[get("/users")]
async fn list_users(
    state: web::Data<AppState>,
    _caller: Caller<Administer>,
    page: Query<PageParams>,
) -> Reply<web::Json<Page<User>>> {
    let page = page?.parse()?;
    Ok(web::Json(users::list(&state.db, &page).await?))
}

/// Create an account
#[utoipa::path(
    tag = "users",
    request_body = CreateUser,
    responses(
        (status = 201, body = User, headers(("Location" = String, description = "URL of the new user"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The username is taken"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[post("/users")]
async fn create_user(
    state: web::Data<AppState>,
    caller: Caller<Administer>,
    body: Body<CreateUser>,
) -> Reply<HttpResponse> {
    let body = body?.into_inner();
    let mut violations = Violations::default();
    let username = violations.check(Username::parse(&body.username));
    if let Some(name) = &username {
        violations.check(check_new_password("password", &body.password, name.as_str()));
    }
    let display_name =
        body.display_name.as_deref().map(|d| violations.check(check_name("display_name", d, MAX_DISPLAY_NAME)));
    violations.finish()?;
    let Some(username) = username else { return Err(ApiError::Internal("checked username missing".into())) };
    let display_name = display_name.flatten().unwrap_or_else(|| username.as_str().to_owned());
    let password_hash = password::hash_blocking(body.password).await.map_err(ApiError::Internal)?;
    let new = NewUser {
        username: username.as_str().to_owned(),
        display_name,
        role: body.role,
        password_hash,
        must_change_password: body.must_change_password.unwrap_or(true),
    };
    let user = users::create(&state.db, &caller.principal.actor(), state.clock.now(), new).await?;
    Ok(HttpResponse::Created().insert_header(("Location", format!("/api/v1/users/{}", user.id))).json(user))
}

/// Read an account
#[utoipa::path(
    tag = "users",
    params(("user_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = User),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[get("/users/{user_id}")]
async fn get_user(
    state: web::Data<AppState>,
    _caller: Caller<Administer>,
    path: PathOf<uuid::Uuid>,
) -> Reply<web::Json<User>> {
    Ok(web::Json(users::get(&state.db, UserId(path?.into_inner())).await?))
}

/// A change to an account: any of the fields.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"role": "ciso", "version": 1}))]
pub struct UpdateUser {
    pub role: Option<Role>,
    pub display_name: Option<String>,
    /// `true` disables the account and ends its sessions at once; `false` enables it again.
    pub disabled: Option<bool>,
    /// The version the change is based on (or send `If-Match`); checked when given.
    pub version: Option<i64>,
}

/// Change an account's role or display name, or disable / enable it
///
/// Takes effect on the user's next request. The last enabled admin cannot be demoted or disabled.
#[utoipa::path(
    tag = "users",
    params(("user_id" = uuid::Uuid, Path), ("If-Match" = Option<String>, Header, description = "Version the change is based on")),
    request_body = UpdateUser,
    responses(
        (status = 200, body = User),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The last enabled admin"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[patch("/users/{user_id}")]
async fn update_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller<Administer>,
    path: PathOf<uuid::Uuid>,
    body: Body<UpdateUser>,
) -> Reply<web::Json<User>> {
    let id = UserId(path?.into_inner());
    let body = body?.into_inner();
    let mut violations = Violations::default();
    let display_name =
        body.display_name.as_deref().and_then(|d| violations.check(check_name("display_name", d, MAX_DISPLAY_NAME)));
    violations.finish()?;
    let version = expected_version(&req, body.version)?;
    let change = UserUpdate { role: body.role, display_name, disabled: body.disabled, version };
    let user = users::update(&state.db, &caller.principal.actor(), state.clock.now(), id, change).await?;
    state.principals.forget_all();
    Ok(web::Json(user))
}

/// A temporary password chosen by the admin.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"new_password": "temporary passphrase 42"}))]
pub struct ResetPassword {
    pub new_password: String,
}

/// Reset an account's password
///
/// Sets a temporary password, ends every session of the account, and makes the user choose a new password at
/// their next sign-in before they can do anything else.
#[utoipa::path(
    tag = "users",
    params(("user_id" = uuid::Uuid, Path)),
    request_body = ResetPassword,
    responses(
        (status = 204, description = "Password reset"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[post("/users/{user_id}/password-reset")]
async fn reset_password(
    state: web::Data<AppState>,
    caller: Caller<Administer>,
    path: PathOf<uuid::Uuid>,
    body: Body<ResetPassword>,
) -> Reply<HttpResponse> {
    let id = UserId(path?.into_inner());
    let body = body?.into_inner();
    let user = users::find(&state.db, id).await?.ok_or(ApiError::NotFound("user"))?;
    check_new_password("new_password", &body.new_password, &user.username)?;
    let hash = password::hash_blocking(body.new_password).await.map_err(ApiError::Internal)?;
    users::set_password(&state.db, &caller.principal.actor(), state.clock.now(), id, hash, true).await?;
    state.principals.forget_all();
    Ok(HttpResponse::NoContent().finish())
}
