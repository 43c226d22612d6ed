//! Resources: where to find help beyond the groups.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use hearth_domain::account::AccountId;
use hearth_domain::content::{Publication, PublicationStatus};
use hearth_domain::crisis::Region;
use hearth_domain::group::{FocusArea, Slug};
use hearth_domain::organization::OrganizationId;
use hearth_domain::resource::{Resource, ResourceContent, ResourceId, ResourceKind};

use crate::content::{self, Scope, matching, scoped};
use crate::ids::parse_id;
use crate::schema::resources;
use crate::time::{from_db, to_db};
use crate::{DbConnection, PersistenceError};

#[derive(Queryable, Selectable)]
#[diesel(table_name = resources)]
struct ResourceRow {
    id: String,
    slug: String,
    name: String,
    description: String,
    kind: String,
    url: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    region: String,
    languages: String,
    topics: String,
    tags: String,
    status: String,
    published_at: Option<NaiveDateTime>,
    organization_id: Option<String>,
    created_by: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl ResourceRow {
    fn into_resource(self) -> Result<Resource, PersistenceError> {
        let corrupt =
            |what: &str| PersistenceError::Corrupt(format!("resource {}: {what}", self.id));
        let topics = content::values(&self.topics)
            .map(|topic| FocusArea::parse(topic).ok_or_else(|| corrupt("topic")))
            .collect::<Result<_, _>>()?;
        Ok(Resource {
            id: ResourceId(parse_id(&self.id, "resource")?),
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
            content: ResourceContent {
                kind: ResourceKind::parse(&self.kind).ok_or_else(|| corrupt("kind"))?,
                region: Region::parse(&self.region, "region").map_err(|_| corrupt("region"))?,
                languages: content::values(&self.languages)
                    .map(str::to_owned)
                    .collect(),
                tags: content::values(&self.tags).map(str::to_owned).collect(),
                topics,
                name: self.name,
                description: self.description,
                url: self.url,
                phone: self.phone,
                email: self.email,
            },
        })
    }
}

/// The columns a resource's slug, content and publication are written to.
macro_rules! written {
    ($resource:expr) => {{
        let resource: &Resource = $resource;
        let written = &resource.content;
        (
            resources::slug.eq(resource.slug.as_str()),
            resources::name.eq(written.name.clone()),
            resources::description.eq(written.description.clone()),
            resources::kind.eq(written.kind.as_str()),
            resources::url.eq(written.url.clone()),
            resources::phone.eq(written.phone.clone()),
            resources::email.eq(written.email.clone()),
            resources::region.eq(written.region.as_str().to_owned()),
            resources::languages.eq(content::stored(
                written.languages.iter().map(String::as_str),
            )),
            resources::topics.eq(content::stored(written.topics.iter().map(|t| t.as_str()))),
            resources::tags.eq(content::stored(written.tags.iter().map(String::as_str))),
            resources::search_text.eq(written.search_text()),
            resources::status.eq(resource.publication.status.as_str()),
            resources::published_at.eq(resource.publication.published_at.map(to_db)),
            resources::organization_id.eq(resource.organization.map(|org| org.to_string())),
            resources::updated_at.eq(to_db(resource.updated_at)),
        )
    }};
}

/// Stores a new resource; a taken slug is a [`PersistenceError::Conflict`].
pub fn insert(c: &mut DbConnection, resource: &Resource) -> Result<(), PersistenceError> {
    diesel::insert_into(resources::table)
        .values((
            resources::id.eq(resource.id.to_string()),
            resources::created_by.eq(resource.created_by.map(|who| who.to_string())),
            resources::created_at.eq(to_db(resource.created_at)),
            written!(resource),
        ))
        .execute(c)?;
    Ok(())
}

/// Saves a resource's slug, content, publication and organisation.
pub fn update(c: &mut DbConnection, resource: &Resource) -> Result<(), PersistenceError> {
    diesel::update(resources::table.find(resource.id.to_string()))
        .set(written!(resource))
        .execute(c)?;
    Ok(())
}

/// The resource with this id or slug.
pub fn find(c: &mut DbConnection, reference: &str) -> Result<Option<Resource>, PersistenceError> {
    let mut query = resources::table
        .select(ResourceRow::as_select())
        .into_boxed();
    query = match uuid::Uuid::parse_str(reference) {
        Ok(id) => query.filter(resources::id.eq(id.to_string())),
        Err(_) => query.filter(resources::slug.eq(reference)),
    };
    query
        .first(c)
        .optional()?
        .map(ResourceRow::into_resource)
        .transpose()
}

/// `slug` if no resource has it, else the first of `slug-2`, `slug-3`, … that is free.
pub fn free_slug(c: &mut DbConnection, slug: &Slug) -> Result<Slug, PersistenceError> {
    let taken: Vec<String> = resources::table
        .filter(
            resources::slug.eq(slug.as_str()).or(resources::slug
                .like(format!("{}-%", crate::like::escape(slug.as_str())))
                .escape('\\')),
        )
        .select(resources::slug)
        .load(c)?;
    Ok(content::first_free(slug, &taken))
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct ResourceFilter {
    /// Words the name, description or tags all hold (lower-cased).
    pub terms: Vec<String>,
    /// A tag it carries.
    pub tag: Option<String>,
    /// A topic it helps with.
    pub topic: Option<FocusArea>,
    /// Its kind.
    pub kind: Option<ResourceKind>,
    /// A language it serves in, primary subtag included (`es` finds `es-MX`).
    pub language: Option<String>,
    /// Where the reader is: resources serving there (everywhere, the country, or the very
    /// subdivision).
    pub region: Option<Region>,
}

/// A page of resources: readers' newest first by publication, editors' latest change first.
pub fn search(
    c: &mut DbConnection,
    filter: &ResourceFilter,
    scope: &Scope,
    after: Option<(DateTime<Utc>, String)>,
    limit: i64,
) -> Result<Vec<Resource>, PersistenceError> {
    let mut query = resources::table
        .select(ResourceRow::as_select())
        .limit(limit)
        .into_boxed();
    query = matching!(query, resources, filter);
    if let Some(kind) = filter.kind {
        query = query.filter(resources::kind.eq(kind.as_str()));
    }
    if let Some(language) = &filter.language {
        let escaped = crate::like::escape(language);
        query = query.filter(
            resources::languages
                .like(format!("%,{escaped},%"))
                .escape('\\')
                .or(resources::languages
                    .like(format!("%,{escaped}-%"))
                    .escape('\\')),
        );
    }
    if let Some(place) = &filter.region {
        query = query.filter(resources::region.eq_any(serving(place)));
    }
    query = scoped!(query, resources, scope, after);
    let rows: Vec<ResourceRow> = query.load(c)?;
    rows.into_iter().map(ResourceRow::into_resource).collect()
}

/// The stored regions whose resources serve someone in `place`.
fn serving(place: &Region) -> Vec<String> {
    let mut regions = vec![Region::Anywhere.as_str().to_owned()];
    if let Region::Subdivision(code) = place
        && let Some((country, _)) = code.split_once('-')
    {
        regions.push(country.to_owned());
    }
    if *place != Region::Anywhere {
        regions.push(place.as_str().to_owned());
    }
    regions
}
