//! Every setting, read once in `main` from flags or `HEARTH_*` variables and passed down.

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::time::Duration;

use clap::Args;
use hearth_domain::Sensitive;
use hearth_persistence::{DatabaseUrl, PoolSettings};

/// Where the data lives and how patiently we wait for it.
#[derive(Debug, Clone, Args)]
pub struct DatabaseSettings {
    /// `postgres://user:password@host/db`, `sqlite://path/to/file.db`, or a file path.
    #[arg(
        long = "database-url",
        env = "HEARTH_DATABASE_URL",
        default_value = "hearth.db",
        hide_env_values = true,
        value_parser = parse_database_url
    )]
    pub url: DatabaseUrl,

    /// Most database connections open at once.
    #[arg(long = "database-pool-size", env = "HEARTH_DATABASE_POOL_SIZE", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub pool_size: u32,

    /// How long a request waits for a database connection before answering 503, in milliseconds.
    #[arg(long = "database-timeout-ms", env = "HEARTH_DATABASE_TIMEOUT_MS", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(50..=60_000))]
    pub checkout_timeout_ms: u64,
}

impl DatabaseSettings {
    /// Settings for the connection pool.
    pub fn pool(&self) -> PoolSettings {
        PoolSettings {
            max_size: self.pool_size,
            checkout_timeout: Duration::from_millis(self.checkout_timeout_ms),
        }
    }
}

/// Everything `hearth serve` needs beyond the database.
#[derive(Debug, Clone, Args)]
pub struct ServeSettings {
    #[command(flatten)]
    pub database: DatabaseSettings,

    /// Address and port to listen on.
    #[arg(long, env = "HEARTH_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Secret for signing access tokens: at least 32 bytes; keep it out of shell history.
    #[arg(long, env = "HEARTH_JWT_SECRET", hide_env_values = true, value_parser = parse_jwt_secret)]
    pub jwt_secret: Option<Sensitive<String>>,

    /// Earlier signing secrets, comma-separated: tokens they signed stay valid until they
    /// expire, so rotating the secret logs nobody out.
    #[arg(long = "jwt-previous-secrets", env = "HEARTH_JWT_PREVIOUS_SECRETS", hide_env_values = true,
          value_delimiter = ',', value_parser = parse_jwt_secret)]
    pub jwt_previous_secrets: Vec<Sensitive<String>>,

    /// Lifetime of access tokens, in seconds.
    #[arg(long = "access-token-ttl-secs", env = "HEARTH_ACCESS_TOKEN_TTL_SECS", default_value_t = 900,
          value_parser = clap::value_parser!(u32).range(60..=86_400))]
    pub access_token_ttl_secs: u32,

    /// Origins allowed to call the API from a browser, comma-separated (`*` for any). Empty:
    /// no cross-origin browser access; native apps and servers are unaffected.
    #[arg(long = "cors-origins", env = "HEARTH_CORS_ORIGINS", value_delimiter = ',',
          value_parser = parse_cors_origin)]
    pub cors_origins: Vec<CorsOrigin>,

    /// Reverse proxies whose `X-Forwarded-For` tells the client's address, comma-separated IPs.
    /// Behind a load balancer, list it here, or every client shares its address for throttling.
    #[arg(
        long = "trusted-proxies",
        env = "HEARTH_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// Largest request body accepted, in bytes; larger ones answer 413.
    #[arg(long = "max-body-bytes", env = "HEARTH_MAX_BODY_BYTES", default_value_t = 256 * 1024,
          value_parser = clap::value_parser!(u64).range(1024..=64 * 1024 * 1024))]
    pub max_body_bytes: u64,

    /// SMTP server for outgoing mail, such as `smtps://user:password@smtp.example.org` or
    /// `smtp://localhost:25`. Unset, mail is only queued and logged (development).
    #[arg(long = "smtp-url", env = "HEARTH_SMTP_URL", hide_env_values = true,
          value_parser = parse_secret)]
    pub smtp_url: Option<Sensitive<String>>,

    /// Sender of outgoing mail.
    #[arg(
        long = "mail-from",
        env = "HEARTH_MAIL_FROM",
        default_value = "Hearth <no-reply@localhost>"
    )]
    pub mail_from: String,

    /// Key sealing referral client data at rest: 32 random bytes in base64 (`openssl rand
    /// -base64 32`). Unset, referral endpoints answer 503: client data is never stored unsealed.
    #[arg(long = "data-key", env = "HEARTH_DATA_KEY", hide_env_values = true,
          value_parser = parse_secret)]
    pub data_key: Option<Sensitive<String>>,

    /// Earlier data keys, comma-separated: data they sealed still opens after a rotation.
    #[arg(long = "data-previous-keys", env = "HEARTH_DATA_PREVIOUS_KEYS", hide_env_values = true,
          value_delimiter = ',', value_parser = parse_secret)]
    pub data_previous_keys: Vec<Sensitive<String>>,

    /// How long a group has to answer a referral before it expires, in hours.
    #[arg(long = "referral-answer-hours", env = "HEARTH_REFERRAL_ANSWER_HOURS", default_value_t = 14 * 24,
          value_parser = clap::value_parser!(u32).range(1..=90 * 24))]
    pub referral_answer_hours: u32,

    /// Let webhooks go to plain `http` on loopback addresses: for tests and development on one
    /// machine only. Private, link-local and metadata addresses stay refused.
    #[arg(long = "webhook-allow-loopback", env = "HEARTH_WEBHOOK_ALLOW_LOOPBACK")]
    pub webhook_allow_loopback: bool,

    /// Worker threads serving HTTP (default: one per core).
    #[arg(long, env = "HEARTH_WORKERS")]
    pub workers: Option<NonZeroUsize>,

    /// On SIGTERM or SIGINT, how long in-flight requests may take to finish, in seconds.
    #[arg(
        long = "shutdown-timeout-secs",
        env = "HEARTH_SHUTDOWN_TIMEOUT_SECS",
        default_value_t = 30
    )]
    pub shutdown_timeout_secs: u64,
}

impl ServeSettings {
    /// Defaults for everything but the database, as a fresh `hearth serve` would use them.
    pub fn for_database(url: DatabaseUrl) -> Self {
        Self {
            database: DatabaseSettings {
                url,
                pool_size: 10,
                checkout_timeout_ms: 1000,
            },
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            jwt_secret: None,
            jwt_previous_secrets: Vec::new(),
            access_token_ttl_secs: 900,
            cors_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            smtp_url: None,
            mail_from: "Hearth <no-reply@localhost>".to_owned(),
            max_body_bytes: 256 * 1024,
            data_key: None,
            data_previous_keys: Vec::new(),
            referral_answer_hours: 14 * 24,
            webhook_allow_loopback: false,
            workers: None,
            shutdown_timeout_secs: 30,
        }
    }
}

/// One entry of the CORS allow-list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigin {
    /// Any origin (`*`); credentials are never allowed, bearer tokens do not need them.
    Any,
    /// Exactly this origin, such as `https://app.example.org`.
    Exact(String),
}

fn parse_database_url(value: &str) -> Result<DatabaseUrl, String> {
    value
        .parse()
        .map_err(|e: hearth_persistence::PersistenceError| e.to_string())
}

fn parse_secret(value: &str) -> Result<Sensitive<String>, String> {
    Ok(Sensitive::new(value.to_owned()))
}

fn parse_jwt_secret(value: &str) -> Result<Sensitive<String>, String> {
    if value.len() < 32 {
        return Err("must be at least 32 bytes long".to_owned());
    }
    Ok(Sensitive::new(value.to_owned()))
}

fn parse_cors_origin(value: &str) -> Result<CorsOrigin, String> {
    let value = value.trim();
    if value == "*" {
        return Ok(CorsOrigin::Any);
    }
    let (scheme, host) = value
        .split_once("://")
        .ok_or_else(|| format!("`{value}` is not an origin like https://app.example.org"))?;
    let host_is_plain = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !matches!(scheme, "http" | "https") || !host_is_plain {
        return Err(format!(
            "`{value}` is not an origin like https://app.example.org (scheme and host, no path)"
        ));
    }
    Ok(CorsOrigin::Exact(value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cors_origin_accepts_scheme_and_host_only() {
        assert_eq!(parse_cors_origin("*"), Ok(CorsOrigin::Any));
        assert_eq!(
            parse_cors_origin("https://app.example.org:8443"),
            Ok(CorsOrigin::Exact("https://app.example.org:8443".to_owned()))
        );
        assert!(parse_cors_origin("https://app.example.org/path").is_err());
        assert!(parse_cors_origin("app.example.org").is_err());
        assert!(parse_cors_origin("ftp://app.example.org").is_err());
    }

    #[test]
    fn jwt_secret_must_be_long_enough() {
        assert!(parse_jwt_secret("short").is_err());
        assert!(parse_jwt_secret(&"x".repeat(32)).is_ok());
    }
}
