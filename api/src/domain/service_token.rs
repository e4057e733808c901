//! Rules for service tokens: one non-admin role, and a lifetime that always ends.

use chrono::{DateTime, Duration, Utc};

use super::ValidationError;
use super::role::Role;

/// Service tokens carry one role, and never `admin`: automation must not administer the platform.
pub fn check_service_token_role(role: Role) -> Result<Role, ValidationError> {
    if role == Role::Admin {
        return Err(ValidationError::field("role", "a service token cannot have the admin role"));
    }
    Ok(role)
}

/// A service token's lifetime when none is asked for.
pub const DEFAULT_TOKEN_DAYS: i64 = 90;
/// The longest lifetime a service token may have: every token expires.
pub const MAX_TOKEN_DAYS: i64 = 365;

/// When a service token issued `now` for `days` days (default 90, 1–365) expires.
pub fn service_token_expiry(now: DateTime<Utc>, days: Option<i64>) -> Result<DateTime<Utc>, ValidationError> {
    let days = days.unwrap_or(DEFAULT_TOKEN_DAYS);
    if !(1..=MAX_TOKEN_DAYS).contains(&days) {
        return Err(ValidationError::field("expires_in_days", format!("must be between 1 and {MAX_TOKEN_DAYS} days")));
    }
    Ok(now + Duration::days(days))
}

/// Parses a CLI lifetime such as `90d`, `12w` or `30` (days).
pub fn parse_lifetime_days(raw: &str) -> Result<i64, ValidationError> {
    let raw = raw.trim();
    let (number, unit) = match raw.char_indices().last() {
        Some((i, 'd')) => (&raw[..i], 1),
        Some((i, 'w')) => (&raw[..i], 7),
        _ => (raw, 1),
    };
    number
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .ok_or_else(|| ValidationError::field("expires-in", format!("`{raw}` is not a lifetime such as 90d or 12w")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn service_tokens_cannot_be_admin() {
        assert!(check_service_token_role(Role::Admin).is_err());
        assert_eq!(check_service_token_role(Role::Engineer), Ok(Role::Engineer));
    }

    #[test]
    fn token_expiry_defaults_to_ninety_days_and_caps_at_a_year() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).single().unwrap_or_default();
        assert_eq!(service_token_expiry(now, None), Ok(now + Duration::days(90)));
        assert_eq!(service_token_expiry(now, Some(365)), Ok(now + Duration::days(365)));
        assert!(service_token_expiry(now, Some(366)).is_err());
        assert!(service_token_expiry(now, Some(0)).is_err());
    }

    #[test]
    fn lifetimes_read_days_and_weeks() {
        assert_eq!(parse_lifetime_days("90d"), Ok(90));
        assert_eq!(parse_lifetime_days("12w"), Ok(84));
        assert_eq!(parse_lifetime_days("30"), Ok(30));
        assert!(parse_lifetime_days("soon").is_err());
    }
}
