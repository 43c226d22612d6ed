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

/// The messages queued for `recipient`, oldest first.
pub fn list_for(
    c: &mut DbConnection,
    recipient: &str,
) -> Result<Vec<QueuedEmail>, PersistenceError> {
    let rows: Vec<(String, String, String, NaiveDateTime)> = outbox_emails::table
        .filter(outbox_emails::recipient.eq(recipient))
        .order((outbox_emails::created_at.asc(), outbox_emails::id.asc()))
        .select((
            outbox_emails::recipient,
            outbox_emails::subject,
            outbox_emails::body,
            outbox_emails::created_at,
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(recipient, subject, body, created_at)| QueuedEmail {
            queued_at: from_db(created_at),
            email: OutgoingEmail {
                recipient,
                subject,
                body: Sensitive::new(body),
            },
        })
        .collect())
}
