//! Registration and email confirmation.

use actix_web::post;
use actix_web::web::Data;
use chrono::{DateTime, Duration, Utc};
use hearth_domain::account::{
    self, Account, AccountId, DisplayName, Email, EmailTokenPurpose, NewAccount, token_invalid,
};
use hearth_domain::{DomainError, Sensitive, mail as messages};
use hearth_openapi::{Problem, tags};
use hearth_persistence::{DbConnection, PersistenceError, accounts, refresh_tokens};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::credentials::{OneTimeToken, hash_password, hash_token};
use crate::db::Db;
use crate::error::ApiError;
use crate::extract::JsonObject;
use crate::mail;
use crate::responses::{Accepted, NoContent};

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "email": "river@example.org",
    "password": "lantern orbit cactus quiet",
    "display_name": "River"
}))]
pub struct RegisterAccountRequest {
    /// The owner's email address; trimmed and lower-cased, confirmed by a mailed code.
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// 10 to 128 characters, not easy to guess, not containing the email address.
    #[schema(format = Password, min_length = 10, max_length = 128)]
    pub password: String,
    /// The pseudonym other members see: 1 to 40 characters.
    #[schema(min_length = 1, max_length = 40)]
    pub display_name: String,
}

/// What happens after a registration.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationNextStep {
    /// Enter the code mailed to the address.
    ConfirmEmail,
}

/// A registration was taken. The answer is the same whether or not the address already had an
/// account, so it reveals nothing about who uses Hearth.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"email": "river@example.org", "next_step": "confirm_email"}))]
pub struct RegistrationResponse {
    /// The normalised address the mail went to.
    pub email: String,
    /// What the client should do next.
    pub next_step: RegistrationNextStep,
}

/// Register an account
///
/// Mails a one-time confirmation code to the address. Registering an address that already has
/// an account answers exactly the same, changes nothing, and tells the owner by mail.
#[utoipa::path(
    tag = tags::ACCOUNTS,
    request_body = RegisterAccountRequest,
    responses(
        (status = 202, description = "Registration taken; a mail is on its way", body = RegistrationResponse),
        (status = 422, description = "`validation`: the email, password or display name breaks a rule",
         body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn register_account(
    JsonObject(request): JsonObject<RegisterAccountRequest>,
    db: Data<Db>,
) -> Result<Accepted<RegistrationResponse>, ApiError> {
    let (email, display_name) = validate_registration(&request)?;
    // Hashed for duplicates too, so both answers take the same time.
    let password_hash = hash_password(Sensitive::new(request.password)).await?;
    let new = NewAccount {
        id: AccountId::new(),
        email: email.clone(),
        display_name,
        password_hash,
        created_at: Utc::now(),
    };
    match db.tx(move |c| register(c, &new)).await {
        // A concurrent registration of the same address won the race; it has its own mail.
        Ok(()) | Err(ApiError::Persistence(PersistenceError::Conflict { .. })) => {}
        Err(error) => return Err(error),
    }
    Ok(Accepted(RegistrationResponse {
        email: email.as_str().to_owned(),
        next_step: RegistrationNextStep::ConfirmEmail,
    }))
}

/// Every rule of a registration at once, so the client can show all problems together.
fn validate_registration(
    request: &RegisterAccountRequest,
) -> Result<(Email, DisplayName), ApiError> {
    let mut errors: Vec<DomainError> = Vec::new();
    let email = Email::parse(&request.email)
        .map_err(|e| errors.push(e))
        .ok();
    let display_name = DisplayName::parse(&request.display_name)
        .map_err(|e| errors.push(e))
        .ok();
    if let Some(email) = &email
        && let Err(e) = account::check_password(&request.password, email, &request.display_name)
    {
        errors.push(e);
    }
    match (email, display_name) {
        (Some(email), Some(display_name)) if errors.is_empty() => Ok((email, display_name)),
        _ => Err(ApiError::from_domain_errors(errors)),
    }
}

fn register(c: &mut DbConnection, new: &NewAccount) -> Result<(), ApiError> {
    let now = new.created_at;
    if accounts::find_by_email(c, &new.email)?.is_some() {
        mail::queue_on_request(c, &messages::already_registered(new.email.as_str()), now)?;
        return Ok(());
    }
    let account = accounts::insert(c, new)?;
    mail_confirmation_code(c, &account, now)
}

/// A confirmation code from the mail.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"token": "4f9c2a7e0b1d8c3f6a5e4d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a"}))]
pub struct ConfirmEmailRequest {
    /// The code from the confirmation mail.
    #[schema(min_length = 1, max_length = 128)]
    pub token: String,
}

/// Confirm an email address
///
/// Uses up the code mailed at registration; the account can then log in. A code works once and
/// for 24 hours.
#[utoipa::path(
    tag = tags::ACCOUNTS,
    request_body = ConfirmEmailRequest,
    responses(
        (status = 204, description = "The address is confirmed"),
        (status = 422, description = "`validation` on `token`: unknown, already used or expired",
         body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/email-confirmations")]
pub async fn confirm_email(
    JsonObject(body): JsonObject<ConfirmEmailRequest>,
    db: Data<Db>,
) -> Result<NoContent, ApiError> {
    let token_hash = hash_token(&body.token);
    db.tx(move |c| {
        let now = Utc::now();
        let account =
            accounts::consume_email_token(c, &token_hash, EmailTokenPurpose::ConfirmEmail, now)?
                .ok_or_else(token_invalid)?;
        Ok(accounts::confirm_email(c, account, now)?)
    })
    .await?;
    Ok(NoContent)
}

/// A request for a new confirmation code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "river@example.org"}))]
pub struct RequestConfirmationRequest {
    /// The address the account was registered with.
    #[schema(format = Email, max_length = 254)]
    pub email: String,
}

/// Ask for a new confirmation code
///
/// For an account whose code expired or got lost: mails a fresh one (valid 24 hours) when the
/// address has an unconfirmed account. The answer is the same for every address.
#[utoipa::path(
    tag = tags::ACCOUNTS,
    request_body = RequestConfirmationRequest,
    responses(
        (status = 202, description = "Taken; a mail is on its way if the address awaits confirmation", body = RegistrationResponse),
        (status = 422, description = "`validation`: not an email address",
         body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/email-confirmation-requests")]
pub async fn request_email_confirmation(
    JsonObject(request): JsonObject<RequestConfirmationRequest>,
    db: Data<Db>,
) -> Result<Accepted<RegistrationResponse>, ApiError> {
    let email = Email::parse(&request.email)?;
    let recipient = email.clone();
    db.tx(move |c| match accounts::find_by_email(c, &recipient)? {
        Some(account) if account.email_confirmed_at.is_none() => {
            mail_confirmation_code(c, &account, Utc::now())
        }
        _ => Ok(()),
    })
    .await?;
    Ok(Accepted(RegistrationResponse {
        email: email.as_str().to_owned(),
        next_step: RegistrationNextStep::ConfirmEmail,
    }))
}

/// Stores a fresh confirmation code for `account` and queues the mail that carries it.
fn mail_confirmation_code(
    c: &mut DbConnection,
    account: &Account,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let code = OneTimeToken::generate()?;
    accounts::insert_email_token(
        c,
        &code.hash,
        account.id,
        EmailTokenPurpose::ConfirmEmail,
        now,
        now + Duration::hours(messages::CONFIRMATION_VALID_HOURS),
    )?;
    let message = messages::confirm_email(
        account.email.as_str(),
        account.display_name.as_str(),
        code.value.expose(),
    );
    Ok(mail::queue_on_request(c, &message, now)?)
}

/// A request for a password reset code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "river@example.org"}))]
pub struct RequestPasswordResetRequest {
    /// The account's email address.
    #[schema(format = Email, max_length = 254)]
    pub email: String,
}

/// A reset request was taken.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"email": "river@example.org"}))]
pub struct PasswordResetRequested {
    /// The normalised address a code was sent to, if it has an account.
    pub email: String,
}

/// Ask for a password reset code
///
/// Mails a code, valid once and for 30 minutes, when the address has an account. The answer is
/// the same either way.
#[utoipa::path(
    tag = tags::ACCOUNTS,
    request_body = RequestPasswordResetRequest,
    responses(
        (status = 202, description = "Taken; a mail is on its way if the address has an account", body = PasswordResetRequested),
        (status = 422, description = "`validation`: not an email address",
         body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/password-reset-requests")]
pub async fn request_password_reset(
    JsonObject(request): JsonObject<RequestPasswordResetRequest>,
    db: Data<Db>,
) -> Result<Accepted<PasswordResetRequested>, ApiError> {
    let email = Email::parse(&request.email)?;
    let recipient = email.clone();
    db.tx(move |c| {
        let Some(account) = accounts::find_by_email(c, &recipient)? else {
            return Ok(());
        };
        let now = Utc::now();
        let code = OneTimeToken::generate()?;
        accounts::insert_email_token(
            c,
            &code.hash,
            account.id,
            EmailTokenPurpose::ResetPassword,
            now,
            now + Duration::minutes(messages::RESET_VALID_MINUTES),
        )?;
        let message = messages::reset_password(account.email.as_str(), code.value.expose());
        Ok(mail::queue_on_request(c, &message, now)?)
    })
    .await?;
    Ok(Accepted(PasswordResetRequested {
        email: email.as_str().to_owned(),
    }))
}

/// A new password, with the mailed code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "token": "4f9c2a7e0b1d8c3f6a5e4d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a",
    "new_password": "harbour violet thimble quartz"
}))]
pub struct ResetPasswordRequest {
    /// The code from the reset mail.
    #[schema(min_length = 1, max_length = 128)]
    pub token: String,
    /// 10 to 128 characters, not easy to guess, not containing the email address.
    #[schema(format = Password, min_length = 10, max_length = 128)]
    pub new_password: String,
}

/// Reset a password
///
/// Uses up the mailed code and sets the new password. Every session is logged out, the address
/// counts as confirmed, and the owner is told by mail.
#[utoipa::path(
    tag = tags::ACCOUNTS,
    request_body = ResetPasswordRequest,
    responses(
        (status = 204, description = "The new password is set"),
        (status = 422, description = "`validation`: the code is unknown, used or expired, or the password breaks a rule",
         body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/password-resets")]
pub async fn reset_password(
    JsonObject(request): JsonObject<ResetPasswordRequest>,
    db: Data<Db>,
) -> Result<NoContent, ApiError> {
    let token_hash = hash_token(&request.token);
    let new_password = Sensitive::new(request.new_password);
    // Look before hashing, so a bad code fails fast and the policy can name the email.
    let lookup = token_hash.clone();
    let account = db
        .run(move |c| {
            let id = accounts::account_of_live_token(
                c,
                &lookup,
                EmailTokenPurpose::ResetPassword,
                Utc::now(),
            )?
            .ok_or_else(token_invalid)?;
            Ok(accounts::get(c, id)?)
        })
        .await?;
    account::check_password(
        new_password.expose(),
        &account.email,
        account.display_name.as_str(),
    )
    .map_err(rename_field("new_password"))?;
    let hash = hash_password(new_password).await?;
    db.tx(move |c| {
        let now = Utc::now();
        let id =
            accounts::consume_email_token(c, &token_hash, EmailTokenPurpose::ResetPassword, now)?
                .filter(|id| *id == account.id)
                .ok_or_else(token_invalid)?;
        accounts::confirm_email(c, id, now)?;
        replace_password(c, &account, &hash, None, now)
    })
    .await?;
    Ok(NoContent)
}

/// Sets a new password hash, ends every session but `keep`, and tells the owner by mail.
pub(crate) fn replace_password(
    c: &mut DbConnection,
    account: &Account,
    hash: &str,
    keep: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    accounts::set_password_hash(c, account.id, hash, now)?;
    refresh_tokens::revoke_all_but(c, account.id, keep, now)?;
    Ok(mail::queue(
        c,
        &messages::password_changed(account.email.as_str()),
        now,
    )?)
}

/// The password policy names its field `password`; here the field is called otherwise.
fn rename_field(field: &'static str) -> impl Fn(DomainError) -> DomainError {
    move |error| match error {
        DomainError::Invalid { code, message, .. } => DomainError::Invalid {
            field: field.to_owned(),
            code,
            message,
        },
        other => other,
    }
}
