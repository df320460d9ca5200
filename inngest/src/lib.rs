//! The Inngest serve protocol for Rust.
//!
//! Define functions with [`Function::builder`], collect them in an [`App`],
//! and mount [`serve::router`] at `/api/inngest`. The Inngest dev server,
//! self-hosted Inngest, Inngest Cloud or this crate's own local executor then
//! drive every step over HTTP.
//!
//! ```no_run
//! use inngest::{App, Function, Step, Trigger, Context};
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Start { call_id: String }
//!
//! let function = Function::builder("summarize")
//!     .trigger(Trigger::event("calls/summarize"))
//!     .build(|ctx: Context<Start>, step: Step| async move {
//!         let words = step.run("count", || async move {
//!             Ok::<_, inngest::Error>(ctx.event.data.call_id.len())
//!         }).await?;
//!         Ok(serde_json::json!({ "words": words }))
//!     });
//! let app = App::new("call-insights").function(function);
//! # let _ = app;
//! ```

pub mod app;
pub mod client;
pub mod context;
pub mod error;
pub mod execution;
pub mod executor;
pub mod function;
pub mod ids;
pub mod log;
pub mod serve;
pub mod signing;
pub mod step;
pub mod step_id;
pub mod time_fmt;
pub mod wire;

pub use app::App;
pub use client::{EventClient, SendError};
pub use context::{Context, FunctionFailed, TypedEvent};
pub use error::{Error, ResultExt, Retry, RetryAfter, SerializedError};
pub use function::{Function, FunctionOptions, Trigger};
pub use step::{Invoke, RunOptions, SentEvents, Step, WaitForEvent};
pub use wire::Event;

/// SDK name and version sent in `X-Inngest-SDK` (`<name>:v<semver>`).
pub const SDK_HEADER_VALUE: &str = concat!("inngest-rust:v", env!("CARGO_PKG_VERSION"));

/// SDK identity sent in the sync payload's `sdk` field (`<language>:v<semver>`).
pub const SDK_SYNC_VALUE: &str = concat!("rust:v", env!("CARGO_PKG_VERSION"));
