//! The audit trail of protected health information: every access to a referral, by whom,
//! with what outcome. Records are only ever appended.

use chrono::{DateTime, Utc};

use crate::identifier::identifier;
use crate::organization::OrganizationId;
use crate::referral::ReferralId;
use crate::vocabulary::vocabulary;

identifier! {
    /// An audit record's id.
    pub struct AuditRecordId;
}

vocabulary! {
    /// What kind of party acted.
    pub enum ActorKind {
        /// A person, by account.
        Account = "account",
        /// An organisation's API client.
        ApiClient = "api_client",
        /// Hearth itself (expiry, a connection it saw).
        System = "system",
    }
}

vocabulary! {
    /// What was done to a referral.
    pub enum AuditAction {
        /// It was submitted.
        Create = "create",
        /// It was read (alone or in a list).
        Read = "read",
        /// Its timeline was read.
        ReadEvents = "read_events",
        /// Its status was changed (the new status is the detail).
        ChangeStatus = "change_status",
        /// The client's consent was revoked.
        RevokeConsent = "revoke_consent",
        /// A platform administrator read the client's data for a stated reason (the detail).
        BreakGlass = "break_glass",
    }
}

vocabulary! {
    /// How an access ended.
    pub enum AuditOutcome {
        /// It happened.
        Allowed = "allowed",
        /// The caller had no right to it.
        Denied = "denied",
        /// The caller had the right, but the request was refused (an impossible transition).
        Refused = "refused",
    }
}

/// One access to a referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Its id.
    pub id: AuditRecordId,
    /// The organisation whose referral it was.
    pub organization: OrganizationId,
    /// The referral.
    pub referral: Option<ReferralId>,
    /// What kind of party acted.
    pub actor_kind: ActorKind,
    /// The account or API client that acted; none for Hearth itself.
    pub actor_id: Option<uuid::Uuid>,
    /// What it did.
    pub action: AuditAction,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// The new status of a change, or the reason for breaking the glass.
    pub detail: Option<String>,
    /// The `X-Request-Id` of the request.
    pub request_id: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}
