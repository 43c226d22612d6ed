//! Peer support groups: create, read (by id or slug), edit, archive, search, sync.

use std::cmp::Ordering;

use actix_web::http::header;
use actix_web::web::{Data, Path, Query};
use actix_web::{CustomizeResponder, Either, HttpResponse, Responder, delete, get, patch, post};
use chrono::{DateTime, Duration, Utc};
use hearth_domain::DomainError;
use hearth_domain::account::{PlatformRole, parse_time_zone};
use hearth_domain::group::{
    self as domain, Approach, Audience, ContactKind, FocusArea, Group, GroupId, GroupLocation,
    GroupProfile, JoinPolicy, NewcomerContact, Point, Slug, Visibility,
};
use hearth_domain::membership::{
    GroupActor, GroupRole, Membership, MembershipId, MembershipStatus,
};
use hearth_domain::organization::OrganizationId;
use hearth_openapi::{Problem, tags};
use hearth_persistence::groups::{self, GroupFilter, GroupOrder};
use hearth_persistence::{DbConnection, meetings, memberships, occurrences, organizations};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::{AuthUser, MaybeUser};
use crate::conditional::{IfMatch, Tagged, etag_of};
use crate::crisis::CRISIS_RESOURCES_LINK;
use crate::db::Db;
use crate::error::{ApiError, keep};
use crate::extract::{JsonObject, comma_separated, present, present_whole_number, whole_number};
use crate::pagination::{checked_limit, cut, decode_cursor, encode_cursor};
use crate::responses::{Created, NoContent};

/// How newcomers reach a group before joining.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "email", "value": "newcomers@harbourlights.example.org"}))]
pub struct NewcomerContactBody {
    /// Email, phone or web page.
    pub kind: ContactKind,
    /// The address, number (7 to 15 digits) or https URL.
    #[schema(min_length = 1, max_length = 500)]
    pub value: String,
}

/// Where a group meets in person, roughly: a neighbourhood, never a street address.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"latitude": 40.7163, "longitude": -73.9614, "locality": "Brooklyn", "region": "NY", "country": "US"}))]
pub struct LocationBody {
    /// Latitude in degrees.
    #[schema(minimum = -90, maximum = 90)]
    pub latitude: f64,
    /// Longitude in degrees.
    #[schema(minimum = -180, maximum = 180)]
    pub longitude: f64,
    /// Town or city.
    #[schema(max_length = 100)]
    pub locality: Option<String>,
    /// State, province or region.
    #[schema(max_length = 100)]
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[schema(pattern = "^[A-Za-z]{2}$")]
    pub country: Option<String>,
}

/// A peer support group, as anyone who may see it sees it. Members' names are never here.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193aa8e-8f5a-7c3e-9d2b-4a1f0e6c8b7d",
    "slug": "harbour-lights-women-in-recovery",
    "name": "Harbour Lights Women in Recovery",
    "description": "A welcoming **women's** group. Newcomers always welcome.",
    "focus_areas": ["alcohol", "opioids"],
    "approach": "twelve_step",
    "audiences": ["women"],
    "languages": ["en", "es"],
    "visibility": "public",
    "join_policy": "request",
    "capacity": 40,
    "member_count": 12,
    "organization_id": null,
    "newcomer_contact": {"kind": "email", "value": "newcomers@harbourlights.example.org"},
    "location": {"latitude": 40.7163, "longitude": -73.9614, "locality": "Brooklyn", "region": "NY", "country": "US"},
    "time_zone": "America/New_York",
    "created_at": "2026-11-27T08:00:00Z",
    "updated_at": "2026-11-27T08:00:00Z",
    "archived_at": null
}))]
pub struct GroupResponse {
    /// Its id.
    pub id: Uuid,
    /// Its current slug; `GET /v1/groups/{slug}` finds it.
    pub slug: String,
    /// Its name.
    pub name: String,
    /// A markdown description.
    pub description: String,
    /// What it helps with.
    pub focus_areas: Vec<FocusArea>,
    /// The approach it follows.
    pub approach: Option<Approach>,
    /// Who it is especially for; empty means everyone.
    pub audiences: Vec<Audience>,
    /// Languages it meets in (BCP 47).
    pub languages: Vec<String>,
    /// Who can find it.
    pub visibility: Visibility,
    /// How people get in.
    pub join_policy: JoinPolicy,
    /// Most active members, if limited.
    pub capacity: Option<u32>,
    /// How many active members it has.
    pub member_count: u32,
    /// The organisation hosting it.
    pub organization_id: Option<Uuid>,
    /// How newcomers reach it.
    pub newcomer_contact: Option<NewcomerContactBody>,
    /// Where it meets in person, roughly.
    pub location: Option<LocationBody>,
    /// The time zone its meetings keep.
    pub time_zone: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When its profile last changed (for unlisted and private groups, also when someone
    /// joined or left, which changes who has it listed).
    pub updated_at: DateTime<Utc>,
    /// When it was archived; archived groups leave search and take no changes.
    pub archived_at: Option<DateTime<Utc>>,
    /// Kilometres from `near`, in searches near a point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
}

impl From<Group> for GroupResponse {
    fn from(group: Group) -> Self {
        let profile = group.profile;
        Self {
            id: group.id.0,
            slug: group.slug.as_str().to_owned(),
            name: profile.name,
            description: profile.description,
            focus_areas: profile.focus_areas,
            approach: profile.approach,
            audiences: profile.audiences,
            languages: profile.languages,
            visibility: profile.visibility,
            join_policy: profile.join_policy,
            capacity: profile.capacity,
            member_count: group.member_count,
            organization_id: profile.organization.map(|org| org.0),
            newcomer_contact: profile.newcomer_contact.map(|contact| NewcomerContactBody {
                kind: contact.kind,
                value: contact.value,
            }),
            location: profile.location.map(|location| LocationBody {
                latitude: location.point.latitude,
                longitude: location.point.longitude,
                locality: location.locality,
                region: location.region,
                country: location.country,
            }),
            time_zone: profile.time_zone.map(|tz| tz.name().to_owned()),
            created_at: group.created_at,
            updated_at: group.updated_at,
            archived_at: group.archived_at,
            distance_km: None,
        }
    }
}

/// A new group. The creator becomes its first owner.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Harbour Lights Women in Recovery",
    "description": "A welcoming women's group. Newcomers always welcome.",
    "focus_areas": ["alcohol", "opioids"],
    "approach": "twelve_step",
    "audiences": ["women"],
    "languages": ["en", "es"],
    "visibility": "public",
    "join_policy": "request",
    "capacity": 40,
    "newcomer_contact": {"kind": "email", "value": "newcomers@harbourlights.example.org"},
    "location": {"latitude": 40.7163, "longitude": -73.9614, "locality": "Brooklyn", "region": "NY", "country": "US"},
    "time_zone": "America/New_York"
}))]
pub struct CreateGroupRequest {
    /// 3 to 100 characters.
    #[schema(min_length = 3, max_length = 100)]
    pub name: String,
    /// Made from the name when absent; 3 to 60 of `a-z`, `0-9` and single hyphens.
    #[schema(min_length = 3, max_length = 60, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
    /// Markdown, at most 10 000 characters.
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// At most 10, each once.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub focus_areas: Vec<FocusArea>,
    /// The approach it follows.
    pub approach: Option<Approach>,
    /// At most 10, each once; none means everyone.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub audiences: Vec<Audience>,
    /// 1 to 10 BCP 47 tags; `["en"]` when absent.
    #[schema(min_items = 1, max_items = 10)]
    pub languages: Option<Vec<String>>,
    /// `public` when absent.
    pub visibility: Option<Visibility>,
    /// `open` when absent.
    pub join_policy: Option<JoinPolicy>,
    /// 2 to 10 000 active members; unlimited when absent.
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(minimum = 2, maximum = 10000)]
    pub capacity: Option<u32>,
    /// An organisation the creator works for, to host the group.
    pub organization_id: Option<Uuid>,
    /// How newcomers reach the group.
    pub newcomer_contact: Option<NewcomerContactBody>,
    /// Where it meets in person, roughly.
    pub location: Option<LocationBody>,
    /// An IANA time zone, such as `America/Chicago`.
    #[schema(example = "America/Chicago")]
    pub time_zone: Option<String>,
}

/// A change to a group. Absent fields stay; `null` clears an optional one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"slug": "harbour-lights-wir", "join_policy": "open", "capacity": null}))]
pub struct UpdateGroupRequest {
    /// 3 to 100 characters.
    #[schema(min_length = 3, max_length = 100)]
    pub name: Option<String>,
    /// A new slug; the old one keeps answering with a redirect.
    #[schema(min_length = 3, max_length = 60, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
    /// Markdown, at most 10 000 characters.
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// At most 10, each once.
    #[schema(max_items = 10)]
    pub focus_areas: Option<Vec<FocusArea>>,
    /// The approach, or `null` for none in particular.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Approach>)]
    pub approach: Option<Option<Approach>>,
    /// At most 10, each once.
    #[schema(max_items = 10)]
    pub audiences: Option<Vec<Audience>>,
    /// 1 to 10 BCP 47 tags.
    #[schema(min_items = 1, max_items = 10)]
    pub languages: Option<Vec<String>>,
    /// Who can find it.
    pub visibility: Option<Visibility>,
    /// How people get in.
    pub join_policy: Option<JoinPolicy>,
    /// 2 to 10 000, or `null` for unlimited. Lowering it below the member count keeps everyone
    /// and admits nobody new until there is room.
    #[serde(default, deserialize_with = "present_whole_number")]
    #[schema(value_type = Option<u32>, minimum = 2, maximum = 10000)]
    pub capacity: Option<Option<u32>>,
    /// A hosting organisation the caller works for, or `null`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Uuid>)]
    pub organization_id: Option<Option<Uuid>>,
    /// How newcomers reach it, or `null`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<NewcomerContactBody>)]
    pub newcomer_contact: Option<Option<NewcomerContactBody>>,
    /// Where it meets, or `null`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<LocationBody>)]
    pub location: Option<Option<LocationBody>>,
    /// An IANA time zone, or `null`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub time_zone: Option<Option<String>>,
}

/// The group in a path: its id, or its slug (current or former).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct GroupPath {
    /// The group's id or slug.
    #[param(example = "harbour-lights-women-in-recovery")]
    pub group: String,
}

/// A group and how the caller stands towards it.
pub(crate) struct Seen {
    pub group: Group,
    pub actor: GroupActor,
    pub membership: Option<Membership>,
    /// Whether the path named the group by its id or current slug (not a former slug).
    pub canonical: bool,
}

/// Finds the group a path names and refuses with 404 those for whom it does not exist.
pub(crate) fn seen(
    c: &mut DbConnection,
    reference: &str,
    caller: Option<&AuthUser>,
) -> Result<Seen, ApiError> {
    let not_found = || ApiError::Domain(DomainError::NotFound("group"));
    let id = match Uuid::parse_str(reference) {
        Ok(id) => GroupId(id),
        Err(_) => groups::find_by_slug(c, reference)?.ok_or_else(not_found)?,
    };
    let group = groups::get(c, id)?;
    let membership = caller
        .map(|user| memberships::find(c, group.id, user.id))
        .transpose()?
        .flatten();
    let actor = GroupActor {
        platform_role: caller.map(AuthUser::platform_role),
        standing: membership.as_ref().map(Membership::standing),
    };
    actor.may_see(group.profile.visibility)?;
    let canonical = reference == group.slug.as_str() || Uuid::parse_str(reference).is_ok();
    Ok(Seen {
        group,
        actor,
        membership,
        canonical,
    })
}

/// As [`seen`], with the group locked for the rest of the transaction and read again under
/// the lock, so that decisions rest on the group and the caller's standing as they are now,
/// not as they were before a concurrent change committed.
pub(crate) fn seen_locked(
    c: &mut DbConnection,
    reference: &str,
    caller: Option<&AuthUser>,
) -> Result<Seen, ApiError> {
    let before = seen(c, reference, caller)?;
    groups::lock(c, before.group.id)?;
    seen(c, &before.group.id.to_string(), caller)
}

/// Refuses changes to an archived group.
pub(crate) fn not_archived(group: &Group) -> Result<(), ApiError> {
    match group.archived_at {
        Some(_) => Err(DomainError::GroupArchived.into()),
        None => Ok(()),
    }
}

/// Checks that the caller may host a group under this organisation: its people and platform
/// admins. Anyone else learns only that the value is not acceptable.
fn may_host(
    c: &mut DbConnection,
    user: &AuthUser,
    organization: OrganizationId,
) -> Result<(), ApiError> {
    let unknown = || DomainError::Invalid {
        field: "organization_id".to_owned(),
        code: "organization",
        message: "must be an organisation you work for".to_owned(),
    };
    let exists = organizations::get(c, organization).is_ok();
    let allowed = user.platform_role() == PlatformRole::Admin
        || organizations::role_of(c, organization, user.id)?.is_some();
    if exists && allowed {
        Ok(())
    } else {
        Err(unknown().into())
    }
}

fn contact(body: NewcomerContactBody) -> Result<NewcomerContact, DomainError> {
    NewcomerContact::parse(body.kind, &body.value)
}

fn location(body: LocationBody) -> Result<GroupLocation, DomainError> {
    domain::parse_location(
        body.latitude,
        body.longitude,
        body.locality.as_deref(),
        body.region.as_deref(),
        body.country.as_deref(),
    )
}

impl CreateGroupRequest {
    fn into_profile(self) -> Result<(GroupProfile, Option<Slug>), ApiError> {
        let mut errors = Vec::new();
        let e = &mut errors;
        let profile = GroupProfile {
            name: keep(e, domain::parse_group_name(&self.name)).unwrap_or_default(),
            description: keep(
                e,
                domain::parse_description(self.description.as_deref().unwrap_or("")),
            )
            .unwrap_or_default(),
            focus_areas: keep(e, domain::parse_tags(&self.focus_areas, "focus_areas"))
                .unwrap_or_default(),
            approach: self.approach,
            audiences: keep(e, domain::parse_tags(&self.audiences, "audiences"))
                .unwrap_or_default(),
            languages: keep(
                e,
                domain::parse_languages(&self.languages.unwrap_or_else(|| vec!["en".to_owned()])),
            )
            .unwrap_or_default(),
            visibility: self.visibility.unwrap_or(Visibility::Public),
            join_policy: self.join_policy.unwrap_or(JoinPolicy::Open),
            capacity: self
                .capacity
                .and_then(|c| keep(e, domain::parse_capacity(c))),
            organization: self.organization_id.map(OrganizationId),
            newcomer_contact: self
                .newcomer_contact
                .and_then(|body| keep(e, contact(body))),
            location: self.location.and_then(|body| keep(e, location(body))),
            time_zone: self
                .time_zone
                .and_then(|raw| keep(e, parse_time_zone(&raw))),
        };
        let slug = self.slug.and_then(|raw| keep(e, Slug::parse(&raw)));
        if errors.is_empty() {
            Ok((profile, slug))
        } else {
            Err(ApiError::from_domain_errors(errors))
        }
    }
}

impl UpdateGroupRequest {
    /// The profile with this change applied, and the new slug, if any.
    fn apply(self, mut profile: GroupProfile) -> Result<(GroupProfile, Option<Slug>), ApiError> {
        let mut errors = Vec::new();
        let e = &mut errors;
        let p = &mut profile;
        if let Some(name) = self
            .name
            .and_then(|n| keep(e, domain::parse_group_name(&n)))
        {
            p.name = name;
        }
        if let Some(text) = self
            .description
            .and_then(|d| keep(e, domain::parse_description(&d)))
        {
            p.description = text;
        }
        if let Some(focus) = self
            .focus_areas
            .and_then(|f| keep(e, domain::parse_tags(&f, "focus_areas")))
        {
            p.focus_areas = focus;
        }
        if let Some(approach) = self.approach {
            p.approach = approach;
        }
        if let Some(audiences) = self
            .audiences
            .and_then(|a| keep(e, domain::parse_tags(&a, "audiences")))
        {
            p.audiences = audiences;
        }
        if let Some(languages) = self
            .languages
            .and_then(|l| keep(e, domain::parse_languages(&l)))
        {
            p.languages = languages;
        }
        if let Some(visibility) = self.visibility {
            p.visibility = visibility;
        }
        if let Some(policy) = self.join_policy {
            p.join_policy = policy;
        }
        if let Some(capacity) = self.capacity {
            p.capacity = capacity.and_then(|c| keep(e, domain::parse_capacity(c)));
        }
        if let Some(organization) = self.organization_id {
            p.organization = organization.map(OrganizationId);
        }
        if let Some(body) = self.newcomer_contact {
            p.newcomer_contact = body.and_then(|body| keep(e, contact(body)));
        }
        if let Some(body) = self.location {
            p.location = body.and_then(|body| keep(e, location(body)));
        }
        if let Some(zone) = self.time_zone {
            p.time_zone = zone.and_then(|raw| keep(e, parse_time_zone(&raw)));
        }
        let slug = self.slug.and_then(|raw| keep(e, Slug::parse(&raw)));
        if errors.is_empty() {
            Ok((profile, slug))
        } else {
            Err(ApiError::from_domain_errors(errors))
        }
    }
}

/// Six random characters for a private group's slug, so that its name cannot be probed
/// through slug collisions.
fn random_suffix() -> Result<String, ApiError> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut bytes = [0_u8; 6];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

/// Create a group
///
/// Any person may start a group and becomes its first owner. The slug is made from the name
/// (with `-2`, `-3`, … when taken; a private group's gets a random suffix instead, so its name
/// cannot be probed) unless one is given. Slugs are one namespace: a chosen slug is as public
/// as a name. `organization_id` must be an organisation the caller works for.
#[utoipa::path(
    tag = tags::GROUPS,
    security(("bearer" = [])),
    request_body = CreateGroupRequest,
    responses(
        (status = 201, description = "Created", body = GroupResponse,
         headers(("Location" = String, description = "The new group"))),
        (status = 409, description = "`slug-taken`: another group has or had the slug", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn create_group(
    user: AuthUser,
    JsonObject(request): JsonObject<CreateGroupRequest>,
    db: Data<Db>,
) -> Result<Created<GroupResponse>, ApiError> {
    let (profile, chosen_slug) = request.into_profile()?;
    let now = Utc::now();
    let group = db
        .tx(move |c| {
            if let Some(org) = profile.organization {
                may_host(c, &user, org)?;
            }
            let slug = match chosen_slug {
                Some(slug) if groups::slug_taken(c, &slug)? => {
                    return Err(DomainError::SlugTaken.into());
                }
                Some(slug) => slug,
                None if profile.visibility == Visibility::Private => {
                    Slug::from_name(&profile.name).suffixed(&random_suffix()?)
                }
                None => groups::free_slug(c, &Slug::from_name(&profile.name))?,
            };
            let group = Group {
                id: GroupId::new(),
                slug,
                was_public: profile.visibility == Visibility::Public,
                profile,
                member_count: 1,
                created_at: now,
                updated_at: now,
                archived_at: None,
            };
            groups::insert(c, &group, user.id)?;
            memberships::save(
                c,
                &Membership {
                    id: MembershipId::new(),
                    group: group.id,
                    account: user.id,
                    role: GroupRole::Owner,
                    status: MembershipStatus::Active,
                    message: None,
                    created_at: now,
                    updated_at: now,
                    joined_at: Some(now),
                },
            )?;
            Ok(groups::get(c, group.id)?)
        })
        .await?;
    Ok(Created {
        location: format!("/v1/groups/{}", group.id),
        body: group.into(),
    })
}

/// Get a group
///
/// By id or slug. A former slug answers 301 with the current address. Private groups are
/// 404 to anyone but their members; unlisted ones are readable by anyone with the link.
#[utoipa::path(
    tag = tags::GROUPS,
    params(GroupPath, ("If-None-Match" = Option<String>, Header, description = "An `ETag` the client holds")),
    responses(
        (status = 200, description = "The group", body = GroupResponse,
         headers(("ETag" = String, description = "This version"),
                 ("Link" = String, description = "Where crisis help is: `</v1/crisis-resources>; rel=\"help\"`"))),
        (status = 301, description = "A former slug: `Location` names the current one",
         headers(("Location" = String, description = "The group's current address"))),
        (status = 304, description = "Unchanged since the `ETag` sent"),
        (status = 404, description = "`not-found`: no such group, or a private one", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{group}")]
pub async fn get_group(
    caller: MaybeUser,
    path: Path<GroupPath>,
    db: Data<Db>,
) -> Result<Either<HttpResponse, CustomizeResponder<Tagged<GroupResponse>>>, ApiError> {
    let reference = path.into_inner().group;
    let seen = db
        .run(move |c| seen(c, &reference, caller.0.as_ref()))
        .await?;
    if !seen.canonical {
        return Ok(Either::Left(
            HttpResponse::MovedPermanently()
                .insert_header((
                    header::LOCATION,
                    format!("/v1/groups/{}", seen.group.slug.as_str()),
                ))
                .finish(),
        ));
    }
    Ok(Either::Right(
        Tagged(GroupResponse::from(seen.group))
            .customize()
            .insert_header((header::LINK, CRISIS_RESOURCES_LINK)),
    ))
}

/// Change a group
///
/// Facilitators and owners. With `If-Match`, a stale version answers 412. A new slug keeps
/// the old one redirecting.
#[utoipa::path(
    tag = tags::GROUPS,
    security(("bearer" = [])),
    request_body = UpdateGroupRequest,
    params(GroupPath, ("If-Match" = Option<String>, Header, description = "The `ETag` this change is based on")),
    responses(
        (status = 200, description = "The changed group", body = GroupResponse,
         headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "`forbidden`: not a facilitator or owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`slug-taken` or `group-archived`", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`precondition-failed`: the group changed since that `ETag`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/{group}")]
pub async fn update_group(
    user: AuthUser,
    path: Path<GroupPath>,
    if_match: IfMatch,
    JsonObject(request): JsonObject<UpdateGroupRequest>,
    db: Data<Db>,
) -> Result<Tagged<GroupResponse>, ApiError> {
    let reference = path.into_inner().group;
    let group = db
        .tx(move |c| {
            let Seen { group, actor, .. } = seen_locked(c, &reference, Some(&user))?;
            actor.may_edit(group.profile.visibility)?;
            let (profile, new_slug) = request.apply(group.profile.clone())?;
            if_match.check(&etag_of(&GroupResponse::from(group.clone()))?)?;
            not_archived(&group)?;
            if profile.organization != group.profile.organization
                && let Some(org) = profile.organization
            {
                may_host(c, &user, org)?;
            }
            let slug = match new_slug {
                Some(slug) => match groups::find_by_slug(c, slug.as_str())? {
                    Some(owner) if owner != group.id => return Err(DomainError::SlugTaken.into()),
                    _ => slug,
                },
                None => group.slug.clone(),
            };
            let listed_before = group.profile.visibility == Visibility::Public;
            let changed = Group {
                slug,
                was_public: group.was_public || profile.visibility == Visibility::Public,
                profile,
                updated_at: Utc::now(),
                ..group
            };
            groups::update(c, &changed)?;
            let is_public = changed.profile.visibility == Visibility::Public;
            if is_public != listed_before {
                occurrences::set_listed(c, changed.id, is_public)?;
                meetings::touch_group(c, changed.id, changed.updated_at)?;
            }
            Ok(groups::get(c, changed.id)?)
        })
        .await?;
    Ok(Tagged(group.into()))
}

/// Archive a group
///
/// Owners and platform administrators. The group leaves search and takes no more changes or
/// members; its history stays, and sync feeds report it removed. With `If-Match`, a stale
/// version answers 412.
#[utoipa::path(
    tag = tags::GROUPS,
    security(("bearer" = [])),
    params(GroupPath, ("If-Match" = Option<String>, Header, description = "The `ETag` this change is based on")),
    responses(
        (status = 204, description = "Archived (or already archived)"),
        (status = 403, description = "`forbidden`: not an owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`precondition-failed`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{group}")]
pub async fn delete_group(
    user: AuthUser,
    path: Path<GroupPath>,
    if_match: IfMatch,
    db: Data<Db>,
) -> Result<NoContent, ApiError> {
    let reference = path.into_inner().group;
    db.tx(move |c| {
        let Seen { group, actor, .. } = seen_locked(c, &reference, Some(&user))?;
        actor.may_archive(group.profile.visibility)?;
        if_match.check(&etag_of(&GroupResponse::from(group.clone()))?)?;
        if group.archived_at.is_none() {
            let now = Utc::now();
            groups::archive(c, group.id, now)?;
            occurrences::set_listed(c, group.id, false)?;
            meetings::touch_group(c, group.id, now)?;
        }
        Ok(())
    })
    .await?;
    Ok(NoContent)
}

/// How a search orders its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupSort {
    /// Groups whose name holds every word of `q` first, then newest.
    Relevance,
    /// By name.
    Name,
    /// Nearest first; needs `near`.
    Distance,
    /// Newest first.
    Newest,
}

/// Search parameters. List parameters take comma-separated values and match any of them;
/// different parameters must all match.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListGroupsQuery {
    /// Words that must all appear in the name, description or locality.
    #[param(max_length = 200, example = "women recovery")]
    pub q: Option<String>,
    /// Focus areas, such as `alcohol,opioids`.
    #[serde(default, deserialize_with = "comma_separated")]
    #[param(value_type = Option<Vec<FocusArea>>, style = Form, explode = false)]
    pub focus: Vec<FocusArea>,
    /// Approaches.
    #[serde(default, deserialize_with = "comma_separated")]
    #[param(value_type = Option<Vec<Approach>>, style = Form, explode = false)]
    pub approach: Vec<Approach>,
    /// Audiences.
    #[serde(default, deserialize_with = "comma_separated")]
    #[param(value_type = Option<Vec<Audience>>, style = Form, explode = false)]
    pub audience: Vec<Audience>,
    /// BCP 47 language tags; `es` also finds groups meeting in `es-MX`.
    #[serde(default, deserialize_with = "comma_separated")]
    #[param(value_type = Option<Vec<String>>, style = Form, explode = false)]
    pub language: Vec<String>,
    /// Join policies.
    #[serde(default, deserialize_with = "comma_separated")]
    #[param(value_type = Option<Vec<JoinPolicy>>, style = Form, explode = false)]
    pub join_policy: Vec<JoinPolicy>,
    /// The hosting organisation.
    pub organization_id: Option<Uuid>,
    /// `latitude,longitude`: only groups that meet in person within `radius_km` of it.
    #[param(example = "40.7128,-74.0060")]
    pub near: Option<String>,
    /// Kilometres around `near`, 0.1 to 500 (default 25).
    #[param(minimum = 0.1, maximum = 500)]
    pub radius_km: Option<f64>,
    /// Only groups whose profile changed at or after this instant (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
    /// `relevance` (default with `q`), `distance` (default with `near`), `name` (default
    /// otherwise) or `newest`.
    #[param(inline)]
    pub sort: Option<GroupSort>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page, with the same sort.
    pub cursor: Option<String>,
}

/// Where a page of search results continues: the last item's sort key and id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "s")]
enum GroupCursor {
    #[serde(rename = "n")]
    Name { k: String, i: Uuid },
    #[serde(rename = "t")]
    Newest { i: Uuid },
    #[serde(rename = "r")]
    Relevance { h: bool, i: Uuid },
    /// `d` holds the distance's bits: a float written as JSON text may not read back exactly.
    #[serde(rename = "d")]
    Distance { d: u64, i: Uuid },
}

impl GroupCursor {
    fn of(sort: GroupSort, group: &Group, terms: &[String], distance: Option<f64>) -> Self {
        let i = group.id.0;
        match sort {
            GroupSort::Name => Self::Name {
                k: groups::name_key(group),
                i,
            },
            GroupSort::Newest => Self::Newest { i },
            GroupSort::Relevance => Self::Relevance {
                h: groups::name_holds(group, terms),
                i,
            },
            GroupSort::Distance => Self::Distance {
                d: distance.unwrap_or(f64::INFINITY).to_bits(),
                i,
            },
        }
    }

    fn sort(&self) -> GroupSort {
        match self {
            Self::Name { .. } => GroupSort::Name,
            Self::Newest { .. } => GroupSort::Newest,
            Self::Relevance { .. } => GroupSort::Relevance,
            Self::Distance { .. } => GroupSort::Distance,
        }
    }

    /// The order of two positions of the same sort, as the list runs.
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Name { k: a, i: x }, Self::Name { k: b, i: y }) => (a, x).cmp(&(b, y)),
            (Self::Newest { i: x }, Self::Newest { i: y }) => y.cmp(x),
            (Self::Relevance { h: a, i: x }, Self::Relevance { h: b, i: y }) => {
                b.cmp(a).then(y.cmp(x))
            }
            (Self::Distance { d: a, i: x }, Self::Distance { d: b, i: y }) => f64::from_bits(*a)
                .total_cmp(&f64::from_bits(*b))
                .then(x.cmp(y)),
            _ => Ordering::Equal,
        }
    }

    fn order(&self) -> GroupOrder {
        match self {
            Self::Name { k, i } => GroupOrder::Name(Some((k.clone(), GroupId(*i)))),
            Self::Newest { i } => GroupOrder::Newest(Some(GroupId(*i))),
            Self::Relevance { h, i } => GroupOrder::Relevance(Some((*h, GroupId(*i)))),
            Self::Distance { .. } => GroupOrder::Everything,
        }
    }
}

/// A page of groups.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "0193aa8e-8f5a-7c3e-9d2b-4a1f0e6c8b7d", "slug": "harbour-lights", "name": "Harbour Lights", "description": "", "focus_areas": ["alcohol"], "approach": "twelve_step", "audiences": [], "languages": ["en"], "visibility": "public", "join_policy": "open", "capacity": null, "member_count": 12, "organization_id": null, "newcomer_contact": null, "location": {"latitude": 40.6782, "longitude": -73.9442, "locality": "Brooklyn", "region": "NY", "country": "US"}, "time_zone": "America/New_York", "created_at": "2026-11-27T08:00:00Z", "updated_at": "2026-11-27T08:00:00Z", "archived_at": null, "distance_km": 4.21}], "next_cursor": "eyJzIjoiZCJ9"}))]
pub struct GroupPage {
    /// The groups of this page.
    pub items: Vec<GroupResponse>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// Default radius of a search near a point, in kilometres.
const DEFAULT_RADIUS_KM: f64 = 25.0;

struct Search {
    filter: GroupFilter,
    near: Option<(Point, f64)>,
    sort: GroupSort,
    after: Option<GroupCursor>,
    limit: u32,
}

impl ListGroupsQuery {
    fn into_search(
        self,
        member: Option<hearth_domain::account::AccountId>,
    ) -> Result<Search, ApiError> {
        let limit = checked_limit(self.limit)?;
        let mut errors = Vec::new();
        let e = &mut errors;
        let terms = self
            .q
            .as_deref()
            .and_then(|q| keep(e, domain::search_terms(q)))
            .unwrap_or_default();
        let near = keep(
            e,
            domain::parse_near(self.near.as_deref(), self.radius_km, DEFAULT_RADIUS_KM),
        )
        .flatten();
        let lists = [
            ("focus", self.focus.len()),
            ("approach", self.approach.len()),
            ("audience", self.audience.len()),
            ("language", self.language.len()),
            ("join_policy", self.join_policy.len()),
        ];
        for (field, count) in lists {
            keep(e, domain::check_search_list(field, count));
        }
        let languages = self
            .language
            .iter()
            .filter_map(|raw| keep(e, hearth_domain::account::Locale::parse(raw)))
            .map(|tag| domain::canonical_language(tag.as_str()))
            .collect();
        let sort = self.sort.unwrap_or(if !terms.is_empty() {
            GroupSort::Relevance
        } else if near.is_some() {
            GroupSort::Distance
        } else {
            GroupSort::Name
        });
        if sort == GroupSort::Distance && self.near.is_none() {
            e.push(DomainError::Invalid {
                field: "sort".to_owned(),
                code: "needs_near",
                message: "sorting by distance needs near".to_owned(),
            });
        }
        if !errors.is_empty() {
            return Err(ApiError::from_domain_errors(errors));
        }
        let after = self
            .cursor
            .as_deref()
            .map(decode_cursor::<GroupCursor>)
            .transpose()?;
        if after.as_ref().is_some_and(|cursor| cursor.sort() != sort) {
            return Err(ApiError::BadRequest(
                "The cursor belongs to a search with another sort.".to_owned(),
            ));
        }
        Ok(Search {
            filter: GroupFilter {
                member,
                terms,
                focus_areas: self.focus,
                approaches: self.approach,
                audiences: self.audience,
                languages,
                join_policies: self.join_policy,
                organization: self.organization_id.map(OrganizationId),
                within: near.map(|(point, radius)| point.bounding_box(radius)),
                updated_since: self.updated_since,
            },
            near,
            sort,
            after,
            limit,
        })
    }
}

/// Runs a search and cuts one page from it.
fn search_page(c: &mut DbConnection, search: &Search) -> Result<GroupPage, ApiError> {
    let fetch = i64::from(search.limit) + 1;
    let terms = &search.filter.terms;
    let found: Vec<(Group, Option<f64>)> = match search.near {
        Some((point, radius)) => {
            // An index narrows to a box; exact distances, order and the page are cut here.
            let mut near: Vec<(Group, Option<f64>)> =
                groups::search(c, &search.filter, &GroupOrder::Everything, fetch)?
                    .into_iter()
                    .filter_map(|group| {
                        let distance = group.profile.location.as_ref()?.point.distance_km(point);
                        (distance <= radius).then_some((group, Some(distance)))
                    })
                    .collect();
            let key = |(group, distance): &(Group, Option<f64>)| {
                GroupCursor::of(search.sort, group, terms, *distance)
            };
            near.sort_by(|a, b| key(a).cmp(&key(b)));
            if let Some(after) = &search.after {
                near.retain(|item| key(item).cmp(after) == Ordering::Greater);
            }
            near.truncate(usize::try_from(fetch).unwrap_or(usize::MAX));
            near
        }
        None => {
            let order = match &search.after {
                Some(after) => after.order(),
                None => match search.sort {
                    GroupSort::Name => GroupOrder::Name(None),
                    GroupSort::Newest => GroupOrder::Newest(None),
                    GroupSort::Relevance => GroupOrder::Relevance(None),
                    GroupSort::Distance => GroupOrder::Everything,
                },
            };
            groups::search(c, &search.filter, &order, fetch)?
                .into_iter()
                .map(|group| (group, None))
                .collect()
        }
    };
    let (found, next_cursor) = cut(found, search.limit, |(group, distance)| {
        encode_cursor(&GroupCursor::of(search.sort, group, terms, *distance))
    })?;
    Ok(GroupPage {
        items: found
            .into_iter()
            .map(|(group, distance)| GroupResponse {
                distance_km: distance.map(|km| (km * 100.0).round() / 100.0),
                ..group.into()
            })
            .collect(),
        next_cursor,
    })
}

/// Search groups
///
/// Public groups for everyone, plus the caller's own groups of any visibility; archived groups
/// never. Filter by words, focus, approach, audience, language, join policy, host organisation
/// and distance from a point; sort by relevance, name, distance or newest. Paging is by
/// keyset, so groups created while a client pages are neither repeated nor skipped.
#[utoipa::path(
    tag = tags::GROUPS,
    params(ListGroupsQuery),
    responses(
        (status = 200, description = "One page", body = GroupPage,
         headers(("ETag" = String, description = "This version of the page"))),
        (status = 304, description = "Unchanged since the `ETag` sent"),
        (status = 400, description = "`bad-request`: an unknown value or a cursor this API did not give out", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: a parameter out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn list_groups(
    caller: MaybeUser,
    Query(query): Query<ListGroupsQuery>,
    db: Data<Db>,
) -> Result<Tagged<GroupPage>, ApiError> {
    let search = query.into_search(caller.0.map(|user| user.id))?;
    let page = db.run(move |c| search_page(c, &search)).await?;
    Ok(Tagged(page))
}

/// Parameters of a sync feed.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ChangesQuery {
    /// `next_since` of the previous sync; absent for a first, full sync.
    pub since: Option<DateTime<Utc>>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page of this sync.
    pub cursor: Option<String>,
}

/// What happened to a group or a meeting.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Created or changed: store the new version.
    Updated,
    /// Archived, or no longer listed for the caller: drop the local copy.
    Removed,
}

/// One change in the sync feed.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193aa8e-8f5a-7c3e-9d2b-4a1f0e6c8b7d", "change": "removed", "changed_at": "2026-11-27T09:00:00Z", "group": null}))]
pub struct GroupChange {
    /// The group's id.
    pub id: Uuid,
    /// What happened.
    pub change: ChangeKind,
    /// When.
    pub changed_at: DateTime<Utc>,
    /// The group as it is now, for `updated`.
    pub group: Option<GroupResponse>,
}

/// A page of the sync feed.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "items": [{"id": "0193aa8e-8f5a-7c3e-9d2b-4a1f0e6c8b7d", "change": "removed", "changed_at": "2026-11-27T09:00:00Z", "group": null}],
    "next_cursor": null,
    "next_since": "2026-11-27T09:59:55Z"
}))]
pub struct GroupChangesPage {
    /// Changes, oldest first.
    pub items: Vec<GroupChange>,
    /// Pass as `cursor` for the rest of this sync; `null` when it is complete.
    pub next_cursor: Option<String>,
    /// Pass as `since` next time. It trails the present by a few seconds so that changes
    /// still being committed are not missed; apply changes idempotently.
    pub next_since: DateTime<Utc>,
}

/// Where a page of a sync feed continues: the last change's instant and id.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ChangeCursor {
    pub at: DateTime<Utc>,
    pub i: Uuid,
}

/// How far `next_since` trails the present, to cover transactions that began before a sync
/// and commit after it.
pub(crate) const SYNC_SETTLE_SECONDS: i64 = 5;

/// Sync group changes
///
/// Everything that changed since the previous sync, oldest first: `updated` with the group
/// for groups the caller may list (public ones, and their own), `removed` for groups archived
/// or no longer listed for them. Page with `cursor` until `next_cursor` is `null`, then keep
/// `next_since` for the next sync. Private groups the caller never belonged to never appear.
#[utoipa::path(
    tag = tags::GROUPS,
    params(ChangesQuery),
    responses(
        (status = 200, description = "One page of changes", body = GroupChangesPage),
        (status = 400, description = "`bad-request`: a cursor this API did not give out", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: `limit` out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/changes")]
pub async fn list_group_changes(
    caller: MaybeUser,
    Query(query): Query<ChangesQuery>,
    db: Data<Db>,
) -> Result<Tagged<GroupChangesPage>, ApiError> {
    let limit = checked_limit(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(decode_cursor::<ChangeCursor>)
        .transpose()?
        .map(|cursor| (cursor.at, GroupId(cursor.i)));
    let viewer = caller.0.map(|user| user.id);
    let started = Utc::now();
    let since = query.since;
    let changes = db
        .run(move |c| {
            Ok(groups::changes(
                c,
                viewer,
                since,
                after,
                i64::from(limit) + 1,
            )?)
        })
        .await?;
    let (changes, next_cursor) = cut(changes, limit, |last| {
        encode_cursor(&ChangeCursor {
            at: last.group.updated_at,
            i: last.group.id.0,
        })
    })?;
    let items = changes
        .into_iter()
        .map(|change| {
            let group = change.group;
            let listed = group.archived_at.is_none()
                && (group.profile.visibility == Visibility::Public || change.viewer_is_member);
            GroupChange {
                id: group.id.0,
                changed_at: group.updated_at,
                change: if listed {
                    ChangeKind::Updated
                } else {
                    ChangeKind::Removed
                },
                group: listed.then(|| group.into()),
            }
        })
        .collect();
    Ok(Tagged(GroupChangesPage {
        items,
        next_cursor,
        next_since: started - Duration::seconds(SYNC_SETTLE_SECONDS),
    }))
}
