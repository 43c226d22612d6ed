use thiserror::Error;

/// What can go wrong below the domain: outcomes, with diesel kept inside this crate.
#[derive(Debug, Error)]
pub enum PersistenceError {
    /// The requested record does not exist (or is not visible).
    #[error("{entity} {id} not found")]
    NotFound {
        /// The kind of record, such as `group`.
        entity: &'static str,
        /// The identifier that was looked up.
        id: String,
    },
    /// A uniqueness or foreign-key constraint refused the write.
    #[error("constraint {constraint} refused the write")]
    Conflict {
        /// The name of the violated constraint, as the database reports it.
        constraint: String,
    },
    /// No connection could be had in time: the database is down or saturated.
    #[error("the database is unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The database URL cannot be used (unknown scheme, empty).
    #[error("{0}")]
    InvalidUrl(String),
    /// A connection could not be opened at start-up (wrong host, password, unreadable file).
    #[error("cannot connect to {url}: {reason}")]
    Connect {
        /// The URL with any password masked.
        url: String,
        /// What the database driver said.
        reason: String,
    },
    /// The database was migrated by a newer Hearth than this binary.
    #[error(
        "the database schema is newer than this binary (it has migration {unknown}, which this \
         build does not know); run a newer hearth or restore a matching backup"
    )]
    SchemaTooNew {
        /// The first applied migration version this binary does not ship.
        unknown: String,
    },
    /// Migrations exist that the database has not applied yet.
    #[error("the database has pending migrations; run `hearth migrate`")]
    SchemaBehind,
    /// Running or inspecting migrations failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// A stored value no longer parses as its domain type.
    #[error("corrupt record: {0}")]
    Corrupt(String),
    /// Any other database error; its details are for the log only.
    #[error("database error")]
    Database(#[source] diesel::result::Error),
}

impl From<diesel::result::Error> for PersistenceError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::DatabaseError(
                kind @ (DatabaseErrorKind::UniqueViolation
                | DatabaseErrorKind::ForeignKeyViolation
                | DatabaseErrorKind::CheckViolation
                | DatabaseErrorKind::NotNullViolation),
                info,
            ) => Self::Conflict {
                constraint: info
                    .constraint_name()
                    .map_or_else(|| format!("{kind:?}"), str::to_owned),
            },
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            )
            | Error::BrokenTransactionManager => Self::Unavailable(Box::new(error)),
            other => Self::Database(other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for PersistenceError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        Self::Unavailable(Box::new(error))
    }
}
