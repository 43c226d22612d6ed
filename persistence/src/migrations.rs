//! The schema's history, embedded in the binary: one tree per backend, same names in both.

use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel::sqlite::Sqlite;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::{DbConnection, PersistenceError};

const SQLITE: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// Runs the migrations the database lacks, after refusing a schema newer than this binary.
/// Returns the versions it applied, oldest first.
pub fn run_pending(c: &mut DbConnection) -> Result<Vec<String>, PersistenceError> {
    refuse_newer_schema(c)?;
    let applied = match c {
        DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES).map(versions),
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE).map(versions),
    };
    applied.map_err(migration_error)
}

/// Reverts every applied migration, newest first (used by the migration round-trip tests).
pub fn revert_all(c: &mut DbConnection) -> Result<Vec<String>, PersistenceError> {
    let reverted = match c {
        DbConnection::Postgres(c) => c.revert_all_migrations(POSTGRES).map(versions),
        DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE).map(versions),
    };
    reverted.map_err(migration_error)
}

/// Answers `Ok` when the database has exactly the migrations this binary knows.
pub fn ensure_current(c: &mut DbConnection) -> Result<(), PersistenceError> {
    refuse_newer_schema(c)?;
    let behind = match c {
        DbConnection::Postgres(c) => c.has_pending_migration(POSTGRES),
        DbConnection::Sqlite(c) => c.has_pending_migration(SQLITE),
    };
    if behind.map_err(migration_error)? {
        return Err(PersistenceError::SchemaBehind);
    }
    Ok(())
}

/// The migration versions this binary ships for the connection's backend, oldest first.
pub fn known(c: &DbConnection) -> Result<Vec<String>, PersistenceError> {
    let known = match c {
        DbConnection::Postgres(_) => names::<Pg>(&POSTGRES),
        DbConnection::Sqlite(_) => names::<Sqlite>(&SQLITE),
    };
    known.map_err(migration_error)
}

fn refuse_newer_schema(c: &mut DbConnection) -> Result<(), PersistenceError> {
    let known = known(c)?;
    let applied = match c {
        DbConnection::Postgres(c) => MigrationHarness::<Pg>::applied_migrations(c),
        DbConnection::Sqlite(c) => MigrationHarness::<Sqlite>::applied_migrations(c),
    }
    .map_err(migration_error)?;
    match applied
        .iter()
        .map(ToString::to_string)
        .find(|version| !known.contains(version))
    {
        Some(unknown) => Err(PersistenceError::SchemaTooNew { unknown }),
        None => Ok(()),
    }
}

fn names<DB: diesel::backend::Backend>(
    source: &EmbeddedMigrations,
) -> Result<Vec<String>, Box<dyn std::error::Error + Send + Sync>> {
    let mut names: Vec<String> = MigrationSource::<DB>::migrations(source)?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    names.sort();
    Ok(names)
}

fn versions(applied: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    applied.iter().map(ToString::to_string).collect()
}

fn migration_error(error: Box<dyn std::error::Error + Send + Sync>) -> PersistenceError {
    PersistenceError::Migration(error.to_string())
}
