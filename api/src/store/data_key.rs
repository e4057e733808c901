//! Rotating the data key: every sealed value (platform settings, connector secrets, alert-channel secrets, the TOTP
//! secrets of second factors) opened with the old key and sealed again with the new one, in one transaction, with
//! one audit row that names both keys by id only. What is keyed by the data key but lives only minutes is deleted
//! instead: unused download tokens (60 seconds; the UI asks again) and the sign-in throttle's failures (their
//! digests would never match under the new key). The rotation runs with every instance stopped, so nobody is
//! between asking for a token and using it.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, Set,
};

use super::audit::{self, Change};
use super::{StoreError, begin_write};
use crate::domain::audit::{Actor, Chain};
use crate::domain::ids::{ChannelId, TenantId};
use crate::entities::{alert_channel, connector, setting};
use crate::secrets::DataKey;

/// How many sealed values a rotation re-sealed, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resealed {
    pub settings: usize,
    pub connectors: usize,
    pub channels: usize,
    pub second_factors: usize,
    /// Unused download tokens deleted rather than re-sealed (not counted in [`Resealed::total`]).
    pub download_tokens_deleted: u64,
    /// Sign-in failures forgotten, their digests being keyed by the old key (not counted in the total either).
    pub sign_in_failures_forgotten: u64,
}

impl Resealed {
    /// How many values were re-sealed.
    pub fn total(&self) -> usize {
        self.settings + self.connectors + self.channels + self.second_factors
    }
}

/// Re-seals every sealed value from `old` to `new`. Fails, changing nothing, when any value does not open with
/// `old` (the wrong key, or an altered value).
pub async fn reseal_all(
    db: &DatabaseConnection,
    old: &DataKey,
    new: &DataKey,
    now: DateTime<Utc>,
) -> Result<Resealed, StoreError> {
    let tx = begin_write(db).await?;
    let mut done = Resealed::default();
    let reseal = |purpose: &str, sealed: &str| -> Result<String, StoreError> {
        Ok(new.seal(purpose, &old.open(purpose, sealed)?)?)
    };

    for row in setting::Entity::find().filter(setting::Column::Scope.eq("platform")).all(&tx).await? {
        let Ok(serde_json::Value::String(sealed)) = serde_json::from_str::<serde_json::Value>(&row.value) else {
            continue;
        };
        if !crate::secrets::is_sealed(&sealed) {
            continue;
        }
        let value = serde_json::Value::String(reseal(&super::settings::sealed_purpose(&row.key), &sealed)?).to_string();
        let version = row.version;
        let mut row = row.into_active_model();
        row.value = Set(value);
        row.version = Set(version + 1);
        row.updated_at = Set(now);
        row.update(&tx).await?;
        done.settings += 1;
    }
    for row in connector::Entity::find().all(&tx).await? {
        let purpose = super::connectors::sealed_purpose(TenantId(row.tenant_id), &row.kind);
        let sealed = reseal(&purpose, &row.secret_sealed)?;
        let mut row = row.into_active_model();
        row.secret_sealed = Set(sealed);
        row.update(&tx).await?;
        done.connectors += 1;
    }
    for row in alert_channel::Entity::find().filter(alert_channel::Column::SecretSealed.is_not_null()).all(&tx).await? {
        let purpose = super::channels::purpose(TenantId(row.tenant_id), ChannelId(row.id));
        let sealed = reseal(&purpose, row.secret_sealed.as_deref().unwrap_or_default())?;
        let mut row = row.into_active_model();
        row.secret_sealed = Set(Some(sealed));
        row.update(&tx).await?;
        done.channels += 1;
    }
    done.second_factors = super::second_factors::reseal(&tx, old, new).await?;
    done.download_tokens_deleted = super::download_tokens::delete_all(&tx).await?;
    done.sign_in_failures_forgotten = super::sign_in_failures::forget_all(&tx).await?;
    super::sso::forget_all_in_flight(&tx).await?;
    record(&tx, now, old, new, done).await?;
    tx.commit().await?;
    Ok(done)
}

async fn record(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    old: &DataKey,
    new: &DataKey,
    done: Resealed,
) -> Result<(), StoreError> {
    let actor = Actor::system("cli");
    let change = Change::new(Chain::Platform, &actor, "data_key", new.key_id(), "rotate")
        .before(serde_json::json!({ "key_id": old.key_id() }))
        .after(serde_json::json!({
            "key_id": new.key_id(),
            "resealed_settings": done.settings,
            "resealed_connectors": done.connectors,
            "resealed_channels": done.channels,
            "resealed_second_factors": done.second_factors,
            "deleted_download_tokens": done.download_tokens_deleted,
            "forgotten_sign_in_failures": done.sign_in_failures_forgotten,
        }))
        .comment("rotated the data key that seals stored secrets");
    audit::append(conn, now, change).await
}
