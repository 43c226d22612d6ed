//! Belonging to a group: roles, the life of a membership, and who may see and do what.

use chrono::{DateTime, Utc};

use crate::DomainError;
use crate::account::{AccountId, PlatformRole};
use crate::group::{GroupId, JoinPolicy, Visibility};
use crate::identifier::identifier;
use crate::vocabulary::vocabulary;

identifier! {
    /// A membership's public identifier: one per person and group, so it says nothing about the
    /// person's other groups.
    pub struct MembershipId;
}

vocabulary! {
    /// A person's role in a group, from least to most responsibility.
    pub enum GroupRole {
        /// Takes part.
        Member = "member",
        /// Runs meetings, admits people, moderates.
        Facilitator = "facilitator",
        /// Everything a facilitator does, plus the group's settings and its facilitators.
        Owner = "owner",
    }
}

vocabulary! {
    /// Where a membership stands.
    pub enum MembershipStatus {
        /// Asked to join; waits for a facilitator.
        Pending = "pending",
        /// In the group.
        Active = "active",
        /// The request was declined; the person may ask again.
        Declined = "declined",
        /// Left, or withdrew a request; may come back.
        Left = "left",
        /// Removed by a facilitator; may come back.
        Removed = "removed",
        /// Barred: can neither join nor ask to.
        Banned = "banned",
    }
}

/// A person's standing in a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// Their role.
    pub role: GroupRole,
    /// Their status.
    pub status: MembershipStatus,
}

/// A person's membership of a group, in whatever status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// Its id.
    pub id: MembershipId,
    /// The group.
    pub group: GroupId,
    /// The person.
    pub account: AccountId,
    /// Their role.
    pub role: GroupRole,
    /// Their status.
    pub status: MembershipStatus,
    /// What they wrote when asking to join, while the request is open.
    pub message: Option<String>,
    /// When they first asked or joined.
    pub created_at: DateTime<Utc>,
    /// When the status or role last changed.
    pub updated_at: DateTime<Utc>,
    /// When they last became an active member.
    pub joined_at: Option<DateTime<Utc>>,
}

impl Membership {
    /// Where the person stands.
    pub fn standing(&self) -> Standing {
        Standing {
            role: self.role,
            status: self.status,
        }
    }
}

identifier! {
    /// An invitation's public identifier.
    pub struct InvitationId;
}

/// A single-use invitation into a group. The code itself is stored only as a hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// Its id.
    pub id: InvitationId,
    /// The group it opens.
    pub group: GroupId,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was used, if it was.
    pub used_at: Option<DateTime<Utc>>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Checks an invitation's lifetime in hours: 1 hour to 30 days.
pub fn parse_invitation_hours(hours: u32) -> Result<u32, DomainError> {
    if !(1..=720).contains(&hours) {
        return Err(DomainError::Invalid {
            field: "expires_in_hours".to_owned(),
            code: "range",
            message: "must be 1 to 720 (30 days)".to_owned(),
        });
    }
    Ok(hours)
}

/// Someone looking at or acting on a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupActor {
    /// Their platform role; `None` for an anonymous caller.
    pub platform_role: Option<PlatformRole>,
    /// Their standing in this group, if they have one.
    pub standing: Option<Standing>,
}

impl GroupActor {
    /// A caller without an account.
    pub const ANONYMOUS: Self = Self {
        platform_role: None,
        standing: None,
    };

    fn is_admin(&self) -> bool {
        self.platform_role == Some(PlatformRole::Admin)
    }

    /// The role of an active member; nothing for anyone else.
    pub fn active_role(&self) -> Option<GroupRole> {
        self.standing
            .filter(|standing| standing.status == MembershipStatus::Active)
            .map(|standing| standing.role)
    }

    fn at_least(&self, role: GroupRole) -> bool {
        self.is_admin() || self.active_role().is_some_and(|own| own >= role)
    }

    /// Whether the group exists for this actor. Private groups exist only for their active
    /// members, people with a pending request, and platform admins; to anyone else they are
    /// exactly like a group that does not exist.
    pub fn may_see(&self, visibility: Visibility) -> Result<(), DomainError> {
        let pending = self
            .standing
            .is_some_and(|standing| standing.status == MembershipStatus::Pending);
        match visibility {
            Visibility::Public | Visibility::Unlisted => Ok(()),
            Visibility::Private if self.at_least(GroupRole::Member) || pending => Ok(()),
            Visibility::Private => Err(DomainError::NotFound("group")),
        }
    }

    /// The member list: active members and platform admins. Others see a count only.
    pub fn may_list_members(&self, visibility: Visibility) -> Result<(), DomainError> {
        self.may_see(visibility)?;
        self.require(GroupRole::Member)
    }

    /// RSVPs to the group's meetings: its active members.
    pub fn may_attend(&self, visibility: Visibility) -> Result<(), DomainError> {
        self.may_see(visibility)?;
        match self.active_role() {
            Some(_) => Ok(()),
            None => Err(DomainError::MembershipRequired),
        }
    }

    /// The group's conversation, to read and to write in: its active members, as for RSVPs.
    pub fn may_converse(&self, visibility: Visibility) -> Result<(), DomainError> {
        self.may_attend(visibility)
    }

    /// Whether they facilitate the group themselves: an active facilitator or owner. (A
    /// platform administrator may moderate any group, but facilitates none by that alone.)
    pub fn facilitates(&self) -> bool {
        self.active_role()
            .is_some_and(|role| role >= GroupRole::Facilitator)
    }

    /// Pending requests, bans and invitations: facilitators, owners, platform admins.
    pub fn may_moderate(&self, visibility: Visibility) -> Result<(), DomainError> {
        self.may_see(visibility)?;
        self.require(GroupRole::Facilitator)
    }

    /// The group's profile: facilitators and owners.
    pub fn may_edit(&self, visibility: Visibility) -> Result<(), DomainError> {
        self.may_moderate(visibility)
    }

    /// Archiving: owners and platform admins.
    pub fn may_archive(&self, visibility: Visibility) -> Result<(), DomainError> {
        self.may_see(visibility)?;
        self.require(GroupRole::Owner)
    }

    /// Acting on someone else's membership (admitting, removing, banning, changing a role).
    /// Facilitators act on members; owners and platform admins on anyone; nobody promotes
    /// beyond their own role.
    pub fn may_manage(
        &self,
        visibility: Visibility,
        target: GroupRole,
        new_role: Option<GroupRole>,
    ) -> Result<(), DomainError> {
        self.may_moderate(visibility)?;
        if self.is_admin() {
            return Ok(());
        }
        let own = self.active_role().ok_or(DomainError::Forbidden)?;
        let outranks = own == GroupRole::Owner || target < own;
        let grants_within_own = new_role.is_none_or(|role| role <= own);
        if outranks && grants_within_own {
            Ok(())
        } else {
            Err(DomainError::Forbidden)
        }
    }

    fn require(&self, role: GroupRole) -> Result<(), DomainError> {
        if self.at_least(role) {
            Ok(())
        } else {
            Err(DomainError::Forbidden)
        }
    }
}

/// What asking to join leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// In at once, as a member.
    Admitted,
    /// A request for a facilitator to decide.
    Requested,
}

/// Decides what a person's wish to join comes to, given the group's policy, whether they hold a
/// valid invitation, and where they stand now.
pub fn admission(
    policy: JoinPolicy,
    invited: bool,
    standing: Option<Standing>,
) -> Result<Admission, DomainError> {
    match standing.map(|standing| standing.status) {
        Some(MembershipStatus::Banned) => return Err(DomainError::Banned),
        Some(MembershipStatus::Active) => return Err(DomainError::AlreadyMember),
        Some(MembershipStatus::Pending) if !invited => return Err(DomainError::AlreadyRequested),
        _ => {}
    }
    match (policy, invited) {
        (_, true) | (JoinPolicy::Open, false) => Ok(Admission::Admitted),
        (JoinPolicy::Request, false) => Ok(Admission::Requested),
        (JoinPolicy::Invite, false) => Err(DomainError::InvitationRequired),
    }
}

/// A facilitator's decision about someone's membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Admit a pending request.
    Approve,
    /// Decline a pending request.
    Decline,
    /// Take an active member out of the group.
    Remove,
    /// Bar someone from the group, whatever they were.
    Ban,
    /// Lift a ban; the person may ask or join again.
    Unban,
}

impl Decision {
    /// The decision that moves a membership to `status`, refusing moves that make no sense from
    /// where it stands.
    pub fn towards(from: MembershipStatus, to: MembershipStatus) -> Result<Self, DomainError> {
        use MembershipStatus::{Active, Banned, Declined, Pending, Removed};
        match (from, to) {
            (Pending, Active) => Ok(Self::Approve),
            (Pending, Declined) => Ok(Self::Decline),
            (Active, Removed) => Ok(Self::Remove),
            (Banned, Removed) => Ok(Self::Unban),
            (from, Banned) if from != Banned => Ok(Self::Ban),
            (from, to) => Err(DomainError::InvalidTransition {
                subject: "membership",
                from: from.as_str(),
                to: to.as_str(),
            }),
        }
    }
}

/// Refuses a change that would leave a group without an owner: `owners_after` counts the active
/// owners the group would have.
pub fn keeps_an_owner(owners_after: u64) -> Result<(), DomainError> {
    if owners_after == 0 {
        return Err(DomainError::LastOwner);
    }
    Ok(())
}

/// Checks a join request's message: at most 500 characters, trimmed; empty means none.
pub fn parse_request_message(raw: Option<&str>) -> Result<Option<String>, DomainError> {
    let Some(message) = raw.map(str::trim).filter(|m| !m.is_empty()) else {
        return Ok(None);
    };
    if message.chars().count() > 500
        || message
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r')
    {
        return Err(DomainError::Invalid {
            field: "message".to_owned(),
            code: "length",
            message: "must be at most 500 characters of text".to_owned(),
        });
    }
    Ok(Some(message.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use GroupRole::{Facilitator, Member, Owner};
    use MembershipStatus::{Active, Banned, Declined, Left, Pending, Removed};

    fn actor(role: GroupRole, status: MembershipStatus) -> GroupActor {
        GroupActor {
            platform_role: Some(PlatformRole::Member),
            standing: Some(Standing { role, status }),
        }
    }

    const OUTSIDER: GroupActor = GroupActor {
        platform_role: Some(PlatformRole::Member),
        standing: None,
    };
    const ADMIN: GroupActor = GroupActor {
        platform_role: Some(PlatformRole::Admin),
        standing: None,
    };

    #[test]
    fn private_groups_exist_only_for_their_people() {
        let hidden = Err(DomainError::NotFound("group"));
        let cases = [
            (GroupActor::ANONYMOUS, hidden.clone()),
            (OUTSIDER, hidden.clone()),
            (actor(Member, Banned), hidden.clone()),
            (actor(Member, Left), hidden.clone()),
            (actor(Member, Pending), Ok(())),
            (actor(Member, Active), Ok(())),
            (ADMIN, Ok(())),
        ];
        for (actor, expected) in cases {
            assert_eq!(actor.may_see(Visibility::Private), expected, "{actor:?}");
            assert_eq!(actor.may_see(Visibility::Unlisted), Ok(()), "{actor:?}");
            assert_eq!(actor.may_see(Visibility::Public), Ok(()), "{actor:?}");
        }
    }

    #[test]
    fn only_active_members_rsvp() {
        let public = Visibility::Public;
        let refused = Err(DomainError::MembershipRequired);
        for actor in [
            OUTSIDER,
            ADMIN,
            actor(Member, Pending),
            actor(Owner, Left),
            actor(Member, Banned),
        ] {
            assert_eq!(actor.may_attend(public), refused, "{actor:?}");
        }
        for role in [Member, Facilitator, Owner] {
            assert_eq!(actor(role, Active).may_attend(public), Ok(()));
        }
        assert_eq!(
            OUTSIDER.may_attend(Visibility::Private),
            Err(DomainError::NotFound("group"))
        );
    }

    #[test]
    fn member_lists_are_for_members_and_requests_for_facilitators() {
        let public = Visibility::Public;
        assert_eq!(
            GroupActor::ANONYMOUS.may_list_members(public),
            Err(DomainError::Forbidden)
        );
        assert_eq!(
            actor(Member, Pending).may_list_members(public),
            Err(DomainError::Forbidden)
        );
        assert_eq!(
            actor(Owner, Banned).may_list_members(public),
            Err(DomainError::Forbidden)
        );
        assert_eq!(actor(Member, Active).may_list_members(public), Ok(()));
        assert_eq!(
            actor(Member, Active).may_moderate(public),
            Err(DomainError::Forbidden)
        );
        assert_eq!(actor(Facilitator, Active).may_moderate(public), Ok(()));
        assert_eq!(ADMIN.may_moderate(public), Ok(()));
        assert_eq!(
            actor(Facilitator, Active).may_archive(public),
            Err(DomainError::Forbidden)
        );
        assert_eq!(actor(Owner, Active).may_archive(public), Ok(()));
    }

    #[test]
    fn facilitators_manage_members_and_owners_manage_everyone() {
        let public = Visibility::Public;
        let facilitator = actor(Facilitator, Active);
        let owner = actor(Owner, Active);

        assert_eq!(facilitator.may_manage(public, Member, None), Ok(()));
        assert_eq!(
            facilitator.may_manage(public, Member, Some(Facilitator)),
            Ok(())
        );
        assert_eq!(
            facilitator.may_manage(public, Member, Some(Owner)),
            Err(DomainError::Forbidden)
        );
        assert_eq!(
            facilitator.may_manage(public, Facilitator, None),
            Err(DomainError::Forbidden)
        );
        assert_eq!(
            facilitator.may_manage(public, Owner, None),
            Err(DomainError::Forbidden)
        );
        assert_eq!(owner.may_manage(public, Owner, Some(Member)), Ok(()));
        assert_eq!(ADMIN.may_manage(public, Owner, Some(Member)), Ok(()));
        assert_eq!(
            actor(Member, Active).may_manage(public, Member, None),
            Err(DomainError::Forbidden)
        );
    }

    #[test]
    fn admission_follows_the_join_policy() {
        use JoinPolicy::{Invite, Open, Request};
        assert_eq!(admission(Open, false, None), Ok(Admission::Admitted));
        assert_eq!(admission(Request, false, None), Ok(Admission::Requested));
        assert_eq!(
            admission(Invite, false, None),
            Err(DomainError::InvitationRequired)
        );
        assert_eq!(admission(Invite, true, None), Ok(Admission::Admitted));
        assert_eq!(admission(Request, true, None), Ok(Admission::Admitted));
    }

    #[test]
    fn admission_respects_where_the_person_stands() {
        let standing = |status| {
            Some(Standing {
                role: Member,
                status,
            })
        };
        assert_eq!(
            admission(JoinPolicy::Open, true, standing(Banned)),
            Err(DomainError::Banned)
        );
        assert_eq!(
            admission(JoinPolicy::Open, false, standing(Active)),
            Err(DomainError::AlreadyMember)
        );
        assert_eq!(
            admission(JoinPolicy::Request, false, standing(Pending)),
            Err(DomainError::AlreadyRequested)
        );
        assert_eq!(
            admission(JoinPolicy::Invite, true, standing(Pending)),
            Ok(Admission::Admitted)
        );
        for status in [Left, Removed, Declined] {
            assert_eq!(
                admission(JoinPolicy::Request, false, standing(status)),
                Ok(Admission::Requested)
            );
        }
    }

    #[test]
    fn decisions_only_move_memberships_where_they_can_go() {
        assert_eq!(Decision::towards(Pending, Active), Ok(Decision::Approve));
        assert_eq!(Decision::towards(Pending, Declined), Ok(Decision::Decline));
        assert_eq!(Decision::towards(Active, Removed), Ok(Decision::Remove));
        assert_eq!(Decision::towards(Banned, Removed), Ok(Decision::Unban));
        for from in [Pending, Active, Declined, Left, Removed] {
            assert_eq!(Decision::towards(from, Banned), Ok(Decision::Ban));
        }
        for (from, to) in [
            (Active, Active),
            (Left, Active),
            (Banned, Banned),
            (Active, Declined),
            (Pending, Removed),
            (Active, Pending),
            (Active, Left),
        ] {
            assert!(
                matches!(
                    Decision::towards(from, to),
                    Err(DomainError::InvalidTransition { .. })
                ),
                "{from:?} -> {to:?}"
            );
        }
    }

    #[test]
    fn a_group_keeps_an_owner() {
        assert_eq!(keeps_an_owner(0), Err(DomainError::LastOwner));
        assert_eq!(keeps_an_owner(1), Ok(()));
    }

    #[test]
    fn request_messages_are_short_text() {
        assert_eq!(parse_request_message(None), Ok(None));
        assert_eq!(parse_request_message(Some("   ")), Ok(None));
        assert_eq!(
            parse_request_message(Some(" Hi, I am new. ")),
            Ok(Some("Hi, I am new.".to_owned()))
        );
        assert!(parse_request_message(Some(&"x".repeat(501))).is_err());
        assert!(parse_request_message(Some("bell\u{7}")).is_err());
    }
}
