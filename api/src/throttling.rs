//! Throttling of credential checks: failures count against the attempted account and the
//! client address, in the database so every node sees them.

use std::net::IpAddr;

use chrono::Utc;
use hearth_domain::throttle::{PER_ACCOUNT, PER_CLIENT};
use hearth_persistence::login_failures;

use crate::credentials::fingerprint;
use crate::db::Db;
use crate::error::ApiError;

/// A password check subject to throttling: counted against the attempted email and the client
/// address, whether or not an account has that email.
#[derive(Debug, Clone)]
pub struct Attempt {
    account_key: String,
    client_key: Option<String>,
}

impl Attempt {
    pub fn new(email: &str, client: Option<IpAddr>) -> Self {
        Self {
            account_key: fingerprint("account", &email.trim().to_lowercase()),
            client_key: client.map(|ip| fingerprint("client", &ip.to_string())),
        }
    }

    /// Refuses with 429 while either subject has too many recent failures.
    pub async fn ensure_not_throttled(&self, db: &Db) -> Result<(), ApiError> {
        let attempt = self.clone();
        db.run(move |c| {
            let now = Utc::now();
            let failures =
                login_failures::since(c, &attempt.account_key, PER_ACCOUNT.window_start(now))?;
            PER_ACCOUNT.check(failures.count, failures.oldest, now)?;
            if let Some(client_key) = &attempt.client_key {
                let failures = login_failures::since(c, client_key, PER_CLIENT.window_start(now))?;
                PER_CLIENT.check(failures.count, failures.oldest, now)?;
            }
            Ok(())
        })
        .await
    }

    /// Records a failure, or clears the email's failures after a success.
    pub async fn settle(&self, db: &Db, succeeded: bool) -> Result<(), ApiError> {
        let attempt = self.clone();
        db.run(move |c| {
            if succeeded {
                return Ok(login_failures::clear(c, &attempt.account_key)?);
            }
            let now = Utc::now();
            let subjects: Vec<&str> = std::iter::once(attempt.account_key.as_str())
                .chain(attempt.client_key.as_deref())
                .collect();
            let forget_before = now - PER_ACCOUNT.window.max(PER_CLIENT.window);
            Ok(login_failures::record(c, &subjects, now, forget_before)?)
        })
        .await
    }
}
