//! The caller's own account: read, change, export, erase; password and sessions.

use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse, delete, get, http::header, patch, post};
use chrono::{DateTime, Utc};
use hearth_domain::account::{
    self, Account, AccountPatch, DisplayName, Locale, PlatformRole, parse_time_zone,
};
use hearth_domain::organization::OrganizationRole;
use hearth_domain::{DomainError, Sensitive};
use hearth_openapi::{Problem, tags};
use hearth_persistence::rsvps::{self, AttendanceFilter};
use hearth_persistence::{accounts, moderation, organizations, outbox, posts, refresh_tokens};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::replace_password;
use crate::attendance::{AttendanceItem, attendance_item};
use crate::auth::AuthUser;
use crate::client_address::client_address;
use crate::conditional::{IfMatch, Tagged, etag_of};
use crate::credentials::{hash_password, verify_password};
use crate::db::Db;
use crate::error::{ApiError, keep};
use crate::extract::JsonObject;
use crate::moderation::ReportResponse;
use crate::responses::NoContent;
use crate::throttling::Attempt;

/// The caller's account, as only the caller sees it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01930b6e-8f5a-7c3e-9d2b-4a1f0e6c8b7d",
    "email": "river@example.org",
    "email_confirmed": true,
    "display_name": "River",
    "role": "member",
    "locale": "en-IE",
    "time_zone": "Europe/Dublin",
    "created_at": "2026-11-27T08:00:00Z",
    "updated_at": "2026-11-27T08:00:00Z"
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
    /// Preferred language (BCP 47), private.
    pub locale: Option<String>,
    /// Home time zone (IANA), private; used for "tonight" and "this week".
    pub time_zone: Option<String>,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// When the account last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Account> for MeResponse {
    fn from(account: Account) -> Self {
        Self {
            id: account.id.0,
            email: account.email.as_str().to_owned(),
            email_confirmed: account.email_confirmed_at.is_some(),
            display_name: account.display_name.as_str().to_owned(),
            role: account.role,
            locale: account.locale.map(|l| l.as_str().to_owned()),
            time_zone: account.time_zone.map(|tz| tz.name().to_owned()),
            created_at: account.created_at,
            updated_at: account.updated_at,
        }
    }
}

/// Get my account
///
/// Carries an `ETag`; send it back as `If-None-Match` to get 304 when nothing changed, or as
/// `If-Match` on `PATCH` so an edit never overwrites another.
#[utoipa::path(
    tag = tags::ACCOUNTS,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's account", body = MeResponse,
         headers(("ETag" = String, description = "The version of this representation"))),
        (status = 304, description = "Unchanged since the `If-None-Match` version"),
        (status = 401, description = "`unauthenticated`: no valid access token",
         body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn get_me(user: AuthUser, db: Data<Db>) -> Result<Tagged<MeResponse>, ApiError> {
    let account = db.run(move |c| Ok(accounts::get(c, user.id)?)).await?;
    Ok(Tagged(account.into()))
}

/// A change to one's own account. Absent fields stay as they are; `null` clears a preference.
/// Email and role cannot be changed here.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"display_name": "River B.", "locale": "ga", "time_zone": null}))]
pub struct UpdateMeRequest {
    /// A new pseudonym, 1 to 40 characters.
    #[schema(min_length = 1, max_length = 40)]
    pub display_name: Option<String>,
    /// A BCP 47 language tag, or `null` to clear it.
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<String>, max_length = 35,
             pattern = "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")]
    pub locale: Option<Option<String>>,
    /// An IANA time zone, or `null` to clear it.
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<String>, example = "Europe/Dublin")]
    pub time_zone: Option<Option<String>>,
}

impl TryFrom<UpdateMeRequest> for AccountPatch {
    type Error = ApiError;

    fn try_from(request: UpdateMeRequest) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        let patch = AccountPatch {
            display_name: request
                .display_name
                .and_then(|name| keep(&mut errors, DisplayName::parse(&name))),
            locale: request
                .locale
                .map(|locale| locale.and_then(|tag| keep(&mut errors, Locale::parse(&tag)))),
            time_zone: request
                .time_zone
                .map(|zone| zone.and_then(|name| keep(&mut errors, parse_time_zone(&name)))),
        };
        if errors.is_empty() {
            Ok(patch)
        } else {
            Err(ApiError::from_domain_errors(errors))
        }
    }
}

/// Change my account
///
/// Display name and private preferences. With `If-Match`, answers 412 when the account changed
/// since that version.
#[utoipa::path(
    tag = tags::ACCOUNTS,
    security(("bearer" = [])),
    request_body = UpdateMeRequest,
    params(("If-Match" = Option<String>, Header, description = "The `ETag` this change is based on")),
    responses(
        (status = 200, description = "The changed account", body = MeResponse,
         headers(("ETag" = String, description = "The new version"))),
        (status = 412, description = "`precondition-failed`: changed since the `If-Match` version",
         body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: a field breaks a rule",
         body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("")]
pub async fn update_me(
    if_match: IfMatch,
    user: AuthUser,
    JsonObject(request): JsonObject<UpdateMeRequest>,
    db: Data<Db>,
) -> Result<Tagged<MeResponse>, ApiError> {
    let patch = AccountPatch::try_from(request)?;
    let updated = db
        .tx(move |c| {
            let current = MeResponse::from(accounts::get(c, user.id)?);
            if_match.check(&etag_of(&current)?)?;
            Ok(accounts::update(c, user.id, &patch, Utc::now())?)
        })
        .await?;
    Ok(Tagged(updated.into()))
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "current_password": "lantern orbit cactus quiet",
    "new_password": "harbour violet thimble quartz"
}))]
pub struct ChangePasswordRequest {
    /// The password in use now.
    #[schema(format = Password, min_length = 1, max_length = 128)]
    pub current_password: String,
    /// The new password: 10 to 128 characters, not easy to guess, not containing the email.
    #[schema(format = Password, min_length = 10, max_length = 128)]
    pub new_password: String,
}

/// Change my password
///
/// Needs the current password (wrong guesses count toward login throttling). Every other
/// session is logged out and the owner is told by mail.
#[utoipa::path(
    tag = tags::ACCOUNTS,
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed; other sessions are over"),
        (status = 400, description = "`invalid-grant`: the current password is wrong",
         body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: the new password breaks a rule",
         body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too-many-attempts`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/password")]
pub async fn change_my_password(
    req: HttpRequest,
    user: AuthUser,
    JsonObject(request): JsonObject<ChangePasswordRequest>,
    db: Data<Db>,
) -> Result<NoContent, ApiError> {
    let account = confirm_password(&req, &user, &db, request.current_password).await?;
    account::check_password(
        &request.new_password,
        &account.email,
        account.display_name.as_str(),
    )?;
    let hash = hash_password(Sensitive::new(request.new_password)).await?;
    db.tx(move |c| replace_password(c, &account, &hash, user.session.as_deref(), Utc::now()))
        .await?;
    Ok(NoContent)
}

/// Checks the caller's password for a sensitive action, under the login throttle.
async fn confirm_password(
    req: &HttpRequest,
    user: &AuthUser,
    db: &Db,
    password: String,
) -> Result<Account, ApiError> {
    let id = user.id;
    let (account, hash) = db
        .run(move |c| Ok((accounts::get(c, id)?, accounts::password_hash(c, id)?)))
        .await?;
    let attempt = Attempt::new(account.email.as_str(), client_address(req));
    attempt.ensure_not_throttled(db).await?;
    let matches = verify_password(Sensitive::new(password), Some(hash)).await?;
    attempt.settle(db, matches).await?;
    if !matches {
        return Err(DomainError::InvalidCredentials.into());
    }
    Ok(account)
}

/// Everything Hearth stores about the caller. Each later capability that stores personal data
/// adds its part here.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "exported_at": "2026-11-27T09:00:00Z",
    "account": {
        "id": "01930b6e-8f5a-7c3e-9d2b-4a1f0e6c8b7d", "email": "river@example.org",
        "email_confirmed": true, "display_name": "River", "role": "member",
        "locale": "en-IE", "time_zone": "Europe/Dublin",
        "created_at": "2026-11-27T08:00:00Z", "updated_at": "2026-11-27T08:00:00Z"
    },
    "sessions": [{
        "started_at": "2026-11-27T08:01:00Z", "last_refreshed_at": "2026-11-27T08:40:00Z",
        "expires_at": "2026-12-27T08:40:00Z", "revoked_at": null
    }],
    "email_tokens": [{
        "purpose": "confirm_email", "created_at": "2026-11-27T08:00:00Z",
        "expires_at": "2026-11-28T08:00:00Z", "used_at": "2026-11-27T08:00:30Z"
    }],
    "mail": [{"subject": "Confirm your email address for Hearth", "queued_at": "2026-11-27T08:00:00Z"}],
    "organizations": [],
    "attendance": [],
    "posts": [{
        "id": "0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b7d", "group_id": "0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b70",
        "parent_id": null, "body": "Thirty days today.", "created_at": "2026-11-27T18:05:00Z",
        "edited_at": null, "deleted_at": null, "hidden_at": null
    }],
    "reports": [{
        "id": "0193ab10-2c11-7c3e-9d2b-4a1f0e6c8b7d", "post_id": "0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b7e",
        "reason": "privacy", "details": "Names a member's employer.", "status": "actioned",
        "created_at": "2026-11-28T18:20:00Z", "resolved_at": "2026-11-28T19:00:00Z"
    }]
}))]
pub struct AccountExport {
    /// When this export was made.
    pub exported_at: DateTime<Utc>,
    /// The account.
    pub account: MeResponse,
    /// Login sessions (refresh token families), without the tokens.
    pub sessions: Vec<SessionExport>,
    /// One-time codes mailed to the caller, without the codes.
    pub email_tokens: Vec<EmailTokenExport>,
    /// Mail queued for the caller's address, without bodies (they may hold live codes).
    pub mail: Vec<MailExport>,
    /// The organisations the caller works in.
    pub organizations: Vec<OrganizationMembershipExport>,
    /// Every RSVP and check-in, latest occurrence first.
    pub attendance: Vec<AttendanceItem>,
    /// Every post and reply written, newest first (deleted ones without their body).
    pub posts: Vec<PostExport>,
    /// Every report of a post the caller made, newest first.
    pub reports: Vec<ReportResponse>,
}

/// A post or reply the caller wrote.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostExport {
    /// Its id.
    pub id: uuid::Uuid,
    /// The group.
    pub group_id: uuid::Uuid,
    /// The post it answers, for a reply.
    pub parent_id: Option<uuid::Uuid>,
    /// Markdown; `null` once deleted.
    pub body: Option<String>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When it was last edited.
    pub edited_at: Option<DateTime<Utc>>,
    /// When it was deleted.
    pub deleted_at: Option<DateTime<Utc>>,
    /// When a moderator hid it.
    pub hidden_at: Option<DateTime<Utc>>,
}

/// A role in an organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationMembershipExport {
    /// The organisation's id.
    pub organization_id: uuid::Uuid,
    /// Its name.
    pub name: String,
    /// The caller's role there.
    pub role: OrganizationRole,
    /// Since when.
    pub since: DateTime<Utc>,
}

/// A login session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionExport {
    /// When it began.
    pub started_at: DateTime<Utc>,
    /// When its refresh token was last rotated.
    pub last_refreshed_at: DateTime<Utc>,
    /// When it lapses unless refreshed.
    pub expires_at: DateTime<Utc>,
    /// When it was ended, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A one-time code mailed to the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmailTokenExport {
    /// `confirm_email` or `reset_password`.
    pub purpose: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was used.
    pub used_at: Option<DateTime<Utc>>,
}

/// A mail to the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailExport {
    /// Its subject.
    pub subject: String,
    /// When it was queued.
    pub queued_at: DateTime<Utc>,
}

/// Export my data
///
/// Everything stored about the caller, as one JSON document (GDPR article 15 and 20).
#[utoipa::path(
    tag = tags::ACCOUNTS,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The export, as a download", body = AccountExport),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/export")]
pub async fn export_me(user: AuthUser, db: Data<Db>) -> Result<HttpResponse, ApiError> {
    let export = db
        .run(move |c| {
            let account = accounts::get(c, user.id)?;
            let mail = outbox::list_for(c, account.email.as_str())?;
            Ok(AccountExport {
                exported_at: Utc::now(),
                sessions: refresh_tokens::sessions_of(c, user.id)?
                    .into_iter()
                    .map(|s| SessionExport {
                        started_at: s.started_at,
                        last_refreshed_at: s.last_refreshed_at,
                        expires_at: s.expires_at,
                        revoked_at: s.revoked_at,
                    })
                    .collect(),
                email_tokens: accounts::email_tokens_of(c, user.id)?
                    .into_iter()
                    .map(|t| EmailTokenExport {
                        purpose: t.purpose,
                        created_at: t.created_at,
                        expires_at: t.expires_at,
                        used_at: t.used_at,
                    })
                    .collect(),
                mail: mail
                    .into_iter()
                    .map(|queued| MailExport {
                        subject: queued.email.subject,
                        queued_at: queued.queued_at,
                    })
                    .collect(),
                organizations: organizations::memberships_of(c, user.id)?
                    .into_iter()
                    .map(|(org, role, since)| OrganizationMembershipExport {
                        organization_id: org.id.0,
                        name: org.name,
                        role,
                        since,
                    })
                    .collect(),
                attendance: rsvps::history(c, user.id, AttendanceFilter::default(), i64::MAX)?
                    .into_iter()
                    .map(attendance_item)
                    .collect(),
                posts: posts::by_author(c, user.id)?
                    .into_iter()
                    .map(|post| PostExport {
                        id: post.id.0,
                        group_id: post.group.0,
                        parent_id: post.parent.map(|parent| parent.0),
                        body: post.body,
                        created_at: post.created_at,
                        edited_at: post.edited_at,
                        deleted_at: post.deleted_at,
                        hidden_at: post.hidden_at,
                    })
                    .collect(),
                reports: moderation::reports_by(c, user.id)?
                    .into_iter()
                    .map(Into::into)
                    .collect(),
                account: account.into(),
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"hearth-export.json\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(export))
}

/// The password, to confirm an erasure.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"password": "lantern orbit cactus quiet"}))]
pub struct DeleteMeRequest {
    /// The account's password.
    #[schema(format = Password, min_length = 1, max_length = 128)]
    pub password: String,
}

/// Delete my account
///
/// Erases personal data for good: email, display name, preferences, password, sessions,
/// pending codes and mail. What other members' records need stays, shown as "Former member".
/// The email address can register again afterwards.
#[utoipa::path(
    tag = tags::ACCOUNTS,
    security(("bearer" = [])),
    request_body = DeleteMeRequest,
    responses(
        (status = 204, description = "Erased"),
        (status = 400, description = "`invalid-grant`: the password is wrong",
         body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too-many-attempts`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("")]
pub async fn delete_me(
    req: HttpRequest,
    user: AuthUser,
    JsonObject(request): JsonObject<DeleteMeRequest>,
    db: Data<Db>,
) -> Result<NoContent, ApiError> {
    let account = confirm_password(&req, &user, &db, request.password).await?;
    db.tx(move |c| Ok(accounts::erase(c, account.id, Utc::now())?))
        .await?;
    Ok(NoContent)
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
    db.run(move |c| {
        Ok(refresh_tokens::revoke_all_but(
            c,
            user.id,
            None,
            Utc::now(),
        )?)
    })
    .await?;
    Ok(NoContent)
}
