//! A local OpenID Connect provider standing in for Microsoft Entra ID (v2 endpoints, multi-tenant
//! `organizations` metadata): discovery, JWKS, authorize and token endpoints (in `oidc_stub_endpoints`), RS256
//! tokens with Entra's claims (in `oidc_stub_tokens`), and a switch for every way a token can be wrong. Its time
//! is the app's clock, so a test expires a token by moving that clock, never by sleeping.

pub use super::oidc_stub_tokens::StubKey;
use super::oidc_stub_tokens::pooled_key;
use scoregrc::clock::Clock;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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
        self.provider.delegated_token(user, tamper)
    }
}
