use super::*;
use crate::domain::audit::{ActorKind, GENESIS_HASH, row_hash};
use chrono::TimeZone;
use ed25519_dalek::{Signer, SigningKey};

fn key() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32])
}

fn rows(n: i64) -> Vec<SegmentRow> {
    let mut prev = GENESIS_HASH.to_owned();
    (1..=n)
        .map(|seq| {
            let content = AuditContent {
                chain: "t1".into(),
                seq,
                at: Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).single().unwrap_or_default()
                    + chrono::Duration::microseconds(seq * 1_234_567),
                actor_kind: ActorKind::User.as_str().into(),
                actor_id: Some("u1".into()),
                actor_name: "alice".into(),
                entity: "recommendation".into(),
                entity_id: format!("r{seq}"),
                action: "set_status".into(),
                before: Some(r#"{"status":"planned"}"#.into()),
                after: Some(r#"{"status":"completed"}"#.into()),
                comment: None,
                run_id: None,
                change_list_sha256: None,
            };
            let hash = row_hash(&prev, &content);
            let row = SegmentRow { content, prev_hash: prev.clone(), hash: hash.clone() };
            prev = hash;
            row
        })
        .collect()
}

fn info(rows: &[SegmentRow], from: usize, to: usize) -> SegmentInfo {
    let last = rows.last().map(|r| (r.content.seq, r.hash.clone())).unwrap_or((0, GENESIS_HASH.into()));
    SegmentInfo {
        rows: (to - from) as u64,
        first_seq: Some(rows[from].content.seq),
        last_seq: Some(rows[to - 1].content.seq),
        prev_hash: rows[from].prev_hash.clone(),
        last_hash: rows[to - 1].hash.clone(),
        head_seq: last.0,
        head_hash: last.1,
    }
}

fn check(info: &SegmentInfo, lines: &[String]) -> Vec<PackFailure> {
    let mut check = SegmentCheck::new(info);
    let mut failures: Vec<PackFailure> = lines.iter().filter_map(|l| check.line(l).err()).collect();
    failures.extend(check.finish());
    failures
}

fn lines(rows: &[SegmentRow]) -> Vec<String> {
    rows.iter().map(|r| serde_json::to_string(r).unwrap_or_default()).collect()
}

#[test]
fn a_signed_manifest_verifies_and_any_changed_byte_does_not() {
    let key = key();
    let manifest = br#"{"format":"scoregrc-evidence-pack/1"}"#;
    let signature = STANDARD.encode(key.sign(manifest).to_bytes());
    assert_eq!(check_signature(&key.verifying_key(), manifest, &signature), Ok(()));
    let mut altered = manifest.to_vec();
    altered[5] ^= 1;
    assert_eq!(check_signature(&key.verifying_key(), &altered, &signature), Err(PackFailure::SignatureInvalid));
    let other = SigningKey::from_bytes(&[8u8; 32]).verifying_key();
    assert_eq!(check_signature(&other, manifest, &signature), Err(PackFailure::SignatureInvalid));
    assert_eq!(check_signature(&key.verifying_key(), manifest, "not base64!"), Err(PackFailure::SignatureInvalid));
}

#[test]
fn public_keys_parse_from_base64_or_hex_and_have_a_short_id() {
    let public = key().verifying_key();
    let b64 = STANDARD.encode(public.to_bytes());
    assert_eq!(parse_public_key(&b64).ok(), Some(public));
    assert_eq!(parse_public_key(&hex::encode(public.to_bytes())).ok(), Some(public));
    assert!(parse_public_key("AAAA").is_err());
    assert_eq!(key_id(&public.to_bytes()).len(), 16);
}

#[test]
fn a_segment_row_survives_its_file_form_and_still_hashes() {
    let all = rows(3);
    let text = serde_json::to_string(&all[1]).unwrap_or_default();
    let back: Option<SegmentRow> = serde_json::from_str(&text).ok();
    assert_eq!(back.as_ref(), Some(&all[1]));
    assert_eq!(back.map(|r| row_hash(&r.prev_hash, &r.content)), Some(all[1].hash.clone()));
}

#[test]
fn an_intact_middle_segment_verifies_against_its_signed_bounds() {
    let all = rows(8);
    assert_eq!(check(&info(&all, 2, 6), &lines(&all[2..6])), Vec::new());
    assert_eq!(check(&info(&all, 0, 8), &lines(&all)), Vec::new());
}

#[test]
fn an_edited_row_breaks_the_segment_where_it_was_edited() {
    let all = rows(6);
    let mut edited = all.clone();
    edited[3].content.actor_name = "mallory".into();
    assert_eq!(
        check(&info(&all, 1, 6), &lines(&edited[1..6])),
        vec![PackFailure::SegmentBroken { seq: 4, kind: BreakKind::ContentChanged }]
    );
}

#[test]
fn a_removed_or_cut_row_is_found() {
    let all = rows(6);
    let mut removed = all[1..6].to_vec();
    removed.remove(2);
    assert_eq!(
        check(&info(&all, 1, 6), &lines(&removed)),
        vec![PackFailure::SegmentBroken { seq: 5, kind: BreakKind::SequenceGap }]
    );
    let cut = check(&info(&all, 1, 6), &lines(&all[1..5]));
    assert!(cut.iter().all(|f| matches!(f, PackFailure::SegmentBounds(_))));
    assert_eq!(cut.len(), 2);
    let garbage = check(&info(&all, 1, 6), &["{not json".to_owned()]);
    assert!(matches!(garbage.first(), Some(PackFailure::SegmentUnreadable { line: 1, .. })));
}

#[test]
fn an_empty_period_has_an_empty_segment() {
    let all = rows(3);
    let empty = SegmentInfo {
        rows: 0,
        first_seq: None,
        last_seq: None,
        prev_hash: all[2].hash.clone(),
        last_hash: all[2].hash.clone(),
        head_seq: 3,
        head_hash: all[2].hash.clone(),
    };
    assert_eq!(check(&empty, &[]), Vec::new());
}

#[test]
fn every_failure_says_what_it_means() {
    let failures = [
        PackFailure::Unreadable("x".into()),
        PackFailure::SignatureInvalid,
        PackFailure::ManifestInvalid("x".into()),
        PackFailure::FileMissing { path: "a".into() },
        PackFailure::FileAltered { path: "a".into() },
        PackFailure::FileUnlisted { path: "a".into() },
        PackFailure::SegmentUnreadable { line: 1, why: "x".into() },
        PackFailure::SegmentBroken { seq: 1, kind: BreakKind::LinkBroken },
        PackFailure::SegmentBounds("x".into()),
    ];
    for failure in failures {
        assert!(failure.meaning().len() > 20, "{failure:?}");
    }
    assert!(PackFailure::FileAltered { path: "evidence/a.png".into() }.meaning().contains("evidence/a.png"));
}

#[test]
fn a_manifest_of_another_format_is_refused() {
    assert!(matches!(read_manifest(b"{}"), Err(PackFailure::ManifestInvalid(_))));
}
