//! The materialised table of upcoming meeting occurrences, and search over it.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc, Weekday};
use diesel::prelude::*;
use hearth_domain::group::{BoundingBox, FocusArea, GroupId, Point};
use hearth_domain::meeting::{AttendanceMode, Meeting, MeetingException, MeetingId};
use hearth_domain::meeting_type::MeetingType;

use crate::ids::parse_id;
use crate::like;
use crate::schema::{meeting_occurrences, meetings};
use crate::time::{from_db, to_db};
use crate::{DbConnection, PersistenceError};

/// One materialised occurrence, as written.
#[derive(Insertable)]
#[diesel(table_name = meeting_occurrences)]
pub(crate) struct NewOccurrence {
    meeting_id: String,
    scheduled_on: NaiveDate,
    group_id: String,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    cancelled: bool,
    attendance_mode: String,
    latitude: Option<f64>,
    longitude: Option<f64>,
    types: String,
    languages: String,
    listed: bool,
    local_weekday: i32,
    local_minutes: i32,
    cell: Option<i32>,
}

/// The rows that materialise the meeting's occurrences in `[from, until)`: none for a deleted
/// meeting.
pub(crate) fn rows(
    meeting: &Meeting,
    exceptions: &[MeetingException],
    listed: bool,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<NewOccurrence> {
    if meeting.deleted_at.is_some() {
        return Vec::new();
    }
    let d = &meeting.details;
    let delimited = |values: Vec<String>| format!(",{},", values.join(","));
    let types = delimited(d.types.iter().map(|t| t.as_str().to_owned()).collect());
    let languages = delimited(d.languages.iter().map(|l| l.to_lowercase()).collect());
    let point = d.venue.as_ref().map(|v| v.point);
    let as_i32 = |n: u32| i32::try_from(n).unwrap_or(0);
    meeting
        .occurrences(exceptions, from, until)
        .into_iter()
        .map(|scheduled| {
            let o = scheduled.occurrence;
            NewOccurrence {
                meeting_id: meeting.id.to_string(),
                scheduled_on: o.scheduled_on,
                group_id: meeting.group.to_string(),
                starts_at: to_db(o.start),
                ends_at: to_db(o.end),
                cancelled: scheduled.exception.as_ref().is_some_and(|e| e.cancelled),
                attendance_mode: d.mode.as_str().to_owned(),
                latitude: point.map(|p| p.latitude),
                longitude: point.map(|p| p.longitude),
                types: types.clone(),
                languages: languages.clone(),
                listed,
                local_weekday: as_i32(o.local_start.weekday().num_days_from_monday()),
                local_minutes: as_i32(o.local_start.hour() * 60 + o.local_start.minute()),
                cell: point.map(Point::cell),
            }
        })
        .collect()
}

/// Rewrites the meeting's materialised occurrences for `[from, until)`: none for a deleted
/// meeting. `listed` says whether anyone may find them.
pub fn refresh(
    c: &mut DbConnection,
    meeting: &Meeting,
    exceptions: &[MeetingException],
    listed: bool,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    let id = meeting.id.to_string();
    diesel::delete(meeting_occurrences::table.filter(meeting_occurrences::meeting_id.eq(&id)))
        .execute(c)?;
    for row in rows(meeting, exceptions, listed, from, until) {
        diesel::insert_into(meeting_occurrences::table)
            .values(row)
            .execute(c)?;
    }
    diesel::update(meetings::table.find(&id))
        .set(meetings::materialized_until.eq(Some(to_db(until))))
        .execute(c)?;
    Ok(())
}

/// Lists or unlists every occurrence of the group's meetings, when the group becomes public,
/// stops being public, or is archived.
pub fn set_listed(
    c: &mut DbConnection,
    group: GroupId,
    listed: bool,
) -> Result<(), PersistenceError> {
    diesel::update(
        meeting_occurrences::table.filter(meeting_occurrences::group_id.eq(group.to_string())),
    )
    .set(meeting_occurrences::listed.eq(listed))
    .execute(c)?;
    Ok(())
}

/// A meeting and the horizon its occurrences reach, if they were ever materialised.
pub type StaleMeeting = (MeetingId, Option<DateTime<Utc>>);

/// Meetings whose materialised occurrences end before `threshold`, at most `limit` of them,
/// with the horizon each was materialised to.
pub fn stale(
    c: &mut DbConnection,
    threshold: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<StaleMeeting>, PersistenceError> {
    let rows: Vec<(String, Option<NaiveDateTime>)> = meetings::table
        .filter(meetings::deleted_at.is_null())
        .filter(
            meetings::materialized_until
                .is_null()
                .or(meetings::materialized_until.lt(to_db(threshold))),
        )
        .order(meetings::materialized_until.asc())
        .limit(limit)
        .select((meetings::id, meetings::materialized_until))
        .load(c)?;
    rows.into_iter()
        .map(|(id, until)| Ok((MeetingId(parse_id(&id, "meeting")?), until.map(from_db))))
        .collect()
}

/// Claims a stale meeting for one worker: moves its horizon from `seen` to `until` only if no
/// other worker did first. `false` means another node has it.
pub fn claim(
    c: &mut DbConnection,
    id: MeetingId,
    seen: Option<DateTime<Utc>>,
    until: DateTime<Utc>,
) -> Result<bool, PersistenceError> {
    let target = meetings::table.find(id.to_string());
    let claimed = match seen {
        Some(seen) => diesel::update(target.filter(meetings::materialized_until.eq(to_db(seen))))
            .set(meetings::materialized_until.eq(Some(to_db(until))))
            .execute(c)?,
        None => diesel::update(target.filter(meetings::materialized_until.is_null()))
            .set(meetings::materialized_until.eq(Some(to_db(until))))
            .execute(c)?,
    };
    Ok(claimed == 1)
}

/// One materialised occurrence found by a search.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundOccurrence {
    /// The meeting.
    pub meeting: MeetingId,
    /// The local date it is scheduled on.
    pub scheduled_on: NaiveDate,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Where, for meetings with a venue.
    pub latitude: Option<f64>,
    /// Where, for meetings with a venue.
    pub longitude: Option<f64>,
}

/// What a search of occurrences asks for. Empty lists do not filter.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OccurrenceFilter {
    /// Occurrences starting at or after this instant.
    pub starts_after: Option<DateTime<Utc>>,
    /// Occurrences starting before this instant.
    pub starts_before: Option<DateTime<Utc>>,
    /// Occurrences under way at this instant.
    pub in_progress_at: Option<DateTime<Utc>>,
    /// Attendance modes, any of.
    pub modes: Vec<AttendanceMode>,
    /// Type codes, all of.
    pub types: Vec<MeetingType>,
    /// Lower-cased language tags, any of; `es` also matches `es-mx`.
    pub languages: Vec<String>,
    /// Venues inside this box.
    pub within: Option<BoundingBox>,
    /// Local weekdays, any of.
    pub weekdays: Vec<Weekday>,
    /// Local start times from this minute of the day (inclusive) to that one (exclusive);
    /// a window that wraps past midnight (22:00 to 02:00) is understood.
    pub local_minutes: Option<(u32, u32)>,
    /// Groups with any of these focus areas.
    pub focus_areas: Vec<FocusArea>,
}

type OccurrenceRow = (
    String,
    NaiveDate,
    NaiveDateTime,
    NaiveDateTime,
    Option<f64>,
    Option<f64>,
);

/// Where a page continues: after this start, meeting and date.
pub type OccurrencePosition = (DateTime<Utc>, MeetingId, NaiveDate);

/// Listed, not cancelled occurrences matching `filter`, by start, meeting and date (latest
/// start first when the filter asks for occurrences in progress, so that an index read
/// backwards from now meets them at once), after `after`; `limit` of them, or every match
/// when `None` (for sorting by distance).
pub fn search(
    c: &mut DbConnection,
    filter: &OccurrenceFilter,
    after: Option<OccurrencePosition>,
    limit: Option<i64>,
) -> Result<Vec<FoundOccurrence>, PersistenceError> {
    let rows: Vec<OccurrenceRow> = search_query(filter, after, limit).load(c)?;
    rows.into_iter()
        .map(
            |(meeting, scheduled_on, starts_at, ends_at, latitude, longitude)| {
                Ok(FoundOccurrence {
                    meeting: MeetingId(parse_id(&meeting, "meeting")?),
                    scheduled_on,
                    starts_at: from_db(starts_at),
                    ends_at: from_db(ends_at),
                    latitude,
                    longitude,
                })
            },
        )
        .collect()
}

/// The database's plan for a search, one line per step (`EXPLAIN` on PostgreSQL, `EXPLAIN
/// QUERY PLAN` on SQLite), for tests that hold searches to their indexes.
pub fn explain_search(
    c: &mut DbConnection,
    filter: &OccurrenceFilter,
    limit: i64,
) -> Result<Vec<String>, PersistenceError> {
    let query = search_query(filter, None, Some(limit));
    Ok(match c {
        DbConnection::Postgres(_) => {
            Explain::<_, diesel::sql_types::Text>::new("EXPLAIN ", query).load::<String>(c)?
        }
        DbConnection::Sqlite(_) => {
            use diesel::sql_types::{Integer, Text};
            Explain::<_, (Integer, Integer, Integer, Text)>::new("EXPLAIN QUERY PLAN ", query)
                .load::<(i32, i32, i32, String)>(c)?
                .into_iter()
                .map(|(_, _, _, detail)| detail)
                .collect()
        }
    })
}

/// A query prefixed with `EXPLAIN`, read as rows of `ST`.
struct Explain<Q, ST> {
    prefix: &'static str,
    query: Q,
    rows: std::marker::PhantomData<ST>,
}

impl<Q, ST> Explain<Q, ST> {
    fn new(prefix: &'static str, query: Q) -> Self {
        Self {
            prefix,
            query,
            rows: std::marker::PhantomData,
        }
    }
}

impl<Q, ST> diesel::query_builder::QueryId for Explain<Q, ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q, ST> diesel::query_builder::Query for Explain<Q, ST>
where
    ST: diesel::sql_types::SqlType + diesel::expression::TypedExpressionType,
{
    type SqlType = ST;
}

impl<Q, ST, DB> diesel::query_builder::QueryFragment<DB> for Explain<Q, ST>
where
    DB: diesel::backend::Backend,
    Q: diesel::query_builder::QueryFragment<DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()> {
        out.push_sql(self.prefix);
        self.query.walk_ast(out.reborrow())
    }
}

impl<Q, ST, Conn> RunQueryDsl<Conn> for Explain<Q, ST> {}

type SearchQuery = meeting_occurrences::BoxedQuery<
    'static,
    <DbConnection as Connection>::Backend,
    (
        diesel::sql_types::Text,
        diesel::sql_types::Date,
        diesel::sql_types::Timestamp,
        diesel::sql_types::Timestamp,
        diesel::sql_types::Nullable<diesel::sql_types::Double>,
        diesel::sql_types::Nullable<diesel::sql_types::Double>,
    ),
>;

fn search_query(
    filter: &OccurrenceFilter,
    after: Option<OccurrencePosition>,
    limit: Option<i64>,
) -> SearchQuery {
    use meeting_occurrences as o;
    let newest_first = filter.in_progress_at.is_some();
    let mut query = o::table
        .filter(o::listed.eq(true))
        .filter(o::cancelled.eq(false))
        .select((
            o::meeting_id,
            o::scheduled_on,
            o::starts_at,
            o::ends_at,
            o::latitude,
            o::longitude,
        ))
        .into_boxed();
    if let Some(at) = filter.starts_after {
        query = query.filter(o::starts_at.ge(to_db(at)));
    }
    // The start gets one upper bound, the tighter: given both "before the window's end" and
    // "not after now", SQLite's planner (with its STAT4 samples) misjudges the mode index and
    // reads every mode's occurrences through the start index, five times the work.
    match (filter.starts_before, filter.in_progress_at) {
        (Some(before), Some(now)) if before <= now => {
            query = query.filter(o::starts_at.lt(to_db(before)));
        }
        (_, Some(now)) => query = query.filter(o::starts_at.le(to_db(now))),
        (Some(before), None) => query = query.filter(o::starts_at.lt(to_db(before))),
        (None, None) => {}
    }
    if let Some(now) = filter.in_progress_at {
        query = query.filter(o::ends_at.gt(to_db(now)));
    }
    // One mode is an equality: the mode index then still yields its rows in order, and a
    // page stops reading at its end. Over a list of several the index cannot keep its order.
    match filter.modes.as_slice() {
        [] => {}
        [mode] => query = query.filter(o::attendance_mode.eq(mode.as_str())),
        modes => {
            query = query.filter(
                o::attendance_mode.eq_any(modes.iter().map(|m| m.as_str()).collect::<Vec<_>>()),
            );
        }
    }
    for code in &filter.types {
        query = query.filter(
            o::types
                .like(format!("%,{},%", like::escape(code.as_str())))
                .escape('\\'),
        );
    }
    if !filter.languages.is_empty() {
        let mut any: Box<
            dyn BoxableExpression<
                    o::table,
                    <DbConnection as Connection>::Backend,
                    SqlType = diesel::sql_types::Bool,
                >,
        > = Box::new(diesel::dsl::sql::<diesel::sql_types::Bool>("(1 = 0)"));
        for language in &filter.languages {
            let tag = like::escape(language);
            any = Box::new(
                any.or(o::languages.like(format!("%,{tag},%")).escape('\\'))
                    .or(o::languages.like(format!("%,{tag}-%")).escape('\\')),
            );
        }
        query = query.filter(any);
    }
    if let Some(within) = filter.within {
        if let Some(cells) = within.cells() {
            query = query.filter(o::cell.eq_any(cells));
        }
        query = query
            .filter(o::latitude.between(within.min_latitude, within.max_latitude))
            .filter(o::longitude.between(within.min_longitude, within.max_longitude));
    }
    if !filter.weekdays.is_empty() {
        let days: Vec<i32> = filter
            .weekdays
            .iter()
            .map(|d| i32::try_from(d.num_days_from_monday()).unwrap_or(0))
            .collect();
        query = query.filter(o::local_weekday.eq_any(days));
    }
    if let Some((from, to)) = filter.local_minutes {
        let (from, to) = (
            i32::try_from(from).unwrap_or(0),
            i32::try_from(to).unwrap_or(0),
        );
        query = if from <= to {
            query.filter(o::local_minutes.ge(from).and(o::local_minutes.lt(to)))
        } else {
            query.filter(o::local_minutes.ge(from).or(o::local_minutes.lt(to)))
        };
    }
    if !filter.focus_areas.is_empty() {
        use crate::schema::group_tags;
        let values: Vec<&str> = filter.focus_areas.iter().map(|f| f.as_str()).collect();
        query = query.filter(
            o::group_id.eq_any(
                group_tags::table
                    .filter(group_tags::kind.eq(crate::groups::FOCUS))
                    .filter(group_tags::value.eq_any(values))
                    .select(group_tags::group_id),
            ),
        );
    }
    if let Some((at, meeting, date)) = after {
        let at = to_db(at);
        let meeting = meeting.to_string();
        query = if newest_first {
            query.filter(
                o::starts_at.lt(at).or(o::starts_at.eq(at).and(
                    o::meeting_id
                        .lt(meeting.clone())
                        .or(o::meeting_id.eq(meeting).and(o::scheduled_on.lt(date))),
                )),
            )
        } else {
            query.filter(
                o::starts_at.gt(at).or(o::starts_at.eq(at).and(
                    o::meeting_id
                        .gt(meeting.clone())
                        .or(o::meeting_id.eq(meeting).and(o::scheduled_on.gt(date))),
                )),
            )
        };
    }
    query = if newest_first {
        query.order((
            o::starts_at.desc(),
            o::meeting_id.desc(),
            o::scheduled_on.desc(),
        ))
    } else {
        query.order((
            o::starts_at.asc(),
            o::meeting_id.asc(),
            o::scheduled_on.asc(),
        ))
    };
    if let Some(limit) = limit {
        query = query.limit(limit);
    }
    query
}
