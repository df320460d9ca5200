//! The job claim of the SQL stores, shared through a macro that expands
//! inside `impl_executor_store!` and uses its helpers (`Tx`, `db`,
//! `job_from_row`). `lock` is the statement that serializes claims, and
//! `skip_locked` is appended to the read of due jobs.

macro_rules! impl_claim {
    (lock = $lock:literal, skip_locked = $skip_locked:literal) => {
        /// Due jobs read per query while a claim looks past calls that wait
        /// for a concurrency slot.
        const CLAIM_PAGE: i64 = 64;

        /// Leases up to `limit` due jobs, skipping calls whose run has no free
        /// concurrency slot. Claims run one at a time (`lock`), so the counts
        /// of calls in flight cannot change while one is admitting calls.
        async fn claim_due(
            tx: &mut Tx,
            now: i64,
            lease_until: i64,
            limit: u32,
        ) -> Result<Vec<Job>, StoreError> {
            sqlx::query($lock).execute(&mut **tx).await.map_err(db)?;
            let busy: Vec<String> = sqlx::query_scalar(
                "SELECT r.concurrency FROM inngest_jobs j JOIN inngest_runs r ON r.id = j.run_id
                 WHERE j.kind = 'call' AND j.done = FALSE AND j.lease_until >= $1 AND r.concurrency <> '[]'",
            )
            .bind(now)
            .fetch_all(&mut **tx)
            .await
            .map_err(db)?;
            let busy = busy
                .iter()
                .map(|keys| from_json::<Vec<ConcurrencyKey>>(keys, "run concurrency keys"))
                .collect::<Result<Vec<_>, _>>()?;
            let mut slots = ConcurrencySlots::new(busy.iter().map(Vec::as_slice));

            let max_jobs = limit as usize;
            let mut claimed = Vec::new();
            let mut offset = 0;
            while claimed.len() < max_jobs {
                let rows = sqlx::query(concat!(
                    "SELECT j.id, j.run_id, j.kind, j.step_id, j.wait_id, j.attempt, j.available_at,
                         r.concurrency
                     FROM inngest_jobs j LEFT JOIN inngest_runs r ON r.id = j.run_id
                     WHERE j.done = FALSE AND j.available_at <= $1 AND (j.lease_until IS NULL OR j.lease_until < $1)
                     ORDER BY j.available_at, j.id LIMIT $2 OFFSET $3",
                    $skip_locked
                ))
                .bind(now)
                .bind(CLAIM_PAGE)
                .bind(offset)
                .fetch_all(&mut **tx)
                .await
                .map_err(db)?;
                for row in &rows {
                    let job = job_from_row(row)?;
                    let keys: Option<String> = row.try_get("concurrency").map_err(db)?;
                    let keys = match (job.kind, keys) {
                        (JobKind::Call, Some(keys)) => {
                            from_json::<Vec<ConcurrencyKey>>(&keys, "run concurrency keys")?
                        }
                        _ => Vec::new(),
                    };
                    if slots.try_take(&keys) {
                        claimed.push(job);
                        if claimed.len() == max_jobs {
                            break;
                        }
                    }
                }
                if (rows.len() as i64) < CLAIM_PAGE {
                    break;
                }
                offset += CLAIM_PAGE;
            }

            for job in &claimed {
                sqlx::query("UPDATE inngest_jobs SET lease_until = $1 WHERE id = $2")
                    .bind(lease_until)
                    .bind(&job.id)
                    .execute(&mut **tx)
                    .await
                    .map_err(db)?;
            }
            Ok(claimed)
        }
    };
}
