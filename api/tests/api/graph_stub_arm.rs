//! The stand-in's Azure Resource Manager: Defender for Cloud secure scores and their controls, paged.

use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Value, json};

use super::graph_stub::{Shared, StubState, StubSubscription, authorised, log, unauthorised};

fn subscription<'a>(state: &'a StubState, req: &HttpRequest) -> Option<&'a StubSubscription> {
    let sub = req.match_info().get("sub")?;
    state.subscriptions.iter().find(|s| s.id == sub)
}

pub async fn arm_scores(req: HttpRequest, shared: Shared) -> HttpResponse {
    let mut state = shared.0.lock().unwrap();
    log(&mut state, &req);
    if !authorised(&state, &req) {
        return unauthorised();
    }
    let Some(sub) = subscription(&state, &req) else {
        return HttpResponse::NotFound()
            .json(json!({"error": {"code": "SubscriptionNotFound", "message": "no such subscription"}}));
    };
    let percentage = if sub.max > 0.0 { (sub.current / sub.max * 10_000.0).round() / 10_000.0 } else { 0.0 };
    HttpResponse::Ok().json(json!({"value": [{
        "id": format!("/subscriptions/{}/providers/Microsoft.Security/secureScores/ascScore", sub.id),
        "name": "ascScore", "type": "Microsoft.Security/secureScores",
        "properties": {"displayName": "ASC score", "score": {"max": sub.max as i64, "current": sub.current, "percentage": percentage}, "weight": sub.weight}
    }]}))
}

pub async fn arm_controls(req: HttpRequest, shared: Shared) -> HttpResponse {
    let mut state = shared.0.lock().unwrap();
    log(&mut state, &req);
    if !authorised(&state, &req) {
        return unauthorised();
    }
    let Some(sub) = subscription(&state, &req) else { return HttpResponse::NotFound().finish() };
    let page: usize = req
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("page=")))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let per_page = 3;
    let items: Vec<Value> = sub
        .controls
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|(name, display, current, max, healthy, unhealthy, na)| json!({
            "id": format!("/subscriptions/{}/providers/Microsoft.Security/secureScores/ascScore/secureScoreControls/{name}", sub.id),
            "name": name, "type": "Microsoft.Security/secureScores/secureScoreControls",
            "properties": {"displayName": display, "healthyResourceCount": healthy, "unhealthyResourceCount": unhealthy,
                "notApplicableResourceCount": na, "score": {"max": *max as i64, "current": current, "percentage": if *max > 0.0 { current / max } else { 0.0 }}, "weight": 5}
        }))
        .collect();
    let mut body = json!({"value": items});
    if page * per_page < sub.controls.len() {
        body["nextLink"] = json!(format!(
            "http://{}{}?api-version=2020-01-01&page={}",
            req.connection_info().host(),
            req.path(),
            page + 1
        ));
    }
    HttpResponse::Ok().json(body)
}
