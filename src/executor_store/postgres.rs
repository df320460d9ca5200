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
    // Concurrency slots are counted across executors, so claims take one
    // transaction-scoped lock (an arbitrary constant key) and run one at a time.
    claim_lock = "SELECT pg_advisory_xact_lock(7340125)",
    skip_locked = " FOR UPDATE OF j SKIP LOCKED"
);
