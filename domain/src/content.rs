//! What articles and resources share: who edits them, how they move from draft to published
//! and archived, and the keywords readers find them by.

use chrono::{DateTime, Utc};

use crate::DomainError;
use crate::account::Locale;
use crate::group::{canonical_language, parse_text};
use crate::organization::OrganizationId;
use crate::vocabulary::vocabulary;

vocabulary! {
    /// Where a piece of content stands.
    pub enum PublicationStatus {
        /// Being written: only its editors see it.
        Draft = "draft",
        /// Appears by itself at its publish time.
        Scheduled = "scheduled",
        /// Public.
        Published = "published",
        /// Withdrawn from readers, kept for editors.
        Archived = "archived",
    }
}

/// Where a piece of content stands, and since when readers see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Publication {
    /// Its status as stored (a due `Scheduled` is shown as `Published`).
    pub status: PublicationStatus,
    /// When it appears (or appeared) to readers: set when published or scheduled.
    pub published_at: Option<DateTime<Utc>>,
}

impl Publication {
    /// A new draft.
    pub const DRAFT: Self = Self {
        status: PublicationStatus::Draft,
        published_at: None,
    };

    /// Whether readers see it at `now`: published, or scheduled and due.
    pub fn is_public(&self, now: DateTime<Utc>) -> bool {
        match self.status {
            PublicationStatus::Published => true,
            PublicationStatus::Scheduled => self.published_at.is_some_and(|at| at <= now),
            PublicationStatus::Draft | PublicationStatus::Archived => false,
        }
    }

    /// Its status as readers and editors see it at `now`: a due schedule has published it.
    pub fn status_at(&self, now: DateTime<Utc>) -> PublicationStatus {
        if self.status == PublicationStatus::Scheduled && self.is_public(now) {
            PublicationStatus::Published
        } else {
            self.status
        }
    }

    /// The publication after an editor's change: `status` and `publish_at` as asked, where
    /// `publish_at` alone reschedules; neither leaves it as it is.
    pub fn changed(
        self,
        status: Option<PublicationStatus>,
        publish_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        match (status, publish_at) {
            (None, None) => Ok(self),
            (status, publish_at) => self.moved_to(
                status.unwrap_or(PublicationStatus::Scheduled),
                publish_at,
                now,
            ),
        }
    }

    /// The publication after moving to `status`: publishing stamps the time once (content
    /// published again keeps its first date), scheduling needs a future `publish_at`, and
    /// going back to draft forgets the date.
    pub fn moved_to(
        self,
        status: PublicationStatus,
        publish_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        let published_at = match (status, publish_at) {
            (PublicationStatus::Scheduled, Some(at)) if at > now => Some(at),
            (PublicationStatus::Scheduled, _) => {
                return Err(invalid(
                    "publish_at",
                    "future",
                    "scheduling needs a publish time in the future",
                ));
            }
            (_, Some(_)) => {
                return Err(invalid("publish_at", "unexpected", "only for `scheduled`"));
            }
            (PublicationStatus::Published, None) => {
                self.published_at.filter(|at| *at <= now).or(Some(now))
            }
            (PublicationStatus::Draft, None) => None,
            (PublicationStatus::Archived, None) => self.published_at,
        };
        Ok(Self {
            status,
            published_at,
        })
    }
}

/// What articles and resources have in common for reading and listing them.
pub trait Publishable {
    /// Its id.
    fn key(&self) -> uuid::Uuid;
    /// Where it stands.
    fn publication(&self) -> Publication;
    /// The organisation whose content it is; `None` for the platform's.
    fn owner(&self) -> Option<OrganizationId>;
    /// When it last changed.
    fn updated_at(&self) -> DateTime<Utc>;

    /// Whether the reader sees it at `now`: everyone once it is public, its editors always.
    fn is_readable_by(&self, editor: Option<&ContentEditor>, now: DateTime<Utc>) -> bool {
        self.publication().is_public(now)
            || editor.is_some_and(|editor| editor.may_edit(self.owner()).is_ok())
    }
}

/// Who may write content: platform administrators and editors write anyone's; an
/// organisation's staff write their organisation's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentEditor {
    /// A platform administrator or editor.
    pub platform: bool,
    /// The organisations whose staff the person is.
    pub organizations: Vec<OrganizationId>,
}

impl ContentEditor {
    /// Whether the person edits some content at all.
    pub fn is_editor(&self) -> bool {
        self.platform || !self.organizations.is_empty()
    }

    /// Writing content of `owner` (an organisation's, or the platform's own when `None`).
    pub fn may_edit(&self, owner: Option<OrganizationId>) -> Result<(), DomainError> {
        let allowed = self.platform || owner.is_some_and(|org| self.organizations.contains(&org));
        if allowed {
            Ok(())
        } else {
            Err(DomainError::Forbidden)
        }
    }
}

/// Most keywords on a piece of content.
pub const KEYWORDS_MAX: usize = 20;

/// Checks keywords (`tags`): up to [`KEYWORDS_MAX`], each 1 to 40 lowercase letters, digits
/// and hyphens; answers them sorted, without repeats.
pub fn parse_keywords(raw: &[String]) -> Result<Vec<String>, DomainError> {
    let mut tags: Vec<String> = raw.iter().map(|tag| tag.trim().to_lowercase()).collect();
    let well_formed = |tag: &String| {
        (1..=40).contains(&tag.len())
            && tag
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    if !tags.iter().all(well_formed) {
        return Err(invalid(
            "tags",
            "tag",
            "each must be 1 to 40 lowercase letters, digits and hyphens",
        ));
    }
    tags.sort();
    tags.dedup();
    if tags.len() > KEYWORDS_MAX {
        return Err(invalid("tags", "length", "at most 20 tags"));
    }
    Ok(tags)
}

/// Checks markdown: 1 to `max` characters once trimmed, without control characters but line
/// breaks and tabs (code blocks indent with them).
pub fn parse_markdown(raw: &str, field: &str, max: usize) -> Result<String, DomainError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(invalid(field, "required", "must not be empty"));
    }
    if text.chars().count() > max {
        return Err(invalid(
            field,
            "length",
            &format!("must be at most {max} characters"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(invalid(
            field,
            "text",
            "must be text: control characters are not allowed",
        ));
    }
    Ok(text.to_owned())
}

/// Checks one BCP 47 language tag and answers it in its canonical case.
pub fn parse_language(raw: &str) -> Result<String, DomainError> {
    let tag = Locale::parse(raw).map_err(|_| {
        invalid(
            "language",
            "language",
            "must be a BCP 47 language tag such as en or es-MX",
        )
    })?;
    Ok(canonical_language(tag.as_str()))
}

/// Trimmed text of 1 to `max` characters.
pub fn required(raw: &str, field: &str, max: usize) -> Result<String, DomainError> {
    parse_text(Some(raw), field, max)?
        .ok_or_else(|| invalid(field, "required", "must not be empty"))
}

fn invalid(field: &str, code: &'static str, message: &str) -> DomainError {
    DomainError::Invalid {
        field: field.to_owned(),
        code,
        message: message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn scheduled_content_appears_by_itself() {
        let now = Utc::now();
        let scheduled = |at| Publication {
            status: PublicationStatus::Scheduled,
            published_at: Some(at),
        };
        assert!(scheduled(now - Duration::minutes(1)).is_public(now));
        assert_eq!(scheduled(now).status_at(now), PublicationStatus::Published);
        let later = scheduled(now + Duration::minutes(1));
        assert!(!later.is_public(now));
        assert_eq!(later.status_at(now), PublicationStatus::Scheduled);
        assert!(!Publication::DRAFT.is_public(now));
    }

    #[test]
    fn publishing_stamps_the_time_once_and_scheduling_looks_ahead() {
        let now = Utc::now();
        let draft = Publication::DRAFT;
        let past = Some(now - Duration::hours(1));
        for (status, at) in [
            (PublicationStatus::Scheduled, None),
            (PublicationStatus::Scheduled, past),
            (PublicationStatus::Published, Some(now)),
        ] {
            assert!(draft.moved_to(status, at, now).is_err(), "{status} {at:?}");
        }
        let published = draft
            .moved_to(PublicationStatus::Published, None, now)
            .unwrap_or(draft);
        assert_eq!(published.published_at, Some(now));
        let later = now + Duration::days(3);
        let archived = published
            .moved_to(PublicationStatus::Archived, None, later)
            .unwrap_or(draft);
        let again = archived
            .moved_to(PublicationStatus::Published, None, later)
            .unwrap_or(draft);
        assert_eq!(again.published_at, Some(now), "it keeps its first date");
        let back = again
            .moved_to(PublicationStatus::Draft, None, later)
            .unwrap_or(published);
        assert_eq!(back, Publication::DRAFT);
    }

    #[test]
    fn platform_editors_write_everything_and_staff_their_organisations() {
        let clinic = OrganizationId::new();
        let staff = ContentEditor {
            platform: false,
            organizations: vec![clinic],
        };
        assert!(staff.is_editor());
        assert_eq!(staff.may_edit(Some(clinic)), Ok(()));
        assert_eq!(
            staff.may_edit(Some(OrganizationId::new())),
            Err(DomainError::Forbidden)
        );
        assert_eq!(staff.may_edit(None), Err(DomainError::Forbidden));
        let editor = ContentEditor {
            platform: true,
            organizations: Vec::new(),
        };
        assert_eq!(editor.may_edit(None), Ok(()));
        assert_eq!(editor.may_edit(Some(clinic)), Ok(()));
        let reader = ContentEditor {
            platform: false,
            organizations: Vec::new(),
        };
        assert!(!reader.is_editor());
    }

    #[test]
    fn keywords_and_markdown_are_checked() {
        assert_eq!(
            parse_keywords(&[
                " Relapse ".to_owned(),
                "relapse".to_owned(),
                "sleep".to_owned()
            ]),
            Ok(vec!["relapse".to_owned(), "sleep".to_owned()])
        );
        assert!(parse_keywords(&["two words".to_owned()]).is_err());
        assert!(parse_keywords(&[String::new()]).is_err());
        assert!(parse_keywords(&(0..21).map(|n| format!("t{n}")).collect::<Vec<_>>()).is_err());
        assert_eq!(
            parse_markdown("  # Hi\n\n\tcode  ", "body", 100),
            Ok("# Hi\n\n\tcode".to_owned())
        );
        assert!(parse_markdown(" ", "body", 100).is_err());
        assert!(parse_markdown("a\u{0}", "body", 100).is_err());
        assert!(parse_markdown("abc", "body", 2).is_err());
    }
}
