//! Webhook endpoints and their outbox of deliveries.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use hearth_domain::organization::OrganizationId;
use hearth_domain::webhook::{
    Delivery, DeliveryId, DeliveryStatus, EventId, Webhook, WebhookEvent, WebhookId,
};

use crate::ids::parse_id;
use crate::schema::{webhook_deliveries, webhooks};
use crate::time::{from_db, to_db};
use crate::{DbConnection, PersistenceError, transaction};

type WebhookRow = (
    String,
    String,
    String,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

const WEBHOOK_COLUMNS: (
    webhooks::id,
    webhooks::organization_id,
    webhooks::url,
    webhooks::events,
    webhooks::created_at,
    webhooks::removed_at,
) = (
    webhooks::id,
    webhooks::organization_id,
    webhooks::url,
    webhooks::events,
    webhooks::created_at,
    webhooks::removed_at,
);

fn webhook(row: WebhookRow) -> Result<Webhook, PersistenceError> {
    let (id, organization, url, events, created_at, removed_at) = row;
    let events = events
        .split_whitespace()
        .map(|event| {
            WebhookEvent::parse(event)
                .ok_or_else(|| PersistenceError::Corrupt(format!("webhook {id}: event {event}")))
        })
        .collect::<Result<_, _>>()?;
    Ok(Webhook {
        id: WebhookId(parse_id(&id, "webhook")?),
        organization: OrganizationId(parse_id(&organization, "organization")?),
        url,
        events,
        created_at: from_db(created_at),
        removed_at: removed_at.map(from_db),
    })
}

fn event_list(events: &[WebhookEvent]) -> String {
    events
        .iter()
        .map(|event| event.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Registers an endpoint with its sealed signing secret.
pub fn insert(
    c: &mut DbConnection,
    hook: &Webhook,
    sealed_secret: &[u8],
) -> Result<(), PersistenceError> {
    diesel::insert_into(webhooks::table)
        .values((
            webhooks::id.eq(hook.id.to_string()),
            webhooks::organization_id.eq(hook.organization.to_string()),
            webhooks::url.eq(&hook.url),
            webhooks::events.eq(event_list(&hook.events)),
            webhooks::sealed_secret.eq(sealed_secret),
            webhooks::created_at.eq(to_db(hook.created_at)),
        ))
        .execute(c)?;
    Ok(())
}

/// The organisation's endpoints (not removed), oldest first.
pub fn list(c: &mut DbConnection, org: OrganizationId) -> Result<Vec<Webhook>, PersistenceError> {
    let rows: Vec<WebhookRow> = webhooks::table
        .filter(webhooks::organization_id.eq(org.to_string()))
        .filter(webhooks::removed_at.is_null())
        .order((webhooks::created_at.asc(), webhooks::id.asc()))
        .select(WEBHOOK_COLUMNS)
        .load(c)?;
    rows.into_iter().map(webhook).collect()
}

/// The organisation's endpoint with this id, registered or removed.
pub fn find(
    c: &mut DbConnection,
    org: OrganizationId,
    id: WebhookId,
) -> Result<Option<Webhook>, PersistenceError> {
    let row: Option<WebhookRow> = webhooks::table
        .find(id.to_string())
        .filter(webhooks::organization_id.eq(org.to_string()))
        .select(WEBHOOK_COLUMNS)
        .first(c)
        .optional()?;
    row.map(webhook).transpose()
}

/// Removes an endpoint: nothing more is queued for it, and what was pending is dropped as
/// failed. Answers whether it was registered.
pub fn remove(
    c: &mut DbConnection,
    org: OrganizationId,
    id: WebhookId,
    at: DateTime<Utc>,
) -> Result<bool, PersistenceError> {
    let removed = diesel::update(
        webhooks::table
            .find(id.to_string())
            .filter(webhooks::organization_id.eq(org.to_string()))
            .filter(webhooks::removed_at.is_null()),
    )
    .set(webhooks::removed_at.eq(Some(to_db(at))))
    .execute(c)?;
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::webhook_id.eq(id.to_string()))
            .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str())),
    )
    .set((
        webhook_deliveries::status.eq(DeliveryStatus::Failed.as_str()),
        webhook_deliveries::next_attempt_at.eq(None::<NaiveDateTime>),
        webhook_deliveries::last_error.eq(Some("the endpoint was removed")),
        webhook_deliveries::claim.eq(None::<String>),
    ))
    .execute(c)?;
    Ok(removed == 1)
}

/// The organisation's endpoints that hear of `event`, with nothing else.
pub fn listening(
    c: &mut DbConnection,
    org: OrganizationId,
    event: WebhookEvent,
) -> Result<Vec<WebhookId>, PersistenceError> {
    Ok(list(c, org)?
        .into_iter()
        .filter(|hook| hook.events.contains(&event))
        .map(|hook| hook.id)
        .collect())
}

type DeliveryRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    i32,
    Option<NaiveDateTime>,
    NaiveDateTime,
    Option<i32>,
    Option<String>,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

macro_rules! delivery_columns {
    () => {
        (
            webhook_deliveries::id,
            webhook_deliveries::webhook_id,
            webhook_deliveries::event_id,
            webhook_deliveries::event_type,
            webhook_deliveries::payload,
            webhook_deliveries::status,
            webhook_deliveries::attempts,
            webhook_deliveries::next_attempt_at,
            webhook_deliveries::give_up_at,
            webhook_deliveries::last_status_code,
            webhook_deliveries::last_error,
            webhook_deliveries::created_at,
            webhook_deliveries::delivered_at,
        )
    };
}

fn delivery(row: DeliveryRow) -> Result<Delivery, PersistenceError> {
    let (
        id,
        hook,
        event,
        event_type,
        payload,
        status,
        attempts,
        next_attempt_at,
        give_up_at,
        last_status_code,
        last_error,
        created_at,
        delivered_at,
    ) = row;
    let corrupt = |what: &str| PersistenceError::Corrupt(format!("delivery {id}: {what}"));
    Ok(Delivery {
        id: DeliveryId(parse_id(&id, "delivery")?),
        webhook: WebhookId(parse_id(&hook, "webhook")?),
        event: EventId(parse_id(&event, "event")?),
        event_type: WebhookEvent::parse(&event_type).ok_or_else(|| corrupt("event type"))?,
        payload,
        status: DeliveryStatus::parse(&status).ok_or_else(|| corrupt("status"))?,
        attempts: u32::try_from(attempts).map_err(|_| corrupt("attempts"))?,
        next_attempt_at: next_attempt_at.map(from_db),
        give_up_at: from_db(give_up_at),
        last_status_code: last_status_code
            .map(|code| u16::try_from(code).map_err(|_| corrupt("status code")))
            .transpose()?,
        last_error,
        created_at: from_db(created_at),
        delivered_at: delivered_at.map(from_db),
    })
}

/// Queues a delivery.
pub fn enqueue(c: &mut DbConnection, queued: &Delivery) -> Result<(), PersistenceError> {
    diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::id.eq(queued.id.to_string()),
            webhook_deliveries::webhook_id.eq(queued.webhook.to_string()),
            webhook_deliveries::event_id.eq(queued.event.to_string()),
            webhook_deliveries::event_type.eq(queued.event_type.as_str()),
            webhook_deliveries::payload.eq(&queued.payload),
            webhook_deliveries::status.eq(queued.status.as_str()),
            webhook_deliveries::attempts.eq(0),
            webhook_deliveries::next_attempt_at.eq(queued.next_attempt_at.map(to_db)),
            webhook_deliveries::give_up_at.eq(to_db(queued.give_up_at)),
            webhook_deliveries::created_at.eq(to_db(queued.created_at)),
        ))
        .execute(c)?;
    Ok(())
}

/// A delivery claimed for an attempt, with where it goes and the sealed secret to sign it.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The claim, to record the attempt under.
    pub claim: String,
    /// The delivery.
    pub delivery: Delivery,
    /// The endpoint's URL.
    pub url: String,
    /// The endpoint's sealed signing secret.
    pub sealed_secret: Vec<u8>,
}

/// Claims up to `limit` due deliveries, oldest first, by marking them with a new claim and
/// moving their next attempt `lease` ahead, in one transaction. On PostgreSQL the due rows are
/// read `FOR UPDATE SKIP LOCKED`, so workers of several nodes claiming at once each get other
/// rows; SQLite has one writer at a time. A worker that dies mid-delivery leaves its rows to
/// be claimed again when the lease runs out (delivery is at least once, nothing is lost), and
/// a worker slower than its lease finds its claim gone and records nothing.
pub fn claim_due(
    c: &mut DbConnection,
    now: DateTime<Utc>,
    lease: Duration,
    limit: i64,
) -> Result<Vec<Claimed>, PersistenceError> {
    let at = to_db(now);
    let due = || {
        webhook_deliveries::table
            .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
            .filter(webhook_deliveries::next_attempt_at.le(at))
    };
    // Looked at first without a transaction: on SQLite an idle worker would otherwise take the
    // write lock every round for nothing.
    let any_due: Option<String> = due().select(webhook_deliveries::id).first(c).optional()?;
    if any_due.is_none() {
        return Ok(Vec::new());
    }
    transaction(c, |c| {
        let due = webhook_deliveries::table
            .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
            .filter(webhook_deliveries::next_attempt_at.le(at))
            .order((
                webhook_deliveries::next_attempt_at.asc(),
                webhook_deliveries::id.asc(),
            ))
            .limit(limit)
            .select(webhook_deliveries::id);
        let ids: Vec<String> = match c {
            DbConnection::Postgres(pg) => due.for_update().skip_locked().load(pg)?,
            DbConnection::Sqlite(sqlite) => due.load(sqlite)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let claim = uuid::Uuid::now_v7().to_string();
        diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(&ids)))
            .set((
                webhook_deliveries::next_attempt_at.eq(Some(to_db(now + lease))),
                webhook_deliveries::claim.eq(Some(&claim)),
            ))
            .execute(c)?;
        let rows: Vec<(DeliveryRow, String, Vec<u8>)> = webhook_deliveries::table
            .inner_join(webhooks::table)
            .filter(webhook_deliveries::id.eq_any(&ids))
            .order((
                webhook_deliveries::created_at.asc(),
                webhook_deliveries::id.asc(),
            ))
            .select((delivery_columns!(), webhooks::url, webhooks::sealed_secret))
            .load(c)?;
        rows.into_iter()
            .map(|(row, url, sealed_secret)| {
                Ok(Claimed {
                    claim: claim.clone(),
                    delivery: delivery(row)?,
                    url,
                    sealed_secret,
                })
            })
            .collect()
    })
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The endpoint answered 2xx.
    Delivered {
        /// Its status code.
        status_code: u16,
    },
    /// It did not; try again at `retry_at`, or never (`None`: the window closed).
    Failed {
        /// Its status code, if it answered.
        status_code: Option<u16>,
        /// What went wrong.
        error: String,
        /// When to try again.
        retry_at: Option<DateTime<Utc>>,
    },
}

/// Records an attempt at a claimed delivery, if the claim still holds: not taken over after
/// its lease, nor dropped by a removal or a redelivery meanwhile. Answers whether it held.
pub fn record_attempt(
    c: &mut DbConnection,
    claimed: &Claimed,
    attempt: &Attempt,
    at: DateTime<Utc>,
) -> Result<bool, PersistenceError> {
    let attempts = i32::try_from(claimed.delivery.attempts.saturating_add(1)).unwrap_or(i32::MAX);
    let target = webhook_deliveries::table
        .find(claimed.delivery.id.to_string())
        .filter(webhook_deliveries::claim.eq(&claimed.claim))
        .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()));
    let recorded = match attempt {
        Attempt::Delivered { status_code } => diesel::update(target)
            .set((
                webhook_deliveries::status.eq(DeliveryStatus::Delivered.as_str()),
                webhook_deliveries::attempts.eq(attempts),
                webhook_deliveries::next_attempt_at.eq(None::<NaiveDateTime>),
                webhook_deliveries::last_status_code.eq(Some(i32::from(*status_code))),
                webhook_deliveries::last_error.eq(None::<String>),
                webhook_deliveries::delivered_at.eq(Some(to_db(at))),
                webhook_deliveries::claim.eq(None::<String>),
            ))
            .execute(c)?,
        Attempt::Failed {
            status_code,
            error,
            retry_at,
        } => {
            let status = match retry_at {
                Some(_) => DeliveryStatus::Pending,
                None => DeliveryStatus::Failed,
            };
            diesel::update(target)
                .set((
                    webhook_deliveries::status.eq(status.as_str()),
                    webhook_deliveries::attempts.eq(attempts),
                    webhook_deliveries::next_attempt_at.eq(retry_at.map(to_db)),
                    webhook_deliveries::last_status_code.eq(status_code.map(i32::from)),
                    webhook_deliveries::last_error.eq(Some(error)),
                    webhook_deliveries::claim.eq(None::<String>),
                ))
                .execute(c)?
        }
    };
    Ok(recorded == 1)
}

/// A page of an endpoint's deliveries, newest first, after `after` (created at, id).
pub fn deliveries(
    c: &mut DbConnection,
    hook: WebhookId,
    after: Option<(DateTime<Utc>, DeliveryId)>,
    limit: i64,
) -> Result<Vec<Delivery>, PersistenceError> {
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(hook.to_string()))
        .order((
            webhook_deliveries::created_at.desc(),
            webhook_deliveries::id.desc(),
        ))
        .limit(limit)
        .select(delivery_columns!())
        .into_boxed();
    if let Some((at, id)) = after {
        let at = to_db(at);
        query = query.filter(
            webhook_deliveries::created_at
                .lt(at)
                .or(webhook_deliveries::created_at
                    .eq(at)
                    .and(webhook_deliveries::id.lt(id.to_string()))),
        );
    }
    let rows: Vec<DeliveryRow> = query.load(c)?;
    rows.into_iter().map(delivery).collect()
}

/// Queues a delivery of the endpoint again, now, for another [`DELIVERY_WINDOW`]-long
/// window, once it was delivered or failed; one still pending (queued, or being sent this
/// moment) stays as it is, so it is never sent twice at once. Answers the delivery, or nothing
/// when the endpoint has no such delivery.
///
/// [`DELIVERY_WINDOW`]: hearth_domain::webhook::DELIVERY_WINDOW
pub fn redeliver(
    c: &mut DbConnection,
    hook: WebhookId,
    id: DeliveryId,
    now: DateTime<Utc>,
    give_up_at: DateTime<Utc>,
) -> Result<Option<Delivery>, PersistenceError> {
    let target = || {
        webhook_deliveries::table
            .find(id.to_string())
            .filter(webhook_deliveries::webhook_id.eq(hook.to_string()))
    };
    diesel::update(
        target().filter(webhook_deliveries::status.ne(DeliveryStatus::Pending.as_str())),
    )
    .set((
        webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()),
        webhook_deliveries::next_attempt_at.eq(Some(to_db(now))),
        webhook_deliveries::give_up_at.eq(to_db(give_up_at)),
        webhook_deliveries::delivered_at.eq(None::<NaiveDateTime>),
        webhook_deliveries::attempts.eq(0),
        webhook_deliveries::claim.eq(None::<String>),
    ))
    .execute(c)?;
    let row: Option<DeliveryRow> = target().select(delivery_columns!()).first(c).optional()?;
    row.map(delivery).transpose()
}
