//! The OAuth 2 style token endpoint, and revocation.

use actix_web::web::{Data, Form};
use std::net::IpAddr;

use actix_web::{HttpRequest, HttpResponse, http::header, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{Duration, Utc};
use hearth_domain::account::{Account, Email};
use hearth_domain::organization::{ApiClientId, parse_scopes};
use hearth_domain::{DomainError, Sensitive};
use hearth_openapi::{Problem, tags};
use hearth_persistence::refresh_tokens::{self, Redemption};
use hearth_persistence::{DbConnection, accounts, organizations};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{AuthUser, TokenKeys};
use crate::client_address::client_address;
use crate::credentials::{OneTimeToken, hash_token, verify_password};
use crate::db::Db;
use crate::error::ApiError;
use crate::responses::NoContent;
use crate::throttling::Attempt;

/// How long a login session lasts without being used.
const REFRESH_TOKEN_DAYS: i64 = 30;

/// A token request, form-encoded as OAuth 2 (RFC 6749) asks.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "grant_type", rename_all = "snake_case")]
pub enum TokenRequest {
    /// Log in with email and password.
    Password {
        /// The account's email address.
        #[schema(example = "river@example.org")]
        username: String,
        /// The account's password.
        #[schema(format = Password, example = "lantern orbit cactus quiet")]
        password: String,
    },
    /// Exchange a refresh token for new tokens; the old refresh token stops working.
    RefreshToken {
        /// The refresh token from the previous answer.
        refresh_token: String,
    },
    /// An organisation's API client: credentials in the form or as HTTP Basic authentication.
    ClientCredentials {
        /// The client's id (or in `Authorization: Basic`).
        client_id: Option<String>,
        /// The client's secret (or in `Authorization: Basic`).
        #[schema(format = Password)]
        client_secret: Option<String>,
        /// Space-separated scopes to grant, a subset of the client's (default: all of them).
        #[schema(example = "referrals:read")]
        scope: Option<String>,
    },
}

/// Fresh tokens.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "access_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6IjNmMmExYyJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl",
    "token_type": "Bearer",
    "expires_in": 900,
    "refresh_token": "9b1f3c0e7a6d4b2f8e5c1a0d3b7f6e2c9a8d5b4f1e0c7a3d2b6f9e8c5a1d4b7f"
}))]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Single use: exchange it for new tokens before the access token expires. API clients
    /// get none: they ask again with their credentials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The scopes granted (API clients).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// Get tokens
///
/// `grant_type=password` logs in with `username` (the email) and `password`;
/// `grant_type=refresh_token` rotates a refresh token; `grant_type=client_credentials` gives an
/// organisation's API client a token with its scopes (no refresh token). A refresh token that was already used
/// revokes its whole session: a replay means it was stolen. Failures say "invalid credentials"
/// and nothing more. After 5 failed logins for one email, or 30 from one client address, within
/// 15 minutes, attempts answer 429 until the oldest failure is 15 minutes old.
#[utoipa::path(
    tag = tags::AUTH,
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 400, description = "`invalid-grant`: wrong credentials, or an unknown, expired, used or revoked refresh token; `bad-request`: a malformed form",
         body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`email-unconfirmed`: the account must confirm its email first",
         body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation` on `scope`: unknown, or not the client's",
         body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too-many-attempts`: wait as `Retry-After` says",
         body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds until attempts are considered again"))),
    )
)]
#[post("/token")]
pub async fn issue_token(
    req: HttpRequest,
    Form(request): Form<TokenRequest>,
    db: Data<Db>,
    keys: Data<TokenKeys>,
) -> Result<HttpResponse, ApiError> {
    let keys = keys.into_inner();
    let tokens = match request {
        TokenRequest::Password { username, password } => {
            let client = client_address(&req);
            let account =
                check_password_grant(&db, &username, Sensitive::new(password), client).await?;
            db.tx(move |c| start_session(c, &keys, &account, None))
                .await?
        }
        TokenRequest::ClientCredentials {
            client_id,
            client_secret,
            scope,
        } => {
            let (id, secret) = client_credentials(&req, client_id, client_secret)?;
            let client = client_address(&req);
            grant_client(
                &db,
                &keys,
                &id,
                Sensitive::new(secret),
                scope.as_deref(),
                client,
            )
            .await?
        }
        TokenRequest::RefreshToken { refresh_token } => {
            let token_hash = hash_token(&refresh_token);
            // A replay must commit its revocation, so the refusal is decided after the transaction.
            db.tx(move |c| rotate_session(c, &keys, &token_hash))
                .await?
                .ok_or(DomainError::InvalidCredentials)?
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(tokens))
}

/// Throttles, then checks the credentials; failures count against the attempted email and the
/// client address, whether or not an account has that email.
async fn check_password_grant(
    db: &Db,
    username: &str,
    password: Sensitive<String>,
    client: Option<IpAddr>,
) -> Result<Account, ApiError> {
    let attempt = Attempt::new(username, client);
    attempt.ensure_not_throttled(db).await?;

    let email = Email::parse(username).ok();
    let found = db
        .run(move |c| match email {
            Some(email) => Ok(accounts::find_credentials(c, &email)?),
            None => Ok(None),
        })
        .await?;
    let (account, hash) = match found {
        Some((account, hash)) => (Some(account), Some(hash)),
        None => (None, None),
    };
    let matches = verify_password(password, hash).await?;
    attempt.settle(db, matches).await?;
    let account = account
        .filter(|_| matches)
        .ok_or(DomainError::InvalidCredentials)?;
    account.may_log_in()?;
    Ok(account)
}

/// The client's id and secret, from HTTP Basic authentication (RFC 6749 §2.3.1) or the form.
fn client_credentials(
    req: &HttpRequest,
    form_id: Option<String>,
    form_secret: Option<String>,
) -> Result<(String, String), ApiError> {
    let basic = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Basic "))
        .and_then(|encoded| BASE64.decode(encoded.trim()).ok())
        .and_then(|decoded| String::from_utf8(decoded).ok())
        .and_then(|pair| {
            pair.split_once(':')
                .map(|(id, secret)| (id.to_owned(), secret.to_owned()))
        });
    basic.or(form_id.zip(form_secret)).ok_or_else(|| {
        ApiError::BadRequest(
            "Send client_id and client_secret in the form or as HTTP Basic authentication."
                .to_owned(),
        )
    })
}

/// Checks an API client's secret (under the same throttling as logins) and issues a token for
/// the requested scopes, which must be among the client's.
async fn grant_client(
    db: &Db,
    keys: &TokenKeys,
    id: &str,
    secret: Sensitive<String>,
    scope: Option<&str>,
    client_address: Option<IpAddr>,
) -> Result<TokenResponse, ApiError> {
    let attempt = Attempt::new(&format!("client:{id}"), client_address);
    attempt.ensure_not_throttled(db).await?;
    let client_id = id.parse().ok().map(ApiClientId);
    let found = db
        .run(move |c| match client_id {
            Some(id) => Ok(organizations::live_client_credentials(c, id)?),
            None => Ok(None),
        })
        .await?;
    let presented = hash_token(secret.expose());
    let client = found
        .filter(|(_, stored)| *stored == presented)
        .map(|(client, _)| client);
    attempt.settle(db, client.is_some()).await?;
    let client = client.ok_or(DomainError::InvalidCredentials)?;
    let granted = match scope {
        Some(requested) => {
            let requested = parse_scopes(requested, "scope")?;
            if let Some(extra) = requested.iter().find(|s| !client.scopes.contains(s)) {
                return Err(DomainError::Invalid {
                    field: "scope".to_owned(),
                    code: "scope",
                    message: format!("this client may not ask for `{}`", extra.as_str()),
                }
                .into());
            }
            requested
        }
        None => client.scopes.clone(),
    };
    Ok(TokenResponse {
        access_token: keys.issue_for_client(
            client.id,
            client.organization,
            &granted,
            Utc::now(),
        )?,
        token_type: "Bearer",
        expires_in: keys.access_ttl().num_seconds(),
        refresh_token: None,
        scope: Some(
            granted
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        ),
    })
}

fn start_session(
    c: &mut DbConnection,
    keys: &TokenKeys,
    account: &Account,
    family: Option<String>,
) -> Result<TokenResponse, ApiError> {
    let now = Utc::now();
    let refresh = OneTimeToken::generate()?;
    let family = family.unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    refresh_tokens::insert(
        c,
        &refresh.hash,
        &family,
        account.id,
        now,
        now + Duration::days(REFRESH_TOKEN_DAYS),
    )?;
    Ok(TokenResponse {
        access_token: keys.issue(account.id, account.role, &family, now)?,
        token_type: "Bearer",
        expires_in: keys.access_ttl().num_seconds(),
        refresh_token: Some(refresh.value.expose().clone()),
        scope: None,
    })
}

fn rotate_session(
    c: &mut DbConnection,
    keys: &TokenKeys,
    token_hash: &str,
) -> Result<Option<TokenResponse>, ApiError> {
    match refresh_tokens::redeem(c, token_hash, Utc::now())? {
        Redemption::Redeemed { family, account } => {
            let account = accounts::get(c, account)?;
            Ok(Some(start_session(c, keys, &account, Some(family))?))
        }
        Redemption::Replayed { account } => {
            log::warn!("refresh token replayed for account {account}; its session is revoked");
            Ok(None)
        }
        Redemption::Invalid => Ok(None),
    }
}

/// A refresh token to revoke.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"token": "9b1f3c0e7a6d4b2f8e5c1a0d3b7f6e2c9a8d5b4f1e0c7a3d2b6f9e8c5a1d4b7f"}))]
pub struct RevokeRequest {
    /// The refresh token of the session to end.
    pub token: String,
}

/// Log out one session
///
/// Revokes the session a refresh token belongs to. As RFC 7009 asks, the answer is the same
/// whether or not the token was known; only the caller's own sessions can be revoked.
#[utoipa::path(
    tag = tags::AUTH,
    security(("bearer" = [])),
    request_body(content = RevokeRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 204, description = "The session, if it was the caller's, is over"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/revoke")]
pub async fn revoke_token(
    user: AuthUser,
    Form(request): Form<RevokeRequest>,
    db: Data<Db>,
) -> Result<NoContent, ApiError> {
    let token_hash = hash_token(&request.token);
    db.run(move |c| {
        Ok(refresh_tokens::revoke_session_of(
            c,
            &token_hash,
            user.id,
            Utc::now(),
        )?)
    })
    .await?;
    Ok(NoContent)
}
