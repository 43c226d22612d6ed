//! Peer support groups: their profiles, tags, slugs past and present, and search.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use hearth_domain::account::AccountId;
use hearth_domain::group::{
    Approach, Audience, BoundingBox, ContactKind, FocusArea, Group, GroupId, GroupLocation,
    GroupProfile, JoinPolicy, NewcomerContact, Point, Slug, Visibility,
};
use hearth_domain::membership::MembershipStatus;
use hearth_domain::organization::OrganizationId;

use crate::ids::parse_id;
use crate::like;
use crate::schema::{group_memberships, group_slugs, group_tags, support_groups};
use crate::time::{from_db, to_db};
use crate::{DbConnection, PersistenceError};

type Backend = <DbConnection as Connection>::Backend;
type Condition =
    Box<dyn BoxableExpression<support_groups::table, Backend, SqlType = diesel::sql_types::Bool>>;

pub(crate) const FOCUS: &str = "focus";
const AUDIENCE: &str = "audience";
const LANGUAGE: &str = "language";

#[derive(Queryable, Selectable)]
#[diesel(table_name = support_groups)]
struct GroupRow {
    id: String,
    slug: String,
    name: String,
    description: String,
    approach: Option<String>,
    visibility: String,
    join_policy: String,
    capacity: Option<i32>,
    member_count: i32,
    organization_id: Option<String>,
    contact_kind: Option<String>,
    contact_value: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    locality: Option<String>,
    region: Option<String>,
    country: Option<String>,
    time_zone: Option<String>,
    was_public: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    archived_at: Option<NaiveDateTime>,
}

/// A group's tags as stored, grouped by kind.
#[derive(Default)]
struct Tags {
    focus_areas: Vec<FocusArea>,
    audiences: Vec<Audience>,
    languages: Vec<String>,
}

fn corrupt(id: &str, what: &str) -> PersistenceError {
    PersistenceError::Corrupt(format!("group {id}: {what}"))
}

impl GroupRow {
    fn into_group(self, tags: Tags) -> Result<Group, PersistenceError> {
        let id = &self.id;
        let count = |value: i32, what| u32::try_from(value).map_err(|_| corrupt(id, what));
        let location = match (self.latitude, self.longitude) {
            (Some(latitude), Some(longitude)) => Some(GroupLocation {
                point: Point {
                    latitude,
                    longitude,
                },
                locality: self.locality,
                region: self.region,
                country: self.country,
            }),
            _ => None,
        };
        let newcomer_contact = match (self.contact_kind, self.contact_value) {
            (Some(kind), Some(value)) => Some(NewcomerContact {
                kind: ContactKind::parse(&kind).ok_or_else(|| corrupt(id, "contact kind"))?,
                value,
            }),
            _ => None,
        };
        Ok(Group {
            id: GroupId(parse_id(id, "group")?),
            slug: Slug::from_stored(self.slug),
            profile: GroupProfile {
                name: self.name,
                description: self.description,
                focus_areas: tags.focus_areas,
                approach: self
                    .approach
                    .map(|a| Approach::parse(&a).ok_or_else(|| corrupt(id, "approach")))
                    .transpose()?,
                audiences: tags.audiences,
                languages: tags.languages,
                visibility: Visibility::parse(&self.visibility)
                    .ok_or_else(|| corrupt(id, "visibility"))?,
                join_policy: JoinPolicy::parse(&self.join_policy)
                    .ok_or_else(|| corrupt(id, "join policy"))?,
                capacity: self.capacity.map(|c| count(c, "capacity")).transpose()?,
                organization: self
                    .organization_id
                    .map(|org| parse_id(&org, "organization").map(OrganizationId))
                    .transpose()?,
                newcomer_contact,
                location,
                time_zone: self
                    .time_zone
                    .map(|tz| tz.parse().map_err(|_| corrupt(id, "time zone")))
                    .transpose()?,
            },
            member_count: count(self.member_count, "member count")?,
            was_public: self.was_public,
            created_at: from_db(self.created_at),
            updated_at: from_db(self.updated_at),
            archived_at: self.archived_at.map(from_db),
        })
    }
}

/// Loads the tags of several groups in one query.
fn tags_of(
    c: &mut DbConnection,
    ids: &[String],
) -> Result<HashMap<String, Tags>, PersistenceError> {
    let rows: Vec<(String, String, String)> = group_tags::table
        .filter(group_tags::group_id.eq_any(ids))
        .order((group_tags::group_id, group_tags::kind, group_tags::position))
        .select((group_tags::group_id, group_tags::kind, group_tags::value))
        .load(c)?;
    let mut tags: HashMap<String, Tags> = HashMap::new();
    for (group, kind, value) in rows {
        let entry = tags.entry(group.clone()).or_default();
        match kind.as_str() {
            FOCUS => entry
                .focus_areas
                .push(FocusArea::parse(&value).ok_or_else(|| corrupt(&group, "focus area"))?),
            AUDIENCE => entry
                .audiences
                .push(Audience::parse(&value).ok_or_else(|| corrupt(&group, "audience"))?),
            LANGUAGE => entry.languages.push(value),
            _ => return Err(corrupt(&group, "tag kind")),
        }
    }
    Ok(tags)
}

fn with_tags(c: &mut DbConnection, rows: Vec<GroupRow>) -> Result<Vec<Group>, PersistenceError> {
    let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
    let mut tags = tags_of(c, &ids)?;
    rows.into_iter()
        .map(|row| {
            let own = tags.remove(&row.id).unwrap_or_default();
            row.into_group(own)
        })
        .collect()
}

fn write_tags(c: &mut DbConnection, group: &Group) -> Result<(), PersistenceError> {
    let id = group.id.to_string();
    diesel::delete(group_tags::table.filter(group_tags::group_id.eq(&id))).execute(c)?;
    let profile = &group.profile;
    let tags = profile
        .focus_areas
        .iter()
        .map(|f| (FOCUS, f.as_str().to_owned()))
        .chain(
            profile
                .audiences
                .iter()
                .map(|a| (AUDIENCE, a.as_str().to_owned())),
        )
        .chain(profile.languages.iter().map(|l| (LANGUAGE, l.clone())));
    for (position, (kind, value)) in tags.enumerate() {
        diesel::insert_into(group_tags::table)
            .values((
                group_tags::group_id.eq(&id),
                group_tags::kind.eq(kind),
                group_tags::value.eq(value),
                group_tags::position.eq(i32::try_from(position).unwrap_or(i32::MAX)),
            ))
            .execute(c)?;
    }
    Ok(())
}

/// The columns an edit of the profile sets.
#[derive(AsChangeset)]
#[diesel(table_name = support_groups, treat_none_as_null = true)]
struct ProfileChanges<'a> {
    slug: &'a str,
    name: &'a str,
    name_key: String,
    search_text: String,
    description: &'a str,
    approach: Option<&'a str>,
    visibility: &'a str,
    join_policy: &'a str,
    capacity: Option<i32>,
    organization_id: Option<String>,
    contact_kind: Option<&'a str>,
    contact_value: Option<&'a str>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    locality: Option<&'a str>,
    region: Option<&'a str>,
    country: Option<&'a str>,
    time_zone: Option<&'a str>,
    was_public: bool,
    updated_at: NaiveDateTime,
}

impl<'a> ProfileChanges<'a> {
    fn of(group: &'a Group) -> Self {
        let profile = &group.profile;
        let location = profile.location.as_ref();
        Self {
            slug: group.slug.as_str(),
            name: &profile.name,
            name_key: profile.name.to_lowercase(),
            search_text: hearth_domain::group::search_text(profile),
            description: &profile.description,
            approach: profile.approach.map(Approach::as_str),
            visibility: profile.visibility.as_str(),
            join_policy: profile.join_policy.as_str(),
            capacity: profile
                .capacity
                .map(|c| i32::try_from(c).unwrap_or(i32::MAX)),
            organization_id: profile.organization.map(|org| org.to_string()),
            contact_kind: profile.newcomer_contact.as_ref().map(|c| c.kind.as_str()),
            contact_value: profile.newcomer_contact.as_ref().map(|c| c.value.as_str()),
            latitude: location.map(|l| l.point.latitude),
            longitude: location.map(|l| l.point.longitude),
            locality: location.and_then(|l| l.locality.as_deref()),
            region: location.and_then(|l| l.region.as_deref()),
            country: location.and_then(|l| l.country.as_deref()),
            time_zone: profile.time_zone.map(chrono_tz::Tz::name),
            was_public: group.was_public,
            updated_at: to_db(group.updated_at),
        }
    }
}

/// Whether any group has, or once had, this slug.
pub fn slug_taken(c: &mut DbConnection, slug: &Slug) -> Result<bool, PersistenceError> {
    let found: Option<String> = group_slugs::table
        .find(slug.as_str())
        .select(group_slugs::slug)
        .first(c)
        .optional()?;
    Ok(found.is_some())
}

/// `slug`, or the first of `slug-2`, `slug-3`, … that no group has had.
pub fn free_slug(c: &mut DbConnection, slug: &Slug) -> Result<Slug, PersistenceError> {
    if !slug_taken(c, slug)? {
        return Ok(slug.clone());
    }
    let taken: Vec<String> = group_slugs::table
        .filter(group_slugs::slug.like(format!("{}-%", slug.as_str())))
        .select(group_slugs::slug)
        .load(c)?;
    let next = (2..)
        .map(|n| slug.numbered(n))
        .find(|candidate| !taken.iter().any(|t| t == candidate.as_str()))
        .unwrap_or_else(|| slug.numbered(u32::MAX));
    Ok(next)
}

fn record_slug(c: &mut DbConnection, group: &Group) -> Result<(), PersistenceError> {
    diesel::insert_into(group_slugs::table)
        .values((
            group_slugs::slug.eq(group.slug.as_str()),
            group_slugs::group_id.eq(group.id.to_string()),
            group_slugs::created_at.eq(to_db(group.updated_at)),
        ))
        .execute(c)?;
    Ok(())
}

/// Stores a new group. Its creator's membership is stored separately.
pub fn insert(
    c: &mut DbConnection,
    group: &Group,
    created_by: AccountId,
) -> Result<(), PersistenceError> {
    let changes = ProfileChanges::of(group);
    diesel::insert_into(support_groups::table)
        .values((
            support_groups::id.eq(group.id.to_string()),
            support_groups::slug.eq(changes.slug),
            support_groups::name.eq(changes.name),
            support_groups::name_key.eq(&changes.name_key),
            support_groups::search_text.eq(&changes.search_text),
            support_groups::description.eq(changes.description),
            support_groups::approach.eq(changes.approach),
            support_groups::visibility.eq(changes.visibility),
            support_groups::join_policy.eq(changes.join_policy),
            support_groups::capacity.eq(changes.capacity),
            support_groups::member_count.eq(i32::try_from(group.member_count).unwrap_or(i32::MAX)),
            support_groups::organization_id.eq(&changes.organization_id),
            support_groups::contact_kind.eq(changes.contact_kind),
            support_groups::contact_value.eq(changes.contact_value),
            (
                support_groups::latitude.eq(changes.latitude),
                support_groups::longitude.eq(changes.longitude),
                support_groups::locality.eq(changes.locality),
                support_groups::region.eq(changes.region),
                support_groups::country.eq(changes.country),
                support_groups::time_zone.eq(changes.time_zone),
                support_groups::was_public.eq(group.was_public),
                support_groups::created_by.eq(created_by.to_string()),
                support_groups::created_at.eq(to_db(group.created_at)),
                support_groups::updated_at.eq(changes.updated_at),
            ),
        ))
        .execute(c)?;
    write_tags(c, group)?;
    record_slug(c, group)
}

/// Saves an edited profile; a new slug joins the group's slug history.
pub fn update(c: &mut DbConnection, group: &Group) -> Result<(), PersistenceError> {
    let id = group.id.to_string();
    let previous: String = support_groups::table
        .find(&id)
        .select(support_groups::slug)
        .first(c)?;
    diesel::update(support_groups::table.find(&id))
        .set(ProfileChanges::of(group))
        .execute(c)?;
    write_tags(c, group)?;
    if previous != group.slug.as_str() && find_by_slug(c, group.slug.as_str())?.is_none() {
        record_slug(c, group)?;
    }
    Ok(())
}

/// Archives a group: it leaves search and takes no changes, its history stays.
pub fn archive(
    c: &mut DbConnection,
    id: GroupId,
    at: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    diesel::update(support_groups::table.find(id.to_string()))
        .set((
            support_groups::archived_at.eq(to_db(at)),
            support_groups::updated_at.eq(to_db(at)),
        ))
        .execute(c)?;
    Ok(())
}

/// The group with this id.
pub fn get(c: &mut DbConnection, id: GroupId) -> Result<Group, PersistenceError> {
    let row: Option<GroupRow> = support_groups::table
        .find(id.to_string())
        .select(GroupRow::as_select())
        .first(c)
        .optional()?;
    let row = row.ok_or_else(|| PersistenceError::NotFound {
        entity: "group",
        id: id.to_string(),
    })?;
    with_tags(c, vec![row])?
        .pop()
        .ok_or_else(|| corrupt(&id.to_string(), "vanished"))
}

/// The group a slug names (its current one or a former one), if any.
pub fn find_by_slug(c: &mut DbConnection, slug: &str) -> Result<Option<GroupId>, PersistenceError> {
    let id: Option<String> = group_slugs::table
        .find(slug)
        .select(group_slugs::group_id)
        .first(c)
        .optional()?;
    id.map(|id| parse_id(&id, "group").map(GroupId)).transpose()
}

/// Waits for, then holds until the transaction ends, the right to change the group's
/// memberships, so that checks such as "another owner remains" cannot race.
pub fn lock(c: &mut DbConnection, id: GroupId) -> Result<(), PersistenceError> {
    let id = id.to_string();
    let updated = diesel::update(support_groups::table.find(&id))
        .set(support_groups::member_count.eq(support_groups::member_count))
        .execute(c)?;
    if updated == 0 {
        return Err(PersistenceError::NotFound {
            entity: "group",
            id,
        });
    }
    Ok(())
}

/// Takes a place in the group if one is free; `false` when it is full. One statement, so two
/// people cannot both take the last place.
pub fn take_place(c: &mut DbConnection, id: GroupId) -> Result<bool, PersistenceError> {
    let updated = diesel::update(
        support_groups::table.find(id.to_string()).filter(
            support_groups::capacity
                .is_null()
                .or(support_groups::member_count.lt(support_groups::capacity.assume_not_null())),
        ),
    )
    .set(support_groups::member_count.eq(support_groups::member_count + 1))
    .execute(c)?;
    Ok(updated == 1)
}

/// Marks the group changed now, for sync: a member's arrival in, or departure from, a group
/// that is not public changes whether it is listed for them.
pub fn touch(c: &mut DbConnection, id: GroupId, at: DateTime<Utc>) -> Result<(), PersistenceError> {
    diesel::update(support_groups::table.find(id.to_string()))
        .set(support_groups::updated_at.eq(to_db(at)))
        .execute(c)?;
    Ok(())
}

/// Gives a place back.
pub fn free_place(c: &mut DbConnection, id: GroupId) -> Result<(), PersistenceError> {
    diesel::update(
        support_groups::table
            .find(id.to_string())
            .filter(support_groups::member_count.gt(0)),
    )
    .set(support_groups::member_count.eq(support_groups::member_count - 1))
    .execute(c)?;
    Ok(())
}

/// Where a page of search results continues, per order.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupOrder {
    /// By name, then id: after this name key and id.
    Name(Option<(String, GroupId)>),
    /// Newest first (ids are time-ordered): after this id.
    Newest(Option<GroupId>),
    /// Groups whose name holds every term first, then newest: after this tier and id.
    Relevance(Option<(bool, GroupId)>),
    /// Every match, unordered and unlimited: the caller sorts (by distance).
    Everything,
}

/// What a search asks for. Empty lists do not filter; each list matches any of its values.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroupFilter {
    /// Besides public groups, include those this account is an active member of.
    pub member: Option<AccountId>,
    /// Lower-cased words that must all appear in the name, description or locality.
    pub terms: Vec<String>,
    /// Focus areas.
    pub focus_areas: Vec<FocusArea>,
    /// Approaches.
    pub approaches: Vec<Approach>,
    /// Audiences.
    pub audiences: Vec<Audience>,
    /// Language tags; `es` also matches `es-MX`.
    pub languages: Vec<String>,
    /// Join policies.
    pub join_policies: Vec<JoinPolicy>,
    /// Host organisation.
    pub organization: Option<OrganizationId>,
    /// Groups that meet in person inside this box.
    pub within: Option<BoundingBox>,
    /// Changed at or after this instant.
    pub updated_since: Option<DateTime<Utc>>,
}

/// The key a group sorts by in [`GroupOrder::Name`].
pub fn name_key(group: &Group) -> String {
    group.profile.name.to_lowercase()
}

/// Whether a group's name holds every term, the first tier of [`GroupOrder::Relevance`].
pub fn name_holds(group: &Group, terms: &[String]) -> bool {
    let name = name_key(group);
    terms.iter().all(|term| name.contains(term.as_str()))
}

fn name_holds_terms(terms: &[String]) -> Condition {
    terms.iter().fold(
        Box::new(diesel::dsl::sql::<diesel::sql_types::Bool>("(1 = 1)")) as Condition,
        |all, term| {
            Box::new(
                all.and(
                    support_groups::name_key
                        .like(like::containing(term))
                        .escape('\\'),
                ),
            )
        },
    )
}

fn tagged(kind: &'static str, values: Vec<String>) -> Condition {
    Box::new(
        support_groups::id.eq_any(
            group_tags::table
                .filter(group_tags::kind.eq(kind))
                .filter(group_tags::value.eq_any(values))
                .select(group_tags::group_id),
        ),
    )
}

/// Searches listed groups: public ones plus, for a member, their own, never archived ones.
pub fn search(
    c: &mut DbConnection,
    filter: &GroupFilter,
    order: &GroupOrder,
    limit: i64,
) -> Result<Vec<Group>, PersistenceError> {
    let mut query = support_groups::table
        .select(GroupRow::as_select())
        .filter(support_groups::archived_at.is_null())
        .into_boxed();
    let public = support_groups::visibility.eq(Visibility::Public.as_str());
    query = match filter.member {
        Some(member) => query.filter(
            public.or(support_groups::id.eq_any(
                group_memberships::table
                    .filter(group_memberships::account_id.eq(member.to_string()))
                    .filter(group_memberships::status.eq(MembershipStatus::Active.as_str()))
                    .select(group_memberships::group_id),
            )),
        ),
        None => query.filter(public),
    };
    for term in &filter.terms {
        query = query.filter(
            support_groups::search_text
                .like(like::containing(term))
                .escape('\\'),
        );
    }
    if !filter.focus_areas.is_empty() {
        let values = filter
            .focus_areas
            .iter()
            .map(|f| f.as_str().to_owned())
            .collect();
        query = query.filter(tagged(FOCUS, values));
    }
    if !filter.audiences.is_empty() {
        let values = filter
            .audiences
            .iter()
            .map(|a| a.as_str().to_owned())
            .collect();
        query = query.filter(tagged(AUDIENCE, values));
    }
    if !filter.languages.is_empty() {
        let mut condition: Condition =
            Box::new(diesel::dsl::sql::<diesel::sql_types::Bool>("(1 = 0)"));
        for language in &filter.languages {
            let matching = group_tags::table
                .filter(group_tags::kind.eq(LANGUAGE))
                .filter(
                    group_tags::value.eq(language.clone()).or(group_tags::value
                        .like(format!("{}-%", like::escape(language)))
                        .escape('\\')),
                )
                .select(group_tags::group_id);
            condition = Box::new(condition.or(support_groups::id.eq_any(matching)));
        }
        query = query.filter(condition);
    }
    if !filter.approaches.is_empty() {
        query = query.filter(
            support_groups::approach.eq_any(
                filter
                    .approaches
                    .iter()
                    .map(|a| a.as_str())
                    .collect::<Vec<_>>(),
            ),
        );
    }
    if !filter.join_policies.is_empty() {
        query = query.filter(
            support_groups::join_policy.eq_any(
                filter
                    .join_policies
                    .iter()
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>(),
            ),
        );
    }
    if let Some(org) = filter.organization {
        query = query.filter(support_groups::organization_id.eq(org.to_string()));
    }
    if let Some(within) = filter.within {
        query = query
            .filter(support_groups::latitude.between(within.min_latitude, within.max_latitude))
            .filter(support_groups::longitude.between(within.min_longitude, within.max_longitude));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(support_groups::updated_at.ge(to_db(since)));
    }
    query = match order {
        GroupOrder::Name(after) => {
            if let Some((key, id)) = after {
                query = query.filter(
                    support_groups::name_key
                        .gt(key.clone())
                        .or(support_groups::name_key
                            .eq(key.clone())
                            .and(support_groups::id.gt(id.to_string()))),
                );
            }
            query
                .order((support_groups::name_key.asc(), support_groups::id.asc()))
                .limit(limit)
        }
        GroupOrder::Newest(after) => {
            if let Some(id) = after {
                query = query.filter(support_groups::id.lt(id.to_string()));
            }
            query.order(support_groups::id.desc()).limit(limit)
        }
        GroupOrder::Relevance(after) => {
            let tier = || name_holds_terms(&filter.terms);
            match after {
                Some((true, id)) => {
                    query = query.filter(
                        tier()
                            .and(support_groups::id.lt(id.to_string()))
                            .or(tier().eq(false)),
                    );
                }
                Some((false, id)) => {
                    query =
                        query.filter(tier().eq(false).and(support_groups::id.lt(id.to_string())));
                }
                None => {}
            }
            query
                .order((tier().desc(), support_groups::id.desc()))
                .limit(limit)
        }
        GroupOrder::Everything => query,
    };
    let rows = query.load(c)?;
    with_tags(c, rows)
}

/// A change to a group, for sync.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupChange {
    /// The group as it is now.
    pub group: Group,
    /// Whether the viewer is an active member (who may see it, whatever its visibility).
    pub viewer_is_member: bool,
}

/// Groups changed at or after `since`, oldest change first, after the position `after`:
/// the ones ever public, plus those the viewer has any membership in.
pub fn changes(
    c: &mut DbConnection,
    viewer: Option<AccountId>,
    since: Option<DateTime<Utc>>,
    after: Option<(DateTime<Utc>, GroupId)>,
    limit: i64,
) -> Result<Vec<GroupChange>, PersistenceError> {
    let mut query = support_groups::table
        .select(GroupRow::as_select())
        .order((support_groups::updated_at.asc(), support_groups::id.asc()))
        .limit(limit)
        .into_boxed();
    let ever_public = support_groups::was_public.eq(true);
    query = match viewer {
        Some(viewer) => query.filter(
            ever_public.or(support_groups::id.eq_any(
                group_memberships::table
                    .filter(group_memberships::account_id.eq(viewer.to_string()))
                    .select(group_memberships::group_id),
            )),
        ),
        None => query.filter(ever_public),
    };
    if let Some(since) = since {
        query = query.filter(support_groups::updated_at.ge(to_db(since)));
    }
    if let Some((at, id)) = after {
        let at = to_db(at);
        query = query.filter(
            support_groups::updated_at
                .gt(at)
                .or(support_groups::updated_at
                    .eq(at)
                    .and(support_groups::id.gt(id.to_string()))),
        );
    }
    let rows = query.load(c)?;
    let groups = with_tags(c, rows)?;
    let member_of: Vec<String> = match viewer {
        Some(viewer) => group_memberships::table
            .filter(group_memberships::account_id.eq(viewer.to_string()))
            .filter(group_memberships::status.eq(MembershipStatus::Active.as_str()))
            .filter(
                group_memberships::group_id
                    .eq_any(groups.iter().map(|g| g.id.to_string()).collect::<Vec<_>>()),
            )
            .select(group_memberships::group_id)
            .load(c)?,
        None => Vec::new(),
    };
    Ok(groups
        .into_iter()
        .map(|group| GroupChange {
            viewer_is_member: member_of.contains(&group.id.to_string()),
            group,
        })
        .collect())
}
