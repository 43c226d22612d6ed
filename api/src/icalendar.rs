//! iCalendar (RFC 5545) for meetings: one `VEVENT` per meeting with its `RRULE`, `EXDATE`s
//! for cancelled occurrences and an overriding `VEVENT` (`RECURRENCE-ID`) for each moved or
//! annotated one; times in the meeting's zone with a `VTIMEZONE` written from the tz
//! database, so a calendar places them right on both sides of a daylight-saving change even
//! when it does not know the zone's name.

use actix_web::body::BoxBody;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, Responder};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};
use hearth_domain::meeting::{Meeting, MeetingException};
use hearth_domain::schedule::{Ordinal, Recurrence, resolve_local};

use crate::conditional::{etag_of_bytes, header_lists};

/// The media type of a calendar.
pub const TEXT_CALENDAR: &str = "text/calendar; charset=utf-8";

/// How many years ahead of now a `VTIMEZONE` spells out the zone's changes.
const ZONE_YEARS_AHEAD: i32 = 10;
/// The earliest year a `VTIMEZONE` starts at.
const ZONE_FIRST_YEAR: i32 = 1970;

/// A meeting as a calendar shows it.
#[derive(Debug)]
pub struct CalendarMeeting<'a> {
    /// The meeting.
    pub meeting: &'a Meeting,
    /// Its exceptions.
    pub exceptions: &'a [MeetingException],
    /// Its group's name.
    pub group_name: &'a str,
    /// Whether join links and phone numbers may be shown to this reader.
    pub links: bool,
}

/// A whole calendar: `name` for the calendar, the meetings as events, `now` to bound the time
/// zone definitions.
pub fn calendar(name: &str, meetings: &[CalendarMeeting<'_>], now: DateTime<Utc>) -> String {
    let mut out = Writer::default();
    out.line("BEGIN:VCALENDAR");
    out.line("VERSION:2.0");
    out.line("PRODID:-//Hearth//Hearth API//EN");
    out.line("CALSCALE:GREGORIAN");
    out.line("METHOD:PUBLISH");
    out.line(&format!("X-WR-CALNAME:{}", text(name)));
    let mut zones: Vec<(Tz, i32, i32)> = Vec::new();
    for m in meetings {
        let details = &m.meeting.details;
        let first = details.schedule.starts_on.year().max(ZONE_FIRST_YEAR);
        let last = details
            .schedule
            .ends_on
            .map_or(now.year() + ZONE_YEARS_AHEAD, |end| end.year() + 1)
            .min(now.year() + ZONE_YEARS_AHEAD)
            .max(first);
        match zones
            .iter_mut()
            .find(|(zone, ..)| *zone == details.time_zone)
        {
            Some((_, from, to)) => {
                *from = (*from).min(first);
                *to = (*to).max(last);
            }
            None => zones.push((details.time_zone, first, last)),
        }
    }
    for (zone, from, to) in zones {
        vtimezone(&mut out, zone, from, to);
    }
    for m in meetings {
        vevents(&mut out, m);
    }
    out.line("END:VCALENDAR");
    out.0
}

/// Content lines, each ended with CRLF and folded at 75 octets.
#[derive(Default)]
struct Writer(String);

impl Writer {
    fn line(&mut self, line: &str) {
        let mut width = 0;
        for c in line.chars() {
            if width + c.len_utf8() > 75 {
                self.0.push_str("\r\n ");
                width = 1;
            }
            self.0.push(c);
            width += c.len_utf8();
        }
        self.0.push_str("\r\n");
    }
}

/// A TEXT value, escaped.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

fn local(at: NaiveDateTime) -> String {
    at.format("%Y%m%dT%H%M%S").to_string()
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

fn offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, rest) = (s / 3600, s % 3600 / 60, s % 60);
    if rest == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{rest:02}")
    }
}

/// What a zone observes at one instant: UTC offset, daylight saving or not, abbreviation.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Observance {
    seconds: i32,
    daylight: bool,
    name: Option<String>,
}

fn observance(zone: Tz, at: DateTime<Utc>) -> Observance {
    let offset = zone.offset_from_utc_datetime(&at.naive_utc());
    Observance {
        seconds: offset.fix().local_minus_utc(),
        daylight: offset.dst_offset() != Duration::zero(),
        name: offset.abbreviation().map(str::to_owned),
    }
}

/// Every change of `zone`'s observance in `[from, to)`, to the second: the instant and what
/// it changes from and to. No zone changes twice within a week, so weekly steps find them all.
fn changes(
    zone: Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, Observance, Observance)> {
    let mut found = Vec::new();
    let mut at = from;
    let mut current = observance(zone, at);
    while at < to {
        let next = at + Duration::days(7);
        let after = observance(zone, next);
        if after != current {
            let (mut before, mut changed) = (at, next);
            while changed - before > Duration::seconds(1) {
                let middle = before + Duration::seconds((changed - before).num_seconds() / 2);
                if observance(zone, middle) == current {
                    before = middle;
                } else {
                    changed = middle;
                }
            }
            let new = observance(zone, changed);
            found.push((changed, current, new.clone()));
            current = new;
        }
        at = next;
    }
    found
}

fn observance_component(
    out: &mut Writer,
    onset: NaiveDateTime,
    from: &Observance,
    to: &Observance,
) {
    let kind = if to.daylight { "DAYLIGHT" } else { "STANDARD" };
    out.line(&format!("BEGIN:{kind}"));
    out.line(&format!("DTSTART:{}", local(onset)));
    out.line(&format!("TZOFFSETFROM:{}", offset(from.seconds)));
    out.line(&format!("TZOFFSETTO:{}", offset(to.seconds)));
    if let Some(name) = &to.name {
        out.line(&format!("TZNAME:{}", text(name)));
    }
    out.line(&format!("END:{kind}"));
}

/// The zone's definition from January 1 of `from` to the end of `to`: what it observed then,
/// and every change since, each with its onset in the local time before it.
fn vtimezone(out: &mut Writer, zone: Tz, from: i32, to: i32) {
    let year_start = |year: i32| {
        Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or_default()
    };
    let (start, end) = (year_start(from), year_start(to + 1));
    out.line("BEGIN:VTIMEZONE");
    out.line(&format!("TZID:{}", zone.name()));
    let initial = observance(zone, start);
    let onset = start.naive_utc() + Duration::seconds(i64::from(initial.seconds));
    observance_component(out, onset, &initial, &initial);
    for (at, before, after) in changes(zone, start, end) {
        let onset = at.naive_utc() + Duration::seconds(i64::from(before.seconds));
        observance_component(out, onset, &before, &after);
    }
    out.line("END:VTIMEZONE");
}

fn weekday_code(day: chrono::Weekday) -> &'static str {
    use chrono::Weekday::{Fri, Mon, Sat, Sun, Thu, Tue, Wed};
    match day {
        Mon => "MO",
        Tue => "TU",
        Wed => "WE",
        Thu => "TH",
        Fri => "FR",
        Sat => "SA",
        Sun => "SU",
    }
}

/// The meeting's `RRULE`, if it recurs.
fn rrule(meeting: &Meeting) -> Option<String> {
    let details = &meeting.details;
    let schedule = &details.schedule;
    let rule = match &schedule.recurrence {
        Recurrence::Once => return None,
        Recurrence::Weekly { weekdays, interval } => {
            let days: Vec<&str> = weekdays.iter().map(|d| weekday_code(*d)).collect();
            format!(
                "FREQ=WEEKLY;INTERVAL={interval};BYDAY={};WKST=MO",
                days.join(",")
            )
        }
        Recurrence::Monthly { ordinal, weekday } => {
            let n = match ordinal {
                Ordinal::First => "1",
                Ordinal::Second => "2",
                Ordinal::Third => "3",
                Ordinal::Fourth => "4",
                Ordinal::Last => "-1",
            };
            format!("FREQ=MONTHLY;BYDAY={n}{}", weekday_code(*weekday))
        }
    };
    // With a zoned DTSTART, UNTIL is the UTC instant of the last start (RFC 5545 3.3.10).
    Some(match schedule.ends_on {
        Some(end) => {
            let last = resolve_local(details.time_zone, end.and_time(schedule.start_time));
            format!("{rule};UNTIL={}", utc(last))
        }
        None => rule,
    })
}

/// The first date the meeting meets on: DTSTART must be an occurrence of its own rule.
fn first_date(meeting: &Meeting) -> Option<NaiveDate> {
    let schedule = &meeting.details.schedule;
    let horizon = schedule.starts_on + Duration::days(400);
    schedule.dates(schedule.starts_on, horizon).next()
}

fn vevents(out: &mut Writer, m: &CalendarMeeting<'_>) {
    let meeting = m.meeting;
    let details = &meeting.details;
    let Some(first) = first_date(meeting) else {
        return;
    };
    let zone = details.time_zone.name();
    let start_time = details.schedule.start_time;
    let recurring = details.schedule.recurrence != Recurrence::Once;
    let exceptions: Vec<&MeetingException> = m
        .exceptions
        .iter()
        .filter(|e| details.schedule.falls_on(e.scheduled_on))
        .collect();
    let single = (!recurring).then(|| exceptions.first().copied()).flatten();

    out.line("BEGIN:VEVENT");
    event_header(out, m);
    let start = single
        .and_then(|e| e.moved_to)
        .unwrap_or_else(|| first.and_time(start_time));
    out.line(&format!("DTSTART;TZID={zone}:{}", local(start)));
    out.line(&format!("DURATION:PT{}M", details.duration_minutes));
    if let Some(rule) = rrule(meeting) {
        out.line(&format!("RRULE:{rule}"));
        for e in exceptions.iter().filter(|e| e.cancelled) {
            let original = e.scheduled_on.and_time(start_time);
            out.line(&format!("EXDATE;TZID={zone}:{}", local(original)));
        }
    }
    let cancelled = single.is_some_and(|e| e.cancelled);
    event_body(out, m, single.and_then(|e| e.note.as_deref()), cancelled);
    out.line("END:VEVENT");

    if !recurring {
        return;
    }
    for e in exceptions.iter().filter(|e| !e.cancelled) {
        let original = e.scheduled_on.and_time(start_time);
        out.line("BEGIN:VEVENT");
        event_header(out, m);
        out.line(&format!("RECURRENCE-ID;TZID={zone}:{}", local(original)));
        let start = e.moved_to.unwrap_or(original);
        out.line(&format!("DTSTART;TZID={zone}:{}", local(start)));
        out.line(&format!("DURATION:PT{}M", details.duration_minutes));
        event_body(out, m, e.note.as_deref(), false);
        out.line("END:VEVENT");
    }
}

fn event_header(out: &mut Writer, m: &CalendarMeeting<'_>) {
    let meeting = m.meeting;
    out.line(&format!("UID:{}@hearth", meeting.id));
    out.line(&format!("DTSTAMP:{}", utc(meeting.updated_at)));
    out.line(&format!("CREATED:{}", utc(meeting.created_at)));
    out.line(&format!("LAST-MODIFIED:{}", utc(meeting.updated_at)));
}

fn event_body(out: &mut Writer, m: &CalendarMeeting<'_>, note: Option<&str>, cancelled: bool) {
    let details = &m.meeting.details;
    out.line(&format!("SUMMARY:{}", text(&details.title)));
    let online = details.online.as_ref().filter(|_| m.links);
    let location = match (
        &details.venue,
        online.and_then(|o| o.conference_url.as_deref()),
    ) {
        (Some(venue), _) => Some(match &venue.name {
            Some(name) => format!("{name}, {}", venue.formatted_address),
            None => venue.formatted_address.clone(),
        }),
        (None, Some(url)) => Some(url.to_owned()),
        (None, None) => None,
    };
    if let Some(location) = location {
        out.line(&format!("LOCATION:{}", text(&location)));
    }
    if let Some(venue) = &details.venue {
        out.line(&format!(
            "GEO:{};{}",
            venue.point.latitude, venue.point.longitude
        ));
    }
    if let Some(url) = online.and_then(|o| o.conference_url.as_deref()) {
        out.line(&format!("URL:{url}"));
    }
    let mut description = vec![m.group_name.to_owned()];
    description.extend(note.map(str::to_owned));
    if let Some(online) = online {
        description.extend(online.conference_url.as_ref().map(|u| format!("Join: {u}")));
        description.extend(
            online
                .conference_phone
                .as_ref()
                .map(|p| format!("Phone: {p}")),
        );
        description.extend(online.notes.clone());
    } else if details.online.is_some() {
        description.push("Join details are shown to members of the group.".to_owned());
    }
    description.extend(details.venue.as_ref().and_then(|v| v.notes.clone()));
    out.line(&format!("DESCRIPTION:{}", text(&description.join("\n"))));
    out.line(&format!(
        "STATUS:{}",
        if cancelled { "CANCELLED" } else { "CONFIRMED" }
    ));
}

/// A calendar answer with its `ETag`; 304 when the client's `If-None-Match` already has it.
#[derive(Debug)]
pub struct Calendar(pub String);

impl Responder for Calendar {
    type Body = BoxBody;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse {
        let etag = etag_of_bytes(self.0.as_bytes());
        if header_lists(req, header::IF_NONE_MATCH, &etag) {
            return HttpResponse::NotModified()
                .insert_header((header::ETAG, etag))
                .finish();
        }
        HttpResponse::Ok()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CONTENT_TYPE, TEXT_CALENDAR))
            .body(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let mut out = Writer::default();
        let long = format!("SUMMARY:{}", "é".repeat(60));
        out.line(&long);
        for line in out.0.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{line:?}");
        }
        let unfolded = out.0.replace("\r\n ", "");
        assert_eq!(unfolded, format!("{long}\r\n"));
    }

    #[test]
    fn text_values_escape_what_rfc_5545_reserves() {
        assert_eq!(text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }

    #[test]
    fn offsets_are_written_with_seconds_only_when_needed() {
        assert_eq!(offset(-5 * 3600), "-0500");
        assert_eq!(offset(10 * 3600 + 1800), "+1030");
        assert_eq!(offset(-(4 * 3600 + 56 * 60 + 2)), "-045602");
    }

    #[test]
    fn zone_changes_are_found_to_the_second() {
        let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let to = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        let new_york = changes(chrono_tz::America::New_York, from, to);
        assert_eq!(new_york.len(), 2);
        assert_eq!(
            new_york[0].0,
            Utc.with_ymd_and_hms(2026, 3, 8, 7, 0, 0).unwrap()
        );
        assert_eq!(
            (new_york[0].1.seconds, new_york[0].2.seconds),
            (-5 * 3600, -4 * 3600)
        );
        assert!(new_york[0].2.daylight);
        assert_eq!(
            new_york[1].0,
            Utc.with_ymd_and_hms(2026, 11, 1, 6, 0, 0).unwrap()
        );
        assert!(changes(chrono_tz::America::Phoenix, from, to).is_empty());
        let lord_howe = changes(chrono_tz::Australia::Lord_Howe, from, to);
        assert_eq!(lord_howe.len(), 2);
        assert_eq!(
            lord_howe[0].2.seconds - lord_howe[0].1.seconds,
            -1800,
            "a half-hour change"
        );
    }
}
