//! Why a single sign-on was refused: one closed vocabulary for the page a person sees, the audit trail and the
//! log.

use serde::Serialize;

/// Why a sign-in (or an access token) from the provider was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// The provider answered with an error (the person cancelled, or the provider refused them).
    ProviderError,
    /// The `state` is missing, unknown, expired or was already used.
    UnknownState,
    /// The sign-in came back to a browser other than the one that started it (a forged or shared return link).
    BrowserMismatch,
    /// The provider's token endpoint did not give an ID token for the code.
    TokenExchangeFailed,
    /// The signature does not verify with any key the provider publishes.
    BadSignature,
    /// The token is for another application.
    WrongAudience,
    /// The token comes from another issuer.
    WrongIssuer,
    /// The token's `exp` has passed.
    Expired,
    /// The token's `nbf` has not come yet.
    NotYetValid,
    /// The ID token's `nonce` is not the one this sign-in sent: a token replayed from another sign-in.
    NonceMismatch,
    /// The person's directory (`tid`) is not one the admin allowed.
    TenantNotAllowed,
    /// A claim the sign-in needs (`tid`, `oid`) is missing.
    MissingClaim,
    /// The person is in too many groups for the token to list them, and no app role maps.
    GroupsOverage,
    /// No mapping rule matches the person's app roles or groups.
    NoMapping,
    /// The scoregrc account is disabled.
    AccountDisabled,
    /// The account is the last enabled admin, and the mapping would make it something else.
    LastAdmin,
    /// The token cannot be read as a JWT, or uses an algorithm not accepted.
    MalformedToken,
    /// An access token that stands for a person (delegated, with `scp`), not for an application.
    DelegatedToken,
    /// Access tokens are not accepted, or not in this (v1) format.
    TokenFormatNotAccepted,
    /// The mapping would make an application an admin: automation never administers the platform.
    AdminApplication,
}

impl Refusal {
    /// The reason's wire name (`groups_overage`).
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::ProviderError => "provider_error",
            Refusal::UnknownState => "unknown_state",
            Refusal::BrowserMismatch => "browser_mismatch",
            Refusal::TokenExchangeFailed => "token_exchange_failed",
            Refusal::BadSignature => "bad_signature",
            Refusal::WrongAudience => "wrong_audience",
            Refusal::WrongIssuer => "wrong_issuer",
            Refusal::Expired => "expired",
            Refusal::NotYetValid => "not_yet_valid",
            Refusal::NonceMismatch => "nonce_mismatch",
            Refusal::TenantNotAllowed => "tenant_not_allowed",
            Refusal::MissingClaim => "missing_claim",
            Refusal::GroupsOverage => "groups_overage",
            Refusal::NoMapping => "no_mapping",
            Refusal::AccountDisabled => "account_disabled",
            Refusal::LastAdmin => "last_admin",
            Refusal::MalformedToken => "malformed_token",
            Refusal::DelegatedToken => "delegated_token",
            Refusal::TokenFormatNotAccepted => "token_format_not_accepted",
            Refusal::AdminApplication => "admin_application",
        }
    }

    /// What the person sees, in words they can act on.
    pub fn explanation(self) -> &'static str {
        match self {
            Refusal::ProviderError => "Microsoft did not sign you in. Try again, or ask your administrator.",
            Refusal::UnknownState => {
                "This sign-in link has expired or was already used. Start again from the sign-in page."
            }
            Refusal::BrowserMismatch => {
                "This sign-in was started in another browser, or this browser did not keep its cookie. Start again \
                 from the sign-in page."
            }
            Refusal::TokenExchangeFailed => {
                "scoregrc could not complete the sign-in with the identity provider. Try again; if it keeps \
                 happening, ask your administrator to check the single sign-on settings."
            }
            Refusal::BadSignature
            | Refusal::WrongAudience
            | Refusal::WrongIssuer
            | Refusal::MalformedToken
            | Refusal::NonceMismatch => {
                "The identity provider's answer did not pass scoregrc's checks, so you were not signed in. Start \
                 again from the sign-in page."
            }
            Refusal::Expired | Refusal::NotYetValid => {
                "The identity provider's answer is not valid at this time. Check that your computer's clock is \
                 right and start again."
            }
            Refusal::TenantNotAllowed => {
                "Your organisation's directory is not allowed to sign in to this scoregrc. Ask your administrator."
            }
            Refusal::MissingClaim => "The identity provider did not say who you are. Ask your administrator.",
            Refusal::GroupsOverage => {
                "You are a member of too many groups for the sign-in token to list them, and no app role gives you \
                 access. Ask your administrator to assign you a scoregrc app role in Entra ID."
            }
            Refusal::NoMapping => {
                "You signed in, but none of your app roles or groups gives access to scoregrc. Ask your \
                 administrator to assign you a scoregrc role."
            }
            Refusal::AccountDisabled => "Your scoregrc account is disabled. Ask your administrator.",
            Refusal::LastAdmin => {
                "Your account is scoregrc's last admin, and your roles at the identity provider would make it \
                 something else. Sign in with your password, or make another account admin first."
            }
            Refusal::DelegatedToken | Refusal::TokenFormatNotAccepted | Refusal::AdminApplication => {
                "This token is not accepted by scoregrc."
            }
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_name_is_the_serialised_name() {
        for refusal in [Refusal::GroupsOverage, Refusal::NoMapping, Refusal::BadSignature, Refusal::UnknownState] {
            assert_eq!(serde_json::to_value(refusal).ok(), Some(serde_json::json!(refusal.as_str())));
        }
    }

    #[test]
    fn overage_and_no_mapping_tell_the_person_what_to_ask_for() {
        assert!(Refusal::GroupsOverage.explanation().contains("app role"));
        assert!(Refusal::NoMapping.explanation().contains("Ask your administrator"));
    }
}
