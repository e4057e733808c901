//! The platform's sign-in policy: whether admins must use a second factor.

use serde::{Deserialize, Serialize};

use super::role::Role;

/// How local accounts must sign in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SignInPolicy {
    /// When true, an admin without two-step sign-in gets a session that may only turn it on.
    pub require_second_factor_for_admins: bool,
}

impl SignInPolicy {
    /// Whether an account with `role` that has no second factor must enrol one before doing anything else.
    pub fn must_enrol(self, role: Role, has_second_factor: bool) -> bool {
        self.require_second_factor_for_admins && role == Role::Admin && !has_second_factor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_without_a_second_factor_must_enrol_and_only_under_the_policy() {
        let on = SignInPolicy { require_second_factor_for_admins: true };
        assert!(on.must_enrol(Role::Admin, false));
        assert!(!on.must_enrol(Role::Admin, true));
        assert!(!on.must_enrol(Role::Ciso, false));
        assert!(!SignInPolicy::default().must_enrol(Role::Admin, false));
    }
}
