//! The shipped title catalog, loaded from the real seed file.

use readers::title::{Catalog, match_key};

const CATALOG: &[u8] = include_bytes!("../../../seed-mappings/secure-score-titles.csv");

fn catalog() -> Catalog {
    Catalog::from_csv(CATALOG).unwrap()
}

#[test]
fn the_seed_file_loads_with_every_language() {
    let catalog = catalog();
    assert!(catalog.entries().len() >= 290, "{}", catalog.entries().len());
    for language in ["en", "de", "fr"] {
        assert!(catalog.entries().iter().any(|entry| entry.language == language), "{language}");
    }
    assert!(catalog.entries().iter().all(|entry| !entry.source.is_empty()));
    assert!(catalog.entries().iter().all(|entry| entry.title == entry.title.trim()), "titles are trimmed");
}

#[test]
fn current_and_legacy_titles_find_their_control() {
    let catalog = catalog();
    assert_eq!(
        catalog.control_id("Ensure multifactor authentication is enabled for all users in administrative roles"),
        Some("AdminMFAV2")
    );
    assert_eq!(
        catalog.control_id("Require multifactor authentication (MFA) for administrative roles"),
        Some("AdminMFAV2")
    );
    assert_eq!(catalog.control_id("Enable MFA for all global admins"), Some("AdminMFA"));
    assert_eq!(catalog.control_id("Apply Data Loss Prevention policies"), Some("DLPEnabled"));
    assert_eq!(catalog.control_id("Enable Data Loss Prevention policies"), Some("DLPEnabled"));
}

#[test]
fn portal_spelling_differences_still_match() {
    let catalog = catalog();
    assert_eq!(
        catalog.control_id("Remove non-admin accounts with DCSync permissions"),
        Some("AATP_NonAdminDCSyncAccounts")
    );
    assert_eq!(
        catalog.control_id("Don’t add allowed IP addresses in the connection filter policy."),
        Some("mdo_connectionfilter")
    );
    assert_eq!(catalog.control_id("ENSURE THE ADMIN CONSENT WORKFLOW IS ENABLED"), Some("aad_admin_consent_workflow"));
}

#[test]
fn german_and_french_titles_find_their_control() {
    let catalog = catalog();
    assert_eq!(
        catalog.control_id(
            "Stellen Sie sicher, dass „Phishing-resistente MFA-Stärke“ für Administratoren erforderlich ist"
        ),
        Some("aad_phishing_MFA_strength")
    );
    assert_eq!(
        catalog.control_id("Vérifiez que les applications et services appartenant à l'utilisateur sont limités."),
        Some("admincenter_owned_apps_and_services")
    );
}

#[test]
fn titles_shared_by_several_controls_match_none() {
    let catalog = catalog();
    assert_eq!(catalog.control_id("Enable multi-factor authentication (MFA)"), None);
    assert_eq!(catalog.control_id("Enable session timeout for web users"), None);
    assert_eq!(catalog.control_id("Review signs-ins after multiple failures report weekly"), None);
}

#[test]
fn every_unambiguous_title_maps_back_to_its_own_control() {
    let catalog = catalog();
    for entry in catalog.entries() {
        if let Some(id) = catalog.control_id(&entry.title) {
            assert_eq!(id, entry.control_id, "{}", entry.title);
        }
    }
    assert!(!match_key("Enable self-service password reset").is_empty());
}
