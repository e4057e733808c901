//! The register's reminders (`store/register/sweep.rs` writes them): a review falling due at 30, 7 and 0 days, and
//! an approval that expired because nobody renewed it.

use serde::Deserialize;
use serde_json::Value;

use super::{Fact, Message, Severity, fact};

/// The register sweep's payload (`store/register/sweep.rs`).
#[derive(Debug, Deserialize)]
struct RegisterReminder {
    reference: String,
    decision: String,
    review_date: Option<chrono::NaiveDate>,
    days_before_review: Option<u64>,
    approver: Option<String>,
    points_at_stake: Option<f64>,
}

fn decision_label(decision: &str) -> &str {
    match decision {
        "risk_acceptance" => "risk acceptance",
        "third_party" => "third-party coverage",
        "alternate_mitigation" => "alternate mitigation",
        other => other,
    }
}

fn reminder_facts(r: &RegisterReminder) -> Vec<Fact> {
    let mut facts = vec![fact("Reference", &r.reference), fact("Decision", decision_label(&r.decision))];
    if let Some(date) = r.review_date {
        facts.push(fact("Review date", date.to_string()));
    }
    if let Some(approver) = &r.approver {
        facts.push(fact("Approved by", approver));
    }
    if let Some(points) = r.points_at_stake {
        facts.push(fact("Points at stake", format!("{points:.2}")));
    }
    facts
}

pub(super) fn review_due(payload: &Value) -> Option<Message> {
    let r: RegisterReminder = serde_json::from_value(payload.clone()).ok()?;
    let date = r.review_date.map(|d| d.to_string()).unwrap_or_else(|| "its review date".into());
    let days = r.days_before_review.unwrap_or(0);
    let title = match days {
        0 => format!("Review due today: {}", r.reference),
        1 => format!("Review due tomorrow: {}", r.reference),
        n => format!("Review due in {n} days: {}", r.reference),
    };
    let summary = format!(
        "The {} {} falls due for review on {date}. Renew it if the reasons still hold, or revoke it; an approval \
         not renewed within the grace period expires and its items go back to to_address.",
        decision_label(&r.decision),
        r.reference
    );
    // A month ahead is for planning; a week or less needs someone to act.
    let severity = if days > 7 { Severity::Info } else { Severity::Warning };
    Some(Message {
        title,
        summary,
        severity,
        facts: reminder_facts(&r),
        items: Vec::new(),
        link: None,
        attachments: Vec::new(),
    })
}

pub(super) fn expired(payload: &Value) -> Option<Message> {
    let r: RegisterReminder = serde_json::from_value(payload.clone()).ok()?;
    let date = r.review_date.map(|d| d.to_string()).unwrap_or_else(|| "its review date".into());
    Some(Message {
        title: format!("Risk acceptance expired: {}", r.reference),
        summary: format!(
            "The {} {} was not renewed by {date} plus the grace period. It has expired and its items are back to \
             to_address; propose a new entry if the gap is still to be accepted.",
            decision_label(&r.decision),
            r.reference
        ),
        severity: Severity::Critical,
        facts: reminder_facts(&r),
        items: Vec::new(),
        link: None,
        attachments: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{CONTOSO, value};
    use super::super::{EXPIRED, REVIEW_DUE, Severity, compose};
    use serde_json::{Value, json};

    fn reminder(days: Option<u64>) -> Value {
        json!({
            "entry_id": "0190…", "reference": "RA-2027-004", "tenant_id": "0190…", "decision": "third_party",
            "review_date": "2027-11-23", "days_before_review": days, "approver": "Carol (CISO)",
            "points_at_stake": 7.5,
        })
    }

    #[test]
    fn a_review_reminder_names_the_entry_its_date_and_grows_urgent_in_the_last_week() {
        let month = compose(REVIEW_DUE, &reminder(Some(30)), &CONTOSO);
        assert_eq!(month.title, "Review due in 30 days: RA-2027-004");
        assert_eq!(month.severity, Severity::Info);
        assert!(month.summary.contains("third-party coverage RA-2027-004 falls due for review on 2027-11-23"));
        assert_eq!(value(&month, "Points at stake").as_deref(), Some("7.50"));
        assert_eq!(value(&month, "Approved by").as_deref(), Some("Carol (CISO)"));
        assert_eq!(value(&month, "Tenant").as_deref(), Some("Contoso"));
        let week = compose(REVIEW_DUE, &reminder(Some(7)), &CONTOSO);
        assert_eq!((week.title.as_str(), week.severity), ("Review due in 7 days: RA-2027-004", Severity::Warning));
        assert_eq!(compose(REVIEW_DUE, &reminder(Some(0)), &CONTOSO).title, "Review due today: RA-2027-004");
    }

    #[test]
    fn an_expiry_is_critical_and_says_the_items_went_back() {
        let message = compose(EXPIRED, &reminder(None), &CONTOSO);
        assert_eq!(message.title, "Risk acceptance expired: RA-2027-004");
        assert_eq!(message.severity, Severity::Critical);
        assert!(message.summary.contains("back to to_address"), "{}", message.summary);
        assert_eq!(value(&message, "Review date").as_deref(), Some("2027-11-23"));
    }
}
