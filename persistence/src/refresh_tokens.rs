//! Refresh tokens: opaque, stored hashed, rotated on every use, revoked by family on reuse.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use hearth_domain::account::AccountId;

use crate::ids::parse_id;
use crate::schema::refresh_tokens;
use crate::time::{from_db, to_db};
use crate::{DbConnection, PersistenceError};

/// What presenting a refresh token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redemption {
    /// The token was live and is now used: issue its successor in `family`.
    Redeemed {
        /// The session the token belongs to.
        family: String,
        /// Whose session it is.
        account: AccountId,
    },
    /// The token had been used before: someone replayed it. Its family is now revoked.
    Replayed {
        /// Whose session was revoked.
        account: AccountId,
    },
    /// Unknown, expired or revoked.
    Invalid,
}

/// Stores a refresh token of session `family`.
pub fn insert(
    c: &mut DbConnection,
    token_hash: &str,
    family: &str,
    account: AccountId,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::family_id.eq(family),
            refresh_tokens::account_id.eq(account.to_string()),
            refresh_tokens::created_at.eq(to_db(created_at)),
            refresh_tokens::expires_at.eq(to_db(expires_at)),
        ))
        .execute(c)?;
    Ok(())
}

/// Uses up a refresh token. The live-to-used transition is one conditional UPDATE, so of two
/// concurrent uses exactly one redeems and the other counts as a replay.
pub fn redeem(
    c: &mut DbConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Redemption, PersistenceError> {
    let now = to_db(now);
    let found: Option<(String, String, Option<chrono::NaiveDateTime>)> = refresh_tokens::table
        .find(token_hash)
        .filter(refresh_tokens::revoked_at.is_null())
        .filter(refresh_tokens::expires_at.gt(now))
        .select((
            refresh_tokens::family_id,
            refresh_tokens::account_id,
            refresh_tokens::used_at,
        ))
        .first(c)
        .optional()?;
    let Some((family, account, used_at)) = found else {
        return Ok(Redemption::Invalid);
    };
    let account = AccountId(parse_id(&account, "account")?);
    let claimed = if used_at.is_none() {
        diesel::update(
            refresh_tokens::table
                .find(token_hash)
                .filter(refresh_tokens::used_at.is_null()),
        )
        .set(refresh_tokens::used_at.eq(Some(now)))
        .execute(c)?
    } else {
        0
    };
    if claimed == 1 {
        return Ok(Redemption::Redeemed { family, account });
    }
    revoke_family(c, &family, now)?;
    Ok(Redemption::Replayed { account })
}

/// Revokes the session the token belongs to, if the token is the account's. Answers whether
/// anything was revoked.
pub fn revoke_session_of(
    c: &mut DbConnection,
    token_hash: &str,
    account: AccountId,
    now: DateTime<Utc>,
) -> Result<bool, PersistenceError> {
    let family: Option<String> = refresh_tokens::table
        .find(token_hash)
        .filter(refresh_tokens::account_id.eq(account.to_string()))
        .select(refresh_tokens::family_id)
        .first(c)
        .optional()?;
    match family {
        Some(family) => Ok(revoke_family(c, &family, to_db(now))? > 0),
        None => Ok(false),
    }
}

fn revoke_family(
    c: &mut DbConnection,
    family: &str,
    now: NaiveDateTime,
) -> Result<usize, PersistenceError> {
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Some(now)))
    .execute(c)?)
}

/// One login session, as its owner may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The session's id (the token family).
    pub id: String,
    /// When it began (the login).
    pub started_at: DateTime<Utc>,
    /// When its refresh token was last rotated.
    pub last_refreshed_at: DateTime<Utc>,
    /// When its current refresh token expires.
    pub expires_at: DateTime<Utc>,
    /// When it was ended, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Every session of `account`, oldest first.
pub fn sessions_of(
    c: &mut DbConnection,
    account: AccountId,
) -> Result<Vec<Session>, PersistenceError> {
    type Row = (String, NaiveDateTime, NaiveDateTime, Option<NaiveDateTime>);
    let rows: Vec<Row> = refresh_tokens::table
        .filter(refresh_tokens::account_id.eq(account.to_string()))
        .order((
            refresh_tokens::created_at.asc(),
            refresh_tokens::token_hash.asc(),
        ))
        .select((
            refresh_tokens::family_id,
            refresh_tokens::created_at,
            refresh_tokens::expires_at,
            refresh_tokens::revoked_at,
        ))
        .load(c)?;
    let mut sessions: Vec<Session> = Vec::new();
    for (family, created_at, expires_at, revoked_at) in rows {
        let (created_at, expires_at) = (from_db(created_at), from_db(expires_at));
        match sessions.iter_mut().find(|session| session.id == family) {
            Some(session) => {
                session.last_refreshed_at = created_at;
                session.expires_at = expires_at;
                session.revoked_at = session.revoked_at.or(revoked_at.map(from_db));
            }
            None => sessions.push(Session {
                id: family,
                started_at: created_at,
                last_refreshed_at: created_at,
                expires_at,
                revoked_at: revoked_at.map(from_db),
            }),
        }
    }
    Ok(sessions)
}

/// Revokes every session of `account` except `keep`.
pub fn revoke_all_but(
    c: &mut DbConnection,
    account: AccountId,
    keep: Option<&str>,
    now: DateTime<Utc>,
) -> Result<usize, PersistenceError> {
    let mut query = diesel::update(refresh_tokens::table)
        .filter(refresh_tokens::account_id.eq(account.to_string()))
        .filter(refresh_tokens::revoked_at.is_null())
        .into_boxed();
    if let Some(keep) = keep {
        query = query.filter(refresh_tokens::family_id.ne(keep.to_owned()));
    }
    Ok(query
        .set(refresh_tokens::revoked_at.eq(Some(to_db(now))))
        .execute(c)?)
}
