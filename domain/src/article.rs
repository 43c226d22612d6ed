//! Articles a recovery organisation publishes: written by editors in markdown, read by
//! everyone once published.

use chrono::{DateTime, Utc};

use crate::DomainError;
use crate::account::AccountId;
use crate::content::{
    Publication, Publishable, parse_keywords, parse_language, parse_markdown, required,
};
use crate::error::kept;
use crate::group::{FocusArea, Slug, is_https_url, parse_tags, parse_text};
use crate::identifier::identifier;
use crate::organization::OrganizationId;

identifier! {
    /// An article's public identifier.
    pub struct ArticleId;
}

/// An article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    /// Its id.
    pub id: ArticleId,
    /// Its unique address.
    pub slug: Slug,
    /// What its editors wrote.
    pub content: ArticleContent,
    /// Where it stands.
    pub publication: Publication,
    /// The organisation whose content it is (its staff edit it); `None` for the platform's.
    pub organization: Option<OrganizationId>,
    /// The editor who created it.
    pub created_by: Option<AccountId>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// What editors write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleContent {
    /// 1 to [`TITLE_MAX`] characters.
    pub title: String,
    /// Up to [`SUMMARY_MAX`] characters, for lists.
    pub summary: String,
    /// Markdown, 1 to [`BODY_MAX`] characters.
    pub body: String,
    /// An `https` image address.
    pub cover_image_url: Option<String>,
    /// What it is about, from the groups' focus areas.
    pub topics: Vec<FocusArea>,
    /// Free keywords.
    pub tags: Vec<String>,
    /// A BCP 47 language tag.
    pub language: String,
    /// The byline.
    pub author_name: String,
}

/// Most characters of a title.
pub const TITLE_MAX: usize = 200;
/// Most characters of a summary.
pub const SUMMARY_MAX: usize = 500;
/// Most characters of a body: 50,000 characters of any script (up to four bytes each) fit
/// in a request.
pub const BODY_MAX: usize = 50_000;
/// Most characters of a byline.
pub const AUTHOR_MAX: usize = 100;
/// Words an adult reads in a minute, for the reading time.
const WORDS_PER_MINUTE: usize = 200;
/// Characters of Chinese, Japanese or Korean an adult reads in a minute: those scripts do not
/// separate words with spaces.
const CJK_CHARACTERS_PER_MINUTE: usize = 500;

fn is_cjk(c: char) -> bool {
    matches!(
        u32::from(c),
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF
    )
}

impl ArticleContent {
    /// Checks what an editor wrote, reporting every broken rule.
    pub fn check(self) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let cover_image_url = match self.cover_image_url.as_deref().map(str::trim) {
            Some(url) if !is_https_url(url) => Err(DomainError::Invalid {
                field: "cover_image_url".to_owned(),
                code: "url",
                message: "must be an https URL".to_owned(),
            }),
            url => Ok(url.map(str::to_owned)),
        };
        let checked = Self {
            title: kept(required(&self.title, "title", TITLE_MAX), &mut errors),
            summary: kept(
                parse_text(Some(&self.summary), "summary", SUMMARY_MAX),
                &mut errors,
            )
            .unwrap_or_default(),
            body: kept(parse_markdown(&self.body, "body", BODY_MAX), &mut errors),
            cover_image_url: kept(cover_image_url, &mut errors),
            topics: kept(parse_tags(&self.topics, "topics"), &mut errors),
            tags: kept(parse_keywords(&self.tags), &mut errors),
            language: kept(parse_language(&self.language), &mut errors),
            author_name: kept(
                required(&self.author_name, "author_name", AUTHOR_MAX),
                &mut errors,
            ),
        };
        if errors.is_empty() {
            Ok(checked)
        } else {
            Err(errors)
        }
    }

    /// Minutes an adult needs to read the body, at least one: words at 200 a minute,
    /// Chinese, Japanese and Korean characters at 500.
    pub fn reading_minutes(&self) -> u32 {
        let characters = self.body.chars().filter(|c| is_cjk(*c)).count();
        let words = self
            .body
            .split_whitespace()
            .filter(|word| !word.chars().any(is_cjk))
            .count();
        // In thousandths of a minute, so that both kinds of text add up before rounding.
        let thousandths =
            words * (1000 / WORDS_PER_MINUTE) + characters * (1000 / CJK_CHARACTERS_PER_MINUTE);
        u32::try_from(thousandths.div_ceil(1000).max(1)).unwrap_or(u32::MAX)
    }

    /// Text a search matches against, lower-cased, so both databases compare it the same way.
    pub fn search_text(&self) -> String {
        [&self.title, &self.summary, &self.body, &self.tags.join(" ")]
            .map(|part| part.to_lowercase())
            .join("\n")
    }
}

impl Publishable for Article {
    fn key(&self) -> uuid::Uuid {
        self.id.0
    }

    fn publication(&self) -> Publication {
        self.publication
    }

    fn owner(&self) -> Option<OrganizationId> {
        self.organization
    }

    fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> ArticleContent {
        ArticleContent {
            title: " Your first meeting ".to_owned(),
            summary: "What to expect.".to_owned(),
            body: "Come as you are.".to_owned(),
            cover_image_url: Some("https://cdn.example.org/first.jpg".to_owned()),
            topics: vec![FocusArea::Opioids, FocusArea::Alcohol],
            tags: vec!["First-Steps".to_owned()],
            language: "es-mx".to_owned(),
            author_name: "Hearth editors".to_owned(),
        }
    }

    #[test]
    fn content_is_trimmed_sorted_and_canonical() {
        let checked = content().check().unwrap();
        assert_eq!(checked.title, "Your first meeting");
        assert_eq!(checked.topics, [FocusArea::Alcohol, FocusArea::Opioids]);
        assert_eq!(checked.tags, ["first-steps"]);
        assert_eq!(checked.language, "es-MX");
    }

    #[test]
    fn every_broken_rule_is_reported() {
        let broken = ArticleContent {
            title: " ".to_owned(),
            body: String::new(),
            cover_image_url: Some("javascript:alert(1)".to_owned()),
            language: "not a language".to_owned(),
            tags: vec!["two words".to_owned()],
            author_name: "x".repeat(AUTHOR_MAX + 1),
            topics: vec![FocusArea::Alcohol, FocusArea::Alcohol],
            ..content()
        };
        let fields: Vec<String> = broken
            .check()
            .unwrap_err()
            .into_iter()
            .map(|error| match error {
                DomainError::Invalid { field, .. } => field,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            fields,
            [
                "title",
                "body",
                "cover_image_url",
                "topics",
                "tags",
                "language",
                "author_name"
            ]
        );
    }

    #[test]
    fn reading_time_is_words_at_two_hundred_a_minute() {
        let minutes = |body: String| ArticleContent { body, ..content() }.reading_minutes();
        assert_eq!(minutes(String::new()), 1);
        assert_eq!(minutes("word ".repeat(200)), 1);
        assert_eq!(minutes("word ".repeat(201)), 2);
        assert_eq!(minutes("word\n".repeat(1000)), 5);
        assert_eq!(
            minutes("回".repeat(1500)),
            3,
            "characters, not spaces, in Chinese"
        );
        assert_eq!(
            minutes(format!("{} {}", "word ".repeat(100), "回".repeat(250))),
            1
        );
    }
}
