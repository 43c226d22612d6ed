//! The API's one error type and its one mapping to `application/problem+json` (RFC 9457).

use actix_web::http::{Method, StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use hearth_domain::DomainError;
use hearth_openapi::{FieldError, PROBLEM_JSON, Problem};
use hearth_persistence::PersistenceError;
use thiserror::Error;

/// How long clients should wait before retrying while the database is unavailable.
const RETRY_AFTER_SECONDS: &str = "2";

/// Every way a request can fail. [`ApiError::problem`] is the only code that knows statuses.
#[derive(Debug, Error)]
pub enum ApiError {
    /// The domain refused the request.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// Storage failed or found nothing.
    #[error(transparent)]
    Persistence(#[from] PersistenceError),
    /// No valid access token: missing, malformed, tampered, expired, or for another audience.
    #[error("unauthenticated: {0}")]
    Unauthenticated(&'static str),
    /// The `Idempotency-Key` was already used for a different request.
    #[error("idempotency key reused for another request")]
    IdempotencyKeyReused,
    /// Another request with the same `Idempotency-Key` is being processed.
    #[error("idempotency key in use")]
    IdempotencyKeyInUse,
    /// The client's `If-Match` names a version that is no longer current.
    #[error("precondition failed")]
    PreconditionFailed,
    /// The request is malformed: unparsable JSON, wrong field types, bad path or query.
    #[error("{0}")]
    BadRequest(String),
    /// Well-formed input that breaks validation rules.
    #[error("{} invalid field(s)", .0.len())]
    Validation(Vec<FieldError>),
    /// No route has this path.
    #[error("no route matches the path")]
    RouteNotFound,
    /// The path exists, but not for this method.
    #[error("method not allowed")]
    MethodNotAllowed {
        /// The methods the path does answer.
        allowed: Vec<Method>,
    },
    /// The body is larger than the configured limit.
    #[error("request body exceeds {limit} bytes")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The body is not in a media type this endpoint reads.
    #[error("unsupported content type")]
    UnsupportedMediaType,
    /// An HTTP-level failure raised outside our handlers (CORS, timeouts, header limits).
    #[error("{0}")]
    Http(StatusCode),
    /// A capability needs a setting this server was started without (named, never its value).
    #[error("{0} is not configured")]
    NotConfigured(&'static str),
    /// A bug or an infrastructure failure; the detail goes to the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// The problem document, status and extra headers for this error.
    pub fn problem(&self) -> (Problem, Vec<(header::HeaderName, String)>) {
        use PersistenceError as P;
        let plain = |status: StatusCode, slug: &str, title: &str, detail: Option<String>| Problem {
            problem_type: format!("/problems/{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            errors: Vec::new(),
            current_status: None,
        };
        let bare = |status, slug, title, detail| (plain(status, slug, title, detail), Vec::new());
        let unavailable = vec![(header::RETRY_AFTER, RETRY_AFTER_SECONDS.to_owned())];
        match self {
            Self::Domain(DomainError::Invalid {
                field,
                code,
                message,
            }) => (
                validation_problem(vec![FieldError {
                    field: field.clone(),
                    code: (*code).to_owned(),
                    message: message.clone(),
                }]),
                Vec::new(),
            ),
            Self::Validation(errors) => (validation_problem(errors.clone()), Vec::new()),
            Self::Domain(DomainError::InvalidCredentials) => bare(
                StatusCode::BAD_REQUEST,
                "invalid-grant",
                "Invalid credentials",
                Some("Invalid credentials.".to_owned()),
            ),
            Self::Domain(DomainError::EmailUnconfirmed) => bare(
                StatusCode::FORBIDDEN,
                "email-unconfirmed",
                "The email address is not confirmed",
                Some("Enter the code from the confirmation mail first.".to_owned()),
            ),
            Self::Domain(DomainError::Throttled {
                retry_after_seconds,
            }) => (
                plain(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too-many-attempts",
                    "Too many attempts",
                    Some(format!(
                        "Too many attempts in a short time. Try again in {retry_after_seconds} \
                         seconds."
                    )),
                ),
                vec![(header::RETRY_AFTER, retry_after_seconds.to_string())],
            ),
            Self::Domain(DomainError::Forbidden) => bare(
                StatusCode::FORBIDDEN,
                "forbidden",
                "Not allowed",
                Some("Your role does not allow this.".to_owned()),
            ),
            Self::Domain(DomainError::NotFound(entity)) => bare(
                StatusCode::NOT_FOUND,
                "not-found",
                "Not found",
                Some(format!("No such {entity}.")),
            ),
            Self::Domain(DomainError::LastAdmin) => bare(
                StatusCode::CONFLICT,
                "last-admin",
                "The last administrator cannot go",
                Some("Make someone else an administrator first.".to_owned()),
            ),
            Self::Domain(DomainError::LastOwner) => bare(
                StatusCode::CONFLICT,
                "last-owner",
                "The last owner cannot go",
                Some("Make someone else an owner of the group first.".to_owned()),
            ),
            Self::Domain(DomainError::Banned) => bare(
                StatusCode::FORBIDDEN,
                "banned",
                "Banned from this group",
                Some("You cannot join this group or ask to.".to_owned()),
            ),
            Self::Domain(DomainError::InvitationRequired) => bare(
                StatusCode::FORBIDDEN,
                "invitation-required",
                "This group admits people by invitation",
                Some("Ask a facilitator of the group for an invitation code.".to_owned()),
            ),
            Self::Domain(DomainError::AlreadyMember) => bare(
                StatusCode::CONFLICT,
                "already-member",
                "Already a member",
                Some("You are already a member of this group.".to_owned()),
            ),
            Self::Domain(DomainError::AlreadyRequested) => bare(
                StatusCode::CONFLICT,
                "already-requested",
                "A request is already waiting",
                Some("Your request to join waits for a facilitator.".to_owned()),
            ),
            Self::Domain(DomainError::GroupFull) => bare(
                StatusCode::CONFLICT,
                "group-full",
                "The group is full",
                Some("Every place in this group is taken.".to_owned()),
            ),
            Self::Domain(DomainError::EditWindowClosed) => bare(
                StatusCode::CONFLICT,
                "edit-window-closed",
                "The post can no longer be edited",
                Some("A post can be edited for 15 minutes after it was written.".to_owned()),
            ),
            Self::Domain(DomainError::GroupArchived) => bare(
                StatusCode::CONFLICT,
                "group-archived",
                "The group is archived",
                Some("An archived group takes no changes.".to_owned()),
            ),
            Self::Domain(DomainError::MembershipRequired) => bare(
                StatusCode::FORBIDDEN,
                "membership-required",
                "Only members of the group may do this",
                Some("Join the group to take part in it.".to_owned()),
            ),
            Self::Domain(DomainError::OccurrenceCancelled) => bare(
                StatusCode::CONFLICT,
                "occurrence-cancelled",
                "The occurrence is cancelled",
                Some("This occurrence does not take place; choose another date.".to_owned()),
            ),
            Self::Domain(DomainError::OccurrenceOver) => bare(
                StatusCode::CONFLICT,
                "occurrence-over",
                "The occurrence has ended",
                Some("RSVPs to an occurrence that has ended cannot change.".to_owned()),
            ),
            Self::Domain(DomainError::CheckInClosed) => bare(
                StatusCode::CONFLICT,
                "check-in-closed",
                "Check-ins are not open",
                Some(
                    "Check-ins open an hour before an occurrence starts and close a week after it ends."
                        .to_owned(),
                ),
            ),
            Self::IdempotencyKeyReused => bare(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                "The Idempotency-Key was used for another request",
                Some("Use a new key for a new request; reuse a key only to retry the same one.".to_owned()),
            ),
            Self::IdempotencyKeyInUse => bare(
                StatusCode::CONFLICT,
                "idempotency-key-in-use",
                "A request with this Idempotency-Key is in progress",
                Some("Retry in a moment to receive its answer.".to_owned()),
            ),
            Self::Domain(DomainError::SlugTaken) => bare(
                StatusCode::CONFLICT,
                "slug-taken",
                "The slug is taken",
                Some("Something else has (or, for groups, once had) this slug; choose another.".to_owned()),
            ),
            Self::Domain(DomainError::InvalidTransition { subject, from, to }) => (
                Problem {
                    current_status: Some((*from).to_owned()),
                    ..plain(
                        StatusCode::CONFLICT,
                        "invalid-transition",
                        "It cannot change that way",
                        Some(format!("A {subject} cannot go from {from} to {to}.")),
                    )
                },
                Vec::new(),
            ),
            Self::Domain(DomainError::ConsentNotInForce) => bare(
                StatusCode::CONFLICT,
                "consent-not-in-force",
                "The consent is not in force",
                Some("The client's consent was revoked or has lapsed; the referral cannot go on. Withdraw or close it, or refer again with a new consent.".to_owned()),
            ),
            Self::Domain(DomainError::PostHidden) => bare(
                StatusCode::CONFLICT,
                "post-hidden",
                "The post is hidden",
                Some("A moderator hid this post; it cannot be changed, only deleted.".to_owned()),
            ),
            Self::Domain(DomainError::Muted { until }) => bare(
                StatusCode::FORBIDDEN,
                "muted",
                "Muted in this group",
                Some(format!(
                    "A facilitator muted you in this group until {}. You can still read and \
                     report posts.",
                    until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                )),
            ),
            Self::Unauthenticated(reason) => (
                plain(
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    "Authentication required",
                    Some(format!("{reason}.")),
                ),
                vec![(
                    header::WWW_AUTHENTICATE,
                    "Bearer realm=\"hearth\", error=\"invalid_token\"".to_owned(),
                )],
            ),
            Self::Persistence(P::NotFound { entity, .. }) => bare(
                StatusCode::NOT_FOUND,
                "not-found",
                "Not found",
                Some(format!("No such {entity}.")),
            ),
            Self::Persistence(P::Conflict { .. }) => bare(
                StatusCode::CONFLICT,
                "conflict",
                "Conflict",
                Some("The request conflicts with the current state.".to_owned()),
            ),
            Self::Persistence(P::Unavailable(_)) => (
                plain(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database-unavailable",
                    "The database is unavailable",
                    Some("Try again in a moment.".to_owned()),
                ),
                unavailable,
            ),
            Self::NotConfigured(setting) => bare(
                StatusCode::SERVICE_UNAVAILABLE,
                "not-configured",
                "Not available on this server",
                Some(format!("This server was started without {setting}; ask its operator.")),
            ),
            Self::Persistence(P::SchemaTooNew { .. } | P::SchemaBehind) => (
                plain(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "schema-mismatch",
                    "The database schema does not match this server",
                    None,
                ),
                unavailable,
            ),
            Self::Persistence(
                P::InvalidUrl(_)
                | P::Connect { .. }
                | P::Migration(_)
                | P::Corrupt(_)
                | P::Database(_),
            )
            | Self::Internal(_) => bare(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal server error",
                Some("The error was logged; the X-Request-Id header identifies it.".to_owned()),
            ),
            Self::PreconditionFailed => bare(
                StatusCode::PRECONDITION_FAILED,
                "precondition-failed",
                "The resource has changed",
                Some(
                    "It changed since the version your If-Match names; fetch it again.".to_owned(),
                ),
            ),
            Self::BadRequest(detail) => bare(
                StatusCode::BAD_REQUEST,
                "bad-request",
                "The request is malformed",
                Some(detail.clone()),
            ),
            Self::RouteNotFound => bare(
                StatusCode::NOT_FOUND,
                "not-found",
                "Not found",
                Some("No resource has this path.".to_owned()),
            ),
            Self::MethodNotAllowed { allowed } => {
                let allow = allowed
                    .iter()
                    .map(Method::as_str)
                    .collect::<Vec<_>>()
                    .join(", ");
                (
                    plain(
                        StatusCode::METHOD_NOT_ALLOWED,
                        "method-not-allowed",
                        "Method not allowed",
                        Some(format!("This resource answers {allow}.")),
                    ),
                    vec![(header::ALLOW, allow)],
                )
            }
            Self::PayloadTooLarge { limit } => bare(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "The request body is too large",
                Some(format!("Bodies are limited to {limit} bytes.")),
            ),
            Self::UnsupportedMediaType => bare(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
                Some("Send the body in the media type the operation documents.".to_owned()),
            ),
            Self::Http(status) => (
                plain(
                    *status,
                    &slug(*status),
                    status.canonical_reason().unwrap_or("Error"),
                    None,
                ),
                if *status == StatusCode::SERVICE_UNAVAILABLE {
                    unavailable
                } else {
                    Vec::new()
                },
            ),
        }
    }
}

fn validation_problem(errors: Vec<FieldError>) -> Problem {
    let detail = match errors.len() {
        1 => "1 field is not valid".to_owned(),
        n => format!("{n} fields are not valid"),
    };
    Problem {
        problem_type: "/problems/validation".to_owned(),
        title: "The request is not valid".to_owned(),
        status: StatusCode::UNPROCESSABLE_ENTITY.as_u16(),
        detail: Some(detail),
        errors,
        current_status: None,
    }
}

/// `431 Request Header Fields Too Large` becomes `request-header-fields-too-large`.
fn slug(status: StatusCode) -> String {
    status
        .canonical_reason()
        .unwrap_or("error")
        .to_ascii_lowercase()
        .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.problem().0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let (problem, headers) = self.problem();
        problem_response(&problem, headers)
    }
}

/// Renders a problem document with its headers.
pub fn problem_response(
    problem: &Problem,
    headers: Vec<(header::HeaderName, String)>,
) -> HttpResponse {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
    // An error may meet someone at a bad moment: every one points to where help is.
    response.insert_header((header::LINK, crate::crisis::CRISIS_RESOURCES_LINK));
    for (name, value) in headers {
        response.insert_header((name, value));
    }
    response.json(problem)
}

impl ApiError {
    /// One 422 answer listing every broken rule; any other refusal among them wins instead.
    pub fn from_domain_errors(errors: Vec<DomainError>) -> Self {
        let mut fields = Vec::new();
        for error in errors {
            match error {
                DomainError::Invalid {
                    field,
                    code,
                    message,
                } => fields.push(FieldError {
                    field,
                    code: code.to_owned(),
                    message,
                }),
                other => return Self::Domain(other),
            }
        }
        Self::Validation(fields)
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut fields = Vec::new();
        flatten(&errors, "", &mut fields);
        Self::Validation(fields)
    }
}

fn flatten(errors: &validator::ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    use validator::ValidationErrorsKind as Kind;
    let mut entries: Vec<_> = errors.errors().iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    for (field, kind) in entries {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            Kind::Field(list) => out.extend(list.iter().map(|error| FieldError {
                field: path.clone(),
                code: error.code.to_string(),
                message: error.message.as_ref().map_or_else(
                    || format!("fails the `{}` rule", error.code),
                    ToString::to_string,
                ),
            })),
            Kind::Struct(nested) => flatten(nested, &path, out),
            Kind::List(items) => {
                for (index, nested) in items {
                    flatten(nested, &format!("{path}[{index}]"), out);
                }
            }
        }
    }
}

/// The value of a parse, or `None` with its error collected, so a request learns of every
/// invalid field at once.
pub fn keep<T>(errors: &mut Vec<DomainError>, parsed: Result<T, DomainError>) -> Option<T> {
    parsed.map_err(|error| errors.push(error)).ok()
}
