use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};

/// Instants are stored as naive UTC with microseconds, the finest both backends keep, so a
/// value reads back equal to what was written.
pub(crate) fn to_db(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc().trunc_subsecs(6)
}

pub(crate) fn from_db(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}
