//! A local HTTP server standing in for Microsoft's token endpoint, Graph and Azure Resource Manager, serving
//! real-shaped payloads (see shared/data/secure-score-formats.md) built from the shipped control catalog, with
//! switches for the failures an importer must survive.

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

const CONTROLS_CSV: &str = include_str!("../../../seed-mappings/secure-score-controls.csv");

/// One control as the stub serves it.
#[derive(Debug, Clone)]
pub struct StubControl {
    pub id: String,
    pub title: String,
    pub category: String,
    pub max: f64,
    pub cost: String,
    pub impact: String,
    pub service: String,
    /// `None`: profile only (not applicable to the tenant).
    pub achieved: Option<f64>,
    /// `controlStateUpdates[].state`.
    pub state: String,
    /// Served only in `controlScores`, with no profile.
    pub score_only: bool,
}

/// A Defender for Cloud subscription.
#[derive(Debug, Clone)]
pub struct StubSubscription {
    pub id: String,
    pub current: f64,
    pub max: f64,
    pub weight: i64,
    /// (name, display name, current, max, healthy, unhealthy, not applicable)
    pub controls: Vec<(String, String, f64, f64, i64, i64, i64)>,
}

/// What the stub serves and how it misbehaves.
#[derive(Debug, Default)]
pub struct StubState {
    pub controls: Vec<StubControl>,
    pub page_size: usize,
    pub history_days: usize,
    pub subscriptions: Vec<StubSubscription>,
    /// The token endpoint refuses the secret.
    pub reject_credentials: bool,
    /// Answer this many 429s (Retry-After: 0) to the first profiles page before serving it.
    pub throttle: u32,
    /// Reject the first token with 401 when this profiles page (1-based) is asked for.
    pub expire_token_on_page: Option<usize>,
    /// Serve broken JSON for this profiles page (1-based).
    pub malformed_page: Option<usize>,
    /// The last page links back to the first.
    pub loop_pages: bool,
    /// Answer the scores request with 206 Partial Content.
    pub partial: bool,
    /// Answer this many PATCHes with 503 (Retry-After: 0) before accepting them.
    pub patch_unavailable: u32,
    /// Answer every PATCH with this status (e.g. 403 when the app lacks `SecurityEvents.ReadWrite.All`).
    pub patch_refusal: Option<u16>,
    /// Accepted PATCHes: (control id, body).
    pub patches: Vec<(String, Value)>,
    /// Log of "METHOD path" requests.
    pub requests: Vec<String>,
    pub tokens_issued: u32,
    pub revoked_tokens: Vec<String>,
}

/// The running stub.
pub struct GraphStub {
    pub url: String,
    pub state: Arc<Mutex<StubState>>,
    /// While held, profile requests wait for `release`.
    pub hold: Arc<Mutex<bool>>,
    pub release: Arc<Notify>,
}

/// The first `count` controls of the shipped catalog, every other one fully achieved, a few not applicable.
pub fn catalog_controls(count: usize) -> Vec<StubControl> {
    CONTROLS_CSV
        .lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1)
        .take(count)
        .enumerate()
        .map(|(i, line)| {
            let cells: Vec<&str> = split_csv(line);
            let max: f64 = cells[3].parse().unwrap_or(1.0);
            let achieved = match i % 5 {
                0 | 2 => Some(max),
                1 => Some(0.0),
                3 => Some((max / 2.0).floor()),
                _ => None,
            };
            StubControl {
                id: cells[0].to_owned(),
                title: cells[1].to_owned(),
                category: cells[2].to_owned(),
                max,
                cost: cells[4].to_owned(),
                impact: cells[5].to_owned(),
                service: cells[7].to_owned(),
                achieved,
                state: "Default".into(),
                score_only: false,
            }
        })
        .collect()
}

fn split_csv(line: &str) -> Vec<&str> {
    // The catalog quotes only titles with commas: split on commas outside quotes.
    let mut cells = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                cells.push(line[start..i].trim_matches('"'));
                start = i + 1;
            }
            _ => {}
        }
    }
    cells.push(line[start..].trim_matches('"'));
    cells
}

impl GraphStub {
    /// Starts the stub on a random port with `controls` (pages of `page_size`).
    pub async fn start(controls: Vec<StubControl>, page_size: usize) -> Self {
        let state = Arc::new(Mutex::new(StubState { controls, page_size, history_days: 3, ..Default::default() }));
        let hold = Arc::new(Mutex::new(false));
        let release = Arc::new(Notify::new());
        let shared = (state.clone(), hold.clone(), release.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(shared.clone()))
                .route("/{tenant}/oauth2/v2.0/token", web::post().to(token))
                .route("/v1.0/security/secureScoreControlProfiles", web::get().to(profiles))
                .route("/v1.0/security/secureScores", web::get().to(scores))
                .route(
                    "/v1.0/security/secureScoreControlProfiles/{id}",
                    web::patch().to(super::graph_stub_write::patch_profile),
                )
                .route(
                    "/subscriptions/{sub}/providers/Microsoft.Security/secureScores",
                    web::get().to(super::graph_stub_arm::arm_scores),
                )
                .route(
                    "/subscriptions/{sub}/providers/Microsoft.Security/secureScores/{name}/secureScoreControls",
                    web::get().to(super::graph_stub_arm::arm_controls),
                )
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        GraphStub { url, state, hold, release }
    }

    /// Changes the served data or behaviour.
    pub fn set(&self, change: impl FnOnce(&mut StubState)) {
        change(&mut self.state.lock().unwrap());
    }

    /// Reads the stub's state.
    pub fn get<T>(&self, read: impl FnOnce(&StubState) -> T) -> T {
        read(&self.state.lock().unwrap())
    }

    /// A request body for `PUT …/connectors/graph` pointing at this stub.
    pub fn graph_connector(&self) -> Value {
        json!({
            "azure_tenant_id": "contoso.onmicrosoft.com",
            "client_id": "11111111-2222-3333-4444-555555555555",
            "client_secret": "s3cret-from-entra",
            "login_base_url": self.url,
            "graph_base_url": format!("{}/v1.0", self.url),
        })
    }

    /// A request body for `PUT …/connectors/defender` pointing at this stub.
    pub fn defender_connector(&self) -> Value {
        let subscriptions: Vec<String> = self.get(|s| s.subscriptions.iter().map(|s| s.id.clone()).collect());
        json!({
            "azure_tenant_id": "contoso.onmicrosoft.com",
            "client_id": "11111111-2222-3333-4444-555555555555",
            "client_secret": "s3cret-from-entra",
            "login_base_url": self.url,
            "arm_base_url": self.url,
            "subscription_ids": subscriptions,
        })
    }
}

pub(crate) type Shared = web::Data<(Arc<Mutex<StubState>>, Arc<Mutex<bool>>, Arc<Notify>)>;

pub(crate) fn log(state: &mut StubState, req: &HttpRequest) {
    state.requests.push(format!("{} {}", req.method(), req.uri()));
}

pub(crate) fn authorised(state: &StubState, req: &HttpRequest) -> bool {
    let token =
        req.headers().get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    token.is_some_and(|t| t.starts_with("tok-") && !state.revoked_tokens.iter().any(|r| r == t))
}

pub(crate) fn unauthorised() -> HttpResponse {
    HttpResponse::Unauthorized().json(json!({"error": {"code": "InvalidAuthenticationToken", "message": "Access token has expired or is not yet valid."}}))
}

async fn token(req: HttpRequest, shared: Shared, body: web::Bytes) -> HttpResponse {
    let mut state = shared.0.lock().unwrap();
    log(&mut state, &req);
    let form = String::from_utf8_lossy(&body).to_string();
    if state.reject_credentials || !form.contains("grant_type=client_credentials") {
        return HttpResponse::Unauthorized().json(json!({
            "error": "invalid_client",
            "error_description": "AADSTS7000215: Invalid client secret provided.",
            "error_codes": [7000215],
        }));
    }
    state.tokens_issued += 1;
    HttpResponse::Ok().json(
        json!({"token_type": "Bearer", "expires_in": 3599, "access_token": format!("tok-{}", state.tokens_issued)}),
    )
}

fn profile_json(c: &StubControl, rank: usize) -> Value {
    let user_impact = if c.impact == "null" { Value::Null } else { json!(c.impact) };
    // Real payloads write maxScore as 3 in one capture and 3.0 in another.
    let max = if rank.is_multiple_of(2) { json!(c.max) } else { json!(c.max as i64) };
    json!({
        "id": c.id, "azureTenantId": "12345678-1234-1234-1234-1234567890ab", "actionType": "Config",
        "actionUrl": "https://security.microsoft.com/securescore", "controlCategory": c.category,
        "title": if rank % 7 == 3 { format!("{} ", c.title) } else { c.title.clone() },
        "deprecated": false, "implementationCost": c.cost, "lastModifiedDateTime": null, "maxScore": max,
        "rank": if rank == 0 { 1 } else { 10 }, "remediation": "<p>Open the <em>admin center</em> &gt; Settings.</p>",
        "remediationImpact": "None.", "service": c.service, "threats": ["Data Exfiltration", "Account Breach"],
        "tier": "Core", "userImpact": user_impact, "complianceInformation": [],
        "controlStateUpdates": [
            {"assignedTo": null, "comment": null, "state": "Default", "updatedBy": null, "updatedDateTime": null},
            {"assignedTo": "", "comment": "set by the test", "state": c.state, "updatedBy": "admin@contoso.com", "updatedDateTime": "2026-11-01T10:00:00Z"}
        ],
        "vendorInformation": {"provider": "SecureScore", "providerVersion": null, "subProvider": null, "vendor": "Microsoft"}
    })
}

async fn profiles(req: HttpRequest, shared: Shared) -> HttpResponse {
    let page: usize =
        req.uri().query().and_then(|q| q.strip_prefix("$skiptoken=page-")).and_then(|n| n.parse().ok()).unwrap_or(1);
    let held = *shared.1.lock().unwrap();
    if held {
        shared.2.notified().await;
    }
    let mut state = shared.0.lock().unwrap();
    log(&mut state, &req);
    if page == 1 && state.throttle > 0 {
        state.throttle -= 1;
        return HttpResponse::TooManyRequests()
            .insert_header(("Retry-After", "0"))
            .json(json!({"error": {"code": "TooManyRequests", "message": "Too many requests"}}));
    }
    if state.expire_token_on_page == Some(page) && !state.revoked_tokens.contains(&"tok-1".to_owned()) {
        state.revoked_tokens.push("tok-1".into());
    }
    if !authorised(&state, &req) {
        return unauthorised();
    }
    if state.malformed_page == Some(page) {
        return HttpResponse::Ok()
            .content_type("application/json")
            .body("{\"value\": [{\"id\": \"broken\", \"title\": ");
    }
    let with_profiles: Vec<&StubControl> = state.controls.iter().filter(|c| !c.score_only).collect();
    let size = state.page_size.max(1);
    let pages = with_profiles.len().div_ceil(size).max(1);
    let items: Vec<Value> =
        with_profiles.iter().enumerate().skip((page - 1) * size).take(size).map(|(i, c)| profile_json(c, i)).collect();
    let base = format!("http://{}{}", req.connection_info().host(), req.path());
    let next = if page < pages {
        Some(format!("{base}?$skiptoken=page-{}", page + 1))
    } else if state.loop_pages {
        Some(format!("{base}?$skiptoken=page-1"))
    } else {
        None
    };
    let mut body = json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#security/secureScoreControlProfiles", "value": items});
    if let Some(next) = next {
        body["@odata.nextLink"] = json!(next);
    }
    HttpResponse::Ok().json(body)
}

fn control_score_json(c: &StubControl, i: usize, achieved: f64) -> Value {
    let mut score = json!({
        "controlCategory": c.category, "controlName": c.id,
        "description": "<p>Why this matters.</p>",
        "implementationStatus": "You have 0 out of 3 users that aren’t registered with MFA.",
        "lastSynced": "2026-11-22T13:04:06Z", "score": achieved,
        "scoreInPercentage": if c.max > 0.0 { (achieved / c.max * 100.0 * 100.0).round() / 100.0 } else { 0.0 },
    });
    if i.is_multiple_of(2) {
        score["count"] = json!("3");
        score["total"] = json!("3");
    } else {
        score["on"] = json!(if achieved >= c.max { "true" } else { "false" });
    }
    score
}

async fn scores(req: HttpRequest, shared: Shared) -> HttpResponse {
    let mut state = shared.0.lock().unwrap();
    log(&mut state, &req);
    if !authorised(&state, &req) {
        return unauthorised();
    }
    if state.partial {
        return HttpResponse::PartialContent()
            .insert_header(("Warning", "199 - provider timed out"))
            .json(json!({"value": []}));
    }
    let mut days = Vec::new();
    for day in 0..state.history_days {
        // Older days lose a point per day on the first scored control, so the history has a trend.
        let controls: Vec<Value> = state
            .controls
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let achieved = c.achieved?;
                let achieved = if i == 0 { (achieved - day as f64).max(0.0) } else { achieved };
                Some(control_score_json(c, i, achieved))
            })
            .collect();
        let current: f64 = controls.iter().map(|c| c["score"].as_f64().unwrap_or(0.0)).sum();
        let max: f64 = state.controls.iter().filter(|c| c.achieved.is_some()).map(|c| c.max).sum();
        let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap() - chrono::Duration::days(day as i64);
        days.push(json!({
            "id": format!("12345678-1234-1234-1234-1234567890ab_{date}"),
            "azureTenantId": "12345678-1234-1234-1234-1234567890ab", "activeUserCount": 3,
            "createdDateTime": format!("{date}T00:00:00Z"), "currentScore": current, "maxScore": max,
            "enabledServices": ["HasAADP1", "HasMDOP2"], "licensedUserCount": 0,
            "averageComparativeScores": [
                {"appsScore": 45.81, "appsScoreMax": 120.83, "averageScore": 52.86, "basis": "AllTenants", "dataScore": 0.37, "dataScoreMax": 5.15, "identityScore": 41.21, "identityScoreMax": 61.88},
                {"SeatSizeRangeLowerValue": "1", "SeatSizeRangeUpperValue": "100", "averageScore": 48.1, "basis": "TotalSeats", "identityScore": 40.39, "identityScoreMax": 61.22}
            ],
            "controlScores": controls,
            "vendorInformation": {"provider": "SecureScore", "providerVersion": null, "subProvider": null, "vendor": "Microsoft"}
        }));
    }
    HttpResponse::Ok().json(
        json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#security/secureScores", "value": days}),
    )
}

/// Counts requests whose log line contains `needle`.
pub fn count_requests(stub: &GraphStub, needle: &str) -> usize {
    stub.get(|s| s.requests.iter().filter(|r| r.contains(needle)).count())
}
