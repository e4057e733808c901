//! Evidence bytes: one `evidence_blobs` row per distinct SHA-256 and its content in chunks of at most 1 MiB, so
//! the same bytes are stored once and reads and writes stream a chunk at a time.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use std::path::Path;
use tokio::io::AsyncReadExt;

use crate::entities::{evidence_blob, evidence_blob_chunk, evidence_item};
use crate::store::StoreError;

/// The largest chunk stored in one row.
pub const CHUNK_BYTES: usize = 1024 * 1024;

/// Stores the content of the file at `path` under `sha256`, unless those bytes are stored already. The caller
/// hashed the file; it runs inside the caller's transaction.
pub async fn put_file(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    path: &Path,
    stored: &StoredFile<'_>,
) -> Result<(), StoreError> {
    if evidence_blob::Entity::find_by_id(stored.sha256.to_owned()).one(conn).await?.is_some() {
        return Ok(());
    }
    let io = |e: std::io::Error| StoreError::Conflict(format!("the uploaded file could not be read back: {e}"));
    let mut file = tokio::fs::File::open(path).await.map_err(io)?;
    let chunk_count = stored.size.div_ceil(CHUNK_BYTES as u64);
    // The blob row first: the chunks refer to it.
    evidence_blob::ActiveModel {
        sha256: Set(stored.sha256.to_owned()),
        size: Set(stored.size as i64),
        content_type: Set(stored.content_type.to_owned()),
        chunk_count: Set(chunk_count as i32),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    let mut buffer = vec![0u8; CHUNK_BYTES];
    let mut written = 0u64;
    for idx in 0..chunk_count {
        let filled = fill(&mut file, &mut buffer).await.map_err(io)?;
        insert_chunk(conn, stored.sha256, idx as i32, buffer[..filled].to_vec()).await?;
        written += filled as u64;
    }
    if written != stored.size {
        // The spooled file changed under us: refuse rather than store bytes that do not match their hash.
        return Err(StoreError::Conflict("the uploaded file changed while it was stored: upload it again".into()));
    }
    Ok(())
}

/// A hashed file about to be stored.
#[derive(Debug, Clone, Copy)]
pub struct StoredFile<'a> {
    pub sha256: &'a str,
    pub size: u64,
    pub content_type: &'a str,
}

/// Stores small content held in memory (automatic snapshots) under its SHA-256.
pub async fn put_bytes(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    bytes: &[u8],
    sha256: &str,
    content_type: &str,
) -> Result<(), StoreError> {
    if evidence_blob::Entity::find_by_id(sha256.to_owned()).one(conn).await?.is_some() {
        return Ok(());
    }
    let chunks: Vec<&[u8]> = bytes.chunks(CHUNK_BYTES).collect();
    evidence_blob::ActiveModel {
        sha256: Set(sha256.to_owned()),
        size: Set(bytes.len() as i64),
        content_type: Set(content_type.to_owned()),
        chunk_count: Set(chunks.len() as i32),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    for (idx, chunk) in chunks.into_iter().enumerate() {
        insert_chunk(conn, sha256, idx as i32, chunk.to_vec()).await?;
    }
    Ok(())
}

/// The stored blob for `sha256`, when its bytes are kept.
pub async fn find(conn: &impl ConnectionTrait, sha256: &str) -> Result<Option<evidence_blob::Model>, StoreError> {
    Ok(evidence_blob::Entity::find_by_id(sha256.to_owned()).one(conn).await?)
}

/// Chunk `idx` (from 0) of the content stored under `sha256`.
pub async fn chunk(conn: &impl ConnectionTrait, sha256: &str, idx: i32) -> Result<Vec<u8>, StoreError> {
    evidence_blob_chunk::Entity::find_by_id((sha256.to_owned(), idx))
        .one(conn)
        .await?
        .map(|c| c.data)
        .ok_or(StoreError::NotFound("evidence content"))
}

/// Drops the bytes under `sha256` when no evidence item still in force refers to them.
pub async fn drop_if_unreferenced(conn: &impl ConnectionTrait, sha256: &str) -> Result<bool, StoreError> {
    let users = evidence_item::Entity::find()
        .filter(evidence_item::Column::Sha256.eq(sha256))
        .filter(evidence_item::Column::DeletedAt.is_null())
        .count(conn)
        .await?;
    if users > 0 {
        return Ok(false);
    }
    evidence_blob_chunk::Entity::delete_many()
        .filter(evidence_blob_chunk::Column::Sha256.eq(sha256))
        .exec(conn)
        .await?;
    let removed = evidence_blob::Entity::delete_by_id(sha256.to_owned()).exec(conn).await?;
    Ok(removed.rows_affected > 0)
}

async fn insert_chunk(conn: &impl ConnectionTrait, sha256: &str, idx: i32, data: Vec<u8>) -> Result<(), StoreError> {
    evidence_blob_chunk::ActiveModel { sha256: Set(sha256.to_owned()), idx: Set(idx), data: Set(data) }
        .insert(conn)
        .await?;
    Ok(())
}

/// Reads until `buffer` is full or the file ends, so every chunk but the last is exactly [`CHUNK_BYTES`].
async fn fill(file: &mut tokio::fs::File, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        let read = file.read(&mut buffer[filled..]).await?;
        if read == 0 {
            break;
        }
        filled += read;
    }
    Ok(filled)
}
