//! RSVPs, the waitlist and check-ins. Callers hold the group's lock (`groups::lock`) around
//! every change, so counting places and taking one cannot interleave.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use hearth_domain::account::AccountId;
use hearth_domain::attendance::{Rsvp, RsvpId, RsvpStatus, places_free};
use hearth_domain::group::GroupId;
use hearth_domain::meeting::{Meeting, MeetingException, MeetingId};

use crate::ids::parse_id;
use crate::schema::{accounts, meeting_rsvps, meetings, support_groups};
use crate::time::{from_db, to_db};
use crate::{DbConnection, PersistenceError};

type RsvpRow = (
    String,
    String,
    NaiveDate,
    String,
    String,
    NaiveDateTime,
    NaiveDateTime,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

const COLUMNS: (
    meeting_rsvps::id,
    meeting_rsvps::meeting_id,
    meeting_rsvps::scheduled_on,
    meeting_rsvps::account_id,
    meeting_rsvps::status,
    meeting_rsvps::starts_at,
    meeting_rsvps::ends_at,
    meeting_rsvps::created_at,
    meeting_rsvps::updated_at,
    meeting_rsvps::checked_in_at,
) = (
    meeting_rsvps::id,
    meeting_rsvps::meeting_id,
    meeting_rsvps::scheduled_on,
    meeting_rsvps::account_id,
    meeting_rsvps::status,
    meeting_rsvps::starts_at,
    meeting_rsvps::ends_at,
    meeting_rsvps::created_at,
    meeting_rsvps::updated_at,
    meeting_rsvps::checked_in_at,
);

fn rsvp(row: RsvpRow) -> Result<Rsvp, PersistenceError> {
    let (id, meeting, scheduled_on, account, status, starts_at, ends_at, created, updated, checked) =
        row;
    Ok(Rsvp {
        id: RsvpId(parse_id(&id, "rsvp")?),
        meeting: MeetingId(parse_id(&meeting, "meeting")?),
        scheduled_on,
        account: AccountId(parse_id(&account, "account")?),
        status: RsvpStatus::parse(&status)
            .ok_or_else(|| PersistenceError::Corrupt(format!("rsvp status {status}")))?,
        starts_at: from_db(starts_at),
        ends_at: from_db(ends_at),
        created_at: from_db(created),
        updated_at: from_db(updated),
        checked_in_at: checked.map(from_db),
    })
}

/// Stores a new RSVP.
pub fn insert(c: &mut DbConnection, r: &Rsvp) -> Result<(), PersistenceError> {
    diesel::insert_into(meeting_rsvps::table)
        .values((
            meeting_rsvps::id.eq(r.id.to_string()),
            meeting_rsvps::meeting_id.eq(r.meeting.to_string()),
            meeting_rsvps::scheduled_on.eq(r.scheduled_on),
            meeting_rsvps::account_id.eq(r.account.to_string()),
            meeting_rsvps::status.eq(r.status.as_str()),
            meeting_rsvps::starts_at.eq(to_db(r.starts_at)),
            meeting_rsvps::ends_at.eq(to_db(r.ends_at)),
            meeting_rsvps::created_at.eq(to_db(r.created_at)),
            meeting_rsvps::updated_at.eq(to_db(r.updated_at)),
            meeting_rsvps::checked_in_at.eq(r.checked_in_at.map(to_db)),
        ))
        .execute(c)?;
    Ok(())
}

/// The person's RSVP to one occurrence, if they have one.
pub fn find(
    c: &mut DbConnection,
    meeting: MeetingId,
    scheduled_on: NaiveDate,
    account: AccountId,
) -> Result<Option<Rsvp>, PersistenceError> {
    meeting_rsvps::table
        .filter(meeting_rsvps::meeting_id.eq(meeting.to_string()))
        .filter(meeting_rsvps::scheduled_on.eq(scheduled_on))
        .filter(meeting_rsvps::account_id.eq(account.to_string()))
        .select(COLUMNS)
        .first::<RsvpRow>(c)
        .optional()?
        .map(rsvp)
        .transpose()
}

/// One RSVP of one occurrence, by id.
pub fn get(
    c: &mut DbConnection,
    meeting: MeetingId,
    scheduled_on: NaiveDate,
    id: RsvpId,
) -> Result<Rsvp, PersistenceError> {
    meeting_rsvps::table
        .find(id.to_string())
        .filter(meeting_rsvps::meeting_id.eq(meeting.to_string()))
        .filter(meeting_rsvps::scheduled_on.eq(scheduled_on))
        .select(COLUMNS)
        .first::<RsvpRow>(c)
        .optional()?
        .ok_or_else(|| PersistenceError::NotFound {
            entity: "RSVP",
            id: id.to_string(),
        })
        .and_then(rsvp)
}

/// Deletes an RSVP.
pub fn delete(c: &mut DbConnection, id: RsvpId) -> Result<(), PersistenceError> {
    diesel::delete(meeting_rsvps::table.find(id.to_string())).execute(c)?;
    Ok(())
}

/// How many RSVPs of one occurrence are in this status.
pub fn count(
    c: &mut DbConnection,
    meeting: MeetingId,
    scheduled_on: NaiveDate,
    status: RsvpStatus,
) -> Result<u64, PersistenceError> {
    let n: i64 = meeting_rsvps::table
        .filter(meeting_rsvps::meeting_id.eq(meeting.to_string()))
        .filter(meeting_rsvps::scheduled_on.eq(scheduled_on))
        .filter(meeting_rsvps::status.eq(status.as_str()))
        .count()
        .get_result(c)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// A waitlisted RSVP's place in the queue, from 1; nothing for one that has a place.
pub fn waitlist_position(c: &mut DbConnection, r: &Rsvp) -> Result<Option<u64>, PersistenceError> {
    if r.status != RsvpStatus::Waitlisted {
        return Ok(None);
    }
    let created = to_db(r.created_at);
    let ahead: i64 = meeting_rsvps::table
        .filter(meeting_rsvps::meeting_id.eq(r.meeting.to_string()))
        .filter(meeting_rsvps::scheduled_on.eq(r.scheduled_on))
        .filter(meeting_rsvps::status.eq(RsvpStatus::Waitlisted.as_str()))
        .filter(
            meeting_rsvps::created_at
                .lt(created)
                .or(meeting_rsvps::created_at
                    .eq(created)
                    .and(meeting_rsvps::id.lt(r.id.to_string()))),
        )
        .count()
        .get_result(c)?;
    Ok(Some(u64::try_from(ahead).unwrap_or(0) + 1))
}

/// Gives free places of one occurrence to the waitlist, first come first served. Answers how
/// many people were promoted.
pub fn fill_places(
    c: &mut DbConnection,
    meeting: MeetingId,
    scheduled_on: NaiveDate,
    capacity: Option<u32>,
    now: DateTime<Utc>,
) -> Result<u64, PersistenceError> {
    let waiting = count(c, meeting, scheduled_on, RsvpStatus::Waitlisted)?;
    if waiting == 0 {
        return Ok(0);
    }
    let going = count(c, meeting, scheduled_on, RsvpStatus::Going)?;
    let promote = places_free(capacity, going, waiting);
    if promote == 0 {
        return Ok(0);
    }
    let next: Vec<String> = meeting_rsvps::table
        .filter(meeting_rsvps::meeting_id.eq(meeting.to_string()))
        .filter(meeting_rsvps::scheduled_on.eq(scheduled_on))
        .filter(meeting_rsvps::status.eq(RsvpStatus::Waitlisted.as_str()))
        .order((meeting_rsvps::created_at.asc(), meeting_rsvps::id.asc()))
        .limit(i64::try_from(promote).unwrap_or(i64::MAX))
        .select(meeting_rsvps::id)
        .load(c)?;
    diesel::update(meeting_rsvps::table.filter(meeting_rsvps::id.eq_any(&next)))
        .set((
            meeting_rsvps::status.eq(RsvpStatus::Going.as_str()),
            meeting_rsvps::updated_at.eq(to_db(now)),
        ))
        .execute(c)?;
    Ok(promote)
}

/// Records the person as present at `at`, or not (`None`). Someone on the waitlist who was
/// let in is recorded as present without being given a place, so undoing a mistaken check-in
/// leaves the places as they were.
pub fn set_check_in(
    c: &mut DbConnection,
    id: RsvpId,
    at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    diesel::update(meeting_rsvps::table.find(id.to_string()))
        .set((
            meeting_rsvps::checked_in_at.eq(at.map(to_db)),
            meeting_rsvps::updated_at.eq(to_db(now)),
        ))
        .execute(c)?;
    Ok(())
}

/// An RSVP with the display name of the person who made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedRsvp {
    /// The RSVP.
    pub rsvp: Rsvp,
    /// The person's display name.
    pub display_name: String,
}

/// Every RSVP of one occurrence: places first, then the waitlist, each in order of arrival.
pub fn of_occurrence(
    c: &mut DbConnection,
    meeting: MeetingId,
    scheduled_on: NaiveDate,
) -> Result<Vec<NamedRsvp>, PersistenceError> {
    let rows: Vec<(RsvpRow, String)> = meeting_rsvps::table
        .inner_join(accounts::table)
        .filter(meeting_rsvps::meeting_id.eq(meeting.to_string()))
        .filter(meeting_rsvps::scheduled_on.eq(scheduled_on))
        // "going" sorts before "waitlisted".
        .order((
            meeting_rsvps::status.asc(),
            meeting_rsvps::created_at.asc(),
            meeting_rsvps::id.asc(),
        ))
        .select((COLUMNS, accounts::display_name))
        .load(c)?;
    rows.into_iter()
        .map(|(row, display_name)| {
            Ok(NamedRsvp {
                rsvp: rsvp(row)?,
                display_name,
            })
        })
        .collect()
}

/// Brings the RSVPs of the meeting's occurrences that have not ended in line with it: new
/// times for moved occurrences, places from the waitlist when the capacity grew, and none for
/// a date the meeting no longer falls on (or a deleted meeting), since nobody can go there.
pub fn reschedule(
    c: &mut DbConnection,
    meeting: &Meeting,
    exceptions: &[MeetingException],
    now: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    let id = meeting.id.to_string();
    let mut upcoming: Vec<(NaiveDate, NaiveDateTime, NaiveDateTime)> = meeting_rsvps::table
        .filter(meeting_rsvps::meeting_id.eq(&id))
        .filter(meeting_rsvps::ends_at.gt(to_db(now)))
        .select((
            meeting_rsvps::scheduled_on,
            meeting_rsvps::starts_at,
            meeting_rsvps::ends_at,
        ))
        .load(c)?;
    upcoming.sort();
    upcoming.dedup();
    for (date, starts_at, ends_at) in upcoming {
        let of_date = meeting_rsvps::table
            .filter(meeting_rsvps::meeting_id.eq(&id))
            .filter(meeting_rsvps::scheduled_on.eq(date));
        let occurrence = meeting
            .deleted_at
            .is_none()
            .then(|| meeting.occurrence_on(exceptions, date))
            .flatten();
        let Some(scheduled) = occurrence else {
            diesel::delete(of_date.filter(meeting_rsvps::checked_in_at.is_null())).execute(c)?;
            continue;
        };
        let o = scheduled.occurrence;
        if (to_db(o.start), to_db(o.end)) != (starts_at, ends_at) {
            diesel::update(of_date)
                .set((
                    meeting_rsvps::starts_at.eq(to_db(o.start)),
                    meeting_rsvps::ends_at.eq(to_db(o.end)),
                ))
                .execute(c)?;
        }
        fill_places(c, meeting.id, date, meeting.details.capacity, now)?;
    }
    Ok(())
}

/// Withdraws the person's RSVPs to occurrences that have not ended (those they were already
/// checked in at stay), in one group's meetings or, for `None`, in every group; the places
/// they held go to the waitlists. For someone who leaves a group, or whose account is erased.
pub fn withdraw(
    c: &mut DbConnection,
    account: AccountId,
    group: Option<GroupId>,
    now: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    let held = |c: &mut DbConnection| {
        let mut query = meeting_rsvps::table
            .inner_join(meetings::table)
            .filter(meeting_rsvps::account_id.eq(account.to_string()))
            .filter(meeting_rsvps::ends_at.gt(to_db(now)))
            .filter(meeting_rsvps::checked_in_at.is_null())
            .into_boxed();
        if let Some(group) = group {
            query = query.filter(meetings::group_id.eq(group.to_string()));
        }
        query
            .order((meetings::group_id.asc(), meeting_rsvps::id.asc()))
            .select((
                meetings::group_id,
                meeting_rsvps::id,
                meeting_rsvps::scheduled_on,
                meeting_rsvps::meeting_id,
                meeting_rsvps::status,
                meetings::capacity,
            ))
            .load::<(String, String, NaiveDate, String, String, Option<i32>)>(c)
    };
    // Every writer of RSVPs locks the group first, in one order; what was held is read again
    // under the locks, since a waitlisted RSVP may have been promoted meanwhile.
    let mut groups: Vec<String> = held(c)?.into_iter().map(|row| row.0).collect();
    groups.dedup();
    for group in groups {
        crate::groups::lock(c, GroupId(parse_id(&group, "group")?))?;
    }
    for (_, id, date, meeting, status, capacity) in held(c)? {
        diesel::delete(meeting_rsvps::table.find(&id)).execute(c)?;
        if status == RsvpStatus::Going.as_str() {
            let capacity = capacity.and_then(|n| u32::try_from(n).ok());
            let meeting = MeetingId(parse_id(&meeting, "meeting")?);
            fill_places(c, meeting, date, capacity, now)?;
        }
    }
    Ok(())
}

/// Deletes every RSVP the person ever made, past ones included, after withdrawing the ones
/// still to come: for erasing their account.
pub fn erase_all_of(
    c: &mut DbConnection,
    account: AccountId,
    now: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    withdraw(c, account, None, now)?;
    diesel::delete(meeting_rsvps::table.filter(meeting_rsvps::account_id.eq(account.to_string())))
        .execute(c)?;
    Ok(())
}

/// Which of a person's RSVPs their attendance history lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AttendanceFilter {
    /// Occurrences starting at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Occurrences starting before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Only occurrences they were checked in at.
    pub checked_in_only: bool,
    /// Continue after this start and RSVP, going back in time.
    pub before: Option<(DateTime<Utc>, RsvpId)>,
}

/// One line of a person's attendance history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceRecord {
    /// The RSVP.
    pub rsvp: Rsvp,
    /// The meeting's title.
    pub meeting_title: String,
    /// The meeting's time zone.
    pub time_zone: String,
    /// The group.
    pub group: GroupId,
    /// The group's name.
    pub group_name: String,
}

/// The person's RSVPs, latest occurrence first, at most `limit` of them.
pub fn history(
    c: &mut DbConnection,
    account: AccountId,
    filter: AttendanceFilter,
    limit: i64,
) -> Result<Vec<AttendanceRecord>, PersistenceError> {
    let mut query = meeting_rsvps::table
        .inner_join(meetings::table.inner_join(support_groups::table))
        .filter(meeting_rsvps::account_id.eq(account.to_string()))
        .into_boxed();
    if let Some(from) = filter.from {
        query = query.filter(meeting_rsvps::starts_at.ge(to_db(from)));
    }
    if let Some(to) = filter.to {
        query = query.filter(meeting_rsvps::starts_at.lt(to_db(to)));
    }
    if filter.checked_in_only {
        query = query.filter(meeting_rsvps::checked_in_at.is_not_null());
    }
    if let Some((start, id)) = filter.before {
        let start = to_db(start);
        query = query.filter(
            meeting_rsvps::starts_at
                .lt(start)
                .or(meeting_rsvps::starts_at
                    .eq(start)
                    .and(meeting_rsvps::id.lt(id.to_string()))),
        );
    }
    let rows: Vec<(RsvpRow, String, String, String, String)> = query
        .order((meeting_rsvps::starts_at.desc(), meeting_rsvps::id.desc()))
        .limit(limit)
        .select((
            COLUMNS,
            meetings::title,
            meetings::time_zone,
            support_groups::id,
            support_groups::name,
        ))
        .load(c)?;
    rows.into_iter()
        .map(|(row, meeting_title, time_zone, group, group_name)| {
            Ok(AttendanceRecord {
                rsvp: rsvp(row)?,
                meeting_title,
                time_zone,
                group: GroupId(parse_id(&group, "group")?),
                group_name,
            })
        })
        .collect()
}
