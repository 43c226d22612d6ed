//! Meetings and their exceptions.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};
use diesel::prelude::*;
use hearth_domain::group::{GroupId, Point, Visibility};
use hearth_domain::meeting::{
    AttendanceMode, Meeting, MeetingDetails, MeetingException, MeetingId, OnlineAccess, Venue,
};
use hearth_domain::meeting_type::MeetingType;
use hearth_domain::membership::MembershipStatus;
use hearth_domain::schedule::{Ordinal, Recurrence, Schedule};

use crate::ids::parse_id;
use crate::schema::{meeting_exceptions, meetings};
use crate::time::{from_db, to_db};
use crate::{DbConnection, PersistenceError};

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = meetings, treat_none_as_null = true)]
pub(crate) struct MeetingRow {
    id: String,
    group_id: String,
    title: String,
    attendance_mode: String,
    venue_name: Option<String>,
    street: Option<String>,
    locality: Option<String>,
    region: Option<String>,
    postal_code: Option<String>,
    country: Option<String>,
    formatted_address: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    venue_notes: Option<String>,
    conference_url: Option<String>,
    conference_phone: Option<String>,
    online_notes: Option<String>,
    time_zone: String,
    duration_minutes: i32,
    types: String,
    languages: String,
    capacity: Option<i32>,
    recurrence: String,
    start_time: NaiveTime,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    public_links: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    deleted_at: Option<NaiveDateTime>,
}

const WEEKDAYS: [(Weekday, &str); 7] = [
    (Weekday::Mon, "mon"),
    (Weekday::Tue, "tue"),
    (Weekday::Wed, "wed"),
    (Weekday::Thu, "thu"),
    (Weekday::Fri, "fri"),
    (Weekday::Sat, "sat"),
    (Weekday::Sun, "sun"),
];

fn weekday_name(day: Weekday) -> &'static str {
    WEEKDAYS
        .iter()
        .find(|(d, _)| *d == day)
        .map_or("mon", |(_, name)| name)
}

fn parse_weekday(name: &str) -> Option<Weekday> {
    WEEKDAYS.iter().find(|(_, n)| *n == name).map(|(d, _)| *d)
}

/// Reads the stored form of a recurrence (see the migration).
fn parse_recurrence(text: &str) -> Option<Recurrence> {
    let mut parts = text.split(';');
    let kind = parts.next()?;
    let fields: Vec<(&str, &str)> = parts.filter_map(|part| part.split_once('=')).collect();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| *value)
    };
    match kind {
        "once" => Some(Recurrence::Once),
        "weekly" => Some(Recurrence::Weekly {
            interval: field("interval")?.parse().ok()?,
            weekdays: field("days")?
                .split(',')
                .map(parse_weekday)
                .collect::<Option<Vec<_>>>()?,
        }),
        "monthly" => Some(Recurrence::Monthly {
            ordinal: Ordinal::parse(field("ordinal")?)?,
            weekday: parse_weekday(field("day")?)?,
        }),
        _ => None,
    }
}

fn to_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl MeetingRow {
    pub(crate) fn of(meeting: &Meeting) -> Self {
        let d = &meeting.details;
        let venue = d.venue.as_ref();
        let online = d.online.as_ref();
        let schedule = &d.schedule;
        let recurrence = match &schedule.recurrence {
            Recurrence::Once => "once".to_owned(),
            Recurrence::Weekly { weekdays, interval } => format!(
                "weekly;interval={interval};days={}",
                weekdays
                    .iter()
                    .map(|w| weekday_name(*w))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            Recurrence::Monthly { ordinal, weekday } => format!(
                "monthly;ordinal={};day={}",
                ordinal.as_str(),
                weekday_name(*weekday)
            ),
        };
        Self {
            id: meeting.id.to_string(),
            group_id: meeting.group.to_string(),
            title: d.title.clone(),
            attendance_mode: d.mode.as_str().to_owned(),
            venue_name: venue.and_then(|v| v.name.clone()),
            street: venue.and_then(|v| v.street.clone()),
            locality: venue.and_then(|v| v.locality.clone()),
            region: venue.and_then(|v| v.region.clone()),
            postal_code: venue.and_then(|v| v.postal_code.clone()),
            country: venue.and_then(|v| v.country.clone()),
            formatted_address: venue.map(|v| v.formatted_address.clone()),
            latitude: venue.map(|v| v.point.latitude),
            longitude: venue.map(|v| v.point.longitude),
            venue_notes: venue.and_then(|v| v.notes.clone()),
            conference_url: online.and_then(|o| o.conference_url.clone()),
            conference_phone: online.and_then(|o| o.conference_phone.clone()),
            online_notes: online.and_then(|o| o.notes.clone()),
            time_zone: d.time_zone.name().to_owned(),
            duration_minutes: to_i32(d.duration_minutes),
            types: d
                .types
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(","),
            languages: d.languages.join(","),
            capacity: d.capacity.map(to_i32),
            recurrence,
            start_time: schedule.start_time,
            starts_on: schedule.starts_on,
            ends_on: schedule.ends_on,
            public_links: d.public_links,
            created_at: to_db(meeting.created_at),
            updated_at: to_db(meeting.updated_at),
            deleted_at: meeting.deleted_at.map(to_db),
        }
    }

    fn into_meeting(self) -> Result<Meeting, PersistenceError> {
        let id = self.id.clone();
        let corrupt = |what: &str| PersistenceError::Corrupt(format!("meeting {id}: {what}"));
        let count = |n: i32, what: &str| u32::try_from(n).map_err(|_| corrupt(what));
        let mode = AttendanceMode::parse(&self.attendance_mode).ok_or_else(|| corrupt("mode"))?;
        let venue = match (self.formatted_address, self.latitude, self.longitude) {
            (Some(formatted_address), Some(latitude), Some(longitude)) => Some(Venue {
                name: self.venue_name,
                street: self.street,
                locality: self.locality,
                region: self.region,
                postal_code: self.postal_code,
                country: self.country,
                formatted_address,
                point: Point {
                    latitude,
                    longitude,
                },
                notes: self.venue_notes,
            }),
            _ => None,
        };
        let online = mode.is_online().then_some(OnlineAccess {
            conference_url: self.conference_url,
            conference_phone: self.conference_phone,
            notes: self.online_notes,
        });
        let recurrence = parse_recurrence(&self.recurrence).ok_or_else(|| corrupt("recurrence"))?;
        let split = |text: &str| -> Vec<String> {
            text.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        Ok(Meeting {
            id: MeetingId(parse_id(&self.id, "meeting")?),
            group: GroupId(parse_id(&self.group_id, "group")?),
            details: MeetingDetails {
                title: self.title,
                mode,
                venue,
                online,
                time_zone: self.time_zone.parse().map_err(|_| corrupt("time zone"))?,
                duration_minutes: count(self.duration_minutes, "duration")?,
                types: split(&self.types)
                    .iter()
                    .map(|code| MeetingType::parse(code).ok_or_else(|| corrupt("type")))
                    .collect::<Result<_, _>>()?,
                languages: split(&self.languages),
                capacity: self.capacity.map(|c| count(c, "capacity")).transpose()?,
                schedule: Schedule {
                    recurrence,
                    start_time: self.start_time,
                    starts_on: self.starts_on,
                    ends_on: self.ends_on,
                },
                public_links: self.public_links,
            },
            created_at: from_db(self.created_at),
            updated_at: from_db(self.updated_at),
            deleted_at: self.deleted_at.map(from_db),
        })
    }
}

/// Stores a new meeting.
pub fn insert(c: &mut DbConnection, meeting: &Meeting) -> Result<(), PersistenceError> {
    diesel::insert_into(meetings::table)
        .values(MeetingRow::of(meeting))
        .execute(c)?;
    Ok(())
}

/// Saves a meeting's new state.
pub fn update(c: &mut DbConnection, meeting: &Meeting) -> Result<(), PersistenceError> {
    diesel::update(meetings::table.find(meeting.id.to_string()))
        .set(MeetingRow::of(meeting))
        .execute(c)?;
    Ok(())
}

/// The meeting with this id, deleted or not.
pub fn get(c: &mut DbConnection, id: MeetingId) -> Result<Meeting, PersistenceError> {
    let row: Option<MeetingRow> = meetings::table
        .find(id.to_string())
        .select(MeetingRow::as_select())
        .first(c)
        .optional()?;
    row.ok_or_else(|| PersistenceError::NotFound {
        entity: "meeting",
        id: id.to_string(),
    })?
    .into_meeting()
}

/// The group's meetings that are not deleted, in id order after `after`.
pub fn of_group(
    c: &mut DbConnection,
    group: GroupId,
    after: Option<MeetingId>,
    limit: i64,
) -> Result<Vec<Meeting>, PersistenceError> {
    let mut query = meetings::table
        .filter(meetings::group_id.eq(group.to_string()))
        .filter(meetings::deleted_at.is_null())
        .order(meetings::id.asc())
        .limit(limit)
        .select(MeetingRow::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(meetings::id.gt(after.to_string()));
    }
    let rows: Vec<MeetingRow> = query.load(c)?;
    rows.into_iter().map(MeetingRow::into_meeting).collect()
}

/// The meetings (not deleted) of these groups, in one query.
pub fn of_groups(
    c: &mut DbConnection,
    groups: &[GroupId],
) -> Result<Vec<Meeting>, PersistenceError> {
    let rows: Vec<MeetingRow> = meetings::table
        .filter(
            meetings::group_id.eq_any(groups.iter().map(ToString::to_string).collect::<Vec<_>>()),
        )
        .filter(meetings::deleted_at.is_null())
        .order(meetings::id.asc())
        .select(MeetingRow::as_select())
        .load(c)?;
    rows.into_iter().map(MeetingRow::into_meeting).collect()
}

/// Locks the meeting for the rest of the transaction, so that edits and exceptions of one
/// meeting are applied one after the other.
pub fn lock(c: &mut DbConnection, id: MeetingId) -> Result<(), PersistenceError> {
    let id = id.to_string();
    let updated = diesel::update(meetings::table.find(&id))
        .set(meetings::updated_at.eq(meetings::updated_at))
        .execute(c)?;
    if updated == 0 {
        return Err(PersistenceError::NotFound {
            entity: "meeting",
            id,
        });
    }
    Ok(())
}

/// Marks the meeting changed now.
pub fn touch(
    c: &mut DbConnection,
    id: MeetingId,
    at: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    diesel::update(meetings::table.find(id.to_string()))
        .set(meetings::updated_at.eq(to_db(at)))
        .execute(c)?;
    Ok(())
}

type ExceptionRow = (
    String,
    NaiveDate,
    bool,
    Option<NaiveDateTime>,
    Option<String>,
);

/// The meeting's exceptions, by date.
pub fn exceptions(
    c: &mut DbConnection,
    id: MeetingId,
) -> Result<Vec<MeetingException>, PersistenceError> {
    Ok(exceptions_of(c, &[id])?.remove(&id).unwrap_or_default())
}

/// The exceptions of several meetings, each meeting's by date, in one query.
pub fn exceptions_of(
    c: &mut DbConnection,
    ids: &[MeetingId],
) -> Result<HashMap<MeetingId, Vec<MeetingException>>, PersistenceError> {
    let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let rows: Vec<ExceptionRow> = meeting_exceptions::table
        .filter(meeting_exceptions::meeting_id.eq_any(keys))
        .order((
            meeting_exceptions::meeting_id.asc(),
            meeting_exceptions::scheduled_on.asc(),
        ))
        .select((
            meeting_exceptions::meeting_id,
            meeting_exceptions::scheduled_on,
            meeting_exceptions::cancelled,
            meeting_exceptions::moved_to,
            meeting_exceptions::note,
        ))
        .load(c)?;
    let mut found: HashMap<MeetingId, Vec<MeetingException>> = HashMap::new();
    for (meeting, scheduled_on, cancelled, moved_to, note) in rows {
        found
            .entry(MeetingId(parse_id(&meeting, "meeting")?))
            .or_default()
            .push(MeetingException {
                scheduled_on,
                cancelled,
                moved_to,
                note,
            });
    }
    Ok(found)
}

/// Sets the exception of one occurrence, replacing any earlier one.
pub fn put_exception(
    c: &mut DbConnection,
    id: MeetingId,
    exception: &MeetingException,
    at: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    delete_exception(c, id, exception.scheduled_on)?;
    diesel::insert_into(meeting_exceptions::table)
        .values((
            meeting_exceptions::meeting_id.eq(id.to_string()),
            meeting_exceptions::scheduled_on.eq(exception.scheduled_on),
            meeting_exceptions::cancelled.eq(exception.cancelled),
            meeting_exceptions::moved_to.eq(exception.moved_to),
            meeting_exceptions::note.eq(exception.note.as_deref()),
            meeting_exceptions::updated_at.eq(to_db(at)),
        ))
        .execute(c)?;
    Ok(())
}

/// Removes the exception of one occurrence; `false` when there was none.
pub fn delete_exception(
    c: &mut DbConnection,
    id: MeetingId,
    scheduled_on: NaiveDate,
) -> Result<bool, PersistenceError> {
    let deleted = diesel::delete(
        meeting_exceptions::table
            .filter(meeting_exceptions::meeting_id.eq(id.to_string()))
            .filter(meeting_exceptions::scheduled_on.eq(scheduled_on)),
    )
    .execute(c)?;
    Ok(deleted > 0)
}

/// A public meeting with what a feed says of its group.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedMeeting {
    /// The meeting.
    pub meeting: Meeting,
    /// Its group's name.
    pub group_name: String,
    /// Its group's town, region and country, where the group has them.
    pub group_place: (Option<String>, Option<String>, Option<String>),
}

/// A meeting with its group's name, locality, region and country.
type ListedRow = (
    MeetingRow,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Every meeting of a public, unarchived group that is not deleted, in id order.
pub fn public(c: &mut DbConnection) -> Result<Vec<ListedMeeting>, PersistenceError> {
    use crate::schema::support_groups;
    let rows: Vec<ListedRow> = meetings::table
        .inner_join(support_groups::table)
        .filter(meetings::deleted_at.is_null())
        .filter(support_groups::archived_at.is_null())
        .filter(support_groups::visibility.eq(Visibility::Public.as_str()))
        .order(meetings::id.asc())
        .select((
            MeetingRow::as_select(),
            support_groups::name,
            support_groups::locality,
            support_groups::region,
            support_groups::country,
        ))
        .load(c)?;
    rows.into_iter()
        .map(|(row, group_name, locality, region, country)| {
            Ok(ListedMeeting {
                meeting: row.into_meeting()?,
                group_name,
                group_place: (locality, region, country),
            })
        })
        .collect()
}

/// Several meetings by id with their exceptions, leaving out deleted ones. Exceptions are
/// rare: the meetings come with whether they have any, and the exceptions are read, in a second
/// statement, only when some do.
pub fn get_many_with_exceptions(
    c: &mut DbConnection,
    ids: &[MeetingId],
) -> Result<HashMap<MeetingId, (Meeting, Vec<MeetingException>)>, PersistenceError> {
    let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let rows: Vec<(MeetingRow, bool)> = meetings::table
        .filter(meetings::id.eq_any(keys))
        .filter(meetings::deleted_at.is_null())
        .select((
            MeetingRow::as_select(),
            diesel::dsl::exists(
                meeting_exceptions::table.filter(meeting_exceptions::meeting_id.eq(meetings::id)),
            ),
        ))
        .load(c)?;
    let found = rows
        .into_iter()
        .map(|(row, has_exceptions)| Ok((row.into_meeting()?, has_exceptions)))
        .collect::<Result<Vec<_>, PersistenceError>>()?;
    let with_exceptions: Vec<MeetingId> = found
        .iter()
        .filter(|(_, has_exceptions)| *has_exceptions)
        .map(|(meeting, _)| meeting.id)
        .collect();
    let mut exceptions = if with_exceptions.is_empty() {
        HashMap::new()
    } else {
        exceptions_of(c, &with_exceptions)?
    };
    Ok(found
        .into_iter()
        .map(|(meeting, _)| {
            let own = exceptions.remove(&meeting.id).unwrap_or_default();
            (meeting.id, (meeting, own))
        })
        .collect())
}

/// Marks every meeting of the group changed now, so that sync feeds re-send them when the
/// group's listing changes (visibility, archiving, or who belongs to a non-public group).
pub fn touch_group(
    c: &mut DbConnection,
    group: GroupId,
    at: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    diesel::update(meetings::table.filter(meetings::group_id.eq(group.to_string())))
        .set(meetings::updated_at.eq(to_db(at)))
        .execute(c)?;
    Ok(())
}

/// A meeting that changed, with what decides who may still list it.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingChange {
    /// The meeting as it is now.
    pub meeting: Meeting,
    /// Whether its group is public.
    pub group_public: bool,
    /// Whether its group is archived.
    pub group_archived: bool,
    /// Whether the viewer is an active member of its group.
    pub viewer_is_member: bool,
}

/// Meetings changed at or after `since` (or of a group whose membership of the viewer changed
/// since), oldest change first, after `after`: those of groups that were ever public, plus
/// those of groups the viewer has any membership in.
pub fn changes(
    c: &mut DbConnection,
    viewer: Option<hearth_domain::account::AccountId>,
    since: Option<DateTime<Utc>>,
    after: Option<(DateTime<Utc>, MeetingId)>,
    limit: i64,
) -> Result<Vec<MeetingChange>, PersistenceError> {
    use crate::schema::{group_memberships, support_groups};
    let mut query = meetings::table
        .inner_join(support_groups::table)
        .order((meetings::updated_at.asc(), meetings::id.asc()))
        .limit(limit)
        .select((
            MeetingRow::as_select(),
            support_groups::visibility,
            support_groups::archived_at.is_not_null(),
        ))
        .into_boxed();
    let ever_public = support_groups::was_public.eq(true);
    query = match viewer {
        Some(viewer) => query.filter(
            ever_public.or(meetings::group_id.eq_any(
                group_memberships::table
                    .filter(group_memberships::account_id.eq(viewer.to_string()))
                    .select(group_memberships::group_id),
            )),
        ),
        None => query.filter(ever_public),
    };
    match (since, viewer) {
        // Joining or leaving changes which join links the viewer may read, in any group.
        (Some(since), Some(viewer)) => {
            query = query.filter(
                meetings::updated_at
                    .ge(to_db(since))
                    .or(meetings::group_id.eq_any(
                        group_memberships::table
                            .filter(group_memberships::account_id.eq(viewer.to_string()))
                            .filter(group_memberships::updated_at.ge(to_db(since)))
                            .select(group_memberships::group_id),
                    )),
            );
        }
        (Some(since), None) => query = query.filter(meetings::updated_at.ge(to_db(since))),
        (None, _) => {}
    }
    if let Some((at, id)) = after {
        let at = to_db(at);
        query = query.filter(
            meetings::updated_at.gt(at).or(meetings::updated_at
                .eq(at)
                .and(meetings::id.gt(id.to_string()))),
        );
    }
    let rows: Vec<(MeetingRow, String, bool)> = query.load(c)?;
    let groups: Vec<String> = rows
        .iter()
        .map(|(row, _, _)| row.group_id.clone())
        .collect();
    let member_of: Vec<String> = match viewer {
        Some(viewer) => group_memberships::table
            .filter(group_memberships::account_id.eq(viewer.to_string()))
            .filter(group_memberships::status.eq(MembershipStatus::Active.as_str()))
            .filter(group_memberships::group_id.eq_any(groups))
            .select(group_memberships::group_id)
            .load(c)?,
        None => Vec::new(),
    };
    rows.into_iter()
        .map(|(row, visibility, archived)| {
            let viewer_is_member = member_of.contains(&row.group_id);
            Ok(MeetingChange {
                meeting: row.into_meeting()?,
                group_public: visibility == Visibility::Public.as_str(),
                group_archived: archived,
                viewer_is_member,
            })
        })
        .collect()
}
