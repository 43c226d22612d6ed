//! Routes mounted only in tests, to drive the shared machinery (extractor errors, validation,
//! 5xx hygiene, the pool, graceful shutdown) through the real middleware stack.

use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::web::{self, Data};
use hearth_api::extract::ValidatedJson;
use hearth_api::{ApiError, Db};
use serde::Deserialize;
use validator::Validate;

/// Mounts the probes under `/test`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/test")
            .route("/echo", web::post().to(echo))
            .route("/items/{item_id}", web::get().to(item))
            .route("/search", web::get().to(search))
            .route("/fail", web::get().to(fail))
            .route("/slow", web::get().to(slow))
            .route("/hold-db", web::get().to(hold_db)),
    );
}

#[derive(Debug, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct EchoBody {
    #[validate(length(min = 1, max = 10, message = "must be 1 to 10 characters"))]
    name: String,
    #[validate(range(min = 1, max = 5))]
    count: u8,
}

async fn echo(ValidatedJson(body): ValidatedJson<EchoBody>) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "name": body.name, "count": body.count }))
}

#[derive(Debug, Deserialize)]
struct ItemPath {
    item_id: uuid::Uuid,
}

async fn item(path: web::Path<ItemPath>) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "item_id": path.item_id }))
}

#[derive(Debug, Deserialize)]
struct SearchQuery {
    limit: u8,
}

async fn search(query: web::Query<SearchQuery>) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "limit": query.limit }))
}

/// Fails with internals that must never reach the client.
async fn fail() -> Result<HttpResponse, ApiError> {
    Err(ApiError::Internal(
        "SELECT password_hash FROM accounts failed at persistence/src/accounts.rs:42".to_owned(),
    ))
}

#[derive(Debug, Deserialize)]
struct Wait {
    ms: u64,
}

async fn slow(wait: web::Query<Wait>) -> HttpResponse {
    actix_web::rt::time::sleep(Duration::from_millis(wait.ms)).await;
    HttpResponse::Ok().json(serde_json::json!({ "slept_ms": wait.ms }))
}

/// Keeps a pooled connection busy for a while, to exhaust the pool.
async fn hold_db(db: Data<Db>, wait: web::Query<Wait>) -> Result<HttpResponse, ApiError> {
    let ms = wait.ms;
    db.run(move |_| {
        std::thread::sleep(Duration::from_millis(ms));
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "held_ms": ms })))
}
