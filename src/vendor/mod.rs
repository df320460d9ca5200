//! Plumbing shared by the vendor clients: one HTTP client per vendor with the
//! configured timeout, the retryable/permanent classification of failures,
//! `Retry-After` parsing, and removal of API keys from surfaced text.

mod classify;
mod client;
mod redact;
mod retry_after;

pub use classify::{VendorApi, VendorError, classify_status, classify_transport};
pub use client::{VendorClient, VendorResponse};
pub use redact::{REDACTED, Redactor};
pub use retry_after::{MAX_RETRY_AFTER, parse_reset_duration, parse_retry_after, retry_after};
