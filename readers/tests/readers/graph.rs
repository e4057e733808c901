//! Microsoft Graph payloads with the quirks of real captures (formats.md §1).

use readers::ReadErrorKind;
use readers::graph::{MsLevel, MsState, parse_error, parse_profiles_page, parse_scores_page, parse_token};

#[test]
fn a_profiles_page_with_next_link_and_real_quirks() {
    let page = parse_profiles_page(include_bytes!("../fixtures/graph-profiles-page.json")).unwrap();
    assert_eq!(
        page.next_link.as_deref(),
        Some(
            "https://graph.microsoft.com/v1.0/security/secureScoreControlProfiles?$skiptoken=6f1c0f9e-3c2b-4e6a-9d0b-2a7c1e5f8b14"
        )
    );
    assert_eq!(page.profiles.len(), 4);

    let consent = &page.profiles[0];
    assert_eq!(consent.id, "aad_admin_consent_workflow");
    assert_eq!(consent.max_score, Some(5.0));
    assert_eq!(consent.rank, Some(10));
    assert_eq!(consent.implementation_cost, MsLevel::Unknown);
    assert_eq!(consent.user_impact, MsLevel::Unknown, "userImpact null");
    assert_eq!(
        consent.remediation.as_deref(),
        Some("<ol> <li>In the <em>Microsoft 365 Admin Center</em>, Select &gt; Settings </li> </ol>"),
        "HTML is kept as-is"
    );
    let state = consent.state.as_ref().unwrap();
    assert_eq!((state.state, state.updated_at), (MsState::Default, None));
    assert!(!consent.deprecated);

    let dcsync = &page.profiles[1];
    assert_eq!(
        dcsync.title.as_deref(),
        Some("Remove non-admin accounts with DCSync permissions"),
        "trailing space trimmed"
    );
    assert_eq!(dcsync.max_score, Some(3.0));
    assert_eq!(dcsync.implementation_cost, MsLevel::Moderate, "\"medium\"");
    assert_eq!(dcsync.user_impact, MsLevel::Moderate);
    assert_eq!(dcsync.threats, ["Account breach", "Elevation of Privilege"]);
    assert!(!dcsync.deprecated, "\"false\" as a string is false");
    let state = dcsync.state.as_ref().unwrap();
    assert_eq!(state.state, MsState::ThirdParty, "the newest dated entry wins over null and older dates");
    assert_eq!(state.comment.as_deref(), Some("Handled by the Tier 0 review"));
    assert_eq!(state.assigned_to.as_deref(), Some("secops@contoso.example"));
    assert_eq!(state.updated_by.as_deref(), Some("alice@contoso.example"));
    assert_eq!(state.updated_at.unwrap().to_rfc3339(), "2024-01-15T10:20:30.123456700+00:00");

    let filter = &page.profiles[2];
    assert_eq!(filter.max_score, Some(3.0), "\"3.0\" as a string");
    assert_eq!(filter.rank, Some(59), "\"59\" as a string");
    assert_eq!((filter.implementation_cost, filter.user_impact), (MsLevel::Low, MsLevel::High));
    assert_eq!(filter.tier.as_deref(), Some("Defense In Depth"));
    assert!(filter.threats.is_empty(), "threats null");
    assert_eq!(filter.state, None, "empty controlStateUpdates");

    let legacy = &page.profiles[3];
    assert!(legacy.deprecated);
    assert_eq!(legacy.implementation_cost, MsLevel::Moderate);
    assert_eq!(legacy.user_impact, MsLevel::Unknown, "empty string");
    assert_eq!(legacy.state, None);
}

#[test]
fn a_scores_page_with_undocumented_fields() {
    let page = parse_scores_page(include_bytes!("../fixtures/graph-scores-page.json")).unwrap();
    assert!(page.next_link.as_deref().unwrap().contains("$skiptoken="));
    let day = &page.days[0];
    assert_eq!(day.created.to_rfc3339(), "2026-07-17T00:00:00+00:00");
    assert_eq!((day.current_score, day.max_score), (815.22, 1376.0));
    assert_eq!((day.active_user_count, day.licensed_user_count), (Some(3), Some(0)));
    assert_eq!(day.enabled_services.len(), 14);

    let all = &day.averages[0];
    assert_eq!((all.basis.as_str(), all.average_score, all.seat_range), ("AllTenants", Some(52.86), None));
    assert_eq!(all.per_category[0], ("Identity".to_owned(), Some(41.21), Some(61.88)));
    assert_eq!(all.per_category.len(), 5);
    let seats = &day.averages[1];
    assert_eq!(seats.seat_range, Some((1, 100)), "SeatSizeRange values are strings");
    assert_eq!(seats.per_category[3], ("Apps".to_owned(), Some(53.64), Some(146.11)));

    let apps = &day.controls[0];
    assert_eq!((apps.name.as_str(), apps.on, apps.count), ("IntegratedApps", Some(true), None));
    assert_eq!(apps.last_synced.unwrap().to_rfc3339(), "2026-07-15T13:04:06+00:00");
    let mfa = &day.controls[1];
    assert_eq!((mfa.count, mfa.total, mfa.on), (Some(3.0), Some(3.0), None), "counts as strings");
    assert_eq!(
        mfa.implementation_status.as_deref(),
        Some("You have 0 out of 3 users that aren’t registered with MFA.")
    );
    let audit = &day.controls[2];
    assert_eq!(audit.on, Some(false), "\"false\" is false");
    assert_eq!(audit.description, None);
    assert_eq!((audit.score, audit.score_in_percentage), (Some(0.0), Some(0.0)));
    assert!(audit.implementation_status.as_deref().unwrap().starts_with("<p>"));
    let bare = &day.controls[3];
    assert_eq!((bare.category.as_deref(), bare.score, bare.last_synced), (Some("Apps"), Some(1.0), None));
}

#[test]
fn malformed_json_says_where() {
    let error = parse_profiles_page(include_bytes!("../fixtures/graph-malformed.json")).unwrap_err();
    assert_eq!(error.kind, ReadErrorKind::MalformedJson);
    assert!(error.message.contains("is not valid JSON"), "{}", error.message);
    assert!(error.message.contains("line 13 column 13"), "{}", error.message);
    assert_eq!(error.field.as_deref(), Some("value[0].complianceInformation"));
    assert_eq!(error.row, None);
}

#[test]
fn a_wrong_type_names_the_field_path() {
    let error =
        parse_profiles_page(br#"{"value": [{"id": "a"}, {"id": "b", "maxScore": {"points": 3}}]}"#).unwrap_err();
    assert_eq!(error.kind, ReadErrorKind::MalformedJson);
    assert_eq!(error.field.as_deref(), Some("value[1].maxScore"));
    assert!(error.message.contains("value[1].maxScore"), "{}", error.message);
}

#[test]
fn a_page_without_value_is_malformed() {
    assert_eq!(parse_scores_page(br#"{"@odata.context": "x"}"#).unwrap_err().kind, ReadErrorKind::MalformedJson);
    assert_eq!(parse_scores_page(b"").unwrap_err().kind, ReadErrorKind::Empty);
}

#[test]
fn a_token_answer() {
    let token = parse_token(include_bytes!("../fixtures/token.json")).unwrap();
    assert_eq!(token.expires_in, 3599);
    assert!(token.access_token.starts_with("eyJ0eXAi"));
}

#[test]
fn error_bodies_of_graph_and_the_token_endpoint() {
    let graph = parse_error(
        br#"{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired or is not yet valid."}}"#,
    )
    .unwrap();
    assert_eq!(graph.code.as_deref(), Some("InvalidAuthenticationToken"));
    let token = parse_error(br#"{"error":"unauthorized_client","error_description":"AADSTS700016: Application not found.","error_codes":[700016],"trace_id":"t"}"#).unwrap();
    assert_eq!(token.message.as_deref(), Some("AADSTS700016: Application not found."));
}
