//! `hearth admin create`: the first administrator, from the command line.

use chrono::Utc;
use hearth_domain::Sensitive;
use hearth_domain::account::{self, AccountId, DisplayName, Email, NewAccount, PlatformRole};
use hearth_persistence::{DbConnection, accounts, transaction};

use crate::credentials::hash_password_now;
use crate::error::ApiError;

/// What `admin create` did.
#[derive(Debug, PartialEq, Eq)]
pub enum AdminCreated {
    /// An existing account became an administrator.
    Promoted,
    /// A new, confirmed administrator account was created.
    Created,
}

/// Makes `email` an administrator. An existing account is promoted and its address confirmed
/// (the operator vouches for it); otherwise an account is created with `password`, which must
/// follow the same rules as any other.
pub fn create_admin(
    c: &mut DbConnection,
    email: &str,
    display_name: &str,
    password: Option<Sensitive<String>>,
) -> Result<AdminCreated, ApiError> {
    let email = Email::parse(email)?;
    let now = Utc::now();
    if let Some(existing) = accounts::find_by_email(c, &email)? {
        return transaction(c, |c| {
            accounts::set_role(c, existing.id, PlatformRole::Admin, now)?;
            accounts::confirm_email(c, existing.id, now)?;
            Ok(AdminCreated::Promoted)
        });
    }
    let password = password.ok_or_else(|| {
        ApiError::BadRequest(
            "no account has this email: give the new administrator's password on standard input"
                .to_owned(),
        )
    })?;
    let display_name = DisplayName::parse(display_name)?;
    account::check_password(password.expose(), &email, display_name.as_str())?;
    let new = NewAccount {
        id: AccountId::new(),
        email,
        display_name,
        password_hash: hash_password_now(&password)?,
        created_at: now,
    };
    transaction(c, |c| {
        let created = accounts::insert(c, &new)?;
        accounts::set_role(c, created.id, PlatformRole::Admin, now)?;
        accounts::confirm_email(c, created.id, now)?;
        Ok(AdminCreated::Created)
    })
}
