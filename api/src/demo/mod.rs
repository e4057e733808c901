//! `--demo`: a demo tenant and one demo user per role, so a newcomer can try every role at once.
//! Passwords are fresh on every start and printed, never fixed in the code. The tenant's data is loaded once.

mod data;
mod evidence;
mod register;
mod roadmap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::DatabaseConnection;

use crate::auth::password;
use crate::domain::audit::Actor;
use crate::domain::ids::UserId;
use crate::domain::role::Role;
use crate::import::run::Importer;
use crate::store::{StoreError, begin_write, memberships, tenants, users};

/// The demo tenant's name.
pub const DEMO_TENANT: &str = "Contoso (demo)";

/// A demo account and its password for this run.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: String,
    pub role: Role,
    pub password: String,
}

/// A random 24-character password.
pub fn random_password() -> String {
    let mut bytes = [0u8; 18];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn demo_username(role: Role) -> String {
    format!("demo-{}", role.as_str().replace('_', "-"))
}

/// Creates the demo tenant, its data and users when missing, and gives every demo user a fresh password.
pub async fn ensure(
    db: &DatabaseConnection,
    importer: &Importer,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<DemoAccount>> {
    let actor = Actor::system("demo");
    let mut accounts = Vec::new();
    let mut hashes = Vec::new();
    for role in Role::ALL {
        let password = random_password();
        let hash =
            password::hash(&password).map_err(|e| StoreError::Conflict(format!("hashing a demo password: {e}")))?;
        accounts.push(DemoAccount { username: demo_username(role), role, password });
        hashes.push(hash);
    }
    let tx = begin_write(db).await?;
    let tenant = match tenants::find_by_name(&tx, DEMO_TENANT).await? {
        Some(t) => t,
        None => tenants::create_in(&tx, &actor, now, DEMO_TENANT.to_owned()).await?,
    };
    let mut to_reset = Vec::new();
    for (account, hash) in accounts.iter().zip(hashes) {
        match users::find_by_username(&tx, &account.username).await? {
            Some(existing) => to_reset.push((UserId(existing.id), hash)),
            None => {
                let new = users::NewUser {
                    username: account.username.clone(),
                    display_name: format!("Demo {}", account.role.as_str().replace('_', " ")),
                    role: account.role,
                    password_hash: hash,
                    must_change_password: false,
                };
                let user = users::create_in(&tx, &actor, now, new).await?;
                memberships::grant_in(&tx, &actor, now, tenant.id, user.id).await?;
            }
        }
    }
    tx.commit().await?;
    let empty =
        crate::store::import_runs::list(db, tenant.id, &crate::store::page::PageRequest { limit: 1, after: None })
            .await?
            .total
            == 0;
    if empty {
        data::load(importer, tenant.id, now).await?;
        register::load(db, tenant.id, now).await?;
        roadmap::load(db, tenant.id, now).await?;
        evidence::load(db, tenant.id, now).await?;
    }
    for (id, hash) in to_reset {
        users::set_password(db, &actor, now, id, hash, false).await?;
    }
    Ok(accounts)
}
