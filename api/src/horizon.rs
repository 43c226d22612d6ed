//! Keeps the materialised occurrences of every meeting reaching the search horizon as time
//! passes. Several nodes may run it: each meeting is claimed with one conditional UPDATE of its
//! horizon, so no two nodes refresh the same meeting for the same step.

use std::time::Duration as Pause;

use chrono::{Duration, Utc};
use hearth_persistence::{DbConnection, DbPool, groups, meetings, occurrences, transaction};

use crate::error::ApiError;
use crate::meetings::{HORIZON_DAYS, materialize};
use crate::worker::Worker;

/// How often the worker looks for meetings to extend.
const ROUND: Pause = Pause::from_secs(60);
/// How many meetings one round extends at most.
const BATCH: i64 = 200;

/// Extends the occurrences of meetings whose horizon is less than a day beyond the search
/// window, then drops expired idempotency answers, expires unanswered referrals and refreshes
/// SQLite's statistics. Answers
/// how many meetings this node refreshed.
pub fn extend_due(c: &mut DbConnection) -> Result<usize, ApiError> {
    let now = Utc::now();
    let threshold = now + Duration::days(HORIZON_DAYS - 1);
    let due = occurrences::stale(c, threshold, BATCH)?;
    let mut refreshed = 0;
    for (id, seen) in due {
        // The horizon moves first, in its own statement: one node claims the meeting, and a
        // meeting that fails to refresh waits for the next day instead of blocking every
        // round behind it.
        if !occurrences::claim(c, id, seen, now + Duration::days(HORIZON_DAYS))? {
            continue;
        }
        let outcome = transaction(c, |c| {
            let meeting = meetings::get(c, id)?;
            // Group, then meeting, then occurrences: the order every writer takes locks in.
            groups::lock(c, meeting.group)?;
            let group = groups::get(c, meeting.group)?;
            let meeting = meetings::get(c, id)?;
            materialize(c, &meeting, &group)
        });
        match outcome {
            Ok(()) => refreshed += 1,
            Err(error) => log::warn!("meeting {id}: occurrences not extended: {error}"),
        }
    }
    hearth_persistence::idempotency::purge(c, crate::idempotency::expired_before(now))?;
    crate::referrals::expire_unanswered(c, now)?;
    // Occurrences change every day: SQLite's planner needs fresh statistics to keep preferring
    // the grid and mode indexes.
    hearth_persistence::optimize(c)?;
    Ok(refreshed)
}

/// Starts the background thread running [`extend_due`] every minute.
pub fn start(pool: DbPool) -> Worker {
    Worker::start("extending meeting occurrences", pool, ROUND, |c| {
        let refreshed = extend_due(c)?;
        if refreshed > 0 {
            log::info!("extended the occurrences of {refreshed} meetings");
        }
        Ok(refreshed)
    })
}
