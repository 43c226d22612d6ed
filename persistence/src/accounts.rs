//! Accounts and the one-time tokens mailed to their owners.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use hearth_domain::account::{
    Account, AccountId, AccountPatch, DisplayName, Email, EmailTokenPurpose, FORMER_MEMBER, Locale,
    NewAccount, PlatformRole, parse_time_zone,
};

use crate::ids::parse_id;
use crate::schema::{accounts, email_tokens, organization_members, outbox_emails, refresh_tokens};
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
    locale: Option<String>,
    time_zone: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<AccountRow> for Account {
    type Error = PersistenceError;

    fn try_from(row: AccountRow) -> Result<Self, Self::Error> {
        let corrupt = |what: &str| PersistenceError::Corrupt(format!("account {}: {what}", row.id));
        Ok(Self {
            id: AccountId(parse_id(&row.id, "account")?),
            email: Email::parse(&row.email).map_err(|_| corrupt("email"))?,
            email_confirmed_at: row.email_confirmed_at.map(from_db),
            display_name: DisplayName::parse(&row.display_name).map_err(|_| corrupt("name"))?,
            role: PlatformRole::parse(&row.role).ok_or_else(|| corrupt("role"))?,
            locale: row
                .locale
                .as_deref()
                .map(Locale::parse)
                .transpose()
                .map_err(|_| corrupt("locale"))?,
            time_zone: row
                .time_zone
                .as_deref()
                .map(parse_time_zone)
                .transpose()
                .map_err(|_| corrupt("time zone"))?,
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

/// Only the fields a patch names: `None` leaves a column alone, `Some(None)` clears it.
#[derive(AsChangeset)]
#[diesel(table_name = accounts)]
struct AccountChangeset<'a> {
    display_name: Option<&'a str>,
    locale: Option<Option<&'a str>>,
    time_zone: Option<Option<&'a str>>,
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

/// The account with this id, unless it was erased.
pub fn get(c: &mut DbConnection, id: AccountId) -> Result<Account, PersistenceError> {
    accounts::table
        .find(id.to_string())
        .filter(accounts::erased_at.is_null())
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
        .filter(accounts::erased_at.is_null())
        .select((AccountRow::as_select(), accounts::password_hash))
        .first(c)
        .optional()?;
    found
        .map(|(row, hash)| Ok((Account::try_from(row)?, hash)))
        .transpose()
}

/// Applies a change to the account's own fields.
pub fn update(
    c: &mut DbConnection,
    id: AccountId,
    patch: &AccountPatch,
    at: DateTime<Utc>,
) -> Result<Account, PersistenceError> {
    diesel::update(
        accounts::table
            .find(id.to_string())
            .filter(accounts::erased_at.is_null()),
    )
    .set(AccountChangeset {
        display_name: patch.display_name.as_ref().map(DisplayName::as_str),
        locale: patch
            .locale
            .as_ref()
            .map(|locale| locale.as_ref().map(Locale::as_str)),
        time_zone: patch.time_zone.map(|zone| zone.map(|tz| tz.name())),
        updated_at: to_db(at),
    })
    .execute(c)?;
    get(c, id)
}

/// The account's password hash.
pub fn password_hash(c: &mut DbConnection, id: AccountId) -> Result<String, PersistenceError> {
    accounts::table
        .find(id.to_string())
        .filter(accounts::erased_at.is_null())
        .select(accounts::password_hash)
        .first(c)
        .optional()?
        .ok_or_else(|| PersistenceError::NotFound {
            entity: "account",
            id: id.to_string(),
        })
}

/// Replaces the account's password hash.
pub fn set_password_hash(
    c: &mut DbConnection,
    id: AccountId,
    hash: &str,
    at: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    diesel::update(accounts::table.find(id.to_string()))
        .set((
            accounts::password_hash.eq(hash),
            accounts::updated_at.eq(to_db(at)),
        ))
        .execute(c)?;
    Ok(())
}

/// Locks the account's row for the rest of the transaction, so that what is counted per
/// account (posts for the rate limit) and the account's erasure happen one after the other.
pub fn lock(c: &mut DbConnection, id: AccountId) -> Result<(), PersistenceError> {
    diesel::update(accounts::table.find(id.to_string()))
        .set(accounts::updated_at.eq(accounts::updated_at))
        .execute(c)?;
    Ok(())
}

/// Erases the account's personal data. The row stays, anonymised as a former member with an
/// unusable address and password, for the records of others that point at it; its tokens,
/// sessions, organisation roles, group memberships and queued mail go. (An organisation or a
/// group whose last administrator or owner erased their account is left to platform
/// administrators.)
pub fn erase(
    c: &mut DbConnection,
    id: AccountId,
    at: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    lock(c, id)?;
    let account = get(c, id)?;
    let key = id.to_string();
    diesel::delete(email_tokens::table.filter(email_tokens::account_id.eq(&key))).execute(c)?;
    diesel::delete(refresh_tokens::table.filter(refresh_tokens::account_id.eq(&key))).execute(c)?;
    diesel::delete(organization_members::table.filter(organization_members::account_id.eq(&key)))
        .execute(c)?;
    crate::rsvps::erase_all_of(c, id, at)?;
    crate::posts::erase_all_of(c, id, at)?;
    crate::moderation::forget(c, id)?;
    crate::memberships::remove_all_of(c, id)?;
    diesel::delete(
        outbox_emails::table.filter(outbox_emails::recipient.eq(account.email.as_str())),
    )
    .execute(c)?;
    diesel::update(accounts::table.find(&key))
        .set((
            accounts::email.eq(format!("erased-{key}@erased.invalid")),
            accounts::email_confirmed_at.eq(None::<NaiveDateTime>),
            // Not a PHC string, so no password can ever match it.
            accounts::password_hash.eq("!erased"),
            accounts::display_name.eq(FORMER_MEMBER),
            accounts::role.eq(PlatformRole::Member.as_str()),
            accounts::locale.eq(None::<String>),
            accounts::time_zone.eq(None::<String>),
            accounts::erased_at.eq(Some(to_db(at))),
            accounts::updated_at.eq(to_db(at)),
        ))
        .execute(c)?;
    Ok(())
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

/// The account a token belongs to, when the token is live (unused, unexpired, for `purpose`),
/// without using it up.
pub fn account_of_live_token(
    c: &mut DbConnection,
    token_hash: &str,
    purpose: EmailTokenPurpose,
    now: DateTime<Utc>,
) -> Result<Option<AccountId>, PersistenceError> {
    let account: Option<String> = email_tokens::table
        .find(token_hash)
        .filter(email_tokens::purpose.eq(purpose.as_str()))
        .filter(email_tokens::used_at.is_null())
        .filter(email_tokens::expires_at.gt(to_db(now)))
        .select(email_tokens::account_id)
        .first(c)
        .optional()?;
    account
        .map(|id| parse_id(&id, "account").map(AccountId))
        .transpose()
}

/// Uses up a one-time token: answers its account when the token is live for this purpose and
/// this call was the one that marked it used. The marking is a conditional UPDATE, so of
/// concurrent attempts exactly one succeeds.
pub fn consume_email_token(
    c: &mut DbConnection,
    token_hash: &str,
    purpose: EmailTokenPurpose,
    now: DateTime<Utc>,
) -> Result<Option<AccountId>, PersistenceError> {
    let Some(account) = account_of_live_token(c, token_hash, purpose, now)? else {
        return Ok(None);
    };
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
    Ok((claimed == 1).then_some(account))
}

/// A one-time token mailed to the account's owner, as its owner may see it (never the token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailTokenRecord {
    /// What it was for: `confirm_email` or `reset_password`.
    pub purpose: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was used, if it was.
    pub used_at: Option<DateTime<Utc>>,
}

/// The one-time tokens of `account`, oldest first.
pub fn email_tokens_of(
    c: &mut DbConnection,
    account: AccountId,
) -> Result<Vec<EmailTokenRecord>, PersistenceError> {
    type Row = (String, NaiveDateTime, NaiveDateTime, Option<NaiveDateTime>);
    let rows: Vec<Row> = email_tokens::table
        .filter(email_tokens::account_id.eq(account.to_string()))
        .order((
            email_tokens::created_at.asc(),
            email_tokens::token_hash.asc(),
        ))
        .select((
            email_tokens::purpose,
            email_tokens::created_at,
            email_tokens::expires_at,
            email_tokens::used_at,
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(
            |(purpose, created_at, expires_at, used_at)| EmailTokenRecord {
                purpose,
                created_at: from_db(created_at),
                expires_at: from_db(expires_at),
                used_at: used_at.map(from_db),
            },
        )
        .collect())
}

/// How many accounts exist, erased ones included.
pub fn count(c: &mut DbConnection) -> Result<i64, PersistenceError> {
    Ok(accounts::table.count().get_result(c)?)
}
