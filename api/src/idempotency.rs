//! `Idempotency-Key`: a client that retries a request with the same key gets the first answer
//! back instead of acting twice. Answers are kept for 24 hours, per sender; the same key with
//! a different request is refused.

use std::future::{Ready, ready};

use actix_web::body::BoxBody;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{ContentType, HeaderName};
use actix_web::{FromRequest, HttpRequest, HttpResponse, Responder};
use chrono::{Duration, Utc};
use hearth_persistence::DbConnection;
use hearth_persistence::idempotency::{self, Reservation};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::credentials::hex;
use crate::error::ApiError;

/// The request header.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// The answer header that marks a replayed answer.
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// How long an answer is kept for retries.
const KEPT_HOURS: i64 = 24;
/// Longest key accepted.
const MAX_KEY_LENGTH: usize = 255;

/// The request's `Idempotency-Key`, if it has one, with what identifies the request.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    key: Option<String>,
    target: String,
}

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = req
            .headers()
            .get(&IDEMPOTENCY_KEY)
            .map(|value| {
                value
                    .to_str()
                    .ok()
                    .filter(|key| {
                        (1..=MAX_KEY_LENGTH).contains(&key.len())
                            && key.bytes().all(|b| b.is_ascii_graphic())
                    })
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        ApiError::BadRequest(
                            "Idempotency-Key must be 1 to 255 visible ASCII characters.".to_owned(),
                        )
                    })
            })
            .transpose();
        ready(key.map(|key| Self {
            key,
            target: format!("{} {}", req.method(), req.uri()),
        }))
    }
}

/// A JSON answer that may have been given before.
#[derive(Debug)]
pub struct Answer {
    status: StatusCode,
    body: String,
    replayed: bool,
    location: Option<String>,
}

impl Answer {
    /// The answer's JSON body, as first given.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// Whether this is the answer kept from an earlier request with the same key.
    pub fn is_replay(&self) -> bool {
        self.replayed
    }

    /// The same answer (status, replay mark) with another body: for endpoints that keep
    /// less than they show, and show what is current on a retry.
    pub fn with_body<T: Serialize>(self, body: &T) -> Result<Self, ApiError> {
        Ok(Self {
            body: serde_json::to_string(body).map_err(|e| ApiError::Internal(e.to_string()))?,
            ..self
        })
    }

    /// Adds the `Location` of what a `201` answer created, read from its body (first or
    /// replayed alike, since only bodies are kept).
    pub fn located(self, locate: impl FnOnce(&serde_json::Value) -> Option<String>) -> Self {
        let location = (self.status == StatusCode::CREATED)
            .then(|| serde_json::from_str(&self.body).ok())
            .flatten()
            .and_then(|body| locate(&body));
        Self { location, ..self }
    }
}

impl Responder for Answer {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.content_type(ContentType::json());
        if self.replayed {
            response.insert_header((IDEMPOTENT_REPLAYED, "true"));
        }
        if let Some(location) = self.location {
            response.insert_header((actix_web::http::header::LOCATION, location));
        }
        response.body(self.body)
    }
}

/// Runs `act` once per key: without a key, always; with a key seen before for the same
/// request, not at all, answering what it answered then. Only successes are kept, so a
/// refused request may be corrected and retried with the same key. Call it inside the
/// transaction of `act`'s writes, so the answer is kept exactly when they are.
pub fn once<T: Serialize>(
    c: &mut DbConnection,
    principal: &str,
    key: &IdempotencyKey,
    body: &[u8],
    act: impl FnOnce(&mut DbConnection) -> Result<(StatusCode, T), ApiError>,
) -> Result<Answer, ApiError> {
    let encode =
        |value: &T| serde_json::to_string(value).map_err(|e| ApiError::Internal(e.to_string()));
    let Some(key_value) = key.key.as_deref() else {
        let (status, value) = act(c)?;
        return Ok(Answer {
            status,
            body: encode(&value)?,
            replayed: false,
            location: None,
        });
    };
    let mut digest = Sha256::new();
    digest.update(key.target.as_bytes());
    digest.update(b"\n");
    digest.update(body);
    let request_hash = hex(&digest.finalize());
    let now = Utc::now();
    let expired = expired_before(now);
    match idempotency::reserve(c, principal, key_value, &request_hash, now, expired)? {
        Reservation::Taken(stored) if stored.request_hash != request_hash => {
            Err(ApiError::IdempotencyKeyReused)
        }
        Reservation::Taken(stored) => Ok(Answer {
            status: StatusCode::from_u16(stored.status)
                .map_err(|_| ApiError::IdempotencyKeyInUse)?,
            body: stored.body,
            replayed: true,
            location: None,
        }),
        Reservation::Reserved => {
            let (status, value) = act(c)?;
            let body = encode(&value)?;
            idempotency::complete(c, principal, key_value, status.as_u16(), &body)?;
            Ok(Answer {
                status,
                body,
                replayed: false,
                location: None,
            })
        }
    }
}

/// The instant before which answers have expired.
pub fn expired_before(now: chrono::DateTime<Utc>) -> chrono::DateTime<Utc> {
    now - Duration::hours(KEPT_HOURS)
}
