//! Request extraction: actix's extractor errors become problems, and JSON bodies are validated.

use std::future::Future;
use std::pin::Pin;

use actix_web::error::{
    JsonPayloadError, PathError, PayloadError, QueryPayloadError, UrlencodedError,
};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use validator::Validate;

use crate::docs::Contract;
use crate::error::ApiError;

/// Extractor settings for the whole app: without them actix answers `400 text/plain`.
pub fn configure(cfg: &mut web::ServiceConfig, max_body_bytes: u64) {
    let limit = usize::try_from(max_body_bytes).unwrap_or(usize::MAX);
    cfg.app_data(
        web::JsonConfig::default()
            .limit(limit)
            .error_handler(move |error, _| json_error(error, max_body_bytes).into()),
    )
    .app_data(
        web::FormConfig::default()
            .limit(limit)
            .error_handler(move |error, _| form_error(error, max_body_bytes).into()),
    )
    .app_data(web::PayloadConfig::default().limit(limit))
    .app_data(web::PathConfig::default().error_handler(|error, req| path_error(&error, req).into()))
    .app_data(web::QueryConfig::default().error_handler(|error, _| query_error(&error).into()));
}

fn json_error(error: JsonPayloadError, limit: u64) -> ApiError {
    match error {
        JsonPayloadError::OverflowKnownLength { .. }
        | JsonPayloadError::Overflow { .. }
        | JsonPayloadError::Payload(PayloadError::Overflow) => ApiError::PayloadTooLarge { limit },
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType,
        JsonPayloadError::Deserialize(error) => ApiError::BadRequest(match error.classify() {
            serde_json::error::Category::Eof => "The JSON body ends too early.".to_owned(),
            _ => format!("The JSON body cannot be read: {}.", without_values(&error)),
        }),
        JsonPayloadError::Payload(error) => {
            ApiError::BadRequest(format!("The body cannot be read: {error}."))
        }
        other => ApiError::Internal(other.to_string()),
    }
}

/// serde's message without the value it quotes (`invalid type: string "Jo Smith", expected
/// u32`): what was wrong and what was expected stay, but a body may carry a client's data,
/// and an error body must never echo it.
fn without_values(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let quotes_a_value = ["invalid type: ", "invalid value: ", "unknown variant "]
        .iter()
        .any(|prefix| message.starts_with(prefix));
    if !quotes_a_value {
        return message;
    }
    // The last ", expected " is serde's own: the value before it may hold the phrase too.
    let (found, expected) = message.rsplit_once(", expected ").unwrap_or((&message, ""));
    let kind = found
        .split(['`', '"'])
        .next()
        .unwrap_or(found)
        .trim_end_matches([' ', ':']);
    if expected.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}, expected {expected}")
    }
}

fn form_error(error: UrlencodedError, limit: u64) -> ApiError {
    match error {
        UrlencodedError::Overflow { .. } | UrlencodedError::UnknownLength => {
            ApiError::PayloadTooLarge { limit }
        }
        UrlencodedError::ContentType => ApiError::UnsupportedMediaType,
        UrlencodedError::Parse(error) => {
            ApiError::BadRequest(format!("The form cannot be read: {error}."))
        }
        other => ApiError::BadRequest(format!("The form cannot be read: {other}.")),
    }
}

/// A path parameter that does not parse; or, when the path is a documented one for other
/// methods (`PATCH /v1/meetings/changes` reaching `PATCH /v1/meetings/{meeting_id}`), 405.
fn path_error(error: &PathError, req: &HttpRequest) -> ApiError {
    let allowed = req
        .app_data::<web::Data<Contract>>()
        .and_then(|contract| contract.allowed_methods(req.path()))
        .filter(|allowed| !allowed.contains(req.method()));
    if let Some(allowed) = allowed {
        return ApiError::MethodNotAllowed {
            allowed: allowed.to_vec(),
        };
    }
    match error {
        PathError::Deserialize(error) => {
            ApiError::BadRequest(format!("A path parameter is not valid: {error}."))
        }
        other => ApiError::BadRequest(format!("A path parameter is not valid: {other}.")),
    }
}

fn query_error(error: &QueryPayloadError) -> ApiError {
    match error {
        QueryPayloadError::Deserialize(error) => {
            ApiError::BadRequest(format!("The query string is not valid: {error}."))
        }
        other => ApiError::BadRequest(format!("The query string is not valid: {other}.")),
    }
}

/// A JSON object body. serde would also read a struct from a JSON array (`[null, null]`), which
/// no client means; this refuses anything but an object with 400 before deserializing.
#[derive(Debug)]
pub struct JsonObject<T>(pub T);

impl<T> FromRequest for JsonObject<T>
where
    T: DeserializeOwned + 'static,
{
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let web::Json(value) = json.await?;
            if !value.is_object() {
                return Err(
                    ApiError::BadRequest("The body must be a JSON object.".to_owned()).into(),
                );
            }
            serde_json::from_value(value).map(Self).map_err(|error| {
                ApiError::BadRequest(format!(
                    "The JSON body cannot be read: {}.",
                    without_values(&error)
                ))
                .into()
            })
        })
    }
}

/// A JSON object body that parsed (unknown fields refused by `deny_unknown_fields`) and passed
/// its `validator` rules; a rule broken answers 422 with one entry per field.
#[derive(Debug)]
pub struct ValidatedJson<T>(pub T);

impl<T> FromRequest for ValidatedJson<T>
where
    T: DeserializeOwned + Validate + 'static,
{
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = JsonObject::<T>::from_request(req, payload);
        Box::pin(async move {
            let JsonObject(body) = json.await?;
            body.validate().map_err(ApiError::from)?;
            Ok(Self(body))
        })
    }
}

/// Tells a field sent as `null` (`Some(None)`) from one not sent (`None`, via `default`), for
/// partial updates where `null` clears a value.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Reads a JSON whole number as `u32`, also when written as `12.0` (JSON Schema's `integer`
/// admits it).
pub fn whole_number<'de, D>(deserializer: D) -> Result<Option<u32>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Option::<f64>::deserialize(deserializer)?
        .map(|n| {
            if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) {
                #[expect(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "checked to be a whole number within u32"
                )]
                Ok(n as u32)
            } else {
                Err(serde::de::Error::custom(format!(
                    "expected a whole number, got {n}"
                )))
            }
        })
        .transpose()
}

/// As [`whole_number`], telling `null` (`Some(None)`) from an absent field (`None`).
pub fn present_whole_number<'de, D>(deserializer: D) -> Result<Option<Option<u32>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    whole_number(deserializer).map(Some)
}

/// Reads a comma-separated query parameter (`?focus=alcohol,opioids`) as a list of values.
pub fn comma_separated<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: DeserializeOwned,
{
    use serde::de::IntoDeserializer;
    let raw = String::deserialize(deserializer)?;
    raw.split(',')
        .map(str::trim)
        .map(|part| {
            let part: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
                part.into_deserializer();
            T::deserialize(part).map_err(serde::de::Error::custom)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_say_what_was_wrong_without_echoing_the_value() {
        let wrong_type = serde_json::from_str::<u32>(r#""Jo Smith""#).unwrap_err();
        assert_eq!(
            without_values(&wrong_type),
            "invalid type: string, expected u32 at line 1 column 10"
        );
        let unknown = serde_json::from_str::<hearth_domain::meeting::AttendanceMode>(r#""+1 555""#)
            .unwrap_err();
        let message = without_values(&unknown);
        assert!(
            message.starts_with("unknown variant, expected"),
            "{message}"
        );
        assert!(!message.contains("555"), "{message}");
        let number = serde_json::from_str::<String>("15550102000").unwrap_err();
        assert!(!without_values(&number).contains("1555"));
        let syntax = serde_json::from_str::<String>("{").unwrap_err();
        assert_eq!(without_values(&syntax), syntax.to_string());
    }
}
