use chrono::{DateTime, Utc};
use thiserror::Error;

/// Outcomes the domain refuses, named for what happened rather than how it was detected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// A value breaks a rule of the domain.
    #[error("{field}: {message}")]
    Invalid {
        /// The offending field, as the client named it.
        field: String,
        /// A stable code for clients to branch on, such as `length`.
        code: &'static str,
        /// An English explanation.
        message: String,
    },
    /// The email and password (or client id and secret) do not match an account. Says nothing
    /// about which part was wrong.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Too many failed attempts lately; try again after the given number of seconds.
    #[error("too many failed attempts; retry in {retry_after_seconds} s")]
    Throttled {
        /// Seconds until an attempt will be considered again.
        retry_after_seconds: u64,
    },
    /// The actor may see the object but not do this to it.
    #[error("not allowed")]
    Forbidden,
    /// The object does not exist, or exists but is private to others: the two are not told
    /// apart.
    #[error("no such {0}")]
    NotFound(&'static str),
    /// The change would leave an organisation without an administrator.
    #[error("an organisation needs at least one administrator")]
    LastAdmin,
    /// The change would leave a group without an owner.
    #[error("a group needs at least one owner")]
    LastOwner,
    /// The person is banned from the group.
    #[error("banned from this group")]
    Banned,
    /// The person is already an active member.
    #[error("already a member")]
    AlreadyMember,
    /// The person already has a request waiting.
    #[error("a request is already waiting")]
    AlreadyRequested,
    /// The group admits people by invitation only.
    #[error("this group admits people by invitation")]
    InvitationRequired,
    /// Every place in the group is taken.
    #[error("the group is full")]
    GroupFull,
    /// The group is archived and takes no changes.
    #[error("the group is archived")]
    GroupArchived,
    /// Another group has (or once had) this slug.
    #[error("the slug is taken")]
    SlugTaken,
    /// Something (a membership, a post) cannot move from one state to the other.
    #[error("a {subject} cannot go from {from} to {to}")]
    InvalidTransition {
        /// What was to change.
        subject: &'static str,
        /// Where it stands.
        from: &'static str,
        /// Where it was asked to go.
        to: &'static str,
    },
    /// Only active members of the group may do this (RSVP to its meetings, for one).
    #[error("only members of the group may do this")]
    MembershipRequired,
    /// The occurrence is cancelled.
    #[error("the occurrence is cancelled")]
    OccurrenceCancelled,
    /// The occurrence has ended.
    #[error("the occurrence has ended")]
    OccurrenceOver,
    /// Check-ins for the occurrence are not open now.
    #[error("check-ins are not open")]
    CheckInClosed,
    /// The time for editing the post has passed.
    #[error("the post can no longer be edited")]
    EditWindowClosed,
    /// A moderator hid the post: its author cannot change it.
    #[error("the post is hidden by a moderator")]
    PostHidden,
    /// A facilitator muted the person in this group for a while.
    #[error("muted in this group until {until}")]
    Muted {
        /// When the mute ends.
        until: DateTime<Utc>,
    },
    /// The client's consent is revoked or has lapsed: the referral cannot go on.
    #[error("the consent is not in force")]
    ConsentNotInForce,
    /// The account has not confirmed its email address yet.
    #[error("the email address is not confirmed yet")]
    EmailUnconfirmed,
}

/// The value, or its default with the error noted: for checks that report every broken rule.
pub(crate) fn kept<T: Default>(result: Result<T, DomainError>, errors: &mut Vec<DomainError>) -> T {
    result.unwrap_or_else(|error| {
        errors.push(error);
        T::default()
    })
}
