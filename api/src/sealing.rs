//! Sealing client data at rest with XChaCha20-Poly1305 under `HEARTH_DATA_KEY`. A sealed value
//! is bound to what it belongs to (its associated data, such as a referral's id), so a value
//! copied onto another row does not open. Keys rotate: values sealed under a previous key
//! still open while that key is configured, and every new value is sealed under the current one.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hearth_domain::Sensitive;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// The bytes of a key's fingerprint at the start of every sealed value.
const KEY_ID_LENGTH: usize = 4;
/// XChaCha20's nonce: long enough to draw at random for every value.
const NONCE_LENGTH: usize = 24;

/// One data key.
struct DataKey {
    id: [u8; KEY_ID_LENGTH],
    cipher: XChaCha20Poly1305,
}

impl DataKey {
    fn new(encoded: &Sensitive<String>) -> Result<Self, String> {
        let bytes = STANDARD
            .decode(encoded.expose().trim())
            .map_err(|_| "must be 32 bytes in base64, such as `openssl rand -base64 32` prints")?;
        let cipher = XChaCha20Poly1305::new_from_slice(&bytes)
            .map_err(|_| "must be exactly 32 bytes (44 base64 characters)")?;
        let digest = Sha256::digest(&bytes);
        let mut id = [0; KEY_ID_LENGTH];
        id.copy_from_slice(&digest[..KEY_ID_LENGTH]);
        Ok(Self { id, cipher })
    }
}

/// The current data key and any previous ones still needed to open older values.
pub struct DataKeys {
    current: DataKey,
    previous: Vec<DataKey>,
}

impl std::fmt::Debug for DataKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataKeys").finish_non_exhaustive()
    }
}

impl DataKeys {
    /// Keys from their base64 settings; a malformed one is refused with the setting's rule.
    pub fn new(
        current: &Sensitive<String>,
        previous: &[Sensitive<String>],
    ) -> Result<Self, String> {
        Ok(Self {
            current: DataKey::new(current)?,
            previous: previous
                .iter()
                .map(DataKey::new)
                .collect::<Result<_, _>>()?,
        })
    }

    /// Seals `plain` for `context` under the current key.
    pub fn seal(&self, context: &str, plain: &[u8]) -> Result<Vec<u8>, ApiError> {
        let mut nonce = [0; NONCE_LENGTH];
        getrandom::fill(&mut nonce)
            .map_err(|e| ApiError::Internal(format!("no randomness for a nonce: {e}")))?;
        let sealed = self
            .current
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plain,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| ApiError::Internal("sealing failed".to_owned()))?;
        Ok([&self.current.id[..], &nonce, &sealed].concat())
    }

    /// Opens what [`DataKeys::seal`] sealed for `context`. A value sealed under a key that is
    /// no longer configured, or tampered with, or moved from elsewhere, is an internal error:
    /// it says nothing of the content.
    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, ApiError> {
        let unreadable =
            || ApiError::Internal(format!("a sealed value of {context} does not open"));
        if sealed.len() < KEY_ID_LENGTH + NONCE_LENGTH {
            return Err(unreadable());
        }
        let (id, rest) = sealed.split_at(KEY_ID_LENGTH);
        let (nonce, body) = rest.split_at(NONCE_LENGTH);
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|key| key.id == id)
            .ok_or_else(unreadable)?;
        let nonce: [u8; NONCE_LENGTH] = nonce.try_into().map_err(|_| unreadable())?;
        key.cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: body,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| unreadable())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> Sensitive<String> {
        Sensitive::new(STANDARD.encode([byte; 32]))
    }

    #[test]
    fn a_sealed_value_opens_only_for_its_context_and_untouched() {
        let keys = DataKeys::new(&key(1), &[]).unwrap();
        let sealed = keys.seal("referral a", b"Jo, +1 555 0100").unwrap();
        assert_eq!(
            keys.open("referral a", &sealed).unwrap(),
            b"Jo, +1 555 0100"
        );
        assert!(
            !sealed.windows(8).any(|w| w == b"555 0100"),
            "the plain text does not show"
        );
        assert!(keys.open("referral b", &sealed).is_err());
        let mut tampered = sealed.clone();
        if let Some(last) = tampered.last_mut() {
            *last ^= 1;
        }
        assert!(keys.open("referral a", &tampered).is_err());
        assert!(keys.open("referral a", &sealed[..10]).is_err());
        assert_ne!(sealed, keys.seal("referral a", b"Jo, +1 555 0100").unwrap());
    }

    #[test]
    fn values_of_a_previous_key_open_after_rotation() {
        let before = DataKeys::new(&key(1), &[]).unwrap();
        let sealed = before.seal("x", b"secret").unwrap();
        let after = DataKeys::new(&key(2), &[key(1)]).unwrap();
        assert_eq!(after.open("x", &sealed).unwrap(), b"secret");
        assert!(
            DataKeys::new(&key(2), &[])
                .unwrap()
                .open("x", &sealed)
                .is_err()
        );
    }

    #[test]
    fn malformed_keys_are_refused() {
        assert!(DataKeys::new(&Sensitive::new("not base64!".to_owned()), &[]).is_err());
        assert!(DataKeys::new(&Sensitive::new(STANDARD.encode([0; 16])), &[]).is_err());
    }
}
