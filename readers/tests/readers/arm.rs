//! Defender for Cloud ARM payloads, from the examples in azure-rest-api-specs (formats.md §3).

use readers::arm::{parse_score_controls, parse_secure_scores};

#[test]
fn subscription_scores_keep_the_ratio() {
    let page = parse_secure_scores(include_bytes!("../fixtures/arm-secure-scores.json")).unwrap();
    let score = &page.items[0];
    assert_eq!(score.name, "ascScore");
    assert_eq!(score.display_name.as_deref(), Some("ASC score"));
    assert_eq!((score.current, score.max, score.percentage), (23.53, 39.0, 0.6033));
    assert_eq!(score.weight, Some(67));
    assert_eq!(page.next_link, None);
}

#[test]
fn score_controls_with_resource_counts_and_next_link() {
    let page = parse_score_controls(include_bytes!("../fixtures/arm-score-controls.json")).unwrap();
    assert_eq!(page.items.len(), 2);
    let audit = &page.items[0];
    assert_eq!(audit.name, "27b24961-75ba-4fe4-8909-97286d5dd5ee");
    assert_eq!(audit.display_name, "Enable auditing and logging");
    assert_eq!((audit.current, audit.max, audit.percentage), (0.2, 1.0, 0.2));
    assert_eq!((audit.healthy, audit.unhealthy, audit.not_applicable, audit.weight), (1, 4, 0, Some(5)));
    assert_eq!(page.items[1].percentage, 1.0, "a ratio of 1 is 100 %, not 1 %");
    assert!(page.next_link.as_deref().unwrap().contains("$skipToken=abc"));
}
