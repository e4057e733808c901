//! The claims scoregrc reads from a provider's ID and access tokens, and the checks on them that come after the
//! signature: issuer, audience, time, nonce and directory. Pure, so every refusal has a unit test.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::domain::sso::{Refusal, TokenClaims, expected_issuer, v1_issuer};

/// Clock skew tolerated between the provider and this service on `exp` and `nbf`.
pub const LEEWAY_SECONDS: i64 = 60;

/// A provider token's claims, as far as scoregrc reads them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProviderClaims {
    pub iss: Option<String>,
    /// A string or an array of strings.
    pub aud: Option<serde_json::Value>,
    pub exp: Option<f64>,
    pub nbf: Option<f64>,
    pub nonce: Option<String>,
    /// The directory (Entra tenant) id.
    pub tid: Option<String>,
    /// The object id of the person or application in that directory.
    pub oid: Option<String>,
    pub name: Option<String>,
    pub preferred_username: Option<String>,
    pub upn: Option<String>,
    pub email: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub groups: Vec<String>,
    /// Where the groups went when there were too many to list (Entra's overage indication).
    #[serde(rename = "_claim_names")]
    pub claim_names: Option<serde_json::Value>,
    /// Entra's overage indication in implicit-flow tokens.
    pub hasgroups: Option<bool>,
    /// Delegated permissions: present when the token stands for a person.
    pub scp: Option<String>,
    /// The calling application (v2 access tokens).
    pub azp: Option<String>,
    /// The calling application (v1 access tokens).
    pub appid: Option<String>,
}

impl ProviderClaims {
    /// The claims mapping reads.
    pub fn for_mapping(&self) -> TokenClaims {
        let overage = self.hasgroups == Some(true)
            || self.claim_names.as_ref().is_some_and(|names| names.get("groups").is_some());
        TokenClaims { roles: self.roles.clone(), groups: self.groups.clone(), groups_overage: overage }
    }

    /// The first name the provider offers for a new account's username.
    pub fn username_hint(&self) -> Option<String> {
        [&self.preferred_username, &self.upn, &self.email].into_iter().flatten().find(|s| !s.trim().is_empty()).cloned()
    }

    fn audiences(&self) -> Vec<&str> {
        match &self.aud {
            Some(serde_json::Value::String(one)) => vec![one.as_str()],
            Some(serde_json::Value::Array(many)) => many.iter().filter_map(|v| v.as_str()).collect(),
            _ => Vec::new(),
        }
    }
}

/// What a token must say to be accepted.
#[derive(Debug, Clone)]
pub struct Expectation<'a> {
    /// The discovery document's issuer (Entra's `{tenantid}` placeholder as is).
    pub issuer_template: &'a str,
    /// The audience of tokens in the provider's own (v2) format: the client id.
    pub audience: &'a str,
    /// Also accept v1 access tokens, whose audience is this (the application ID URI).
    pub v1_audience: Option<&'a str>,
    /// The nonce an ID token must carry; `None` for access tokens, which carry none.
    pub nonce: Option<&'a str>,
    pub allowed_tenant_ids: &'a [String],
}

/// Checks the claims of a token whose signature verified, in the order a person can act on: who issued it, for
/// whom, when, for which sign-in, from which directory. Answers the directory and object ids.
pub fn check(
    claims: &ProviderClaims,
    expect: &Expectation<'_>,
    now: DateTime<Utc>,
) -> Result<(String, String), Refusal> {
    let tid = claims.tid.clone().filter(|t| !t.is_empty()).ok_or(Refusal::MissingClaim)?;
    let iss = claims.iss.as_deref().ok_or(Refusal::WrongIssuer)?;
    let audience = if iss == expected_issuer(expect.issuer_template, &tid) {
        expect.audience
    } else if iss == v1_issuer(&tid) {
        expect.v1_audience.ok_or(Refusal::TokenFormatNotAccepted)?
    } else {
        return Err(Refusal::WrongIssuer);
    };
    if !claims.audiences().contains(&audience) {
        return Err(Refusal::WrongAudience);
    }
    let now = now.timestamp();
    let exp = claims.exp.ok_or(Refusal::Expired)?;
    if exp.floor() as i64 + LEEWAY_SECONDS <= now {
        return Err(Refusal::Expired);
    }
    if claims.nbf.is_some_and(|nbf| nbf.floor() as i64 - LEEWAY_SECONDS > now) {
        return Err(Refusal::NotYetValid);
    }
    if let Some(nonce) = expect.nonce
        && claims.nonce.as_deref() != Some(nonce)
    {
        return Err(Refusal::NonceMismatch);
    }
    if !expect.allowed_tenant_ids.iter().any(|allowed| allowed.eq_ignore_ascii_case(&tid)) {
        return Err(Refusal::TenantNotAllowed);
    }
    let oid = claims.oid.clone().filter(|o| !o.is_empty()).ok_or(Refusal::MissingClaim)?;
    Ok((tid.to_lowercase(), oid))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    const TEMPLATE: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";
    const TID: &str = "aaaaaaaa-1111-2222-3333-bbbbbbbbbbbb";

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).single().unwrap_or_default()
    }

    fn allowed() -> Vec<String> {
        vec![TID.to_owned()]
    }

    fn id_token(changes: serde_json::Value) -> ProviderClaims {
        let mut claims = json!({
            "iss": format!("https://login.microsoftonline.com/{TID}/v2.0"),
            "aud": "client-1",
            "exp": now().timestamp() + 3600,
            "nbf": now().timestamp() - 10,
            "nonce": "n-1",
            "tid": TID,
            "oid": "oid-1",
        });
        if let (Some(base), Some(more)) = (claims.as_object_mut(), changes.as_object()) {
            for (k, v) in more {
                base.insert(k.clone(), v.clone());
            }
        }
        serde_json::from_value(claims).unwrap_or_default()
    }

    fn check_id(claims: &ProviderClaims) -> Result<(String, String), Refusal> {
        let tenants = allowed();
        let expect = Expectation {
            issuer_template: TEMPLATE,
            audience: "client-1",
            v1_audience: None,
            nonce: Some("n-1"),
            allowed_tenant_ids: &tenants,
        };
        check(claims, &expect, now())
    }

    #[test]
    fn a_right_token_gives_its_directory_and_object_id() {
        assert_eq!(check_id(&id_token(json!({}))), Ok((TID.to_owned(), "oid-1".to_owned())));
    }

    #[test]
    fn each_wrong_claim_is_refused_for_its_own_reason() {
        let cases = [
            (json!({"iss": "https://login.microsoftonline.com/other/v2.0"}), Refusal::WrongIssuer),
            (json!({"iss": "https://evil.example/aaaaaaaa-1111-2222-3333-bbbbbbbbbbbb/v2.0"}), Refusal::WrongIssuer),
            (json!({"aud": "another-app"}), Refusal::WrongAudience),
            (json!({"aud": ["x", "y"]}), Refusal::WrongAudience),
            (json!({"exp": now().timestamp() - 61}), Refusal::Expired),
            (json!({"nbf": now().timestamp() + 61}), Refusal::NotYetValid),
            (json!({"nonce": "n-0"}), Refusal::NonceMismatch),
            (json!({"oid": ""}), Refusal::MissingClaim),
        ];
        for (changes, refusal) in cases {
            assert_eq!(check_id(&id_token(changes.clone())), Err(refusal), "{changes}");
        }
        let mut no_nonce = id_token(json!({}));
        no_nonce.nonce = None;
        assert_eq!(check_id(&no_nonce), Err(Refusal::NonceMismatch));
        let mut no_exp = id_token(json!({}));
        no_exp.exp = None;
        assert_eq!(check_id(&no_exp), Err(Refusal::Expired));
    }

    #[test]
    fn an_audience_array_holding_the_client_id_is_accepted() {
        assert!(check_id(&id_token(json!({"aud": ["other", "client-1"]}))).is_ok());
    }

    #[test]
    fn clock_skew_within_the_leeway_is_tolerated() {
        assert!(check_id(&id_token(json!({"exp": now().timestamp() - 30, "nbf": now().timestamp() + 30}))).is_ok());
    }

    #[test]
    fn a_directory_not_allowed_is_refused_even_with_its_own_issuer() {
        let other = "cccccccc-1111-2222-3333-dddddddddddd";
        let claims = id_token(json!({"tid": other, "iss": format!("https://login.microsoftonline.com/{other}/v2.0")}));
        assert_eq!(check_id(&claims), Err(Refusal::TenantNotAllowed));
    }

    #[test]
    fn v1_tokens_are_accepted_only_when_configured_and_for_the_app_id_uri() {
        let tenants = allowed();
        let v1 = id_token(json!({"iss": format!("https://sts.windows.net/{TID}/"), "aud": "api://scoregrc"}));
        let mut expect = Expectation {
            issuer_template: TEMPLATE,
            audience: "client-1",
            v1_audience: None,
            nonce: None,
            allowed_tenant_ids: &tenants,
        };
        assert_eq!(check(&v1, &expect, now()), Err(Refusal::TokenFormatNotAccepted));
        expect.v1_audience = Some("api://scoregrc");
        assert!(check(&v1, &expect, now()).is_ok());
        let for_client = id_token(json!({"iss": format!("https://sts.windows.net/{TID}/")}));
        assert_eq!(check(&for_client, &expect, now()), Err(Refusal::WrongAudience));
    }

    #[test]
    fn overage_is_read_from_either_indication() {
        assert!(id_token(json!({"_claim_names": {"groups": "src1"}})).for_mapping().groups_overage);
        assert!(id_token(json!({"hasgroups": true})).for_mapping().groups_overage);
        assert!(!id_token(json!({"groups": ["g"]})).for_mapping().groups_overage);
    }

    #[test]
    fn the_username_hint_prefers_preferred_username() {
        let claims = id_token(json!({"preferred_username": "ada@contoso.com", "email": "x@y"}));
        assert_eq!(claims.username_hint().as_deref(), Some("ada@contoso.com"));
        assert_eq!(id_token(json!({"upn": "u@c"})).username_hint().as_deref(), Some("u@c"));
    }
}
