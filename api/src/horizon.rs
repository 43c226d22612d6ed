//! Keeps the materialised occurrences of every meeting reaching the search horizon as time
//! passes. Several nodes may run it: each meeting is claimed with one conditional UPDATE of its
//! horizon, so no two nodes refresh the same meeting for the same step.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration as Pause;

use chrono::{Duration, Utc};
use hearth_persistence::{
    DbConnection, DbPool, PersistenceError, groups, meetings, occurrences, transaction,
};

use crate::error::ApiError;
use crate::meetings::{HORIZON_DAYS, materialize};

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

/// The background thread running [`extend_due`] every minute.
#[derive(Debug)]
pub struct HorizonWorker {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl HorizonWorker {
    /// Starts extending horizons from `pool`.
    pub fn start(pool: DbPool) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                let round = pool
                    .get()
                    .map_err(|e| ApiError::from(PersistenceError::from(e)))
                    .and_then(|mut c| extend_due(&mut c));
                match round {
                    Ok(0) => sleep_unless(&stopping, ROUND),
                    Ok(n) => log::info!("extended the occurrences of {n} meetings"),
                    Err(error) => {
                        log::warn!("extending meeting occurrences paused: {error}");
                        sleep_unless(&stopping, ROUND);
                    }
                }
            }
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }
}

/// Sleeps in short steps, so that stopping does not wait a whole round.
fn sleep_unless(stopping: &AtomicBool, total: Pause) {
    let step = Pause::from_millis(200);
    let mut slept = Pause::ZERO;
    while slept < total && !stopping.load(Ordering::Relaxed) {
        std::thread::sleep(step);
        slept += step;
    }
}

impl Drop for HorizonWorker {
    /// Finishes the round in hand, then stops.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
