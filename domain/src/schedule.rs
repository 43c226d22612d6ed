//! Meeting schedules: local wall-clock times in an IANA zone, expanded into occurrences in UTC,
//! right across daylight-saving changes.
//!
//! A time that a change skips or repeats is resolved as RFC 5545 (iCalendar) resolves it, so
//! Hearth and every calendar that imports its feeds agree to the minute:
//! - in a **gap** (spring forward) the local time is read with the offset in force before the
//!   gap, which lands as far after the gap as it was into it (02:30 on a night New York skips
//!   from 02:00 to 03:00 is 03:30 EDT);
//! - in an **overlap** (fall back) the first of the two instants is meant (01:30 on a night
//!   New York repeats 01:00–02:00 is 01:30 EDT, not EST).

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

use crate::DomainError;
use crate::vocabulary::vocabulary;

vocabulary! {
    /// Which weekday of the month a monthly meeting falls on.
    pub enum Ordinal {
        /// The first.
        First = "first",
        /// The second.
        Second = "second",
        /// The third.
        Third = "third",
        /// The fourth.
        Fourth = "fourth",
        /// The last (the fourth or the fifth).
        Last = "last",
    }
}

vocabulary! {
    /// A day of the week.
    pub enum Day {
        /// Monday.
        Monday = "monday",
        /// Tuesday.
        Tuesday = "tuesday",
        /// Wednesday.
        Wednesday = "wednesday",
        /// Thursday.
        Thursday = "thursday",
        /// Friday.
        Friday = "friday",
        /// Saturday.
        Saturday = "saturday",
        /// Sunday.
        Sunday = "sunday",
    }
}

impl From<Day> for Weekday {
    fn from(day: Day) -> Self {
        match day {
            Day::Monday => Self::Mon,
            Day::Tuesday => Self::Tue,
            Day::Wednesday => Self::Wed,
            Day::Thursday => Self::Thu,
            Day::Friday => Self::Fri,
            Day::Saturday => Self::Sat,
            Day::Sunday => Self::Sun,
        }
    }
}

impl From<Weekday> for Day {
    fn from(day: Weekday) -> Self {
        match day {
            Weekday::Mon => Self::Monday,
            Weekday::Tue => Self::Tuesday,
            Weekday::Wed => Self::Wednesday,
            Weekday::Thu => Self::Thursday,
            Weekday::Fri => Self::Friday,
            Weekday::Sat => Self::Saturday,
            Weekday::Sun => Self::Sunday,
        }
    }
}

/// How a meeting repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recurrence {
    /// Once, on `starts_on`.
    Once,
    /// On these weekdays of every `interval`-th week, counted from the week of `starts_on`
    /// (weeks begin on Monday).
    Weekly {
        /// The weekdays, sorted from Monday, each once.
        weekdays: Vec<Weekday>,
        /// 1 for every week, 2 for every other week, up to 52.
        interval: u32,
    },
    /// On the nth (or last) given weekday of every month.
    Monthly {
        /// Which one.
        ordinal: Ordinal,
        /// Which weekday.
        weekday: Weekday,
    },
}

/// When a meeting happens, in its own zone's wall-clock time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// How it repeats.
    pub recurrence: Recurrence,
    /// The local time it starts.
    pub start_time: NaiveTime,
    /// The first day it may happen (the day of a one-off meeting).
    pub starts_on: NaiveDate,
    /// The last day it may happen, if it ends.
    pub ends_on: Option<NaiveDate>,
}

/// Reads a local wall-clock time written `HH:MM`.
pub fn parse_local_time(raw: &str, field: &str) -> Result<NaiveTime, DomainError> {
    NaiveTime::parse_from_str(raw, "%H:%M").map_err(|_| DomainError::Invalid {
        field: field.to_owned(),
        code: "time",
        message: "must be HH:MM, such as 19:00".to_owned(),
    })
}

/// Earliest year a schedule or a time window may name.
pub const MIN_YEAR: i32 = 1900;
/// Latest year a schedule or a time window may name.
pub const MAX_YEAR: i32 = 2200;

/// Refuses instants outside the years 1900 to 2200, so that date arithmetic on them cannot
/// overflow.
pub fn check_instant(at: DateTime<Utc>, field: &str) -> Result<DateTime<Utc>, DomainError> {
    if (MIN_YEAR..=MAX_YEAR).contains(&at.year()) {
        Ok(at)
    } else {
        Err(DomainError::Invalid {
            field: field.to_owned(),
            code: "range",
            message: "must be in the years 1900 to 2200".to_owned(),
        })
    }
}

/// Most weeks between two meetings of a weekly schedule.
pub const MAX_WEEK_INTERVAL: u32 = 52;

impl Schedule {
    /// Checks the parts of a schedule against each other.
    pub fn new(
        recurrence: Recurrence,
        start_time: NaiveTime,
        starts_on: NaiveDate,
        ends_on: Option<NaiveDate>,
    ) -> Result<Self, DomainError> {
        if let Recurrence::Weekly { weekdays, interval } = &recurrence {
            let mut sorted = weekdays.clone();
            sorted.sort_by_key(Weekday::num_days_from_monday);
            sorted.dedup();
            if weekdays.is_empty() || sorted.len() != weekdays.len() {
                return Err(invalid(
                    "schedule.weekdays",
                    "must name 1 to 7 weekdays, each once",
                ));
            }
            if !(1..=MAX_WEEK_INTERVAL).contains(interval) {
                return Err(invalid("schedule.interval", "must be 1 to 52 weeks"));
            }
        }
        let sane = |date: NaiveDate| (MIN_YEAR..=MAX_YEAR).contains(&date.year());
        if !sane(starts_on) || ends_on.is_some_and(|end| !sane(end)) {
            return Err(invalid(
                "schedule.starts_on",
                "dates must be in the years 1900 to 2200",
            ));
        }
        if ends_on.is_some_and(|end| end < starts_on) {
            return Err(invalid("schedule.ends_on", "must not be before starts_on"));
        }
        let recurrence = match recurrence {
            Recurrence::Weekly {
                mut weekdays,
                interval,
            } => {
                weekdays.sort_by_key(Weekday::num_days_from_monday);
                Recurrence::Weekly { weekdays, interval }
            }
            other => other,
        };
        let ends_on = match recurrence {
            Recurrence::Once => Some(starts_on),
            _ => ends_on,
        };
        Ok(Self {
            recurrence,
            start_time,
            starts_on,
            ends_on,
        })
    }

    /// Whether the meeting is scheduled on this local date.
    pub fn falls_on(&self, date: NaiveDate) -> bool {
        if date < self.starts_on || self.ends_on.is_some_and(|end| date > end) {
            return false;
        }
        match &self.recurrence {
            Recurrence::Once => date == self.starts_on,
            Recurrence::Weekly { weekdays, interval } => {
                let weeks = (monday_of(date) - monday_of(self.starts_on)).num_weeks();
                weekdays.contains(&date.weekday()) && weeks % i64::from(*interval) == 0
            }
            Recurrence::Monthly { ordinal, weekday } => {
                nth_weekday(date.year(), date.month(), *ordinal, *weekday) == Some(date)
            }
        }
    }

    /// The local dates the meeting is scheduled on, from `from` to `to` inclusive.
    pub fn dates(&self, from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = NaiveDate> + '_ {
        let first = from.max(self.starts_on);
        let last = self.ends_on.map_or(to, |end| end.min(to));
        first
            .iter_days()
            .take_while(move |date| *date <= last)
            .filter(|date| self.falls_on(*date))
    }

    /// The occurrences that overlap the instants `[from, to)`, in order, each lasting
    /// `duration`.
    pub fn occurrences(
        &self,
        zone: Tz,
        duration: Duration,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<Occurrence> {
        // A day either side covers every offset on Earth; the overlap test below is exact.
        let first = (from - duration).with_timezone(&zone).date_naive() - Duration::days(1);
        let last = to.with_timezone(&zone).date_naive() + Duration::days(1);
        self.dates(first, last)
            .map(|date| Occurrence::at(zone, date, date.and_time(self.start_time), duration))
            .filter(|occurrence| occurrence.end > from && occurrence.start < to)
            .collect()
    }
}

/// One time a meeting happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    /// The local date it is scheduled for: its identity, even when moved.
    pub scheduled_on: NaiveDate,
    /// When it starts.
    pub start: DateTime<Utc>,
    /// When it ends.
    pub end: DateTime<Utc>,
    /// Its start on the meeting's wall clock.
    pub local_start: NaiveDateTime,
    /// Its end on the meeting's wall clock.
    pub local_end: NaiveDateTime,
}

impl Occurrence {
    /// The occurrence scheduled on `scheduled_on` that starts at the local time `local`.
    pub fn at(zone: Tz, scheduled_on: NaiveDate, local: NaiveDateTime, duration: Duration) -> Self {
        let start = resolve_local(zone, local);
        let end = start + duration;
        Self {
            scheduled_on,
            start,
            end,
            local_start: start.with_timezone(&zone).naive_local(),
            local_end: end.with_timezone(&zone).naive_local(),
        }
    }

    /// Whether it is under way at `now`.
    pub fn in_progress(&self, now: DateTime<Utc>) -> bool {
        self.start <= now && now < self.end
    }
}

/// The instant a local wall-clock time names in `zone`, as RFC 5545 reads it: the first of two
/// in an overlap, the offset from before a gap inside one.
pub fn resolve_local(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => at.with_timezone(&Utc),
        LocalResult::None => {
            // No zone changes its offset twice within a day.
            let before = zone
                .offset_from_utc_datetime(&(local - Duration::days(1)))
                .fix();
            DateTime::from_naive_utc_and_offset(local - before, Utc)
        }
    }
}

fn monday_of(date: NaiveDate) -> NaiveDate {
    date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
}

/// The date of the nth (or last) `weekday` of a month, if the month has one.
pub fn nth_weekday(year: i32, month: u32, ordinal: Ordinal, weekday: Weekday) -> Option<NaiveDate> {
    let n = match ordinal {
        Ordinal::First => 1,
        Ordinal::Second => 2,
        Ordinal::Third => 3,
        Ordinal::Fourth => 4,
        Ordinal::Last => {
            let (next_year, next_month) = if month == 12 {
                (year + 1, 1)
            } else {
                (year, month + 1)
            };
            let last_day = NaiveDate::from_ymd_opt(next_year, next_month, 1)?.pred_opt()?;
            let back = (7 + last_day.weekday().num_days_from_monday()
                - weekday.num_days_from_monday())
                % 7;
            return Some(last_day - Duration::days(i64::from(back)));
        }
    };
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, n)
}

fn invalid(field: &str, message: &str) -> DomainError {
    DomainError::Invalid {
        field: field.to_owned(),
        code: "schedule",
        message: message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::{New_York, Phoenix};
    use chrono_tz::Australia::Lord_Howe;
    use chrono_tz::Europe::London;

    const EVERY_DAY: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn time(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn weekly(days: &[Weekday], interval: u32, at: NaiveTime, from: NaiveDate) -> Schedule {
        Schedule::new(
            Recurrence::Weekly {
                weekdays: days.to_vec(),
                interval,
            },
            at,
            from,
            None,
        )
        .unwrap()
    }

    fn starts(
        schedule: &Schedule,
        zone: Tz,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<DateTime<Utc>> {
        schedule
            .occurrences(zone, Duration::minutes(60), from, to)
            .into_iter()
            .map(|o| o.start)
            .collect()
    }

    #[test]
    fn a_new_york_evening_meeting_keeps_its_wall_clock_time_across_both_changes() {
        let sunday = weekly(&[Weekday::Sun], 1, time(19, 0), date(2026, 1, 1));

        let spring = starts(
            &sunday,
            New_York,
            utc(2026, 3, 1, 0, 0),
            utc(2026, 3, 16, 0, 0),
        );
        assert_eq!(
            spring,
            [
                utc(2026, 3, 2, 0, 0),
                utc(2026, 3, 8, 23, 0),
                utc(2026, 3, 15, 23, 0)
            ]
        );
        let autumn = starts(
            &sunday,
            New_York,
            utc(2026, 10, 25, 0, 0),
            utc(2026, 11, 9, 0, 0),
        );
        assert_eq!(autumn, [utc(2026, 10, 25, 23, 0), utc(2026, 11, 2, 0, 0)]);
        for occurrence in sunday.occurrences(
            New_York,
            Duration::minutes(90),
            utc(2026, 3, 1, 0, 0),
            utc(2026, 11, 9, 0, 0),
        ) {
            assert_eq!(occurrence.local_start.time(), time(19, 0));
            assert_eq!(occurrence.local_end.time(), time(20, 30));
        }
    }

    #[test]
    fn phoenix_keeps_one_offset_all_year() {
        let daily = weekly(&EVERY_DAY, 1, time(12, 0), date(2026, 1, 1));
        for found in starts(
            &daily,
            Phoenix,
            utc(2026, 3, 7, 0, 0),
            utc(2026, 3, 10, 0, 0),
        ) {
            assert_eq!(found.time(), time(19, 0), "{found}");
        }
    }

    #[test]
    fn a_time_in_the_spring_gap_is_read_with_the_offset_before_it() {
        assert_eq!(
            resolve_local(New_York, date(2026, 3, 8).and_time(time(2, 30))),
            utc(2026, 3, 8, 7, 30),
            "02:30 EST is 03:30 EDT"
        );
        assert_eq!(
            resolve_local(London, date(2026, 3, 29).and_time(time(1, 30))),
            utc(2026, 3, 29, 1, 30),
            "01:30 GMT is 02:30 BST"
        );
        let lord_howe = Occurrence::at(
            Lord_Howe,
            date(2026, 10, 4),
            date(2026, 10, 4).and_time(time(2, 15)),
            Duration::minutes(60),
        );
        assert_eq!(
            lord_howe.start,
            utc(2026, 10, 3, 15, 45),
            "a half-hour gap: +10:30 before it"
        );
        assert_eq!(
            lord_howe.local_start,
            date(2026, 10, 4).and_time(time(2, 45))
        );
    }

    #[test]
    fn a_time_in_the_autumn_overlap_is_the_first_of_the_two() {
        assert_eq!(
            resolve_local(New_York, date(2026, 11, 1).and_time(time(1, 30))),
            utc(2026, 11, 1, 5, 30),
            "01:30 EDT, not EST"
        );
        assert_eq!(
            resolve_local(London, date(2026, 10, 25).and_time(time(1, 30))),
            utc(2026, 10, 25, 0, 30),
            "01:30 BST, not GMT"
        );
        assert_eq!(
            resolve_local(Lord_Howe, date(2026, 4, 5).and_time(time(1, 45))),
            utc(2026, 4, 4, 14, 45),
            "01:45 at +11, not +10:30"
        );
    }

    #[test]
    fn every_other_week_counts_from_the_first_week() {
        let fortnightly = weekly(
            &[Weekday::Tue, Weekday::Thu],
            2,
            time(18, 0),
            date(2026, 6, 3),
        );
        let dates: Vec<NaiveDate> = fortnightly
            .dates(date(2026, 6, 1), date(2026, 6, 30))
            .collect();
        assert_eq!(
            dates,
            [
                date(2026, 6, 4),
                date(2026, 6, 16),
                date(2026, 6, 18),
                date(2026, 6, 30)
            ]
        );
    }

    #[test]
    fn monthly_meetings_fall_on_the_nth_or_last_weekday() {
        let last_friday = Schedule::new(
            Recurrence::Monthly {
                ordinal: Ordinal::Last,
                weekday: Weekday::Fri,
            },
            time(19, 30),
            date(2026, 1, 1),
            Some(date(2026, 4, 30)),
        )
        .unwrap();
        let dates: Vec<NaiveDate> = last_friday
            .dates(date(2026, 1, 1), date(2026, 12, 31))
            .collect();
        assert_eq!(
            dates,
            [
                date(2026, 1, 30),
                date(2026, 2, 27),
                date(2026, 3, 27),
                date(2026, 4, 24)
            ]
        );
        assert_eq!(
            nth_weekday(2026, 11, Ordinal::First, Weekday::Sun),
            Some(date(2026, 11, 1))
        );
        assert_eq!(
            nth_weekday(2026, 12, Ordinal::Last, Weekday::Thu),
            Some(date(2026, 12, 31))
        );
        assert_eq!(
            nth_weekday(2026, 2, Ordinal::Fourth, Weekday::Sat),
            Some(date(2026, 2, 28))
        );
    }

    #[test]
    fn a_one_off_meeting_happens_once() {
        let once = Schedule::new(Recurrence::Once, time(10, 0), date(2026, 12, 5), None).unwrap();
        assert_eq!(once.ends_on, Some(date(2026, 12, 5)));
        let found = starts(
            &once,
            New_York,
            utc(2026, 1, 1, 0, 0),
            utc(2027, 1, 1, 0, 0),
        );
        assert_eq!(found, [utc(2026, 12, 5, 15, 0)]);
    }

    #[test]
    fn occurrences_under_way_at_the_window_start_are_included() {
        let daily = weekly(&EVERY_DAY, 1, time(18, 0), date(2026, 1, 1));
        let now = utc(2026, 7, 1, 22, 30);
        let found = daily.occurrences(
            New_York,
            Duration::minutes(60),
            now,
            now + Duration::minutes(1),
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].in_progress(now));
        assert!(
            daily
                .occurrences(
                    New_York,
                    Duration::minutes(20),
                    now,
                    now + Duration::minutes(1)
                )
                .is_empty()
        );
    }

    #[test]
    fn dates_and_instants_stay_within_two_centuries_or_so() {
        let far = NaiveDate::from_ymd_opt(-262_143, 1, 1).unwrap();
        assert!(Schedule::new(Recurrence::Once, time(9, 0), far, None).is_err());
        assert!(check_instant(DateTime::<Utc>::MIN_UTC, "from").is_err());
        assert!(check_instant(utc(2026, 1, 1, 0, 0), "from").is_ok());
    }

    #[test]
    fn schedules_refuse_contradictions() {
        let bad = |recurrence, ends_on| {
            Schedule::new(recurrence, time(9, 0), date(2026, 5, 1), ends_on).is_err()
        };
        assert!(bad(
            Recurrence::Weekly {
                weekdays: vec![],
                interval: 1
            },
            None
        ));
        assert!(bad(
            Recurrence::Weekly {
                weekdays: vec![Weekday::Mon, Weekday::Mon],
                interval: 1
            },
            None
        ));
        assert!(bad(
            Recurrence::Weekly {
                weekdays: vec![Weekday::Mon],
                interval: 0
            },
            None
        ));
        assert!(bad(
            Recurrence::Weekly {
                weekdays: vec![Weekday::Mon],
                interval: 53
            },
            None
        ));
        assert!(bad(
            Recurrence::Weekly {
                weekdays: vec![Weekday::Mon],
                interval: 1
            },
            Some(date(2026, 4, 30))
        ));
    }
}
