//! Keeping a group's conversation safe: members report posts, facilitators act on posts and on
//! people, and every action is on record with who, when and why.

use chrono::{DateTime, Duration, Utc};

use crate::DomainError;
use crate::account::AccountId;
use crate::group::GroupId;
use crate::identifier::identifier;
use crate::membership::{Decision, Membership, MembershipId, MembershipStatus};
use crate::post::PostId;
use crate::throttle::Limit;
use crate::vocabulary::vocabulary;

identifier! {
    /// A report's public identifier.
    pub struct ReportId;
}

identifier! {
    /// A moderation action's public identifier.
    pub struct ModerationActionId;
}

vocabulary! {
    /// Why a member reports a post.
    pub enum ReportReason {
        /// Attacks, threats or bullying of a person.
        Harassment = "harassment",
        /// Hate against a group of people.
        Hate = "hate",
        /// Someone may be at risk of harming themselves: facilitators should reach out.
        SelfHarm = "self_harm",
        /// Reveals who someone is, or repeats what was shared in confidence.
        Privacy = "privacy",
        /// Sexual content.
        SexualContent = "sexual_content",
        /// Advertising, scams, or selling substances.
        Spam = "spam",
        /// Dangerous health or treatment claims.
        Misinformation = "misinformation",
        /// Anything else; `details` says what.
        Other = "other",
    }
}

vocabulary! {
    /// Where a report stands.
    pub enum ReportStatus {
        /// Waits for a facilitator.
        Open = "open",
        /// A facilitator acted on the post or its author.
        Actioned = "actioned",
        /// A facilitator looked and left the post as it is.
        Dismissed = "dismissed",
    }
}

vocabulary! {
    /// What a moderator did.
    pub enum ModerationKind {
        /// Hid a post from the group's members.
        Hide = "hide",
        /// Showed a hidden post again.
        Restore = "restore",
        /// Closed a post's open reports, leaving the post as it is.
        Dismiss = "dismiss",
        /// Warned a member.
        Warn = "warn",
        /// Stopped a member from posting for a while.
        Mute = "mute",
        /// Lifted a mute early.
        Unmute = "unmute",
        /// Took a member out of the group; they may come back.
        Remove = "remove",
        /// Barred a person from the group.
        Ban = "ban",
        /// Lifted a ban.
        Unban = "unban",
    }
}

/// What an action is done to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A post (or reply).
    Post,
    /// A member of the group.
    Member,
}

impl ModerationKind {
    /// Whether it acts on a post or on a person.
    pub fn subject(self) -> Subject {
        match self {
            Self::Hide | Self::Restore | Self::Dismiss => Subject::Post,
            Self::Warn | Self::Mute | Self::Unmute | Self::Remove | Self::Ban | Self::Unban => {
                Subject::Member
            }
        }
    }

    /// What it makes of the reports open on the post it names.
    pub fn settles_reports(self) -> Option<ReportStatus> {
        match self {
            Self::Dismiss => Some(ReportStatus::Dismissed),
            Self::Hide | Self::Warn | Self::Mute | Self::Remove | Self::Ban => {
                Some(ReportStatus::Actioned)
            }
            Self::Restore | Self::Unmute | Self::Unban => None,
        }
    }

    /// The change to a membership a removal, ban or unban makes, checked against where the
    /// membership stands; `None` for actions that leave memberships as they are.
    pub fn membership_change(
        self,
        member: &Membership,
    ) -> Result<Option<MembershipStatus>, DomainError> {
        let (to, expected) = match self {
            Self::Remove => (MembershipStatus::Removed, Decision::Remove),
            Self::Ban => (MembershipStatus::Banned, Decision::Ban),
            Self::Unban => (MembershipStatus::Removed, Decision::Unban),
            Self::Hide | Self::Restore | Self::Dismiss | Self::Warn | Self::Mute | Self::Unmute => {
                return Ok(None);
            }
        };
        match Decision::towards(member.status, to) {
            Ok(decision) if decision == expected => Ok(Some(to)),
            _ => Err(DomainError::InvalidTransition {
                subject: "membership",
                from: member.status.as_str(),
                to: self.as_str(),
            }),
        }
    }

    /// The action that logs a facilitator's decision about a membership; admitting people
    /// is not moderation.
    pub fn of_decision(decision: Decision) -> Option<Self> {
        match decision {
            Decision::Remove => Some(Self::Remove),
            Decision::Ban => Some(Self::Ban),
            Decision::Unban => Some(Self::Unban),
            Decision::Approve | Decision::Decline => None,
        }
    }

    /// Whether the member it concerns sees it among their notices. Dismissed reports are not
    /// theirs to know of: reports stay between the reporter and the moderators.
    pub fn is_notice(self) -> bool {
        self != Self::Dismiss
    }
}

/// A member's report of a post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Its id.
    pub id: ReportId,
    /// The reported post.
    pub post: PostId,
    /// The post's group.
    pub group: GroupId,
    /// Who reported it; `None` once their account is erased. Never shown to moderators.
    pub reporter: Option<AccountId>,
    /// Why.
    pub reason: ReportReason,
    /// What the reporter added.
    pub details: Option<String>,
    /// Where it stands.
    pub status: ReportStatus,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When a moderator settled it.
    pub resolved_at: Option<DateTime<Utc>>,
}

/// An entry of a group's moderation log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModerationAction {
    /// Its id.
    pub id: ModerationActionId,
    /// The group.
    pub group: GroupId,
    /// Who acted; `None` once their account is erased.
    pub moderator: Option<AccountId>,
    /// What they did.
    pub kind: ModerationKind,
    /// The post it was about, if any.
    pub post: Option<PostId>,
    /// The member it concerned: the one acted on, or the author of the post.
    pub member: Option<MembershipId>,
    /// Why, in the moderator's words (shown to the member it concerns).
    pub reason: Option<String>,
    /// For a mute, when it ends.
    pub muted_until: Option<DateTime<Utc>>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Reports one member may make within the window: plenty for a bad evening in a busy group,
/// too few to flood a queue.
pub const REPORTING: Limit = Limit {
    failures: 20,
    window: Duration::hours(1),
};

impl ReportReason {
    /// Whether a report for this reason counts towards [`REPORTING`]. Someone at risk is
    /// reported whatever the reporter did before.
    pub fn is_limited(self) -> bool {
        self != Self::SelfHarm
    }
}

/// Most characters of a report's details.
pub const DETAILS_MAX: usize = 1000;

/// Most characters of a moderator's reason.
pub const REASON_MAX: usize = 500;

/// The longest mute, in hours (30 days); a longer one is a removal.
pub const MUTE_HOURS_MAX: u32 = 720;

fn text(field: &str, raw: &str, max: usize) -> Result<Option<String>, DomainError> {
    let text = raw.trim();
    if text.chars().count() > max
        || text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(DomainError::Invalid {
            field: field.to_owned(),
            code: "length",
            message: format!("must be at most {max} characters of text"),
        });
    }
    Ok(Some(text.to_owned()).filter(|text| !text.is_empty()))
}

/// Checks a report's details: optional text up to [`DETAILS_MAX`] characters, required when
/// the reason is `other` (a moderator needs to know what is wrong).
pub fn parse_details(
    reason: ReportReason,
    raw: Option<&str>,
) -> Result<Option<String>, DomainError> {
    let details = raw
        .map(|raw| text("details", raw, DETAILS_MAX))
        .transpose()?
        .flatten();
    if reason == ReportReason::Other && details.is_none() {
        return Err(DomainError::Invalid {
            field: "details".to_owned(),
            code: "required",
            message: "say what is wrong when the reason is `other`".to_owned(),
        });
    }
    Ok(details)
}

/// Checks a moderator's reason: 1 to [`REASON_MAX`] characters of text. Required: the log
/// must say why.
pub fn parse_reason(raw: &str) -> Result<String, DomainError> {
    text("reason", raw, REASON_MAX)?.ok_or_else(|| DomainError::Invalid {
        field: "reason".to_owned(),
        code: "required",
        message: "say why; the log keeps it".to_owned(),
    })
}

/// How long a mute of `hours` lasts: 1 to [`MUTE_HOURS_MAX`] hours.
pub fn mute_duration(hours: u32) -> Result<Duration, DomainError> {
    if !(1..=MUTE_HOURS_MAX).contains(&hours) {
        return Err(DomainError::Invalid {
            field: "hours".to_owned(),
            code: "range",
            message: format!("must be 1 to {MUTE_HOURS_MAX} (30 days)"),
        });
    }
    Ok(Duration::hours(i64::from(hours)))
}

/// Refuses warning or muting someone who is not an active member now.
pub fn may_warn_or_mute(member: &Membership, kind: ModerationKind) -> Result<(), DomainError> {
    if member.status == MembershipStatus::Active {
        Ok(())
    } else {
        Err(DomainError::InvalidTransition {
            subject: "membership",
            from: member.status.as_str(),
            to: kind.as_str(),
        })
    }
}

/// Refuses lifting a mute that is not there.
pub fn may_unmute(until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<(), DomainError> {
    match not_muted(until, now) {
        Err(_) => Ok(()),
        Ok(()) => Err(DomainError::InvalidTransition {
            subject: "membership",
            from: "not muted",
            to: "unmuted",
        }),
    }
}

/// Refuses writing while a mute lasts.
pub fn not_muted(until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<(), DomainError> {
    match until {
        Some(until) if until > now => Err(DomainError::Muted { until }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(error: Result<impl std::fmt::Debug, DomainError>) -> &'static str {
        match error {
            Err(DomainError::Invalid { code, .. }) => code,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn details_are_optional_text_except_for_other() {
        assert_eq!(parse_details(ReportReason::Spam, None), Ok(None));
        assert_eq!(parse_details(ReportReason::Spam, Some("  ")), Ok(None));
        assert_eq!(
            parse_details(ReportReason::Other, Some(" Shares a member's workplace. ")),
            Ok(Some("Shares a member's workplace.".to_owned()))
        );
        assert_eq!(code(parse_details(ReportReason::Other, None)), "required");
        assert_eq!(
            code(parse_details(ReportReason::Other, Some(" "))),
            "required"
        );
        assert_eq!(
            code(parse_details(
                ReportReason::Hate,
                Some(&"x".repeat(DETAILS_MAX + 1))
            )),
            "length"
        );
        assert_eq!(
            code(parse_details(ReportReason::Hate, Some("a\u{0}b"))),
            "length"
        );
    }

    #[test]
    fn a_moderator_always_says_why() {
        assert_eq!(parse_reason(" Off topic. "), Ok("Off topic.".to_owned()));
        assert_eq!(code(parse_reason(" ")), "required");
        assert_eq!(code(parse_reason(&"x".repeat(REASON_MAX + 1))), "length");
    }

    #[test]
    fn mutes_last_an_hour_to_thirty_days() {
        let now = Utc::now();
        assert_eq!(mute_duration(24), Ok(Duration::hours(24)));
        assert!(mute_duration(MUTE_HOURS_MAX).is_ok());
        assert_eq!(code(mute_duration(0)), "range");
        assert_eq!(code(mute_duration(MUTE_HOURS_MAX + 1)), "range");
        let until = now + Duration::minutes(1);
        assert_eq!(
            not_muted(Some(until), now),
            Err(DomainError::Muted { until })
        );
        assert_eq!(not_muted(Some(now), now), Ok(()));
        assert_eq!(not_muted(None, now), Ok(()));
    }

    #[test]
    fn acting_settles_reports_and_dismissing_stays_between_moderators() {
        assert_eq!(
            ModerationKind::Dismiss.settles_reports(),
            Some(ReportStatus::Dismissed)
        );
        assert_eq!(
            ModerationKind::Hide.settles_reports(),
            Some(ReportStatus::Actioned)
        );
        assert_eq!(ModerationKind::Restore.settles_reports(), None);
        assert!(!ModerationKind::Dismiss.is_notice());
        assert!(ModerationKind::Mute.is_notice());
        assert_eq!(ModerationKind::Hide.subject(), Subject::Post);
        assert_eq!(ModerationKind::Ban.subject(), Subject::Member);
    }
}
