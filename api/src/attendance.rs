//! RSVPs, the waitlist, check-ins and each member's attendance history.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path, Query};
use actix_web::{delete, get, post, put};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use hearth_domain::attendance::{self, Rsvp, RsvpId, RsvpStatus};
use hearth_domain::meeting::MeetingId;
use hearth_openapi::{Problem, tags};
use hearth_persistence::DbConnection;
use hearth_persistence::rsvps::{self, AttendanceFilter, AttendanceRecord, NamedRsvp};
use hearth_persistence::{meetings, memberships};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::conditional::Tagged;
use crate::db::Db;
use crate::error::ApiError;
use crate::groups::not_archived;
use crate::idempotency::{Answer, IdempotencyKey, once};
use crate::meetings::{Found, found};
use crate::pagination::{checked_limit, cut, decode_cursor, encode_cursor};
use crate::responses::NoContent;

/// One occurrence of a meeting in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct OccurrencePath {
    /// The meeting's id.
    pub meeting_id: Uuid,
    /// The local date the occurrence is scheduled on (its `scheduled_on`), even when moved.
    pub date: NaiveDate,
}

/// One RSVP of an occurrence in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct RsvpPath {
    /// The meeting's id.
    pub meeting_id: Uuid,
    /// The local date the occurrence is scheduled on.
    pub date: NaiveDate,
    /// The RSVP's id.
    pub rsvp_id: Uuid,
}

/// The caller's RSVP to one occurrence.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193ab10-2c4d-7e8f-9a0b-1c2d3e4f5a6b", "meeting_id": "0193aa8e-8f5a-7c3e-9d2b-4a1f0e6c8b7d",
    "date": "2026-03-10", "status": "waitlisted", "waitlist_position": 2,
    "start": "2026-03-10T23:00:00Z", "end": "2026-03-11T00:00:00Z",
    "created_at": "2026-03-09T14:02:11Z", "checked_in_at": null
}))]
pub struct RsvpResponse {
    /// Its id.
    pub id: Uuid,
    /// The meeting.
    pub meeting_id: Uuid,
    /// The local date the occurrence is scheduled on.
    pub date: NaiveDate,
    /// A place, or the waitlist.
    pub status: RsvpStatus,
    /// Place in the waitlist, from 1, while waitlisted.
    pub waitlist_position: Option<u64>,
    /// When the occurrence starts.
    pub start: DateTime<Utc>,
    /// When it ends.
    pub end: DateTime<Utc>,
    /// When the RSVP was made: its place in the queue.
    pub created_at: DateTime<Utc>,
    /// When a facilitator recorded the person as present.
    pub checked_in_at: Option<DateTime<Utc>>,
}

fn rsvp_response(c: &mut DbConnection, rsvp: Rsvp) -> Result<RsvpResponse, ApiError> {
    Ok(RsvpResponse {
        waitlist_position: rsvps::waitlist_position(c, &rsvp)?,
        id: rsvp.id.0,
        meeting_id: rsvp.meeting.0,
        date: rsvp.scheduled_on,
        status: rsvp.status,
        start: rsvp.starts_at,
        end: rsvp.ends_at,
        created_at: rsvp.created_at,
        checked_in_at: rsvp.checked_in_at,
    })
}

/// RSVP to an occurrence
///
/// Active members of the group. A place while the meeting has one (`201`, `going`), the
/// waitlist after (`201`, `waitlisted`), promoted in order of arrival when a place frees. An
/// RSVP the caller already has is answered as it stands (`200`). RSVPs open 60 days ahead and
/// close when the occurrence ends. With an `Idempotency-Key`, a retry within 24 hours gets the
/// first answer (marked `Idempotent-Replayed: true`), even if the RSVP changed since.
#[utoipa::path(
    tag = tags::ATTENDANCE,
    security(("bearer" = [])),
    params(
        OccurrencePath,
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: 1 to 255 visible ASCII characters, unique per request")
    ),
    responses(
        (status = 201, description = "RSVPed: a place or the waitlist (a replayed answer keeps its first status)", body = RsvpResponse),
        (status = 200, description = "The caller's existing RSVP", body = RsvpResponse),
        (status = 400, description = "`bad-request`: a malformed `Idempotency-Key`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`membership-required`: not an active member of the group", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such meeting, or it does not meet on `date`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`occurrence-cancelled`, `occurrence-over`, `group-archived`, or `idempotency-key-in-use` while a request with the key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: the occurrence is more than 60 days ahead; `idempotency-key-reused`: the key was sent with another request", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{meeting_id}/occurrences/{date}/rsvp")]
pub async fn rsvp_to_occurrence(
    user: AuthUser,
    path: Path<OccurrencePath>,
    key: IdempotencyKey,
    db: Data<Db>,
) -> Result<Answer, ApiError> {
    let OccurrencePath { meeting_id, date } = path.into_inner();
    let id = MeetingId(meeting_id);
    db.tx(move |c| {
        once(c, &user.id.to_string(), &key, b"", |c| {
            let Found { meeting, seen } = found(c, id, Some(&user), true)?;
            seen.actor.may_attend(seen.group.profile.visibility)?;
            not_archived(&seen.group)?;
            if let Some(existing) = rsvps::find(c, id, date, user.id)? {
                return Ok((StatusCode::OK, rsvp_response(c, existing)?));
            }
            let now = Utc::now();
            let exceptions = meetings::exceptions(c, id)?;
            let scheduled =
                attendance::open_for_rsvp(meeting.occurrence_on(&exceptions, date), now)?;
            let going = rsvps::count(c, id, date, RsvpStatus::Going)?;
            let rsvp = Rsvp {
                id: RsvpId::new(),
                meeting: id,
                scheduled_on: date,
                account: user.id,
                status: attendance::placement(meeting.details.capacity, going),
                starts_at: scheduled.occurrence.start,
                ends_at: scheduled.occurrence.end,
                created_at: now,
                updated_at: now,
                checked_in_at: None,
            };
            rsvps::insert(c, &rsvp)?;
            Ok((StatusCode::CREATED, rsvp_response(c, rsvp)?))
        })
    })
    .await
}

/// Get my RSVP
///
/// The caller's RSVP to the occurrence, with their place in the waitlist.
#[utoipa::path(
    tag = tags::ATTENDANCE,
    security(("bearer" = [])),
    params(OccurrencePath),
    responses(
        (status = 200, description = "The RSVP", body = RsvpResponse),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such meeting, or no RSVP of the caller's", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{meeting_id}/occurrences/{date}/rsvp")]
pub async fn get_my_rsvp(
    user: AuthUser,
    path: Path<OccurrencePath>,
    db: Data<Db>,
) -> Result<Tagged<RsvpResponse>, ApiError> {
    let OccurrencePath { meeting_id, date } = path.into_inner();
    let id = MeetingId(meeting_id);
    let response = db
        .run(move |c| {
            found(c, id, Some(&user), false)?;
            let rsvp = rsvps::find(c, id, date, user.id)?.ok_or(not_found("RSVP"))?;
            rsvp_response(c, rsvp)
        })
        .await?;
    Ok(Tagged(response))
}

/// Withdraw my RSVP
///
/// Until the occurrence ends. A place it held goes to the first person on the waitlist.
#[utoipa::path(
    tag = tags::ATTENDANCE,
    security(("bearer" = [])),
    params(OccurrencePath),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such meeting, or no RSVP of the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`occurrence-over`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{meeting_id}/occurrences/{date}/rsvp")]
pub async fn withdraw_rsvp(
    user: AuthUser,
    path: Path<OccurrencePath>,
    db: Data<Db>,
) -> Result<NoContent, ApiError> {
    let OccurrencePath { meeting_id, date } = path.into_inner();
    let id = MeetingId(meeting_id);
    db.tx(move |c| {
        let Found { meeting, .. } = found(c, id, Some(&user), true)?;
        let rsvp = rsvps::find(c, id, date, user.id)?.ok_or(not_found("RSVP"))?;
        let now = Utc::now();
        attendance::may_withdraw(&rsvp, now)?;
        rsvps::delete(c, rsvp.id)?;
        if rsvp.status == RsvpStatus::Going {
            rsvps::fill_places(c, id, date, meeting.details.capacity, now)?;
        }
        Ok(())
    })
    .await?;
    Ok(NoContent)
}

/// Someone's RSVP, as the group's facilitators see it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193ab10-2c4d-7e8f-9a0b-1c2d3e4f5a6b", "display_name": "River", "status": "going",
    "waitlist_position": null, "created_at": "2026-03-09T14:02:11Z",
    "checked_in_at": "2026-03-10T22:58:40Z"
}))]
pub struct AttendeeResponse {
    /// The RSVP's id, for recording a check-in.
    pub id: Uuid,
    /// The person's display name.
    pub display_name: String,
    /// A place, or the waitlist.
    pub status: RsvpStatus,
    /// Place in the waitlist, from 1, while waitlisted.
    pub waitlist_position: Option<u64>,
    /// When they RSVPed.
    pub created_at: DateTime<Utc>,
    /// When they were recorded as present.
    pub checked_in_at: Option<DateTime<Utc>>,
}

/// Who is coming to one occurrence.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "meeting_id": "0193aa8e-8f5a-7c3e-9d2b-4a1f0e6c8b7d", "date": "2026-03-10",
    "start": "2026-03-10T23:00:00Z", "end": "2026-03-11T00:00:00Z", "cancelled": false,
    "capacity": 12, "going": 12, "waitlisted": 1, "checked_in": 1,
    "items": [
        {"id": "0193ab10-2c4d-7e8f-9a0b-1c2d3e4f5a6b", "display_name": "River", "status": "going", "waitlist_position": null, "created_at": "2026-03-09T14:02:11Z", "checked_in_at": "2026-03-10T22:58:40Z"},
        {"id": "0193ab12-7a1b-7c2d-8e3f-4a5b6c7d8e9f", "display_name": "Sam", "status": "waitlisted", "waitlist_position": 1, "created_at": "2026-03-10T08:30:00Z", "checked_in_at": null}
    ]
}))]
pub struct RsvpListResponse {
    /// The meeting.
    pub meeting_id: Uuid,
    /// The local date the occurrence is scheduled on.
    pub date: NaiveDate,
    /// When it starts.
    pub start: DateTime<Utc>,
    /// When it ends.
    pub end: DateTime<Utc>,
    /// It does not take place.
    pub cancelled: bool,
    /// Places, if limited.
    pub capacity: Option<u32>,
    /// People with a place.
    pub going: u64,
    /// People waiting for one.
    pub waitlisted: u64,
    /// People recorded as present.
    pub checked_in: u64,
    /// Everyone: places first, then the waitlist, each in order of arrival.
    pub items: Vec<AttendeeResponse>,
}

fn attendee(named: NamedRsvp, waitlist_position: Option<u64>) -> AttendeeResponse {
    AttendeeResponse {
        id: named.rsvp.id.0,
        display_name: named.display_name,
        status: named.rsvp.status,
        waitlist_position,
        created_at: named.rsvp.created_at,
        checked_in_at: named.rsvp.checked_in_at,
    }
}

/// List RSVPs
///
/// Facilitators and owners of the group (and platform admins): everyone who RSVPed to the
/// occurrence, by display name, with counts. A group's RSVPs are bounded by its members, so
/// the list is not paged.
#[utoipa::path(
    tag = tags::ATTENDANCE,
    security(("bearer" = [])),
    params(OccurrencePath),
    responses(
        (status = 200, description = "The RSVPs", body = RsvpListResponse),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not a facilitator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such meeting, or it does not meet on `date`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{meeting_id}/occurrences/{date}/rsvps")]
pub async fn list_rsvps(
    user: AuthUser,
    path: Path<OccurrencePath>,
    db: Data<Db>,
) -> Result<Tagged<RsvpListResponse>, ApiError> {
    let OccurrencePath { meeting_id, date } = path.into_inner();
    let id = MeetingId(meeting_id);
    let response = db
        .run(move |c| {
            let Found { meeting, seen } = found(c, id, Some(&user), false)?;
            seen.actor.may_moderate(seen.group.profile.visibility)?;
            let exceptions = meetings::exceptions(c, id)?;
            let scheduled = meeting
                .occurrence_on(&exceptions, date)
                .ok_or(not_found("occurrence"))?;
            let all = rsvps::of_occurrence(c, id, date)?;
            let count = |status| all.iter().filter(|n| n.rsvp.status == status).count() as u64;
            let (going, waitlisted) = (count(RsvpStatus::Going), count(RsvpStatus::Waitlisted));
            let checked_in = all
                .iter()
                .filter(|n| n.rsvp.checked_in_at.is_some())
                .count() as u64;
            let mut waiting = 0;
            let items = all
                .into_iter()
                .map(|named| {
                    let position = (named.rsvp.status == RsvpStatus::Waitlisted).then(|| {
                        waiting += 1;
                        waiting
                    });
                    attendee(named, position)
                })
                .collect();
            Ok(RsvpListResponse {
                meeting_id,
                date,
                start: scheduled.occurrence.start,
                end: scheduled.occurrence.end,
                cancelled: scheduled.exception.is_some_and(|e| e.cancelled),
                capacity: meeting.details.capacity,
                going,
                waitlisted,
                checked_in,
                items,
            })
        })
        .await?;
    Ok(Tagged(response))
}

/// Records (`true`) or undoes (`false`) a check-in, as a facilitator of the RSVP's group.
async fn check_in(
    user: AuthUser,
    path: RsvpPath,
    present: bool,
    db: Data<Db>,
) -> Result<Tagged<AttendeeResponse>, ApiError> {
    let id = MeetingId(path.meeting_id);
    let response = db
        .tx(move |c| {
            let Found { seen, .. } = found(c, id, Some(&user), true)?;
            seen.actor.may_moderate(seen.group.profile.visibility)?;
            let rsvp = rsvps::get(c, id, path.date, RsvpId(path.rsvp_id))?;
            let now = Utc::now();
            attendance::may_check_in(&rsvp, now)?;
            let at = present.then(|| rsvp.checked_in_at.unwrap_or(now));
            rsvps::set_check_in(c, rsvp.id, at, now)?;
            let named = NamedRsvp {
                rsvp: rsvps::get(c, id, path.date, rsvp.id)?,
                display_name: memberships::display_name(c, rsvp.account)?,
            };
            let position = rsvps::waitlist_position(c, &named.rsvp)?;
            Ok(attendee(named, position))
        })
        .await?;
    Ok(Tagged(response))
}

/// Check someone in
///
/// Facilitators record that the person was there, from an hour before the occurrence starts
/// until a week after it ends. Someone let in from the waitlist is recorded as present and
/// keeps their place in the queue. Checking in again keeps the first time.
#[utoipa::path(
    tag = tags::ATTENDANCE,
    security(("bearer" = [])),
    params(RsvpPath),
    responses(
        (status = 200, description = "Checked in", body = AttendeeResponse),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not a facilitator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such meeting or RSVP", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`check-in-closed`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/{meeting_id}/occurrences/{date}/rsvps/{rsvp_id}/check-in")]
pub async fn record_check_in(
    user: AuthUser,
    path: Path<RsvpPath>,
    db: Data<Db>,
) -> Result<Tagged<AttendeeResponse>, ApiError> {
    check_in(user, path.into_inner(), true, db).await
}

/// Undo a check-in
///
/// Facilitators correct a check-in recorded by mistake, within the same window.
#[utoipa::path(
    tag = tags::ATTENDANCE,
    security(("bearer" = [])),
    params(RsvpPath),
    responses(
        (status = 200, description = "No longer checked in", body = AttendeeResponse),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not a facilitator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such meeting or RSVP", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`check-in-closed`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{meeting_id}/occurrences/{date}/rsvps/{rsvp_id}/check-in")]
pub async fn undo_check_in(
    user: AuthUser,
    path: Path<RsvpPath>,
    db: Data<Db>,
) -> Result<Tagged<AttendeeResponse>, ApiError> {
    check_in(user, path.into_inner(), false, db).await
}

/// Which attendance to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AttendanceQuery {
    /// Occurrences starting at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Occurrences starting before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Only occurrences the caller was checked in at: proof of attendance.
    pub checked_in: Option<bool>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One occurrence in the caller's attendance history.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "rsvp_id": "0193ab10-2c4d-7e8f-9a0b-1c2d3e4f5a6b",
    "meeting_id": "0193aa8e-8f5a-7c3e-9d2b-4a1f0e6c8b7d", "meeting_title": "Tuesday Night Big Book",
    "group_id": "0193aa80-1b2c-7d3e-8f4a-5b6c7d8e9f0a", "group_name": "Harbor Lights Recovery",
    "date": "2026-03-10", "start": "2026-03-10T23:00:00Z", "end": "2026-03-11T00:00:00Z",
    "time_zone": "America/New_York", "local_start": "2026-03-10T19:00:00",
    "local_end": "2026-03-10T20:00:00", "status": "going",
    "checked_in_at": "2026-03-10T22:58:40Z"
}))]
pub struct AttendanceItem {
    /// The RSVP.
    pub rsvp_id: Uuid,
    /// The meeting.
    pub meeting_id: Uuid,
    /// Its title.
    pub meeting_title: String,
    /// Its group.
    pub group_id: Uuid,
    /// The group's name.
    pub group_name: String,
    /// The local date the occurrence was scheduled on.
    pub date: NaiveDate,
    /// When it started.
    pub start: DateTime<Utc>,
    /// When it ended.
    pub end: DateTime<Utc>,
    /// The meeting's time zone.
    pub time_zone: String,
    /// Its start on the meeting's wall clock.
    #[schema(value_type = String, example = "2026-03-10T19:00:00")]
    pub local_start: NaiveDateTime,
    /// Its end on the meeting's wall clock.
    #[schema(value_type = String, example = "2026-03-10T20:00:00")]
    pub local_end: NaiveDateTime,
    /// A place, or the waitlist.
    pub status: RsvpStatus,
    /// When a facilitator recorded the caller as present.
    pub checked_in_at: Option<DateTime<Utc>>,
}

/// A page of attendance history.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AttendancePage {
    /// Latest occurrence first.
    pub items: Vec<AttendanceItem>,
    /// Pass as `cursor` for the next page; absent on the last one.
    pub next_cursor: Option<String>,
}

/// Where a page of attendance continues.
#[derive(Debug, Serialize, Deserialize)]
struct AttendanceCursor {
    at: DateTime<Utc>,
    i: Uuid,
}

pub(crate) fn attendance_item(record: AttendanceRecord) -> AttendanceItem {
    let zone: chrono_tz::Tz = record.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let rsvp = record.rsvp;
    AttendanceItem {
        rsvp_id: rsvp.id.0,
        meeting_id: rsvp.meeting.0,
        meeting_title: record.meeting_title,
        group_id: record.group.0,
        group_name: record.group_name,
        date: rsvp.scheduled_on,
        start: rsvp.starts_at,
        end: rsvp.ends_at,
        local_start: rsvp.starts_at.with_timezone(&zone).naive_local(),
        local_end: rsvp.ends_at.with_timezone(&zone).naive_local(),
        time_zone: record.time_zone,
        status: rsvp.status,
        checked_in_at: rsvp.checked_in_at,
    }
}

/// My attendance
///
/// The caller's RSVPs, latest occurrence first, with whether a facilitator checked them in:
/// `checked_in=true` lists the meetings they were at, for proof of attendance. It stays when
/// they leave the group and goes only when they erase their account.
#[utoipa::path(
    tag = tags::ATTENDANCE,
    security(("bearer" = [])),
    params(AttendanceQuery),
    responses(
        (status = 200, description = "One page", body = AttendancePage),
        (status = 400, description = "`bad-request`: a cursor this API did not give out", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: `limit` out of range, or `to` not after `from`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/attendance")]
pub async fn my_attendance(
    user: AuthUser,
    Query(query): Query<AttendanceQuery>,
    db: Data<Db>,
) -> Result<Tagged<AttendancePage>, ApiError> {
    let limit = checked_limit(query.limit)?;
    if let (Some(from), Some(to)) = (query.from, query.to)
        && to <= from
    {
        return Err(hearth_domain::DomainError::Invalid {
            field: "to".to_owned(),
            code: "range",
            message: "must be after from".to_owned(),
        }
        .into());
    }
    let before = query
        .cursor
        .as_deref()
        .map(decode_cursor::<AttendanceCursor>)
        .transpose()?
        .map(|cursor| (cursor.at, RsvpId(cursor.i)));
    let filter = AttendanceFilter {
        from: query.from,
        to: query.to,
        checked_in_only: query.checked_in.unwrap_or(false),
        before,
    };
    let page = db
        .run(move |c| {
            let records = rsvps::history(c, user.id, filter, i64::from(limit) + 1)?;
            let (records, next_cursor) = cut(records, limit, |last| {
                encode_cursor(&AttendanceCursor {
                    at: last.rsvp.starts_at,
                    i: last.rsvp.id.0,
                })
            })?;
            Ok(AttendancePage {
                items: records.into_iter().map(attendance_item).collect(),
                next_cursor,
            })
        })
        .await?;
    Ok(Tagged(page))
}

fn not_found(what: &'static str) -> ApiError {
    hearth_domain::DomainError::NotFound(what).into()
}
