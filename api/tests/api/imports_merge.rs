//! A file without control ids and Graph meet: unmatched rows are linked when the id arrives, and two items that
//! turn out to be one are merged with their history.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::graph_stub::{GraphStub, catalog_controls};
use crate::helpers::{TestApp, json_of, spawn_app};

fn csv(rows: &[(&str, &str)]) -> Vec<u8> {
    let mut text = String::from("Recommended action,Points achieved,Status\n");
    for (title, points) in rows {
        text.push_str(&format!("\"{title}\",{points},To address\n"));
    }
    text.into_bytes()
}

async fn setup() -> (TestApp, GraphStub, String, String) {
    let app = spawn_app().await;
    let stub = GraphStub::start(catalog_controls(3), 10).await;
    let tenant = app.create_tenant("Contoso").await;
    let engineer = app.member_of(&tenant, "eng", "engineer").await;
    app.connect_graph(&tenant, &stub).await;
    (app, stub, tenant, engineer.token)
}

async fn graph_import(app: &mut TestApp, tenant: &str, token: &str) -> Value {
    let response = app.post(&format!("/api/v1/tenants/{tenant}/imports/graph"), token, &json!({})).await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    app.wait_for_run(&location).await
}

async fn list(app: &TestApp, tenant: &str) -> Vec<Value> {
    let page =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?limit=500"), &app.admin_token).await).await;
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_graph_import_that_brings_the_id_links_the_unmatched_item_in_place() {
    let (mut app, stub, tenant, token) = setup().await;
    // Microsoft added a control this week: the shipped catalog does not know its title yet.
    stub.set(|s| {
        s.controls[0].id = "mdo_brand_new_control".into();
        s.controls[0].title = "Turn on the brand new protection Microsoft shipped this week".into();
        s.controls[0].achieved = Some(0.0);
    });
    let file = csv(&[("Turn on the brand new protection Microsoft shipped this week", "0/5")]);
    let upload = json_of(app.upload(&tenant, &token, file, "text/csv").await).await;
    assert_eq!(upload["counts"]["unmatched"], 1);
    let stray = upload["changes"][0]["id"].as_str().unwrap().to_owned();

    let run = graph_import(&mut app, &tenant, &token).await;
    assert_eq!(run["outcome"], "succeeded", "{run}");
    assert_eq!(run["counts"]["merges"], 1);
    let items = list(&app, &tenant).await;
    assert_eq!(items.len(), 3, "one item, not two");
    let linked = items.iter().find(|i| i["external_id"] == "mdo_brand_new_control").unwrap();
    assert_eq!(linked["id"], stray.as_str(), "the team's item keeps its id");
    assert_eq!(linked["unmatched"], false);
    let channels: Vec<&str> =
        linked["sources"].as_array().unwrap().iter().map(|s| s["channel"].as_str().unwrap()).collect();
    assert_eq!(channels, ["csv", "graph"]);
}

#[tokio::test]
async fn when_microsoft_renames_a_control_to_the_title_of_an_unmatched_item_the_two_merge() {
    let (mut app, stub, tenant, token) = setup().await;
    let (id, _) = stub.get(|s| (s.controls[1].id.clone(), s.controls[1].title.clone()));
    graph_import(&mut app, &tenant, &token).await;
    let kept = list(&app, &tenant).await.into_iter().find(|i| i["external_id"] == id.as_str()).unwrap();
    // The portal export already uses the new wording, which nothing knows yet.
    let renamed = "A freshly reworded title for the same control";
    let upload = json_of(app.upload(&tenant, &token, csv(&[(renamed, "0/5")]), "text/csv").await).await;
    assert_eq!(upload["counts"]["unmatched"], 1);
    let stray = upload["changes"][0]["id"].as_str().unwrap().to_owned();
    let link = json!({"target_kind": "recommendation", "target_id": stray, "title": "Ticket",
        "url": "https://servicedesk.example.com/CHG-7"});
    let evidence = app.post(&format!("/api/v1/tenants/{tenant}/evidence/links"), &token, &link).await;
    assert_eq!(evidence.status(), StatusCode::CREATED);

    stub.set(|s| s.controls[1].title = renamed.into());
    let run = graph_import(&mut app, &tenant, &token).await;
    let merge = run["changes"].as_array().unwrap().iter().find(|c| c["kind"] == "merged").cloned().unwrap();
    assert_eq!(merge["id"], kept["id"]);
    assert_eq!(merge["merged_id"], stray.as_str());
    let items = list(&app, &tenant).await;
    assert_eq!(items.len(), 3);
    let merged = items.iter().find(|i| i["id"] == kept["id"]).unwrap();
    assert_eq!(merged["title"], renamed);
    let channels: Vec<&str> =
        merged["sources"].as_array().unwrap().iter().map(|s| s["channel"].as_str().unwrap()).collect();
    assert_eq!(channels, ["csv", "graph"], "the unmatched item's sources moved over");
    let kept_id = kept["id"].as_str().unwrap();
    let moved = json_of(app.get(&format!("/api/v1/tenants/{tenant}/evidence?target_id={kept_id}"), &token).await).await;
    assert_eq!(moved["total"], 1, "the evidence follows the item it proves: {moved}");
    assert_eq!(
        app.get(&format!("/api/v1/tenants/{tenant}/recommendations/{stray}"), &token).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_control_missing_from_the_catalog_is_marked_removed_and_returns_when_it_is_back() {
    let (mut app, stub, tenant, token) = setup().await;
    graph_import(&mut app, &tenant, &token).await;
    let gone = stub.get(|s| s.controls[2].clone());
    stub.set(|s| {
        s.controls.remove(2);
    });
    let run = graph_import(&mut app, &tenant, &token).await;
    assert_eq!(run["counts"]["removed"], 1, "{run}");
    assert_eq!(list(&app, &tenant).await.len(), 2, "removed items leave the default list");
    let with_removed =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?include_removed=true"), &token).await).await;
    assert_eq!(with_removed["total"], 3);
    stub.set(|s| s.controls.push(gone));
    let back = graph_import(&mut app, &tenant, &token).await;
    assert_eq!(back["counts"]["returned"], 1);
    assert_eq!(list(&app, &tenant).await.len(), 3);
}

#[tokio::test]
async fn a_failure_half_way_through_the_writes_rolls_back_everything() {
    use scoregrc::domain::audit::Actor;
    use scoregrc::domain::recommendation::{Channel, Product};
    use scoregrc::import::{ImportBatch, IncomingItem};

    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let tenant_id = scoregrc::domain::ids::TenantId(tenant.parse().unwrap());
    let items: Vec<IncomingItem> = (0..1200)
        .map(|i| IncomingItem::new(Product::M365, Some(format!("ctl_{i:04}")), format!("Control {i}"), 5.0, Some(1.0)))
        .collect();
    // The database refuses one item well past the first insert batch.
    refuse_item(&app.db, "ctl_1100").await;
    let batch = ImportBatch {
        channel: Channel::Graph,
        product: Product::M365,
        items,
        snapshots: Vec::new(),
        complete_catalog: None,
    };
    let importer = test_importer(&app);
    let failed = importer.apply_batch(tenant_id, &Actor::system("test"), &batch).await;
    assert!(matches!(failed, Err(scoregrc::import::error::ImportError::Store(_))), "{failed:?}");
    assert_eq!(list(&app, &tenant).await.len(), 0, "nothing of the first batches stays");
    let runs = json_of(app.get(&format!("/api/v1/tenants/{tenant}/imports"), &app.admin_token).await).await;
    assert_eq!(runs["items"][0]["outcome"], "failed");
    let trail =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/audit?entity=import_run"), &app.admin_token).await).await;
    assert_eq!(trail["total"], 0, "no audit row for an import that did not happen");
}

/// Makes the database refuse to store the item with `control_key` (a trigger, in each backend's own words), as
/// a full disk or a constraint would half-way through an import.
async fn refuse_item(db: &sea_orm::DatabaseConnection, control_key: &str) {
    use sea_orm::{ConnectionTrait, DbBackend};
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => vec![
            "CREATE FUNCTION refuse_item() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$"
                .to_owned(),
            format!(
                "CREATE TRIGGER refuse_item BEFORE INSERT ON recommendations FOR EACH ROW \
                 WHEN (NEW.control_key = '{control_key}') EXECUTE FUNCTION refuse_item()"
            ),
        ],
        _ => vec![format!(
            "CREATE TRIGGER refuse_item BEFORE INSERT ON recommendations WHEN NEW.control_key = '{control_key}' \
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        )],
    };
    for statement in sql {
        db.execute_unprepared(&statement).await.unwrap();
    }
}

fn test_importer(app: &TestApp) -> scoregrc::import::run::Importer {
    let key = crate::helpers::test_data_key(&app.database);
    let clock: scoregrc::clock::SharedClock = app.clock.clone();
    let config = scoregrc::config::Config::new(app.database.clone());
    scoregrc::app::importer(&app.db, &clock, std::sync::Arc::new(key), &config).unwrap()
}
