//! Delivery through the outbox, against a local receiver: a review reminder reaching a signed webhook, a retry after
//! a 500 on the injected clock, a Teams card's exact shape, a channel that keeps failing reported and given up on,
//! a tenant without channels keeping its notifications, a test message for one channel, and the CLI's test.

use chrono::TimeDelta;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::alert_channels::{add_channel, channels_path, enqueue, wait_for, webhook};
use crate::helpers::{RunCommand, TestApp, json_of, spawn_app};
use crate::register::register;
use crate::webhook_receiver::Receiver;
use scoregrc::clock::Clock;
use scoregrc::domain::register::workflow::Action;

const SECRET: &str = "a shared signing secret";

fn outbox(tenant: &str, query: &str) -> String {
    format!("/api/v1/tenants/{tenant}/notifications{query}")
}

fn deliveries(tenant: &str, channel: &Value) -> String {
    format!("{}/{}/deliveries", channels_path(tenant), channel["id"].as_str().unwrap())
}

fn alert() -> Value {
    json!({
        "title": "Secure Score dropped 2.1 points", "summary": "From 61.2 % to 59.1 % since yesterday.",
        "severity": "critical",
        "facts": [{"name": "Before", "value": "61.2 %"}, {"name": "After", "value": "59.1 %"}],
        "items": [{"title": "Require MFA for administrative roles", "detail": "10.00 → 0.00 points"}],
        "link": null,
    })
}

#[tokio::test]
async fn a_review_reminder_reaches_a_signed_webhook_through_the_outbox() {
    let r = register(2, 2).await;
    let receiver = Receiver::start().await;
    let hook =
        add_channel(&r.app, &r.tenant, webhook("SOC", &format!("{}/hooks/scoregrc", receiver.url), SECRET)).await;
    let entry = r.propose(&r.eng.token, &[&r.items[0]], "risk_acceptance", "high").await;
    let id = entry["id"].as_str().unwrap();
    r.ok(&r.eng.token, id, Action::Submit).await;
    r.ok(&r.itm.token, id, Action::Review).await;
    r.ok(&r.ciso.token, id, Action::Approve).await;
    let reference = r.entry(id).await["reference"].as_str().unwrap().to_owned();

    // 30 days before the review date the register's sweep writes the reminder, and the runner delivers it.
    r.app.clock.set(chrono::DateTime::parse_from_rfc3339("2027-10-24T09:00:00Z").unwrap().into());
    let path = outbox(&r.tenant, "?kind=risk_acceptance.review_due");
    let listed = wait_for(&r.app, &path, |l| l["items"][0]["state"] == "delivered").await;
    let notification = &listed["items"][0];
    assert_eq!(notification["title"], format!("Review due in 30 days: {reference}"));
    assert_eq!(notification["channels"][0]["channel_name"], "SOC");

    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert_eq!(
        (request.path.as_str(), request.event.as_deref()),
        ("/hooks/scoregrc", Some("risk_acceptance.review_due"))
    );
    assert_eq!(request.content_type.as_deref(), Some("application/json"));
    assert!(request.verify(SECRET), "the receiver checks the HMAC with the channel's secret");
    assert!(!request.verify("another secret"));
    let timestamp: i64 = request.timestamp.as_deref().unwrap().parse().unwrap();
    assert_eq!(timestamp, r.app.clock.now().timestamp(), "signed at the injected clock's time");
    let body = request.json();
    assert_eq!(body["kind"], "risk_acceptance.review_due");
    assert_eq!(
        (body["tenant_id"].as_str(), body["notification_id"].as_str()),
        (Some(r.tenant.as_str()), notification["id"].as_str())
    );
    assert_eq!(body["message"]["title"], format!("Review due in 30 days: {reference}"));
    assert_eq!(body["message"]["severity"], "info");
    assert_eq!(body["payload"]["reference"], reference.as_str());
    assert!(body["message"]["facts"].as_array().unwrap().contains(&json!({"name": "Tenant", "value": "Contoso"})));

    let attempts = json_of(r.app.get(&deliveries(&r.tenant, &hook), &r.app.admin_token).await).await;
    assert_eq!(attempts["total"], 1);
    let attempt = &attempts["items"][0];
    assert_eq!((attempt["outcome"].as_str(), attempt["http_status"].as_i64()), (Some("delivered"), Some(202)));
    assert_eq!(attempt["notification_kind"], "risk_acceptance.review_due");
    let channel = json_of(
        r.app.get(&format!("{}/{}", channels_path(&r.tenant), hook["id"].as_str().unwrap()), &r.app.admin_token).await,
    )
    .await;
    assert_eq!(channel["health"]["status"], "healthy");
}

#[tokio::test]
async fn a_delivery_answered_with_a_500_is_retried_a_minute_later_on_the_injected_clock() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let receiver = Receiver::start().await;
    receiver.fail_next(1, 500);
    let hook = add_channel(&app, &tenant, webhook("SOC", &receiver.url, SECRET)).await;
    enqueue(&app, &tenant, "alert.score_drop", alert()).await;

    let first = wait_for(&app, &deliveries(&tenant, &hook), |d| d["total"] == 1).await;
    let attempt = &first["items"][0];
    assert_eq!((attempt["outcome"].as_str(), attempt["http_status"].as_i64()), (Some("failed"), Some(500)));
    assert_eq!(attempt["error"], "HTTP 500 Internal Server Error: receiver is having a bad day");
    let due_at = (app.clock.now() + TimeDelta::minutes(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(attempt["next_attempt_at"], due_at);
    let waiting = json_of(app.get(&outbox(&tenant, "?delivered=false"), &app.admin_token).await).await;
    assert_eq!((waiting["total"].as_u64(), waiting["items"][0]["state"].as_str()), (Some(1), Some("pending")));
    assert_eq!(waiting["items"][0]["channels"][0]["next_attempt_at"], due_at);

    app.clock.advance(TimeDelta::seconds(59));
    let due = scoregrc::store::channels::due(&app.db, app.clock.now()).await.unwrap();
    assert!(due.is_empty(), "not before the minute is up");
    app.clock.advance(TimeDelta::seconds(1));
    wait_for(&app, &outbox(&tenant, ""), |l| l["items"][0]["state"] == "delivered").await;

    let received = receiver.received();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[0].json()["notification_id"],
        received[1].json()["notification_id"],
        "receivers can drop duplicates"
    );
    assert!(received.iter().all(|r| r.verify(SECRET)));
    let attempts = json_of(app.get(&deliveries(&tenant, &hook), &app.admin_token).await).await;
    let outcomes: Vec<(i64, &str)> = attempts["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["attempt"].as_i64().unwrap(), a["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(outcomes, [(2, "delivered"), (1, "failed")]);
    let channel = json_of(
        app.get(&format!("{}/{}", channels_path(&tenant), hook["id"].as_str().unwrap()), &app.admin_token).await,
    )
    .await;
    assert_eq!(
        (channel["health"]["status"].as_str(), channel["health"]["consecutive_failures"].as_i64()),
        (Some("healthy"), Some(0))
    );
}

#[tokio::test]
async fn a_teams_card_is_an_adaptive_card_1_4_in_the_workflows_envelope() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let receiver = Receiver::start().await;
    let url = format!("{}/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=TEAMS-SIG", receiver.url);
    add_channel(&app, &tenant, json!({"name": "SOC Teams", "kind": "teams", "teams": {"url": url}})).await;
    enqueue(&app, &tenant, "alert.score_drop", alert()).await;
    wait_for(&app, &outbox(&tenant, ""), |l| l["items"][0]["state"] == "delivered").await;

    let received = receiver.received();
    assert_eq!(received[0].path, "/workflows/abc/triggers/manual/paths/invoke");
    assert!(received[0].signature.is_none(), "Workflows authenticates by the URL's signature");
    let expected = json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": [
                    {"type": "TextBlock", "text": "Secure Score dropped 2.1 points", "weight": "Bolder", "size": "Medium",
                        "color": "Attention", "wrap": true},
                    {"type": "TextBlock", "text": "From 61.2 % to 59.1 % since yesterday.", "wrap": true},
                    {"type": "FactSet", "facts": [
                        {"title": "Before", "value": "61.2 %"}, {"title": "After", "value": "59.1 %"},
                        {"title": "Tenant", "value": "Contoso"},
                    ]},
                    {"type": "TextBlock", "text": "- **Require MFA for administrative roles**: 10.00 → 0.00 points",
                        "wrap": true, "spacing": "Small"},
                ],
            },
        }],
    });
    assert_eq!(received[0].json(), expected);
}

/// Waits for the channel's `n`th attempt.
async fn attempt_number(app: &TestApp, tenant: &str, channel: &Value, n: u64) -> Value {
    let page = wait_for(app, &deliveries(tenant, channel), |d| d["total"] == n).await;
    page["items"][0].clone()
}

#[tokio::test]
async fn a_channel_that_keeps_failing_is_reported_then_given_up_on_never_dropped_silently() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let receiver = Receiver::start().await;
    receiver.fail_next(100, 503);
    let hook = add_channel(&app, &tenant, webhook("SOC", &receiver.url, SECRET)).await;
    let channel_path = format!("{}/{}", channels_path(&tenant), hook["id"].as_str().unwrap());
    enqueue(&app, &tenant, "alert.regression", alert()).await;
    let started = app.clock.now();

    for (n, wait_minutes) in [(1, 1), (2, 5), (3, 15), (4, 60), (5, 240)] {
        let attempt = attempt_number(&app, &tenant, &hook, n).await;
        assert_eq!(attempt["outcome"], "failed", "attempt {n}");
        let health = json_of(app.get(&channel_path, &app.admin_token).await).await["health"].clone();
        let expected = if n >= 3 { "failing" } else { "retrying" };
        assert_eq!(health["status"], expected, "after {n} failures: {health}");
        if n == 3 {
            assert_eq!(
                health["summary"],
                "failing since 2026-11-23T09:00:00Z, 3 failed attempts in a row, last error: HTTP 503 Service Unavailable: receiver is having a bad day"
            );
        }
        app.clock.advance(TimeDelta::minutes(wait_minutes));
    }
    let last = attempt_number(&app, &tenant, &hook, 6).await;
    assert_eq!((last["outcome"].as_str(), last["next_attempt_at"].clone()), (Some("gave_up"), Value::Null));
    assert_eq!(app.clock.now() - started, TimeDelta::minutes(1 + 5 + 15 + 60 + 240));

    let finished = wait_for(&app, &outbox(&tenant, ""), |l| !l["items"][0]["delivered_at"].is_null()).await;
    let notification = &finished["items"][0];
    assert_eq!(notification["state"], "failed", "finished, and visibly not delivered");
    assert_eq!(
        (notification["channels"][0]["attempts"].as_i64(), notification["channels"][0]["outcome"].as_str()),
        (Some(6), Some("gave_up"))
    );
    let health = json_of(app.get(&channel_path, &app.admin_token).await).await["health"].clone();
    assert_eq!((health["status"].as_str(), health["consecutive_failures"].as_i64()), (Some("failing"), Some(6)));
    assert_eq!(receiver.received().len(), 6);
}

#[tokio::test]
async fn without_a_channel_a_notification_waits_in_the_outbox_until_one_is_added() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let engineer = app.member_of(&tenant, "eng", "engineer").await;
    enqueue(&app, &tenant, "alert.score_drop", alert()).await;
    assert!(scoregrc::store::channels::due(&app.db, app.clock.now()).await.unwrap().is_empty());
    let waiting = json_of(app.get(&outbox(&tenant, "?delivered=false"), &engineer.token).await).await;
    assert_eq!((waiting["total"].as_u64(), waiting["items"][0]["state"].as_str()), (Some(1), Some("pending")));
    assert_eq!(waiting["items"][0]["channels"], json!([]));

    let receiver = Receiver::start().await;
    add_channel(&app, &tenant, webhook("SOC", &receiver.url, SECRET)).await;
    wait_for(&app, &outbox(&tenant, "?delivered=true"), |l| l["total"] == 1).await;
    assert_eq!(receiver.received().len(), 1);
    let waiting = json_of(app.get(&outbox(&tenant, "?delivered=false"), &engineer.token).await).await;
    assert_eq!(waiting["total"], 0);
}

#[tokio::test]
async fn a_test_message_goes_only_to_its_own_channel_even_a_disabled_one() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let (enabled, disabled) = (Receiver::start().await, Receiver::start().await);
    add_channel(&app, &tenant, webhook("Live", &enabled.url, SECRET)).await;
    let mut body = webhook("Trial", &disabled.url, SECRET);
    body["enabled"] = json!(false);
    let trial = add_channel(&app, &tenant, body).await;
    let test = format!("{}/{}/test", channels_path(&tenant), trial["id"].as_str().unwrap());
    let response = app.post(&test, &app.admin_token, &json!({})).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(json_of(response).await["kind"], "channel.test");
    let done = wait_for(&app, &location, |n| n["state"] == "delivered").await;
    assert_eq!(done["channels"][0]["channel_name"], "Trial");
    assert_eq!((enabled.received().len(), disabled.received().len()), (0, 1));
    let message = disabled.received()[0].json()["message"].clone();
    assert_eq!(message["title"], "scoregrc test message");
    assert!(message["facts"].as_array().unwrap().contains(&json!({"name": "Requested by", "value": "admin"})));
}

async fn alerts_test(app: &TestApp, tenant: &str) -> std::process::Output {
    crate::helpers::scoregrc(&app.database).args(["alerts", "test", "--tenant", tenant]).run().await
}

#[tokio::test]
async fn the_cli_tests_every_enabled_channel_directly_and_fails_when_one_does() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let none = alerts_test(&app, "Contoso").await;
    assert!(!none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("no enabled alert channel"));

    let (good, bad) = (Receiver::start().await, Receiver::start().await);
    bad.fail_next(1, 500);
    add_channel(&app, &tenant, webhook("Good", &good.url, SECRET)).await;
    let broken = add_channel(&app, &tenant, webhook("Bad", &bad.url, SECRET)).await;
    let output = alerts_test(&app, "Contoso").await;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(!output.status.success(), "{stdout}");
    assert!(stdout.contains("ok      webhook Good  (HTTP 202)"), "{stdout}");
    assert!(stdout.contains("failed  webhook Bad  HTTP 500 Internal Server Error"), "{stdout}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("1 of 2 channel(s) of Contoso failed"));
    assert!(good.received()[0].verify(SECRET));
    assert_eq!(good.received()[0].json()["kind"], "channel.test");
    // Recorded like any attempt, and never sent again by the runner.
    let attempts = json_of(app.get(&deliveries(&tenant, &broken), &app.admin_token).await).await;
    assert_eq!((attempts["total"].as_u64(), attempts["items"][0]["outcome"].as_str()), (Some(1), Some("gave_up")));
    let tests = json_of(app.get(&outbox(&tenant, "?kind=channel.test"), &app.admin_token).await).await;
    assert_eq!((tests["total"].as_u64(), tests["items"][0]["state"].as_str()), (Some(1), Some("failed")));

    let again = alerts_test(&app, "Contoso").await;
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stdout));
    assert_eq!((good.received().len(), bad.received().len()), (2, 2));
}
