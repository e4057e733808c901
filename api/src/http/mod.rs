//! The HTTP layer: thin handlers (parse, authorise, call, map errors), one module per resource, each with a
//! `configure()` listing its routes. This file mounts them all and builds the OpenAPI document from them.

pub mod alerts;
pub mod audit;
pub mod auditor_workbook;
pub mod auth;
pub mod board;
pub mod channel_input;
pub mod channels;
pub mod comparison;
pub mod connectors;
pub mod coverage;
pub mod diagnosis;
pub mod download;
pub mod download_tokens;
pub mod evidence;
pub mod evidence_content;
pub mod evidence_pack;
pub mod extract;
pub mod frameworks;
pub mod health;
pub mod identities;
pub mod imports;
pub mod mappings;
pub mod metrics;
pub mod notifications;
pub mod openapi;
pub mod openapi_links;
pub mod ownership;
pub mod priorities;
pub mod problem;
pub mod ratings;
pub mod recommendations;
pub mod register;
pub mod register_steps;
pub mod register_view;
pub mod reviews;
pub mod roadmap;
pub mod roadmap_items;
pub mod score;
pub mod second_factor;
pub mod security_headers;
pub mod seed_ui;
pub mod soa;
pub mod sso;
pub mod sso_settings;
pub mod sync;
pub mod tenant_frameworks;
pub mod tenants;
pub mod tokens;
pub mod triage_workbook;
pub mod users;
pub mod web;
pub mod write_backs;

use actix_web::body::MessageBody;
use actix_web::dev::{ResourceDef, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpRequest, web as aweb};
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_swagger_ui::SwaggerUi;

use crate::state::AppState;
use problem::ApiError;

/// What a handler returns.
pub type Reply<T> = Result<T, ApiError>;
/// A JSON body, judged only after the caller is authorised (see [`problem::ApiError::Rejected`]).
pub type Body<T> = Result<aweb::Json<T>, actix_web::Error>;
/// Query parameters, judged only after the caller is authorised.
pub type Query<T> = Result<aweb::Query<T>, actix_web::Error>;
/// Path parameters, judged only after the caller is authorised.
pub type PathOf<T> = Result<aweb::Path<T>, actix_web::Error>;

/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

fn configure_api(cfg: &mut ServiceConfig) {
    // Inside the scope, so `/api/v1/*` stays one tree; not itself part of the document it serves.
    cfg.route("/openapi.json", aweb::get().to(serve_openapi))
        .configure(auth::configure)
        .configure(sso::configure)
        .configure(sso_settings::configure)
        .configure(identities::configure)
        .configure(second_factor::configure)
        .configure(download_tokens::configure)
        .configure(tenants::configure)
        .configure(users::configure)
        .configure(tokens::configure)
        .configure(audit::configure)
        .configure(connectors::configure)
        .configure(imports::configure)
        .configure(recommendations::configure)
        .configure(score::configure)
        .configure(diagnosis::configure)
        .configure(priorities::configure)
        .configure(coverage::configure)
        .configure(mappings::configure)
        .configure(ratings::configure)
        .configure(triage_workbook::configure)
        .configure(ownership::configure)
        .configure(frameworks::configure)
        .configure(write_backs::configure)
        .configure(tenant_frameworks::configure)
        .configure(register::configure)
        .configure(register_steps::configure)
        .configure(register_view::configure)
        .configure(soa::configure)
        .configure(roadmap::configure)
        .configure(roadmap_items::configure)
        .configure(board::configure)
        .configure(auditor_workbook::configure)
        .configure(evidence::configure)
        .configure(evidence_pack::configure)
        .configure(alerts::configure)
        .configure(sync::configure)
        .configure(comparison::configure)
        .configure(reviews::configure)
        .configure(channels::configure)
        .configure(notifications::configure);
}

fn configure_operations(cfg: &mut ServiceConfig) {
    cfg.configure(health::configure).configure(metrics::configure).configure(seed_ui::configure);
}

/// The OpenAPI document, built from the same route registrations the server uses.
pub fn openapi_document() -> OpenApiDoc {
    documented(App::new()).1
}

fn documented<T>(app: App<T>) -> (App<T>, OpenApiDoc)
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    let (app, mut doc) = app
        .into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .service(utoipa_actix_web::scope("/api/v1").configure(configure_api))
        .configure(configure_operations)
        .split_for_parts();
    openapi::document_shared_errors(&mut doc);
    openapi::describe_file_bodies(&mut doc);
    openapi::name_tagged_variants(&mut doc);
    openapi::describe_if_match(&mut doc);
    openapi_links::declare_links(&mut doc);
    (app, doc)
}

/// The OpenAPI document as served, built once at startup.
struct ServedOpenApi(String);

async fn serve_openapi(doc: aweb::Data<ServedOpenApi>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok().content_type("application/json").body(doc.0.clone())
}

/// The paths of the API with the methods each accepts, for answering 405 instead of 404.
struct RouteTable(Vec<(ResourceDef, Vec<String>)>);

impl RouteTable {
    fn from_openapi(doc: &OpenApiDoc) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    (Method::GET, item.get.is_some()),
                    (Method::POST, item.post.is_some()),
                    (Method::PUT, item.put.is_some()),
                    (Method::PATCH, item.patch.is_some()),
                    (Method::DELETE, item.delete.is_some()),
                ];
                let allowed = methods.into_iter().filter(|(_, on)| *on).map(|(m, _)| m.to_string()).collect();
                (ResourceDef::new(path.as_str()), allowed)
            })
            .collect();
        Self(routes)
    }

    fn allowed(&self, path: &str) -> Option<&[String]> {
        self.0.iter().find(|(def, _)| def.is_match(path)).map(|(_, methods)| methods.as_slice())
    }
}

async fn no_route(req: HttpRequest, routes: aweb::Data<Arc<RouteTable>>) -> Reply<actix_web::HttpResponse> {
    Err(match routes.allowed(req.path()) {
        Some(methods) => ApiError::MethodNotAllowed(methods.to_vec()),
        None => ApiError::NotFound("route"),
    })
}

/// The whole application: API, docs, operations, web UI, error shaping and middleware.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let max_json = state.config.max_json_bytes;
    let cors_origins = state.config.cors_origins.clone();
    let (app, doc) = documented(
        App::new()
            .app_data(aweb::Data::new(state))
            .app_data(aweb::JsonConfig::default().limit(max_json).error_handler(problem::json_error))
            .app_data(aweb::QueryConfig::default().error_handler(problem::query_error))
            .app_data(aweb::PathConfig::default().error_handler(problem::path_error)),
    );
    let routes = Arc::new(RouteTable::from_openapi(&doc));
    let served = ServedOpenApi(doc.to_json().unwrap_or_default());
    app.service(SwaggerUi::new("/docs/{_:.*}").url(OPENAPI_PATH, doc))
        .app_data(aweb::Data::new(served))
        .configure(|cfg| {
            cfg.service(web::index).service(web::ui_file).service(web::vendor_file).service(web::docs_redirect);
        })
        .app_data(aweb::Data::new(routes))
        .default_service(aweb::to(no_route))
        .wrap(Condition::new(!cors_origins.is_empty(), security_headers::cors(&cors_origins)))
        .wrap(from_fn(security_headers::add))
        .wrap(from_fn(metrics::observe))
        .wrap(tracing_actix_web::TracingLogger::default())
}
