//! Every documented route, mounted through `utoipa_actix_web` so the OpenAPI document collects
//! it. One scope per resource; a prefix is never opened twice.

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{accounts, health};

/// Mounts every documented route.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        scope("/health")
            .service(health::check_liveness)
            .service(health::check_readiness),
    )
    .service(
        scope("/v1/accounts")
            .service(accounts::register_account)
            .service(accounts::confirm_email),
    );
}
