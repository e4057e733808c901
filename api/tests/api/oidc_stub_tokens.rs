//! The OpenID Connect stand-in's keys and tokens: RSA-2048 keys published as Entra publishes them, and ID,
//! app-only, delegated and Graph tokens with Entra v2 (or v1) claims, broken on purpose by a [`Tamper`].

use super::oidc_stub::{APP_ID_URI, CLIENT_ID, GRAPH_APP_ID, Provider, StubApp, StubUser, Tamper};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, OnceLock};

/// One RSA-2048 signing key.
#[derive(Debug)]
pub struct StubKey {
    /// Entra's `kid` is the certificate's SHA-1 thumbprint, as is its `x5t`.
    pub kid: String,
    der: Vec<u8>,
    n: String,
    e: String,
}

impl StubKey {
    fn generate() -> Self {
        use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey};
        use rsa::traits::PublicKeyParts;
        use sha1::Digest;
        let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
        let public = private.to_public_key();
        let thumbprint = sha1::Sha1::digest(public.to_pkcs1_der().unwrap().as_bytes());
        StubKey {
            kid: URL_SAFE_NO_PAD.encode(thumbprint.as_slice()),
            der: private.to_pkcs1_der().unwrap().as_bytes().to_vec(),
            n: URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
            e: URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
        }
    }

    /// The key as the JWKS publishes it.
    pub fn jwk(&self, issuer: &str) -> Value {
        json!({"kty": "RSA", "use": "sig", "kid": self.kid, "x5t": self.kid, "n": self.n, "e": self.e,
               "alg": "RS256", "issuer": issuer})
    }
}

/// Key slot 0 signs forged tokens; the others are handed out in turn as stubs start and rotate.
const ROGUE_SLOT: usize = 0;

/// Keys made once per test process and shared by every stub (each app trusts only its own stub's JWKS, so
/// sharing is harmless): making RSA keys is the slowest thing a stub does.
pub(crate) fn pooled_key(slot: usize) -> Arc<StubKey> {
    static POOL: OnceLock<Mutex<Vec<Arc<StubKey>>>> = OnceLock::new();
    let mut pool = POOL.get_or_init(Mutex::default).lock().unwrap();
    while pool.len() <= slot {
        pool.push(Arc::new(StubKey::generate()));
    }
    pool[slot].clone()
}

impl Provider {
    pub fn delegated_token(&self, user: &StubUser, tamper: &Tamper) -> String {
        let mut claims = self.common_claims(&user.tid, CLIENT_ID, tamper);
        let extra = json!({"azp": uuid::Uuid::new_v4().to_string(), "azpacr": "0", "name": user.name,
            "oid": user.oid, "preferred_username": user.preferred_username, "roles": user.roles,
            "scp": "Scoregrc.Read", "sub": pairwise(&user.oid), "ver": "2.0"});
        merge(&mut claims, &extra);
        self.sign(claims, tamper, false)
    }

    fn now(&self) -> i64 {
        self.clock.now().timestamp()
    }

    pub fn issuer_for(&self, tid: &str) -> String {
        format!("{}/{tid}/v2.0", self.url)
    }

    /// `aud`, `iss`, times and the ids every Entra token has, with the tamper's changes to them.
    fn common_claims(&self, tid: &str, audience: &str, tamper: &Tamper) -> Value {
        let now = self.now();
        let (iat, exp) = match tamper {
            Tamper::Expired => (now - 7200, now - 3600),
            Tamper::NotYetValid => (now + 3600, now + 7200),
            _ => (now, now + 3600),
        };
        let aud = if *tamper == Tamper::WrongAudience { "0b6f3c2e-9a41-4d8e-b7f2-1c5a9e3d7f60" } else { audience };
        let iss = if *tamper == Tamper::WrongIssuer {
            format!("https://login.microsoftonline.com/{tid}/v2.0")
        } else {
            self.issuer_for(tid)
        };
        json!({"aud": aud, "iss": iss, "iat": iat, "nbf": iat, "exp": exp, "tid": tid,
               "aio": "AWQAm/8ZAAAA", "rh": "0.AXEAv4j5cvGGr0GRqy180BHbRw.", "uti": uuid::Uuid::new_v4().simple().to_string()})
    }

    /// The ID token of a code redemption.
    pub fn id_token(&self, user: &StubUser, nonce: &str, tamper: &Tamper) -> String {
        let mut claims = self.common_claims(&user.tid, CLIENT_ID, tamper);
        let nonce = if let Tamper::Nonce(n) = tamper { n.as_str() } else { nonce };
        let mut extra = json!({"name": user.name, "nonce": nonce, "oid": user.oid,
            "preferred_username": user.preferred_username, "sid": uuid::Uuid::new_v4().to_string(),
            "sub": pairwise(&user.oid), "ver": "2.0"});
        if !user.roles.is_empty() {
            extra["roles"] = json!(user.roles);
        }
        if user.groups_overage {
            let endpoint = format!("https://graph.windows.net/{}/users/{}/getMemberObjects", user.tid, user.oid);
            extra["_claim_names"] = json!({"groups": "src1"});
            extra["_claim_sources"] = json!({"src1": {"endpoint": endpoint}});
        } else if !user.groups.is_empty() {
            extra["groups"] = json!(user.groups);
        }
        merge(&mut claims, &extra);
        self.sign(claims, tamper, false)
    }

    /// The (Graph) access token beside an ID token: delegated, v1, and not for scoregrc.
    pub fn graph_token(&self, user: &StubUser) -> String {
        let mut claims = self.common_claims(&user.tid, GRAPH_APP_ID, &Tamper::None);
        let extra = json!({"iss": format!("https://sts.windows.net/{}/", user.tid), "appid": CLIENT_ID,
            "name": user.name, "oid": user.oid, "scp": "email openid profile User.Read", "sub": pairwise(&user.oid),
            "upn": user.preferred_username, "ver": "1.0"});
        merge(&mut claims, &extra);
        self.sign(claims, &Tamper::None, true)
    }

    /// An app-only access token for scoregrc's API: v2 or v1 shaped.
    pub fn app_token(&self, app: &StubApp, v1: bool, tamper: &Tamper) -> String {
        let audience = if v1 { APP_ID_URI } else { CLIENT_ID };
        let mut claims = self.common_claims(&app.tid, audience, tamper);
        let extra = if v1 {
            let sts = format!("https://sts.windows.net/{}/", app.tid);
            let iss = if *tamper == Tamper::WrongIssuer { claims["iss"].clone() } else { json!(sts) };
            json!({"iss": iss, "appid": app.client_id, "appidacr": "1", "idp": sts, "idtyp": "app",
                   "oid": app.oid, "roles": app.roles, "sub": app.oid, "ver": "1.0"})
        } else {
            json!({"azp": app.client_id, "azpacr": "1", "idtyp": "app", "oid": app.oid, "roles": app.roles,
                   "sub": app.oid, "ver": "2.0"})
        };
        merge(&mut claims, &extra);
        self.sign(claims, tamper, v1)
    }

    /// Signs `claims` (after the tamper's own claim edits) with the current key, or a forged one.
    fn sign(&self, mut claims: Value, tamper: &Tamper, with_x5t: bool) -> String {
        if let Tamper::Claims(edits) = tamper {
            merge(&mut claims, edits);
        }
        let current = self.state.lock().unwrap().current.clone();
        let rogue = pooled_key(ROGUE_SLOT);
        let (key, kid) = match tamper {
            Tamper::BadSignature => (&rogue, &current.kid),
            Tamper::UnknownKid => (&rogue, &rogue.kid),
            _ => (&current, &current.kid),
        };
        let mut header = Header::new(Algorithm::RS256);
        header.typ = Some("JWT".into());
        header.kid = Some(kid.clone());
        if with_x5t {
            header.x5t = Some(kid.clone());
        }
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_rsa_der(&key.der)).unwrap()
    }
}

/// Entra's `sub` is pairwise: the same person has a different `sub` in each app, unlike `oid`.
fn pairwise(oid: &str) -> String {
    use sha2::Digest;
    URL_SAFE_NO_PAD.encode(&sha2::Sha256::digest(format!("{CLIENT_ID}:{oid}").as_bytes())[..24])
}

/// Sets each field of `edits` on `claims`; a `null` removes the claim.
fn merge(claims: &mut Value, edits: &Value) {
    let (Some(claims), Some(edits)) = (claims.as_object_mut(), edits.as_object()) else { return };
    for (name, value) in edits {
        if value.is_null() {
            claims.remove(name);
        } else {
            claims.insert(name.clone(), value.clone());
        }
    }
}
