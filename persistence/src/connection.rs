use std::fmt;
use std::ops::{Deref, DerefMut};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::{Connection, PgConnection, SqliteConnection};

use crate::PersistenceError;

/// A connection to whichever database the URL named; every query in this crate runs on both.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// The production database.
    Postgres(PgConnection),
    /// The embedded default.
    Sqlite(SqliteConnection),
}

/// The two supported database engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL, chosen by a `postgres://` or `postgresql://` URL.
    Postgres,
    /// SQLite, chosen by a `sqlite:` URL or a plain file path.
    Sqlite,
}

/// A parsed `HEARTH_DATABASE_URL`: the backend is decided by the scheme, never by trying.
///
/// Its `Debug` and `Display` mask any password, so it can be logged.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    backend: Backend,
    target: String,
}

impl DatabaseUrl {
    /// The engine this URL selects.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// What the driver is given: the PostgreSQL URL, or the SQLite file path.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// An SQLite database in the file at `path`.
    pub fn sqlite(path: impl Into<String>) -> Self {
        Self {
            backend: Backend::Sqlite,
            target: path.into(),
        }
    }
}

impl DatabaseUrl {
    /// Every pooled connection to `:memory:` would see a database of its own.
    fn sqlite_file(path: &str) -> Result<Self, PersistenceError> {
        if path == ":memory:" || path.starts_with("file::memory:") {
            return Err(PersistenceError::InvalidUrl(
                "an in-memory SQLite database cannot be shared by the connection pool; name a file"
                    .to_owned(),
            ));
        }
        Ok(Self::sqlite(path))
    }
}

impl FromStr for DatabaseUrl {
    type Err = PersistenceError;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        let url = url.trim();
        if url.is_empty() {
            return Err(PersistenceError::InvalidUrl(
                "the database URL is empty".to_owned(),
            ));
        }
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err(PersistenceError::InvalidUrl(format!(
                    "the database URL `{url}` names no SQLite file"
                )));
            }
            return Self::sqlite_file(path);
        }
        match url.split_once("://") {
            Some(("postgres" | "postgresql", rest)) if !rest.is_empty() => Ok(Self {
                backend: Backend::Postgres,
                target: url.to_owned(),
            }),
            Some((scheme, _)) if is_scheme(scheme) => Err(PersistenceError::InvalidUrl(format!(
                "unsupported database URL `{}`: use postgres://…, sqlite://… or a file path",
                masked(url)
            ))),
            _ => Self::sqlite_file(url),
        }
    }
}

fn is_scheme(candidate: &str) -> bool {
    let mut chars = candidate.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// `scheme://user:secret@host/db` becomes `scheme://user:***@host/db`.
fn masked(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***@{host}{path}")
            } else {
                url.to_owned()
            }
        }
        None => url.to_owned(),
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.backend {
            Backend::Postgres => f.write_str(&masked(&self.target)),
            Backend::Sqlite => write!(f, "sqlite://{}", self.target),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// How long SQLite waits for another writer's lock before reporting "database is locked".
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Page cache per SQLite connection, in KiB (SQLite's default is 2000).
const SQLITE_PAGE_CACHE_KIB: u32 = 512;

/// Opens one connection, with the per-connection settings each backend needs.
pub fn connect(url: &DatabaseUrl) -> Result<DbConnection, PersistenceError> {
    let failed = |reason: String| PersistenceError::Connect {
        url: url.to_string(),
        reason,
    };
    match url.backend {
        Backend::Postgres => PgConnection::establish(&url.target)
            .map(DbConnection::Postgres)
            .map_err(|e| failed(first_line(&e.to_string()))),
        Backend::Sqlite => {
            let mut c = SqliteConnection::establish(&url.target)
                .map_err(|e| failed(first_line(&e.to_string())))?;
            // WAL lets readers proceed while one writer commits; foreign keys are off by
            // default in SQLite and our schema relies on them. Each pooled connection keeps
            // its own page cache: a small one keeps the server's memory small, and pages
            // beyond it come from the operating system's cache of the file.
            c.batch_execute(&format!(
                "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                 PRAGMA cache_size = -{};",
                SQLITE_BUSY_TIMEOUT.as_millis(),
                SQLITE_PAGE_CACHE_KIB
            ))
            .map_err(|e| failed(first_line(&e.to_string())))?;
            Ok(DbConnection::Sqlite(c))
        }
    }
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().trim().to_owned()
}

/// A pool of connections to one database.
pub type DbPool = r2d2::Pool<Manager>;

/// Sizing and patience of the pool.
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    /// Most connections open at once.
    pub max_size: u32,
    /// How long a request waits for a connection before the API answers 503.
    pub checkout_timeout: Duration,
}

/// How many SQL statements a pool's connections have sent, so that tests can hold a request
/// to a fixed number of them.
#[derive(Debug, Clone, Default)]
pub struct StatementCount(Arc<AtomicU64>);

impl StatementCount {
    /// Statements sent so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Counts what a connection sends, and notes when a statement fails: the connection may have
/// died, and is checked before it is handed out again.
struct Watch {
    statements: Arc<AtomicU64>,
    failed: Arc<AtomicBool>,
}

impl Instrumentation for Watch {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => {
                self.statements.fetch_add(1, Ordering::Relaxed);
            }
            InstrumentationEvent::FinishQuery { error: Some(_), .. } => {
                self.failed.store(true, Ordering::Relaxed)
            }
            _ => {}
        }
    }
}

/// How long a connection that answered the pool's check is trusted without asking again.
/// Checking on every checkout costs a round trip per request; HikariCP likewise skips the
/// check for a connection used within the last 500 ms.
const TRUSTED_FOR: Duration = Duration::from_secs(1);

/// A pooled connection, with what decides whether it must prove itself alive before use.
pub struct Pooled {
    connection: DbConnection,
    /// When it last answered the pool's check.
    proven_at: Instant,
    /// Whether a statement failed since then.
    failed: Arc<AtomicBool>,
}

impl Deref for Pooled {
    type Target = DbConnection;

    fn deref(&self) -> &DbConnection {
        &self.connection
    }
}

impl DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.connection
    }
}

/// Builds a pool without connecting: a database that is down at the moment makes requests
/// answer 503 until it returns, instead of failing here. `statements` counts what its
/// connections send.
pub fn pool(url: &DatabaseUrl, settings: PoolSettings, statements: StatementCount) -> DbPool {
    r2d2::Pool::builder()
        .max_size(settings.max_size)
        .min_idle(Some(0))
        .connection_timeout(settings.checkout_timeout)
        .test_on_check_out(true)
        .error_handler(Box::new(LogConnectionErrors))
        .build_unchecked(Manager {
            url: url.clone(),
            statements,
        })
}

/// Opens pooled connections by URL scheme (diesel's own manager would try PostgreSQL first
/// and hide the real error).
#[derive(Debug)]
pub struct Manager {
    url: DatabaseUrl,
    statements: StatementCount,
}

impl ManageConnection for Manager {
    type Connection = Pooled;
    type Error = PersistenceError;

    fn connect(&self) -> Result<Pooled, PersistenceError> {
        let mut connection = connect(&self.url)?;
        let failed = Arc::new(AtomicBool::new(false));
        connection.set_instrumentation(Watch {
            statements: self.statements.0.clone(),
            failed: failed.clone(),
        });
        Ok(Pooled {
            connection,
            proven_at: Instant::now(),
            failed,
        })
    }

    /// Asks the database only when the connection has not answered for a while or a statement
    /// failed on it since: a connection that died in between fails its request with 503, and
    /// is checked (and replaced) before the next one.
    fn is_valid(&self, c: &mut Pooled) -> Result<(), PersistenceError> {
        let failed = c.failed.swap(false, Ordering::Relaxed);
        if !failed && c.proven_at.elapsed() < TRUSTED_FOR {
            return Ok(());
        }
        c.connection.batch_execute("SELECT 1")?;
        c.proven_at = Instant::now();
        Ok(())
    }

    fn has_broken(&self, c: &mut Pooled) -> bool {
        match &mut c.connection {
            DbConnection::Postgres(c) => c.is_broken(),
            DbConnection::Sqlite(c) => c.is_broken(),
        }
    }
}

/// r2d2 keeps retrying in the background during an outage; an outage is a warning, not an
/// error per attempt.
#[derive(Debug)]
struct LogConnectionErrors;

impl r2d2::HandleError<PersistenceError> for LogConnectionErrors {
    fn handle_error(&self, error: PersistenceError) {
        log::warn!("database connection failed: {error}");
    }
}

/// Keeps the planner's statistics fresh where the database does not do it itself: SQLite
/// analyses what changed enough to matter (`PRAGMA optimize`, cheap when nothing did);
/// PostgreSQL's autovacuum needs no help.
pub fn optimize(c: &mut DbConnection) -> Result<(), PersistenceError> {
    if let DbConnection::Sqlite(sqlite) = c {
        sqlite.batch_execute("PRAGMA optimize")?;
    }
    Ok(())
}

/// Runs `f` in a savepoint of the surrounding transaction (or in a transaction of its own
/// outside one): on `Err` its writes are rolled back and the surrounding transaction goes on,
/// so a caller can keep a record of a refused attempt while discarding the attempt itself.
pub fn savepoint<T, E, F>(c: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<PersistenceError>,
{
    c.transaction::<T, TransactionError<E>, _>(|c| f(c).map_err(TransactionError::Caller))
        .map_err(|error| match error {
            TransactionError::Caller(error) => error,
            TransactionError::Database(error) => E::from(PersistenceError::from(error)),
        })
}

/// Runs `f` in a transaction: committed when it returns `Ok`, rolled back otherwise.
///
/// On SQLite the transaction begins `IMMEDIATE`, taking the write lock up front: a deferred
/// transaction that reads and then writes fails at once with "database is locked" when another
/// connection wrote in between (the busy timeout cannot help it), which under concurrent
/// requests would lose writes.
pub fn transaction<T, E, F>(c: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<PersistenceError>,
{
    let DbConnection::Sqlite(sqlite) = c else {
        return savepoint(c, f);
    };
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")
        .map_err(|e| E::from(e.into()))?;
    match f(c) {
        Ok(value) => {
            match <DbConnection as Connection>::TransactionManager::commit_transaction(c) {
                Ok(()) => Ok(value),
                Err(error) => {
                    let _ =
                        <DbConnection as Connection>::TransactionManager::rollback_transaction(c);
                    Err(E::from(error.into()))
                }
            }
        }
        Err(error) => {
            <DbConnection as Connection>::TransactionManager::rollback_transaction(c)
                .map_err(|e| E::from(e.into()))?;
            Err(error)
        }
    }
}

/// Keeps the caller's error apart from diesel's own (begin or commit failing).
enum TransactionError<E> {
    Caller(E),
    Database(diesel::result::Error),
}

impl<E> From<diesel::result::Error> for TransactionError<E> {
    fn from(error: diesel::result::Error) -> Self {
        Self::Database(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> DatabaseUrl {
        url.parse().unwrap()
    }

    #[test]
    fn scheme_chooses_the_backend() {
        assert_eq!(parse("postgres://u@h/db").backend(), Backend::Postgres);
        assert_eq!(parse("postgresql://u@h/db").backend(), Backend::Postgres);
        assert_eq!(parse("sqlite://hearth.db").target(), "hearth.db");
        assert_eq!(
            parse("sqlite:///var/lib/hearth.db").target(),
            "/var/lib/hearth.db"
        );
        assert_eq!(parse("./data/hearth.db").backend(), Backend::Sqlite);
        assert_eq!(parse("hearth.db").target(), "hearth.db");
    }

    #[test]
    fn unknown_schemes_and_empty_urls_are_refused() {
        for url in [
            "",
            "  ",
            "mysql://root@localhost/db",
            "sqlite://",
            "postgres://",
        ] {
            assert!(url.parse::<DatabaseUrl>().is_err(), "{url:?} was accepted");
        }
    }

    #[test]
    fn display_masks_the_password() {
        assert_eq!(
            parse("postgres://hearth:s3cret@db:5432/hearth?sslmode=require").to_string(),
            "postgres://hearth:***@db:5432/hearth?sslmode=require"
        );
        assert_eq!(
            format!("{:?}", parse("postgres://hearth@db/hearth")),
            "DatabaseUrl(postgres://hearth@db/hearth)"
        );
        assert_eq!(parse("hearth.db").to_string(), "sqlite://hearth.db");
    }
}
