//! Meetings of a group: where (a venue, a call, or both), when (a schedule in the meeting's own
//! time zone), what kind (Meeting Guide types), and exceptions to single occurrences.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc};

use crate::DomainError;
use crate::group::{GroupId, Point, is_https_url, is_phone, parse_place, parse_text};
use crate::identifier::identifier;
use crate::meeting_type::MeetingType;
use crate::schedule::{MAX_YEAR, MIN_YEAR, Occurrence, Schedule};
use crate::vocabulary::vocabulary;

identifier! {
    /// A meeting's public identifier.
    pub struct MeetingId;
}

vocabulary! {
    /// How people attend.
    pub enum AttendanceMode {
        /// At a venue.
        InPerson = "in_person",
        /// By video or phone.
        Online = "online",
        /// Both at once.
        Hybrid = "hybrid",
    }
}

impl AttendanceMode {
    /// Whether it happens at a venue.
    pub fn has_venue(self) -> bool {
        matches!(self, Self::InPerson | Self::Hybrid)
    }

    /// Whether people can join remotely.
    pub fn is_online(self) -> bool {
        matches!(self, Self::Online | Self::Hybrid)
    }
}

/// Where an in-person meeting is.
#[derive(Debug, Clone, PartialEq)]
pub struct Venue {
    /// The building or place, such as "St. Mark's Church Hall".
    pub name: Option<String>,
    /// Street address.
    pub street: Option<String>,
    /// Town or city.
    pub locality: Option<String>,
    /// State or region.
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: Option<String>,
    /// The whole address on one line, as a map search would take it.
    pub formatted_address: String,
    /// Where it is.
    pub point: Point,
    /// Directions: "side door, basement".
    pub notes: Option<String>,
}

/// How to join a meeting remotely. Shown to the group's members only, unless the meeting is
/// marked public.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnlineAccess {
    /// The video call's https URL.
    pub conference_url: Option<String>,
    /// A dial-in number.
    pub conference_phone: Option<String>,
    /// Meeting id, passcode hints, and the like.
    pub notes: Option<String>,
}

/// A meeting as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Meeting {
    /// Its id.
    pub id: MeetingId,
    /// The group it belongs to.
    pub group: GroupId,
    /// What facilitators edit.
    pub details: MeetingDetails,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it was deleted, if it was.
    pub deleted_at: Option<DateTime<Utc>>,
}

/// Everything about a meeting that facilitators edit.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingDetails {
    /// Its title.
    pub title: String,
    /// How people attend.
    pub mode: AttendanceMode,
    /// Where, for in-person and hybrid meetings.
    pub venue: Option<Venue>,
    /// How to join, for online and hybrid meetings.
    pub online: Option<OnlineAccess>,
    /// The zone its schedule's times are in.
    pub time_zone: chrono_tz::Tz,
    /// How long each occurrence lasts.
    pub duration_minutes: u32,
    /// Meeting Guide types, sorted, each once.
    pub types: Vec<MeetingType>,
    /// Languages (BCP 47).
    pub languages: Vec<String>,
    /// Most attendees per occurrence, if limited.
    pub capacity: Option<u32>,
    /// When it happens.
    pub schedule: Schedule,
    /// Whether join links are shown to everyone, not only the group's members.
    pub public_links: bool,
}

/// Shortest meeting, in minutes.
pub const MIN_DURATION_MINUTES: u32 = 5;
/// Longest meeting, in minutes.
pub const MAX_DURATION_MINUTES: u32 = 720;

impl MeetingDetails {
    /// Checks that the parts fit together: a venue exactly when people attend in person, a
    /// way to join exactly when they attend online.
    pub fn check(self) -> Result<Self, DomainError> {
        if !(MIN_DURATION_MINUTES..=MAX_DURATION_MINUTES).contains(&self.duration_minutes) {
            return Err(invalid(
                "duration_minutes",
                "range",
                "must be 5 to 720 minutes",
            ));
        }
        match (self.mode.has_venue(), &self.venue) {
            (true, None) => {
                return Err(invalid(
                    "venue",
                    "required",
                    "in-person and hybrid meetings need a venue",
                ));
            }
            (false, Some(_)) => {
                return Err(invalid(
                    "venue",
                    "not_allowed",
                    "online meetings have no venue",
                ));
            }
            _ => {}
        }
        match (self.mode.is_online(), &self.online) {
            (true, None) => {
                return Err(invalid(
                    "online",
                    "required",
                    "online and hybrid meetings need a conference URL or phone",
                ));
            }
            (true, Some(access))
                if access.conference_url.is_none() && access.conference_phone.is_none() =>
            {
                return Err(invalid(
                    "online",
                    "required",
                    "online and hybrid meetings need a conference URL or phone",
                ));
            }
            (false, Some(_)) => {
                return Err(invalid(
                    "online",
                    "not_allowed",
                    "in-person meetings have no conference details",
                ));
            }
            _ => {}
        }
        if self.capacity.is_some_and(|c| !(1..=10_000).contains(&c)) {
            return Err(invalid("capacity", "range", "must be 1 to 10000"));
        }
        Ok(self)
    }

    /// How long each occurrence lasts.
    pub fn duration(&self) -> Duration {
        Duration::minutes(i64::from(self.duration_minutes))
    }
}

/// A change to one occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingException {
    /// The local date the occurrence is scheduled on.
    pub scheduled_on: NaiveDate,
    /// It does not take place.
    pub cancelled: bool,
    /// It starts at this local time instead.
    pub moved_to: Option<NaiveDateTime>,
    /// A note for attendees: "in the small hall this week".
    pub note: Option<String>,
}

/// An occurrence with what its exception changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledOccurrence {
    /// When it happens (moved, if it was).
    pub occurrence: Occurrence,
    /// Its exception, if any.
    pub exception: Option<MeetingException>,
}

impl Meeting {
    /// The occurrences overlapping `[from, to)`, with exceptions applied: moved ones at their
    /// new time, cancelled ones kept and marked, so that clients can say so.
    pub fn occurrences(
        &self,
        exceptions: &[MeetingException],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<ScheduledOccurrence> {
        let details = &self.details;
        // A moved occurrence may land in the window from a date outside it: widen by the
        // largest move allowed, when something moved. Nearly nothing does, and widening
        // doubles the expansion behind every next occurrence a search shows.
        let reach = if exceptions.iter().any(|e| e.moved_to.is_some()) {
            Duration::days(MAX_MOVE_DAYS)
        } else {
            Duration::zero()
        };
        let mut found: Vec<ScheduledOccurrence> = details
            .schedule
            .occurrences(
                details.time_zone,
                details.duration(),
                from - reach,
                to + reach,
            )
            .into_iter()
            .map(|occurrence| self.with_exception(occurrence, exceptions))
            .filter(|s| s.occurrence.end > from && s.occurrence.start < to)
            .collect();
        found.sort_by_key(|s| s.occurrence.start);
        found
    }

    /// The first occurrence not cancelled that has not ended by `now` (one under way
    /// included), within about a year. A near window is tried first, since nearly every
    /// meeting meets within a fortnight and expanding a year of it costs a hundred times more.
    pub fn next_occurrence(
        &self,
        exceptions: &[MeetingException],
        now: DateTime<Utc>,
    ) -> Option<ScheduledOccurrence> {
        let (near, far) = (now + Duration::days(15), now + Duration::days(400));
        [(now, near), (near, far)]
            .into_iter()
            .find_map(|(from, to)| {
                self.occurrences(exceptions, from, to)
                    .into_iter()
                    .find(|s| !s.exception.as_ref().is_some_and(|e| e.cancelled))
            })
    }

    /// The occurrence scheduled on the local date `date`, with its exception applied, if the
    /// meeting falls on that date.
    pub fn occurrence_on(
        &self,
        exceptions: &[MeetingException],
        date: NaiveDate,
    ) -> Option<ScheduledOccurrence> {
        let details = &self.details;
        let in_range = (MIN_YEAR..=MAX_YEAR).contains(&date.year());
        (in_range && details.schedule.falls_on(date)).then(|| {
            let local = date.and_time(details.schedule.start_time);
            let occurrence = Occurrence::at(details.time_zone, date, local, details.duration());
            self.with_exception(occurrence, exceptions)
        })
    }

    fn with_exception(
        &self,
        occurrence: Occurrence,
        exceptions: &[MeetingException],
    ) -> ScheduledOccurrence {
        let details = &self.details;
        let exception = exceptions
            .iter()
            .find(|e| e.scheduled_on == occurrence.scheduled_on)
            .cloned();
        let occurrence = match exception.as_ref().and_then(|e| e.moved_to) {
            Some(local) => Occurrence::at(
                details.time_zone,
                occurrence.scheduled_on,
                local,
                details.duration(),
            ),
            None => occurrence,
        };
        ScheduledOccurrence {
            occurrence,
            exception,
        }
    }
}

/// Checks a meeting's title: 3 to 120 characters, trimmed, no control characters.
pub fn parse_title(raw: &str) -> Result<String, DomainError> {
    let title = raw.trim();
    let chars = title.chars().count();
    if !(3..=120).contains(&chars) || title.chars().any(char::is_control) {
        return Err(invalid("title", "length", "must be 3 to 120 characters"));
    }
    Ok(title.to_owned())
}

/// Most type codes on one meeting.
pub const MAX_TYPES: usize = 20;

/// Reads Meeting Guide type codes: each known (`ONL` is refused, it follows from the
/// attendance mode), each once, at most 20; returned sorted.
pub fn parse_types(codes: &[String]) -> Result<Vec<MeetingType>, DomainError> {
    let mut types = Vec::with_capacity(codes.len());
    for (at, code) in codes.iter().enumerate() {
        let known = MeetingType::parse(code).ok_or_else(|| DomainError::Invalid {
            field: format!("types[{at}]"),
            code: "type",
            message: if code == "ONL" {
                "ONL follows from attendance_mode; do not send it".to_owned()
            } else {
                format!("`{code}` is not a Meeting Guide type code")
            },
        })?;
        types.push(known);
    }
    let count = types.len();
    types.sort();
    types.dedup();
    if types.len() != count || count > MAX_TYPES {
        return Err(invalid(
            "types",
            "tags",
            "must hold at most 20 codes, each once",
        ));
    }
    Ok(types)
}

/// A venue as a client describes it, before it is checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VenueInput<'a> {
    /// The building or place.
    pub name: Option<&'a str>,
    /// Street address.
    pub street: Option<&'a str>,
    /// Town or city.
    pub locality: Option<&'a str>,
    /// State or region.
    pub region: Option<&'a str>,
    /// Postal code.
    pub postal_code: Option<&'a str>,
    /// Country code.
    pub country: Option<&'a str>,
    /// The one-line address.
    pub formatted_address: &'a str,
    /// Latitude.
    pub latitude: f64,
    /// Longitude.
    pub longitude: f64,
    /// Directions.
    pub notes: Option<&'a str>,
}

impl Venue {
    /// Checks every part of a venue; errors name `venue.<part>`.
    pub fn parse(input: VenueInput<'_>) -> Result<Self, DomainError> {
        let formatted_address = parse_text(
            Some(input.formatted_address),
            "venue.formatted_address",
            300,
        )?
        .ok_or_else(|| invalid("venue.formatted_address", "required", "must not be empty"))?;
        let place = parse_place("venue", input.locality, input.region, input.country)?;
        Ok(Self {
            name: parse_text(input.name, "venue.name", 200)?,
            street: parse_text(input.street, "venue.street", 200)?,
            locality: place.locality,
            region: place.region,
            postal_code: parse_text(input.postal_code, "venue.postal_code", 20)?,
            country: place.country,
            formatted_address,
            point: Point::new(input.latitude, input.longitude, "venue")?,
            notes: parse_text(input.notes, "venue.notes", 500)?,
        })
    }
}

impl OnlineAccess {
    /// Checks a call's https URL, dial-in number and notes; errors name `online.<part>`.
    pub fn parse(
        conference_url: Option<&str>,
        conference_phone: Option<&str>,
        notes: Option<&str>,
    ) -> Result<Self, DomainError> {
        let url = parse_text(conference_url, "online.conference_url", 500)?;
        if url.as_deref().is_some_and(|url| !is_https_url(url)) {
            return Err(invalid(
                "online.conference_url",
                "url",
                "must be an https URL",
            ));
        }
        let phone = parse_text(conference_phone, "online.conference_phone", 30)?;
        if phone.as_deref().is_some_and(|phone| !is_phone(phone)) {
            return Err(invalid(
                "online.conference_phone",
                "phone",
                "must be a phone number of 7 to 15 digits",
            ));
        }
        Ok(Self {
            conference_url: url,
            conference_phone: phone,
            notes: parse_text(notes, "online.notes", 500)?,
        })
    }
}

/// Furthest an occurrence may be moved from its scheduled date, in days.
pub const MAX_MOVE_DAYS: i64 = 7;

/// Checks an exception against the schedule: the date must be one the meeting falls on, a
/// move stays within a week of it.
pub fn check_exception(
    schedule: &Schedule,
    exception: MeetingException,
) -> Result<MeetingException, DomainError> {
    if !schedule.falls_on(exception.scheduled_on) {
        return Err(invalid(
            "date",
            "not_scheduled",
            "the meeting is not scheduled on this date",
        ));
    }
    if let Some(moved) = exception.moved_to {
        let days = (moved.date() - exception.scheduled_on).num_days().abs();
        if days > MAX_MOVE_DAYS {
            return Err(invalid(
                "moved_to",
                "range",
                "must be within 7 days of the scheduled date",
            ));
        }
    }
    if exception
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > 500)
    {
        return Err(invalid("note", "length", "must be at most 500 characters"));
    }
    if !exception.cancelled && exception.moved_to.is_none() && exception.note.is_none() {
        return Err(invalid("exception", "empty", "cancel, move or add a note"));
    }
    Ok(exception)
}

fn invalid(field: &str, code: &'static str, message: &str) -> DomainError {
    DomainError::Invalid {
        field: field.to_owned(),
        code,
        message: message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveTime, TimeZone, Weekday};

    use super::*;
    use crate::schedule::Recurrence;

    fn details(mode: AttendanceMode) -> MeetingDetails {
        MeetingDetails {
            title: "Tuesday Night".to_owned(),
            mode,
            venue: mode.has_venue().then(|| Venue {
                name: None,
                street: None,
                locality: None,
                region: None,
                postal_code: None,
                country: None,
                formatted_address: "1 Main St, Springfield".to_owned(),
                point: Point {
                    latitude: 40.0,
                    longitude: -74.0,
                },
                notes: None,
            }),
            online: mode.is_online().then(|| OnlineAccess {
                conference_url: Some("https://meet.example.org/abc".to_owned()),
                conference_phone: None,
                notes: None,
            }),
            time_zone: chrono_tz::America::New_York,
            duration_minutes: 60,
            types: vec![],
            languages: vec!["en".to_owned()],
            capacity: None,
            schedule: Schedule::new(
                Recurrence::Weekly {
                    weekdays: vec![Weekday::Tue],
                    interval: 1,
                },
                NaiveTime::from_hms_opt(19, 0, 0).unwrap(),
                NaiveDate::from_ymd_opt(2026, 1, 6).unwrap(),
                None,
            )
            .unwrap(),
            public_links: false,
        }
    }

    fn tuesday_night() -> Meeting {
        Meeting {
            id: MeetingId::new(),
            group: GroupId::new(),
            details: details(AttendanceMode::InPerson),
            created_at: Utc::now(),
            updated_at: Utc::now(),
            deleted_at: None,
        }
    }

    #[test]
    fn venues_and_calls_follow_the_attendance_mode() {
        for mode in AttendanceMode::ALL {
            assert!(details(*mode).check().is_ok(), "{mode:?}");
        }
        let mut online_with_venue = details(AttendanceMode::Online);
        online_with_venue.venue = details(AttendanceMode::InPerson).venue;
        assert!(online_with_venue.check().is_err());
        let mut hybrid_without_call = details(AttendanceMode::Hybrid);
        hybrid_without_call.online = None;
        assert!(hybrid_without_call.check().is_err());
        let mut silent_call = details(AttendanceMode::Online);
        silent_call.online = Some(OnlineAccess {
            conference_url: None,
            conference_phone: None,
            notes: None,
        });
        assert!(silent_call.check().is_err());
        let mut endless = details(AttendanceMode::Online);
        endless.duration_minutes = 721;
        assert!(endless.check().is_err());
    }

    #[test]
    fn exceptions_cancel_move_and_annotate_single_occurrences() {
        let meeting = tuesday_night();
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        let exceptions = [
            MeetingException {
                scheduled_on: day(3),
                cancelled: true,
                moved_to: None,
                note: None,
            },
            MeetingException {
                scheduled_on: day(10),
                cancelled: false,
                moved_to: Some(day(12).and_hms_opt(18, 0, 0).unwrap()),
                note: Some("Thursday this week".to_owned()),
            },
        ];
        let found = meeting.occurrences(
            &exceptions,
            Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 3, 18, 0, 0, 0).unwrap(),
        );
        let summary: Vec<(NaiveDate, NaiveDateTime, bool)> = found
            .iter()
            .map(|s| {
                (
                    s.occurrence.scheduled_on,
                    s.occurrence.local_start,
                    s.exception.as_ref().is_some_and(|e| e.cancelled),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (day(3), day(3).and_hms_opt(19, 0, 0).unwrap(), true),
                (day(10), day(12).and_hms_opt(18, 0, 0).unwrap(), false),
                (day(17), day(17).and_hms_opt(19, 0, 0).unwrap(), false),
            ]
        );
        assert_eq!(
            found[1].occurrence.start,
            Utc.with_ymd_and_hms(2026, 3, 12, 22, 0, 0).unwrap(),
            "EDT after the 8th"
        );
    }

    #[test]
    fn an_occurrence_moved_into_a_window_from_outside_it_is_found() {
        let meeting = tuesday_night();
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        let (from, to) = (
            Utc.with_ymd_and_hms(2026, 3, 12, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 3, 14, 0, 0, 0).unwrap(),
        );
        assert!(meeting.occurrences(&[], from, to).is_empty(), "no Tuesday");
        let moved_from_the_next_tuesday = [MeetingException {
            scheduled_on: day(17),
            cancelled: false,
            moved_to: Some(day(13).and_hms_opt(18, 0, 0).unwrap()),
            note: None,
        }];
        let found = meeting.occurrences(&moved_from_the_next_tuesday, from, to);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].occurrence.scheduled_on, day(17));
        assert_eq!(
            found[0].occurrence.start,
            Utc.with_ymd_and_hms(2026, 3, 13, 22, 0, 0).unwrap()
        );
    }

    #[test]
    fn type_codes_are_known_unique_and_never_onl() {
        let codes = |list: &[&str]| list.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            parse_types(&codes(&["O", "B"])),
            Ok(vec![MeetingType::BigBook, MeetingType::Open])
        );
        assert!(parse_types(&codes(&["ONL"])).is_err());
        assert!(parse_types(&codes(&["ZZZ"])).is_err());
        assert!(parse_types(&codes(&["B", "B"])).is_err());
    }

    #[test]
    fn calls_need_https_and_real_phone_numbers() {
        assert!(
            OnlineAccess::parse(
                Some("https://meet.example.org/x"),
                Some("+1 646 555 0100"),
                None
            )
            .is_ok()
        );
        assert!(OnlineAccess::parse(Some("http://meet.example.org/x"), None, None).is_err());
        assert!(OnlineAccess::parse(None, Some("call us"), None).is_err());
        assert_eq!(
            OnlineAccess::parse(Some("  "), None, Some(" ")),
            Ok(OnlineAccess {
                conference_url: None,
                conference_phone: None,
                notes: None
            })
        );
    }

    #[test]
    fn exceptions_must_name_a_scheduled_date_and_stay_near_it() {
        let schedule = details(AttendanceMode::Online).schedule;
        let tuesday = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
        let exception = |on: NaiveDate, moved: Option<NaiveDateTime>, cancelled| MeetingException {
            scheduled_on: on,
            cancelled,
            moved_to: moved,
            note: None,
        };
        assert!(check_exception(&schedule, exception(tuesday, None, true)).is_ok());
        assert!(
            check_exception(
                &schedule,
                exception(tuesday.succ_opt().unwrap(), None, true)
            )
            .is_err()
        );
        assert!(check_exception(&schedule, exception(tuesday, None, false)).is_err());
        let far = (tuesday + Duration::days(8)).and_hms_opt(19, 0, 0);
        assert!(check_exception(&schedule, exception(tuesday, far, false)).is_err());
    }
}
