use serde::Serialize;
use utoipa::ToSchema;

/// An error, as RFC 9457 `application/problem+json`.
///
/// Clients branch on `type`, a stable slug; `title` is fixed per type; `detail` explains this
/// occurrence. No problem ever carries SQL, stack traces or whether an email is registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation",
    "title": "The request is not valid",
    "status": 422,
    "detail": "1 field is not valid",
    "errors": [{"field": "display_name", "code": "length", "message": "must be 1 to 40 characters"}]
}))]
pub struct Problem {
    /// A stable identifier of the kind of problem, such as `/problems/not-found`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short summary, the same for every problem of this type.
    pub title: String,
    /// The HTTP status code.
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    /// What went wrong this time, for a human.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The fields that failed validation (only on `/problems/validation`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(default = json!([]))]
    pub errors: Vec<FieldError>,
    /// Where the thing stands now (only on `/problems/invalid-transition`), so a client can
    /// refresh its view without another request.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "declined")]
    pub current_status: Option<String>,
}

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field, as named in the request (`address.city` for nested fields).
    pub field: String,
    /// A stable code for apps to localise, such as `length`, `range`, `email`, `required`.
    pub code: String,
    /// An English explanation.
    pub message: String,
}

/// One page of a list. Pass `next_cursor` back as `?cursor=` for the next page; `null` means
/// this was the last page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items of this page, in the list's order.
    pub items: Vec<T>,
    /// The cursor for the next page, or `null` after the last page.
    pub next_cursor: Option<String>,
}
