//! Mail to account owners. Messages are queued in the outbox inside the caller's transaction,
//! so a change and its mail commit together. Without SMTP configured they are written to the
//! log (development); with it, a delivery worker sends them, retrying with backoff.

use chrono::{DateTime, Duration, Utc};
use hearth_domain::Sensitive;
use hearth_domain::mail::OutgoingEmail;
use hearth_persistence::{DbConnection, DbPool, PersistenceError, outbox};
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{Message, SmtpTransport, Transport};

use crate::worker::Worker;

/// Most mails that anyone may cause to be sent to one address within [`ON_REQUEST_WINDOW`]
/// (registrations, new codes, resets): enough for a person retrying, too few to flood a mailbox.
pub const ON_REQUEST_LIMIT: i64 = 5;
/// The window of [`ON_REQUEST_LIMIT`].
pub const ON_REQUEST_WINDOW: Duration = Duration::hours(1);

/// Queues a mail that an anonymous request triggers, unless the address already got
/// [`ON_REQUEST_LIMIT`] mails within the window. Dropping it is silent: the request answers
/// the same either way, so the limit reveals nothing about the address.
pub fn queue_on_request(
    c: &mut DbConnection,
    email: &OutgoingEmail,
    now: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    if outbox::count_since(c, &email.recipient, now - ON_REQUEST_WINDOW)? >= ON_REQUEST_LIMIT {
        log::warn!(
            target: "hearth::mail",
            "not queuing \"{}\": the address had {ON_REQUEST_LIMIT} mails within the hour",
            email.subject
        );
        return Ok(());
    }
    queue(c, email, now)
}

/// Queues `email` in the outbox and writes it to the log (the body at `debug`: it may hold a
/// one-time code).
pub fn queue(
    c: &mut DbConnection,
    email: &OutgoingEmail,
    now: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    outbox::insert(c, email, now)?;
    log::info!(target: "hearth::mail", "queued mail \"{}\"", email.subject);
    log::debug!(
        target: "hearth::mail",
        "to {}:\n{}",
        email.recipient,
        email.body.expose()
    );
    Ok(())
}

/// How long a node owns a claimed message before another may try it.
const LEASE: Duration = Duration::minutes(5);
/// Messages claimed per round.
const BATCH: i64 = 20;
/// How long an idle worker waits before looking again.
const IDLE: std::time::Duration = std::time::Duration::from_millis(500);

/// SMTP delivery of the outbox, configured by `HEARTH_SMTP_URL` and `HEARTH_MAIL_FROM`.
#[derive(Clone)]
pub struct Smtp {
    transport: SmtpTransport,
    from: Mailbox,
    server: String,
}

impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Smtp")
            .field("server", &self.server)
            .finish()
    }
}

impl Smtp {
    /// A transport from a URL such as `smtps://user:password@smtp.example.org` or
    /// `smtp://localhost:25`, sending as `from` (`Hearth <no-reply@example.org>`).
    pub fn new(url: &Sensitive<String>, from: &str) -> anyhow::Result<Self> {
        let transport = SmtpTransport::from_url(url.expose())
            .map_err(|e| anyhow::anyhow!("invalid SMTP URL: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(10)))
            .build();
        let from = from
            .parse()
            .map_err(|e| anyhow::anyhow!("invalid mail sender `{from}`: {e}"))?;
        let server = url
            .expose()
            .rsplit_once('@')
            .map_or(url.expose().as_str(), |(_, host)| host)
            .trim_start_matches("smtp://")
            .trim_start_matches("smtps://")
            .to_owned();
        Ok(Self {
            transport,
            from,
            server,
        })
    }

    /// Where mail goes, without credentials.
    pub fn server(&self) -> &str {
        &self.server
    }

    fn send(&self, email: &OutgoingEmail) -> Result<(), String> {
        let to: Mailbox = email
            .recipient
            .parse()
            .map_err(|e| format!("recipient: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(email.body.expose().clone())
            .map_err(|e| format!("message: {e}"))?;
        self.transport
            .send(&message)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Starts a background thread delivering due messages from `pool` through `smtp`.
pub fn start_delivery(pool: DbPool, smtp: Smtp) -> Worker {
    Worker::start("mail delivery", pool, IDLE, move |c| {
        Ok(deliver_due(c, &smtp)?)
    })
}

/// One round: claim what is due, send it, record the outcome. Answers how many were claimed.
fn deliver_due(c: &mut DbConnection, smtp: &Smtp) -> Result<usize, PersistenceError> {
    let claimed = outbox::claim_due(c, Utc::now(), LEASE, BATCH)?;
    for message in &claimed {
        match smtp.send(&message.email) {
            Ok(()) => outbox::mark_sent(c, &message.id, Utc::now())?,
            Err(error) => {
                let attempts = message.attempts.saturating_add(1);
                let retry_at = Utc::now() + backoff(attempts);
                log::warn!(
                    "mail \"{}\" not delivered (attempt {attempts}), retrying at {retry_at}: {error}",
                    message.email.subject
                );
                outbox::mark_failed(c, &message.id, attempts, retry_at, &error)?;
            }
        }
    }
    Ok(claimed.len())
}

/// 30 s after the first failure, doubling up to an hour; messages are never given up.
fn backoff(attempts: i32) -> Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 7)).unwrap_or(7);
    Duration::seconds(30 * 2_i64.pow(exponent)).min(Duration::hours(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_to_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(60));
        assert_eq!(backoff(5), Duration::seconds(480));
        assert_eq!(backoff(8), Duration::hours(1));
        assert_eq!(backoff(50), Duration::hours(1));
    }
}
