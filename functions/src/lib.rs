//! The durable functions of call-insights and the contracts they need.
//!
//! The functions depend only on the traits in [`ports`]; the service crate
//! implements them over sqlx and the configured vendors. This keeps the
//! dependency direction `service -> functions -> inngest`.

pub mod chunked;
pub mod domain;
pub mod generate_insights;
pub mod insights;
pub mod ports;
pub mod transcribe_call;
