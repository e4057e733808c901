//! Named leases in the `leases` table (see `domain::lease`): taken, renewed and given back in write transactions,
//! so two instances asking at once are ordered by the writers' lock and never both hold one.

use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use std::time::Duration;

use super::{StoreError, begin_write};
use crate::clock::Clock;
use crate::domain::lease::{self, Claim, InstanceId, Lease};
use crate::entities::lease as row;

/// Takes the lease `name` for `asker` (when free, lapsed, or already its own) or renews it, for `ttl` from now;
/// answers what the claim got. A lease another instance holds is refused on a plain read, so instances standing
/// by can ask often without queueing for the writers' lock. Otherwise the time is read once that lock is held,
/// not before: a claim that waited behind a long write must not judge (or extend) the lease by the moment it
/// started waiting.
pub async fn claim(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    name: &str,
    asker: &InstanceId,
    ttl: Duration,
) -> Result<Claim, StoreError> {
    let seen = get(db, name).await?;
    if let refused @ Claim::Refuse { .. } = lease::claim(seen.as_ref(), asker, clock.now()) {
        return Ok(refused);
    }
    let tx = begin_write(db).await?;
    let stored = row::Entity::find_by_id(name.to_owned()).one(&tx).await?;
    let now = clock.now();
    let current = stored.as_ref().map(|r| Lease { holder: r.holder.clone().into(), expires_at: r.expires_at });
    let decided = lease::claim(current.as_ref(), asker, now);
    let expires_at = lease::expiry(now, ttl);
    match (&decided, stored) {
        (Claim::Refuse { .. }, _) => {}
        (Claim::Renew, Some(stored)) => {
            let mut model: row::ActiveModel = stored.into();
            model.expires_at = Set(expires_at);
            model.update(&tx).await?;
        }
        (_, Some(stored)) => {
            let mut model: row::ActiveModel = stored.into();
            model.holder = Set(asker.as_str().to_owned());
            model.expires_at = Set(expires_at);
            model.taken_at = Set(now);
            model.update(&tx).await?;
        }
        (_, None) => {
            row::ActiveModel {
                name: Set(name.to_owned()),
                holder: Set(asker.as_str().to_owned()),
                expires_at: Set(expires_at),
                taken_at: Set(now),
            }
            .insert(&tx)
            .await?;
        }
    }
    // Committed even when refused (nothing written), so the writers' lock goes now rather than on a later rollback.
    tx.commit().await?;
    Ok(decided)
}

/// Gives the lease `name` back when `holder` holds it, so the next instance takes it at once instead of waiting
/// for it to lapse; answers whether it did.
pub async fn release(db: &DatabaseConnection, name: &str, holder: &InstanceId) -> Result<bool, StoreError> {
    let tx = begin_write(db).await?;
    let deleted = row::Entity::delete_many()
        .filter(row::Column::Name.eq(name))
        .filter(row::Column::Holder.eq(holder.as_str()))
        .exec(&tx)
        .await?;
    tx.commit().await?;
    Ok(deleted.rows_affected > 0)
}

/// The lease `name` as stored, lapsed or not.
pub async fn get(db: &DatabaseConnection, name: &str) -> Result<Option<Lease>, StoreError> {
    let stored = row::Entity::find_by_id(name.to_owned()).one(db).await?;
    Ok(stored.map(|r| Lease { holder: r.holder.into(), expires_at: r.expires_at }))
}
