//! Background work on a thread of its own: rounds, one after another, resting when a round
//! found nothing to do or failed, until the worker is dropped. Mail delivery, webhook delivery
//! and the occurrence horizon run this way.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hearth_persistence::{DbConnection, DbPool, PersistenceError};

use crate::error::ApiError;

/// A background thread; dropping it finishes the round in hand, then stops it.
#[derive(Debug)]
pub struct Worker {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Worker {
    /// Runs `round` with a connection from `pool` until dropped: again at once after a round
    /// that did something (answered more than zero), after `rest` when it did nothing or
    /// failed. A failure is logged as `what` paused.
    pub fn start(
        what: &'static str,
        pool: DbPool,
        rest: Duration,
        mut round: impl FnMut(&mut DbConnection) -> Result<usize, ApiError> + Send + 'static,
    ) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                let done = pool
                    .get()
                    .map_err(|e| ApiError::from(PersistenceError::from(e)))
                    .and_then(|mut c| {
                        // A bug in one round must not end the work for the life of the process.
                        std::panic::catch_unwind(AssertUnwindSafe(|| round(&mut c))).unwrap_or_else(
                            |_| Err(ApiError::Internal("the round panicked".to_owned())),
                        )
                    });
                match done {
                    Ok(0) => sleep_unless(&stopping, rest),
                    Ok(_) => {}
                    Err(error) => {
                        log::warn!("{what} paused: {error}");
                        sleep_unless(&stopping, rest);
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

impl Worker {
    /// Asks the worker to stop after the round in hand, without waiting: stop every worker
    /// first, then drop them, and they wind down together.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Sleeps in short steps, so that stopping does not wait a whole rest.
fn sleep_unless(stopping: &AtomicBool, total: Duration) {
    let step = Duration::from_millis(100).min(total);
    let mut slept = Duration::ZERO;
    while slept < total && !stopping.load(Ordering::Relaxed) {
        std::thread::sleep(step);
        slept += step;
    }
}

impl Drop for Worker {
    /// Finishes the round in hand, then stops.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
