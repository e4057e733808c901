//! Single sign-on with an OpenID Connect provider (Entra ID first): what an admin configures, how a token's
//! claims map to a scoregrc role and tenants, how the token's issuer is matched, and why a sign-in is refused.
//! Pure rules: fetching discovery documents and keys, and checking signatures, happen in `auth::oidc`.

mod mapping;
mod refusal;
mod settings;

pub use mapping::{Grant, TokenClaims, map_claims};
pub use refusal::Refusal;
pub use settings::{ClaimKind, MappingRule, SsoSettings};

/// The issuer a token from directory `tid` must carry: the discovery document's issuer with Entra's `{tenantid}`
/// placeholder (a multi-tenant `organizations` or `common` endpoint publishes it) replaced by the token's `tid`.
/// A single-tenant issuer has no placeholder and is matched as it is.
pub fn expected_issuer(template: &str, tid: &str) -> String {
    template.replace("{tenantid}", tid)
}

/// The issuer of Entra's v1 access tokens for directory `tid`.
pub fn v1_issuer(tid: &str) -> String {
    format!("https://sts.windows.net/{tid}/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tenant_placeholder_is_replaced_by_the_tokens_tid() {
        let template = "https://login.microsoftonline.com/{tenantid}/v2.0";
        let tid = "72f988bf-86f1-41af-91ab-2d7cd011db47";
        assert_eq!(expected_issuer(template, tid), format!("https://login.microsoftonline.com/{tid}/v2.0"));
    }

    #[test]
    fn a_single_tenant_issuer_is_matched_as_it_is() {
        let issuer = "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0";
        assert_eq!(expected_issuer(issuer, "another-tid"), issuer);
    }

    #[test]
    fn v1_tokens_come_from_sts() {
        assert_eq!(v1_issuer("abc"), "https://sts.windows.net/abc/");
    }
}
