//! Authorisation in the type: a handler's signature says who may call it. Checks run in the order DESIGN.md
//! fixes: 401 (credentials) → 404 (tenant not visible) → 403 (role) → then the handler's 422/409/412.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use std::marker::PhantomData;

use super::problem::ApiError;
use crate::auth::AuthError;
use crate::domain::ids::TenantId;
use crate::domain::principal::Principal;
use crate::domain::role::Permission;
use crate::state::AppState;
use crate::store::tenants::Tenant;

/// A kind of action a route performs; names the roles allowed (see [`Permission`]).
pub trait Policy: 'static {
    const PERMISSION: Permission;
}

/// Any signed-in principal.
pub struct SignedIn;
/// Every member of the tenant.
pub struct ReadTenant;
/// Platform administration: admin only.
pub struct Administer;
/// The audit log and exports: auditor, ciso, admin.
pub struct ReadAudit;
/// The team's daily work: engineer, it_manager, ciso.
pub struct Operate;
/// How the tenant prioritises: ciso, admin.
pub struct Govern;
/// Management sign-off on delivery (roadmap baseline, change approvals): it_manager, ciso.
pub struct Approve;
/// The board report's signature: ciso.
pub struct SignOff;

impl Policy for SignedIn {
    const PERMISSION: Permission = Permission::SignedIn;
}
impl Policy for ReadTenant {
    const PERMISSION: Permission = Permission::ReadTenant;
}
impl Policy for Administer {
    const PERMISSION: Permission = Permission::Administer;
}
impl Policy for ReadAudit {
    const PERMISSION: Permission = Permission::ReadAudit;
}
impl Policy for Operate {
    const PERMISSION: Permission = Permission::Operate;
}
impl Policy for Govern {
    const PERMISSION: Permission = Permission::Govern;
}
impl Policy for Approve {
    const PERMISSION: Permission = Permission::Approve;
}
impl Policy for SignOff {
    const PERMISSION: Permission = Permission::SignOff;
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>().cloned().ok_or_else(|| ApiError::Internal("application state missing".into()))
}

pub(super) fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or(AuthError::Missing)?;
    let (scheme, token) = value.split_once(' ').ok_or(AuthError::Missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(AuthError::Missing.into());
    }
    Ok(token.trim().to_owned())
}

async fn authenticate(req: &HttpRequest) -> Result<(web::Data<AppState>, Principal), ApiError> {
    let state = state(req)?;
    let credential = match bearer(req) {
        Ok(credential) => credential,
        Err(missing) => download_credential(&state, req).await?.ok_or(missing)?,
    };
    let principal = state.principals.resolve(&credential).await?;
    Ok((state, principal))
}

/// A browser download carries no header: a single-use `download_token` issued for this path stands for the
/// credential of whoever asked for it (checked again as usual).
async fn download_credential(state: &AppState, req: &HttpRequest) -> Result<Option<String>, ApiError> {
    use crate::auth::download_tokens::{PARAMETER, redeem};
    if req.method() != actix_web::http::Method::GET {
        return Ok(None);
    }
    let query = url::form_urlencoded::parse(req.query_string().as_bytes());
    let Some((_, token)) = query.into_iter().find(|(k, _)| k == PARAMETER) else { return Ok(None) };
    let key = &state.importer.data_key;
    Ok(redeem(&state.db, key, &token, req.path(), state.clock.now()).await?)
}

fn authorize<P: Policy>(principal: &Principal) -> Result<(), ApiError> {
    if principal.must_change_password {
        return Err(ApiError::PasswordChangeRequired);
    }
    if principal.must_enrol_second_factor {
        return Err(ApiError::SecondFactorEnrolmentRequired);
    }
    if !P::PERMISSION.allows(principal.role) {
        let roles: Vec<&str> = P::PERMISSION.roles().iter().map(|r| r.as_str()).collect();
        return Err(ApiError::Forbidden(format!("This action needs one of these roles: {}.", roles.join(", "))));
    }
    Ok(())
}

/// A signed-in principal allowed by `P`, on a route outside any tenant.
pub struct Caller<P: Policy> {
    pub principal: Principal,
    _policy: PhantomData<P>,
}

impl<P: Policy> FromRequest for Caller<P> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let (_, principal) = authenticate(&req).await?;
            authorize::<P>(&principal)?;
            Ok(Self { principal, _policy: PhantomData })
        })
    }
}

/// A signed-in principal, even one that must change its password or enrol a second factor first (for the
/// password change, the enrolment and `me`).
pub struct AnyPrincipal(pub Principal);

impl FromRequest for AnyPrincipal {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(Self(authenticate(&req).await?.1)) })
    }
}

/// A principal allowed by `P` inside the tenant named by the `{tenant_id}` path segment, with that tenant.
/// A tenant the caller may not see answers 404, exactly like one that does not exist.
pub struct TenantCaller<P: Policy> {
    pub principal: Principal,
    pub tenant: Tenant,
    _policy: PhantomData<P>,
}

impl<P: Policy> TenantCaller<P> {
    /// 409 when the tenant is archived: it keeps its data and trail but takes no new work (`doing`: "importing").
    pub fn refuse_archived(&self, doing: &str) -> Result<(), ApiError> {
        if self.tenant.archived {
            return Err(ApiError::Conflict(format!("This tenant is archived: restore it before {doing}.")));
        }
        Ok(())
    }
}

impl<P: Policy> FromRequest for TenantCaller<P> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let (state, principal) = authenticate(&req).await?;
            let id = req
                .match_info()
                .get("tenant_id")
                .and_then(|raw| uuid::Uuid::parse_str(raw).ok())
                .map(TenantId)
                .ok_or(ApiError::NotFound("tenant"))?;
            if !principal.tenants.includes(id) {
                return Err(ApiError::NotFound("tenant"));
            }
            let tenant = state.principals.tenant(id).await?.ok_or(ApiError::NotFound("tenant"))?;
            authorize::<P>(&principal)?;
            Ok(Self { principal, tenant, _policy: PhantomData })
        })
    }
}

/// The version a write is based on: the `If-Match` header (`"3"`, `W/"3"` or `3`) or the body's `version`.
pub fn expected_version(req: &HttpRequest, body: Option<i64>) -> Result<Option<i64>, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else { return Ok(body) };
    let text = value.to_str().unwrap_or_default().trim();
    let text = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
    let version = text
        .parse::<i64>()
        .map_err(|_| crate::domain::ValidationError::field("If-Match", "must be the version number, e.g. \"3\""))?;
    Ok(Some(version))
}
