//! Request signatures and signing-key hashes.
//!
//! A signature header is `t=<unix seconds>&s=<hex>`, where the hex part is
//! HMAC-SHA256 over the body followed by the decimal timestamp. The HMAC key
//! is the signing key without its `signkey-<env>-` prefix, used as ASCII text
//! (it is not hex-decoded). The Bearer token for the Inngest API is a different
//! derivation: the prefix, then hex SHA-256 of the hex-decoded key body.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// Signatures older or newer than this are rejected (seconds).
pub const MAX_SKEW_SECS: i64 = 300;

/// A signing key (`signkey-<env>-<hex>` or bare hex). Its `Debug` hides the key.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey {
    full: String,
    prefix_len: usize,
}

/// Error for a signing key rejected at configuration time.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    /// The key is empty or only a prefix.
    #[error(
        "the signing key is empty; set it to the `signkey-<env>-<hex>` value from the Inngest dashboard"
    )]
    Empty,
    /// The key body is not hexadecimal.
    #[error(
        "the signing key body after `{prefix}` is not hexadecimal; copy the whole `signkey-<env>-<hex>` value from the Inngest dashboard"
    )]
    NotHex { prefix: String },
}

impl SigningKey {
    /// Parses and validates a key.
    ///
    /// # Errors
    /// [`KeyError`] when the key is empty or its body is not hexadecimal.
    pub fn parse(key: &str) -> Result<Self, KeyError> {
        let key = key.trim();
        let prefix_len = prefix_len(key);
        let body = &key[prefix_len..];
        if body.is_empty() {
            return Err(KeyError::Empty);
        }
        if hex::decode(body).is_err() {
            return Err(KeyError::NotHex {
                prefix: key[..prefix_len].to_owned(),
            });
        }
        Ok(Self {
            full: key.to_owned(),
            prefix_len,
        })
    }

    /// The key text as configured. Never log it.
    pub fn expose(&self) -> &str {
        &self.full
    }

    /// `signkey-<env>-` or the empty string.
    fn prefix(&self) -> &str {
        &self.full[..self.prefix_len]
    }

    fn hmac_key(&self) -> &[u8] {
        &self.full.as_bytes()[self.prefix_len..]
    }

    /// The hashed key sent as `Authorization: Bearer <hashed>` to the Inngest API.
    pub fn hashed(&self) -> String {
        let body = hex::decode(&self.full[self.prefix_len..]).unwrap_or_default();
        format!("{}{}", self.prefix(), hex::encode(Sha256::digest(&body)))
    }

    /// The first 12 hex characters of the hashed key without its prefix, as
    /// shown in introspection.
    pub fn short_hash(&self) -> String {
        let hashed = self.hashed();
        hashed[self.prefix_len..].chars().take(12).collect()
    }

    /// Hex HMAC-SHA256 of `body` followed by the decimal timestamp.
    pub fn mac(&self, body: &[u8], timestamp: i64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.hmac_key())
            .expect("HMAC accepts keys of any length");
        mac.update(body);
        mac.update(timestamp.to_string().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The `X-Inngest-Signature` header value for `body` at `timestamp`.
    pub fn sign(&self, body: &[u8], timestamp: i64) -> String {
        format!("t={timestamp}&s={}", self.mac(body, timestamp))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({}…)", self.prefix())
    }
}

/// Length of a leading `signkey-<word>-` prefix, 0 when absent.
fn prefix_len(key: &str) -> usize {
    let Some(rest) = key.strip_prefix("signkey-") else {
        return 0;
    };
    let word_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    if word_len == 0 || !rest[word_len..].starts_with('-') {
        return 0;
    }
    "signkey-".len() + word_len + 1
}

/// Configured key that verified a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUsed {
    Primary,
    Fallback,
}

/// Error for a rejected signature.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("no X-Inngest-Signature header was sent")]
    Missing,
    #[error("the X-Inngest-Signature header is malformed; expected `t=<unix seconds>&s=<hex>`")]
    Malformed,
    #[error(
        "the signature timestamp {timestamp} is more than {MAX_SKEW_SECS} s away from now ({now}); check the clocks"
    )]
    Expired { timestamp: i64, now: i64 },
    #[error("the signature does not match the signing key or the fallback key")]
    Mismatch,
}

/// Verifies a signature header against the primary key, then the fallback.
///
/// The MAC is checked over the raw body first. When that fails and the body
/// is JSON, it is checked over the body's JCS (RFC 8785) canonical form,
/// because the Inngest executor signs canonical bytes and a proxy that
/// re-serializes the body changes only its formatting.
///
/// # Errors
/// [`SignatureError`] naming what failed.
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    now: i64,
    primary: &SigningKey,
    fallback: Option<&SigningKey>,
) -> Result<KeyUsed, SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let (timestamp, signature) = parse_header(header)?;
    if (now - timestamp).abs() > MAX_SKEW_SECS {
        return Err(SignatureError::Expired { timestamp, now });
    }

    let canonical = canonical_form(body);
    let candidates = [
        Some((primary, KeyUsed::Primary)),
        fallback.map(|key| (key, KeyUsed::Fallback)),
    ];
    for (key, used) in candidates.into_iter().flatten() {
        if matches(key, body, timestamp, signature) {
            return Ok(used);
        }
        if let Some(canonical) = &canonical
            && matches(key, canonical, timestamp, signature)
        {
            return Ok(used);
        }
    }
    Err(SignatureError::Mismatch)
}

fn matches(key: &SigningKey, body: &[u8], timestamp: i64, signature: &str) -> bool {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key.hmac_key()).expect("HMAC accepts keys of any length");
    mac.update(body);
    mac.update(timestamp.to_string().as_bytes());
    // Upper-case hex is rejected, as the official SDK compares case-sensitively.
    let Ok(expected) = decode_lower_hex(signature) else {
        return false;
    };
    mac.verify_slice(&expected).is_ok()
}

fn decode_lower_hex(text: &str) -> Result<Vec<u8>, ()> {
    if text.bytes().any(|byte| byte.is_ascii_uppercase()) {
        return Err(());
    }
    hex::decode(text).map_err(|_| ())
}

fn parse_header(header: &str) -> Result<(i64, &str), SignatureError> {
    let mut timestamp = None;
    let mut signature = None;
    for pair in header.split('&') {
        match pair.split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("s", value)) => signature = Some(value),
            _ => {}
        }
    }
    match (timestamp, signature) {
        (Some(timestamp), Some(signature)) if !signature.is_empty() => Ok((timestamp, signature)),
        _ => Err(SignatureError::Malformed),
    }
}

/// The JCS form of a JSON body, when it is JSON and differs from the raw bytes.
fn canonical_form(body: &[u8]) -> Option<Vec<u8>> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let canonical = serde_json_canonicalizer::to_vec(&value).ok()?;
    (canonical != body).then_some(canonical)
}

/// Hex SHA-256 of the event key text, as shown in introspection.
pub fn event_key_hash(event_key: &str) -> String {
    hex::encode(Sha256::digest(event_key.as_bytes()))
}
