//! Hearth's REST API: actix-web handlers, extractors, middleware and the server builder used by
//! both the `hearth` binary and the end-to-end tests.

pub mod accounts;
pub mod admin;
pub mod app;
pub mod articles;
pub mod attendance;
pub mod auth;
pub mod client_address;
pub mod conditional;
pub mod content;
pub mod credentials;
pub mod crisis;
pub mod db;
pub mod docs;
pub mod error;
pub mod extract;
pub mod feeds;
pub mod groups;
pub mod health;
pub mod horizon;
pub mod icalendar;
pub mod idempotency;
pub mod mail;
pub mod markdown;
pub mod me;
pub mod meetings;
pub mod memberships;
pub mod middleware;
pub mod moderation;
pub mod organizations;
pub mod pagination;
pub mod posts;
pub mod read_cache;
pub mod referrals;
pub mod resources;
pub mod responses;
pub mod routes;
pub mod scale;
pub mod sealing;
pub mod seed;
mod seed_content;
pub mod settings;
pub mod throttling;
pub mod tokens;
pub mod webhooks;
pub mod worker;

pub use app::{
    no_extra_routes, prepare_database, server, smtp, start_mail_delivery, start_webhook_delivery,
};
pub use db::Db;
pub use error::ApiError;
