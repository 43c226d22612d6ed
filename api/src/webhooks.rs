//! Webhooks (`/v1/organizations/{id}/webhooks`): an organisation's endpoints hear of changes
//! to its referrals. Each event is written to an outbox in the transaction of the change, then
//! delivered by a background worker, signed (`Hearth-Signature: t=…,v1=…`, HMAC-SHA256 over
//! `t.body`), retried with backoff and jitter for a day, and never sent to an internal
//! address: the address is checked at registration and again on every connection.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration as Pause;

use actix_web::web::{Data, Json, Path, Query};
use actix_web::{delete, get, post};
use chrono::{DateTime, Duration, Utc};
use hearth_domain::DomainError;
use hearth_domain::organization::OrganizationId;
use hearth_domain::referral::{Referral, ReferralStatus};
use hearth_domain::webhook::{
    DELIVERY_WINDOW, Delivery, DeliveryId, DeliveryStatus, EventId, Webhook, WebhookEvent,
    WebhookId, is_forbidden_address, retry_delay,
};
use hearth_openapi::{Page, Problem, tags};
use hearth_persistence::webhooks::{self, Attempt, Claimed};
use hearth_persistence::{DbConnection, DbPool};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::credentials::hex;
use crate::db::Db;
use crate::error::ApiError;
use crate::extract::JsonObject;
use crate::organizations::{OrganizationPath, visible};
use crate::pagination::{PageQuery, TimePage};
use crate::referrals::ReferralDesk;
use crate::responses::{Accepted, Created, NoContent};
use crate::sealing::DataKeys;
use crate::worker::Worker;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "Hearth-Signature";
/// Most characters of an endpoint URL.
const URL_MAX: usize = 2000;
/// How long one attempt may take, connecting included.
const ATTEMPT_TIMEOUT: Pause = Pause::from_secs(10);
/// How many deliveries one round claims.
const BATCH: i64 = 10;
/// How long a claimed delivery is the claiming worker's before another may take it.
const LEASE: Duration = Duration::seconds(300);
/// How long into its lease a round still starts attempts: what is left of the lease covers one
/// more attempt (name resolution included) with room to spare, so no delivery is ever sent by
/// two workers at once. Deliveries left over wait for the lease to end and are claimed again.
const ROUND_BUDGET: Pause = Pause::from_secs(180);
/// How long the worker rests when nothing was due.
const IDLE: Pause = Pause::from_secs(1);

/// Where webhooks may go. In production only `https` URLs of public addresses; a test or
/// development server may allow plain `http` to loopback (`HEARTH_WEBHOOK_ALLOW_LOOPBACK`).
#[derive(Debug, Clone, Copy)]
pub struct WebhookPolicy {
    /// Whether `http` and loopback receivers are allowed.
    pub allow_loopback: bool,
}

impl WebhookPolicy {
    /// Whether a webhook may go to `address`.
    fn admits(self, address: SocketAddr) -> bool {
        !is_forbidden_address(address.ip()) || (self.allow_loopback && address.ip().is_loopback())
    }

    /// Checks a URL's shape: `https` (or `http` where loopback is allowed), a host, no
    /// credentials, no fragment.
    fn parse(self, raw: &str) -> Result<url::Url, DomainError> {
        let invalid = |message: &str| DomainError::Invalid {
            field: "url".to_owned(),
            code: "url",
            message: message.to_owned(),
        };
        if raw.chars().count() > URL_MAX {
            return Err(invalid("must be at most 2000 characters"));
        }
        let url = url::Url::parse(raw.trim()).map_err(|_| {
            invalid("must be an absolute URL such as https://ehr.example.org/hooks")
        })?;
        let loopback_host = matches!(url.host(), Some(url::Host::Domain("localhost")))
            || matches!(url.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
            || matches!(url.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback());
        let scheme_allowed = url.scheme() == "https"
            || (self.allow_loopback && url.scheme() == "http" && loopback_host);
        if !scheme_allowed {
            return Err(invalid("must be an https URL"));
        }
        if url.host_str().is_none_or(str::is_empty)
            || !url.username().is_empty()
            || url.password().is_some()
            || url.fragment().is_some()
        {
            return Err(invalid(
                "must name a host, without credentials or a fragment",
            ));
        }
        Ok(url)
    }

    /// The addresses a URL's host resolves to, all of which must be allowed: a name with one
    /// internal address among public ones is refused, since a connection may pick any.
    fn resolve(self, host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
        let addresses: Vec<SocketAddr> = (host.trim_start_matches('[').trim_end_matches(']'), port)
            .to_socket_addrs()
            .map_err(|_| format!("{host} does not resolve"))?
            .collect();
        if addresses.is_empty() {
            return Err(format!("{host} does not resolve"));
        }
        // Which address, and what kind, stays unsaid: the answer must not map internal names.
        if addresses.iter().any(|address| !self.admits(*address)) {
            return Err(format!(
                "{host} resolves to an internal address (loopback, private, link-local or \
                 reserved), where webhooks may not go"
            ));
        }
        Ok(addresses)
    }
}

/// Signs `body` sent at `timestamp` (seconds since the epoch) with an endpoint's secret: the
/// value of the `Hearth-Signature` header.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> Result<String, ApiError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|_| ApiError::Internal("an HMAC key was refused".to_owned()))?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    Ok(format!(
        "t={timestamp},v1={}",
        hex(&mac.finalize().into_bytes())
    ))
}

fn secret_context(id: WebhookId) -> String {
    format!("webhook {id}")
}

/// The body of every delivery.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193ab20-2c11-7c3e-9d2b-4a1f0e6c8b7d", "type": "referral.status_changed",
    "created_at": "2026-12-02T09:30:00Z",
    "data": {"referral_id": "0193aa01-2c11-7c3e-9d2b-4a1f0e6c8b7d",
             "organization_id": "0193a9e0-1c11-7c3e-9d2b-4a1f0e6c8b7d",
             "status": "accepted", "previous_status": "submitted", "fhir_status": "accepted"}
}))]
pub struct WebhookPayload {
    /// The event's id: the same in every delivery of it (retries, redeliveries), so a receiver
    /// can drop duplicates.
    pub id: Uuid,
    /// What happened.
    #[serde(rename = "type")]
    pub event_type: WebhookEvent,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The referral concerned; never any client data.
    pub data: ReferralEventData,
}

/// The referral an event is about.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralEventData {
    /// The referral.
    pub referral_id: Uuid,
    /// The referring organisation.
    pub organization_id: Uuid,
    /// Its status now.
    pub status: ReferralStatus,
    /// Its status before (`null` for a submission and a consent revocation).
    pub previous_status: Option<ReferralStatus>,
    /// The status as a FHIR R4 `Task.status`.
    pub fhir_status: &'static str,
}

/// Adds the schemas of webhook payloads to the document's components: no operation of the
/// API answers them, so utoipa does not collect them.
pub fn with_payload_schemas(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut schemas = vec![(
        WebhookPayload::name().into_owned(),
        <WebhookPayload as utoipa::PartialSchema>::schema(),
    )];
    <WebhookPayload as ToSchema>::schemas(&mut schemas);
    doc.components
        .get_or_insert_with(Default::default)
        .schemas
        .extend(schemas);
    doc
}

/// The OpenAPI 3.1 `webhooks`: one Path Item per event, the request Hearth sends.
pub fn described() -> serde_json::Value {
    let example = |event_type: &str, status: &str, previous: Option<&str>, fhir: &str| {
        serde_json::json!({
            "id": "0193ab20-2c11-7c3e-9d2b-4a1f0e6c8b7d", "type": event_type,
            "created_at": "2026-12-02T09:30:00Z",
            "data": {"referral_id": "0193aa01-2c11-7c3e-9d2b-4a1f0e6c8b7d",
                     "organization_id": "0193a9e0-1c11-7c3e-9d2b-4a1f0e6c8b7d",
                     "status": status, "previous_status": previous, "fhir_status": fhir}
        })
    };
    let hook = |event: WebhookEvent, summary: &str, example: serde_json::Value| {
        serde_json::json!({"post": {
            "operationId": event.as_str().replace('.', "_"),
            "summary": summary,
            "tags": [tags::REFERRALS],
            "description": "Sent to every endpoint of the referring organisation registered for \
                this event. Verify `Hearth-Signature: t=<unix seconds>,v1=<hex>`: compute \
                HMAC-SHA256 with the endpoint's secret over `<t>.<raw body>`, compare it in \
                constant time with `v1`, and refuse a `t` more than five minutes old. Answer \
                2xx within 10 seconds; anything else is retried with exponential backoff and \
                jitter for 24 hours. The payload's `id` is the same in every retry, for \
                deduplication. No client data is ever sent.",
            "parameters": [
                {"name": SIGNATURE_HEADER, "in": "header", "required": true,
                 "schema": {"type": "string"},
                 "example": "t=1764667800,v1=5f8e0b9c3a1d2e4f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f"},
                {"name": "Hearth-Event", "in": "header", "required": true,
                 "schema": {"type": "string"}, "example": event.as_str()},
                {"name": "Hearth-Delivery", "in": "header", "required": true,
                 "schema": {"type": "string", "format": "uuid"},
                 "example": "0193ab21-2c11-7c3e-9d2b-4a1f0e6c8b7d"}
            ],
            "requestBody": {"required": true, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/WebhookPayload"},
                "example": example
            }}},
            "responses": {"2XX": {"description": "Received"}}
        }})
    };
    serde_json::json!({
        WebhookEvent::ReferralStatusChanged.as_str(): hook(
            WebhookEvent::ReferralStatusChanged,
            "A referral changed status",
            example("referral.status_changed", "accepted", Some("submitted"), "accepted"),
        ),
        WebhookEvent::ReferralConsentRevoked.as_str(): hook(
            WebhookEvent::ReferralConsentRevoked,
            "The client revoked consent to a referral",
            example("referral.consent_revoked", "submitted", None, "requested"),
        ),
    })
}

/// Queues `event` about `referral` for every endpoint of its organisation that hears of it, in
/// the caller's transaction: the event is sent exactly when the change is committed.
pub(crate) fn announce(
    c: &mut DbConnection,
    event_type: WebhookEvent,
    referral: &Referral,
    previous_status: Option<ReferralStatus>,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    let listeners = webhooks::listening(c, referral.organization, event_type)?;
    if listeners.is_empty() {
        return Ok(());
    }
    let event = EventId::new();
    let payload = serde_json::to_string(&WebhookPayload {
        id: event.0,
        event_type,
        created_at: at,
        data: ReferralEventData {
            referral_id: referral.id.0,
            organization_id: referral.organization.0,
            status: referral.status,
            previous_status,
            fhir_status: referral.status.fhir_task_status(),
        },
    })
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    for webhook in listeners {
        webhooks::enqueue(
            c,
            &Delivery {
                id: DeliveryId::new(),
                webhook,
                event,
                event_type,
                payload: payload.clone(),
                status: DeliveryStatus::Pending,
                attempts: 0,
                next_attempt_at: Some(at),
                give_up_at: at + DELIVERY_WINDOW,
                last_status_code: None,
                last_error: None,
                created_at: at,
                delivered_at: None,
            },
        )?;
    }
    Ok(())
}

/// A new endpoint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://ehr.riverside.example/hearth/hooks",
                          "events": ["referral.status_changed", "referral.consent_revoked"]}))]
pub struct CreateWebhookRequest {
    /// Where to send: `https`, on a public address.
    #[schema(max_length = 2000)]
    pub url: String,
    /// What to hear of (at least one).
    #[schema(min_items = 1)]
    pub events: Vec<WebhookEvent>,
}

/// An endpoint. Its secret is shown once, when it is registered.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193ab11-2c11-7c3e-9d2b-4a1f0e6c8b7d", "url": "https://ehr.riverside.example/hearth/hooks",
    "events": ["referral.status_changed"], "created_at": "2026-12-01T15:00:00Z",
    "secret": "whsec_9f2c4e0b8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e"
}))]
pub struct WebhookResponse {
    /// Its id.
    pub id: Uuid,
    /// Where deliveries go.
    pub url: String,
    /// What it hears of.
    pub events: Vec<WebhookEvent>,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// The signing secret: only in the answer that registers the endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl From<Webhook> for WebhookResponse {
    fn from(hook: Webhook) -> Self {
        Self {
            id: hook.id.0,
            url: hook.url,
            events: hook.events,
            created_at: hook.created_at,
            secret: None,
        }
    }
}

/// Checks that `user` may manage the organisation's webhooks: its administrators and platform
/// administrators.
fn managed(c: &mut DbConnection, org: OrganizationId, user: &AuthUser) -> Result<(), ApiError> {
    visible(c, org, user)?.1.may_manage()?;
    Ok(())
}

const NOT_CONFIGURED: &str =
    "`not-configured`: the server has no data key, so it keeps no webhook secrets";

/// Register a webhook endpoint
///
/// The organisation's administrators register an `https` endpoint on a public address to hear
/// of its referrals' changes. The name must resolve, and only to public addresses (no loopback,
/// private, link-local or metadata address), here and again at every delivery. The signing
/// secret is in this answer only.
#[utoipa::path(
    tag = tags::REFERRALS,
    security(("bearer" = [])),
    params(OrganizationPath),
    request_body = CreateWebhookRequest,
    responses(
        (status = 201, description = "Registered, with its secret", body = WebhookResponse,
         headers(("Location" = String, description = "The endpoint"))),
        (status = 400, description = "`bad-request`: a body that is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not an administrator of the organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such organisation (for the caller)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation`: not an https URL, a name that does not resolve or resolves to an internal address, no events", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = NOT_CONFIGURED, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{organization_id}/webhooks")]
pub async fn create_webhook(
    user: AuthUser,
    path: Path<OrganizationPath>,
    JsonObject(request): JsonObject<CreateWebhookRequest>,
    desk: Data<ReferralDesk>,
    policy: Data<WebhookPolicy>,
    db: Data<Db>,
) -> Result<Created<WebhookResponse>, ApiError> {
    desk.keys()?;
    let organization = OrganizationId(path.into_inner().organization_id);
    db.run(move |c| managed(c, organization, &user)).await?;
    let policy = **policy;
    let url = policy.parse(&request.url)?;
    let mut events = request.events;
    events.sort();
    events.dedup();
    if events.is_empty() {
        return Err(DomainError::Invalid {
            field: "events".to_owned(),
            code: "required",
            message: "name at least one event".to_owned(),
        }
        .into());
    }
    let host = url.host_str().unwrap_or_default().to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    actix_web::web::block(move || policy.resolve(&host, port))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|message| DomainError::Invalid {
            field: "url".to_owned(),
            code: "address",
            message,
        })?;
    let secret = format!(
        "whsec_{}",
        crate::credentials::OneTimeToken::generate()?.value.expose()
    );
    let hook = Webhook {
        id: WebhookId::new(),
        organization,
        url: url.to_string(),
        events,
        created_at: Utc::now(),
        removed_at: None,
    };
    let sealed = desk
        .keys()?
        .seal(&secret_context(hook.id), secret.as_bytes())?;
    let stored = hook.clone();
    db.tx(move |c| Ok(webhooks::insert(c, &stored, &sealed)?))
        .await?;
    Ok(Created {
        location: format!("/v1/organizations/{organization}/webhooks/{}", hook.id),
        body: WebhookResponse {
            secret: Some(secret),
            ..hook.into()
        },
    })
}

/// List webhook endpoints
///
/// The organisation's registered endpoints, oldest first, without their secrets.
#[utoipa::path(
    tag = tags::REFERRALS,
    security(("bearer" = [])),
    params(OrganizationPath),
    responses(
        (status = 200, description = "The endpoints", body = Page<WebhookResponse>),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not an administrator of the organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such organisation (for the caller)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{organization_id}/webhooks")]
pub async fn list_webhooks(
    user: AuthUser,
    path: Path<OrganizationPath>,
    db: Data<Db>,
) -> Result<Json<Page<WebhookResponse>>, ApiError> {
    let organization = OrganizationId(path.into_inner().organization_id);
    let hooks = db
        .run(move |c| {
            managed(c, organization, &user)?;
            Ok(webhooks::list(c, organization)?)
        })
        .await?;
    Ok(Json(Page {
        items: hooks.into_iter().map(Into::into).collect(),
        next_cursor: None,
    }))
}

/// A webhook endpoint in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct WebhookPath {
    /// The organisation's id.
    pub organization_id: Uuid,
    /// The endpoint's id.
    pub webhook_id: Uuid,
}

/// Remove a webhook endpoint
///
/// Nothing more is sent to it; deliveries still pending are marked failed. Its deliveries
/// stay readable (`…/deliveries`), and cannot be redelivered.
#[utoipa::path(
    tag = tags::REFERRALS,
    security(("bearer" = [])),
    params(WebhookPath),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not an administrator of the organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such organisation or endpoint", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{organization_id}/webhooks/{webhook_id}")]
pub async fn delete_webhook(
    user: AuthUser,
    path: Path<WebhookPath>,
    db: Data<Db>,
) -> Result<NoContent, ApiError> {
    let WebhookPath {
        organization_id,
        webhook_id,
    } = path.into_inner();
    let organization = OrganizationId(organization_id);
    db.tx(move |c| {
        managed(c, organization, &user)?;
        if webhooks::remove(c, organization, WebhookId(webhook_id), Utc::now())? {
            Ok(())
        } else {
            Err(DomainError::NotFound("webhook").into())
        }
    })
    .await?;
    Ok(NoContent)
}

/// One delivery of one event to the endpoint.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193ab21-2c11-7c3e-9d2b-4a1f0e6c8b7d", "event_id": "0193ab20-2c11-7c3e-9d2b-4a1f0e6c8b7d",
    "event_type": "referral.status_changed", "status": "failed", "attempts": 14,
    "next_attempt_at": null, "give_up_at": "2026-12-03T09:30:00Z", "last_status_code": 503,
    "last_error": "the endpoint answered 503", "created_at": "2026-12-02T09:30:00Z",
    "delivered_at": null,
    "payload": "{\"id\":\"0193ab20-2c11-7c3e-9d2b-4a1f0e6c8b7d\",\"type\":\"referral.status_changed\"}"
}))]
pub struct DeliveryResponse {
    /// Its id.
    pub id: Uuid,
    /// The event's id (the payload's `id`).
    pub event_id: Uuid,
    /// What happened.
    pub event_type: WebhookEvent,
    /// `pending`, `delivered` or `failed` (after a day of attempts).
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When attempts stop.
    pub give_up_at: DateTime<Utc>,
    /// The status code of the last answer.
    pub last_status_code: Option<u16>,
    /// What went wrong last time.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When the endpoint took it.
    pub delivered_at: Option<DateTime<Utc>>,
    /// The body sent, exactly as signed.
    pub payload: String,
}

impl From<Delivery> for DeliveryResponse {
    fn from(delivery: Delivery) -> Self {
        Self {
            id: delivery.id.0,
            event_id: delivery.event.0,
            event_type: delivery.event_type,
            status: delivery.status,
            attempts: delivery.attempts,
            next_attempt_at: delivery.next_attempt_at,
            give_up_at: delivery.give_up_at,
            last_status_code: delivery.last_status_code,
            last_error: delivery.last_error,
            created_at: delivery.created_at,
            delivered_at: delivery.delivered_at,
            payload: delivery.payload,
        }
    }
}

/// List an endpoint's deliveries
///
/// Newest first: what was sent, how each attempt ended, what is still pending and what failed
/// after a day of retries.
#[utoipa::path(
    tag = tags::REFERRALS,
    security(("bearer" = [])),
    params(WebhookPath, PageQuery),
    responses(
        (status = 200, description = "One page of deliveries", body = Page<DeliveryResponse>),
        (status = 400, description = "`bad-request`: a cursor this API did not give out", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not an administrator of the organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such organisation or endpoint", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{organization_id}/webhooks/{webhook_id}/deliveries")]
pub async fn list_webhook_deliveries(
    user: AuthUser,
    path: Path<WebhookPath>,
    Query(query): Query<PageQuery>,
    db: Data<Db>,
) -> Result<Json<Page<DeliveryResponse>>, ApiError> {
    let WebhookPath {
        organization_id,
        webhook_id,
    } = path.into_inner();
    let organization = OrganizationId(organization_id);
    let hook = WebhookId(webhook_id);
    let page = TimePage::try_from(query)?;
    let found = db
        .run(move |c| {
            managed(c, organization, &user)?;
            webhooks::find(c, organization, hook)?.ok_or(DomainError::NotFound("webhook"))?;
            let after = page.after.map(|(at, id)| (at, DeliveryId(id)));
            let deliveries = webhooks::deliveries(c, hook, after, page.fetch())?;
            let (deliveries, next_cursor) =
                page.cut(deliveries, |last| (last.created_at, last.id.0))?;
            Ok(Page {
                items: deliveries.into_iter().map(Into::into).collect(),
                next_cursor,
            })
        })
        .await?;
    Ok(Json(found))
}

/// A delivery in a path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct DeliveryPath {
    /// The organisation's id.
    pub organization_id: Uuid,
    /// The endpoint's id.
    pub webhook_id: Uuid,
    /// The delivery's id.
    pub delivery_id: Uuid,
}

/// Redeliver an event
///
/// Queues a delivery again, now, with another day of retries: for one that failed, or that
/// the receiver lost. The payload (and its event id) are the same as before.
#[utoipa::path(
    tag = tags::REFERRALS,
    security(("bearer" = [])),
    params(DeliveryPath),
    responses(
        (status = 202, description = "Queued", body = DeliveryResponse),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not an administrator of the organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such organisation, endpoint (or a removed one) or delivery", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{organization_id}/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver_webhook_delivery(
    user: AuthUser,
    path: Path<DeliveryPath>,
    db: Data<Db>,
) -> Result<Accepted<DeliveryResponse>, ApiError> {
    let DeliveryPath {
        organization_id,
        webhook_id,
        delivery_id,
    } = path.into_inner();
    let organization = OrganizationId(organization_id);
    let hook = WebhookId(webhook_id);
    let delivery = db
        .tx(move |c| {
            managed(c, organization, &user)?;
            webhooks::find(c, organization, hook)?
                .filter(|registered| registered.removed_at.is_none())
                .ok_or(DomainError::NotFound("webhook"))?;
            let now = Utc::now();
            webhooks::redeliver(c, hook, DeliveryId(delivery_id), now, now + DELIVERY_WINDOW)?
                .ok_or_else(|| DomainError::NotFound("delivery").into())
        })
        .await?;
    Ok(Accepted(delivery.into()))
}

/// Sends deliveries over HTTPS, connecting only to addresses the policy admits: the resolver
/// checks every address at connection time, so a name that resolved to a public address at
/// registration and to an internal one now (DNS rebinding) is refused.
pub struct Sender {
    agent: ureq::Agent,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl Sender {
    /// A sender under `policy`.
    pub fn new(policy: WebhookPolicy) -> anyhow::Result<Self> {
        let tls = native_tls::TlsConnector::new()?;
        let agent = ureq::AgentBuilder::new()
            .tls_connector(Arc::new(tls))
            .timeout(ATTEMPT_TIMEOUT)
            .redirects(0)
            .user_agent("Hearth-Webhooks/1")
            .resolver(move |netloc: &str| {
                let (host, port) = netloc
                    .rsplit_once(':')
                    .and_then(|(host, port)| Some((host, port.parse().ok()?)))
                    .ok_or_else(|| std::io::Error::other("no port"))?;
                policy.resolve(host, port).map_err(std::io::Error::other)
            })
            .build();
        Ok(Self { agent })
    }

    /// Posts one signed delivery; answers the status code, or why there was none.
    fn post(
        &self,
        url: &str,
        signature: &str,
        payload: &str,
        event: &Delivery,
    ) -> Result<u16, (Option<u16>, String)> {
        let sent = self
            .agent
            .post(url)
            .set("Content-Type", "application/json")
            .set(SIGNATURE_HEADER, signature)
            .set("Hearth-Event", event.event_type.as_str())
            .set("Hearth-Delivery", &event.id.to_string())
            .send_string(payload);
        match sent {
            Ok(response) if (200..300).contains(&response.status()) => Ok(response.status()),
            Ok(response) => Err((
                Some(response.status()),
                format!("the endpoint answered {}", response.status()),
            )),
            Err(ureq::Error::Status(code, _)) => {
                Err((Some(code), format!("the endpoint answered {code}")))
            }
            // The kind and its cause only: the full error names the URL, which may hold a token.
            Err(ureq::Error::Transport(transport)) => Err((
                None,
                match std::error::Error::source(&transport) {
                    Some(cause) => format!("{}: {cause}", transport.kind()),
                    None => transport.kind().to_string(),
                },
            )),
        }
    }
}

/// One round: claims due deliveries, sends each signed, records the outcome. A failed attempt
/// is retried after a growing, jittered delay until the delivery's day is over, then marked
/// failed. Answers how many deliveries were attempted.
pub fn deliver_due(
    c: &mut DbConnection,
    keys: &DataKeys,
    sender: &Sender,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let claimed = webhooks::claim_due(c, now, LEASE, BATCH)?;
    let started = std::time::Instant::now();
    for claim in &claimed {
        if started.elapsed() > ROUND_BUDGET {
            break;
        }
        let delivery = &claim.delivery;
        let attempts = delivery.attempts.saturating_add(1);
        let retry_at = |sent_at: DateTime<Utc>, jitter: f64| {
            let at = sent_at + retry_delay(attempts, jitter);
            (at < delivery.give_up_at).then_some(at)
        };
        // A delivery that cannot even be signed (its secret sealed under a key no longer
        // configured) fails like one the endpoint refused, and never holds up the others.
        let attempt = match attempt(keys, sender, claim) {
            Ok(Ok(status_code)) => Attempt::Delivered { status_code },
            Ok(Err((status_code, error))) => Attempt::Failed {
                status_code,
                error,
                retry_at: retry_at(Utc::now(), jitter()),
            },
            Err(error) => Attempt::Failed {
                status_code: None,
                error: format!("not sent: {error}"),
                retry_at: retry_at(Utc::now(), jitter()),
            },
        };
        if let Attempt::Failed { error, .. } = &attempt {
            log::warn!(
                "webhook delivery {} to endpoint {} failed (attempt {attempts}): {error}",
                delivery.id,
                delivery.webhook
            );
        }
        if !webhooks::record_attempt(c, claim, &attempt, Utc::now())? {
            log::warn!(
                "webhook delivery {}: the claim lapsed before the attempt was recorded",
                delivery.id
            );
        }
    }
    Ok(claimed.len())
}

/// Signs and sends one claimed delivery: the endpoint's status code, or why there was none.
fn attempt(
    keys: &DataKeys,
    sender: &Sender,
    claim: &Claimed,
) -> Result<Result<u16, (Option<u16>, String)>, ApiError> {
    let delivery = &claim.delivery;
    let secret =
        String::from_utf8(keys.open(&secret_context(delivery.webhook), &claim.sealed_secret)?)
            .map_err(|_| ApiError::Internal("a webhook secret does not read".to_owned()))?;
    let signed = signature(&secret, Utc::now().timestamp(), &delivery.payload)?;
    Ok(sender.post(&claim.url, &signed, &delivery.payload, delivery))
}

/// A factor between 0.5 and 1.5 from the system's randomness (1.0 should it have none: the
/// jitter spreads retries, it guards nothing).
fn jitter() -> f64 {
    let mut byte = [0_u8; 1];
    match getrandom::fill(&mut byte) {
        Ok(()) => 0.5 + f64::from(byte[0]) / 255.0,
        Err(_) => 1.0,
    }
}

/// Starts a background thread delivering webhooks from `pool`, opening secrets with `keys`.
pub fn start_delivery(pool: DbPool, keys: DataKeys, sender: Sender) -> Worker {
    Worker::start("webhook delivery", pool, IDLE, move |c| {
        deliver_due(c, &keys, &sender, Utc::now())
    })
}
