//! The only door from a handler to the database.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_web::rt::time::timeout;
use actix_web::web;
use hearth_persistence::{DbConnection, DbPool, PersistenceError, StatementCount, transaction};
use tokio::sync::Semaphore;

use crate::error::ApiError;

/// A connection pool that hands out connections on the blocking thread pool, so diesel's
/// synchronous calls never stall an async worker.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    statements: StatementCount,
    transactions: Arc<AtomicU64>,
    /// One per pooled connection: a request takes a blocking thread only once it holds one,
    /// so requests beyond the pool's size wait as cheap tasks, not as parked threads.
    turns: Arc<Semaphore>,
    patience: Duration,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("state", &self.pool.state())
            .finish()
    }
}

impl Db {
    /// Wraps a pool and the count of the statements its connections send.
    pub fn new(pool: DbPool, statements: StatementCount) -> Self {
        let size = usize::try_from(pool.max_size()).unwrap_or(1);
        Self {
            turns: Arc::new(Semaphore::new(size)),
            patience: pool.connection_timeout(),
            pool,
            statements,
            transactions: Arc::default(),
        }
    }

    /// How many transactions this process has committed through [`Db::tx`]: every change a
    /// request makes goes through one, so a cached read taken at the same count is still
    /// current here.
    pub fn transactions(&self) -> u64 {
        self.transactions.load(Ordering::Acquire)
    }

    /// How many SQL statements the pool's connections have sent so far.
    pub fn statements(&self) -> u64 {
        self.statements.get()
    }

    /// The pool itself, for background work outside requests.
    pub fn pool(&self) -> DbPool {
        self.pool.clone()
    }

    /// Runs `f` with a pooled connection. When no connection can be had within the pool's
    /// checkout timeout the answer is 503 `database-unavailable`.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.run_within(self.patience, f).await
    }

    /// Runs `f` with a pooled connection, waiting at most `patience` for one (503
    /// `database-unavailable` after that), for answers that have somewhere else to turn.
    pub async fn run_within<T, F>(&self, patience: Duration, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let turn = timeout(patience, self.turns.clone().acquire_owned())
            .await
            .map_err(|waited| PersistenceError::Unavailable(Box::new(waited)))?
            .map_err(|closed| PersistenceError::Unavailable(Box::new(closed)))?;
        let pool = self.pool.clone();
        web::block(move || {
            let _turn = turn;
            let mut connection = pool.get_timeout(patience).map_err(PersistenceError::from)?;
            f(&mut connection)
        })
        .await
        .map_err(|blocking| ApiError::Internal(blocking.to_string()))?
    }

    /// Runs `f` in one transaction: committed on `Ok`, rolled back on `Err`.
    pub async fn tx<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let transactions = self.transactions.clone();
        self.run(move |c| {
            let outcome = transaction(c, f);
            // Counted after the commit (a rolled-back one changed nothing), and here rather
            // than in the request, which may be gone by then: a read cached meanwhile is
            // never taken for current.
            if outcome.is_ok() {
                transactions.fetch_add(1, Ordering::AcqRel);
            }
            outcome
        })
        .await
    }
}
