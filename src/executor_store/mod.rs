//! The executor's durable state in SQLite or PostgreSQL, behind
//! [`inngest::executor::ExecutorStore`].
//!
//! Both backends run the same SQL (`$N` parameters work in SQLite too) over
//! the `inngest_*` tables of `migrations/*/0002_executor.sql` and
//! `0003_executor_limits.sql`. They differ in how a transaction locks: SQLite
//! starts every commit with `BEGIN IMMEDIATE`, so commits run one at a time,
//! and PostgreSQL locks the run row, serializes claims with an advisory lock
//! and reads due jobs with `FOR UPDATE SKIP LOCKED`.

#[macro_use]
mod claim;
#[macro_use]
mod queries;
#[cfg(test)]
mod limit_scenarios;
mod postgres;
mod sqlite;
#[cfg(test)]
mod tests;

use inngest::executor::StoreError;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use postgres::PgExecutorStore;
pub use sqlite::SqliteExecutorStore;

/// The executor store on the same database as `store`.
pub fn for_store(
    store: &crate::store::Store,
) -> std::sync::Arc<dyn inngest::executor::ExecutorStore> {
    match (store.sqlite_pool(), store.postgres_pool()) {
        (Some(pool), _) => std::sync::Arc::new(SqliteExecutorStore::new(pool.clone())),
        (None, Some(pool)) => std::sync::Arc::new(PgExecutorStore::new(pool.clone())),
        (None, None) => unreachable!("a store holds either a SQLite or a PostgreSQL pool"),
    }
}

/// Serializes a value for a text column.
fn to_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(StoreError::backend)
}

/// Reads a text column written by [`to_json`].
fn from_json<T: DeserializeOwned>(text: &str, what: &'static str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|error| StoreError::Corrupt {
        what,
        detail: error.to_string(),
    })
}

/// Reads an optional JSON text column.
fn from_json_opt<T: DeserializeOwned>(
    text: Option<String>,
    what: &'static str,
) -> Result<Option<T>, StoreError> {
    text.map(|text| from_json(&text, what)).transpose()
}
