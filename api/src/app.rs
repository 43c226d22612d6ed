//! Building the running service: the database at start-up, then the HTTP server. `hearth
//! serve` and the end-to-end tests go through these same functions.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, Condition, from_fn};
use actix_web::web::{self, Data};
use actix_web::{App, HttpServer};
use hearth_domain::meeting::MeetingId;
use hearth_persistence::{PersistenceError, StatementCount, connect, migrations, pool};
use utoipa_actix_web::AppExt;

use crate::auth::TokenKeys;
use crate::client_address::TrustedProxies;
use crate::credentials::OneTimeToken;
use crate::crisis::CrisisDirectory;
use crate::db::Db;
use crate::docs::{self, Contract};
use crate::mail::{self, Smtp};
use crate::read_cache::ReadCache;
use crate::referrals::ReferralDesk;
use crate::sealing::DataKeys;
use crate::settings::{DatabaseSettings, ServeSettings};
use crate::webhooks::{self, Sender, WebhookPolicy};
use crate::worker::Worker;
use crate::{extract, middleware, routes};

/// Connects once (so a wrong URL, password or file fails here with the driver's own words),
/// brings the schema up to date, and returns the pool requests will use.
pub fn prepare_database(settings: &DatabaseSettings) -> Result<Db, PersistenceError> {
    let mut connection = connect(&settings.url)?;
    let applied = migrations::run_pending(&mut connection)?;
    if !applied.is_empty() {
        log::info!("applied migrations: {}", applied.join(", "));
    }
    let statements = StatementCount::default();
    Ok(Db::new(
        pool(&settings.url, settings.pool(), statements.clone()),
        statements,
    ))
}

/// The token keys from the settings. Without `HEARTH_JWT_SECRET` a random secret is drawn, so
/// a development server works with nothing configured; its tokens die with the process.
pub fn token_keys(settings: &ServeSettings) -> anyhow::Result<TokenKeys> {
    let current = match &settings.jwt_secret {
        Some(secret) => secret.clone(),
        None => {
            log::warn!(
                "HEARTH_JWT_SECRET is not set: tokens are signed with a random key and stop \
                 working when this process stops"
            );
            OneTimeToken::generate()?.value
        }
    };
    Ok(TokenKeys::new(
        &current,
        &settings.jwt_previous_secrets,
        chrono::Duration::seconds(i64::from(settings.access_token_ttl_secs)),
    ))
}

/// The data keys `HEARTH_DATA_KEY` and `HEARTH_DATA_PREVIOUS_KEYS` name, if any; a malformed
/// key stops the start.
fn data_keys(settings: &ServeSettings) -> anyhow::Result<Option<DataKeys>> {
    settings
        .data_key
        .as_ref()
        .map(|key| {
            DataKeys::new(key, &settings.data_previous_keys).map_err(|rule| {
                anyhow::anyhow!("HEARTH_DATA_KEY or HEARTH_DATA_PREVIOUS_KEYS {rule}")
            })
        })
        .transpose()
}

/// Where webhooks may go, by `HEARTH_WEBHOOK_ALLOW_LOOPBACK`.
fn webhook_policy(settings: &ServeSettings) -> WebhookPolicy {
    WebhookPolicy {
        allow_loopback: settings.webhook_allow_loopback,
    }
}

/// The referral desk: sealing with the data key when there is one. Without it referral and
/// webhook endpoints answer 503.
pub fn referral_desk(settings: &ServeSettings) -> anyhow::Result<ReferralDesk> {
    let keys = data_keys(settings)?;
    if keys.is_none() {
        log::warn!("HEARTH_DATA_KEY is not set: referral and webhook endpoints answer 503");
    }
    Ok(ReferralDesk::new(
        keys,
        chrono::Duration::hours(i64::from(settings.referral_answer_hours)),
    ))
}

/// Starts delivering webhooks when the server has a data key (without one, none are stored).
pub fn start_webhook_delivery(settings: &ServeSettings, db: &Db) -> anyhow::Result<Option<Worker>> {
    let Some(keys) = data_keys(settings)? else {
        return Ok(None);
    };
    let policy = webhook_policy(settings);
    if policy.allow_loopback {
        log::warn!("HEARTH_WEBHOOK_ALLOW_LOOPBACK is set: webhooks may go to http on loopback");
    }
    Ok(Some(webhooks::start_delivery(
        db.pool(),
        keys,
        Sender::new(policy)?,
    )))
}

/// The SMTP transport `HEARTH_SMTP_URL` asks for, checked before anything else starts.
pub fn smtp(settings: &ServeSettings) -> anyhow::Result<Option<Smtp>> {
    settings
        .smtp_url
        .as_ref()
        .map(|url| Smtp::new(url, &settings.mail_from))
        .transpose()
}

/// Starts delivering the mail outbox when there is a transport.
pub fn start_mail_delivery(smtp: Option<Smtp>, db: &Db) -> Option<Worker> {
    match smtp {
        Some(smtp) => {
            log::info!("delivering mail through {}", smtp.server());
            Some(mail::start_delivery(db.pool(), smtp))
        }
        None => {
            log::info!("HEARTH_SMTP_URL is not set: mail is queued in the outbox, not sent");
            None
        }
    }
}

/// Extra routes mounted beside the documented ones; `serve` passes [`no_extra_routes`].
pub type ExtraRoutes = fn(&mut web::ServiceConfig);

/// Mounts nothing.
pub fn no_extra_routes(_: &mut web::ServiceConfig) {}

/// The HTTP server on `listener`, ready to be awaited. It stops gracefully on SIGTERM and
/// SIGINT: in-flight requests get `shutdown_timeout_secs` to finish, then workers (and with
/// them the pool's connections) are dropped.
pub fn server(
    listener: TcpListener,
    settings: &ServeSettings,
    db: Db,
    extra_routes: ExtraRoutes,
) -> anyhow::Result<Server> {
    let contract = Data::from(Arc::new(Contract::new(&docs::openapi())?));
    let db = Data::new(db);
    let keys = Data::new(token_keys(settings)?);
    let proxies = Data::new(TrustedProxies(settings.trusted_proxies.clone()));
    let anonymous_meeting_reads = Data::new(ReadCache::<MeetingId>::default());
    let crisis_directory = Data::new(CrisisDirectory::default());
    let referral_desk = Data::new(referral_desk(settings)?);
    let webhook_policy = Data::new(webhook_policy(settings));
    let cors_origins = settings.cors_origins.clone();
    let max_body_bytes = settings.max_body_bytes;
    let mut server = HttpServer::new(move || {
        App::new()
            .into_utoipa_app()
            .configure(routes::configure)
            .into_app()
            .app_data(db.clone())
            .app_data(contract.clone())
            .app_data(keys.clone())
            .app_data(proxies.clone())
            .app_data(anonymous_meeting_reads.clone())
            .app_data(crisis_directory.clone())
            .app_data(referral_desk.clone())
            .app_data(webhook_policy.clone())
            .configure(|cfg| extract::configure(cfg, max_body_bytes))
            .configure(extra_routes)
            .service(docs::serve_openapi)
            .service(docs::swagger_ui())
            .configure(docs::redirects)
            .default_service(web::to(docs::no_route))
            .wrap(Condition::new(
                !cors_origins.is_empty(),
                middleware::cors(&cors_origins),
            ))
            .wrap(from_fn(middleware::problem_backstop))
            .wrap(Compress::default())
            .wrap(from_fn(middleware::trace_requests))
    })
    .listen(listener)?
    .shutdown_timeout(settings.shutdown_timeout_secs);
    if let Some(workers) = settings.workers {
        server = server.workers(workers.get());
    }
    Ok(server.run())
}
