//! Conditional requests: `ETag` on reads (`If-None-Match` gives 304) and `If-Match` on writes
//! (412 when the client's copy is stale), so no edit silently overwrites another.

use std::future::{Ready, ready};

use actix_web::body::BoxBody;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest, HttpResponse, Responder};
use serde::Serialize;
use xxhash_rust::xxh3::xxh3_128;

use crate::error::ApiError;

/// The strong validator of a representation: a hash of its JSON.
pub fn etag_of<T: Serialize>(value: &T) -> Result<String, ApiError> {
    Ok(etag_of_bytes(&to_json(value)?))
}

fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(value).map_err(|e| ApiError::Internal(e.to_string()))
}

/// The strong validator of a representation's bytes: their 128-bit XXH3. A validator only
/// has to tell the versions of one resource apart, which XXH3 does at a small fraction of
/// SHA-256's cost on a page of results, and its output is fixed by its specification, so
/// every node and every build agrees on it.
pub fn etag_of_bytes(bytes: &[u8]) -> String {
    format!("\"{:032x}\"", xxh3_128(bytes))
}

/// A JSON answer with its `ETag`; answers 304 when the client's `If-None-Match` already has it.
#[derive(Debug)]
pub struct Tagged<T>(pub T);

impl<T: Serialize> Responder for Tagged<T> {
    type Body = BoxBody;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse {
        // Serialised once: the same bytes are hashed and sent.
        match TaggedJson::of(&self.0) {
            Ok(tagged) => tagged.respond_to(req),
            Err(error) => actix_web::ResponseError::error_response(&error),
        }
    }
}

/// A representation already serialised, with its `ETag`: what a cache keeps and answers from.
#[derive(Debug, Clone)]
pub struct TaggedJson {
    json: Bytes,
    etag: String,
}

impl TaggedJson {
    /// Serialises `value` and hashes the bytes.
    pub fn of<T: Serialize>(value: &T) -> Result<Self, ApiError> {
        let json = to_json(value)?;
        let etag = etag_of_bytes(&json);
        Ok(Self {
            json: Bytes::from(json),
            etag,
        })
    }
}

impl Responder for TaggedJson {
    type Body = BoxBody;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse {
        if header_lists(req, header::IF_NONE_MATCH, &self.etag) {
            return HttpResponse::NotModified()
                .insert_header((header::ETAG, self.etag))
                .finish();
        }
        HttpResponse::Ok()
            .insert_header((header::ETAG, self.etag))
            .content_type(header::ContentType::json())
            .body(self.json)
    }
}

/// The entity tags of a request's `If-Match` header, if it has one.
#[derive(Debug, Clone)]
pub struct IfMatch(Option<Vec<String>>);

impl IfMatch {
    /// Refuses with 412 when the request named versions and none of them is `current`.
    pub fn check(&self, current: &str) -> Result<(), ApiError> {
        match &self.0 {
            Some(tags) if !tags.iter().any(|tag| matches(tag, current)) => {
                Err(ApiError::PreconditionFailed)
            }
            _ => Ok(()),
        }
    }
}

impl FromRequest for IfMatch {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let tags = req
            .headers()
            .contains_key(header::IF_MATCH)
            .then(|| tags(req, header::IF_MATCH).map(str::to_owned).collect());
        ready(Ok(Self(tags)))
    }
}

/// The comma-separated entity tags of a header.
fn tags(req: &HttpRequest, name: header::HeaderName) -> impl Iterator<Item = &str> {
    req.headers()
        .get_all(name)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
}

/// `*` matches anything; weak tags compare by their opaque part, as `If-None-Match` allows.
fn matches(tag: &str, etag: &str) -> bool {
    tag == "*" || tag.trim_start_matches("W/") == etag
}

/// Whether the request's header `name` lists `etag` (or `*`).
pub(crate) fn header_lists(req: &HttpRequest, name: header::HeaderName, etag: &str) -> bool {
    tags(req, name).any(|tag| matches(tag, etag))
}
