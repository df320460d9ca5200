//! The PostgreSQL executor store.

use sqlx::postgres::PgRow;
use sqlx::{PgPool, Postgres, Transaction};

/// Executor state in PostgreSQL. Run `migrations/postgres` first. Several
/// executors may share one database: claims skip rows another one locked.
#[derive(Debug, Clone)]
pub struct PgExecutorStore {
    pool: PgPool,
}

impl PgExecutorStore {
    /// A store over `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    async fn begin(&self) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        self.pool.begin().await
    }
}

impl_executor_store!(
    PgExecutorStore,
    PgRow,
    lock = " FOR UPDATE",
    claim = "UPDATE inngest_jobs SET lease_until = $1 WHERE id IN (
        SELECT id FROM inngest_jobs
        WHERE done = FALSE AND available_at <= $2 AND (lease_until IS NULL OR lease_until < $2)
        ORDER BY available_at LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING id, run_id, kind, step_id, wait_id, attempt, available_at"
);
