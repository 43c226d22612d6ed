//! Feeds other tools read: the Meeting Guide JSON format (code4recovery/spec), which the
//! Meeting Guide app and the 12 Step Meeting List plugin import, and iCalendar for calendar
//! apps.

use actix_web::get;
use actix_web::web::{Data, Path};
use chrono::{NaiveTime, Timelike, Utc, Weekday};
use hearth_domain::meeting::{AttendanceMode, Meeting, MeetingId};
use hearth_domain::schedule::Recurrence;
use hearth_openapi::{Problem, tags};
use hearth_persistence::meetings::{self, ListedMeeting};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::MaybeUser;
use crate::conditional::Tagged;
use crate::db::Db;
use crate::error::ApiError;
use crate::groups::{GroupPath, seen};
use crate::icalendar::{Calendar, CalendarMeeting, calendar};
use crate::meetings::{MeetingPath, found};

/// One meeting in the Meeting Guide format. Optional fields are left out when they do not
/// apply.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "name": "Tuesday Night Big Book",
    "slug": "0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b7d",
    "day": [2],
    "time": "19:00",
    "end_time": "20:00",
    "timezone": "America/New_York",
    "types": ["B", "O", "ONL", "X"],
    "location": "St. Mark's Hall",
    "location_notes": "Side door, downstairs",
    "formatted_address": "12 Harbour St, Brooklyn, NY 11201, USA",
    "address": "12 Harbour St",
    "city": "Brooklyn",
    "state": "NY",
    "postal_code": "11201",
    "country": "US",
    "latitude": 40.6943,
    "longitude": -73.9903,
    "approximate": "no",
    "conference_url": "https://meet.example.org/harbour",
    "updated": "2026-11-27 08:00:00",
    "group": "Harbour Lights",
    "attendance_option": "hybrid"
}))]
pub struct MeetingGuideMeeting {
    /// The meeting's title.
    pub name: String,
    /// Stable and unique: the meeting's id.
    pub slug: String,
    /// Days of the week, 0 (Sunday) to 6 (Saturday).
    pub day: Vec<u32>,
    /// Local start, `HH:MM`.
    pub time: String,
    /// Local end, `HH:MM`.
    pub end_time: String,
    /// IANA time zone.
    pub timezone: String,
    /// Meeting Guide type codes, with `ONL` for meetings one can join online.
    pub types: Vec<String>,
    /// The venue's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Directions at the venue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_notes: Option<String>,
    /// The one-line address; for online meetings, the group's town as an approximate place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formatted_address: Option<String>,
    /// Street address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Town or city.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State or region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Latitude.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// Longitude.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// `"no"` for a venue, `"yes"` for an online meeting's approximate place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approximate: Option<String>,
    /// The video call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conference_url: Option<String>,
    /// Notes about the call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conference_url_notes: Option<String>,
    /// The dial-in number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conference_phone: Option<String>,
    /// When the listing last changed, UTC, `YYYY-MM-DD HH:MM:SS`.
    pub updated: String,
    /// The group's name.
    pub group: String,
    /// `in_person`, `online` or `hybrid`.
    pub attendance_option: AttendanceMode,
}

/// The Meeting Guide day number: Sunday is 0.
fn day_number(day: Weekday) -> u32 {
    day.num_days_from_sunday()
}

fn hh_mm(time: NaiveTime) -> String {
    format!("{:02}:{:02}", time.hour(), time.minute())
}

/// The feed entry for a meeting, if the format can carry it: weekly every week (the format
/// has no other rhythm), not ended, and, online, only with links the group made public.
fn entry(listed: ListedMeeting, now: chrono::DateTime<Utc>) -> Option<MeetingGuideMeeting> {
    let ListedMeeting {
        meeting,
        group_name,
        group_place,
    } = listed;
    let Meeting {
        id,
        details,
        updated_at,
        ..
    } = meeting;
    let Recurrence::Weekly {
        weekdays,
        interval: 1,
    } = &details.schedule.recurrence
    else {
        return None;
    };
    let today = now.with_timezone(&details.time_zone).date_naive();
    if details.schedule.ends_on.is_some_and(|end| end < today) {
        return None;
    }
    let end = details.schedule.start_time + details.duration();
    let online = details.online.filter(|_| details.public_links);
    if details.mode == AttendanceMode::Online && online.is_none() {
        return None;
    }
    let mode = match (details.mode, &online) {
        (AttendanceMode::Hybrid, None) => AttendanceMode::InPerson,
        (mode, _) => mode,
    };
    let mut types: Vec<String> = details
        .types
        .iter()
        .map(|t| t.as_str().to_owned())
        .collect();
    if mode.is_online() {
        types.push("ONL".to_owned());
        types.sort();
    }
    let venue = details.venue;
    let (group_city, group_state, group_country) = group_place;
    let approximate_place = venue.is_none().then(|| {
        [
            group_city.as_deref(),
            group_state.as_deref(),
            group_country.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
    });
    Some(MeetingGuideMeeting {
        name: details.title,
        slug: id.to_string(),
        day: {
            let mut days: Vec<u32> = weekdays.iter().map(|d| day_number(*d)).collect();
            days.sort_unstable();
            days
        },
        time: hh_mm(details.schedule.start_time),
        end_time: hh_mm(end),
        timezone: details.time_zone.name().to_owned(),
        types,
        location: venue.as_ref().and_then(|v| v.name.clone()),
        location_notes: venue.as_ref().and_then(|v| v.notes.clone()),
        formatted_address: venue
            .as_ref()
            .map(|v| v.formatted_address.clone())
            .or(approximate_place.filter(|place| !place.is_empty())),
        address: venue.as_ref().and_then(|v| v.street.clone()),
        city: venue.as_ref().and_then(|v| v.locality.clone()),
        state: venue.as_ref().and_then(|v| v.region.clone()),
        postal_code: venue.as_ref().and_then(|v| v.postal_code.clone()),
        country: venue.as_ref().and_then(|v| v.country.clone()),
        latitude: venue.as_ref().map(|v| v.point.latitude),
        longitude: venue.as_ref().map(|v| v.point.longitude),
        approximate: Some(if venue.is_some() { "no" } else { "yes" }.to_owned()),
        conference_url: online.as_ref().and_then(|o| o.conference_url.clone()),
        conference_url_notes: online.as_ref().and_then(|o| o.notes.clone()),
        conference_phone: online.and_then(|o| o.conference_phone),
        updated: updated_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        group: group_name,
        attendance_option: mode,
    })
}

/// Meeting Guide feed
///
/// Every weekly meeting of every public group, in the Meeting Guide JSON format, for the
/// Meeting Guide app, the 12 Step Meeting List plugin and TSML UI. The format describes
/// meetings that happen every week: one-off, every-other-week and monthly meetings are left
/// out. Join links appear only for meetings whose group made them public; an online meeting
/// without public links is left out, and a hybrid one appears as in person.
#[utoipa::path(
    tag = tags::MEETINGS,
    responses(
        (status = 200, description = "Every listed meeting", body = Vec<MeetingGuideMeeting>,
         headers(("ETag" = String, description = "This version of the feed"))),
        (status = 304, description = "Unchanged since the `ETag` sent"),
    )
)]
#[get("/meeting-guide.json")]
pub async fn meeting_guide_feed(
    db: Data<Db>,
) -> Result<Tagged<Vec<MeetingGuideMeeting>>, ApiError> {
    let listed = db.run(|c| Ok(meetings::public(c)?)).await?;
    let now = Utc::now();
    Ok(Tagged(
        listed
            .into_iter()
            .filter_map(|meeting| entry(meeting, now))
            .collect(),
    ))
}

/// An abridged calendar, for the contract's examples.
const CALENDAR_EXAMPLE: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Hearth//Hearth API//EN\r\n\
BEGIN:VTIMEZONE\r\nTZID:America/New_York\r\n…\r\nEND:VTIMEZONE\r\n\
BEGIN:VEVENT\r\nUID:0193aa8f-0a11-7c3e-9d2b-4a1f0e6c8b7d@hearth\r\n\
DTSTART;TZID=America/New_York:20260106T190000\r\nDURATION:PT60M\r\n\
RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=TU;WKST=MO\r\nEXDATE;TZID=America/New_York:20260310T190000\r\n\
SUMMARY:Tuesday Night Big Book\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

/// A meeting's calendar
///
/// The meeting as an iCalendar (RFC 5545) event for calendar apps: its schedule as an
/// `RRULE` in its own time zone (with a `VTIMEZONE`), cancelled occurrences as `EXDATE`s,
/// moved or annotated ones as overriding events, and a `UID` that stays the same. Join links
/// appear for the group's members, or for everyone when the meeting is marked public.
#[utoipa::path(
    tag = tags::MEETINGS,
    params(MeetingPath),
    responses(
        (status = 200, description = "The calendar", content_type = "text/calendar", body = String,
         headers(("ETag" = String, description = "This version")),
         example = json!(CALENDAR_EXAMPLE)),
        (status = 304, description = "Unchanged since the `ETag` sent"),
        (status = 404, description = "`not-found`: no such meeting, or one of a private group", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{meeting_id}/calendar.ics")]
pub async fn meeting_calendar(
    caller: MaybeUser,
    path: Path<MeetingPath>,
    db: Data<Db>,
) -> Result<Calendar, ApiError> {
    let id = MeetingId(path.meeting_id);
    let body = db
        .run(move |c| {
            let found = found(c, id, caller.0.as_ref(), false)?;
            let exceptions = meetings::exceptions(c, id)?;
            let event = CalendarMeeting {
                meeting: &found.meeting,
                exceptions: &exceptions,
                group_name: &found.seen.group.profile.name,
                links: found.links_visible(),
            };
            Ok(calendar(&found.meeting.details.title, &[event], Utc::now()))
        })
        .await?;
    Ok(Calendar(body))
}

/// A group's calendar
///
/// Every meeting of the group as iCalendar events, as for one meeting: subscribe to it to
/// keep a calendar in step with the group.
#[utoipa::path(
    tag = tags::MEETINGS,
    params(GroupPath),
    responses(
        (status = 200, description = "The calendar", content_type = "text/calendar", body = String,
         headers(("ETag" = String, description = "This version")),
         example = json!(CALENDAR_EXAMPLE)),
        (status = 304, description = "Unchanged since the `ETag` sent"),
        (status = 404, description = "`not-found`: no such group, or a private one", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{group}/calendar.ics")]
pub async fn group_calendar(
    caller: MaybeUser,
    path: Path<GroupPath>,
    db: Data<Db>,
) -> Result<Calendar, ApiError> {
    let reference = path.into_inner().group;
    let body = db
        .run(move |c| {
            let seen = seen(c, &reference, caller.0.as_ref())?;
            let all = meetings::of_group(c, seen.group.id, None, i64::MAX)?;
            let ids: Vec<MeetingId> = all.iter().map(|m| m.id).collect();
            let exceptions = meetings::exceptions_of(c, &ids)?;
            let member = seen
                .actor
                .may_list_members(seen.group.profile.visibility)
                .is_ok();
            let none = Vec::new();
            let events: Vec<CalendarMeeting<'_>> = all
                .iter()
                .map(|meeting| CalendarMeeting {
                    meeting,
                    exceptions: exceptions.get(&meeting.id).unwrap_or(&none),
                    group_name: &seen.group.profile.name,
                    links: member || meeting.details.public_links,
                })
                .collect();
            Ok(calendar(&seen.group.profile.name, &events, Utc::now()))
        })
        .await?;
    Ok(Calendar(body))
}
