//! A group's conversation: posts by its members and the replies under them.

use chrono::{DateTime, Duration, Utc};

use crate::DomainError;
use crate::account::AccountId;
use crate::group::GroupId;
use crate::identifier::identifier;
use crate::membership::MembershipId;
use crate::throttle::Limit;

identifier! {
    /// A post's (or a reply's) public identifier.
    pub struct PostId;
}

/// Most characters of a body.
pub const BODY_MAX: usize = 5000;

/// How long after posting its author may still edit it.
pub const EDIT_WINDOW: Duration = Duration::minutes(15);

/// Posts and replies one member may write within the window, across groups: enough for a
/// lively conversation, too few for a flood.
pub const POSTING: Limit = Limit {
    failures: 10,
    window: Duration::minutes(10),
};

/// A post, or a reply (which names its post).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    /// Its id.
    pub id: PostId,
    /// The group whose conversation it is part of.
    pub group: GroupId,
    /// The post it answers, for a reply.
    pub parent: Option<PostId>,
    /// Who wrote it; `None` once their account is erased.
    pub author: Option<AccountId>,
    /// The author's display name.
    pub author_name: Option<String>,
    /// Markdown; `None` once deleted.
    pub body: Option<String>,
    /// Replies under it (posts only).
    pub reply_count: u32,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When its author last edited it.
    pub edited_at: Option<DateTime<Utc>>,
    /// When it was deleted.
    pub deleted_at: Option<DateTime<Utc>>,
    /// When a moderator hid it.
    pub hidden_at: Option<DateTime<Utc>>,
    /// The author's membership of the group, for moderators to act on.
    pub author_member: Option<MembershipId>,
}

impl Post {
    /// Its author may change it for [`EDIT_WINDOW`] after writing it.
    pub fn may_edit(&self, editor: AccountId, now: DateTime<Utc>) -> Result<(), DomainError> {
        if self.author != Some(editor) {
            return Err(DomainError::Forbidden);
        }
        if now - self.created_at > EDIT_WINDOW {
            return Err(DomainError::EditWindowClosed);
        }
        if self.hidden_at.is_some() {
            return Err(DomainError::PostHidden);
        }
        Ok(())
    }

    /// A deleted or hidden post (or a reply of one) takes no more replies: it is not there to
    /// answer.
    pub fn takes_replies(&self) -> Result<(), DomainError> {
        if self.deleted_at.is_some() || self.hidden_at.is_some() {
            return Err(DomainError::NotFound("post"));
        }
        Ok(())
    }

    /// Whether a reader sees it: hidden posts only their group's moderators and their author.
    pub fn is_visible_to(&self, reader: AccountId, moderator: bool) -> bool {
        self.hidden_at.is_none() || moderator || self.author == Some(reader)
    }

    /// A member reports someone else's post that stands.
    pub fn may_report(&self, reporter: AccountId) -> Result<(), DomainError> {
        if self.deleted_at.is_some() {
            return Err(DomainError::NotFound("post"));
        }
        if self.author == Some(reporter) {
            return Err(DomainError::Forbidden);
        }
        Ok(())
    }

    /// Moderators hide a post that stands and is not hidden yet.
    pub fn may_hide(&self) -> Result<(), DomainError> {
        if self.deleted_at.is_some() {
            return Err(DomainError::NotFound("post"));
        }
        match self.hidden_at {
            Some(_) => Err(self.invalid("hidden", "hidden")),
            None => Ok(()),
        }
    }

    /// Moderators show a hidden post again.
    pub fn may_restore(&self) -> Result<(), DomainError> {
        match self.hidden_at {
            Some(_) => Ok(()),
            None => Err(self.invalid("visible", "visible")),
        }
    }

    fn invalid(&self, from: &'static str, to: &'static str) -> DomainError {
        DomainError::InvalidTransition {
            subject: "post",
            from,
            to,
        }
    }

    /// Only its author deletes it (facilitators hide, which is moderation).
    pub fn may_delete(&self, deleter: AccountId) -> Result<(), DomainError> {
        if self.author == Some(deleter) {
            Ok(())
        } else {
            Err(DomainError::Forbidden)
        }
    }
}

/// Checks a body: markdown text, 1 to [`BODY_MAX`] characters once trimmed, without control
/// characters but line breaks and tabs (a NUL or an escape sequence is not something a person
/// typed).
pub fn parse_body(raw: &str) -> Result<String, DomainError> {
    let body = raw.trim();
    let invalid = |code: &'static str, message: &str| DomainError::Invalid {
        field: "body".to_owned(),
        code,
        message: message.to_owned(),
    };
    if body.is_empty() {
        return Err(invalid("required", "must not be empty"));
    }
    if body.chars().count() > BODY_MAX {
        return Err(invalid("length", "must be at most 5000 characters"));
    }
    if body
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(invalid(
            "text",
            "must be text: control characters are not allowed",
        ));
    }
    Ok(body.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(author: AccountId, created_at: DateTime<Utc>) -> Post {
        Post {
            id: PostId::new(),
            group: GroupId::new(),
            parent: None,
            author: Some(author),
            author_name: Some("Sam".to_owned()),
            body: Some("Day 30 today.".to_owned()),
            reply_count: 0,
            created_at,
            edited_at: None,
            deleted_at: None,
            hidden_at: None,
            author_member: None,
        }
    }

    #[test]
    fn bodies_are_trimmed_text_of_bounded_length() {
        assert_eq!(
            parse_body("  Day 30.\n\nThank you all.  "),
            Ok("Day 30.\n\nThank you all.".to_owned())
        );
        assert!(parse_body(&"x".repeat(BODY_MAX)).is_ok());
        let code = |raw: &str| match parse_body(raw) {
            Err(DomainError::Invalid { code, .. }) => code,
            other => panic!("{other:?}"),
        };
        assert_eq!(code(" \n\t "), "required");
        assert_eq!(code(&"x".repeat(BODY_MAX + 1)), "length");
        assert_eq!(code("hello\u{0}world"), "text");
        assert_eq!(code("\u{1b}[31mred"), "text");
    }

    #[test]
    fn authors_edit_for_a_while_and_delete_at_any_time() {
        let author = AccountId::new();
        let now = Utc::now();
        let fresh = post(author, now - Duration::minutes(14));
        assert_eq!(fresh.may_edit(author, now), Ok(()));
        assert_eq!(
            fresh.may_edit(AccountId::new(), now),
            Err(DomainError::Forbidden)
        );
        let old = post(author, now - Duration::minutes(16));
        assert_eq!(
            old.may_edit(author, now),
            Err(DomainError::EditWindowClosed)
        );
        assert_eq!(old.may_delete(author), Ok(()));
        assert_eq!(
            old.may_delete(AccountId::new()),
            Err(DomainError::Forbidden)
        );
    }

    #[test]
    fn hidden_posts_are_for_moderators_and_their_author() {
        let author = AccountId::new();
        let now = Utc::now();
        let standing = post(author, now);
        assert!(standing.is_visible_to(AccountId::new(), false));
        assert!(matches!(
            standing.may_restore(),
            Err(DomainError::InvalidTransition { .. })
        ));
        assert_eq!(standing.may_report(author), Err(DomainError::Forbidden));
        assert_eq!(standing.may_report(AccountId::new()), Ok(()));
        let hidden = Post {
            hidden_at: Some(now),
            ..standing
        };
        assert!(!hidden.is_visible_to(AccountId::new(), false));
        assert!(hidden.is_visible_to(AccountId::new(), true));
        assert!(hidden.is_visible_to(author, false));
        assert_eq!(hidden.may_edit(author, now), Err(DomainError::PostHidden));
        assert_eq!(hidden.takes_replies(), Err(DomainError::NotFound("post")));
        assert_eq!(hidden.may_restore(), Ok(()));
        assert!(matches!(
            hidden.may_hide(),
            Err(DomainError::InvalidTransition { .. })
        ));
    }

    #[test]
    fn a_deleted_post_takes_no_replies() {
        let standing = post(AccountId::new(), Utc::now());
        assert_eq!(standing.takes_replies(), Ok(()));
        let deleted = Post {
            deleted_at: Some(Utc::now()),
            body: None,
            ..standing
        };
        assert_eq!(deleted.takes_replies(), Err(DomainError::NotFound("post")));
    }
}
