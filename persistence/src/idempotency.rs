//! Answers to requests sent with an `Idempotency-Key`, so that a retry gets the first answer.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::idempotency_keys;
use crate::time::to_db;
use crate::{DbConnection, PersistenceError};

/// The answer given to the first request with a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    /// SHA-256 (hex) of the request it answered.
    pub request_hash: String,
    /// Its HTTP status; 0 while the first request is still being answered.
    pub status: u16,
    /// Its JSON body.
    pub body: String,
}

/// What reserving a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// The key is this request's: answer it, then [`complete`] the reservation.
    Reserved,
    /// Another request had the key: what is stored under it.
    Taken(StoredAnswer),
}

/// Reserves the sender's key for the request `request_hash`, first dropping the sender's
/// answers from before `expired` (so a key may be used again once its answer expired). When a
/// concurrent request holds the key, PostgreSQL makes this wait until that request commits or
/// rolls back, so the answer it stored is found, not a half-made one.
pub fn reserve(
    c: &mut DbConnection,
    principal: &str,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
    expired: DateTime<Utc>,
) -> Result<Reservation, PersistenceError> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::principal.eq(principal))
            .filter(idempotency_keys::created_at.lt(to_db(expired))),
    )
    .execute(c)?;
    let row = (
        idempotency_keys::principal.eq(principal),
        idempotency_keys::idempotency_key.eq(key),
        idempotency_keys::request_hash.eq(request_hash),
        idempotency_keys::status.eq(0),
        idempotency_keys::body.eq(""),
        idempotency_keys::created_at.eq(to_db(now)),
    );
    let insert = diesel::insert_into(idempotency_keys::table)
        .values(row)
        .on_conflict_do_nothing();
    let inserted = match c {
        DbConnection::Postgres(pg) => insert.execute(pg)?,
        DbConnection::Sqlite(sqlite) => insert.execute(sqlite)?,
    };
    if inserted == 1 {
        return Ok(Reservation::Reserved);
    }
    let (request_hash, status, body): (String, i32, String) = idempotency_keys::table
        .find((principal, key))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::status,
            idempotency_keys::body,
        ))
        .first(c)?;
    Ok(Reservation::Taken(StoredAnswer {
        request_hash,
        status: u16::try_from(status)
            .map_err(|_| PersistenceError::Corrupt(format!("idempotent status {status}")))?,
        body,
    }))
}

/// Stores the answer to a reserved key.
pub fn complete(
    c: &mut DbConnection,
    principal: &str,
    key: &str,
    status: u16,
    body: &str,
) -> Result<(), PersistenceError> {
    diesel::update(idempotency_keys::table.find((principal, key)))
        .set((
            idempotency_keys::status.eq(i32::from(status)),
            idempotency_keys::body.eq(body),
        ))
        .execute(c)?;
    Ok(())
}

/// Drops every answer from before `expired`.
pub fn purge(c: &mut DbConnection, expired: DateTime<Utc>) -> Result<usize, PersistenceError> {
    Ok(diesel::delete(
        idempotency_keys::table.filter(idempotency_keys::created_at.lt(to_db(expired))),
    )
    .execute(c)?)
}
