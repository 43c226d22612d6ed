//! RSVPs to single occurrences, the waitlist behind a full meeting, and check-ins: who said
//! they would come, who got a place, and who was there.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::DomainError;
use crate::account::AccountId;
use crate::identifier::identifier;
use crate::meeting::{MeetingId, ScheduledOccurrence};
use crate::vocabulary::vocabulary;

identifier! {
    /// An RSVP's public identifier.
    pub struct RsvpId;
}

vocabulary! {
    /// Where an RSVP stands.
    pub enum RsvpStatus {
        /// Has a place.
        Going = "going",
        /// Waits for a place, in order of arrival.
        Waitlisted = "waitlisted",
    }
}

/// One person's RSVP to one occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rsvp {
    /// Its id.
    pub id: RsvpId,
    /// The meeting.
    pub meeting: MeetingId,
    /// The local date the occurrence is scheduled on.
    pub scheduled_on: NaiveDate,
    /// The person.
    pub account: AccountId,
    /// A place, or the waitlist.
    pub status: RsvpStatus,
    /// When the occurrence starts.
    pub starts_at: DateTime<Utc>,
    /// When it ends.
    pub ends_at: DateTime<Utc>,
    /// When the person RSVPed: their place in the queue.
    pub created_at: DateTime<Utc>,
    /// When the status last changed.
    pub updated_at: DateTime<Utc>,
    /// When a facilitator recorded them as present.
    pub checked_in_at: Option<DateTime<Utc>>,
}

/// How far ahead RSVPs open, in days: as far as occurrences are materialised for search.
pub const RSVP_HORIZON_DAYS: i64 = 60;

/// How long before an occurrence starts check-ins open.
pub const CHECK_IN_OPENS_MINUTES: i64 = 60;

/// How long after an occurrence ends facilitators may still record who was there.
pub const CHECK_IN_CLOSES_DAYS: i64 = 7;

/// Checks that an occurrence takes RSVPs at `now`: it exists, is not cancelled, has not ended,
/// and starts within the RSVP horizon.
pub fn open_for_rsvp(
    occurrence: Option<ScheduledOccurrence>,
    now: DateTime<Utc>,
) -> Result<ScheduledOccurrence, DomainError> {
    let scheduled = occurrence.ok_or(DomainError::NotFound("occurrence"))?;
    if scheduled.exception.as_ref().is_some_and(|e| e.cancelled) {
        return Err(DomainError::OccurrenceCancelled);
    }
    if scheduled.occurrence.end <= now {
        return Err(DomainError::OccurrenceOver);
    }
    if scheduled.occurrence.start > now + Duration::days(RSVP_HORIZON_DAYS) {
        return Err(DomainError::Invalid {
            field: "date".to_owned(),
            code: "too_far_ahead",
            message: format!("RSVPs open {RSVP_HORIZON_DAYS} days before an occurrence"),
        });
    }
    Ok(scheduled)
}

/// Checks that an RSVP may still be withdrawn: not once its occurrence has ended, which would
/// rewrite who was expected.
pub fn may_withdraw(rsvp: &Rsvp, now: DateTime<Utc>) -> Result<(), DomainError> {
    if rsvp.ends_at <= now {
        return Err(DomainError::OccurrenceOver);
    }
    Ok(())
}

/// Checks that check-ins for this RSVP's occurrence are open at `now`: from an hour before it
/// starts until a week after it ends.
pub fn may_check_in(rsvp: &Rsvp, now: DateTime<Utc>) -> Result<(), DomainError> {
    let opens = rsvp.starts_at - Duration::minutes(CHECK_IN_OPENS_MINUTES);
    let closes = rsvp.ends_at + Duration::days(CHECK_IN_CLOSES_DAYS);
    if now < opens || now > closes {
        return Err(DomainError::CheckInClosed);
    }
    Ok(())
}

/// Where a new RSVP goes when `going` people already have a place: a place while the meeting
/// has one (any number when its capacity is unlimited), the waitlist after.
pub fn placement(capacity: Option<u32>, going: u64) -> RsvpStatus {
    match capacity {
        Some(capacity) if going >= u64::from(capacity) => RsvpStatus::Waitlisted,
        _ => RsvpStatus::Going,
    }
}

/// How many people to move from the waitlist to a place: as many as there are free places.
pub fn places_free(capacity: Option<u32>, going: u64, waiting: u64) -> u64 {
    match capacity {
        Some(capacity) => u64::from(capacity).saturating_sub(going).min(waiting),
        None => waiting,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::meeting::MeetingException;
    use crate::schedule::Occurrence;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 10, hour, 0, 0).unwrap()
    }

    fn scheduled(start: DateTime<Utc>, cancelled: bool) -> ScheduledOccurrence {
        let scheduled_on = start.date_naive();
        ScheduledOccurrence {
            occurrence: Occurrence::at(
                chrono_tz::UTC,
                scheduled_on,
                start.naive_utc(),
                Duration::hours(1),
            ),
            exception: cancelled.then_some(MeetingException {
                scheduled_on,
                cancelled: true,
                moved_to: None,
                note: None,
            }),
        }
    }

    fn rsvp(start: DateTime<Utc>) -> Rsvp {
        Rsvp {
            id: RsvpId::new(),
            meeting: MeetingId::new(),
            scheduled_on: start.date_naive(),
            account: AccountId::new(),
            status: RsvpStatus::Going,
            starts_at: start,
            ends_at: start + Duration::hours(1),
            created_at: start,
            updated_at: start,
            checked_in_at: None,
        }
    }

    #[test]
    fn rsvps_are_taken_until_the_occurrence_ends() {
        let occurrence = scheduled(at(19), false);
        assert!(open_for_rsvp(Some(occurrence.clone()), at(8)).is_ok());
        assert!(open_for_rsvp(Some(occurrence.clone()), at(19)).is_ok());
        assert_eq!(
            open_for_rsvp(Some(occurrence), at(20)),
            Err(DomainError::OccurrenceOver)
        );
    }

    #[test]
    fn cancelled_missing_and_distant_occurrences_take_no_rsvp() {
        assert_eq!(
            open_for_rsvp(Some(scheduled(at(19), true)), at(8)),
            Err(DomainError::OccurrenceCancelled)
        );
        assert_eq!(
            open_for_rsvp(None, at(8)),
            Err(DomainError::NotFound("occurrence"))
        );
        let distant = scheduled(at(19) + Duration::days(RSVP_HORIZON_DAYS + 1), false);
        assert!(matches!(
            open_for_rsvp(Some(distant), at(8)),
            Err(DomainError::Invalid {
                code: "too_far_ahead",
                ..
            })
        ));
    }

    #[test]
    fn withdrawing_stops_when_the_occurrence_ends() {
        let rsvp = rsvp(at(19));
        assert!(may_withdraw(&rsvp, at(19)).is_ok());
        assert_eq!(
            may_withdraw(&rsvp, at(20)),
            Err(DomainError::OccurrenceOver)
        );
    }

    #[test]
    fn check_ins_open_an_hour_early_and_close_a_week_after() {
        let rsvp = rsvp(at(19));
        assert_eq!(may_check_in(&rsvp, at(17)), Err(DomainError::CheckInClosed));
        assert!(may_check_in(&rsvp, at(18)).is_ok());
        assert!(may_check_in(&rsvp, at(20) + Duration::days(7)).is_ok());
        assert_eq!(
            may_check_in(&rsvp, at(21) + Duration::days(7)),
            Err(DomainError::CheckInClosed)
        );
    }

    #[test]
    fn places_go_first_come_and_the_rest_wait() {
        assert_eq!(placement(None, 10_000), RsvpStatus::Going);
        assert_eq!(placement(Some(2), 1), RsvpStatus::Going);
        assert_eq!(placement(Some(2), 2), RsvpStatus::Waitlisted);
        assert_eq!(placement(Some(2), 3), RsvpStatus::Waitlisted);
    }

    #[test]
    fn freed_places_are_filled_from_the_waitlist() {
        assert_eq!(places_free(Some(3), 1, 5), 2);
        assert_eq!(places_free(Some(3), 1, 1), 1);
        assert_eq!(places_free(Some(3), 4, 5), 0);
        assert_eq!(places_free(None, 4, 5), 5);
    }
}
