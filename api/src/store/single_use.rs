//! Rows that work once (download tokens, single sign-on attempts and codes), keyed by a digest: taking one deletes
//! it in a write transaction and counts on that delete, so of two instances taking one row at the same moment one
//! gets it and the other nothing. A key that matches nothing costs one read and no write lock, so guessing keys
//! cannot stall writers.

use sea_orm::{DatabaseConnection, EntityTrait, PrimaryKeyTrait};

use super::{StoreError, begin_write};

/// Deletes the row of `E` keyed `key` and answers it; `None` when there is none or another request took it first.
pub(crate) async fn take<E>(db: &DatabaseConnection, key: &str) -> Result<Option<E::Model>, StoreError>
where
    E: EntityTrait,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
{
    if E::find_by_id(key.to_owned()).one(db).await?.is_none() {
        return Ok(None);
    }
    let tx = begin_write(db).await?;
    let Some(found) = E::find_by_id(key.to_owned()).one(&tx).await? else { return Ok(None) };
    let deleted = E::delete_by_id(key.to_owned()).exec(&tx).await?;
    tx.commit().await?;
    Ok((deleted.rows_affected == 1).then_some(found))
}
