//! Accounts and the one-time tokens mailed to their owners.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use hearth_domain::account::{
    Account, AccountId, DisplayName, Email, EmailTokenPurpose, NewAccount, PlatformRole,
};

use crate::schema::{accounts, email_tokens};
use crate::time::{from_db, to_db};
use crate::{DbConnection, PersistenceError};

#[derive(Queryable, Selectable)]
#[diesel(table_name = accounts)]
struct AccountRow {
    id: String,
    email: String,
    email_confirmed_at: Option<NaiveDateTime>,
    display_name: String,
    role: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<AccountRow> for Account {
    type Error = PersistenceError;

    fn try_from(row: AccountRow) -> Result<Self, Self::Error> {
        let corrupt = |what: &str| PersistenceError::Corrupt(format!("account {}: {what}", row.id));
        Ok(Self {
            id: AccountId(row.id.parse().map_err(|_| corrupt("id"))?),
            email: Email::parse(&row.email).map_err(|_| corrupt("email"))?,
            email_confirmed_at: row.email_confirmed_at.map(from_db),
            display_name: DisplayName::parse(&row.display_name).map_err(|_| corrupt("name"))?,
            role: PlatformRole::parse(&row.role).ok_or_else(|| corrupt("role"))?,
            created_at: from_db(row.created_at),
            updated_at: from_db(row.updated_at),
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = accounts)]
struct NewAccountRow<'a> {
    id: String,
    email: &'a str,
    password_hash: &'a str,
    display_name: &'a str,
    role: &'a str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// Stores a new member account. A taken email is `Conflict`.
pub fn insert(c: &mut DbConnection, new: &NewAccount) -> Result<Account, PersistenceError> {
    let created_at = to_db(new.created_at);
    diesel::insert_into(accounts::table)
        .values(NewAccountRow {
            id: new.id.to_string(),
            email: new.email.as_str(),
            password_hash: &new.password_hash,
            display_name: new.display_name.as_str(),
            role: PlatformRole::Member.as_str(),
            created_at,
            updated_at: created_at,
        })
        .execute(c)?;
    get(c, new.id)
}

/// The account with this id.
pub fn get(c: &mut DbConnection, id: AccountId) -> Result<Account, PersistenceError> {
    accounts::table
        .find(id.to_string())
        .select(AccountRow::as_select())
        .first(c)
        .optional()?
        .ok_or_else(|| PersistenceError::NotFound {
            entity: "account",
            id: id.to_string(),
        })?
        .try_into()
}

/// The account registered with this (normalised) email, if any.
pub fn find_by_email(
    c: &mut DbConnection,
    email: &Email,
) -> Result<Option<Account>, PersistenceError> {
    accounts::table
        .filter(accounts::email.eq(email.as_str()))
        .select(AccountRow::as_select())
        .first(c)
        .optional()?
        .map(Account::try_from)
        .transpose()
}

/// The account registered with this email and its password hash, for logging in.
pub fn find_credentials(
    c: &mut DbConnection,
    email: &Email,
) -> Result<Option<(Account, String)>, PersistenceError> {
    let found: Option<(AccountRow, String)> = accounts::table
        .filter(accounts::email.eq(email.as_str()))
        .select((AccountRow::as_select(), accounts::password_hash))
        .first(c)
        .optional()?;
    found
        .map(|(row, hash)| Ok((Account::try_from(row)?, hash)))
        .transpose()
}

/// Gives the account a platform role.
pub fn set_role(
    c: &mut DbConnection,
    id: AccountId,
    role: PlatformRole,
    at: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    let changed = diesel::update(accounts::table.find(id.to_string()))
        .set((
            accounts::role.eq(role.as_str()),
            accounts::updated_at.eq(to_db(at)),
        ))
        .execute(c)?;
    if changed == 0 {
        return Err(PersistenceError::NotFound {
            entity: "account",
            id: id.to_string(),
        });
    }
    Ok(())
}

/// Marks the account's email as confirmed (once; later calls keep the first instant).
pub fn confirm_email(
    c: &mut DbConnection,
    id: AccountId,
    at: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    diesel::update(
        accounts::table
            .find(id.to_string())
            .filter(accounts::email_confirmed_at.is_null()),
    )
    .set((
        accounts::email_confirmed_at.eq(Some(to_db(at))),
        accounts::updated_at.eq(to_db(at)),
    ))
    .execute(c)?;
    Ok(())
}

/// Stores the hash of a one-time token for `account`.
pub fn insert_email_token(
    c: &mut DbConnection,
    token_hash: &str,
    account: AccountId,
    purpose: EmailTokenPurpose,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    diesel::insert_into(email_tokens::table)
        .values((
            email_tokens::token_hash.eq(token_hash),
            email_tokens::account_id.eq(account.to_string()),
            email_tokens::purpose.eq(purpose.as_str()),
            email_tokens::created_at.eq(to_db(created_at)),
            email_tokens::expires_at.eq(to_db(expires_at)),
        ))
        .execute(c)?;
    Ok(())
}

/// Uses up a one-time token: answers its account when the token exists for this purpose, is
/// unused and unexpired, and marks it used in the same statement so it works only once even
/// under concurrent attempts.
pub fn consume_email_token(
    c: &mut DbConnection,
    token_hash: &str,
    purpose: EmailTokenPurpose,
    now: DateTime<Utc>,
) -> Result<Option<AccountId>, PersistenceError> {
    let now = to_db(now);
    let claimed = diesel::update(
        email_tokens::table
            .filter(email_tokens::token_hash.eq(token_hash))
            .filter(email_tokens::purpose.eq(purpose.as_str()))
            .filter(email_tokens::used_at.is_null())
            .filter(email_tokens::expires_at.gt(now)),
    )
    .set(email_tokens::used_at.eq(Some(now)))
    .execute(c)?;
    if claimed == 0 {
        return Ok(None);
    }
    let account: String = email_tokens::table
        .find(token_hash)
        .select(email_tokens::account_id)
        .first(c)?;
    account
        .parse()
        .map(|id| Some(AccountId(id)))
        .map_err(|_| PersistenceError::Corrupt(format!("email token for account {account}")))
}
