//! The stand-in's `PATCH security/secureScoreControlProfiles/{id}`, checked the way Graph documents it: a bearer
//! token, `vendorInformation` with `provider` and `vendor`, one of the documented states (or the observed
//! `AlternateMitigation`), a known control, and no device (`scid_*`) controls.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::graph_stub::{Shared, authorised, log, unauthorised};

fn bad_request(message: &str) -> HttpResponse {
    HttpResponse::BadRequest().json(json!({"error": {"code": "BadRequest", "message": message}}))
}

pub async fn patch_profile(req: HttpRequest, shared: Shared, body: web::Bytes) -> HttpResponse {
    let mut state = shared.0.lock().unwrap();
    log(&mut state, &req);
    if !authorised(&state, &req) {
        return unauthorised();
    }
    if state.patch_unavailable > 0 {
        state.patch_unavailable -= 1;
        return HttpResponse::ServiceUnavailable().insert_header(("Retry-After", "0")).json(
            json!({"error": {"code": "ServiceUnavailable", "message": "The service is temporarily unavailable."}}),
        );
    }
    if let Some(status) = state.patch_refusal {
        let code = actix_web::http::StatusCode::from_u16(status).unwrap();
        return HttpResponse::build(code).json(json!({"error": {
            "code": "Authorization_RequestDenied",
            "message": "Insufficient privileges to complete the operation."
        }}));
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else { return bad_request("the body is not JSON") };
    let vendor = &body["vendorInformation"];
    if !vendor["provider"].is_string() || !vendor["vendor"].is_string() {
        return bad_request("vendorInformation with provider and vendor is required");
    }
    let Some(new_state) = body["state"].as_str() else { return bad_request("state is required") };
    let known = ["default", "ignored", "thirdparty", "reviewed", "alternatemitigation"];
    if !known.contains(&new_state.to_ascii_lowercase().as_str()) {
        return bad_request("unknown state");
    }
    let id = req.match_info().get("id").unwrap_or_default().to_owned();
    if id.starts_with("scid_") {
        return bad_request("the state of device controls cannot be set through this endpoint");
    }
    let Some(control) = state.controls.iter_mut().find(|c| c.id == id) else {
        return HttpResponse::NotFound()
            .json(json!({"error": {"code": "ResourceNotFound", "message": format!("control {id} not found")}}));
    };
    control.state = new_state.to_owned();
    state.patches.push((id, body));
    HttpResponse::NoContent().finish()
}
