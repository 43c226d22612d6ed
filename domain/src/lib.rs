//! Hearth's domain: entities, value types, validation and policies.
//!
//! Plain Rust with no I/O, no web and no SQL, so every rule can be unit-tested on its own.
//! Types that appear on the wire derive `utoipa::ToSchema` behind the `openapi` feature.

pub mod account;
pub mod article;
pub mod attendance;
pub mod audit;
pub mod content;
pub mod crisis;
mod error;
pub mod group;
mod identifier;
pub mod mail;
pub mod meeting;
pub mod meeting_type;
pub mod membership;
pub mod moderation;
pub mod organization;
pub mod post;
pub mod referral;
pub mod resource;
pub mod schedule;
mod sensitive;
pub mod throttle;
mod vocabulary;
pub mod webhook;

pub use error::DomainError;
pub use sensitive::Sensitive;
