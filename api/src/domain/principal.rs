//! Who is calling: a person or a service token, its role, and which tenants it may see.

use serde::Serialize;
use std::collections::BTreeSet;

use super::audit::{Actor, ActorKind};
use super::ids::TenantId;
use super::role::Role;

/// Which tenants a principal may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantScope {
    /// Every tenant (admins).
    All,
    /// Only these (members, and service tokens with explicit tenants).
    Only(BTreeSet<TenantId>),
}

impl TenantScope {
    /// Whether `tenant` is visible.
    pub fn includes(&self, tenant: TenantId) -> bool {
        match self {
            TenantScope::All => true,
            TenantScope::Only(ids) => ids.contains(&tenant),
        }
    }
}

/// A person or a service token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    User,
    ServiceToken,
    /// An application signed in with an access token from the single sign-on provider.
    Application,
}

/// An authenticated caller, as read from the database for this request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub kind: PrincipalKind,
    /// The user's or token's id.
    pub id: uuid::Uuid,
    /// Username or token name.
    pub name: String,
    pub role: Role,
    pub tenants: TenantScope,
    /// A user whose password was reset must set a new one before doing anything else.
    pub must_change_password: bool,
    /// An admin without a second factor, while the sign-in policy requires one, may only enrol one.
    pub must_enrol_second_factor: bool,
}

impl Principal {
    /// Builds a principal, widening the scope to every tenant for admins.
    pub fn new(kind: PrincipalKind, id: uuid::Uuid, name: String, role: Role, members_of: BTreeSet<TenantId>) -> Self {
        let tenants = if role.sees_every_tenant() { TenantScope::All } else { TenantScope::Only(members_of) };
        Self { kind, id, name, role, tenants, must_change_password: false, must_enrol_second_factor: false }
    }

    /// How the audit trail records this principal.
    pub fn actor(&self) -> Actor {
        let kind = match self.kind {
            PrincipalKind::User => ActorKind::User,
            PrincipalKind::ServiceToken => ActorKind::ServiceToken,
            PrincipalKind::Application => ActorKind::Application,
        };
        Actor { kind, id: Some(self.id.to_string()), name: self.name.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_see_every_tenant_whatever_their_memberships() {
        let p = Principal::new(PrincipalKind::User, uuid::Uuid::nil(), "root".into(), Role::Admin, BTreeSet::new());
        assert!(p.tenants.includes(TenantId::new()));
    }

    #[test]
    fn members_see_only_their_tenants() {
        let a = TenantId::new();
        let b = TenantId::new();
        let p = Principal::new(PrincipalKind::User, uuid::Uuid::nil(), "eve".into(), Role::Engineer, [a].into());
        assert!(p.tenants.includes(a));
        assert!(!p.tenants.includes(b));
    }

    #[test]
    fn the_audit_actor_names_the_principal() {
        let p = Principal::new(
            PrincipalKind::ServiceToken,
            uuid::Uuid::nil(),
            "nightly".into(),
            Role::Engineer,
            BTreeSet::new(),
        );
        let actor = p.actor();
        assert_eq!(actor.kind, ActorKind::ServiceToken);
        assert_eq!(actor.name, "nightly");
    }
}
