//! Password hashing and one-time tokens.

use actix_web::web;
use std::sync::LazyLock;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use hearth_domain::Sensitive;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// Hashes a password with argon2id at OWASP's recommended cost (19 MiB, 2 passes, 1 lane) on
/// the blocking pool: it takes tens of milliseconds of CPU by design.
pub async fn hash_password(password: Sensitive<String>) -> Result<String, ApiError> {
    web::block(move || hash_password_now(&password))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
}

/// [`hash_password`] on the calling thread, for the command line.
pub fn hash_password_now(password: &Sensitive<String>) -> Result<String, ApiError> {
    Argon2::default()
        .hash_password(password.expose().as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| ApiError::Internal(format!("password hashing failed: {e}")))
}

/// Verifies against the stored hash, or against a stand-in when there is none, so an unknown
/// email takes as long to refuse as a wrong password.
pub async fn verify_password(
    password: Sensitive<String>,
    stored: Option<String>,
) -> Result<bool, ApiError> {
    static STAND_IN: LazyLock<Option<String>> = LazyLock::new(|| {
        Argon2::default()
            .hash_password(b"no account has this password")
            .ok()
            .map(|hash| hash.to_string())
    });
    web::block(move || {
        let Some(hash) = stored.as_ref().or(STAND_IN.as_ref()) else {
            return false;
        };
        let matches = Argon2::default()
            .verify_password(password.expose().as_bytes(), hash.as_str())
            .is_ok();
        matches && stored.is_some()
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))
}

/// A random one-time token: the value goes to its owner, only the hash is stored.
#[derive(Debug)]
pub struct OneTimeToken {
    /// What the owner receives (256 random bits, hex).
    pub value: Sensitive<String>,
    /// What is stored.
    pub hash: String,
}

impl OneTimeToken {
    /// Draws a new token from the operating system's random source.
    pub fn generate() -> Result<Self, ApiError> {
        let mut bytes = [0_u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
        let value = hex(&bytes);
        Ok(Self {
            hash: hash_token(&value),
            value: Sensitive::new(value),
        })
    }
}

/// The stored form of a token. Tokens carry 256 bits of entropy, so a fast hash suffices: it
/// keeps a leaked table from being replayed, and nothing is left to brute-force.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.trim().as_bytes()))
}

/// A stable, non-reversible key for a personal value (an attempted email, a client address),
/// so throttling can count attempts without storing who made them.
pub fn fingerprint(kind: &str, value: &str) -> String {
    hex(&Sha256::digest(format!("{kind}:{value}").as_bytes()))
}

/// Lower-case hexadecimal.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let first = OneTimeToken::generate().unwrap();
        let second = OneTimeToken::generate().unwrap();

        assert_eq!(first.value.expose().len(), 64);
        assert_ne!(first.value, second.value);
        assert_eq!(first.hash, hash_token(first.value.expose()));
        assert_ne!(&first.hash, first.value.expose());
    }

    #[actix_web::test]
    async fn passwords_hash_to_argon2id_phc_strings_with_owasp_cost() {
        let hash = hash_password(Sensitive::new("lantern orbit cactus quiet".to_owned()))
            .await
            .unwrap();

        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
    }
}
