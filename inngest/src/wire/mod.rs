//! Wire types of the serve protocol, shared by the SDK side and the executor.

mod memo;
mod op;
mod request;

pub use memo::Memo;
pub use op::{Op, Opcode, Timing, Userland};
pub use request::{CallCtx, CallRequest, Event, Stack};

/// Request version this crate speaks (`X-Inngest-Req-Version`). Version 2 has
/// version 1's step semantics and lets the executor coalesce parallel fan-in.
pub const REQUEST_VERSION: i64 = 2;

/// Header names, lower-case as HTTP/2 and `http::HeaderName` want them.
pub mod headers {
    /// Request signature `t=<unix seconds>&s=<hex HMAC-SHA256>`.
    pub const SIGNATURE: &str = "x-inngest-signature";
    /// SDK name and version; the executor rejects 2xx responses without it.
    pub const SDK: &str = "x-inngest-sdk";
    /// Set on every response the SDK produced, errors included.
    pub const SDK_HANDLED: &str = "x-inngest-sdk-handled";
    /// Web framework of the serve handler.
    pub const FRAMEWORK: &str = "x-inngest-framework";
    /// Request (execution) version.
    pub const REQ_VERSION: &str = "x-inngest-req-version";
    /// `true` stops retries; anything else lets the executor retry.
    pub const NO_RETRY: &str = "x-inngest-no-retry";
    /// Kind of server that sent a sync (`dev` or `cloud`).
    pub const SERVER_KIND: &str = "x-inngest-server-kind";
    /// Kind of server the SDK expects to register with.
    pub const EXPECTED_SERVER_KIND: &str = "x-inngest-expected-server-kind";
    /// `in_band` or `out_of_band`.
    pub const SYNC_KIND: &str = "x-inngest-sync-kind";
    /// Environment (branch) name.
    pub const ENV: &str = "x-inngest-env";
    /// Hosting platform, when detected.
    pub const PLATFORM: &str = "x-inngest-platform";
    /// Hashed step id of a targeted call, same as the `stepId` query parameter.
    pub const STEP_ID: &str = "x-inngest-step-id";
    /// Run id of a call request.
    pub const RUN_ID: &str = "x-run-id";
    /// Seed the event API derives internal event ids from.
    pub const EVENT_ID_SEED: &str = "x-inngest-event-id-seed";
}
