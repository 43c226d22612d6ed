//! Throttling of repeated failures: a sliding window that relaxes by itself, so an attacker can
//! slow guessing down but cannot lock a member out for good.

use chrono::{DateTime, Duration, Utc};

use crate::DomainError;

/// How many failures a subject may have within a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Failures allowed within the window; the next attempt is refused.
    pub failures: u32,
    /// The window's length.
    pub window: Duration,
}

/// Failed logins per attempted account (whether or not it exists).
pub const PER_ACCOUNT: Limit = Limit {
    failures: 5,
    window: Duration::minutes(15),
};

/// Failed logins per client address, across accounts.
pub const PER_CLIENT: Limit = Limit {
    failures: 30,
    window: Duration::minutes(15),
};

impl Limit {
    /// Where the window starts now.
    pub fn window_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - self.window
    }

    /// Refuses an attempt when the subject already failed `failures` times in the window;
    /// the refusal says when the oldest failure leaves the window.
    pub fn check(
        &self,
        failures: u32,
        oldest: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        if failures < self.failures {
            return Ok(());
        }
        let relaxes_at = oldest.unwrap_or(now) + self.window;
        // Rounded up: a client that waits as long as it is told must not be refused again.
        let seconds = ((relaxes_at - now).num_milliseconds() + 999)
            .div_euclid(1000)
            .max(1);
        Err(DomainError::Throttled {
            retry_after_seconds: u64::try_from(seconds).unwrap_or(1),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_pass_until_the_limit_then_wait_for_the_oldest_failure() {
        let now = Utc::now();
        let oldest = now - Duration::minutes(10);

        assert_eq!(PER_ACCOUNT.check(4, Some(oldest), now), Ok(()));
        assert_eq!(
            PER_ACCOUNT.check(5, Some(oldest), now),
            Err(DomainError::Throttled {
                retry_after_seconds: 300
            })
        );
    }

    #[test]
    fn the_wait_is_at_least_a_second() {
        let now = Utc::now();
        let almost_gone = now - Duration::minutes(15);

        assert_eq!(
            PER_ACCOUNT.check(9, Some(almost_gone), now),
            Err(DomainError::Throttled {
                retry_after_seconds: 1
            })
        );
    }
}
