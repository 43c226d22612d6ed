//! Answers to requests sent with an `Idempotency-Key`, so that a retry gets the first answer.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::idempotency_keys;
use crate::time::to_db;
use crate::{DbConnection, PersistenceError};

/// The answer given to the first request with a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    /// SHA-256 (hex) of the request it answered.
    pub request_hash: String,
    /// Its HTTP status.
    pub status: u16,
    /// Its JSON body.
    pub body: String,
}

/// The answer stored under the sender's key since `since`, if there is one.
pub fn find(
    c: &mut DbConnection,
    principal: &str,
    key: &str,
    since: DateTime<Utc>,
) -> Result<Option<StoredAnswer>, PersistenceError> {
    let row: Option<(String, i32, String)> = idempotency_keys::table
        .find((principal, key))
        .filter(idempotency_keys::created_at.ge(to_db(since)))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::status,
            idempotency_keys::body,
        ))
        .first(c)
        .optional()?;
    row.map(|(request_hash, status, body)| {
        Ok(StoredAnswer {
            request_hash,
            status: u16::try_from(status)
                .map_err(|_| PersistenceError::Corrupt(format!("idempotent status {status}")))?,
            body,
        })
    })
    .transpose()
}

/// Stores the answer to a key, first dropping the sender's answers from before `expired`
/// (this key's among them, so that a key may be used again once its answer expired). A
/// concurrent request that stored the same key first makes this a `Conflict`.
pub fn store(
    c: &mut DbConnection,
    principal: &str,
    key: &str,
    answer: &StoredAnswer,
    now: DateTime<Utc>,
    expired: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::principal.eq(principal))
            .filter(idempotency_keys::created_at.lt(to_db(expired))),
    )
    .execute(c)?;
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::principal.eq(principal),
            idempotency_keys::idempotency_key.eq(key),
            idempotency_keys::request_hash.eq(&answer.request_hash),
            idempotency_keys::status.eq(i32::from(answer.status)),
            idempotency_keys::body.eq(&answer.body),
            idempotency_keys::created_at.eq::<NaiveDateTime>(to_db(now)),
        ))
        .execute(c)?;
    Ok(())
}
