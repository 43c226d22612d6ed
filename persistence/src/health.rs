//! The readiness probe's question: can we talk to the database, and is its schema ours?

use diesel::connection::SimpleConnection;

use crate::{DbConnection, PersistenceError, migrations};

/// Answers `Ok` when the database answers a trivial query and has every migration applied.
pub fn check(c: &mut DbConnection) -> Result<(), PersistenceError> {
    c.batch_execute("SELECT 1")?;
    migrations::ensure_current(c)
}
