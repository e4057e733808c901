//! `scoregrc keys rotate`: after a restart the service signs with the new key, sessions the old key signed keep
//! working, and the rotation is in the platform trail with key ids only.

use reqwest::StatusCode;

use crate::helpers::{RunCommand, scoregrc};
use crate::process::Server;

fn key_id_of(token: &str) -> String {
    use base64::Engine;
    let header = token.split('.').next().unwrap();
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).unwrap();
    serde_json::from_slice::<serde_json::Value>(&header).unwrap()["kid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_rotated_key_signs_new_sessions_and_old_sessions_keep_working() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("scoregrc.db");
    let server = Server::on_sqlite(&db).await;
    let old_session = server.token.clone();
    server.stop();

    let rotated = scoregrc(&db).args(["keys", "rotate", "--session-hours", "12"]).run().await;
    let said = String::from_utf8_lossy(&rotated.stdout).into_owned();
    assert!(rotated.status.success(), "{said}{}", String::from_utf8_lossy(&rotated.stderr));
    assert!(said.contains(&format!("session signing key rotated: {} -> ", key_id_of(&old_session))), "{said}");

    let server = Server::on_sqlite(&db).await;
    assert_ne!(key_id_of(&server.token), key_id_of(&old_session), "new sessions are signed with the new key");
    let me = server.client.get(format!("{}/api/v1/me", server.address)).bearer_auth(&old_session).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK, "a session from before the rotation still works");
    let trail = server.get("/api/v1/audit?entity=setting").await;
    let rotation = trail["items"].as_array().unwrap().iter().find(|r| r["action"] == "rotate").expect("recorded");
    assert_eq!(rotation["before"]["key_id"], key_id_of(&old_session));
    assert_eq!(rotation["after"]["key_id"], key_id_of(&server.token));
    assert!(!rotation.to_string().contains("\"key\":"), "no key material in the trail: {rotation}");
    server.stop();
}
