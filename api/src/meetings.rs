//! Meetings of groups: scheduling them, reading them, their occurrences and exceptions.

use actix_web::web::{Data, Path, Query};
use actix_web::{delete, get, patch, post, put};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Timelike, Utc};
use hearth_domain::DomainError;
use hearth_domain::account::parse_time_zone;
use hearth_domain::group::{self as group_domain, Group, Point, Visibility};
use hearth_domain::meeting::{
    self as domain, AttendanceMode, Meeting, MeetingDetails, MeetingException, MeetingId,
    OnlineAccess, ScheduledOccurrence, Venue, VenueInput,
};
use hearth_domain::meeting_type::MeetingType;
use hearth_domain::schedule::{
    Day, Ordinal, Recurrence, Schedule, check_instant, parse_local_time,
};
use hearth_openapi::{Page, Problem, tags};
use hearth_persistence::{DbConnection, meetings, occurrences, rsvps};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::{AuthUser, MaybeUser};
use crate::conditional::{IfMatch, Tagged, TaggedJson, etag_of};
use crate::db::Db;
use crate::error::{ApiError, keep};
use crate::extract::{JsonObject, comma_separated, present, present_whole_number, whole_number};
use crate::groups::{
    ChangeCursor, ChangeKind, ChangesQuery, GroupPath, SYNC_SETTLE_SECONDS, Seen, not_archived,
    seen, seen_locked,
};
use crate::pagination::{PageQuery, PageRequest};
use crate::read_cache::ReadCache;
use crate::responses::{Created, NoContent};

/// How a meeting repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// Once, on `starts_on`.
    Once,
    /// On `weekdays` of every `interval`-th week.
    Weekly,
    /// On the `ordinal` `weekday` of every month.
    Monthly,
}

/// When a meeting happens, in its own time zone's wall-clock time.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"frequency": "weekly", "weekdays": ["tuesday", "thursday"], "interval": 1, "start_time": "19:00", "starts_on": "2026-01-06"}))]
pub struct ScheduleBody {
    /// How it repeats.
    pub frequency: Frequency,
    /// Local start time, `HH:MM`.
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$", example = "19:00")]
    pub start_time: String,
    /// The first day (the only one, for `once`).
    pub starts_on: NaiveDate,
    /// The last day, if it ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_on: Option<NaiveDate>,
    /// For `weekly`: the days, each once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 7)]
    pub weekdays: Vec<Day>,
    /// For `weekly`: 1 for every week, 2 for every other, up to 52.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "whole_number"
    )]
    #[schema(minimum = 1, maximum = 52)]
    pub interval: Option<u32>,
    /// For `monthly`: which one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordinal: Option<Ordinal>,
    /// For `monthly`: which weekday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekday: Option<Day>,
}

/// Where an in-person or hybrid meeting is.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "St. Mark's Church Hall", "street": "12 Harbour St", "locality": "Brooklyn", "region": "NY", "postal_code": "11201", "country": "US", "formatted_address": "12 Harbour St, Brooklyn, NY 11201, USA", "latitude": 40.6943, "longitude": -73.9903, "notes": "Side door, downstairs"}))]
pub struct VenueBody {
    /// The building or place.
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// Street address.
    #[schema(max_length = 200)]
    pub street: Option<String>,
    /// Town or city.
    #[schema(max_length = 100)]
    pub locality: Option<String>,
    /// State or region.
    #[schema(max_length = 100)]
    pub region: Option<String>,
    /// Postal code.
    #[schema(max_length = 20)]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[schema(pattern = "^[A-Za-z]{2}$")]
    pub country: Option<String>,
    /// The whole address on one line.
    #[schema(min_length = 1, max_length = 300)]
    pub formatted_address: String,
    /// Latitude in degrees.
    #[schema(minimum = -90, maximum = 90)]
    pub latitude: f64,
    /// Longitude in degrees.
    #[schema(minimum = -180, maximum = 180)]
    pub longitude: f64,
    /// Directions.
    #[schema(max_length = 500)]
    pub notes: Option<String>,
}

/// How to join remotely.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"conference_url": "https://meet.example.org/harbour-lights", "conference_phone": "+1 646 555 0100", "notes": "Meeting ID 123 456 789"}))]
pub struct OnlineBody {
    /// The video call's https URL.
    #[schema(max_length = 500)]
    pub conference_url: Option<String>,
    /// A dial-in number.
    #[schema(max_length = 30)]
    pub conference_phone: Option<String>,
    /// Meeting id, passcode hints.
    #[schema(max_length = 500)]
    pub notes: Option<String>,
}

/// A new meeting.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Tuesday Night Big Book",
    "attendance_mode": "hybrid",
    "venue": {"formatted_address": "12 Harbour St, Brooklyn, NY 11201, USA", "latitude": 40.6943, "longitude": -73.9903},
    "online": {"conference_url": "https://meet.example.org/harbour-lights"},
    "time_zone": "America/New_York",
    "duration_minutes": 60,
    "types": ["B", "O", "X"],
    "languages": ["en"],
    "schedule": {"frequency": "weekly", "weekdays": ["tuesday"], "start_time": "19:00", "starts_on": "2026-01-06"}
}))]
pub struct CreateMeetingRequest {
    /// 3 to 120 characters.
    #[schema(min_length = 3, max_length = 120)]
    pub title: String,
    /// How people attend.
    pub attendance_mode: AttendanceMode,
    /// Required for `in_person` and `hybrid`, refused for `online`.
    pub venue: Option<VenueBody>,
    /// Required for `online` and `hybrid`, refused for `in_person`.
    pub online: Option<OnlineBody>,
    /// The IANA zone the schedule's times are in.
    #[schema(example = "America/New_York")]
    pub time_zone: String,
    /// 5 to 720 minutes; 60 when absent.
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(minimum = 5, maximum = 720)]
    pub duration_minutes: Option<u32>,
    /// Meeting Guide type codes (`ONL` follows from the attendance mode). An unknown code is
    /// 422.
    #[serde(default)]
    #[schema(value_type = Vec<MeetingType>, max_items = 20)]
    pub types: Vec<String>,
    /// BCP 47 tags; the group's languages when absent.
    #[schema(min_items = 1, max_items = 10)]
    pub languages: Option<Vec<String>>,
    /// Most attendees per occurrence.
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(minimum = 1, maximum = 10000)]
    pub capacity: Option<u32>,
    /// When it happens.
    pub schedule: ScheduleBody,
    /// Show join links to everyone, not only the group's members (default false).
    #[serde(default)]
    pub public_links: bool,
}

/// A change to a meeting: absent fields stay; `venue`, `online` and `schedule` are replaced
/// whole; `null` clears an optional field.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Tuesday Night Big Book (hybrid)", "duration_minutes": 90}))]
pub struct UpdateMeetingRequest {
    /// 3 to 120 characters.
    #[schema(min_length = 3, max_length = 120)]
    pub title: Option<String>,
    /// How people attend.
    pub attendance_mode: Option<AttendanceMode>,
    /// The venue, or `null` for none.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<VenueBody>)]
    pub venue: Option<Option<VenueBody>>,
    /// How to join, or `null` for none.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<OnlineBody>)]
    pub online: Option<Option<OnlineBody>>,
    /// The IANA zone.
    pub time_zone: Option<String>,
    /// 5 to 720 minutes.
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(minimum = 5, maximum = 720)]
    pub duration_minutes: Option<u32>,
    /// Meeting Guide type codes.
    #[schema(value_type = Option<Vec<MeetingType>>, max_items = 20)]
    pub types: Option<Vec<String>>,
    /// BCP 47 tags.
    #[schema(min_items = 1, max_items = 10)]
    pub languages: Option<Vec<String>>,
    /// Most attendees, or `null` for no limit.
    #[serde(default, deserialize_with = "present_whole_number")]
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 10000)]
    pub capacity: Option<Option<u32>>,
    /// When it happens.
    pub schedule: Option<ScheduleBody>,
    /// Show join links to everyone.
    pub public_links: Option<bool>,
}

/// The next (or current) occurrence of a meeting.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"scheduled_on": "2026-12-01", "start": "2026-12-02T00:00:00Z", "end": "2026-12-02T01:00:00Z", "local_start": "2026-12-01T19:00:00", "local_end": "2026-12-01T20:00:00", "cancelled": false, "moved": false, "note": null}))]
pub struct OccurrenceResponse {
    /// The local date it is scheduled on: its identity, even when moved.
    pub scheduled_on: NaiveDate,
    /// Start (UTC).
    pub start: DateTime<Utc>,
    /// End (UTC).
    pub end: DateTime<Utc>,
    /// Start on the meeting's wall clock.
    #[schema(value_type = String, example = "2026-03-10T19:00:00")]
    pub local_start: NaiveDateTime,
    /// End on the meeting's wall clock.
    #[schema(value_type = String, example = "2026-03-10T20:00:00")]
    pub local_end: NaiveDateTime,
    /// It does not take place.
    pub cancelled: bool,
    /// It was moved from its scheduled time.
    pub moved: bool,
    /// A note for this occurrence.
    pub note: Option<String>,
}

impl From<ScheduledOccurrence> for OccurrenceResponse {
    fn from(s: ScheduledOccurrence) -> Self {
        let o = s.occurrence;
        Self {
            scheduled_on: o.scheduled_on,
            start: o.start,
            end: o.end,
            local_start: o.local_start,
            local_end: o.local_end,
            cancelled: s.exception.as_ref().is_some_and(|e| e.cancelled),
            moved: s.exception.as_ref().is_some_and(|e| e.moved_to.is_some()),
            note: s.exception.and_then(|e| e.note),
        }
    }
}

/// A meeting.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b7d",
    "group_id": "0193aa8e-8f5a-7c3e-9d2b-4a1f0e6c8b7d",
    "title": "Tuesday Night Big Book",
    "attendance_mode": "hybrid",
    "venue": {"formatted_address": "12 Harbour St, Brooklyn, NY 11201, USA", "latitude": 40.6943, "longitude": -73.9903},
    "online": {"conference_url": "https://meet.example.org/harbour-lights"},
    "online_hidden": false,
    "time_zone": "America/New_York",
    "duration_minutes": 60,
    "types": ["B", "O", "X"],
    "languages": ["en"],
    "capacity": null,
    "schedule": {"frequency": "weekly", "weekdays": ["tuesday"], "interval": 1, "start_time": "19:00", "starts_on": "2026-01-06"},
    "public_links": false,
    "next_occurrence": {"scheduled_on": "2026-12-01", "start": "2026-12-02T00:00:00Z", "end": "2026-12-02T01:00:00Z", "local_start": "2026-12-01T19:00:00", "local_end": "2026-12-01T20:00:00", "cancelled": false, "moved": false, "note": null},
    "created_at": "2026-11-27T08:00:00Z",
    "updated_at": "2026-11-27T08:00:00Z"
}))]
pub struct MeetingResponse {
    /// Its id.
    pub id: Uuid,
    /// Its group.
    pub group_id: Uuid,
    /// Its title.
    pub title: String,
    /// How people attend.
    pub attendance_mode: AttendanceMode,
    /// Where, for in-person and hybrid meetings.
    pub venue: Option<VenueBody>,
    /// How to join; `null` when hidden from the caller (see `online_hidden`).
    pub online: Option<OnlineBody>,
    /// Join details exist but are for the group's members only.
    pub online_hidden: bool,
    /// The zone its times are in.
    pub time_zone: String,
    /// Minutes per occurrence.
    pub duration_minutes: u32,
    /// Meeting Guide type codes.
    pub types: Vec<MeetingType>,
    /// Languages.
    pub languages: Vec<String>,
    /// Most attendees per occurrence.
    pub capacity: Option<u32>,
    /// When it happens.
    pub schedule: ScheduleBody,
    /// Join links are shown to everyone.
    pub public_links: bool,
    /// The occurrence under way or next to start, if any remains.
    pub next_occurrence: Option<OccurrenceResponse>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

fn schedule_body(schedule: &Schedule) -> ScheduleBody {
    let (frequency, weekdays, interval, ordinal, weekday) = match &schedule.recurrence {
        Recurrence::Once => (Frequency::Once, vec![], None, None, None),
        Recurrence::Weekly { weekdays, interval } => (
            Frequency::Weekly,
            weekdays.iter().map(|d| Day::from(*d)).collect(),
            Some(*interval),
            None,
            None,
        ),
        Recurrence::Monthly { ordinal, weekday } => (
            Frequency::Monthly,
            vec![],
            None,
            Some(*ordinal),
            Some(Day::from(*weekday)),
        ),
    };
    ScheduleBody {
        frequency,
        start_time: schedule.start_time.format("%H:%M").to_string(),
        starts_on: schedule.starts_on,
        ends_on: match schedule.recurrence {
            Recurrence::Once => None,
            _ => schedule.ends_on,
        },
        weekdays,
        interval,
        ordinal,
        weekday,
    }
}

impl MeetingResponse {
    fn new(
        meeting: Meeting,
        exceptions: &[MeetingException],
        links_visible: bool,
        now: DateTime<Utc>,
    ) -> Self {
        let next = meeting.next_occurrence(exceptions, now).map(Into::into);
        let d = meeting.details;
        let has_online = d.online.is_some();
        Self {
            id: meeting.id.0,
            group_id: meeting.group.0,
            title: d.title,
            attendance_mode: d.mode,
            venue: d.venue.map(|v| VenueBody {
                name: v.name,
                street: v.street,
                locality: v.locality,
                region: v.region,
                postal_code: v.postal_code,
                country: v.country,
                formatted_address: v.formatted_address,
                latitude: v.point.latitude,
                longitude: v.point.longitude,
                notes: v.notes,
            }),
            online: d.online.filter(|_| links_visible).map(|o| OnlineBody {
                conference_url: o.conference_url,
                conference_phone: o.conference_phone,
                notes: o.notes,
            }),
            online_hidden: has_online && !links_visible,
            time_zone: d.time_zone.name().to_owned(),
            duration_minutes: d.duration_minutes,
            types: d.types,
            languages: d.languages,
            capacity: d.capacity,
            schedule: schedule_body(&d.schedule),
            public_links: d.public_links,
            next_occurrence: next,
            created_at: meeting.created_at,
            updated_at: meeting.updated_at,
        }
    }
}

fn schedule(body: ScheduleBody) -> Result<Schedule, DomainError> {
    let invalid = |field: &str, message: &str| DomainError::Invalid {
        field: format!("schedule.{field}"),
        code: "schedule",
        message: message.to_owned(),
    };
    let start_time = parse_local_time(&body.start_time, "schedule.start_time")?;
    let recurrence = match body.frequency {
        Frequency::Once => Recurrence::Once,
        Frequency::Weekly => Recurrence::Weekly {
            weekdays: body.weekdays.into_iter().map(Into::into).collect(),
            interval: body.interval.unwrap_or(1),
        },
        Frequency::Monthly => Recurrence::Monthly {
            ordinal: body
                .ordinal
                .ok_or_else(|| invalid("ordinal", "monthly meetings need an ordinal"))?,
            weekday: body
                .weekday
                .ok_or_else(|| invalid("weekday", "monthly meetings need a weekday"))?
                .into(),
        },
    };
    Schedule::new(recurrence, start_time, body.starts_on, body.ends_on)
}

impl CreateMeetingRequest {
    fn into_details(self, group_languages: &[String]) -> Result<MeetingDetails, ApiError> {
        let mut errors = Vec::new();
        let e = &mut errors;
        let details = MeetingDetails {
            title: keep(e, domain::parse_title(&self.title)).unwrap_or_default(),
            mode: self.attendance_mode,
            venue: self.venue.and_then(|v| keep(e, venue(&v))),
            online: self.online.and_then(|o| keep(e, online(&o))),
            time_zone: keep(e, parse_time_zone(&self.time_zone)).unwrap_or(chrono_tz::UTC),
            duration_minutes: self.duration_minutes.unwrap_or(60),
            types: keep(e, domain::parse_types(&self.types)).unwrap_or_default(),
            languages: keep(
                e,
                group_domain::parse_languages(
                    &self.languages.unwrap_or_else(|| group_languages.to_vec()),
                ),
            )
            .unwrap_or_default(),
            capacity: self.capacity,
            schedule: match keep(e, schedule(self.schedule)) {
                Some(schedule) => schedule,
                None => return Err(ApiError::from_domain_errors(errors)),
            },
            public_links: self.public_links,
        };
        if !errors.is_empty() {
            return Err(ApiError::from_domain_errors(errors));
        }
        Ok(details.check()?)
    }
}

impl UpdateMeetingRequest {
    fn apply(self, mut d: MeetingDetails) -> Result<MeetingDetails, ApiError> {
        let mut errors = Vec::new();
        let e = &mut errors;
        if let Some(value) = self.title.and_then(|t| keep(e, domain::parse_title(&t))) {
            d.title = value;
        }
        if let Some(mode) = self.attendance_mode {
            d.mode = mode;
        }
        if let Some(body) = self.venue {
            d.venue = body.and_then(|v| keep(e, venue(&v)));
        }
        if let Some(body) = self.online {
            d.online = body.and_then(|o| keep(e, online(&o)));
        }
        if let Some(zone) = self.time_zone.and_then(|z| keep(e, parse_time_zone(&z))) {
            d.time_zone = zone;
        }
        if let Some(minutes) = self.duration_minutes {
            d.duration_minutes = minutes;
        }
        if let Some(codes) = self.types.and_then(|t| keep(e, domain::parse_types(&t))) {
            d.types = codes;
        }
        if let Some(languages) = self
            .languages
            .and_then(|l| keep(e, group_domain::parse_languages(&l)))
        {
            d.languages = languages;
        }
        if let Some(capacity) = self.capacity {
            d.capacity = capacity;
        }
        if let Some(body) = self.schedule.and_then(|s| keep(e, schedule(s))) {
            d.schedule = body;
        }
        if let Some(public) = self.public_links {
            d.public_links = public;
        }
        if !errors.is_empty() {
            return Err(ApiError::from_domain_errors(errors));
        }
        Ok(d.check()?)
    }
}

fn venue(body: &VenueBody) -> Result<Venue, DomainError> {
    Venue::parse(VenueInput {
        name: body.name.as_deref(),
        street: body.street.as_deref(),
        locality: body.locality.as_deref(),
        region: body.region.as_deref(),
        postal_code: body.postal_code.as_deref(),
        country: body.country.as_deref(),
        formatted_address: &body.formatted_address,
        latitude: body.latitude,
        longitude: body.longitude,
        notes: body.notes.as_deref(),
    })
}

fn online(body: &OnlineBody) -> Result<OnlineAccess, DomainError> {
    OnlineAccess::parse(
        body.conference_url.as_deref(),
        body.conference_phone.as_deref(),
        body.notes.as_deref(),
    )
}

/// A meeting in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MeetingPath {
    /// The meeting's id.
    pub meeting_id: Uuid,
}

/// An occurrence's exception in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ExceptionPath {
    /// The meeting's id.
    pub meeting_id: Uuid,
    /// The local date the occurrence is scheduled on.
    pub date: NaiveDate,
}

/// A meeting, its group and how the caller stands towards the group.
pub(crate) struct Found {
    pub meeting: Meeting,
    pub seen: Seen,
}

impl Found {
    /// Join links: the group's active members, platform admins, or everyone for a meeting
    /// marked public.
    pub(crate) fn links_visible(&self) -> bool {
        self.meeting.details.public_links
            || self
                .seen
                .actor
                .may_list_members(self.seen.group.profile.visibility)
                .is_ok()
    }
}

/// Finds a meeting the caller may see: one of a group that exists for them, not deleted.
pub(crate) fn found(
    c: &mut DbConnection,
    id: MeetingId,
    caller: Option<&AuthUser>,
    lock: bool,
) -> Result<Found, ApiError> {
    let not_found = || ApiError::Domain(DomainError::NotFound("meeting"));
    let meeting = match meetings::get(c, id) {
        Ok(meeting) if meeting.deleted_at.is_none() => meeting,
        Ok(_) => return Err(not_found()),
        Err(hearth_persistence::PersistenceError::NotFound { .. }) => return Err(not_found()),
        Err(other) => return Err(other.into()),
    };
    let load = if lock { seen_locked } else { seen };
    let seen = load(c, &meeting.group.to_string(), caller).map_err(|error| match error {
        ApiError::Domain(DomainError::NotFound(_)) => not_found(),
        other => other,
    })?;
    // Under the lock the meeting is read again: a deletion may have committed meanwhile.
    let meeting = if lock { meetings::get(c, id)? } else { meeting };
    if meeting.deleted_at.is_some() {
        return Err(not_found());
    }
    Ok(Found { meeting, seen })
}

/// How far ahead occurrences are materialised for search.
pub const HORIZON_DAYS: i64 = 60;

/// Rewrites the meeting's materialised occurrences from a day ago to the horizon, and brings
/// the RSVPs of its coming occurrences in line, in the transaction of the change that calls it.
pub(crate) fn materialize(
    c: &mut DbConnection,
    meeting: &Meeting,
    group: &Group,
) -> Result<(), ApiError> {
    let exceptions = meetings::exceptions(c, meeting.id)?;
    let listed = group.profile.visibility == Visibility::Public
        && group.archived_at.is_none()
        && meeting.deleted_at.is_none();
    let now = Utc::now();
    occurrences::refresh(
        c,
        meeting,
        &exceptions,
        listed,
        now - Duration::days(1),
        now + Duration::days(HORIZON_DAYS),
    )?;
    rsvps::reschedule(c, meeting, &exceptions, now)?;
    Ok(())
}

fn respond(c: &mut DbConnection, found: Found) -> Result<MeetingResponse, ApiError> {
    let exceptions = meetings::exceptions(c, found.meeting.id)?;
    let visible = found.links_visible();
    Ok(MeetingResponse::new(
        found.meeting,
        &exceptions,
        visible,
        Utc::now(),
    ))
}

/// Schedule a meeting
///
/// Facilitators and owners of the group. Times are local wall-clock times in `time_zone`.
#[utoipa::path(
    tag = tags::MEETINGS,
    security(("bearer" = [])),
    request_body = CreateMeetingRequest,
    params(GroupPath),
    responses(
        (status = 201, description = "Scheduled", body = MeetingResponse,
         headers(("Location" = String, description = "The meeting"))),
        (status = 403, description = "`forbidden`: not a facilitator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`group-archived`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: an unknown time zone, a venue or call missing for the attendance mode, a schedule that contradicts itself", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{group}/meetings")]
pub async fn schedule_meeting(
    user: AuthUser,
    path: Path<GroupPath>,
    JsonObject(request): JsonObject<CreateMeetingRequest>,
    db: Data<Db>,
) -> Result<Created<MeetingResponse>, ApiError> {
    let reference = path.into_inner().group;
    let response = db
        .tx(move |c| {
            let seen = seen_locked(c, &reference, Some(&user))?;
            seen.actor.may_edit(seen.group.profile.visibility)?;
            not_archived(&seen.group)?;
            let details = request.into_details(&seen.group.profile.languages)?;
            let now = Utc::now();
            let meeting = Meeting {
                id: MeetingId::new(),
                group: seen.group.id,
                details,
                created_at: now,
                updated_at: now,
                deleted_at: None,
            };
            meetings::insert(c, &meeting)?;
            materialize(c, &meeting, &seen.group)?;
            respond(c, Found { meeting, seen })
        })
        .await?;
    Ok(Created {
        location: format!("/v1/meetings/{}", response.id),
        body: response,
    })
}

/// List a group's meetings
///
/// Everyone who may see the group; join links as for a single meeting.
#[utoipa::path(
    tag = tags::MEETINGS,
    params(GroupPath, PageQuery),
    responses(
        (status = 200, description = "One page", body = Page<MeetingResponse>),
        (status = 400, description = "`bad-request`: a cursor this API did not give out", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: `limit` out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{group}/meetings")]
pub async fn list_group_meetings(
    caller: MaybeUser,
    path: Path<GroupPath>,
    Query(query): Query<PageQuery>,
    db: Data<Db>,
) -> Result<Tagged<Page<MeetingResponse>>, ApiError> {
    let page = PageRequest::try_from(query)?;
    let reference = path.into_inner().group;
    let items = db
        .run(move |c| {
            let seen = seen(c, &reference, caller.0.as_ref())?;
            let found =
                meetings::of_group(c, seen.group.id, page.after.map(MeetingId), page.fetch())?;
            let member = seen
                .actor
                .may_list_members(seen.group.profile.visibility)
                .is_ok();
            let now = Utc::now();
            found
                .into_iter()
                .map(|meeting| {
                    let exceptions = meetings::exceptions(c, meeting.id)?;
                    let links = member || meeting.details.public_links;
                    Ok(MeetingResponse::new(meeting, &exceptions, links, now))
                })
                .collect::<Result<Vec<_>, ApiError>>()
        })
        .await?;
    Ok(Tagged(page.page(items, |meeting| meeting.id)))
}

/// Get a meeting
///
/// Everyone who may see its group. Join links and phone numbers are for the group's members,
/// unless the meeting is marked public (`online_hidden` says when they were left out).
#[utoipa::path(
    tag = tags::MEETINGS,
    params(MeetingPath),
    responses(
        (status = 200, description = "The meeting", body = MeetingResponse,
         headers(("ETag" = String, description = "This version"))),
        (status = 304, description = "Unchanged since the `ETag` sent"),
        (status = 404, description = "`not-found`: no such meeting, or one of a private group", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{meeting_id}")]
pub async fn get_meeting(
    caller: MaybeUser,
    path: Path<MeetingPath>,
    db: Data<Db>,
    anonymous_reads: Data<ReadCache<MeetingId>>,
) -> Result<TaggedJson, ApiError> {
    let id = MeetingId(path.meeting_id);
    let read = async || {
        let caller = caller.0.clone();
        let response = db
            .run(move |c| {
                let found = found(c, id, caller.as_ref(), false)?;
                respond(c, found)
            })
            .await?;
        TaggedJson::of(&response)
    };
    if caller.0.is_some() {
        return read().await;
    }
    anonymous_reads.get_or_read(id, &db, read).await
}

/// Change a meeting
///
/// Facilitators and owners. With `If-Match`, a stale version answers 412. `venue`, `online`
/// and `schedule` are replaced whole.
#[utoipa::path(
    tag = tags::MEETINGS,
    security(("bearer" = [])),
    request_body = UpdateMeetingRequest,
    params(MeetingPath, ("If-Match" = Option<String>, Header, description = "The `ETag` this change is based on")),
    responses(
        (status = 200, description = "The changed meeting", body = MeetingResponse),
        (status = 403, description = "`forbidden`: not a facilitator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`group-archived`", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`precondition-failed`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/{meeting_id}")]
pub async fn update_meeting(
    user: AuthUser,
    path: Path<MeetingPath>,
    if_match: IfMatch,
    JsonObject(request): JsonObject<UpdateMeetingRequest>,
    db: Data<Db>,
) -> Result<Tagged<MeetingResponse>, ApiError> {
    let id = MeetingId(path.meeting_id);
    let response = db
        .tx(move |c| {
            let found = found(c, id, Some(&user), true)?;
            found
                .seen
                .actor
                .may_edit(found.seen.group.profile.visibility)?;
            let details = request.apply(found.meeting.details.clone())?;
            let exceptions = meetings::exceptions(c, id)?;
            let visible = found.links_visible();
            let current =
                MeetingResponse::new(found.meeting.clone(), &exceptions, visible, Utc::now());
            if_match.check(&etag_of(&current)?)?;
            not_archived(&found.seen.group)?;
            let meeting = Meeting {
                details,
                updated_at: Utc::now(),
                ..found.meeting
            };
            meetings::update(c, &meeting)?;
            materialize(c, &meeting, &found.seen.group)?;
            respond(
                c,
                Found {
                    meeting,
                    seen: found.seen,
                },
            )
        })
        .await?;
    Ok(Tagged(response))
}

/// Delete a meeting
///
/// Facilitators and owners. The meeting disappears; sync feeds report it removed.
#[utoipa::path(
    tag = tags::MEETINGS,
    security(("bearer" = [])),
    params(MeetingPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "`forbidden`: not a facilitator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{meeting_id}")]
pub async fn delete_meeting(
    user: AuthUser,
    path: Path<MeetingPath>,
    db: Data<Db>,
) -> Result<NoContent, ApiError> {
    let id = MeetingId(path.meeting_id);
    db.tx(move |c| {
        let found = found(c, id, Some(&user), true)?;
        found
            .seen
            .actor
            .may_edit(found.seen.group.profile.visibility)?;
        let now = Utc::now();
        let deleted = Meeting {
            deleted_at: Some(now),
            updated_at: now,
            ..found.meeting
        };
        meetings::update(c, &deleted)?;
        materialize(c, &deleted, &found.seen.group)?;
        Ok(())
    })
    .await?;
    Ok(NoContent)
}

/// The window of an occurrence listing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OccurrencesQuery {
    /// Start of the window (default: now).
    pub from: Option<DateTime<Utc>>,
    /// End of the window (default: 30 days after `from`); at most 366 days after `from`.
    pub to: Option<DateTime<Utc>>,
}

/// The occurrences of a meeting in a window.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "time_zone": "America/New_York",
    "items": [
        {"scheduled_on": "2026-03-08", "start": "2026-03-08T23:00:00Z", "end": "2026-03-09T00:00:00Z", "local_start": "2026-03-08T19:00:00", "local_end": "2026-03-08T20:00:00", "cancelled": true, "moved": false, "note": "Hall closed"},
        {"scheduled_on": "2026-03-15", "start": "2026-03-17T22:30:00Z", "end": "2026-03-17T23:30:00Z", "local_start": "2026-03-17T18:30:00", "local_end": "2026-03-17T19:30:00", "cancelled": false, "moved": true, "note": null}
    ]
}))]
pub struct OccurrencesResponse {
    /// The zone the local times are in.
    pub time_zone: String,
    /// Occurrences overlapping the window, in order of start; cancelled ones included and
    /// marked.
    pub items: Vec<OccurrenceResponse>,
}

/// Widest window of an occurrence listing.
const MAX_WINDOW_DAYS: i64 = 366;

/// List occurrences
///
/// Every occurrence overlapping `[from, to)`, with UTC and local times, and any exception
/// (cancelled, moved, note). Occurrences in a daylight-saving gap start as far after it as
/// they were into it; in an overlap, at the first of the two times.
#[utoipa::path(
    tag = tags::MEETINGS,
    params(MeetingPath, OccurrencesQuery),
    responses(
        (status = 200, description = "The occurrences", body = OccurrencesResponse),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: `to` not after `from`, or more than 366 days after it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{meeting_id}/occurrences")]
pub async fn list_occurrences(
    caller: MaybeUser,
    path: Path<MeetingPath>,
    Query(query): Query<OccurrencesQuery>,
    db: Data<Db>,
) -> Result<Tagged<OccurrencesResponse>, ApiError> {
    let from = check_instant(query.from.unwrap_or_else(Utc::now), "from")?;
    let to = match query.to {
        Some(to) => check_instant(to, "to")?,
        None => from + Duration::days(30),
    };
    if to <= from || to - from > Duration::days(MAX_WINDOW_DAYS) {
        return Err(DomainError::Invalid {
            field: "to".to_owned(),
            code: "range",
            message: "must be after from, by at most 366 days".to_owned(),
        }
        .into());
    }
    let id = MeetingId(path.meeting_id);
    let response = db
        .run(move |c| {
            let found = found(c, id, caller.0.as_ref(), false)?;
            let exceptions = meetings::exceptions(c, id)?;
            Ok(OccurrencesResponse {
                time_zone: found.meeting.details.time_zone.name().to_owned(),
                items: found
                    .meeting
                    .occurrences(&exceptions, from, to)
                    .into_iter()
                    .map(Into::into)
                    .collect(),
            })
        })
        .await?;
    Ok(Tagged(response))
}

/// A change to one occurrence.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"moved_to": "2026-03-12T18:00:00", "note": "Thursday this week: the hall is booked on Tuesday"}))]
pub struct ExceptionRequest {
    /// It does not take place (default false).
    #[serde(default)]
    pub cancelled: bool,
    /// It starts at this local time instead, within 7 days of the scheduled date.
    #[schema(value_type = Option<String>, example = "2026-03-12T18:00:00")]
    pub moved_to: Option<NaiveDateTime>,
    /// A note for attendees, at most 500 characters.
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// An exception to one occurrence.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"date": "2026-03-10", "cancelled": false, "moved_to": "2026-03-12T18:00:00", "note": "Thursday this week"}))]
pub struct ExceptionResponse {
    /// The local date the occurrence is scheduled on.
    pub date: NaiveDate,
    /// It does not take place.
    pub cancelled: bool,
    /// Its new local start.
    #[schema(value_type = Option<String>)]
    pub moved_to: Option<NaiveDateTime>,
    /// A note for attendees.
    pub note: Option<String>,
}

/// Change one occurrence
///
/// Facilitators cancel, move (a new local start within a week) or annotate the occurrence
/// scheduled on `date`, replacing any earlier change to it.
#[utoipa::path(
    tag = tags::MEETINGS,
    security(("bearer" = [])),
    request_body = ExceptionRequest,
    params(ExceptionPath),
    responses(
        (status = 200, description = "The exception", body = ExceptionResponse),
        (status = 403, description = "`forbidden`: not a facilitator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`group-archived`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: the meeting is not scheduled on `date`, the move is too far, or nothing changes", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/{meeting_id}/exceptions/{date}")]
pub async fn put_meeting_exception(
    user: AuthUser,
    path: Path<ExceptionPath>,
    JsonObject(request): JsonObject<ExceptionRequest>,
    db: Data<Db>,
) -> Result<Tagged<ExceptionResponse>, ApiError> {
    let ExceptionPath { meeting_id, date } = path.into_inner();
    let id = MeetingId(meeting_id);
    let exception = db
        .tx(move |c| {
            let found = found(c, id, Some(&user), true)?;
            found
                .seen
                .actor
                .may_edit(found.seen.group.profile.visibility)?;
            not_archived(&found.seen.group)?;
            let exception = domain::check_exception(
                &found.meeting.details.schedule,
                MeetingException {
                    scheduled_on: date,
                    cancelled: request.cancelled,
                    moved_to: request.moved_to,
                    note: group_domain::parse_text(request.note.as_deref(), "note", 500)?,
                },
            )?;
            let now = Utc::now();
            meetings::put_exception(c, id, &exception, now)?;
            meetings::touch(c, id, now)?;
            materialize(c, &found.meeting, &found.seen.group)?;
            Ok(exception)
        })
        .await?;
    Ok(Tagged(ExceptionResponse {
        date: exception.scheduled_on,
        cancelled: exception.cancelled,
        moved_to: exception.moved_to,
        note: exception.note,
    }))
}

/// Undo a change to one occurrence
///
/// Facilitators. The occurrence takes place as scheduled again.
#[utoipa::path(
    tag = tags::MEETINGS,
    security(("bearer" = [])),
    params(ExceptionPath),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "`forbidden`: not a facilitator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such meeting or no change on that date", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{meeting_id}/exceptions/{date}")]
pub async fn delete_meeting_exception(
    user: AuthUser,
    path: Path<ExceptionPath>,
    db: Data<Db>,
) -> Result<NoContent, ApiError> {
    let ExceptionPath { meeting_id, date } = path.into_inner();
    let id = MeetingId(meeting_id);
    db.tx(move |c| {
        let found = found(c, id, Some(&user), true)?;
        found
            .seen
            .actor
            .may_edit(found.seen.group.profile.visibility)?;
        if !meetings::delete_exception(c, id, date)? {
            return Err(DomainError::NotFound("exception").into());
        }
        meetings::touch(c, id, Utc::now())?;
        materialize(c, &found.meeting, &found.seen.group)?;
        Ok(())
    })
    .await?;
    Ok(NoContent)
}

/// Search parameters. List parameters take comma-separated values.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchMeetingsQuery {
    /// `latitude,longitude`: only meetings with a venue within `radius_km` of it.
    #[param(example = "40.7128,-74.0060")]
    pub near: Option<String>,
    /// Kilometres around `near`, 0.1 to 500 (default 10).
    #[param(minimum = 0.1, maximum = 500)]
    pub radius_km: Option<f64>,
    /// Occurrences starting at or after this instant (default: now, or the start of the
    /// window in progress with `in_progress`).
    pub starts_after: Option<DateTime<Utc>>,
    /// Occurrences starting before this instant (default: 7 days after `starts_after`; at
    /// most 59 days ahead, within the materialised horizon).
    pub starts_before: Option<DateTime<Utc>>,
    /// Only occurrences under way now (started, not yet ended), the latest started first:
    /// those with the most still to come.
    pub in_progress: Option<bool>,
    /// Attendance modes, any of.
    #[serde(default, deserialize_with = "comma_separated")]
    #[param(value_type = Option<Vec<AttendanceMode>>, style = Form, explode = false)]
    pub attendance_mode: Vec<AttendanceMode>,
    /// Meeting Guide type codes, all of.
    #[serde(default, deserialize_with = "comma_separated")]
    #[param(value_type = Option<Vec<MeetingType>>, style = Form, explode = false)]
    pub types: Vec<MeetingType>,
    /// BCP 47 tags, any of; `es` also finds `es-MX`.
    #[serde(default, deserialize_with = "comma_separated")]
    #[param(value_type = Option<Vec<String>>, style = Form, explode = false)]
    pub language: Vec<String>,
    /// Local weekdays (in each meeting's own zone), any of.
    #[serde(default, deserialize_with = "comma_separated")]
    #[param(value_type = Option<Vec<Day>>, style = Form, explode = false)]
    pub weekday: Vec<Day>,
    /// Local start time from, `HH:MM` (in each meeting's own zone).
    #[param(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$", example = "18:00")]
    pub time_from: Option<String>,
    /// Local start time before, `HH:MM`; earlier than `time_from` wraps past midnight.
    #[param(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$", example = "21:00")]
    pub time_to: Option<String>,
    /// Focus areas of the meeting's group, any of.
    #[serde(default, deserialize_with = "comma_separated")]
    #[param(value_type = Option<Vec<group_domain::FocusArea>>, style = Form, explode = false)]
    pub focus: Vec<group_domain::FocusArea>,
    /// `start` (default) or `distance` (needs `near`).
    #[param(inline)]
    pub sort: Option<MeetingSort>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page, with the same sort.
    pub cursor: Option<String>,
}

/// How a meeting search orders its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeetingSort {
    /// Soonest first.
    Start,
    /// Nearest first.
    Distance,
}

/// One occurrence found by a search, with its meeting.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "occurrence": {"scheduled_on": "2026-11-27", "start": "2026-11-28T00:00:00Z", "end": "2026-11-28T01:00:00Z", "local_start": "2026-11-27T19:00:00", "local_end": "2026-11-27T20:00:00", "cancelled": false, "moved": false, "note": null},
    "in_progress": false,
    "distance_km": 2.35,
    "meeting": {"id": "0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b7d", "group_id": "0193aa8e-8f5a-7c3e-9d2b-4a1f0e6c8b7d", "title": "Tuesday Night Big Book", "attendance_mode": "in_person", "venue": {"formatted_address": "12 Harbour St, Brooklyn, NY 11201, USA", "latitude": 40.6943, "longitude": -73.9903}, "online": null, "online_hidden": false, "time_zone": "America/New_York", "duration_minutes": 60, "types": ["B", "O"], "languages": ["en"], "capacity": null, "schedule": {"frequency": "weekly", "weekdays": ["friday"], "interval": 1, "start_time": "19:00", "starts_on": "2026-01-02"}, "public_links": false, "next_occurrence": null, "created_at": "2026-11-27T08:00:00Z", "updated_at": "2026-11-27T08:00:00Z"}
}))]
pub struct MeetingSearchItem {
    /// The occurrence.
    pub occurrence: OccurrenceResponse,
    /// It has started and not ended.
    pub in_progress: bool,
    /// Kilometres from `near`, when asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
    /// The meeting. Join links appear here only for meetings marked public; members read
    /// them on the meeting itself.
    pub meeting: MeetingResponse,
}

/// A page of search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingSearchPage {
    /// Occurrences, in the order asked for.
    pub items: Vec<MeetingSearchItem>,
    /// Pass as `cursor` for the next page; `null` on the last. A page may hold fewer items
    /// than `limit` when venues in the corners of the search box fall outside the radius.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "s")]
enum SearchCursor {
    #[serde(rename = "t")]
    Start {
        t: DateTime<Utc>,
        m: Uuid,
        d: NaiveDate,
    },
    #[serde(rename = "d")]
    Distance {
        /// The distance's bits: a float written as JSON text may not read back exactly.
        k: u64,
        t: DateTime<Utc>,
        m: Uuid,
        d: NaiveDate,
    },
}

/// Default radius of a meeting search, in kilometres.
const DEFAULT_MEETING_RADIUS_KM: f64 = 10.0;

/// Search meetings
///
/// "Is there a meeting I can get to, or join online, soon?" Occurrences of meetings of public
/// groups, from a materialised table kept current on every change: near a point, in a window
/// of start times, under way now, by attendance mode, type codes, language, local weekday and
/// time of day, and the group's focus; soonest or nearest first. Cancelled occurrences are left out; moved ones appear at their new time.
#[utoipa::path(
    tag = tags::MEETINGS,
    params(SearchMeetingsQuery),
    responses(
        (status = 200, description = "One page", body = MeetingSearchPage),
        (status = 400, description = "`bad-request`: an unknown value or a cursor this API did not give out", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: a parameter out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn search_meetings(
    Query(query): Query<SearchMeetingsQuery>,
    db: Data<Db>,
) -> Result<Tagged<MeetingSearchPage>, ApiError> {
    let now = Utc::now();
    let search = query.into_search(now)?;
    let page = db.run(move |c| search.run(c, now)).await?;
    Ok(Tagged(page))
}

struct MeetingSearch {
    filter: occurrences::OccurrenceFilter,
    near: Option<(Point, f64)>,
    sort: MeetingSort,
    after: Option<SearchCursor>,
    limit: u32,
}

impl SearchMeetingsQuery {
    fn into_search(self, now: DateTime<Utc>) -> Result<MeetingSearch, ApiError> {
        let limit = crate::pagination::checked_limit(self.limit)?;
        let mut errors = Vec::new();
        let e = &mut errors;
        let invalid = |field: &str, message: &str| DomainError::Invalid {
            field: field.to_owned(),
            code: "range",
            message: message.to_owned(),
        };
        let near = keep(
            e,
            group_domain::parse_near(
                self.near.as_deref(),
                self.radius_km,
                DEFAULT_MEETING_RADIUS_KM,
            ),
        )
        .flatten();
        let in_progress = self.in_progress.unwrap_or(false);
        let starts_after = match self.starts_after {
            Some(at) => check_instant(at, "starts_after")?,
            None if in_progress => now - Duration::minutes(i64::from(domain::MAX_DURATION_MINUTES)),
            None => now,
        };
        let starts_before = match self.starts_before {
            Some(at) => check_instant(at, "starts_before")?,
            None => starts_after + Duration::days(7),
        };
        // A day short of what is materialised, so that a window never reaches past it while
        // the background job catches up.
        let searchable = now + Duration::days(HORIZON_DAYS - 1);
        if starts_before <= starts_after || starts_before > searchable {
            e.push(invalid(
                "starts_before",
                "must be after starts_after and at most 59 days ahead",
            ));
        }
        let sort = self.sort.unwrap_or(MeetingSort::Start);
        if sort == MeetingSort::Distance && self.near.is_none() {
            e.push(invalid("sort", "sorting by distance needs near"));
        }
        let minute = |raw: &Option<String>, field: &str, e: &mut Vec<DomainError>| {
            raw.as_deref()
                .and_then(|text| keep(e, parse_local_time(text, field)))
                .map(|time| time.hour() * 60 + time.minute())
        };
        let from_minute = minute(&self.time_from, "time_from", e);
        let to_minute = minute(&self.time_to, "time_to", e);
        let local_minutes = match (from_minute, to_minute) {
            (None, None) => None,
            (from, to) => Some((from.unwrap_or(0), to.unwrap_or(24 * 60))),
        };
        let lists = [
            ("attendance_mode", self.attendance_mode.len()),
            ("types", self.types.len()),
            ("language", self.language.len()),
            ("weekday", self.weekday.len()),
            ("focus", self.focus.len()),
        ];
        for (field, count) in lists {
            keep(e, group_domain::check_search_list(field, count));
        }
        let languages: Vec<String> = self
            .language
            .iter()
            .filter_map(|raw| keep(e, hearth_domain::account::Locale::parse(raw)))
            .map(|tag| tag.as_str().to_lowercase())
            .collect();
        if !errors.is_empty() {
            return Err(ApiError::from_domain_errors(errors));
        }
        let after = self
            .cursor
            .as_deref()
            .map(crate::pagination::decode_cursor::<SearchCursor>)
            .transpose()?;
        let mismatched = matches!(
            (&after, sort),
            (Some(SearchCursor::Start { .. }), MeetingSort::Distance)
                | (Some(SearchCursor::Distance { .. }), MeetingSort::Start)
        );
        if mismatched {
            return Err(ApiError::BadRequest(
                "The cursor belongs to a search with another sort.".to_owned(),
            ));
        }
        Ok(MeetingSearch {
            filter: occurrences::OccurrenceFilter {
                starts_after: Some(starts_after),
                starts_before: Some(starts_before),
                in_progress_at: in_progress.then_some(now),
                modes: self.attendance_mode,
                types: self.types,
                languages,
                within: near.map(|(point, radius)| point.bounding_box(radius)),
                weekdays: self.weekday.into_iter().map(Into::into).collect(),
                local_minutes,
                focus_areas: self.focus,
            },
            near,
            sort,
            after,
            limit,
        })
    }
}

impl MeetingSearch {
    fn run(&self, c: &mut DbConnection, now: DateTime<Utc>) -> Result<MeetingSearchPage, ApiError> {
        let fetch = i64::from(self.limit) + 1;
        let distance = |found: &occurrences::FoundOccurrence| -> Option<f64> {
            let (point, _) = self.near?;
            Some(point.distance_km(Point {
                latitude: found.latitude?,
                longitude: found.longitude?,
            }))
        };
        let within_radius = |found: &occurrences::FoundOccurrence| {
            self.near
                .is_none_or(|(_, radius)| distance(found).is_some_and(|km| km <= radius))
        };
        let found = match self.sort {
            MeetingSort::Start => {
                let mut after = match &self.after {
                    Some(SearchCursor::Start { t, m, d }) => Some((*t, MeetingId(*m), *d)),
                    _ => None,
                };
                // The index reads the box around the circle, whose corners hold about a fifth
                // of what it finds: twice the page fills it in one statement but for rare
                // sparse places, which read on until it is full or nothing is left.
                let batch = if self.near.is_some() {
                    2 * fetch
                } else {
                    fetch
                };
                let wanted = usize::try_from(fetch).unwrap_or(usize::MAX);
                let mut kept = Vec::new();
                loop {
                    let found = occurrences::search(c, &self.filter, after, Some(batch))?;
                    let exhausted = i64::try_from(found.len()).unwrap_or(i64::MAX) < batch;
                    after = found
                        .last()
                        .map(|last| (last.starts_at, last.meeting, last.scheduled_on));
                    kept.extend(found.into_iter().filter(|found| within_radius(found)));
                    if exhausted || kept.len() >= wanted {
                        break kept;
                    }
                }
            }
            MeetingSort::Distance => {
                let key = |found: &occurrences::FoundOccurrence| {
                    (
                        distance(found).unwrap_or(f64::INFINITY),
                        found.starts_at,
                        found.meeting.0,
                        found.scheduled_on,
                    )
                };
                let mut all: Vec<_> = occurrences::search(c, &self.filter, None, None)?
                    .into_iter()
                    .filter(|found| within_radius(found))
                    .collect();
                all.sort_by(|a, b| {
                    let (ka, kb) = (key(a), key(b));
                    ka.0.total_cmp(&kb.0)
                        .then((ka.1, ka.2, ka.3).cmp(&(kb.1, kb.2, kb.3)))
                });
                if let Some(SearchCursor::Distance { k, t, m, d }) = &self.after {
                    all.retain(|found| {
                        let own = key(found);
                        own.0
                            .total_cmp(&f64::from_bits(*k))
                            .then((own.1, own.2, own.3).cmp(&(*t, *m, *d)))
                            == std::cmp::Ordering::Greater
                    });
                }
                all
            }
        };
        let (rows, next_cursor) = crate::pagination::cut(found, self.limit, |last| {
            crate::pagination::encode_cursor(&match self.sort {
                MeetingSort::Start => SearchCursor::Start {
                    t: last.starts_at,
                    m: last.meeting.0,
                    d: last.scheduled_on,
                },
                MeetingSort::Distance => SearchCursor::Distance {
                    k: distance(last).unwrap_or(f64::INFINITY).to_bits(),
                    t: last.starts_at,
                    m: last.meeting.0,
                    d: last.scheduled_on,
                },
            })
        })?;
        let ids: Vec<MeetingId> = rows.iter().map(|found| found.meeting).collect();
        let found_meetings = meetings::get_many_with_exceptions(c, &ids)?;
        let items = rows
            .into_iter()
            .filter_map(|found| {
                // A meeting deleted since its occurrences were read drops out of the page; one
                // that occurs twice in it is shown twice.
                let (meeting, own) = found_meetings.get(&found.meeting)?;
                let meeting = meeting.clone();
                let exception = own.iter().find(|e| e.scheduled_on == found.scheduled_on);
                let zone = meeting.details.time_zone;
                let links = meeting.details.public_links;
                Some(MeetingSearchItem {
                    occurrence: OccurrenceResponse {
                        scheduled_on: found.scheduled_on,
                        start: found.starts_at,
                        end: found.ends_at,
                        local_start: found.starts_at.with_timezone(&zone).naive_local(),
                        local_end: found.ends_at.with_timezone(&zone).naive_local(),
                        cancelled: false,
                        moved: exception.is_some_and(|e| e.moved_to.is_some()),
                        note: exception.and_then(|e| e.note.clone()),
                    },
                    in_progress: found.starts_at <= now && now < found.ends_at,
                    distance_km: distance(&found).map(|km| (km * 100.0).round() / 100.0),
                    meeting: MeetingResponse::new(meeting, own, links, now),
                })
            })
            .collect();
        Ok(MeetingSearchPage { items, next_cursor })
    }
}

/// One change in the meetings' sync feed.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b7d", "change": "removed", "changed_at": "2026-11-27T09:00:00Z", "meeting": null}))]
pub struct MeetingChange {
    /// The meeting's id.
    pub id: Uuid,
    /// What happened.
    pub change: ChangeKind,
    /// When.
    pub changed_at: DateTime<Utc>,
    /// The meeting as it is now, for `updated`.
    pub meeting: Option<MeetingResponse>,
}

/// A page of the meetings' sync feed.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "items": [{"id": "0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b7d", "change": "removed", "changed_at": "2026-11-27T09:00:00Z", "meeting": null}],
    "next_cursor": null,
    "next_since": "2026-11-27T09:59:55Z"
}))]
pub struct MeetingChangesPage {
    /// Changes, oldest first.
    pub items: Vec<MeetingChange>,
    /// Pass as `cursor` for the rest of this sync; `null` when it is complete.
    pub next_cursor: Option<String>,
    /// Pass as `since` next time (it trails the present by a few seconds; apply changes
    /// idempotently).
    pub next_since: DateTime<Utc>,
}

/// Sync meeting changes
///
/// As for groups: every change since the previous sync, oldest first: `updated` with the
/// meeting for meetings of groups the caller may list (public ones, and their own), `removed`
/// for meetings deleted, or whose group was archived or is no longer listed for them. A
/// private group's meetings never appear to someone who never belonged to it.
#[utoipa::path(
    tag = tags::MEETINGS,
    params(ChangesQuery),
    responses(
        (status = 200, description = "One page of changes", body = MeetingChangesPage),
        (status = 400, description = "`bad-request`: a cursor this API did not give out", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: `limit` out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/changes")]
pub async fn list_meeting_changes(
    caller: MaybeUser,
    Query(query): Query<ChangesQuery>,
    db: Data<Db>,
) -> Result<Tagged<MeetingChangesPage>, ApiError> {
    let limit = crate::pagination::checked_limit(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(crate::pagination::decode_cursor::<ChangeCursor>)
        .transpose()?
        .map(|cursor| (cursor.at, MeetingId(cursor.i)));
    let viewer = caller.0.map(|user| user.id);
    let started = Utc::now();
    let since = query.since;
    let page = db
        .run(move |c| {
            let changes = meetings::changes(c, viewer, since, after, i64::from(limit) + 1)?;
            let (changes, next_cursor) = crate::pagination::cut(changes, limit, |last| {
                crate::pagination::encode_cursor(&ChangeCursor {
                    at: last.meeting.updated_at,
                    i: last.meeting.id.0,
                })
            })?;
            let ids: Vec<MeetingId> = changes.iter().map(|change| change.meeting.id).collect();
            let exceptions = meetings::exceptions_of(c, &ids)?;
            let none = Vec::new();
            let items = changes
                .into_iter()
                .map(|change| {
                    let meeting = change.meeting;
                    let listed = meeting.deleted_at.is_none()
                        && !change.group_archived
                        && (change.group_public || change.viewer_is_member);
                    let links = meeting.details.public_links || change.viewer_is_member;
                    let own = exceptions.get(&meeting.id).unwrap_or(&none);
                    MeetingChange {
                        id: meeting.id.0,
                        changed_at: meeting.updated_at,
                        change: if listed {
                            ChangeKind::Updated
                        } else {
                            ChangeKind::Removed
                        },
                        meeting: listed.then(|| MeetingResponse::new(meeting, own, links, started)),
                    }
                })
                .collect();
            Ok(MeetingChangesPage {
                items,
                next_cursor,
                next_since: started - Duration::seconds(SYNC_SETTLE_SECONDS),
            })
        })
        .await?;
    Ok(Tagged(page))
}
