//! The SQLite executor store.

use sqlx::sqlite::SqliteRow;
use sqlx::{Sqlite, SqlitePool, Transaction};

/// Executor state in SQLite. Run `migrations/sqlite` first.
#[derive(Debug, Clone)]
pub struct SqliteExecutorStore {
    pool: SqlitePool,
}

impl SqliteExecutorStore {
    /// A store over `pool`.
    pub fn new(pool: SqlitePool) -> Self {
        Self { pool }
    }

    /// Starts a write transaction at once, so two commits never both read
    /// and then fail to upgrade to a write lock.
    async fn begin(&self) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }
}

impl_executor_store!(
    SqliteExecutorStore,
    SqliteRow,
    lock = "",
    // BEGIN IMMEDIATE already runs claims one at a time.
    claim_lock = "SELECT 1",
    skip_locked = ""
);
