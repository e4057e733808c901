use super::*;

/// ISO 27001 and NIS2 as shipped (a few controls), a retired ISO control and a tenant's own framework that
/// shares an id with ISO.
pub(in crate::domain::triage_workbook) fn catalog() -> Catalog {
    let framework = |key: &str, name: &str, archived| KnownFramework { key: key.into(), name: name.into(), archived };
    let control = |framework: &str, id: &str, display: &str, retired| KnownControl {
        control: ControlRef::new(framework, id),
        display_id: display.into(),
        retired,
    };
    Catalog::new(
        vec![
            framework("iso27001", "ISO/IEC 27001:2022 Annex A", false),
            framework("nis2", "NIS2 Art. 21", false),
            framework("acme", "Acme policy", false),
            framework("old", "Old policy", true),
        ],
        vec![
            control("iso27001", "5.17", "A.5.17", false),
            control("iso27001", "8.5", "A.8.5", false),
            control("iso27001", "5.99", "A.5.99", true),
            control("nis2", "21.2.j", "Art. 21(2)(j)", false),
            control("acme", "8.5", "AC-8.5", false),
            control("old", "1", "OLD-1", false),
        ],
    )
}

#[test]
fn levels_are_high_medium_or_low_in_any_case_and_blank_is_not_rated() {
    assert_eq!(parse_level("High"), Ok(Some(Level::High)));
    assert_eq!(parse_level(" mEDium "), Ok(Some(Level::Medium)));
    assert_eq!(parse_level("LOW"), Ok(Some(Level::Low)));
    assert_eq!(parse_level("   "), Ok(None));
    assert_eq!(parse_level("Hgh"), Err("\"Hgh\" is not High, Medium or Low".to_owned()));
    assert!(parse_level("3").is_err());
    for level in Level::ALL {
        assert_eq!(parse_level(level_label(level)), Ok(Some(level)));
    }
}

#[test]
fn a_mapping_cell_splits_on_semicolons_and_line_breaks() {
    let tokens = split_mappings(" iso27001:5.17;  ; nis2 : Art. 21(2)(j)\nA.5.17;Art. 21(2)(j) ");
    assert_eq!(
        tokens,
        vec![
            MappingToken::Qualified {
                framework: "iso27001".into(),
                id: "5.17".into(),
                written: "iso27001:5.17".into()
            },
            MappingToken::Qualified {
                framework: "nis2".into(),
                id: "Art. 21(2)(j)".into(),
                written: "nis2 : Art. 21(2)(j)".into()
            },
            MappingToken::Bare("A.5.17".into()),
            MappingToken::Bare("Art. 21(2)(j)".into()),
        ]
    );
    assert!(split_mappings("  ").is_empty());
    let upper = &split_mappings("ISO27001:5.17")[0];
    assert!(matches!(upper, MappingToken::Qualified { framework, .. } if framework == "iso27001"), "{upper:?}");
}

fn resolve(text: &str) -> Result<ControlRef, String> {
    catalog().resolve(&split_mappings(text)[0], &BTreeSet::new())
}

#[test]
fn qualified_ids_and_display_forms_name_the_same_control() {
    let mfa = Ok(ControlRef::new("iso27001", "5.17"));
    for text in ["iso27001:5.17", "iso27001:A.5.17", "ISO27001:a.5.17", "A.5.17", "5.17"] {
        assert_eq!(resolve(text), mfa, "{text}");
    }
    let nis2 = Ok(ControlRef::new("nis2", "21.2.j"));
    for text in ["nis2:21.2.j", "nis2:Art. 21(2)(j)", "Art.21(2)(j)", "art. 21(2)(J)"] {
        assert_eq!(resolve(text), nis2, "{text}");
    }
    assert_eq!(resolve("AC-8.5"), Ok(ControlRef::new("acme", "8.5")));
}

#[test]
fn unknown_frameworks_controls_and_ambiguous_ids_are_explained() {
    assert_eq!(
        resolve("iso27001:9.99"),
        Err("\"iso27001:9.99\" is not a control of ISO/IEC 27001:2022 Annex A".into())
    );
    let unknown = resolve("soc2:CC6.1").unwrap_err();
    assert!(
        unknown.starts_with("\"soc2:CC6.1\" names no framework this tenant has (it has acme, iso27001"),
        "{unknown}"
    );
    let ambiguous = resolve("8.5").unwrap_err();
    assert_eq!(ambiguous, "\"8.5\" is ambiguous: write one of acme:8.5, iso27001:8.5");
    assert!(resolve("Z.1").unwrap_err().contains("not a control of any framework"));
}

#[test]
fn a_control_the_row_was_exported_with_reads_back_even_when_the_catalog_lost_it() {
    let gone = ControlRef::new("deleted", "X-1");
    let exported: BTreeSet<ControlRef> = [gone.clone()].into();
    let token = &split_mappings("deleted:x-1")[0];
    assert_eq!(catalog().resolve(token, &exported), Ok(gone));
    assert!(catalog().resolve(token, &BTreeSet::new()).is_err());
}

#[test]
fn only_controls_in_force_of_frameworks_not_archived_may_be_added() {
    let catalog = catalog();
    assert_eq!(catalog.check_in_force(&ControlRef::new("iso27001", "5.17")), Ok(()));
    assert!(catalog.check_in_force(&ControlRef::new("iso27001", "5.99")).unwrap_err().contains("is retired"));
    assert!(catalog.check_in_force(&ControlRef::new("old", "1")).unwrap_err().contains("archived framework"));
    assert!(catalog.check_in_force(&ControlRef::new("deleted", "X-1")).unwrap_err().contains("no longer"));
}
