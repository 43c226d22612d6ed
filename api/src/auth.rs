//! Access tokens (JWT, HS256 pinned) and the extractor that checks them.

use std::collections::HashMap;
use std::future::{Ready, ready};

use actix_web::web::Data;
use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header};
use chrono::{DateTime, Duration, Utc};
use hearth_domain::DomainError;
use hearth_domain::Sensitive;
use hearth_domain::account::{AccountId, PlatformRole};
use hearth_domain::organization::{ApiClientId, OrganizationId, Scope};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// Who tokens say issued them.
pub const ISSUER: &str = "hearth";
/// Whom tokens are for.
pub const AUDIENCE: &str = "hearth-api";
/// Clock difference tolerated between nodes, in seconds (jsonwebtoken's default is 60).
const LEEWAY_SECONDS: u64 = 5;

/// The keys tokens are signed and checked with. New tokens are signed with the current key;
/// tokens signed with a previous key stay valid until they expire, so a key can be rotated
/// without logging anybody out. Each key's `kid` is derived from the secret.
pub struct TokenKeys {
    current_kid: String,
    signing: EncodingKey,
    verifying: HashMap<String, DecodingKey>,
    validation: Validation,
    access_ttl: Duration,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("current_kid", &self.current_kid)
            .field("kids", &self.verifying.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl TokenKeys {
    /// Keys from the current secret and any previous ones still accepted.
    pub fn new(
        current: &Sensitive<String>,
        previous: &[Sensitive<String>],
        access_ttl: Duration,
    ) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        let verifying = std::iter::once(current)
            .chain(previous)
            .map(|secret| {
                (
                    key_id(secret),
                    DecodingKey::from_secret(secret.expose().as_bytes()),
                )
            })
            .collect();
        Self {
            current_kid: key_id(current),
            signing: EncodingKey::from_secret(current.expose().as_bytes()),
            verifying,
            validation,
            access_ttl,
        }
    }

    /// How long access tokens live.
    pub fn access_ttl(&self) -> Duration {
        self.access_ttl
    }

    /// Signs an access token for `account` in login session `session`.
    pub fn issue(
        &self,
        account: AccountId,
        role: PlatformRole,
        session: &str,
        now: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        let claims = Claims {
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            sub: account.to_string(),
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: (now + self.access_ttl).timestamp(),
            jti: uuid::Uuid::now_v7().to_string(),
            roles: vec![role],
            scopes: Vec::new(),
            sid: Some(session.to_owned()),
            org: None,
        };
        self.sign(&claims)
    }

    /// Signs an access token for an organisation's API client, with the granted scopes.
    pub fn issue_for_client(
        &self,
        client: ApiClientId,
        organization: OrganizationId,
        scopes: &[Scope],
        now: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        self.sign(&Claims {
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            sub: client.to_string(),
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: (now + self.access_ttl).timestamp(),
            jti: uuid::Uuid::now_v7().to_string(),
            roles: Vec::new(),
            scopes: scopes
                .iter()
                .map(|scope| scope.as_str().to_owned())
                .collect(),
            sid: None,
            org: Some(organization.to_string()),
        })
    }

    fn sign(&self, claims: &Claims) -> Result<String, ApiError> {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.current_kid.clone());
        jsonwebtoken::encode(&header, claims, &self.signing)
            .map_err(|e| ApiError::Internal(format!("signing a token failed: {e}")))
    }

    /// Checks a token's key, signature, algorithm, issuer, audience and times.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let invalid = || ApiError::Unauthenticated("the access token is invalid or expired");
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid())?;
        let key = header
            .kid
            .as_ref()
            .and_then(|kid| self.verifying.get(kid))
            .ok_or_else(invalid)?;
        jsonwebtoken::decode::<Claims>(token, key, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| invalid())
    }
}

/// A short, stable, non-secret name for a key.
fn key_id(secret: &Sensitive<String>) -> String {
    Sha256::digest(secret.expose().as_bytes())
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What an access token asserts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// The account's id.
    pub sub: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Not before.
    pub nbf: i64,
    /// Expires at.
    pub exp: i64,
    /// A unique id of this token.
    pub jti: String,
    /// Platform roles.
    pub roles: Vec<PlatformRole>,
    /// Granted scopes (organisation API clients).
    pub scopes: Vec<String>,
    /// The login session the token belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// For an API client's token, its organisation; such tokens act for no account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
}

/// The caller, proven by a bearer access token. Extracting it fails with 401 and
/// `WWW-Authenticate: Bearer error="invalid_token"`, or 403 for an API client's token (those
/// act for an organisation, not for a person).
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The caller's account.
    pub id: AccountId,
    /// The caller's platform roles.
    pub roles: Vec<PlatformRole>,
    /// The login session the token came from.
    pub session: Option<String>,
}

impl AuthUser {
    /// The highest platform role the token carries.
    pub fn platform_role(&self) -> PlatformRole {
        if self.roles.contains(&PlatformRole::Admin) {
            PlatformRole::Admin
        } else {
            PlatformRole::Member
        }
    }
}

impl FromRequest for AuthUser {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req).map_err(Into::into))
    }
}

/// A caller who may be anonymous: no `Authorization` header, or an API client's token (which
/// acts for no person), reads as nobody. A header that is present but invalid still fails
/// with 401, so a client never mistakes an expired token for an anonymous view.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<AuthUser>);

impl FromRequest for MaybeUser {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if !req.headers().contains_key(header::AUTHORIZATION) {
            return ready(Ok(Self(None)));
        }
        ready(match authenticate(req) {
            Ok(user) => Ok(Self(Some(user))),
            Err(ApiError::Domain(DomainError::Forbidden)) => Ok(Self(None)),
            Err(error) => Err(error.into()),
        })
    }
}

/// An organisation's API client, proven by a client-credentials token.
#[derive(Debug, Clone)]
pub struct ClientCaller {
    /// Its `client_id`.
    pub id: ApiClientId,
    /// Its organisation.
    pub organization: OrganizationId,
    /// What its token may do.
    pub scopes: Vec<Scope>,
}

/// A caller that is a person or an organisation's API client: the endpoints partner clinics
/// call accept both. Extracting it fails with 401 like [`AuthUser`].
#[derive(Debug, Clone)]
pub enum Caller {
    /// A person.
    Person(AuthUser),
    /// An API client.
    Client(ClientCaller),
}

impl FromRequest for Caller {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(caller_of(req).map_err(Into::into))
    }
}

/// The caller of a request, person or API client, as [`Caller`] extracts it.
pub fn caller_of(req: &HttpRequest) -> Result<Caller, ApiError> {
    verified_claims(req).and_then(caller)
}

fn invalid_token() -> ApiError {
    ApiError::Unauthenticated("the access token is invalid or expired")
}

fn caller(claims: Claims) -> Result<Caller, ApiError> {
    let Some(organization) = claims.org else {
        return person(claims).map(Caller::Person);
    };
    Ok(Caller::Client(ClientCaller {
        id: claims
            .sub
            .parse()
            .map(ApiClientId)
            .map_err(|_| invalid_token())?,
        organization: organization
            .parse()
            .map(OrganizationId)
            .map_err(|_| invalid_token())?,
        scopes: claims
            .scopes
            .iter()
            .filter_map(|scope| Scope::parse(scope))
            .collect(),
    }))
}

fn person(claims: Claims) -> Result<AuthUser, ApiError> {
    let id = claims
        .sub
        .parse()
        .map(AccountId)
        .map_err(|_| invalid_token())?;
    Ok(AuthUser {
        id,
        roles: claims.roles,
        session: claims.sid,
    })
}

fn authenticate(req: &HttpRequest) -> Result<AuthUser, ApiError> {
    let claims = verified_claims(req)?;
    if claims.org.is_some() {
        return Err(DomainError::Forbidden.into());
    }
    person(claims)
}

fn verified_claims(req: &HttpRequest) -> Result<Claims, ApiError> {
    let keys = req
        .app_data::<Data<TokenKeys>>()
        .ok_or_else(|| ApiError::Internal("token keys are not configured".to_owned()))?;
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
        })
        .ok_or(ApiError::Unauthenticated(
            "send an access token as `Authorization: Bearer <token>`",
        ))?;
    keys.verify(token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &str) -> TokenKeys {
        TokenKeys::new(
            &Sensitive::new(secret.repeat(4)),
            &[],
            Duration::minutes(15),
        )
    }

    #[test]
    fn issued_tokens_verify_with_their_claims() {
        let keys = keys("first-secret");
        let account = AccountId::new();

        let token = keys
            .issue(account, PlatformRole::Member, "s", Utc::now())
            .unwrap();
        let claims = keys.verify(&token).unwrap();

        assert_eq!(claims.sub, account.to_string());
        assert_eq!(claims.iss, ISSUER);
        assert_eq!(claims.aud, AUDIENCE);
        assert_eq!(claims.exp - claims.iat, 15 * 60);
        assert_eq!(claims.roles, [PlatformRole::Member]);
    }

    #[test]
    fn tokens_of_a_previous_key_verify_after_rotation() {
        let old = Sensitive::new("old-secret".repeat(4));
        let new = Sensitive::new("new-secret".repeat(4));
        let before = TokenKeys::new(&old, &[], Duration::minutes(15));
        let after = TokenKeys::new(&new, &[old], Duration::minutes(15));
        let token = before
            .issue(AccountId::new(), PlatformRole::Member, "s", Utc::now())
            .unwrap();

        assert!(after.verify(&token).is_ok());
        assert!(keys("unrelated").verify(&token).is_err());
    }

    #[test]
    fn expired_tokens_are_refused_beyond_the_leeway() {
        let keys = keys("first-secret");
        let long_ago = Utc::now() - Duration::minutes(16);
        let just_now = Utc::now() - Duration::minutes(15) + Duration::seconds(2);

        let expired = keys
            .issue(AccountId::new(), PlatformRole::Member, "s", long_ago)
            .unwrap();
        let within_leeway = keys
            .issue(AccountId::new(), PlatformRole::Member, "s", just_now)
            .unwrap();

        assert!(keys.verify(&expired).is_err());
        assert!(keys.verify(&within_leeway).is_ok());
    }
}
