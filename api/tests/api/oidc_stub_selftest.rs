//! The OpenID Connect stand-in checked on its own, with an independent verifier (`jsonwebtoken` and the
//! published JWKS): the SSO tests trust it to sign good tokens and to break them only when told.

use crate::oidc_stub::{APP_ID_URI, CLIENT_ID, CLIENT_SECRET, OidcStub, StubApp, StubUser, TENANT_ID, Tamper};
use crate::oidc_stub_endpoints::s256;
use chrono::{TimeZone, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::StatusCode;
use scoregrc::clock::{Clock, ManualClock};
use serde_json::Value;
use std::sync::Arc;

async fn stub() -> (OidcStub, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()));
    (OidcStub::start(clock.clone()).await, clock)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn get_json(url: &str) -> Value {
    client().get(url).send().await.unwrap().json().await.unwrap()
}

/// Verifies `token` against `jwks` the way a relying party would, except for times: the stub's clock is not
/// the wall clock, so the tests compare `exp`/`nbf` with it themselves.
fn verify(jwks: &JwkSet, token: &str, issuer: &str, audience: &str) -> Result<Value, ErrorKind> {
    let kid = jsonwebtoken::decode_header(token).unwrap().kid.unwrap();
    let jwk = jwks.find(&kid).ok_or(ErrorKind::InvalidKeyFormat)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[audience]);
    validation.set_issuer(&[issuer]);
    validation.validate_exp = false;
    let key = DecodingKey::from_jwk(jwk).unwrap();
    jsonwebtoken::decode::<Value>(token, &key, &validation).map(|t| t.claims).map_err(|e| e.into_kind())
}

#[tokio::test]
async fn the_stub_publishes_entra_shaped_metadata_and_keys_that_verify_its_tokens_and_not_its_forgeries() {
    let (stub, clock) = stub().await;
    let config = get_json(&format!("{}/.well-known/openid-configuration", stub.issuer())).await;
    assert_eq!(config["issuer"], format!("{}/{{tenantid}}/v2.0", stub.url));
    assert_eq!(config["id_token_signing_alg_values_supported"], serde_json::json!(["RS256"]));
    assert_eq!(config["token_endpoint"], stub.token_endpoint());
    let jwks: JwkSet = serde_json::from_value(get_json(config["jwks_uri"].as_str().unwrap()).await).unwrap();
    assert_eq!(jwks.keys.len(), 1);
    assert_eq!(stub.jwks_requests(), 1);

    let ada = StubUser::new("ada").with_roles(&["Scoregrc.Ciso"]);
    let issuer = stub.issuer_for(TENANT_ID);
    let claims = verify(&jwks, &stub.id_token(&ada, "n-1", &Tamper::None), &issuer, CLIENT_ID).unwrap();
    let now = clock.now().timestamp();
    assert_eq!((claims["iat"].as_i64(), claims["exp"].as_i64()), (Some(now), Some(now + 3600)));
    assert_eq!(
        (&claims["nonce"], &claims["oid"], &claims["tid"]),
        (&"n-1".into(), &ada.oid.clone().into(), &TENANT_ID.into())
    );
    assert_eq!(claims["roles"], serde_json::json!(["Scoregrc.Ciso"]));

    let token = |tamper: Tamper| stub.id_token(&ada, "n-1", &tamper);
    assert_eq!(verify(&jwks, &token(Tamper::BadSignature), &issuer, CLIENT_ID), Err(ErrorKind::InvalidSignature));
    assert_eq!(verify(&jwks, &token(Tamper::UnknownKid), &issuer, CLIENT_ID), Err(ErrorKind::InvalidKeyFormat));
    assert_eq!(verify(&jwks, &token(Tamper::WrongAudience), &issuer, CLIENT_ID), Err(ErrorKind::InvalidAudience));
    assert_eq!(verify(&jwks, &token(Tamper::WrongIssuer), &issuer, CLIENT_ID), Err(ErrorKind::InvalidIssuer));
    let expired = verify(&jwks, &token(Tamper::Expired), &issuer, CLIENT_ID).unwrap();
    assert!(expired["exp"].as_i64().unwrap() < now - 60);
    let early = verify(&jwks, &token(Tamper::NotYetValid), &issuer, CLIENT_ID).unwrap();
    assert!(early["nbf"].as_i64().unwrap() > now + 60);
    let replayed = verify(&jwks, &token(Tamper::Nonce("old".into())), &issuer, CLIENT_ID).unwrap();
    assert_eq!(replayed["nonce"], "old");
    let edited = verify(&jwks, &token(Tamper::Claims(serde_json::json!({"oid": null}))), &issuer, CLIENT_ID);
    assert!(edited.unwrap().get("oid").is_none());
    let overage = StubUser { groups_overage: true, ..ada.clone().with_groups(&["g1"]) };
    let overage = verify(&jwks, &stub.id_token(&overage, "n", &Tamper::None), &issuer, CLIENT_ID).unwrap();
    assert_eq!((overage.get("groups"), &overage["_claim_names"]["groups"]), (None, &"src1".into()));

    // Rollover: the old key stays published until dropped, and new tokens carry the new kid.
    let old_kid = stub.current_kid();
    let new_kid = stub.rotate_keys(false);
    assert_ne!(new_kid, old_kid);
    let jwks: JwkSet = serde_json::from_value(get_json(config["jwks_uri"].as_str().unwrap()).await).unwrap();
    assert_eq!(jwks.keys.len(), 2);
    assert!(verify(&jwks, &token(Tamper::None), &issuer, CLIENT_ID).is_ok());
    stub.rotate_keys(true);
    let jwks: JwkSet = serde_json::from_value(get_json(config["jwks_uri"].as_str().unwrap()).await).unwrap();
    assert_eq!((jwks.keys.len(), stub.jwks_requests()), (1, 3));
}

/// Sends an authorize request with `params` and answers the `Location` it redirects to.
async fn authorize(stub: &OidcStub, params: &[(&str, &str)]) -> Option<url::Url> {
    let url = format!("{}/organizations/oauth2/v2.0/authorize", stub.url);
    let response = client().get(url).query(params).send().await.unwrap();
    let location = response.headers().get("location")?.to_str().unwrap();
    Some(url::Url::parse(location).unwrap())
}

fn query(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn the_stub_redeems_a_code_once_and_only_with_its_pkce_verifier() {
    let (stub, _clock) = stub().await;
    let ada = StubUser::new("ada");
    stub.sign_in_as(&ada);
    let verifier = "a-pkce-verifier-that-is-long-enough-to-be-valid-0123456789";
    let challenge = s256(verifier);
    let redirect = "http://127.0.0.1:1/api/v1/auth/sso/callback";
    let params = [
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", redirect),
        ("scope", "openid profile email"),
        ("state", "st-1"),
        ("nonce", "n-1"),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ];
    assert!(authorize(&stub, &params[..5]).await.is_none(), "no nonce, no code: the provider shows its error page");
    let back = authorize(&stub, &params).await.unwrap();
    assert!(back.as_str().starts_with(redirect));
    assert_eq!(query(&back, "state").as_deref(), Some("st-1"));
    let code = query(&back, "code").unwrap();

    let redeem = |code: String, verifier: &'static str| {
        let form = [
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("redirect_uri", redirect),
            ("code_verifier", verifier),
            ("code", &code),
        ];
        client().post(stub.token_endpoint()).form(&form).send()
    };
    let wrong = redeem(code.clone(), "another-verifier-that-is-long-enough-to-be-valid-012345").await.unwrap();
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert_eq!(wrong.json::<Value>().await.unwrap()["error_codes"][0], 501481);
    let again = redeem(code, verifier).await.unwrap();
    assert_eq!(again.status(), StatusCode::BAD_REQUEST, "a code is gone once tried");

    let code = query(&authorize(&stub, &params).await.unwrap(), "code").unwrap();
    let tokens: Value = redeem(code, verifier).await.unwrap().json().await.unwrap();
    let claims =
        jsonwebtoken::dangerous::insecure_decode::<Value>(tokens["id_token"].as_str().unwrap()).unwrap().claims;
    assert_eq!((&claims["nonce"], &claims["oid"], &claims["aud"]), (&"n-1".into(), &ada.oid.into(), &CLIENT_ID.into()));
    assert_eq!(stub.get(|s| s.redeemed), 1);

    stub.set(|s| s.deny = Some("AADSTS65004: User declined to consent.".into()));
    let denied = authorize(&stub, &params).await.unwrap();
    assert_eq!(
        (query(&denied, "error").as_deref(), query(&denied, "state").as_deref()),
        (Some("access_denied"), Some("st-1"))
    );
    assert_eq!(query(&denied, "code"), None);
}

#[tokio::test]
async fn the_stub_gives_a_daemon_v2_or_v1_app_tokens_and_refuses_a_wrong_secret() {
    let (stub, _clock) = stub().await;
    let daemon = StubApp::new(&["Scoregrc.Automation"]);
    stub.register_app(&daemon);
    let ask = |secret: String| {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", daemon.client_id.as_str()),
            ("scope", "api://scoregrc/.default"),
            ("client_secret", &secret),
        ];
        client().post(stub.token_endpoint()).form(&form).send()
    };
    let token = |body: Value| {
        jsonwebtoken::dangerous::insecure_decode::<Value>(body["access_token"].as_str().unwrap()).unwrap().claims
    };
    let v2 = token(ask(daemon.client_secret.clone()).await.unwrap().json().await.unwrap());
    assert_eq!(
        (&v2["aud"], &v2["iss"], &v2["idtyp"]),
        (&CLIENT_ID.into(), &stub.issuer_for(TENANT_ID).into(), &"app".into())
    );
    assert_eq!(
        (&v2["azp"], &v2["roles"][0], v2.get("scp")),
        (&daemon.client_id.clone().into(), &"Scoregrc.Automation".into(), None)
    );
    stub.set(|s| s.v1_access_tokens = true);
    let v1 = token(ask(daemon.client_secret.clone()).await.unwrap().json().await.unwrap());
    assert_eq!(
        (&v1["aud"], &v1["ver"], &v1["appid"]),
        (&APP_ID_URI.into(), &"1.0".into(), &daemon.client_id.clone().into())
    );
    assert_eq!(v1["iss"], format!("https://sts.windows.net/{TENANT_ID}/"));
    assert_eq!(ask("guessed".into()).await.unwrap().status(), StatusCode::UNAUTHORIZED);
}
