//! The browser UI: static files from `web/`, embedded in the binary so the single binary runs anywhere.

use actix_web::http::header;
use actix_web::{HttpResponse, get};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../web/"]
struct WebAssets;

/// The landing page.
#[get("/")]
pub async fn index() -> HttpResponse {
    match WebAssets::get("index.html") {
        Some(file) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            .insert_header((
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
            ))
            .body(file.data.into_owned()),
        None => HttpResponse::NotFound().finish(),
    }
}

/// `/docs` without the slash: send the browser to the docs page.
#[get("/docs")]
pub async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/docs/")).finish()
}
