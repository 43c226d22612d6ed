//! The only door from a handler to the database.

use actix_web::web;
use hearth_persistence::{DbConnection, DbPool, PersistenceError, StatementCount, transaction};

use crate::error::ApiError;

/// A connection pool that hands out connections on the blocking thread pool, so diesel's
/// synchronous calls never stall an async worker.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    statements: StatementCount,
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
        Self { pool, statements }
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
        let pool = self.pool.clone();
        web::block(move || {
            let mut connection = pool.get().map_err(PersistenceError::from)?;
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
        self.run(move |c| transaction(c, f)).await
    }
}
