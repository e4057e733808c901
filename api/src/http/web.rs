//! The browser UI: `web/index.html`, the UI's modules (`web/ui/`) and the libraries `scripts/web` copies from the
//! npm registry (`web/vendor/`), embedded in the binary so the single binary runs anywhere and nothing is fetched
//! at run time. Every answer carries a Content-Security-Policy that allows no inline script: the one inline
//! element, the import map, is allowed by its hash, computed here from the embedded page.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use base64::Engine;
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

#[derive(RustEmbed)]
#[folder = "../web/"]
#[include = "index.html"]
#[include = "ui/*"]
#[include = "vendor/*"]
struct WebAssets;

/// The modules the page imports: when one is missing, the binary was built before `scripts/web` ran.
pub const REQUIRED: [&str; 7] = [
    "ui/main.js",
    "vendor/preact.js",
    "vendor/preact-hooks.js",
    "vendor/htm.js",
    "vendor/uplot.js",
    "vendor/purify.js",
    "vendor/table-core.js",
];

/// The embedded files `REQUIRED` names that are missing.
pub fn missing_assets() -> Vec<&'static str> {
    REQUIRED.into_iter().filter(|path| WebAssets::get(path).is_none()).collect()
}

/// The policy for the UI: scripts from this origin and the import map by hash, nothing inline otherwise.
static POLICY: LazyLock<String> = LazyLock::new(|| {
    let page = WebAssets::get("index.html").map(|f| String::from_utf8_lossy(&f.data).into_owned()).unwrap_or_default();
    let import_map = page
        .split_once("<script type=\"importmap\">")
        .and_then(|(_, rest)| rest.split_once("</script>"))
        .map(|(map, _)| format!(" 'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(map))))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'{import_map}; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
});

fn asset(path: &str) -> HttpResponse {
    match WebAssets::get(path) {
        Some(file) => {
            let mime = mime_guess::from_path(path).first_or_octet_stream();
            HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, mime.essence_str().to_owned()))
                .insert_header((header::CONTENT_SECURITY_POLICY, POLICY.as_str()))
                // Revalidated on every load: a new binary brings new files under the same names.
                .insert_header((header::CACHE_CONTROL, "no-cache"))
                .body(file.data.into_owned())
        }
        None => HttpResponse::NotFound().finish(),
    }
}

/// The app's page.
#[get("/")]
pub async fn index() -> HttpResponse {
    asset("index.html")
}

/// The UI's own modules and styles.
#[get("/ui/{file}")]
pub async fn ui_file(file: web::Path<String>) -> HttpResponse {
    asset(&format!("ui/{file}"))
}

/// The libraries the UI loads.
#[get("/vendor/{file}")]
pub async fn vendor_file(file: web::Path<String>) -> HttpResponse {
    asset(&format!("vendor/{file}"))
}

/// `/docs` without the slash: send the browser to the docs page.
#[get("/docs")]
pub async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/docs/")).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ui_and_its_libraries_are_embedded() {
        assert_eq!(missing_assets(), Vec::<&str>::new(), "run ./scripts/web before building");
    }

    #[test]
    fn the_policy_allows_the_import_map_by_hash_and_nothing_else_inline() {
        assert!(POLICY.contains("script-src 'self' 'sha256-"), "{}", *POLICY);
        assert!(!POLICY.contains("unsafe-inline"));
        assert!(POLICY.contains("frame-ancestors 'none'"));
    }
}
