//! The contract as served: `/api-docs/openapi.json`, Swagger UI, and the 404/405 answers that
//! the document's routes make possible.

use actix_web::http::Method;
use actix_web::http::header;
use actix_web::web::{self, Data};
use actix_web::{HttpRequest, HttpResponse, get};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::error::ApiError;
use crate::routes;

/// Where the document is served.
pub const OPENAPI_PATH: &str = "/api-docs/openapi.json";

/// The OpenAPI document of every route `routes::configure` mounts.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, collected) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(hearth_openapi::base())
        .configure(routes::configure)
        .split_for_parts();
    crate::webhooks::with_payload_schemas(hearth_openapi::assemble(collected))
}

/// The document as served and committed: [`openapi`] with the webhooks Hearth sends.
pub fn document_json(doc: &utoipa::openapi::OpenApi) -> Result<String, serde_json::Error> {
    hearth_openapi::to_json(doc, &crate::webhooks::described())
}

/// The serialized document and the route table derived from it, built once per process.
#[derive(Debug)]
pub struct Contract {
    json: String,
    routes: Vec<(Vec<Segment>, Vec<Method>)>,
}

#[derive(Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Parameter,
}

impl Contract {
    /// Serializes the document and indexes its paths.
    pub fn new(doc: &utoipa::openapi::OpenApi) -> Result<Self, serde_json::Error> {
        let mut routes: Vec<(Vec<Segment>, Vec<Method>)> = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| (segments(path), methods(item)))
            .collect();
        routes.push((segments(OPENAPI_PATH), vec![Method::GET]));
        // A literal segment beats a parameter: `/v1/meetings/changes` before
        // `/v1/meetings/{meeting_id}`.
        routes.sort_by_key(|(template, _)| {
            std::cmp::Reverse(
                template
                    .iter()
                    .filter(|segment| matches!(segment, Segment::Literal(_)))
                    .count(),
            )
        });
        Ok(Self {
            json: document_json(doc)?,
            routes,
        })
    }

    /// The methods the path answers, when some route has this path.
    pub(crate) fn allowed_methods(&self, path: &str) -> Option<&[Method]> {
        let parts: Vec<&str> = path.split('/').collect();
        self.routes
            .iter()
            .find(|(template, _)| {
                template.len() == parts.len()
                    && template
                        .iter()
                        .zip(&parts)
                        .all(|(segment, part)| match segment {
                            Segment::Literal(literal) => literal == part,
                            Segment::Parameter => !part.is_empty(),
                        })
            })
            .map(|(_, methods)| methods.as_slice())
    }
}

fn segments(template: &str) -> Vec<Segment> {
    template
        .split('/')
        .map(|part| {
            if part.starts_with('{') && part.ends_with('}') {
                Segment::Parameter
            } else {
                Segment::Literal(part.to_owned())
            }
        })
        .collect()
}

fn methods(item: &utoipa::openapi::PathItem) -> Vec<Method> {
    [
        (item.get.is_some(), Method::GET),
        (item.post.is_some(), Method::POST),
        (item.put.is_some(), Method::PUT),
        (item.patch.is_some(), Method::PATCH),
        (item.delete.is_some(), Method::DELETE),
    ]
    .into_iter()
    .filter_map(|(present, method)| present.then_some(method))
    .collect()
}

/// The OpenAPI document, byte for byte the committed `openapi/openapi.json`.
#[get("/api-docs/openapi.json")]
pub async fn serve_openapi(contract: Data<Contract>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(contract.json.clone())
}

/// Swagger UI from assets compiled into the binary; no CDN, no outside validator.
pub fn swagger_ui() -> SwaggerUi {
    SwaggerUi::new("/swagger-ui/{_:.*}").config(
        Config::new([OPENAPI_PATH])
            .validator_url("none")
            .persist_authorization(true)
            .display_operation_id(true)
            .display_request_duration(true)
            .try_it_out_enabled(true)
            .filter(true),
    )
}

/// `/` and `/swagger-ui` lead developers to the UI.
pub fn redirects(cfg: &mut web::ServiceConfig) {
    for path in ["/", "/swagger-ui"] {
        cfg.route(
            path,
            web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header((header::LOCATION, "/swagger-ui/"))
                    .finish()
            }),
        );
    }
}

/// Answers requests no route took: 405 with `Allow` when the path exists, 404 otherwise.
pub async fn no_route(
    req: HttpRequest,
    contract: Data<Contract>,
) -> Result<HttpResponse, ApiError> {
    Err(match contract.allowed_methods(req.path()) {
        Some(allowed) => ApiError::MethodNotAllowed {
            allowed: allowed.to_vec(),
        },
        None => ApiError::RouteNotFound,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_methods_match_templates_segment_by_segment() {
        let contract = Contract::new(&openapi()).unwrap();
        assert_eq!(
            contract.allowed_methods("/health/live"),
            Some([Method::GET].as_slice())
        );
        assert_eq!(contract.allowed_methods("/health/live/"), None);
        assert_eq!(contract.allowed_methods("/health"), None);
        assert_eq!(
            segments("/v1/groups/{group_id}"),
            vec![
                Segment::Literal(String::new()),
                Segment::Literal("v1".to_owned()),
                Segment::Literal("groups".to_owned()),
                Segment::Parameter
            ]
        );
    }
}
