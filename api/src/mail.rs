//! Mail to account owners. Messages are queued in the outbox inside the caller's transaction,
//! so a change and its mail commit together, and written to the log for development. Delivery
//! over SMTP reads the same outbox.

use chrono::{DateTime, Utc};
use hearth_domain::mail::OutgoingEmail;
use hearth_persistence::{DbConnection, PersistenceError, outbox};

/// Queues `email` in the outbox and writes it to the log.
pub fn queue(
    c: &mut DbConnection,
    email: &OutgoingEmail,
    now: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    outbox::insert(c, email, now)?;
    log::info!(
        target: "hearth::mail",
        "queued mail \"{}\" to {}:\n{}",
        email.subject,
        email.recipient,
        email.body.expose()
    );
    Ok(())
}
