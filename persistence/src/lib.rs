//! Hearth's storage layer: one diesel code path for SQLite and PostgreSQL.
//!
//! Functions here take a `&mut DbConnection` and never check one out themselves, so callers can
//! compose them inside one transaction. Nothing above this crate writes SQL or names diesel.

pub mod accounts;
pub mod articles;
pub mod audit;
pub mod bulk;
mod connection;
pub mod content;
pub mod crisis_resources;
mod error;
pub mod groups;
pub mod health;
pub mod idempotency;
mod ids;
mod like;
pub mod login_failures;
pub mod meetings;
pub mod memberships;
pub mod migrations;
pub mod moderation;
pub mod occurrences;
pub mod organizations;
pub mod outbox;
pub mod posts;
pub mod referrals;
pub mod refresh_tokens;
pub mod resources;
pub mod rsvps;
mod schema;
mod time;
pub mod webhooks;

pub use connection::{
    Backend, DatabaseUrl, DbConnection, DbPool, PoolSettings, Pooled, StatementCount, connect,
    optimize, pool, savepoint, transaction,
};
pub use error::PersistenceError;
