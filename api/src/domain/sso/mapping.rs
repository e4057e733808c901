//! From a token's `roles` and `groups` claims to a scoregrc role and tenant memberships.

use std::collections::BTreeSet;

use super::refusal::Refusal;
use super::settings::{ClaimKind, MappingRule};
use crate::domain::ids::TenantId;
use crate::domain::role::Role;

/// The claims of a token that mapping reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenClaims {
    /// The `roles` claim: app roles assigned to the person or application.
    pub roles: Vec<String>,
    /// The `groups` claim: group object ids.
    pub groups: Vec<String>,
    /// The token says the person is in more groups than it lists (`_claim_names.groups` or `hasgroups`).
    pub groups_overage: bool,
}

/// What the mapping grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub tenant_ids: BTreeSet<TenantId>,
}

/// Maps `claims` through `rules`. App-role rules are preferred: when any matches, group rules are not read,
/// because an app role is an explicit assignment to scoregrc while a group may mean anything. Several matching
/// rules give the most powerful of their roles and every tenant they name. A groups overage with no app role is
/// refused (the groups the token leaves out might be the ones that map), and so is a token nothing maps.
pub fn map_claims(rules: &[MappingRule], claims: &TokenClaims) -> Result<Grant, Refusal> {
    let matching = |kind: ClaimKind, values: &[String]| -> Vec<&MappingRule> {
        rules.iter().filter(|r| r.claim == kind && values.iter().any(|v| v == &r.value)).collect()
    };
    let mut matched = matching(ClaimKind::Role, &claims.roles);
    if matched.is_empty() {
        if claims.groups_overage {
            return Err(Refusal::GroupsOverage);
        }
        matched = matching(ClaimKind::Group, &claims.groups);
    }
    let power = |role: Role| Role::ALL.iter().position(|r| *r == role).unwrap_or(Role::ALL.len());
    let role = matched.iter().map(|r| r.role).min_by_key(|role| power(*role)).ok_or(Refusal::NoMapping)?;
    let tenant_ids = matched.iter().flat_map(|r| r.tenant_ids.iter().copied()).collect();
    Ok(Grant { role, tenant_ids })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(claim: ClaimKind, value: &str, role: Role, tenants: &[TenantId]) -> MappingRule {
        MappingRule { claim, value: value.into(), role, tenant_ids: tenants.to_vec() }
    }

    fn claims(roles: &[&str], groups: &[&str], overage: bool) -> TokenClaims {
        TokenClaims {
            roles: roles.iter().map(|s| s.to_string()).collect(),
            groups: groups.iter().map(|s| s.to_string()).collect(),
            groups_overage: overage,
        }
    }

    #[test]
    fn an_app_role_maps_to_its_role_and_tenants() {
        let contoso = TenantId::new();
        let rules = [rule(ClaimKind::Role, "Scoregrc.Engineer", Role::Engineer, &[contoso])];
        let grant = map_claims(&rules, &claims(&["Scoregrc.Engineer"], &[], false));
        assert_eq!(grant, Ok(Grant { role: Role::Engineer, tenant_ids: [contoso].into() }));
    }

    #[test]
    fn app_roles_are_preferred_over_groups() {
        let (a, b) = (TenantId::new(), TenantId::new());
        let rules = [
            rule(ClaimKind::Group, "g-admins", Role::Admin, &[]),
            rule(ClaimKind::Role, "Scoregrc.Auditor", Role::Auditor, &[a]),
            rule(ClaimKind::Group, "g-ciso", Role::Ciso, &[b]),
        ];
        let grant = map_claims(&rules, &claims(&["Scoregrc.Auditor"], &["g-admins", "g-ciso"], false));
        assert_eq!(grant, Ok(Grant { role: Role::Auditor, tenant_ids: [a].into() }));
    }

    #[test]
    fn groups_map_when_no_app_role_does() {
        let b = TenantId::new();
        let rules = [rule(ClaimKind::Role, "Other", Role::Admin, &[]), rule(ClaimKind::Group, "g1", Role::Ciso, &[b])];
        let grant = map_claims(&rules, &claims(&["Unrelated"], &["g1"], false));
        assert_eq!(grant, Ok(Grant { role: Role::Ciso, tenant_ids: [b].into() }));
    }

    #[test]
    fn several_matches_give_the_most_powerful_role_and_every_tenant() {
        let (a, b) = (TenantId::new(), TenantId::new());
        let rules = [
            rule(ClaimKind::Group, "g-eng", Role::Engineer, &[a]),
            rule(ClaimKind::Group, "g-itm", Role::ItManager, &[b]),
            rule(ClaimKind::Group, "g-aud", Role::Auditor, &[a]),
        ];
        let grant = map_claims(&rules, &claims(&[], &["g-aud", "g-eng", "g-itm"], false));
        assert_eq!(grant, Ok(Grant { role: Role::ItManager, tenant_ids: [a, b].into() }));
    }

    #[test]
    fn an_overage_without_an_app_role_is_refused_even_when_a_listed_group_maps() {
        let rules = [rule(ClaimKind::Group, "g1", Role::Engineer, &[])];
        assert_eq!(map_claims(&rules, &claims(&[], &["g1"], true)), Err(Refusal::GroupsOverage));
    }

    #[test]
    fn an_overage_with_a_mapped_app_role_signs_in() {
        let rules = [rule(ClaimKind::Role, "Scoregrc.Ciso", Role::Ciso, &[])];
        let grant = map_claims(&rules, &claims(&["Scoregrc.Ciso"], &[], true));
        assert_eq!(grant.map(|g| g.role), Ok(Role::Ciso));
    }

    #[test]
    fn nothing_mapped_is_refused() {
        let rules = [rule(ClaimKind::Group, "g1", Role::Engineer, &[])];
        assert_eq!(map_claims(&rules, &claims(&["x"], &["g2"], false)), Err(Refusal::NoMapping));
        assert_eq!(map_claims(&[], &claims(&[], &[], false)), Err(Refusal::NoMapping));
    }

    #[test]
    fn values_match_exactly_not_by_case_or_prefix() {
        let rules = [rule(ClaimKind::Role, "Scoregrc.Admin", Role::Admin, &[])];
        assert_eq!(map_claims(&rules, &claims(&["scoregrc.admin"], &[], false)), Err(Refusal::NoMapping));
        assert_eq!(map_claims(&rules, &claims(&["Scoregrc.Admin2"], &[], false)), Err(Refusal::NoMapping));
    }

    #[test]
    fn a_role_value_does_not_match_a_group_rule() {
        let rules = [rule(ClaimKind::Group, "Scoregrc.Admin", Role::Admin, &[])];
        assert_eq!(map_claims(&rules, &claims(&["Scoregrc.Admin"], &[], false)), Err(Refusal::NoMapping));
    }
}
