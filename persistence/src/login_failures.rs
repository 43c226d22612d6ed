//! Failed logins per subject (a hashed email or client address), for throttling.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::{count_star, min};
use diesel::prelude::*;

use crate::schema::login_failures;
use crate::time::{from_db, to_db};
use crate::{DbConnection, PersistenceError};

/// Failures of one subject since some instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    /// How many.
    pub count: u32,
    /// The oldest of them.
    pub oldest: Option<DateTime<Utc>>,
}

/// The failures of `subject` at or after `since`.
pub fn since(
    c: &mut DbConnection,
    subject: &str,
    since: DateTime<Utc>,
) -> Result<Failures, PersistenceError> {
    let (count, oldest): (i64, Option<NaiveDateTime>) = login_failures::table
        .filter(login_failures::subject.eq(subject))
        .filter(login_failures::failed_at.ge(to_db(since)))
        .select((count_star(), min(login_failures::failed_at)))
        .first(c)?;
    Ok(Failures {
        count: u32::try_from(count).unwrap_or(u32::MAX),
        oldest: oldest.map(from_db),
    })
}

/// Records a failure of each subject, and forgets failures older than `forget_before`.
pub fn record(
    c: &mut DbConnection,
    subjects: &[&str],
    at: DateTime<Utc>,
    forget_before: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    diesel::delete(
        login_failures::table.filter(login_failures::failed_at.lt(to_db(forget_before))),
    )
    .execute(c)?;
    for subject in subjects {
        diesel::insert_into(login_failures::table)
            .values((
                login_failures::id.eq(uuid::Uuid::now_v7().to_string()),
                login_failures::subject.eq(*subject),
                login_failures::failed_at.eq(to_db(at)),
            ))
            .execute(c)?;
    }
    Ok(())
}

/// Forgets the failures of `subject` (after a successful login).
pub fn clear(c: &mut DbConnection, subject: &str) -> Result<(), PersistenceError> {
    diesel::delete(login_failures::table.filter(login_failures::subject.eq(subject))).execute(c)?;
    Ok(())
}
