//! The SQL of the executor store, shared by SQLite and PostgreSQL through a
//! macro: `lock` is appended to the read of a run's pending set inside a
//! commit, and `claim_lock` and `skip_locked` configure the job claim of
//! `impl_claim!`.

macro_rules! impl_executor_store {
    (
        $store:ident,
        $row:ty,
        lock = $lock:literal,
        claim_lock = $claim_lock:literal,
        skip_locked = $skip_locked:literal
    ) => {
        use async_trait::async_trait;
        use inngest::executor::{
            AppRecord, Commit, ConcurrencyKey, ConcurrencySlots, ExecutorStore, FunctionRecord, Job, JobKind,
            MemoEntry, RunRecord, RunStatus, StepResult, StoreError, StoredEvent, Wait,
        };
        use sqlx::Row;

        use super::{from_json, from_json_opt, to_json};

        type Tx = Transaction<'static, <$row as Row>::Database>;

        fn db(error: sqlx::Error) -> StoreError {
            StoreError::backend(error)
        }

        impl_claim!(lock = $claim_lock, skip_locked = $skip_locked);

        fn run_from_row(row: &$row) -> Result<RunRecord, StoreError> {
            let status: String = row.try_get("status").map_err(db)?;
            let events: String = row.try_get("events").map_err(db)?;
            let pending: String = row.try_get("pending").map_err(db)?;
            let concurrency: String = row.try_get("concurrency").map_err(db)?;
            Ok(RunRecord {
                id: row.try_get("id").map_err(db)?,
                function_id: row.try_get("function_id").map_err(db)?,
                events: from_json(&events, "run events")?,
                status: RunStatus::parse(&status).ok_or_else(|| StoreError::Corrupt {
                    what: "run status",
                    detail: status.clone(),
                })?,
                output: from_json_opt(row.try_get("output").map_err(db)?, "run output")?,
                error: from_json_opt(row.try_get("error").map_err(db)?, "run error")?,
                request_version: row.try_get("request_version").map_err(db)?,
                force_plan: row.try_get("force_plan").map_err(db)?,
                pending: from_json(&pending, "pending steps")?,
                started_at: row.try_get("started_at").map_err(db)?,
                ended_at: row.try_get("ended_at").map_err(db)?,
                concurrency: from_json(&concurrency, "run concurrency keys")?,
            })
        }

        fn job_from_row(row: &$row) -> Result<Job, StoreError> {
            let kind: String = row.try_get("kind").map_err(db)?;
            let attempt: i64 = row.try_get("attempt").map_err(db)?;
            Ok(Job {
                id: row.try_get("id").map_err(db)?,
                run_id: row.try_get("run_id").map_err(db)?,
                kind: JobKind::parse(&kind).ok_or_else(|| StoreError::Corrupt {
                    what: "job kind",
                    detail: kind.clone(),
                })?,
                step_id: row.try_get("step_id").map_err(db)?,
                wait_id: row.try_get("wait_id").map_err(db)?,
                attempt: u32::try_from(attempt).map_err(|_| StoreError::Corrupt {
                    what: "job attempt",
                    detail: attempt.to_string(),
                })?,
                available_at: row.try_get("available_at").map_err(db)?,
            })
        }

        fn wait_from_row(row: &$row) -> Result<Wait, StoreError> {
            let expiry: String = row.try_get("expiry_value").map_err(db)?;
            Ok(Wait {
                id: row.try_get("id").map_err(db)?,
                run_id: row.try_get("run_id").map_err(db)?,
                step_id: row.try_get("step_id").map_err(db)?,
                event: row.try_get("event_name").map_err(db)?,
                expression: row.try_get("expression").map_err(db)?,
                expires_at: row.try_get("expires_at").map_err(db)?,
                expiry_value: from_json(&expiry, "wait expiry value")?,
            })
        }

        async fn enqueue(tx: &mut Tx, job: &Job) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO inngest_jobs (id, run_id, kind, step_id, wait_id, attempt, available_at, lease_until, done)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, FALSE) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&job.id)
            .bind(&job.run_id)
            .bind(job.kind.as_str())
            .bind(&job.step_id)
            .bind(&job.wait_id)
            .bind(i64::from(job.attempt))
            .bind(job.available_at)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
            Ok(())
        }

        async fn insert_run(tx: &mut Tx, run: &RunRecord) -> Result<bool, StoreError> {
            let inserted = sqlx::query(
                "INSERT INTO inngest_runs (id, function_id, status, events, output, error, request_version,
                     force_plan, pending, started_at, ended_at, concurrency)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&run.id)
            .bind(&run.function_id)
            .bind(run.status.as_str())
            .bind(to_json(&run.events)?)
            .bind(run.output.as_ref().map(to_json).transpose()?)
            .bind(run.error.as_ref().map(to_json).transpose()?)
            .bind(run.request_version)
            .bind(run.force_plan)
            .bind(to_json(&run.pending)?)
            .bind(run.started_at)
            .bind(run.ended_at)
            .bind(to_json(&run.concurrency)?)
            .execute(&mut **tx)
            .await
            .map_err(db)?
            .rows_affected();
            Ok(inserted == 1)
        }

        /// Memoizes a step at the end of the stack and enqueues its resume
        /// job, unless the hash is memoized already.
        async fn apply_step(tx: &mut Tx, result: &StepResult) -> Result<(), StoreError> {
            let inserted = sqlx::query(
                "INSERT INTO inngest_steps (run_id, hash, position, memo)
                 SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), COALESCE(MAX(position), -1) + 1, CAST($3 AS TEXT)
                 FROM inngest_steps WHERE run_id = $1
                 ON CONFLICT (run_id, hash) DO NOTHING",
            )
            .bind(&result.run_id)
            .bind(&result.hash)
            .bind(to_json(&result.value)?)
            .execute(&mut **tx)
            .await
            .map_err(db)?
            .rows_affected();
            let Some(resume) = result.resume.as_ref().filter(|_| inserted == 1) else {
                return Ok(());
            };

            if resume.fan_in {
                let row = sqlx::query(concat!("SELECT pending FROM inngest_runs WHERE id = $1", $lock))
                    .bind(&result.run_id)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(db)?;
                let Some(row) = row else {
                    return Ok(());
                };
                let pending: String = row.try_get("pending").map_err(db)?;
                let mut pending: Vec<String> = from_json(&pending, "pending steps")?;
                pending.retain(|hash| hash != &result.hash);

                let still_running = !pending.is_empty();
                sqlx::query(
                    "UPDATE inngest_runs SET pending = $2, force_plan = (force_plan AND $3) WHERE id = $1",
                )
                .bind(&result.run_id)
                .bind(to_json(&pending)?)
                .bind(still_running)
                .execute(&mut **tx)
                .await
                .map_err(db)?;
                if still_running {
                    return Ok(());
                }
            }
            enqueue(tx, &resume.job).await
        }

        async fn apply(tx: &mut Tx, commit: &Commit) -> Result<(), StoreError> {
            for stored in &commit.events {
                insert_event(tx, stored, true).await?;
            }
            for (run, job) in &commit.new_runs {
                if insert_run(tx, run).await? {
                    enqueue(tx, job).await?;
                }
            }

            for update in &commit.run_updates {
                sqlx::query(
                    "UPDATE inngest_runs SET status = COALESCE($2, status), output = COALESCE($3, output),
                         error = COALESCE($4, error), ended_at = COALESCE($5, ended_at),
                         request_version = COALESCE($6, request_version), force_plan = COALESCE($7, force_plan),
                         pending = COALESCE($8, pending)
                     WHERE id = $1 AND status = 'running'",
                )
                .bind(&update.run_id)
                .bind(update.status.map(RunStatus::as_str))
                .bind(update.output.as_ref().map(to_json).transpose()?)
                .bind(update.error.as_ref().map(to_json).transpose()?)
                .bind(update.ended_at)
                .bind(update.request_version)
                .bind(update.force_plan)
                .bind(update.pending.as_ref().map(to_json).transpose()?)
                .execute(&mut **tx)
                .await
                .map_err(db)?;
            }

            for result in &commit.steps {
                apply_step(tx, result).await?;
            }
            for resolution in &commit.resolve_waits {
                let removed = sqlx::query("DELETE FROM inngest_waits WHERE id = $1")
                    .bind(&resolution.wait_id)
                    .execute(&mut **tx)
                    .await
                    .map_err(db)?
                    .rows_affected();
                if removed == 1 {
                    apply_step(tx, &resolution.result).await?;
                }
            }

            for job in &commit.jobs {
                enqueue(tx, job).await?;
            }
            for wait in &commit.waits {
                sqlx::query(
                    "INSERT INTO inngest_waits (id, run_id, step_id, event_name, expression, expires_at, expiry_value)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
                )
                .bind(&wait.id)
                .bind(&wait.run_id)
                .bind(&wait.step_id)
                .bind(&wait.event)
                .bind(&wait.expression)
                .bind(wait.expires_at)
                .bind(to_json(&wait.expiry_value)?)
                .execute(&mut **tx)
                .await
                .map_err(db)?;
            }
            for run_id in &commit.drop_waits_of {
                sqlx::query("DELETE FROM inngest_waits WHERE run_id = $1")
                    .bind(run_id)
                    .execute(&mut **tx)
                    .await
                    .map_err(db)?;
            }
            for run_id in &commit.drop_jobs_of {
                sqlx::query("UPDATE inngest_jobs SET done = TRUE, lease_until = NULL WHERE run_id = $1 AND done = FALSE")
                    .bind(run_id)
                    .execute(&mut **tx)
                    .await
                    .map_err(db)?;
            }

            if let Some(job_id) = &commit.complete_job {
                sqlx::query("UPDATE inngest_jobs SET done = TRUE, lease_until = NULL WHERE id = $1")
                    .bind(job_id)
                    .execute(&mut **tx)
                    .await
                    .map_err(db)?;
            }
            if let Some(retry) = &commit.retry_job {
                sqlx::query("UPDATE inngest_jobs SET attempt = $2, available_at = $3, lease_until = NULL WHERE id = $1")
                    .bind(&retry.job_id)
                    .bind(i64::from(retry.attempt))
                    .bind(retry.available_at)
                    .execute(&mut **tx)
                    .await
                    .map_err(db)?;
            }
            Ok(())
        }

        async fn insert_event(tx: &mut Tx, stored: &StoredEvent, triggered: bool) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO inngest_events (internal_id, event_id, name, body, received_at, triggered)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (internal_id) DO NOTHING",
            )
            .bind(&stored.internal_id)
            .bind(&stored.event.id)
            .bind(&stored.event.name)
            .bind(to_json(&stored.event)?)
            .bind(stored.received_at)
            .bind(triggered)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
            Ok(())
        }

        #[async_trait]
        impl ExecutorStore for $store {
            async fn save_app(&self, app: &AppRecord) -> Result<bool, StoreError> {
                let record = to_json(app)?;
                let mut tx = self.begin().await.map_err(db)?;
                let previous: Option<String> = sqlx::query_scalar("SELECT record FROM inngest_apps WHERE id = $1")
                    .bind(&app.id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db)?;
                let modified = previous.as_deref() != Some(record.as_str());

                sqlx::query(
                    "INSERT INTO inngest_apps (id, record, updated_at) VALUES ($1, $2, $3)
                     ON CONFLICT (id) DO UPDATE SET record = excluded.record, updated_at = excluded.updated_at",
                )
                .bind(&app.id)
                .bind(&record)
                .bind(inngest::executor::now_millis())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                sqlx::query("DELETE FROM inngest_functions WHERE app_id = $1")
                    .bind(&app.id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                for function in &app.functions {
                    sqlx::query(
                        "INSERT INTO inngest_functions (id, app_id, record) VALUES ($1, $2, $3)
                         ON CONFLICT (id) DO UPDATE SET app_id = excluded.app_id, record = excluded.record",
                    )
                    .bind(&function.id)
                    .bind(&app.id)
                    .bind(to_json(function)?)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                }
                tx.commit().await.map_err(db)?;
                Ok(modified)
            }

            async fn functions(&self) -> Result<Vec<FunctionRecord>, StoreError> {
                let records: Vec<String> = sqlx::query_scalar("SELECT record FROM inngest_functions ORDER BY id")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                records.iter().map(|record| from_json(record, "function record")).collect()
            }

            async fn record_event(&self, event: &StoredEvent, dedup_since: i64) -> Result<bool, StoreError> {
                let mut tx = self.begin().await.map_err(db)?;
                let seen = match &event.event.id {
                    None => false,
                    Some(id) => sqlx::query(
                        "SELECT 1 FROM inngest_events WHERE event_id = $1 AND received_at >= $2 AND triggered = TRUE LIMIT 1",
                    )
                    .bind(id)
                    .bind(dedup_since)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db)?
                    .is_some(),
                };
                insert_event(&mut tx, event, !seen).await?;
                tx.commit().await.map_err(db)?;
                Ok(!seen)
            }

            async fn run(&self, run_id: &str) -> Result<Option<RunRecord>, StoreError> {
                let row = sqlx::query("SELECT * FROM inngest_runs WHERE id = $1")
                    .bind(run_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(run_from_row).transpose()
            }

            async fn runs(&self, function_id: Option<&str>) -> Result<Vec<RunRecord>, StoreError> {
                let query = match function_id {
                    Some(id) => sqlx::query(
                        "SELECT * FROM inngest_runs WHERE function_id = $1 ORDER BY started_at DESC, id DESC",
                    )
                    .bind(id.to_owned()),
                    None => sqlx::query("SELECT * FROM inngest_runs ORDER BY started_at DESC, id DESC"),
                };
                let rows = query.fetch_all(&self.pool).await.map_err(db)?;
                rows.iter().map(run_from_row).collect()
            }

            async fn running_runs(&self, function_id: &str) -> Result<Vec<RunRecord>, StoreError> {
                let rows = sqlx::query(
                    "SELECT * FROM inngest_runs WHERE function_id = $1 AND status = 'running' ORDER BY started_at, id",
                )
                .bind(function_id)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(run_from_row).collect()
            }

            async fn steps(&self, run_id: &str) -> Result<Vec<MemoEntry>, StoreError> {
                let rows = sqlx::query("SELECT hash, memo FROM inngest_steps WHERE run_id = $1 ORDER BY position")
                    .bind(run_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows.iter()
                    .map(|row| {
                        let memo: String = row.try_get("memo").map_err(db)?;
                        Ok(MemoEntry {
                            hash: row.try_get("hash").map_err(db)?,
                            value: from_json(&memo, "memoized step")?,
                        })
                    })
                    .collect()
            }

            async fn waits_for_event(&self, name: &str) -> Result<Vec<Wait>, StoreError> {
                let rows = sqlx::query("SELECT * FROM inngest_waits WHERE event_name = $1")
                    .bind(name)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows.iter().map(wait_from_row).collect()
            }

            async fn wait(&self, wait_id: &str) -> Result<Option<Wait>, StoreError> {
                let row = sqlx::query("SELECT * FROM inngest_waits WHERE id = $1")
                    .bind(wait_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(wait_from_row).transpose()
            }

            async fn queued_jobs(&self, run_id: &str) -> Result<Vec<Job>, StoreError> {
                let rows = sqlx::query(
                    "SELECT * FROM inngest_jobs WHERE run_id = $1 AND done = FALSE ORDER BY available_at, id",
                )
                .bind(run_id)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(job_from_row).collect()
            }

            async fn claim_jobs(&self, now: i64, lease_until: i64, limit: u32) -> Result<Vec<Job>, StoreError> {
                let mut tx = self.begin().await.map_err(db)?;
                let jobs = claim_due(&mut tx, now, lease_until, limit).await?;
                tx.commit().await.map_err(db)?;
                Ok(jobs)
            }

            async fn extend_lease(&self, job_id: &str, lease_until: i64) -> Result<(), StoreError> {
                sqlx::query("UPDATE inngest_jobs SET lease_until = $2 WHERE id = $1 AND done = FALSE")
                    .bind(job_id)
                    .bind(lease_until)
                    .execute(&self.pool)
                    .await
                    .map_err(db)?;
                Ok(())
            }

            async fn commit(&self, commit: &Commit) -> Result<(), StoreError> {
                let mut tx = self.begin().await.map_err(db)?;
                apply(&mut tx, commit).await?;
                tx.commit().await.map_err(db)?;
                Ok(())
            }
        }
    };
}
