//! The audit trail's hash chain: canonical content, row hashes, and verification.
//!
//! Each row stores `hash = SHA-256(prev_hash ‖ canonical content)`, so editing, deleting or reordering any row
//! breaks every hash after it. There is one chain per tenant and one for the platform, so a tenant's trail can be
//! handed to its auditor and verified without anyone else's data.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::ids::TenantId;

/// The `prev_hash` of the first row in every chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Which chain a row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Chain {
    /// Users, tenants, service tokens and platform settings.
    Platform,
    /// Everything that happens inside one tenant.
    Tenant(TenantId),
}

impl Chain {
    /// The key stored in the `chain` column.
    pub fn key(self) -> String {
        match self {
            Chain::Platform => "platform".to_owned(),
            Chain::Tenant(id) => id.to_string(),
        }
    }
}

/// Who did something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// A person signed in with a password.
    User,
    /// Automation with a service token.
    ServiceToken,
    /// Automation with an access token from the single sign-on provider (a client-credentials application).
    Application,
    /// The service itself, or an operator at the command line.
    System,
}

impl ActorKind {
    /// The value stored in the `actor_kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::ServiceToken => "service_token",
            ActorKind::Application => "application",
            ActorKind::System => "system",
        }
    }

    /// Reads a stored `actor_kind`; anything unknown is treated as the system.
    pub fn from_stored(s: &str) -> Self {
        match s {
            "user" => ActorKind::User,
            "service_token" => ActorKind::ServiceToken,
            "application" => ActorKind::Application,
            _ => ActorKind::System,
        }
    }
}

/// Who a change is recorded against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub kind: ActorKind,
    /// The user's or service token's id; `None` for the system.
    pub id: Option<String>,
    /// Username, token name, or what ran (`cli`, `startup`).
    pub name: String,
}

impl Actor {
    /// The service itself or an operator at the command line, named by what ran.
    pub fn system(name: &str) -> Self {
        Self { kind: ActorKind::System, id: None, name: name.to_owned() }
    }
}

/// Everything a row's hash covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditContent {
    pub chain: String,
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// Stored text of [`ActorKind`], hashed as stored so no edit can hide behind a lenient parse.
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    /// Canonical JSON text of the state before the change (`None` for a create).
    pub before: Option<String>,
    /// Canonical JSON text of the state after the change (`None` for a delete).
    pub after: Option<String>,
    pub comment: Option<String>,
    /// The bulk operation's run id, when the row stands for many changes.
    pub run_id: Option<String>,
    /// SHA-256 of the bulk operation's canonical change list.
    pub change_list_sha256: Option<String>,
}

impl AuditContent {
    /// The exact bytes hashed: fixed field order, times in UTC with microseconds.
    fn canonical(&self) -> String {
        let value = serde_json::json!([
            self.chain,
            self.seq,
            self.at.to_rfc3339_opts(SecondsFormat::Micros, true),
            self.actor_kind,
            self.actor_id,
            self.actor_name,
            self.entity,
            self.entity_id,
            self.action,
            self.before,
            self.after,
            self.comment,
            self.run_id,
            self.change_list_sha256,
        ]);
        canonical_json(&value)
    }
}

/// JSON with object keys sorted and no insignificant whitespace, whatever map order the value had.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// The hash of a row whose predecessor's hash is `prev_hash`.
pub fn row_hash(prev_hash: &str, content: &AuditContent) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(content.canonical().as_bytes());
    hex::encode(hasher.finalize())
}

/// The SHA-256 of a bulk operation's change list, as stored on its single audit row.
pub fn change_list_sha256(changes: &[Value]) -> String {
    hex::encode(Sha256::digest(canonical_json(&Value::Array(changes.to_vec())).as_bytes()))
}

/// A row as stored: its content and the two hashes.
#[derive(Debug, Clone)]
pub struct StoredRow {
    pub content: AuditContent,
    pub prev_hash: String,
    pub hash: String,
}

/// Why a row does not fit the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BreakKind {
    /// The row's content no longer hashes to its stored hash: it was edited.
    ContentChanged,
    /// The row does not point at the hash of the row before it: a row was removed, inserted or reordered.
    LinkBroken,
    /// The sequence number skips or repeats: a row is missing.
    SequenceGap,
}

/// The first row where a chain stops matching.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChainBreak {
    /// Sequence number of the first row that does not match.
    pub seq: i64,
    pub kind: BreakKind,
}

/// Walks a chain's rows from the first, in sequence order, keeping the state needed to check the next row.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_prev: String,
    expected_seq: i64,
    checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self { expected_prev: GENESIS_HASH.to_owned(), expected_seq: 1, checked: 0 }
    }
}

impl ChainVerifier {
    /// A verifier for a segment of a chain that starts at `first_seq`, whose first row must point at `prev_hash`:
    /// what an auditor holding an extract can check without the rows before it.
    pub fn resume(first_seq: i64, prev_hash: &str) -> Self {
        Self { expected_prev: prev_hash.to_owned(), expected_seq: first_seq, checked: 0 }
    }

    /// Checks the next row; the first error is the break to report.
    pub fn check(&mut self, row: &StoredRow) -> Result<(), ChainBreak> {
        let seq = row.content.seq;
        if seq != self.expected_seq {
            return Err(ChainBreak { seq, kind: BreakKind::SequenceGap });
        }
        if row.prev_hash != self.expected_prev {
            return Err(ChainBreak { seq, kind: BreakKind::LinkBroken });
        }
        if row_hash(&row.prev_hash, &row.content) != row.hash {
            return Err(ChainBreak { seq, kind: BreakKind::ContentChanged });
        }
        self.expected_prev.clone_from(&row.hash);
        self.expected_seq += 1;
        self.checked += 1;
        Ok(())
    }

    /// How many rows matched so far.
    pub fn checked(&self) -> u64 {
        self.checked
    }

    /// The hash of the last matching row (the genesis hash for an empty chain).
    pub fn head(&self) -> &str {
        &self.expected_prev
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn content(seq: i64) -> AuditContent {
        AuditContent {
            chain: "platform".into(),
            seq,
            at: Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).single().unwrap_or_default(),
            actor_kind: ActorKind::User.as_str().into(),
            actor_id: Some("u1".into()),
            actor_name: "alice".into(),
            entity: "tenant".into(),
            entity_id: format!("t{seq}"),
            action: "create".into(),
            before: None,
            after: Some(canonical_json(&serde_json::json!({"name": "Contoso", "archived": false}))),
            comment: None,
            run_id: None,
            change_list_sha256: None,
        }
    }

    fn chain(n: i64) -> Vec<StoredRow> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let content = content(seq);
                let hash = row_hash(&prev, &content);
                let row = StoredRow { content, prev_hash: prev.clone(), hash: hash.clone() };
                prev = hash;
                row
            })
            .collect()
    }

    fn verify(rows: &[StoredRow]) -> Result<u64, ChainBreak> {
        let mut verifier = ChainVerifier::default();
        for row in rows {
            verifier.check(row)?;
        }
        Ok(verifier.checked())
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let value = serde_json::json!({"b": 1, "a": {"d": [3, {"z": 1, "y": 2}], "c": null}});
        assert_eq!(canonical_json(&value), r#"{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}"#);
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(5));
        assert_eq!(verify(&[]), Ok(0));
    }

    #[test]
    fn an_edited_row_is_reported_as_changed() {
        let mut rows = chain(5);
        rows[2].content.actor_name = "mallory".into();
        assert_eq!(verify(&rows), Err(ChainBreak { seq: 3, kind: BreakKind::ContentChanged }));
    }

    #[test]
    fn an_edited_row_with_a_recomputed_hash_breaks_the_next_link() {
        let mut rows = chain(5);
        rows[2].content.after = Some("{}".into());
        rows[2].hash = row_hash(&rows[2].prev_hash, &rows[2].content);
        assert_eq!(verify(&rows), Err(ChainBreak { seq: 4, kind: BreakKind::LinkBroken }));
    }

    #[test]
    fn a_segment_verifies_from_its_first_rows_predecessor() {
        let rows = chain(6);
        let mut verifier = ChainVerifier::resume(3, &rows[1].hash);
        for row in &rows[2..5] {
            assert_eq!(verifier.check(row), Ok(()));
        }
        assert_eq!(verifier.head(), rows[4].hash);
        let mut wrong_anchor = ChainVerifier::resume(3, &rows[0].hash);
        assert_eq!(wrong_anchor.check(&rows[2]), Err(ChainBreak { seq: 3, kind: BreakKind::LinkBroken }));
    }

    #[test]
    fn a_deleted_row_is_reported_as_a_gap() {
        let mut rows = chain(5);
        rows.remove(1);
        assert_eq!(verify(&rows), Err(ChainBreak { seq: 3, kind: BreakKind::SequenceGap }));
    }

    #[test]
    fn the_hash_covers_time_to_the_microsecond() {
        let a = content(1);
        let mut b = content(1);
        b.at += chrono::Duration::microseconds(1);
        assert_ne!(row_hash(GENESIS_HASH, &a), row_hash(GENESIS_HASH, &b));
    }

    #[test]
    fn change_list_hash_ignores_key_order() {
        let a = change_list_sha256(&[serde_json::json!({"id": 1, "status": "completed"})]);
        let b = change_list_sha256(&[serde_json::json!({"status": "completed", "id": 1})]);
        assert_eq!(a, b);
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn chain_keys_separate_platform_and_tenants() {
        let tenant = TenantId::new();
        assert_eq!(Chain::Platform.key(), "platform");
        assert_eq!(Chain::Tenant(tenant).key(), tenant.to_string());
    }
}
