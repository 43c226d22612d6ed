//! Liveness and readiness probes.

use actix_web::get;
use actix_web::web::{Data, Json};
use hearth_openapi::{Problem, tags};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Db;
use crate::error::ApiError;

/// The state of a probe.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// The probe passed.
    Ok,
}

/// A passing probe.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "ok", "version": "0.1.0"}))]
pub struct HealthResponse {
    /// Always `ok`: a failing probe answers with a problem instead.
    pub status: HealthStatus,
    /// The server's version.
    pub version: &'static str,
}

impl HealthResponse {
    fn ok() -> Self {
        Self {
            status: HealthStatus::Ok,
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// Is the process up?
///
/// Answers 200 as long as the server can answer at all; it never touches the database.
#[utoipa::path(
    tag = tags::HEALTH,
    responses((status = 200, description = "The process is up", body = HealthResponse))
)]
#[get("/live")]
pub async fn check_liveness() -> Json<HealthResponse> {
    Json(HealthResponse::ok())
}

/// Can the server take traffic?
///
/// 200 when the database answers and has every migration this server needs; 503 otherwise,
/// and 200 again by itself once the database is back.
#[utoipa::path(
    tag = tags::HEALTH,
    responses(
        (status = 200, description = "Ready to serve", body = HealthResponse),
        (status = 503, description = "`database-unavailable` or `schema-mismatch`; see `Retry-After`",
         body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u32, description = "Seconds to wait before asking again"))),
    )
)]
#[get("/ready")]
pub async fn check_readiness(db: Data<Db>) -> Result<Json<HealthResponse>, ApiError> {
    db.run(|c| Ok(hearth_persistence::health::check(c)?))
        .await?;
    Ok(Json(HealthResponse::ok()))
}
