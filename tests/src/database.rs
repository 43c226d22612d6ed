use std::io::Write;
use std::path::PathBuf;
use std::sync::Once;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use hearth_persistence::{DatabaseUrl, DbConnection};

/// The variable that switches the PostgreSQL tests on: a URL whose user may create databases.
pub const POSTGRES_URL_VAR: &str = "HEARTH_TEST_POSTGRES_URL";

/// Which backend a test runs on.
#[derive(Debug, Clone)]
pub enum TestBackend {
    /// A fresh SQLite file in the temp directory.
    Sqlite,
    /// A fresh database on the server named by `HEARTH_TEST_POSTGRES_URL`.
    Postgres {
        /// The administrative URL databases are created through.
        admin_url: String,
    },
}

impl TestBackend {
    /// PostgreSQL when `HEARTH_TEST_POSTGRES_URL` is set; otherwise says once, on the
    /// terminal, that the PostgreSQL tests did not run.
    pub fn postgres() -> Option<Self> {
        match std::env::var(POSTGRES_URL_VAR) {
            Ok(admin_url) if !admin_url.trim().is_empty() => Some(Self::Postgres { admin_url }),
            _ => {
                static SAY_ONCE: Once = Once::new();
                SAY_ONCE.call_once(|| {
                    // Straight to stderr: the test harness captures `eprintln!`.
                    let _ = writeln!(
                        std::io::stderr(),
                        "note: {POSTGRES_URL_VAR} is not set, so the PostgreSQL tests were not run"
                    );
                });
                None
            }
        }
    }
}

/// A database of its own for one test, removed when dropped.
#[derive(Debug)]
pub enum TestDatabase {
    /// An SQLite file.
    Sqlite {
        /// The file's path.
        path: PathBuf,
    },
    /// A PostgreSQL database with a random name.
    Postgres {
        /// The server's administrative URL.
        admin_url: String,
        /// The database's name.
        name: String,
    },
}

impl TestDatabase {
    /// Creates an empty database. Panics (failing the test) when PostgreSQL is unreachable.
    pub fn create(backend: TestBackend) -> Self {
        let unique = uuid::Uuid::now_v7().simple().to_string();
        match backend {
            TestBackend::Sqlite => Self::Sqlite {
                path: std::env::temp_dir().join(format!("hearth-test-{unique}.db")),
            },
            TestBackend::Postgres { admin_url } => {
                let name = format!("hearth_test_{unique}");
                let mut admin = PgConnection::establish(&admin_url).unwrap_or_else(|e| {
                    panic!("{POSTGRES_URL_VAR} is set but PostgreSQL cannot be reached: {e}")
                });
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create a test database");
                Self::Postgres { admin_url, name }
            }
        }
    }

    /// The URL the app connects with.
    pub fn url(&self) -> DatabaseUrl {
        match self {
            Self::Sqlite { path } => DatabaseUrl::sqlite(path.display().to_string()),
            Self::Postgres { admin_url, name } => with_database(admin_url, name, None)
                .parse()
                .expect("a PostgreSQL URL"),
        }
    }

    /// The URL of this database reached through `127.0.0.1:port` instead (for outage tests).
    pub fn url_via_port(&self, port: u16) -> DatabaseUrl {
        match self {
            Self::Sqlite { .. } => self.url(),
            Self::Postgres { admin_url, name } => with_database(admin_url, name, Some(port))
                .parse()
                .expect("a PostgreSQL URL"),
        }
    }

    /// `host:port` of the PostgreSQL server (for putting a proxy in front of it).
    pub fn server_address(&self) -> Option<String> {
        let Self::Postgres { admin_url, .. } = self else {
            return None;
        };
        let rest = admin_url.split_once("://")?.1;
        let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        Some(if host_port.contains(':') {
            host_port.to_owned()
        } else {
            format!("{host_port}:5432")
        })
    }

    /// A direct connection, for tests below the HTTP layer.
    pub fn connect(&self) -> DbConnection {
        hearth_persistence::connect(&self.url()).expect("connect to the test database")
    }
}

/// Replaces the database name (and optionally the host's port) of a PostgreSQL URL.
fn with_database(admin_url: &str, name: &str, port: Option<u16>) -> String {
    let (scheme, rest) = admin_url.split_once("://").expect("a URL with a scheme");
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let query = tail.find('?').map_or("", |at| &tail[at..]);
    let authority = match port {
        Some(port) => {
            let (userinfo, _) = authority.rsplit_once('@').unwrap_or(("", authority));
            let at = if userinfo.is_empty() { "" } else { "@" };
            format!("{userinfo}{at}127.0.0.1:{port}")
        }
        None => authority.to_owned(),
    };
    format!("{scheme}://{authority}/{name}{query}")
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self {
            Self::Sqlite { path } => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    let _ = std::fs::remove_file(file);
                }
            }
            Self::Postgres { admin_url, name } => {
                if let Ok(mut admin) = PgConnection::establish(admin_url) {
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_database_swaps_name_and_port() {
        assert_eq!(
            with_database(
                "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
                "x",
                None
            ),
            "postgres://postgres@127.0.0.1:5432/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://u:p@db.internal:5432/test", "x", Some(6000)),
            "postgres://u:p@127.0.0.1:6000/x"
        );
        assert_eq!(
            with_database("postgresql://localhost", "x", Some(1)),
            "postgresql://127.0.0.1:1/x"
        );
    }
}
