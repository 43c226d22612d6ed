//! The caller's own account.

use actix_web::web::{Data, Json};
use actix_web::{delete, get};
use chrono::{DateTime, Utc};
use hearth_domain::account::{Account, PlatformRole};
use hearth_openapi::{Problem, tags};
use hearth_persistence::{accounts, refresh_tokens};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::Db;
use crate::error::ApiError;
use crate::responses::NoContent;

/// The caller's account, as only the caller sees it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01930b6e-8f5a-7c3e-9d2b-4a1f0e6c8b7d",
    "email": "river@example.org",
    "email_confirmed": true,
    "display_name": "River",
    "role": "member",
    "created_at": "2026-11-27T08:00:00Z"
}))]
pub struct MeResponse {
    /// The account's id.
    pub id: uuid::Uuid,
    /// The normalised email address (private: never shown to others).
    pub email: String,
    /// Whether the address is confirmed.
    pub email_confirmed: bool,
    /// The pseudonym others see.
    pub display_name: String,
    /// The platform role.
    pub role: PlatformRole,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

impl From<Account> for MeResponse {
    fn from(account: Account) -> Self {
        Self {
            id: account.id.0,
            email: account.email.as_str().to_owned(),
            email_confirmed: account.email_confirmed_at.is_some(),
            display_name: account.display_name.as_str().to_owned(),
            role: account.role,
            created_at: account.created_at,
        }
    }
}

/// Get my account
#[utoipa::path(
    tag = tags::ACCOUNTS,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's account", body = MeResponse),
        (status = 401, description = "`unauthenticated`: no valid access token",
         body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn get_me(user: AuthUser, db: Data<Db>) -> Result<Json<MeResponse>, ApiError> {
    let account = db.run(move |c| Ok(accounts::get(c, user.id)?)).await?;
    Ok(Json(account.into()))
}

/// Log out everywhere
///
/// Revokes every session (refresh token) of the caller. Access tokens already issued expire on
/// their own within minutes.
#[utoipa::path(
    tag = tags::AUTH,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Every session is over"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/sessions")]
pub async fn delete_my_sessions(user: AuthUser, db: Data<Db>) -> Result<NoContent, ApiError> {
    db.run(move |c| Ok(refresh_tokens::revoke_all_of(c, user.id, Utc::now())?))
        .await?;
    Ok(NoContent)
}
