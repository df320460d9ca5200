//! The durable functions of call-insights and the contracts they need.
//!
//! The functions depend only on the traits in [`ports`]; the service crate
//! implements them over sqlx and the configured vendors. This keeps the
//! dependency direction `service -> functions -> inngest`.

pub mod chunked;
pub mod domain;
mod errors;
pub mod generate_insights;
pub mod insights;
pub mod ports;
pub mod transcribe_call;

use inngest::function::{Concurrency, FlowControl, Scope};

/// Builds the flow control both functions share: one run per call at a
/// time, and at most `account_limit` runs per account (`data.account_id`).
/// Events without an account id share a single pool.
pub fn per_call_and_account(account_limit: u32) -> FlowControl {
    FlowControl::new().concurrency(vec![
        Concurrency::new(1).key("event.data.call_id"),
        Concurrency::new(account_limit)
            .key("event.data.account_id")
            .scope(Scope::Account),
    ])
}
