//! Cross-cutting request handling: request ids, the access log, CORS, and the guarantee that
//! every error leaves as problem+json.

use std::time::Instant;

use actix_cors::Cors;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError};
use hearth_openapi::PROBLEM_JSON;

use crate::error::ApiError;
use crate::settings::CorsOrigin;

/// The header that correlates a request with its log lines.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the current request, in the request's extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Gives every request an id (the client's own when it is sane), answers with it in
/// `X-Request-Id`, and writes one access-log line: method, path without the query string,
/// status, latency and id. A 5xx also logs its cause, which never reaches the client.
pub async fn trace_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|value| is_sane_request_id(value))
        .map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned);
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().clone();
    let path = req.path().to_owned();

    let mut response = next.call(req).await?;

    let status = response.status();
    if let Some(error) = response.response().error()
        && status.is_server_error()
    {
        log::error!("request {id} failed: {error:?}");
    }
    log::info!(
        target: "hearth::access",
        "{method} {path} {} {}ms request_id={id}",
        status.as_u16(),
        started.elapsed().as_millis()
    );
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(response)
}

/// Ids travel into logs: accept only short tokens that cannot forge a log line.
fn is_sane_request_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Turns every error answer that is not already problem+json (from actix itself, CORS, the
/// Swagger UI service) into one, keeping its status and headers such as `Allow`.
pub async fn problem_backstop(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let response = next.call(req).await?.map_into_boxed_body();
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return Ok(response);
    }
    let kept: Vec<_> = response
        .headers()
        .iter()
        .filter(|(name, _)| {
            [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE].contains(name)
        })
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    let mut replacement = ApiError::Http(status).error_response();
    for (name, value) in kept {
        replacement.headers_mut().insert(name, value);
    }
    Ok(response.into_response(replacement))
}

/// The CORS policy for the configured origins. A request from another origin is served without
/// CORS headers (the browser then withholds the answer) rather than refused, so same-origin
/// pages such as Swagger UI keep working.
pub fn cors(origins: &[CorsOrigin]) -> Cors {
    let policy = origins
        .iter()
        .fold(Cors::default(), |policy, origin| match origin {
            CorsOrigin::Any => policy.allow_any_origin(),
            CorsOrigin::Exact(origin) => policy.allowed_origin(origin),
        });
    policy
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            HeaderName::from_static("idempotency-key"),
            REQUEST_ID,
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::LINK,
            REQUEST_ID,
        ])
        .max_age(3600)
        .block_on_origin_mismatch(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_that_could_forge_log_lines_are_replaced() {
        assert!(is_sane_request_id("b4b1c2d0-5f1e-4d1f-9a55-0c3c7e6e2a11"));
        assert!(is_sane_request_id("client.req_42:retry-1"));
        assert!(!is_sane_request_id(""));
        assert!(!is_sane_request_id("two words"));
        assert!(!is_sane_request_id("line\nbreak"));
        assert!(!is_sane_request_id(&"a".repeat(129)));
    }
}
