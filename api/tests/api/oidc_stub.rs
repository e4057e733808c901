//! A local OpenID Connect provider standing in for Microsoft Entra ID (v2 endpoints, multi-tenant
//! `organizations` metadata): discovery, JWKS, authorize and token endpoints (in `oidc_stub_endpoints`), RS256
//! tokens with Entra's claims, and a switch for every way a token can be wrong. Its time is the app's clock,
//! so a test expires a token by moving that clock, never by sleeping.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use scoregrc::clock::Clock;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// scoregrc's app registration: the audience of its ID tokens and of v2 access tokens for its API.
pub const CLIENT_ID: &str = "5c7e2b1a-8d4f-4e36-9a0b-3f2d1c6e7a90";
pub const CLIENT_SECRET: &str = "Qx8~entra.client-secret_for-scoregrc";
/// The customer's Entra tenant, the one the tests allow.
pub const TENANT_ID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
/// Another organisation's tenant: multi-tenant metadata lets its people reach the sign-in too.
pub const OTHER_TENANT_ID: &str = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";
/// The application ID URI: the audience of v1 access tokens for scoregrc's API.
pub const APP_ID_URI: &str = "api://scoregrc";
/// Microsoft Graph: the audience of the access token a code redemption answers (it is not for scoregrc).
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// A person signed in at the provider.
#[derive(Debug, Clone, PartialEq)]
pub struct StubUser {
    pub oid: String,
    pub tid: String,
    pub name: String,
    pub preferred_username: String,
    /// App roles assigned to the person in scoregrc's enterprise application.
    pub roles: Vec<String>,
    /// Group object ids (or names, as the tests configure them).
    pub groups: Vec<String>,
    /// Too many groups for the token: Entra leaves `groups` out and points at Graph instead.
    pub groups_overage: bool,
}

impl StubUser {
    /// `handle`@contoso.com in the allowed tenant, with a fresh object id and no roles or groups.
    pub fn new(handle: &str) -> Self {
        let mut name = handle.to_owned();
        if let Some(first) = name.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        StubUser {
            oid: uuid::Uuid::new_v4().to_string(),
            tid: TENANT_ID.into(),
            name: format!("{name} Lovelace"),
            preferred_username: format!("{name}@Contoso.com"),
            roles: Vec::new(),
            groups: Vec::new(),
            groups_overage: false,
        }
    }

    pub fn with_roles(mut self, roles: &[&str]) -> Self {
        self.roles = roles.iter().map(|r| (*r).to_owned()).collect();
        self
    }

    pub fn with_groups(mut self, groups: &[&str]) -> Self {
        self.groups = groups.iter().map(|g| (*g).to_owned()).collect();
        self
    }
}

/// A daemon app registration that asks for tokens with the client-credentials grant.
#[derive(Debug, Clone, PartialEq)]
pub struct StubApp {
    pub client_id: String,
    pub client_secret: String,
    pub tid: String,
    /// The object id of its service principal.
    pub oid: String,
    /// App roles of scoregrc's API granted to it (admin consent).
    pub roles: Vec<String>,
}

impl StubApp {
    /// A daemon in the allowed tenant granted `roles`.
    pub fn new(roles: &[&str]) -> Self {
        StubApp {
            client_id: uuid::Uuid::new_v4().to_string(),
            client_secret: format!("daemon~{}", uuid::Uuid::new_v4().simple()),
            tid: TENANT_ID.into(),
            oid: uuid::Uuid::new_v4().to_string(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        }
    }
}

/// What is wrong with a token the stub signs.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Tamper {
    #[default]
    None,
    /// Signed with a key the JWKS does not hold, under the current key's `kid`.
    BadSignature,
    /// Signed with a key the JWKS does not hold, under that key's own `kid`.
    UnknownKid,
    /// `aud` is another app's client id.
    WrongAudience,
    /// `iss` is the real Microsoft issuer for the token's tenant, not this provider.
    WrongIssuer,
    /// Expired an hour ago (well past any leeway).
    Expired,
    /// Valid only from an hour from now.
    NotYetValid,
    /// This `nonce` instead of the one the sign-in asked for.
    Nonce(String),
    /// Claims set (or removed, for `null`) after everything else.
    Claims(Value),
}

/// A grant remembered between the authorize redirect and the code redemption.
#[derive(Debug, Clone)]
pub struct Grant {
    pub user: StubUser,
    pub client_id: String,
    pub redirect_uri: String,
    pub nonce: String,
    pub code_challenge: String,
}

/// What the provider serves and how it misbehaves; tests change it through [`OidcStub::set`].
#[derive(Debug)]
pub struct OidcState {
    /// The person signed in at the provider: the authorize endpoint sends them back at once.
    pub user: Option<StubUser>,
    /// Daemons the token endpoint knows.
    pub apps: Vec<StubApp>,
    /// Answer authorize with `error=access_denied` and this description.
    pub deny: Option<String>,
    /// Answer every code redemption with `invalid_grant`.
    pub fail_token_exchange: bool,
    /// Applied to every token the token endpoint signs.
    pub tamper: Tamper,
    /// scoregrc's API accepts v1 tokens (`accessTokenAcceptedVersion: 1`): client credentials get v1 tokens.
    pub v1_access_tokens: bool,
    /// Query of each authorize request.
    pub authorizations: Vec<HashMap<String, String>>,
    /// Form of each token request (client authentication included, as sent).
    pub token_requests: Vec<HashMap<String, String>>,
    /// Codes redeemed successfully.
    pub redeemed: u32,
    pub discovery_requests: u32,
    pub jwks_requests: u32,
    pub(crate) codes: HashMap<String, Grant>,
    pub(crate) published: Vec<Arc<StubKey>>,
    pub(crate) current: Arc<StubKey>,
    next_slot: usize,
}

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
fn pooled_key(slot: usize) -> Arc<StubKey> {
    static POOL: OnceLock<Mutex<Vec<Arc<StubKey>>>> = OnceLock::new();
    let mut pool = POOL.get_or_init(Mutex::default).lock().unwrap();
    while pool.len() <= slot {
        pool.push(Arc::new(StubKey::generate()));
    }
    pool[slot].clone()
}

/// The provider's shared parts, reachable from its endpoints.
pub struct Provider {
    pub url: String,
    pub clock: Arc<dyn Clock>,
    pub state: Mutex<OidcState>,
}

/// The running stub.
pub struct OidcStub {
    pub url: String,
    pub provider: Arc<Provider>,
}

impl OidcStub {
    /// Starts the provider on a random port, its time read from `clock` (pass the app's `ManualClock`).
    pub async fn start(clock: Arc<dyn Clock>) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let first = pooled_key(1);
        let state = OidcState {
            user: None,
            apps: Vec::new(),
            deny: None,
            fail_token_exchange: false,
            tamper: Tamper::None,
            v1_access_tokens: false,
            authorizations: Vec::new(),
            token_requests: Vec::new(),
            redeemed: 0,
            discovery_requests: 0,
            jwks_requests: 0,
            codes: HashMap::new(),
            published: vec![first.clone()],
            current: first,
            next_slot: 2,
        };
        let provider = Arc::new(Provider { url: url.clone(), clock, state: Mutex::new(state) });
        super::oidc_stub_endpoints::serve(provider.clone(), listener);
        OidcStub { url, provider }
    }

    /// What to configure as the issuer: Entra's multi-tenant (`organizations`) v2 authority.
    pub fn issuer(&self) -> String {
        format!("{}/organizations/v2.0", self.url)
    }

    /// The issuer of v2 tokens for people and apps of `tid`.
    pub fn issuer_for(&self, tid: &str) -> String {
        self.provider.issuer_for(tid)
    }

    /// The issuer template discovery answers, as external identities record it.
    pub fn issuer_template(&self) -> String {
        format!("{}/{{tenantid}}/v2.0", self.url)
    }

    /// The token endpoint (for daemons asking for client-credentials tokens).
    pub fn token_endpoint(&self) -> String {
        format!("{}/organizations/oauth2/v2.0/token", self.url)
    }

    /// Changes what the provider serves or how it behaves.
    pub fn set(&self, change: impl FnOnce(&mut OidcState)) {
        change(&mut self.provider.state.lock().unwrap());
    }

    /// Reads the provider's state.
    pub fn get<T>(&self, read: impl FnOnce(&OidcState) -> T) -> T {
        read(&self.provider.state.lock().unwrap())
    }

    /// Makes `user` the person signed in at the provider.
    pub fn sign_in_as(&self, user: &StubUser) {
        self.set(|s| s.user = Some(user.clone()));
    }

    /// Registers a daemon with the token endpoint.
    pub fn register_app(&self, app: &StubApp) {
        self.set(|s| s.apps.push(app.clone()));
    }

    /// Starts signing with a new key and publishes it; with `drop_old` the JWKS no longer holds the old ones.
    /// Answers the new `kid`.
    pub fn rotate_keys(&self, drop_old: bool) -> String {
        self.set(|s| {
            let key = pooled_key(s.next_slot);
            s.next_slot += 1;
            if drop_old {
                s.published.clear();
            }
            s.published.push(key.clone());
            s.current = key;
        });
        self.current_kid()
    }

    /// The `kid` new tokens are signed under.
    pub fn current_kid(&self) -> String {
        self.get(|s| s.current.kid.clone())
    }

    pub fn jwks_requests(&self) -> u32 {
        self.get(|s| s.jwks_requests)
    }

    /// The nonce of the latest authorize request.
    pub fn last_nonce(&self) -> String {
        self.get(|s| s.authorizations.last().and_then(|a| a.get("nonce").cloned()).unwrap_or_default())
    }

    /// An ID token for `user` as the token endpoint would answer it for a sign-in with `nonce`.
    pub fn id_token(&self, user: &StubUser, nonce: &str, tamper: &Tamper) -> String {
        self.provider.id_token(user, nonce, tamper)
    }

    /// A v2 access token for scoregrc's API from the client-credentials grant of `app`.
    pub fn app_token(&self, app: &StubApp, tamper: &Tamper) -> String {
        self.provider.app_token(app, false, tamper)
    }

    /// The same as a v1 token (`iss` `https://sts.windows.net/{tid}/`, `aud` the application ID URI).
    pub fn app_token_v1(&self, app: &StubApp, tamper: &Tamper) -> String {
        self.provider.app_token(app, true, tamper)
    }

    /// A v2 access token for scoregrc's API issued to a client acting for `user` (delegated: it has `scp`).
    pub fn delegated_token(&self, user: &StubUser, tamper: &Tamper) -> String {
        let mut claims = self.provider.common_claims(&user.tid, CLIENT_ID, tamper);
        let extra = json!({"azp": uuid::Uuid::new_v4().to_string(), "azpacr": "0", "name": user.name,
            "oid": user.oid, "preferred_username": user.preferred_username, "roles": user.roles,
            "scp": "Scoregrc.Read", "sub": pairwise(&user.oid), "ver": "2.0"});
        merge(&mut claims, &extra);
        self.provider.sign(claims, tamper, false)
    }
}

impl Provider {
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
