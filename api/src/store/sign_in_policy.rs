//! The platform's sign-in policy, a versioned platform setting; absent = nothing more than a password required.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};

use super::audit::{self, Change};
use super::error::require_version;
use super::settings::put_versioned;
use super::triage_settings::Versioned;
use super::{StoreError, begin_write, second_factors};
use crate::domain::audit::{Actor, Chain};
use crate::domain::ids::UserId;
use crate::domain::role::Role;
use crate::domain::sign_in_policy::SignInPolicy;
use crate::entities::setting;

const PLATFORM: &str = "platform";
const KEY: &str = "sign_in_policy";

/// The policy in force and its version (0 while the default applies).
pub async fn get(conn: &impl ConnectionTrait) -> Result<Versioned<SignInPolicy>, StoreError> {
    let row = setting::Entity::find_by_id((PLATFORM.to_owned(), KEY.to_owned())).one(conn).await?;
    Ok(match row {
        Some(row) => Versioned { value: serde_json::from_str(&row.value).unwrap_or_default(), version: row.version },
        None => Versioned { value: SignInPolicy::default(), version: 0 },
    })
}

/// Replaces the policy, based on `version`. Requiring a second factor for admins is refused while `caller` has
/// none, so an admin cannot lock their own session into enrolment by accident.
pub async fn set(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    caller: UserId,
    policy: SignInPolicy,
    version: Option<i64>,
) -> Result<Versioned<SignInPolicy>, StoreError> {
    let tx = begin_write(db).await?;
    let current = get(&tx).await?;
    require_version(version, current.version)?;
    if policy.require_second_factor_for_admins && !second_factors::is_enabled(&tx, caller).await? {
        return Err(StoreError::Conflict(
            "Turn on two-step sign-in for your own account first: the policy would otherwise limit your session to \
             enrolling."
                .into(),
        ));
    }
    put_versioned(&tx, now, KEY, &policy, current.version).await?;
    let change = Change::new(Chain::Platform, actor, "setting", KEY, "update")
        .before(serde_json::to_value(current.value).unwrap_or_default())
        .after(serde_json::to_value(policy).unwrap_or_default());
    audit::append(&tx, now, change).await?;
    tx.commit().await?;
    Ok(Versioned { value: policy, version: current.version + 1 })
}

/// Whether `user`, with `role`, must enrol a second factor before doing anything else.
pub async fn must_enrol(conn: &impl ConnectionTrait, user: UserId, role: Role) -> Result<bool, StoreError> {
    if role != Role::Admin {
        return Ok(false);
    }
    let policy = get(conn).await?.value;
    Ok(policy.must_enrol(role, second_factors::is_enabled(conn, user).await?))
}
