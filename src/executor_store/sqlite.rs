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
    claim = "UPDATE inngest_jobs SET lease_until = $1 WHERE id IN (
        SELECT id FROM inngest_jobs
        WHERE done = FALSE AND available_at <= $2 AND (lease_until IS NULL OR lease_until < $2)
        ORDER BY available_at LIMIT $3)
        RETURNING id, run_id, kind, step_id, wait_id, attempt, available_at"
);
