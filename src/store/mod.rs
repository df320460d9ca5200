//! Storage over sqlx, on SQLite and PostgreSQL.
//!
//! One [`Store`] type serves both databases with the same SQL: both accept
//! `$N` parameters, `ON CONFLICT` upserts, `RETURNING` and partial unique
//! indexes. Timestamps use one representation on both (see the `timestamp`
//! module). The schema lives in `migrations/sqlite` and `migrations/postgres`
//! and is embedded in the binary.

mod calls;
mod connection;
mod error;
mod insights;
mod jobs;
mod port;
mod timestamp;

pub use calls::{Call, NewCall, StoredTranscript};
pub use connection::{Store, StoreOptions};
pub use error::Error;
pub use insights::StoredInsights;
pub use jobs::{ActiveJob, Job};
