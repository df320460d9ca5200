//! Identifier helpers.

/// A new ULID as its 26-character Crockford base32 text.
pub fn new_ulid() -> String {
    ulid::Ulid::new().to_string()
}
