//! Crisis resources (`/v1/crisis-resources`): public, cacheable, and answered even while the
//! database is down, from the built-in set and the last directory read.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::rt::time::timeout;
use actix_web::web::{Data, Json, Path, Query};
use actix_web::{CustomizeResponder, Responder, delete, get, put};
use chrono::Utc;
use hearth_domain::DomainError;
use hearth_domain::account::PlatformRole;
use hearth_domain::crisis::{self, CrisisResource, Region};
use hearth_domain::group::{Slug, parse_languages};
use hearth_openapi::{Problem, tags};
use hearth_persistence::crisis_resources;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::AuthUser;
use crate::conditional::TaggedJson;
use crate::db::Db;
use crate::error::{ApiError, keep};
use crate::extract::{JsonObject, whole_number};
use crate::responses::NoContent;

/// Where every problem answer and group page points people in distress.
pub const CRISIS_RESOURCES_LINK: &str = "</v1/crisis-resources>; rel=\"help\"";

/// How long apps and proxies may keep the list read with the database.
const CACHE_CONTROL: &str = "public, max-age=300";

/// How long the directory read from the database is used before it is read again (at once
/// when a transaction ran here since).
const REREAD_AFTER: Duration = Duration::from_secs(60);

/// After the database could not be reached, how long before it is tried again.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(5);

/// How long a request waits for the database before answering without it.
const PATIENCE: Duration = Duration::from_millis(500);

/// Where the list came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DirectorySource {
    /// The built-in set with the administrators' directory, read just now.
    Current,
    /// The database cannot be reached: the built-in set with the directory as last read.
    LastKnown,
    /// The database cannot be reached and its directory was never read: the built-in set.
    BuiltIn,
}

/// Whether a resource is the built-in one or an administrator's entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResourceOrigin {
    /// Shipped with Hearth.
    BuiltIn,
    /// Written by an administrator (possibly replacing a built-in one of the same slug).
    Directory,
}

/// A helpline, text line, chat or emergency number.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "slug": "us-988-lifeline", "name": "988 Suicide & Crisis Lifeline",
    "description": "Free, confidential support for anyone in suicidal crisis, emotional distress or a substance use crisis. Call or text 988; press 2 for Spanish.",
    "region": "US", "languages": ["en", "es"], "phone": "988", "text_number": "988",
    "text_keyword": null, "chat_url": "https://988lifeline.org/chat/",
    "website": "https://988lifeline.org/", "hours": "24/7", "position": 10,
    "withdrawn": false, "origin": "built_in"
}))]
pub struct CrisisResourceResponse {
    /// Stable name.
    pub slug: String,
    /// What people call it.
    pub name: String,
    /// Who it is for and what happens when one reaches out.
    pub description: String,
    /// `*` (everywhere), a country (`US`) or a part of one (`US-CA`).
    pub region: String,
    /// Languages it answers in.
    pub languages: Vec<String>,
    /// Number to call.
    pub phone: Option<String>,
    /// Number to text.
    pub text_number: Option<String>,
    /// What to text, where the line asks for a word.
    pub text_keyword: Option<String>,
    /// Where to chat.
    pub chat_url: Option<String>,
    /// Its website.
    pub website: Option<String>,
    /// When it answers.
    pub hours: String,
    /// Order among the resources of its region: lower first.
    pub position: u32,
    /// Withheld from lists (only an administrator's entry that withdraws a built-in one).
    pub withdrawn: bool,
    /// Built in, or an administrator's entry.
    pub origin: ResourceOrigin,
}

impl CrisisResourceResponse {
    fn new(resource: CrisisResource, origin: ResourceOrigin) -> Self {
        Self {
            slug: resource.slug.as_str().to_owned(),
            name: resource.name,
            description: resource.description,
            region: resource.region.as_str().to_owned(),
            languages: resource.languages,
            phone: resource.phone,
            text_number: resource.text_number,
            text_keyword: resource.text_keyword,
            chat_url: resource.chat_url,
            website: resource.website,
            hours: resource.hours,
            position: resource.position,
            withdrawn: resource.withdrawn,
            origin,
        }
    }
}

/// The crisis resources for a place and a language.
#[derive(Debug, Serialize, ToSchema)]
pub struct CrisisResourcesPage {
    /// In the reader's language first, then the most local, then by position.
    pub items: Vec<CrisisResourceResponse>,
    /// Whether the administrators' directory could be read.
    pub source: DirectorySource,
}

/// Whom the list is for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CrisisQuery {
    /// Where the reader is: a country (`US`) or a part of one (`US-CA`); without it, every
    /// region's resources.
    #[param(example = "US-CA")]
    pub region: Option<String>,
    /// The reader's language (BCP 47): resources in it come first; none is hidden.
    #[param(example = "es")]
    pub language: Option<String>,
}

/// The administrators' directory as last read, kept in memory so that the list is answered
/// when the database is not.
#[derive(Debug, Default)]
pub struct CrisisDirectory {
    last: Mutex<Option<Reading>>,
    /// Changes to the directory made through this server, so that they are read at once.
    changes: AtomicU64,
}

#[derive(Debug, Clone)]
struct Reading {
    at: Instant,
    changes: u64,
    /// The directory as last read successfully, if it ever was.
    entries: Option<Vec<CrisisResource>>,
    /// Whether this reading reached the database.
    reached: bool,
}

impl Reading {
    fn answer(self) -> (Vec<CrisisResource>, DirectorySource) {
        match (self.entries, self.reached) {
            (Some(entries), true) => (entries, DirectorySource::Current),
            (Some(entries), false) => (entries, DirectorySource::LastKnown),
            (None, _) => (Vec::new(), DirectorySource::BuiltIn),
        }
    }
}

impl CrisisDirectory {
    /// The administrators' entries and where they came from; never fails, and never waits
    /// for the database longer than [`PATIENCE`].
    async fn entries(&self, db: &Db) -> (Vec<CrisisResource>, DirectorySource) {
        let changes = self.changes.load(Ordering::Acquire);
        if let Some(last) = self.last().as_ref() {
            let wait = if last.reached {
                REREAD_AFTER
            } else {
                RETRY_AFTER_FAILURE
            };
            if last.changes == changes && last.at.elapsed() < wait {
                return last.clone().answer();
            }
        }
        // The deadline covers everything, a connection that hangs on a silent network too.
        let read = timeout(
            PATIENCE,
            db.run_within(PATIENCE, |c| Ok(crisis_resources::all(c)?)),
        )
        .await;
        let mut last = self.last();
        let reading = match read {
            Ok(Ok(entries)) => Reading {
                at: Instant::now(),
                changes,
                entries: Some(entries),
                reached: true,
            },
            failed => {
                let cause = match failed {
                    Ok(Err(error)) => error.to_string(),
                    _ => format!("no answer within {} ms", PATIENCE.as_millis()),
                };
                log::warn!("crisis resources answered without the database: {cause}");
                Reading {
                    at: Instant::now(),
                    changes,
                    // The newest directory any request has read, not this one's snapshot.
                    entries: last.as_ref().and_then(|known| known.entries.clone()),
                    reached: false,
                }
            }
        };
        *last = Some(reading.clone());
        reading.answer()
    }

    /// Notes a change made through this server, for the next request to read.
    fn changed(&self) {
        self.changes.fetch_add(1, Ordering::AcqRel);
    }

    fn last(&self) -> MutexGuard<'_, Option<Reading>> {
        // A reading is replaced whole, so the value is sound after any panic.
        self.last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Find crisis help
///
/// Public: no token is needed, and a token, even an expired one, is ignored. Answered even
/// while the database is down (`source` says so), from the built-in set (national lines of
/// the US, Canada, the UK and Australia, and a worldwide directory) and the administrators'
/// directory as last read. Every problem answer and group page links here with
/// `Link: </v1/crisis-resources>; rel="help"`.
#[utoipa::path(
    tag = tags::CRISIS,
    params(CrisisQuery),
    responses(
        (status = 200, description = "The resources, most relevant first", body = CrisisResourcesPage,
         headers(("ETag" = String, description = "This version"),
                 ("Cache-Control" = String, description = "`public, max-age=300` when read with the database; `no-cache` when answered without it"))),
        (status = 304, description = "Unchanged since the `ETag` sent"),
        (status = 422, description = "`validation`: a region or language that is not a code", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn list_crisis_resources(
    Query(query): Query<CrisisQuery>,
    db: Data<Db>,
    directory: Data<CrisisDirectory>,
) -> Result<CustomizeResponder<TaggedJson>, ApiError> {
    let place = query
        .region
        .as_deref()
        .map(|raw| Region::parse(raw, "region"))
        .transpose()?;
    let language = query
        .language
        .map(|raw| {
            parse_languages(&[raw]).map_err(|_| DomainError::Invalid {
                field: "language".to_owned(),
                code: "language",
                message: "must be a BCP 47 language tag such as en or es-MX".to_owned(),
            })
        })
        .transpose()?
        .and_then(|tags| tags.into_iter().next());
    let (entries, source) = directory.entries(&db).await;
    let written: Vec<Slug> = entries.iter().map(|entry| entry.slug.clone()).collect();
    let origin = |resource: &CrisisResource| {
        if written.contains(&resource.slug) {
            ResourceOrigin::Directory
        } else {
            ResourceOrigin::BuiltIn
        }
    };
    let resources = crisis::for_reader(
        crisis::directory(entries),
        place.as_ref(),
        language.as_deref(),
    );
    let page = CrisisResourcesPage {
        items: resources
            .into_iter()
            .map(|resource| {
                let origin = origin(&resource);
                CrisisResourceResponse::new(resource, origin)
            })
            .collect(),
        source,
    };
    // An answer made without the database is not to be kept once it is back.
    let cache_control = match source {
        DirectorySource::Current => CACHE_CONTROL,
        DirectorySource::LastKnown | DirectorySource::BuiltIn => "no-cache",
    };
    Ok(TaggedJson::of(&page)?
        .customize()
        .insert_header((header::CACHE_CONTROL, cache_control)))
}

/// A crisis resource in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CrisisResourcePath {
    /// The resource's slug (a built-in one's, to replace or withdraw it).
    #[param(example = "us-988-lifeline")]
    pub slug: String,
}

/// An administrator's entry.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "California Peer-Run Warm Line", "description": "Non-emergency emotional support from peers, by phone or chat.",
    "region": "US-CA", "languages": ["en", "es"], "phone": "1-855-845-7415",
    "chat_url": "https://www.mentalhealthsf.org/peer-run-warmline/", "hours": "24/7", "position": 15
}))]
pub struct CrisisResourceRequest {
    /// What people call it (1 to 100 characters).
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Who it is for and what happens when one reaches out (1 to 500 characters).
    #[schema(min_length = 1, max_length = 500)]
    pub description: String,
    /// `*`, a country (`US`) or a part of one (`US-CA`).
    #[schema(example = "US-CA")]
    pub region: String,
    /// Languages it answers in (BCP 47), one to ten.
    #[schema(min_items = 1, max_items = 10)]
    pub languages: Vec<String>,
    /// Number to call (short codes such as 988 count).
    #[serde(default)]
    pub phone: Option<String>,
    /// Number to text.
    #[serde(default)]
    pub text_number: Option<String>,
    /// What to text (needs `text_number`).
    #[serde(default)]
    pub text_keyword: Option<String>,
    /// Where to chat (https).
    #[serde(default)]
    pub chat_url: Option<String>,
    /// Its website (https).
    #[serde(default)]
    pub website: Option<String>,
    /// When it answers (1 to 60 characters).
    #[schema(min_length = 1, max_length = 60, example = "24/7")]
    pub hours: String,
    /// Order among the resources of its region: lower first (the built-in emergency numbers
    /// are 5, national lines 10 to 40). 50 when left out.
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(minimum = 0, maximum = 1000)]
    pub position: Option<u32>,
    /// Withhold the built-in resource of this slug instead of showing this one.
    #[serde(default)]
    pub withdrawn: bool,
}

/// Where an entry goes when its request leaves `position` out.
const DEFAULT_POSITION: u32 = 50;

/// The last position an entry may take.
const MAX_POSITION: u32 = 1000;

fn administrator(user: &AuthUser) -> Result<(), ApiError> {
    if user.platform_role() == PlatformRole::Admin {
        Ok(())
    } else {
        Err(DomainError::Forbidden.into())
    }
}

/// Write a crisis resource
///
/// Platform administrators. Creates or replaces the entry of this slug; an entry with a
/// built-in resource's slug replaces it, and one with `withdrawn: true` withholds it.
/// Readers see the change at once on this server, within a minute on the others (and apps
/// may keep a list for five minutes).
#[utoipa::path(
    tag = tags::CRISIS,
    security(("bearer" = [])),
    params(CrisisResourcePath),
    request_body = CrisisResourceRequest,
    responses(
        (status = 200, description = "The entry as stored", body = CrisisResourceResponse),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not a platform administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: a slug, region, language, number or URL out of shape, or no way to reach it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/{slug}")]
pub async fn put_crisis_resource(
    user: AuthUser,
    path: Path<CrisisResourcePath>,
    JsonObject(request): JsonObject<CrisisResourceRequest>,
    db: Data<Db>,
    directory: Data<CrisisDirectory>,
) -> Result<Json<CrisisResourceResponse>, ApiError> {
    administrator(&user)?;
    let e = &mut Vec::new();
    let slug = keep(e, Slug::parse(&path.slug));
    let region = keep(e, Region::parse(&request.region, "region"));
    let position = request.position.unwrap_or(DEFAULT_POSITION);
    if position > MAX_POSITION {
        e.push(DomainError::Invalid {
            field: "position".to_owned(),
            code: "range",
            message: format!("must be 0 to {MAX_POSITION}"),
        });
    }
    let checked = CrisisResource {
        slug: slug.unwrap_or_else(|| Slug::from_stored(String::new())),
        name: request.name,
        description: request.description,
        region: region.unwrap_or(Region::Anywhere),
        languages: request.languages,
        phone: request.phone,
        text_number: request.text_number,
        text_keyword: request.text_keyword,
        chat_url: request.chat_url,
        website: request.website,
        hours: request.hours,
        position,
        withdrawn: request.withdrawn,
    }
    .check()
    .map_err(|more| e.extend(more));
    let entry = match checked {
        Ok(entry) if e.is_empty() => entry,
        _ => return Err(ApiError::from_domain_errors(std::mem::take(e))),
    };
    let stored = entry.clone();
    db.tx(move |c| Ok(crisis_resources::put(c, &stored, Utc::now())?))
        .await?;
    directory.changed();
    Ok(Json(CrisisResourceResponse::new(
        entry,
        ResourceOrigin::Directory,
    )))
}

/// Remove a crisis resource
///
/// Platform administrators. Removes the administrators' entry of this slug: a built-in
/// resource it replaced or withheld is listed again.
#[utoipa::path(
    tag = tags::CRISIS,
    security(("bearer" = [])),
    params(CrisisResourcePath),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not a platform administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no administrator's entry has this slug", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{slug}")]
pub async fn delete_crisis_resource(
    user: AuthUser,
    path: Path<CrisisResourcePath>,
    db: Data<Db>,
    directory: Data<CrisisDirectory>,
) -> Result<NoContent, ApiError> {
    administrator(&user)?;
    let not_found = || ApiError::Domain(DomainError::NotFound("crisis resource"));
    let slug = Slug::parse(&path.slug).map_err(|_| not_found())?;
    let deleted = db
        .tx(move |c| Ok(crisis_resources::delete(c, &slug)?))
        .await?;
    if !deleted {
        return Err(not_found());
    }
    directory.changed();
    Ok(NoContent)
}
