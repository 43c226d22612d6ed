//! Articles, and the platform editors who write them.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use hearth_domain::account::AccountId;
use hearth_domain::article::{Article, ArticleContent, ArticleId};
use hearth_domain::content::{Publication, PublicationStatus};
use hearth_domain::group::{FocusArea, Slug};
use hearth_domain::organization::OrganizationId;

use crate::content::{self, Scope, matching, scoped};
use crate::ids::parse_id;
use crate::schema::articles;
use crate::time::{from_db, to_db};
use crate::{DbConnection, PersistenceError};

#[derive(Queryable, Selectable)]
#[diesel(table_name = articles)]
struct ArticleRow {
    id: String,
    slug: String,
    title: String,
    summary: String,
    body: String,
    cover_image_url: Option<String>,
    topics: String,
    tags: String,
    language: String,
    author_name: String,
    status: String,
    published_at: Option<NaiveDateTime>,
    organization_id: Option<String>,
    created_by: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl ArticleRow {
    fn into_article(self) -> Result<Article, PersistenceError> {
        let corrupt =
            |what: &str| PersistenceError::Corrupt(format!("article {}: {what}", self.id));
        let topics = content::values(&self.topics)
            .map(|topic| FocusArea::parse(topic).ok_or_else(|| corrupt("topic")))
            .collect::<Result<_, _>>()?;
        Ok(Article {
            id: ArticleId(parse_id(&self.id, "article")?),
            slug: Slug::from_stored(self.slug),
            publication: Publication {
                status: PublicationStatus::parse(&self.status).ok_or_else(|| corrupt("status"))?,
                published_at: self.published_at.map(from_db),
            },
            organization: self
                .organization_id
                .as_deref()
                .map(|org| parse_id(org, "organization").map(OrganizationId))
                .transpose()?,
            created_by: self
                .created_by
                .as_deref()
                .map(|who| parse_id(who, "account").map(AccountId))
                .transpose()?,
            created_at: from_db(self.created_at),
            updated_at: from_db(self.updated_at),
            content: ArticleContent {
                tags: content::values(&self.tags).map(str::to_owned).collect(),
                topics,
                title: self.title,
                summary: self.summary,
                body: self.body,
                cover_image_url: self.cover_image_url,
                language: self.language,
                author_name: self.author_name,
            },
        })
    }
}

/// Stores a new article; a taken slug is a [`PersistenceError::Conflict`].
pub fn insert(c: &mut DbConnection, article: &Article) -> Result<(), PersistenceError> {
    let written = &article.content;
    diesel::insert_into(articles::table)
        .values((
            articles::id.eq(article.id.to_string()),
            articles::slug.eq(article.slug.as_str()),
            articles::created_by.eq(article.created_by.map(|who| who.to_string())),
            articles::created_at.eq(to_db(article.created_at)),
            articles::organization_id.eq(article.organization.map(|org| org.to_string())),
            articles::title.eq(&written.title),
            articles::summary.eq(&written.summary),
            articles::body.eq(&written.body),
            articles::cover_image_url.eq(&written.cover_image_url),
            articles::topics.eq(content::stored(written.topics.iter().map(|t| t.as_str()))),
            articles::tags.eq(content::stored(written.tags.iter().map(String::as_str))),
            articles::language.eq(&written.language),
            articles::author_name.eq(&written.author_name),
            articles::search_text.eq(written.search_text()),
            articles::status.eq(article.publication.status.as_str()),
            articles::published_at.eq(article.publication.published_at.map(to_db)),
            articles::updated_at.eq(to_db(article.updated_at)),
        ))
        .execute(c)?;
    Ok(())
}

/// Saves an article's slug, content, publication and organisation.
pub fn update(c: &mut DbConnection, article: &Article) -> Result<(), PersistenceError> {
    let written = &article.content;
    diesel::update(articles::table.find(article.id.to_string()))
        .set((
            articles::slug.eq(article.slug.as_str()),
            articles::title.eq(&written.title),
            articles::summary.eq(&written.summary),
            articles::body.eq(&written.body),
            articles::cover_image_url.eq(&written.cover_image_url),
            articles::topics.eq(content::stored(written.topics.iter().map(|t| t.as_str()))),
            articles::tags.eq(content::stored(written.tags.iter().map(String::as_str))),
            articles::language.eq(&written.language),
            articles::author_name.eq(&written.author_name),
            articles::search_text.eq(written.search_text()),
            articles::status.eq(article.publication.status.as_str()),
            articles::published_at.eq(article.publication.published_at.map(to_db)),
            articles::organization_id.eq(article.organization.map(|org| org.to_string())),
            articles::updated_at.eq(to_db(article.updated_at)),
        ))
        .execute(c)?;
    Ok(())
}

/// The article with this id or slug.
pub fn find(c: &mut DbConnection, reference: &str) -> Result<Option<Article>, PersistenceError> {
    let mut query = articles::table.select(ArticleRow::as_select()).into_boxed();
    query = match uuid::Uuid::parse_str(reference) {
        Ok(id) => query.filter(articles::id.eq(id.to_string())),
        Err(_) => query.filter(articles::slug.eq(reference)),
    };
    query
        .first(c)
        .optional()?
        .map(ArticleRow::into_article)
        .transpose()
}

/// `slug` if no article has it, else the first of `slug-2`, `slug-3`, … that is free.
pub fn free_slug(c: &mut DbConnection, slug: &Slug) -> Result<Slug, PersistenceError> {
    let taken: Vec<String> = articles::table
        .filter(
            articles::slug.eq(slug.as_str()).or(articles::slug
                .like(format!("{}-%", crate::like::escape(slug.as_str())))
                .escape('\\')),
        )
        .select(articles::slug)
        .load(c)?;
    Ok(content::first_free(slug, &taken))
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    /// Words the title, summary, body or tags all hold (lower-cased).
    pub terms: Vec<String>,
    /// A tag it carries.
    pub tag: Option<String>,
    /// A topic it is about.
    pub topic: Option<FocusArea>,
    /// A language, primary subtag included (`es` finds `es-MX`).
    pub language: Option<String>,
}

/// A page of articles: readers' newest first by publication, editors' latest change first.
pub fn search(
    c: &mut DbConnection,
    filter: &ArticleFilter,
    scope: &Scope,
    after: Option<(DateTime<Utc>, String)>,
    limit: i64,
) -> Result<Vec<Article>, PersistenceError> {
    let mut query = articles::table
        .select(ArticleRow::as_select())
        .limit(limit)
        .into_boxed();
    query = matching!(query, articles, filter);
    if let Some(language) = &filter.language {
        query = query.filter(
            articles::language
                .eq(language.clone())
                .or(articles::language
                    .like(format!("{}-%", crate::like::escape(language)))
                    .escape('\\')),
        );
    }
    query = scoped!(query, articles, scope, after);
    let rows: Vec<ArticleRow> = query.load(c)?;
    rows.into_iter().map(ArticleRow::into_article).collect()
}
