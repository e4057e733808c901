//! Rules for accounts and names: what a valid username, password or display name is.

use super::ValidationError;

/// A login name: 3–64 characters of `a-z 0-9 . _ - @`, stored lower-case so `Alice` and `alice` are one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Parses and normalises a login name.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let name = raw.trim().to_lowercase();
        let fits = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
        if !(3..=64).contains(&name.chars().count()) {
            return Err(ValidationError::field("username", "must be 3 to 64 characters long"));
        }
        if !name.chars().all(fits) {
            return Err(ValidationError::field("username", "may hold only letters, digits and . _ - @"));
        }
        Ok(Self(name))
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Shortest password accepted. Length beats composition rules (NIST SP 800-63B).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted; bounds the hashing work one request can cause.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Checks a new password against the policy; `field` names where it came from.
pub fn check_new_password(field: &str, password: &str, username: &str) -> Result<(), ValidationError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(ValidationError::field(field, format!("must be at least {MIN_PASSWORD_CHARS} characters long")));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(ValidationError::field(field, format!("must be at most {MAX_PASSWORD_CHARS} characters long")));
    }
    if password.to_lowercase().contains(&username.to_lowercase()) {
        return Err(ValidationError::field(field, "must not contain the username"));
    }
    if let Some(weakness) = super::password_policy::weakness(password) {
        return Err(ValidationError::field(field, format!("{}; choose another", weakness.message())));
    }
    Ok(())
}

/// Trims a free-text name (display name, tenant name, token name) and checks it is 1–`max` characters.
pub fn check_name(field: &str, raw: &str, max: usize) -> Result<String, ValidationError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(ValidationError::field(field, "must not be empty"));
    }
    if name.chars().count() > max {
        return Err(ValidationError::field(field, format!("must be at most {max} characters long")));
    }
    if name.chars().any(char::is_control) {
        return Err(ValidationError::field(field, "must not contain control characters"));
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_and_lower_cased() {
        assert_eq!(Username::parse("  Alice.Smith@Contoso ").map(|u| u.0), Ok("alice.smith@contoso".into()));
    }

    #[test]
    fn usernames_refuse_spaces_and_bad_lengths() {
        assert!(Username::parse("al").is_err());
        assert!(Username::parse("has space").is_err());
        assert!(Username::parse(&"a".repeat(65)).is_err());
        assert!(Username::parse("<script>").is_err());
    }

    #[test]
    fn passwords_need_twelve_characters_and_not_the_username() {
        assert!(check_new_password("password", "short", "bob").is_err());
        assert!(check_new_password("password", "bob-is-my-password", "bob").is_err());
        assert!(check_new_password("password", "correct horse battery", "bob").is_ok());
        assert!(check_new_password("password", &"x".repeat(257), "bob").is_err());
    }

    #[test]
    fn password_errors_name_the_field_they_came_from() {
        let err = check_new_password("new_password", "short", "bob").err();
        assert_eq!(err.map(|e| e.errors[0].field.clone()), Some("new_password".into()));
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(check_name("name", "  Contoso  ", 200), Ok("Contoso".into()));
        assert!(check_name("name", "   ", 200).is_err());
        assert!(check_name("name", &"x".repeat(201), 200).is_err());
        assert!(check_name("name", "tab\there", 200).is_err());
    }
}
