//! Hearth's HTTP contract: the document skeleton every handler's operation is assembled into,
//! the shared `Problem` and `Page<T>` schemas, and the tag names.
//!
//! The committed `openapi/openapi.json` is exactly what [`to_json`] makes of the assembled
//! document; a test in `tests/` fails when the two differ.

mod problem;

use utoipa::OpenApi;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{Object, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContactBuilder, Content, LicenseBuilder, Ref, RefOr};

pub use problem::{FieldError, Page, Problem};

/// The media type of every error body (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Operation tags. Each has a description in [`base`]; handlers name them only through these.
pub mod tags {
    /// Liveness and readiness probes.
    pub const HEALTH: &str = "health";
    /// Registration, confirmation and the caller's own account.
    pub const ACCOUNTS: &str = "accounts";
    /// Tokens: logging in, refreshing, logging out.
    pub const AUTH: &str = "auth";
    /// Partner organisations, their people and API clients.
    pub const ORGANIZATIONS: &str = "organizations";
    /// Peer support groups: finding them, running them, syncing them.
    pub const GROUPS: &str = "groups";
    /// Joining groups, requests, invitations and member lists.
    pub const MEMBERSHIPS: &str = "memberships";
    /// Meetings of groups: schedules, occurrences and exceptions.
    pub const MEETINGS: &str = "meetings";
    /// RSVPs, waitlists, check-ins and attendance history.
    pub const ATTENDANCE: &str = "attendance";
    /// Crisis help: always public, answered even while the database is down.
    pub const CRISIS: &str = "crisis";
    /// Posts and replies inside a group.
    pub const CONVERSATION: &str = "conversation";
    /// Reports, the moderation queue and the moderation log.
    pub const MODERATION: &str = "moderation";
    /// Articles, resources and the editors who write them.
    pub const CONTENT: &str = "content";
    /// Referrals from partner clinics and their audit log.
    pub const REFERRALS: &str = "referrals";
}

/// The name of the bearer-token security scheme, for `security(("bearer" = []))`.
pub const BEARER: &str = "bearer";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Hearth API",
        description = "The open backend for peer support groups in addiction recovery and mental \
            health: find a meeting tonight, join a group, stay connected; refer a consenting \
            client from a partner clinic and follow the referral.\n\n\
            Errors are `application/problem+json` (RFC 9457) with a stable `type` slug. Lists \
            use cursor pagination. Every response carries `X-Request-Id`.",
    ),
    tags(
        (name = tags::HEALTH, description = "Probes for orchestrators and load balancers: \
            `live` says the process runs, `ready` that it can serve (database reachable, schema current)."),
        (name = tags::ACCOUNTS, description = "Accounts of members, facilitators and clinic staff. \
            Members appear under a display name they choose; nothing the API answers reveals \
            whether an email address has an account."),
        (name = tags::AUTH, description = "OAuth 2 style tokens. Access tokens are short-lived \
            JWTs sent as `Authorization: Bearer`; refresh tokens are opaque, single use and \
            rotated on every use."),
        (name = tags::ORGANIZATIONS, description = "Partner clinics and recovery community \
            organisations: created by platform administrators, with administrators and staff, \
            and API clients for server-to-server access (`client_credentials`). An \
            organisation exists only for its people and platform administrators."),
        (name = tags::GROUPS, description = "Peer support groups. Public groups are listed and \
            readable without an account; unlisted ones are readable by anyone with their link; \
            private ones exist only for their members. Groups are named by id or slug; a \
            former slug answers 301 to the current one. `GET /v1/groups/changes` syncs a \
            mobile app's copy."),
        (name = tags::MEMBERSHIPS, description = "Joining (at once, by request, or with an \
            invitation), leaving, and the work of facilitators: admitting, removing, banning, \
            roles. Members see each other's display names and roles only; nobody else learns \
            who is in a group."),
        (name = tags::MEETINGS, description = "Meetings of groups. A schedule is local \
            wall-clock time in the meeting's IANA time zone, so a 19:00 meeting stays at 19:00 \
            across daylight-saving changes; a time a change skips or repeats is read as RFC 5545 \
            reads it. Join links are shown to the group's members, or to everyone when the \
            meeting is marked public."),
        (name = tags::ATTENDANCE, description = "RSVPs to single occurrences, first come first \
            served: a place while the meeting has one, the waitlist after, promoted in order \
            when a place frees. Facilitators see who is coming and record who was there; each \
            member sees their own attendance history. Sending an `Idempotency-Key` makes a \
            retried RSVP safe."),
        (name = tags::CRISIS, description = "Where to turn in a crisis: helplines, text lines \
            and emergency numbers for a region, in the reader's language first. Public, \
            cacheable, and answered even while the database is down, from a built-in set that \
            platform administrators extend and override. Every problem answer links here with \
            `Link: </v1/crisis-resources>; rel=\"help\"`."),
        (name = tags::CONVERSATION, description = "A group's conversation: posts and one level \
            of replies in markdown, by and for the group's active members only, shown with \
            display names only. Authors edit for 15 minutes and delete at any time; a deleted \
            post with replies stays as a tombstone. At most 10 posts and replies per member in \
            10 minutes."),
        (name = tags::MODERATION, description = "Keeping conversations safe. Any member reports             a post; the group's facilitators (and platform administrators) work the report             queue, hide and restore posts, and warn, mute or remove members. Reporters stay             anonymous, even to moderators. Every action is logged with who, when and why;             the member it concerns sees it too, without the moderator's name."),
        (name = tags::CONTENT, description = "Articles and resources a recovery organisation \
            publishes. Everyone reads what is published (or scheduled and due), newest first, \
            with search by text, tag, topic and language; articles come as markdown and as \
            sanitised HTML. Platform editors (granted by administrators) and administrators \
            write anything; an organisation's staff write their organisation's content. \
            Drafts, scheduled and archived content exist only for the editors who may write \
            them."),
        (name = tags::REFERRALS, description = "Referrals of consenting clients from partner \
            clinics to groups, and the audit log of every access to them (42 CFR Part 2). \
            Client data is sealed at rest; the referring organisation sees everything, the \
            group's facilitators what they need to reach the client, platform administrators \
            metadata, members nothing. Organisation staff and API clients with \
            `referrals:read` / `referrals:write` call these endpoints."),
    ),
    components(schemas(Problem, FieldError)),
)]
struct Skeleton;

/// The document before any operation is added: info, tags, the bearer scheme, shared schemas.
pub fn base() -> utoipa::openapi::OpenApi {
    let mut doc = Skeleton::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc.info.license = Some(
        LicenseBuilder::new()
            .name("Apache License 2.0")
            .identifier(Some("Apache-2.0"))
            .build(),
    );
    doc.info.contact = Some(
        ContactBuilder::new()
            .name(Some("Hearth maintainers"))
            .url(Some("https://hearth.example.org"))
            .email(Some("api@hearth.example.org"))
            .build(),
    );
    if let Some(components) = doc.components.as_mut() {
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from `POST /v1/auth/token`, sent as \
                         `Authorization: Bearer <token>`.",
                    ))
                    .build(),
            ),
        );
    }
    doc
}

/// Finishes the document the handlers' annotations were collected into: every operation gets a
/// `default` problem+json answer, so handlers list only the statuses clients branch on.
pub fn assemble(mut collected: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    for item in collected.paths.paths.values_mut() {
        for operation in operations(item) {
            operation
                .responses
                .responses
                .entry("default".to_owned())
                .or_insert_with(default_problem);
        }
    }
    collected
}

fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.options.as_mut(),
        item.head.as_mut(),
        item.patch.as_mut(),
        item.trace.as_mut(),
    ]
    .into_iter()
    .flatten()
}

fn default_problem() -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(
                "Any other failure, as a problem+json body: 400 malformed request, 401, 403, \
                 404, 405, 406, 413, 415, 422 validation, 429, 500, 503 database unavailable \
                 (with `Retry-After`).",
            )
            .content(
                PROBLEM_JSON,
                Content::new(Some(Ref::from_schema_name("Problem"))),
            )
            .header(
                "Link",
                HeaderBuilder::new()
                    .schema(Some(Object::with_type(Type::String)))
                    .description(Some(
                        "Where crisis help is, on every problem answer:                          `</v1/crisis-resources>; rel=\"help\"`.",
                    ))
                    .build(),
            )
            .build(),
    )
}

/// The document as committed in `openapi/openapi.json` and served at `/api-docs/openapi.json`,
/// with the OpenAPI 3.1 `webhooks` (Path Items of the requests Hearth sends), which utoipa 6
/// has no field for.
pub fn to_json(
    doc: &utoipa::openapi::OpenApi,
    webhooks: &serde_json::Value,
) -> Result<String, serde_json::Error> {
    #[derive(serde::Serialize)]
    struct Document<'a> {
        #[serde(flatten)]
        doc: &'a utoipa::openapi::OpenApi,
        webhooks: &'a serde_json::Value,
    }
    let mut json = serde_json::to_string_pretty(&Document { doc, webhooks })?;
    json.push('\n');
    Ok(json)
}
