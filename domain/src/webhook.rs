//! Webhooks: an organisation's endpoints, the events they hear of, and the rules of delivery
//! (which addresses may never be called, how long to keep trying).

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};

use crate::identifier::identifier;
use crate::organization::OrganizationId;
use crate::vocabulary::vocabulary;

identifier! {
    /// A webhook endpoint's id.
    pub struct WebhookId;
}

identifier! {
    /// One delivery of one event to one endpoint.
    pub struct DeliveryId;
}

identifier! {
    /// One event, the same in every delivery of it (receivers deduplicate on it).
    pub struct EventId;
}

vocabulary! {
    /// What an endpoint hears of.
    pub enum WebhookEvent {
        /// A referral changed status (including its submission and expiry).
        ReferralStatusChanged = "referral.status_changed",
        /// The client revoked consent to a referral.
        ReferralConsentRevoked = "referral.consent_revoked",
    }
}

vocabulary! {
    /// Where a delivery stands.
    pub enum DeliveryStatus {
        /// Waiting for its first or next attempt.
        Pending = "pending",
        /// The endpoint answered 2xx.
        Delivered = "delivered",
        /// Attempts stopped after [`DELIVERY_WINDOW`]; it can be redelivered by hand.
        Failed = "failed",
    }
}

/// An organisation's webhook endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Its id.
    pub id: WebhookId,
    /// Its organisation.
    pub organization: OrganizationId,
    /// Where deliveries go.
    pub url: String,
    /// What it hears of.
    pub events: Vec<WebhookEvent>,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// When it was removed, if it was.
    pub removed_at: Option<DateTime<Utc>>,
}

/// One event on its way to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Its id.
    pub id: DeliveryId,
    /// The endpoint.
    pub webhook: WebhookId,
    /// The event's id.
    pub event: EventId,
    /// What happened.
    pub event_type: WebhookEvent,
    /// The body sent, exactly.
    pub payload: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When attempts stop.
    pub give_up_at: DateTime<Utc>,
    /// The status code of the last answer, if there was one.
    pub last_status_code: Option<u16>,
    /// What went wrong last time.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When the endpoint took it.
    pub delivered_at: Option<DateTime<Utc>>,
}

/// How long Hearth keeps trying a delivery before marking it failed.
pub const DELIVERY_WINDOW: Duration = Duration::hours(24);

/// The wait before attempt `attempts + 1`: 30 seconds doubling up to an hour, scaled by
/// `jitter` (0.5 to 1.5, drawn per attempt) so that endpoints coming back do not get every
/// delivery at the same instant.
pub fn retry_delay(attempts: u32, jitter: f64) -> Duration {
    let exponent = attempts.saturating_sub(1).min(7);
    let base = (30_i64 << exponent).min(3600);
    let jitter = jitter.clamp(0.5, 1.5);
    // Whole milliseconds of at most 1.5 hours: the conversion cannot truncate.
    #[expect(clippy::cast_possible_truncation, reason = "bounded above")]
    let millis = (base as f64 * 1000.0 * jitter).round() as i64;
    Duration::milliseconds(millis)
}

/// Whether a webhook may never be sent to this address: loopback, private, link-local (the
/// cloud metadata service at 169.254.169.254 among them), shared, unspecified, multicast,
/// broadcast and documentation ranges, in IPv4, IPv6 and IPv4 mapped into IPv6.
pub fn is_forbidden_address(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (18..20).contains(&b))
                || a >= 240
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_forbidden_address(IpAddr::V4(v4));
            }
            let segments = v6.segments();
            // IPv4-compatible addresses (::a.b.c.d, deprecated) carry an IPv4 address too.
            if segments[..6].iter().all(|&segment| segment == 0) && !v6.is_loopback() {
                return v6
                    .to_ipv4()
                    .is_none_or(|v4| is_forbidden_address(IpAddr::V4(v4)));
            }
            let first = segments[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first & 0xffc0) == 0xfec0
                || first == 0x2001 && segments[1] == 0x0db8
                // Teredo and 6to4 tunnel to IPv4 addresses that cannot be checked from here.
                || first == 0x2001 && segments[1] == 0x0000
                || first == 0x2002
                || first == 0x0064 && segments[1] == 0xff9b
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_with_jitter_up_to_an_hour() {
        assert_eq!(retry_delay(1, 1.0), Duration::seconds(30));
        assert_eq!(retry_delay(2, 1.0), Duration::seconds(60));
        assert_eq!(retry_delay(3, 0.5), Duration::seconds(60));
        assert_eq!(retry_delay(8, 1.0), Duration::hours(1));
        assert_eq!(retry_delay(40, 1.5), Duration::minutes(90));
        assert_eq!(
            retry_delay(1, 9.0),
            Duration::seconds(45),
            "jitter is bounded"
        );
    }

    #[test]
    fn internal_and_metadata_addresses_are_forbidden() {
        for forbidden in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "64:ff9b:1::1",
            "::10.0.0.1",
            "2002:7f00:1::1",
            "2001:0:4136:e378::1",
        ] {
            let address: IpAddr = forbidden.parse().unwrap();
            assert!(is_forbidden_address(address), "{forbidden}");
        }
        for allowed in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "192.0.3.1"] {
            let address: IpAddr = allowed.parse().unwrap();
            assert!(!is_forbidden_address(address), "{allowed}");
        }
    }
}
