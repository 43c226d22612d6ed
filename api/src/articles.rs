//! Articles (`/v1/articles`): written by editors in markdown, read by everyone once
//! published, as markdown and as sanitised HTML.

use actix_web::web::{Data, Path, Query};
use actix_web::{get, patch, post};
use chrono::{DateTime, Utc};
use hearth_domain::DomainError;
use hearth_domain::article::{Article, ArticleContent, ArticleId};
use hearth_domain::content::{Publication, PublicationStatus, parse_language};
use hearth_domain::group::{FocusArea, Slug};
use hearth_domain::organization::OrganizationId;
use hearth_openapi::{Page, Problem, tags};
use hearth_persistence::articles::{self, ArticleFilter};
use hearth_persistence::{DbConnection, memberships};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::{AuthUser, MaybeUser};
use crate::conditional::{IfMatch, Tagged, etag_of};
use crate::content::{content_editor, list_scope, may_give_to, owner_after, position, readable};
use crate::db::Db;
use crate::error::ApiError;
use crate::extract::{JsonObject, present};
use crate::markdown::to_safe_html;
use crate::pagination::{PageQuery, TimePage};
use crate::responses::Created;

/// An article, whole: markdown and its sanitised HTML.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193ab20-1a11-7c3e-9d2b-4a1f0e6c8b7d", "slug": "your-first-meeting",
    "title": "Your first meeting", "summary": "What happens, what you can skip, and why nobody will make you talk.",
    "body": "Come as you are. You can just listen.\n\n- Arrive ten minutes early\n- Say *pass* if you don't want to share",
    "body_html": "<p>Come as you are. You can just listen.</p>\n<ul>\n<li>Arrive ten minutes early</li>\n<li>Say <em>pass</em> if you don't want to share</li>\n</ul>\n",
    "cover_image_url": "https://cdn.example.org/articles/first-meeting.jpg",
    "topics": ["alcohol", "substances"], "tags": ["first-steps", "meetings"], "language": "en",
    "author_name": "Hearth editors", "reading_minutes": 1, "status": "published",
    "published_at": "2026-11-30T08:00:00Z", "organization_id": null,
    "created_at": "2026-11-29T16:00:00Z", "updated_at": "2026-11-30T08:00:00Z"
}))]
pub struct ArticleResponse {
    /// Its id.
    pub id: Uuid,
    /// Its address: `/v1/articles/{slug}`.
    pub slug: String,
    /// The title.
    pub title: String,
    /// A short summary for lists.
    pub summary: String,
    /// Markdown, as written.
    pub body: String,
    /// The body as HTML, safe to show as it is: no scripts, no event handlers, links only to
    /// `https`, `http`, `mailto` and `tel` addresses.
    pub body_html: String,
    /// An `https` image.
    pub cover_image_url: Option<String>,
    /// What it is about.
    pub topics: Vec<FocusArea>,
    /// Keywords.
    pub tags: Vec<String>,
    /// Its language (BCP 47).
    pub language: String,
    /// The byline.
    pub author_name: String,
    /// Minutes to read it.
    pub reading_minutes: u32,
    /// `published` (also once a schedule is due), `scheduled`, `draft` or `archived`.
    pub status: PublicationStatus,
    /// When it appeared (or will appear) to readers.
    pub published_at: Option<DateTime<Utc>>,
    /// The organisation whose content it is.
    pub organization_id: Option<Uuid>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl ArticleResponse {
    fn new(article: Article, now: DateTime<Utc>) -> Self {
        let summary = ArticleSummary::new(&article, now);
        Self {
            id: summary.id,
            slug: summary.slug,
            title: summary.title,
            summary: summary.summary,
            body_html: to_safe_html(&article.content.body),
            body: article.content.body,
            cover_image_url: summary.cover_image_url,
            topics: summary.topics,
            tags: summary.tags,
            language: summary.language,
            author_name: summary.author_name,
            reading_minutes: summary.reading_minutes,
            status: summary.status,
            published_at: summary.published_at,
            organization_id: summary.organization_id,
            created_at: article.created_at,
            updated_at: summary.updated_at,
        }
    }
}

/// An article in a list: everything but the body.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193ab20-1a11-7c3e-9d2b-4a1f0e6c8b7d", "slug": "your-first-meeting",
    "title": "Your first meeting", "summary": "What happens, what you can skip, and why nobody will make you talk.",
    "cover_image_url": "https://cdn.example.org/articles/first-meeting.jpg",
    "topics": ["alcohol", "substances"], "tags": ["first-steps", "meetings"], "language": "en",
    "author_name": "Hearth editors", "reading_minutes": 4, "status": "published",
    "published_at": "2026-11-30T08:00:00Z", "organization_id": null, "updated_at": "2026-11-30T08:00:00Z"
}))]
pub struct ArticleSummary {
    /// Its id.
    pub id: Uuid,
    /// Its address: `/v1/articles/{slug}`.
    pub slug: String,
    /// The title.
    pub title: String,
    /// A short summary.
    pub summary: String,
    /// An `https` image.
    pub cover_image_url: Option<String>,
    /// What it is about.
    pub topics: Vec<FocusArea>,
    /// Keywords.
    pub tags: Vec<String>,
    /// Its language (BCP 47).
    pub language: String,
    /// The byline.
    pub author_name: String,
    /// Minutes to read it.
    pub reading_minutes: u32,
    /// `published`, `scheduled`, `draft` or `archived`.
    pub status: PublicationStatus,
    /// When it appeared (or will appear) to readers.
    pub published_at: Option<DateTime<Utc>>,
    /// The organisation whose content it is.
    pub organization_id: Option<Uuid>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl ArticleSummary {
    fn new(article: &Article, now: DateTime<Utc>) -> Self {
        let content = &article.content;
        Self {
            id: article.id.0,
            slug: article.slug.as_str().to_owned(),
            title: content.title.clone(),
            summary: content.summary.clone(),
            cover_image_url: content.cover_image_url.clone(),
            topics: content.topics.clone(),
            tags: content.tags.clone(),
            language: content.language.clone(),
            author_name: content.author_name.clone(),
            reading_minutes: content.reading_minutes(),
            status: article.publication.status_at(now),
            published_at: article.publication.published_at,
            organization_id: article.organization.map(|org| org.0),
            updated_at: article.updated_at,
        }
    }
}

/// A new article.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Your first meeting", "summary": "What happens, what you can skip, and why nobody will make you talk.",
    "body": "Come as you are. You can just listen.\n\n- Arrive ten minutes early\n- Say *pass* if you don't want to share",
    "topics": ["alcohol", "substances"], "tags": ["first-steps", "meetings"], "language": "en",
    "status": "scheduled", "publish_at": "2026-12-07T08:00:00Z"
}))]
pub struct CreateArticleRequest {
    /// 3 to 60 lowercase letters, digits and hyphens; made from the title when absent.
    #[schema(min_length = 3, max_length = 60)]
    pub slug: Option<String>,
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// Up to 500 characters.
    #[schema(max_length = 500)]
    pub summary: Option<String>,
    /// Markdown, 1 to 50,000 characters. Raw HTML is allowed and sanitised like the rest.
    #[schema(min_length = 1, max_length = 50000)]
    pub body: String,
    /// An `https` image address.
    #[schema(max_length = 500)]
    pub cover_image_url: Option<String>,
    /// At most 10, each once.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub topics: Vec<FocusArea>,
    /// At most 20 keywords of lowercase letters, digits and hyphens.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub tags: Vec<String>,
    /// A BCP 47 language tag.
    pub language: String,
    /// The byline, up to 100 characters; the editor's display name when absent.
    #[schema(max_length = 100)]
    pub author_name: Option<String>,
    /// The organisation whose content it is (its staff edit it); the platform's when absent.
    pub organization_id: Option<Uuid>,
    /// `draft` (default), `scheduled` (with `publish_at`), `published` or `archived`.
    pub status: Option<PublicationStatus>,
    /// For `scheduled`: when it appears, in the future.
    pub publish_at: Option<DateTime<Utc>>,
}

/// Changes to an article; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "published"}))]
pub struct UpdateArticleRequest {
    /// A new slug; the old address stops answering.
    #[schema(min_length = 3, max_length = 60)]
    pub slug: Option<String>,
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    /// Up to 500 characters.
    #[schema(max_length = 500)]
    pub summary: Option<String>,
    /// Markdown, 1 to 50,000 characters.
    #[schema(min_length = 1, max_length = 50000)]
    pub body: Option<String>,
    /// An `https` image address, or `null` for none.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub cover_image_url: Option<Option<String>>,
    /// At most 10, each once.
    #[schema(max_items = 10)]
    pub topics: Option<Vec<FocusArea>>,
    /// At most 20 keywords.
    #[schema(max_items = 20)]
    pub tags: Option<Vec<String>>,
    /// A BCP 47 language tag.
    pub language: Option<String>,
    /// The byline.
    #[schema(max_length = 100)]
    pub author_name: Option<String>,
    /// Another organisation the caller writes for, or `null` for the platform's own.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Uuid>)]
    pub organization_id: Option<Option<Uuid>>,
    /// A new status; `scheduled` needs `publish_at`.
    pub status: Option<PublicationStatus>,
    /// For `scheduled`: when it appears, in the future.
    pub publish_at: Option<DateTime<Utc>>,
}

/// An article in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ArticlePath {
    /// The article's slug or id.
    #[param(example = "your-first-meeting")]
    pub article: String,
}

/// What to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ArticleListQuery {
    /// Words the title, summary, body or tags all hold (at most 200 characters).
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// A keyword.
    pub tag: Option<String>,
    /// A topic.
    pub topic: Option<FocusArea>,
    /// A language; `es` also finds `es-MX`.
    pub language: Option<String>,
    /// For editors: the articles they may write in this status (latest change first) instead
    /// of what readers see.
    pub status: Option<PublicationStatus>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Longest search text.
const SEARCH_MAX: usize = 200;

/// The words of a search, lower-cased.
pub(crate) fn search_terms(q: Option<&str>) -> Result<Vec<String>, ApiError> {
    let q = q.unwrap_or_default();
    if q.chars().count() > SEARCH_MAX {
        return Err(DomainError::Invalid {
            field: "q".to_owned(),
            code: "length",
            message: format!("must be at most {SEARCH_MAX} characters"),
        }
        .into());
    }
    Ok(q.split_whitespace().map(str::to_lowercase).collect())
}

/// The article as stored, so that the answer to a write is what a read answers next (the
/// database keeps instants to the microsecond).
fn stored(c: &mut DbConnection, id: ArticleId) -> Result<Article, ApiError> {
    articles::find(c, &id.to_string())?
        .ok_or_else(|| ApiError::Internal(format!("article {id} vanished in its transaction")))
}

/// A slug an editor chose, if no other article has it.
fn chosen_slug(
    c: &mut DbConnection,
    raw: &str,
    article: Option<ArticleId>,
) -> Result<Slug, ApiError> {
    let slug = Slug::parse(raw)?;
    match articles::find(c, slug.as_str())? {
        Some(owner) if Some(owner.id) != article => Err(DomainError::SlugTaken.into()),
        _ => Ok(slug),
    }
}

/// Write an article
///
/// Platform editors and administrators, or an organisation's staff for their organisation's
/// content (`organization_id`). A draft unless `status` says otherwise; `scheduled` appears by
/// itself at `publish_at`.
#[utoipa::path(
    tag = tags::CONTENT,
    security(("bearer" = [])),
    request_body = CreateArticleRequest,
    responses(
        (status = 201, description = "Created", body = ArticleResponse,
         headers(("Location" = String, description = "The article"))),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not an editor (for the platform's content, or the organisation's)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`slug-taken`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: every broken rule, by field", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn create_article(
    user: AuthUser,
    JsonObject(request): JsonObject<CreateArticleRequest>,
    db: Data<Db>,
) -> Result<Created<ArticleResponse>, ApiError> {
    let organization = request.organization_id.map(OrganizationId);
    let article = db
        .tx(move |c| {
            let editor = content_editor(c, &user)?;
            if !editor.is_editor() {
                return Err(DomainError::Forbidden.into());
            }
            may_give_to(c, &editor, organization)?;
            let author_name = match request.author_name {
                Some(name) => name,
                None => memberships::display_name(c, user.id)?,
            };
            let content = ArticleContent {
                title: request.title,
                summary: request.summary.unwrap_or_default(),
                body: request.body,
                cover_image_url: request.cover_image_url,
                topics: request.topics,
                tags: request.tags,
                language: request.language,
                author_name,
            }
            .check()
            .map_err(ApiError::from_domain_errors)?;
            let now = Utc::now();
            let publication = Publication::DRAFT.moved_to(
                request.status.unwrap_or(PublicationStatus::Draft),
                request.publish_at,
                now,
            )?;
            let slug = match request.slug {
                Some(raw) => chosen_slug(c, &raw, None)?,
                None => articles::free_slug(c, &Slug::from_name(&content.title))?,
            };
            let article = Article {
                id: ArticleId::new(),
                slug,
                content,
                publication,
                organization,
                created_by: Some(user.id),
                created_at: now,
                updated_at: now,
            };
            articles::insert(c, &article)?;
            stored(c, article.id)
        })
        .await?;
    Ok(Created {
        location: format!("/v1/articles/{}", article.slug.as_str()),
        body: ArticleResponse::new(article, Utc::now()),
    })
}

/// List articles
///
/// Everyone: published articles (and scheduled ones once due), newest first, narrowed by
/// text, tag, topic and language. Editors pass `status` to list what they may write in that
/// status instead. Answers carry an `ETag`; `If-None-Match` gets 304 when nothing changed.
#[utoipa::path(
    tag = tags::CONTENT,
    params(ArticleListQuery),
    responses(
        (status = 200, description = "One page", body = Page<ArticleSummary>,
         headers(("ETag" = String, description = "This page's version"))),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        (status = 400, description = "`bad-request`: an unknown topic or status, or a cursor this API did not give out", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`: `status` without a token, or a broken token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: `status` from someone who is not an editor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: `q` too long, a malformed `language`, `limit` out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn list_articles(
    caller: MaybeUser,
    Query(query): Query<ArticleListQuery>,
    db: Data<Db>,
) -> Result<Tagged<Page<ArticleSummary>>, ApiError> {
    // Readers' lists go by publication, editors' by status and latest change: a cursor of one
    // is no position in another.
    let page = TimePage::of_list(
        PageQuery {
            limit: query.limit,
            cursor: query.cursor,
        },
        query
            .status
            .map(PublicationStatus::as_str)
            .unwrap_or_default(),
    )?;
    let filter = ArticleFilter {
        terms: search_terms(query.q.as_deref())?,
        tag: query.tag.map(|tag| tag.trim().to_lowercase()),
        topic: query.topic,
        language: query.language.as_deref().map(parse_language).transpose()?,
    };
    let status = query.status;
    let now = Utc::now();
    let (after, fetch) = (page.after, page.fetch());
    let (found, scope) = db
        .run(move |c| {
            let scope = list_scope(c, status, caller.0.as_ref(), now)?;
            let after = after.map(|(at, id)| (at, id.to_string()));
            Ok((articles::search(c, &filter, &scope, after, fetch)?, scope))
        })
        .await?;
    let (found, next_cursor) = page.cut(found, |last| position(&scope, last))?;
    Ok(Tagged(Page {
        items: found
            .iter()
            .map(|article| ArticleSummary::new(article, now))
            .collect(),
        next_cursor,
    }))
}

/// Read an article
///
/// Everyone, once it is published; its editors at any time. The body comes as markdown and
/// as sanitised HTML. Answers carry an `ETag`.
#[utoipa::path(
    tag = tags::CONTENT,
    params(ArticlePath),
    responses(
        (status = 200, description = "The article", body = ArticleResponse,
         headers(("ETag" = String, description = "Its version"))),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        (status = 401, description = "`unauthenticated`: a broken token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such article, or one not published that the caller does not edit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{article}")]
pub async fn get_article(
    caller: MaybeUser,
    path: Path<ArticlePath>,
    db: Data<Db>,
) -> Result<Tagged<ArticleResponse>, ApiError> {
    let reference = path.into_inner().article;
    let now = Utc::now();
    let (article, _) = db
        .run(move |c| {
            let found = articles::find(c, &reference)?;
            readable(c, found, caller.0.as_ref(), now, "article")
        })
        .await?;
    Ok(Tagged(ArticleResponse::new(article, now)))
}

/// Edit an article
///
/// Its editors: platform editors and administrators, or its organisation's staff. Publishing
/// stamps the date once; `draft` takes it back from readers, `archived` withdraws it. With
/// `If-Match`, a stale version answers 412.
#[utoipa::path(
    tag = tags::CONTENT,
    security(("bearer" = [])),
    params(ArticlePath, ("If-Match" = Option<String>, Header, description = "The `ETag` this change is based on")),
    request_body = UpdateArticleRequest,
    responses(
        (status = 200, description = "The changed article", body = ArticleResponse,
         headers(("ETag" = String, description = "Its new version"))),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: a published article the caller does not edit", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`slug-taken`", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`precondition-failed`: the article changed since that `ETag`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: every broken rule, by field", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/{article}")]
pub async fn update_article(
    user: AuthUser,
    path: Path<ArticlePath>,
    if_match: IfMatch,
    JsonObject(request): JsonObject<UpdateArticleRequest>,
    db: Data<Db>,
) -> Result<Tagged<ArticleResponse>, ApiError> {
    let reference = path.into_inner().article;
    let now = Utc::now();
    let article = db
        .tx(move |c| {
            let found = articles::find(c, &reference)?;
            let (before, editor) = readable(c, found, Some(&user), now, "article")?;
            let editor = editor.ok_or(DomainError::Forbidden)?;
            editor.may_edit(before.organization)?;
            let organization =
                owner_after(c, &editor, request.organization_id, before.organization)?;
            let old = before.content.clone();
            let content = ArticleContent {
                title: request.title.unwrap_or(old.title),
                summary: request.summary.unwrap_or(old.summary),
                body: request.body.unwrap_or(old.body),
                cover_image_url: request.cover_image_url.unwrap_or(old.cover_image_url),
                topics: request.topics.unwrap_or(old.topics),
                tags: request.tags.unwrap_or(old.tags),
                language: request.language.unwrap_or(old.language),
                author_name: request.author_name.unwrap_or(old.author_name),
            }
            .check()
            .map_err(ApiError::from_domain_errors)?;
            let publication =
                before
                    .publication
                    .changed(request.status, request.publish_at, now)?;
            let slug = match request.slug {
                Some(raw) => chosen_slug(c, &raw, Some(before.id))?,
                None => before.slug.clone(),
            };
            // Checked after the request itself: a malformed change is 422 whatever its version.
            if_match.check(&etag_of(&ArticleResponse::new(before.clone(), now))?)?;
            let after = Article {
                slug,
                content,
                publication,
                organization,
                updated_at: now,
                ..before
            };
            articles::update(c, &after)?;
            stored(c, after.id)
        })
        .await?;
    Ok(Tagged(ArticleResponse::new(article, now)))
}
