//! Resources (`/v1/resources`): treatment locators, harm-reduction services, family support
//! and other help beyond the groups, for a region and in languages. Written and published
//! by the same editors and rules as articles.

use actix_web::web::{Data, Path, Query};
use actix_web::{get, patch, post};
use chrono::{DateTime, Utc};
use hearth_domain::DomainError;
use hearth_domain::content::{Publication, PublicationStatus, parse_language};
use hearth_domain::crisis::Region;
use hearth_domain::group::{FocusArea, Slug};
use hearth_domain::organization::OrganizationId;
use hearth_domain::resource::{Resource, ResourceDraft, ResourceId, ResourceKind};
use hearth_openapi::{Page, Problem, tags};
use hearth_persistence::DbConnection;
use hearth_persistence::resources::{self, ResourceFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::articles::search_terms;
use crate::auth::{AuthUser, MaybeUser};
use crate::conditional::{IfMatch, Tagged, etag_of};
use crate::content::{content_editor, list_scope, may_give_to, owner_after, position, readable};
use crate::db::Db;
use crate::error::ApiError;
use crate::extract::{JsonObject, present};
use crate::pagination::{PageQuery, TimePage};
use crate::responses::Created;

/// A resource.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193ab30-1a11-7c3e-9d2b-4a1f0e6c8b7d", "slug": "findtreatment-gov", "name": "FindTreatment.gov",
    "description": "SAMHSA's confidential locator of licensed treatment facilities for substance use and mental health.",
    "kind": "treatment_locator", "url": "https://findtreatment.gov", "phone": "1-800-662-4357", "email": null,
    "region": "US", "languages": ["en", "es"], "topics": ["substances", "mental_health"],
    "tags": ["locator", "samhsa"], "status": "published", "published_at": "2026-11-30T08:00:00Z",
    "organization_id": null, "created_at": "2026-11-29T16:00:00Z", "updated_at": "2026-11-30T08:00:00Z"
}))]
pub struct ResourceResponse {
    /// Its id.
    pub id: Uuid,
    /// Its address: `/v1/resources/{slug}`.
    pub slug: String,
    /// Its name.
    pub name: String,
    /// What it offers.
    pub description: String,
    /// What kind of help.
    pub kind: ResourceKind,
    /// Its `https` website.
    pub url: Option<String>,
    /// A phone number.
    pub phone: Option<String>,
    /// An email address.
    pub email: Option<String>,
    /// Where it serves: `*`, a country (`US`) or a subdivision (`US-TX`).
    pub region: String,
    /// Languages it serves in (BCP 47).
    pub languages: Vec<String>,
    /// What it helps with.
    pub topics: Vec<FocusArea>,
    /// Keywords.
    pub tags: Vec<String>,
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

impl ResourceResponse {
    fn new(resource: Resource, now: DateTime<Utc>) -> Self {
        let content = resource.content;
        Self {
            id: resource.id.0,
            slug: resource.slug.as_str().to_owned(),
            name: content.name,
            description: content.description,
            kind: content.kind,
            url: content.url,
            phone: content.phone,
            email: content.email,
            region: content.region.as_str().to_owned(),
            languages: content.languages,
            topics: content.topics,
            tags: content.tags,
            status: resource.publication.status_at(now),
            published_at: resource.publication.published_at,
            organization_id: resource.organization.map(|org| org.0),
            created_at: resource.created_at,
            updated_at: resource.updated_at,
        }
    }
}

/// A new resource.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "FindTreatment.gov",
    "description": "SAMHSA's confidential locator of licensed treatment facilities for substance use and mental health.",
    "kind": "treatment_locator", "url": "https://findtreatment.gov", "phone": "1-800-662-4357",
    "region": "US", "languages": ["en", "es"], "topics": ["substances", "mental_health"],
    "tags": ["locator", "samhsa"], "status": "published"
}))]
pub struct CreateResourceRequest {
    /// 3 to 60 lowercase letters, digits and hyphens; made from the name when absent.
    #[schema(min_length = 3, max_length = 60)]
    pub slug: Option<String>,
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Up to 1000 characters.
    #[schema(max_length = 1000)]
    pub description: Option<String>,
    /// What kind of help.
    pub kind: ResourceKind,
    /// An `https` website. At least one of `url`, `phone` and `email` is required.
    #[schema(max_length = 500)]
    pub url: Option<String>,
    /// A phone number: 7 to 15 digits.
    #[schema(max_length = 30)]
    pub phone: Option<String>,
    /// An email address.
    #[schema(max_length = 254)]
    pub email: Option<String>,
    /// Where it serves: `*` for everywhere, `US`, or `US-TX`.
    #[schema(example = "US")]
    pub region: String,
    /// 1 to 10 BCP 47 language tags.
    #[schema(min_items = 1, max_items = 10)]
    pub languages: Vec<String>,
    /// At most 10, each once.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub topics: Vec<FocusArea>,
    /// At most 20 keywords.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub tags: Vec<String>,
    /// The organisation whose content it is; the platform's when absent.
    pub organization_id: Option<Uuid>,
    /// `draft` (default), `scheduled` (with `publish_at`), `published` or `archived`.
    pub status: Option<PublicationStatus>,
    /// For `scheduled`: when it appears, in the future.
    pub publish_at: Option<DateTime<Utc>>,
}

/// Changes to a resource; absent fields stay as they are, `null` clears an optional one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"phone": "1-800-662-4357", "status": "published"}))]
pub struct UpdateResourceRequest {
    /// A new slug.
    #[schema(min_length = 3, max_length = 60)]
    pub slug: Option<String>,
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// Up to 1000 characters.
    #[schema(max_length = 1000)]
    pub description: Option<String>,
    /// What kind of help.
    pub kind: Option<ResourceKind>,
    /// An `https` website, or `null`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub url: Option<Option<String>>,
    /// A phone number, or `null`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 30)]
    pub phone: Option<Option<String>>,
    /// An email address, or `null`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 254)]
    pub email: Option<Option<String>>,
    /// Where it serves.
    pub region: Option<String>,
    /// 1 to 10 BCP 47 language tags.
    #[schema(min_items = 1, max_items = 10)]
    pub languages: Option<Vec<String>>,
    /// At most 10, each once.
    #[schema(max_items = 10)]
    pub topics: Option<Vec<FocusArea>>,
    /// At most 20 keywords.
    #[schema(max_items = 20)]
    pub tags: Option<Vec<String>>,
    /// Another organisation the caller writes for, or `null` for the platform's own.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Uuid>)]
    pub organization_id: Option<Option<Uuid>>,
    /// A new status; `scheduled` needs `publish_at`.
    pub status: Option<PublicationStatus>,
    /// For `scheduled`: when it appears, in the future (alone, it reschedules).
    pub publish_at: Option<DateTime<Utc>>,
}

/// A resource in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ResourcePath {
    /// The resource's slug or id.
    #[param(example = "findtreatment-gov")]
    pub resource: String,
}

/// What to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ResourceListQuery {
    /// Words the name, description or tags all hold (at most 200 characters).
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Where the reader is (`US-TX`): resources serving there, everywhere, or the country.
    pub region: Option<String>,
    /// A kind of help.
    pub kind: Option<ResourceKind>,
    /// A topic.
    pub topic: Option<FocusArea>,
    /// A keyword.
    pub tag: Option<String>,
    /// A language served; `es` also finds `es-MX`.
    pub language: Option<String>,
    /// For editors: the resources they may write in this status (latest change first).
    pub status: Option<PublicationStatus>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn chosen_slug(
    c: &mut DbConnection,
    raw: &str,
    resource: Option<ResourceId>,
) -> Result<Slug, ApiError> {
    let slug = Slug::parse(raw)?;
    match resources::find(c, slug.as_str())? {
        Some(owner) if Some(owner.id) != resource => Err(DomainError::SlugTaken.into()),
        _ => Ok(slug),
    }
}

fn stored(c: &mut DbConnection, id: ResourceId) -> Result<Resource, ApiError> {
    resources::find(c, &id.to_string())?
        .ok_or_else(|| ApiError::Internal(format!("resource {id} vanished in its transaction")))
}

/// Add a resource
///
/// Platform editors and administrators, or an organisation's staff for their organisation's
/// content. A draft unless `status` says otherwise.
#[utoipa::path(
    tag = tags::CONTENT,
    security(("bearer" = [])),
    request_body = CreateResourceRequest,
    responses(
        (status = 201, description = "Created", body = ResourceResponse,
         headers(("Location" = String, description = "The resource"))),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not an editor", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`slug-taken`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: every broken rule, by field", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn create_resource(
    user: AuthUser,
    JsonObject(request): JsonObject<CreateResourceRequest>,
    db: Data<Db>,
) -> Result<Created<ResourceResponse>, ApiError> {
    let organization = request.organization_id.map(OrganizationId);
    let resource = db
        .tx(move |c| {
            let editor = content_editor(c, &user)?;
            if !editor.is_editor() {
                return Err(DomainError::Forbidden.into());
            }
            may_give_to(c, &editor, organization)?;
            let content = ResourceDraft {
                name: request.name,
                description: request.description.unwrap_or_default(),
                kind: request.kind,
                url: request.url,
                phone: request.phone,
                email: request.email,
                region: request.region,
                languages: request.languages,
                topics: request.topics,
                tags: request.tags,
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
                None => resources::free_slug(c, &Slug::from_name(&content.name))?,
            };
            let resource = Resource {
                id: ResourceId::new(),
                slug,
                content,
                publication,
                organization,
                created_by: Some(user.id),
                created_at: now,
                updated_at: now,
            };
            resources::insert(c, &resource)?;
            stored(c, resource.id)
        })
        .await?;
    Ok(Created {
        location: format!("/v1/resources/{}", resource.slug.as_str()),
        body: ResourceResponse::new(resource, Utc::now()),
    })
}

/// List resources
///
/// Everyone: published resources, newest first, narrowed by text, region (what serves the
/// reader's place), kind, topic, tag and language. Editors pass `status` to list what they
/// may write instead. Answers carry an `ETag`.
#[utoipa::path(
    tag = tags::CONTENT,
    params(ResourceListQuery),
    responses(
        (status = 200, description = "One page", body = Page<ResourceResponse>,
         headers(("ETag" = String, description = "This page's version"))),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        (status = 400, description = "`bad-request`: an unknown kind, topic or status, or a cursor this API did not give out", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`: `status` without a token, or a broken token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: `status` from someone who is not an editor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: `q` too long, a malformed `region` or `language`, `limit` out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn list_resources(
    caller: MaybeUser,
    Query(query): Query<ResourceListQuery>,
    db: Data<Db>,
) -> Result<Tagged<Page<ResourceResponse>>, ApiError> {
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
    let filter = ResourceFilter {
        terms: search_terms(query.q.as_deref())?,
        tag: query.tag.map(|tag| tag.trim().to_lowercase()),
        topic: query.topic,
        kind: query.kind,
        language: query.language.as_deref().map(parse_language).transpose()?,
        region: query
            .region
            .as_deref()
            .map(|region| Region::parse(region, "region"))
            .transpose()?,
    };
    let status = query.status;
    let now = Utc::now();
    let (after, fetch) = (page.after, page.fetch());
    let (found, scope) = db
        .run(move |c| {
            let scope = list_scope(c, status, caller.0.as_ref(), now)?;
            let after = after.map(|(at, id)| (at, id.to_string()));
            Ok((resources::search(c, &filter, &scope, after, fetch)?, scope))
        })
        .await?;
    let (found, next_cursor) = page.cut(found, |last| position(&scope, last))?;
    Ok(Tagged(Page {
        items: found
            .into_iter()
            .map(|resource| ResourceResponse::new(resource, now))
            .collect(),
        next_cursor,
    }))
}

/// Read a resource
///
/// Everyone, once it is published; its editors at any time.
#[utoipa::path(
    tag = tags::CONTENT,
    params(ResourcePath),
    responses(
        (status = 200, description = "The resource", body = ResourceResponse,
         headers(("ETag" = String, description = "Its version"))),
        (status = 304, description = "Not modified since the `ETag` in `If-None-Match`"),
        (status = 401, description = "`unauthenticated`: a broken token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such resource, or one not published that the caller does not edit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{resource}")]
pub async fn get_resource(
    caller: MaybeUser,
    path: Path<ResourcePath>,
    db: Data<Db>,
) -> Result<Tagged<ResourceResponse>, ApiError> {
    let reference = path.into_inner().resource;
    let now = Utc::now();
    let (resource, _) = db
        .run(move |c| {
            let found = resources::find(c, &reference)?;
            readable(c, found, caller.0.as_ref(), now, "resource")
        })
        .await?;
    Ok(Tagged(ResourceResponse::new(resource, now)))
}

/// Edit a resource
///
/// Its editors, as for articles. With `If-Match`, a stale version answers 412.
#[utoipa::path(
    tag = tags::CONTENT,
    security(("bearer" = [])),
    params(ResourcePath, ("If-Match" = Option<String>, Header, description = "The `ETag` this change is based on")),
    request_body = UpdateResourceRequest,
    responses(
        (status = 200, description = "The changed resource", body = ResourceResponse,
         headers(("ETag" = String, description = "Its new version"))),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: a published resource the caller does not edit", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`slug-taken`", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`precondition-failed`: the resource changed since that `ETag`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: every broken rule, by field", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/{resource}")]
pub async fn update_resource(
    user: AuthUser,
    path: Path<ResourcePath>,
    if_match: IfMatch,
    JsonObject(request): JsonObject<UpdateResourceRequest>,
    db: Data<Db>,
) -> Result<Tagged<ResourceResponse>, ApiError> {
    let reference = path.into_inner().resource;
    let now = Utc::now();
    let resource = db
        .tx(move |c| {
            let found = resources::find(c, &reference)?;
            let (before, editor) = readable(c, found, Some(&user), now, "resource")?;
            let editor = editor.ok_or(DomainError::Forbidden)?;
            editor.may_edit(before.organization)?;
            let organization =
                owner_after(c, &editor, request.organization_id, before.organization)?;
            let old = ResourceDraft::from(before.content.clone());
            let content = ResourceDraft {
                name: request.name.unwrap_or(old.name),
                description: request.description.unwrap_or(old.description),
                kind: request.kind.unwrap_or(old.kind),
                url: request.url.unwrap_or(old.url),
                phone: request.phone.unwrap_or(old.phone),
                email: request.email.unwrap_or(old.email),
                region: request.region.unwrap_or(old.region),
                languages: request.languages.unwrap_or(old.languages),
                topics: request.topics.unwrap_or(old.topics),
                tags: request.tags.unwrap_or(old.tags),
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
            if_match.check(&etag_of(&ResourceResponse::new(before.clone(), now))?)?;
            let after = Resource {
                slug,
                content,
                publication,
                organization,
                updated_at: now,
                ..before
            };
            resources::update(c, &after)?;
            stored(c, after.id)
        })
        .await?;
    Ok(Tagged(ResourceResponse::new(resource, now)))
}
