//! Roles and which of them may perform each kind of action (DESIGN.md, "Roles").

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use super::ValidationError;

/// What a person or service token may do. Closed vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the platform: tenants, users, tokens, settings. Sees every tenant.
    Admin,
    /// Approves risk acceptances and signs off the quarter.
    Ciso,
    /// Reviews proposals and owns the roadmap.
    ItManager,
    /// Imports, rates, maps and moves statuses.
    Engineer,
    /// Reads everything of the tenants they are a member of, changes nothing.
    Auditor,
}

impl Role {
    /// Every role, in descending order of power.
    pub const ALL: [Role; 5] = [Role::Admin, Role::Ciso, Role::ItManager, Role::Engineer, Role::Auditor];

    /// The role's wire name (`it_manager`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Ciso => "ciso",
            Role::ItManager => "it_manager",
            Role::Engineer => "engineer",
            Role::Auditor => "auditor",
        }
    }

    /// An admin sees every tenant; everybody else only the tenants they are a member of.
    pub fn sees_every_tenant(self) -> bool {
        self == Role::Admin
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| {
            ValidationError::field(
                "role",
                format!("`{s}` is not a role; use one of admin, ciso, it_manager, engineer, auditor"),
            )
        })
    }
}

/// A kind of action and the roles allowed to perform it; each route names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Any signed-in principal (own profile, own password, list own tenants).
    SignedIn,
    /// Read tenant data: every member.
    ReadTenant,
    /// Platform administration: tenants, users, memberships, service tokens, settings.
    Administer,
    /// Read exports and the audit log.
    ReadAudit,
    /// The team's daily work: import, rate, map, set status, roadmap edits.
    Operate,
    /// How the tenant prioritises: priority rules, audit scope, register policy, thresholds.
    Govern,
    /// Management sign-off on delivery: lock a roadmap baseline, approve change records.
    Approve,
    /// The CISO's own signature: sign off the board report.
    SignOff,
}

impl Permission {
    /// The roles allowed this kind of action.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Permission::SignedIn | Permission::ReadTenant => &Role::ALL,
            Permission::Administer => &[Role::Admin],
            Permission::ReadAudit => &[Role::Auditor, Role::Ciso, Role::Admin],
            Permission::Operate => &[Role::Engineer, Role::ItManager, Role::Ciso],
            Permission::Govern => &[Role::Ciso, Role::Admin],
            Permission::Approve => &[Role::ItManager, Role::Ciso],
            Permission::SignOff => &[Role::Ciso],
        }
    }

    /// Whether `role` may perform this kind of action.
    pub fn allows(self, role: Role) -> bool {
        self.roles().contains(&role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_wire_name() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(serde_json::to_value(role).ok(), Some(serde_json::json!(role.as_str())));
        }
    }

    #[test]
    fn unknown_role_names_the_field_and_the_choices() {
        let err = "root".parse::<Role>().err();
        let err = err.map(|e| e.errors[0].clone());
        assert_eq!(err.as_ref().map(|e| e.field.as_str()), Some("role"));
        assert!(err.is_some_and(|e| e.message.contains("it_manager")));
    }

    #[test]
    fn only_admin_sees_every_tenant() {
        assert!(Role::Admin.sees_every_tenant());
        for role in [Role::Ciso, Role::ItManager, Role::Engineer, Role::Auditor] {
            assert!(!role.sees_every_tenant());
        }
    }

    #[test]
    fn audit_log_is_for_auditor_ciso_and_admin_only() {
        assert!(Permission::ReadAudit.allows(Role::Auditor));
        assert!(Permission::ReadAudit.allows(Role::Ciso));
        assert!(Permission::ReadAudit.allows(Role::Admin));
        assert!(!Permission::ReadAudit.allows(Role::Engineer));
        assert!(!Permission::ReadAudit.allows(Role::ItManager));
    }

    #[test]
    fn the_teams_work_is_for_engineers_it_managers_and_cisos_not_admins_or_auditors() {
        assert_eq!(Permission::Operate.roles(), &[Role::Engineer, Role::ItManager, Role::Ciso]);
        assert!(!Permission::Operate.allows(Role::Admin));
        assert!(!Permission::Operate.allows(Role::Auditor));
    }

    #[test]
    fn administration_is_admin_only() {
        assert_eq!(Permission::Administer.roles(), &[Role::Admin]);
    }

    #[test]
    fn every_role_reads_tenant_data() {
        for role in Role::ALL {
            assert!(Permission::ReadTenant.allows(role));
        }
    }
}
