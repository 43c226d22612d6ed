//! Mail waiting to be delivered. Written in the same transaction as the change it reports, so
//! a committed registration always has its confirmation mail.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use hearth_domain::Sensitive;
use hearth_domain::mail::OutgoingEmail;

use crate::schema::outbox_emails;
use crate::time::{from_db, to_db};
use crate::{DbConnection, PersistenceError};

/// A queued message.
#[derive(Debug, Clone)]
pub struct QueuedEmail {
    /// When it was queued.
    pub queued_at: DateTime<Utc>,
    /// When it was handed to the mail server, if it was.
    pub sent_at: Option<DateTime<Utc>>,
    /// Failed delivery attempts so far.
    pub attempts: i32,
    /// The message.
    pub email: OutgoingEmail,
}

/// A message claimed for delivery.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// Its outbox id.
    pub id: String,
    /// Failed attempts before this one.
    pub attempts: i32,
    /// The message.
    pub email: OutgoingEmail,
}

/// Queues a message.
pub fn insert(
    c: &mut DbConnection,
    email: &OutgoingEmail,
    queued_at: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    diesel::insert_into(outbox_emails::table)
        .values((
            outbox_emails::id.eq(uuid::Uuid::now_v7().to_string()),
            outbox_emails::recipient.eq(&email.recipient),
            outbox_emails::subject.eq(&email.subject),
            outbox_emails::body.eq(email.body.expose()),
            outbox_emails::created_at.eq(to_db(queued_at)),
        ))
        .execute(c)?;
    Ok(())
}

/// How many messages were queued for `recipient` at or after `since`.
pub fn count_since(
    c: &mut DbConnection,
    recipient: &str,
    since: DateTime<Utc>,
) -> Result<i64, PersistenceError> {
    Ok(outbox_emails::table
        .filter(outbox_emails::recipient.eq(recipient))
        .filter(outbox_emails::created_at.ge(to_db(since)))
        .count()
        .get_result(c)?)
}

/// The messages queued for `recipient`, oldest first.
pub fn list_for(
    c: &mut DbConnection,
    recipient: &str,
) -> Result<Vec<QueuedEmail>, PersistenceError> {
    type Row = (
        String,
        String,
        String,
        NaiveDateTime,
        Option<NaiveDateTime>,
        i32,
    );
    let rows: Vec<Row> = outbox_emails::table
        .filter(outbox_emails::recipient.eq(recipient))
        .order((outbox_emails::created_at.asc(), outbox_emails::id.asc()))
        .select((
            outbox_emails::recipient,
            outbox_emails::subject,
            outbox_emails::body,
            outbox_emails::created_at,
            outbox_emails::sent_at,
            outbox_emails::attempts,
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(
            |(recipient, subject, body, created_at, sent_at, attempts)| QueuedEmail {
                queued_at: from_db(created_at),
                sent_at: sent_at.map(from_db),
                attempts,
                email: OutgoingEmail {
                    recipient,
                    subject,
                    body: Sensitive::new(body),
                },
            },
        )
        .collect())
}

/// Claims up to `limit` unsent messages that are due, oldest first, by moving their next
/// attempt `lease` ahead. Each claim is one conditional UPDATE, so of several nodes claiming at
/// once each message goes to exactly one; a node that dies mid-delivery leaves the message to
/// be claimed again once the lease runs out (delivery is at least once, nothing is lost).
pub fn claim_due(
    c: &mut DbConnection,
    now: DateTime<Utc>,
    lease: chrono::Duration,
    limit: i64,
) -> Result<Vec<Claimed>, PersistenceError> {
    let at = to_db(now);
    let due = || {
        outbox_emails::sent_at.is_null().and(
            outbox_emails::next_attempt_at
                .is_null()
                .or(outbox_emails::next_attempt_at.le(at)),
        )
    };
    let candidates: Vec<(String, String, String, String, i32)> = outbox_emails::table
        .filter(due())
        .order((outbox_emails::created_at.asc(), outbox_emails::id.asc()))
        .limit(limit)
        .select((
            outbox_emails::id,
            outbox_emails::recipient,
            outbox_emails::subject,
            outbox_emails::body,
            outbox_emails::attempts,
        ))
        .load(c)?;
    let mut claimed = Vec::new();
    for (id, recipient, subject, body, attempts) in candidates {
        let won = diesel::update(outbox_emails::table.find(&id).filter(due()))
            .set(outbox_emails::next_attempt_at.eq(Some(to_db(now + lease))))
            .execute(c)?;
        if won == 1 {
            claimed.push(Claimed {
                id,
                attempts,
                email: OutgoingEmail {
                    recipient,
                    subject,
                    body: Sensitive::new(body),
                },
            });
        }
    }
    Ok(claimed)
}

/// Records that a claimed message was handed to the mail server.
pub fn mark_sent(
    c: &mut DbConnection,
    id: &str,
    at: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    diesel::update(outbox_emails::table.find(id))
        .set((
            outbox_emails::sent_at.eq(Some(to_db(at))),
            outbox_emails::last_error.eq(None::<String>),
        ))
        .execute(c)?;
    Ok(())
}

/// Records a failed attempt and when to try again.
pub fn mark_failed(
    c: &mut DbConnection,
    id: &str,
    attempts: i32,
    retry_at: DateTime<Utc>,
    error: &str,
) -> Result<(), PersistenceError> {
    diesel::update(outbox_emails::table.find(id))
        .set((
            outbox_emails::attempts.eq(attempts),
            outbox_emails::next_attempt_at.eq(Some(to_db(retry_at))),
            outbox_emails::last_error.eq(Some(error)),
        ))
        .execute(c)?;
    Ok(())
}
