//! Insights jobs: creation, guarded status changes and the stale-job scan.
//!
//! Every status change is a guarded `UPDATE ... WHERE status IN (...)` whose
//! affected-row count becomes a [`Transition`], so replayed or duplicated
//! steps are harmless. Allowed moves: pending to processing, processing to
//! processing (a retried start), processing to completed, and pending or
//! processing to failed. A completed or failed job never changes status again.

use functions::domain::{CallId, JobId, JobStage, JobStatus};
use functions::ports::Transition;
use time::OffsetDateTime;

use super::connection::on_pool;
use super::error::is_foreign_key_violation;
use super::timestamp::Timestamp;
use super::{Error, Store};

/// How often [`Store::create_or_get_active_job`] retries when the active job it
/// collided with finished before it could be read.
const ACTIVE_JOB_ATTEMPTS: usize = 3;

/// A row of `insights_jobs`.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: JobId,
    pub call_id: CallId,
    pub status: JobStatus,
    pub stage: JobStage,
    /// How many times a run started the job; retries and replays count.
    pub attempt: i32,
    /// Id of the run that last started the job.
    pub run_id: Option<String>,
    pub error_message: Option<String>,
    pub created_at: OffsetDateTime,
    /// When a run first started the job.
    pub started_at: Option<OffsetDateTime>,
    /// When the job completed or failed.
    pub completed_at: Option<OffsetDateTime>,
    pub updated_at: OffsetDateTime,
}

/// The active job of a call, as returned by [`Store::create_or_get_active_job`].
#[derive(Debug, Clone, PartialEq)]
pub struct ActiveJob {
    pub job: Job,
    /// Whether this call created the job; `false` when it already existed.
    pub created: bool,
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: String,
    call_id: String,
    status: String,
    stage: String,
    attempt: i32,
    run_id: Option<String>,
    error_message: Option<String>,
    created_at: Timestamp,
    started_at: Option<Timestamp>,
    completed_at: Option<Timestamp>,
    updated_at: Timestamp,
}

impl TryFrom<JobRow> for Job {
    type Error = Error;

    fn try_from(row: JobRow) -> Result<Self, Error> {
        let invalid = |column, value: &str| Error::InvalidValue {
            column,
            value: value.to_owned(),
            id: row.id.clone(),
        };
        let status = JobStatus::parse(&row.status).ok_or_else(|| invalid("status", &row.status))?;
        let stage = JobStage::parse(&row.stage).ok_or_else(|| invalid("stage", &row.stage))?;

        Ok(Self {
            id: JobId::new(row.id),
            call_id: CallId::new(row.call_id),
            status,
            stage,
            attempt: row.attempt,
            run_id: row.run_id,
            error_message: row.error_message,
            created_at: row.created_at.into_inner(),
            started_at: row.started_at.map(Timestamp::into_inner),
            completed_at: row.completed_at.map(Timestamp::into_inner),
            updated_at: row.updated_at.into_inner(),
        })
    }
}

/// Columns read into [`JobRow`], as a literal for `concat!`.
macro_rules! job_columns {
    () => {
        "id, call_id, status, stage, attempt, run_id, error_message, \
         created_at, started_at, completed_at, updated_at"
    };
}

/// The guard of every update that must not touch a finished job.
macro_rules! active_statuses {
    () => {
        "status IN ('pending', 'processing')"
    };
}

fn transition(rows_affected: u64) -> Transition {
    if rows_affected == 0 {
        Transition::Skipped
    } else {
        Transition::Applied
    }
}

impl Store {
    /// Returns the active (pending or processing) job of a call, creating a
    /// pending one when there is none.
    ///
    /// Concurrent calls for the same call agree on one job: the insert
    /// relies on the unique index over active jobs rather than on a prior
    /// read. Fails with [`Error::CallNotFound`] when the call does not exist.
    pub async fn create_or_get_active_job(&self, call_id: &CallId) -> Result<ActiveJob, Error> {
        const INSERT: &str = concat!(
            "INSERT INTO insights_jobs (id, call_id, status, stage, attempt, created_at, updated_at) \
             VALUES ($1, $2, 'pending', 'queued', 0, $3, $3) \
             ON CONFLICT (call_id) WHERE ",
            active_statuses!(),
            " DO NOTHING RETURNING ",
            job_columns!()
        );
        const SELECT_ACTIVE: &str = concat!(
            "SELECT ",
            job_columns!(),
            " FROM insights_jobs WHERE call_id = $1 AND ",
            active_statuses!()
        );

        for _ in 0..ACTIVE_JOB_ATTEMPTS {
            let job_id = JobId::generate();
            let inserted: Result<Option<JobRow>, sqlx::Error> = on_pool!(self, pool => {
                sqlx::query_as(INSERT)
                    .bind(job_id.as_str())
                    .bind(call_id.as_str())
                    .bind(Timestamp::now())
                    .fetch_optional(pool)
                    .await
            });
            match inserted {
                Ok(Some(row)) => {
                    return Ok(ActiveJob {
                        job: row.try_into()?,
                        created: true,
                    });
                }
                Ok(None) => {}
                Err(error) if is_foreign_key_violation(&error) => {
                    return Err(Error::CallNotFound(call_id.clone()));
                }
                Err(error) => return Err(Error::query("create job for call", call_id)(error)),
            }

            // Another job is active. It may finish before this read, and then
            // the next round inserts again.
            let existing: Option<JobRow> = self
                .fetch_optional_by_key(SELECT_ACTIVE, call_id.as_str(), "load active job of call")
                .await?;
            if let Some(row) = existing {
                return Ok(ActiveJob {
                    job: row.try_into()?,
                    created: false,
                });
            }
        }
        Err(Error::ActiveJobContention(call_id.clone()))
    }

    /// Loads a job; `Ok(None)` when no job has this id.
    pub async fn get_job(&self, job_id: &JobId) -> Result<Option<Job>, Error> {
        const SQL: &str = concat!(
            "SELECT ",
            job_columns!(),
            " FROM insights_jobs WHERE id = $1"
        );

        let row: Option<JobRow> = self
            .fetch_optional_by_key(SQL, job_id.as_str(), "load job")
            .await?;
        row.map(Job::try_from).transpose()
    }

    /// Loads the most recently created job of a call, whatever its status.
    pub async fn latest_job_for_call(&self, call_id: &CallId) -> Result<Option<Job>, Error> {
        // Job ids are time-ordered, so they break ties within one millisecond.
        const SQL: &str = concat!(
            "SELECT ",
            job_columns!(),
            " FROM insights_jobs WHERE call_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1"
        );

        let row: Option<JobRow> = self
            .fetch_optional_by_key(SQL, call_id.as_str(), "load latest job of call")
            .await?;
        row.map(Job::try_from).transpose()
    }

    /// Creates the job row as pending when it does not exist yet, then moves
    /// it to `processing` with the stage and run id, counts an attempt and
    /// sets `started_at` on the first start.
    ///
    /// Skipped when the job is completed or failed, when it belongs to another
    /// call, or when the call already has a different active job. Fails with
    /// [`Error::CallNotFound`] when the job is new and the call does not exist.
    pub async fn start_job(
        &self,
        job_id: &JobId,
        call_id: &CallId,
        run_id: &str,
        stage: JobStage,
    ) -> Result<Transition, Error> {
        // Any conflict means the row exists or another job of the call is
        // active; the guarded update below then decides.
        const INSERT: &str = "INSERT INTO insights_jobs \
             (id, call_id, status, stage, attempt, created_at, updated_at) \
             VALUES ($1, $2, 'pending', 'queued', 0, $3, $3) ON CONFLICT DO NOTHING";
        const UPDATE: &str = concat!(
            "UPDATE insights_jobs SET status = 'processing', stage = $3, run_id = $4, \
             attempt = attempt + 1, started_at = COALESCE(started_at, $5), updated_at = $5 \
             WHERE id = $1 AND call_id = $2 AND ",
            active_statuses!()
        );

        let now = Timestamp::now();
        let result: Result<u64, sqlx::Error> = on_pool!(self, pool => async {
            let mut tx = pool.begin().await?;
            sqlx::query(INSERT)
                .bind(job_id.as_str())
                .bind(call_id.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let updated = sqlx::query(UPDATE)
                .bind(job_id.as_str())
                .bind(call_id.as_str())
                .bind(stage.as_str())
                .bind(run_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(updated.rows_affected())
        }
        .await);

        match result {
            Ok(rows) => Ok(transition(rows)),
            Err(error) if is_foreign_key_violation(&error) => {
                Err(Error::CallNotFound(call_id.clone()))
            }
            Err(error) => Err(Error::query("start job", job_id)(error)),
        }
    }

    /// Sets the stage of a job that is `processing`; skipped otherwise.
    pub async fn set_stage(&self, job_id: &JobId, stage: JobStage) -> Result<Transition, Error> {
        const SQL: &str = "UPDATE insights_jobs SET stage = $2, updated_at = $3 \
             WHERE id = $1 AND status = 'processing'";

        let rows = on_pool!(self, pool => {
            sqlx::query(SQL)
                .bind(job_id.as_str())
                .bind(stage.as_str())
                .bind(Timestamp::now())
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })
        .map_err(Error::query("set stage of job", job_id))?;
        Ok(transition(rows))
    }

    /// Marks a pending or processing job `failed` with the message and
    /// `completed_at`, keeping the stage it failed in; skipped otherwise.
    pub async fn fail_job(&self, job_id: &JobId, message: &str) -> Result<Transition, Error> {
        const SQL: &str = concat!(
            "UPDATE insights_jobs SET status = 'failed', error_message = $2, \
             completed_at = $3, updated_at = $3 WHERE id = $1 AND ",
            active_statuses!()
        );

        let rows = on_pool!(self, pool => {
            sqlx::query(SQL)
                .bind(job_id.as_str())
                .bind(message)
                .bind(Timestamp::now())
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })
        .map_err(Error::query("fail job", job_id))?;
        Ok(transition(rows))
    }

    /// Lists jobs in `processing` whose last update is before `older_than`,
    /// oldest first. Every start and stage change updates a job, so these are
    /// candidates for reaping once the caller has checked that no run of them
    /// is still alive.
    pub async fn list_stale_jobs(&self, older_than: OffsetDateTime) -> Result<Vec<Job>, Error> {
        const SQL: &str = concat!(
            "SELECT ",
            job_columns!(),
            " FROM insights_jobs WHERE status = 'processing' AND updated_at < $1 \
             ORDER BY updated_at, id"
        );

        let older_than = Timestamp::from(older_than);
        let rows: Vec<JobRow> = on_pool!(self, pool => {
            sqlx::query_as(SQL).bind(older_than).fetch_all(pool).await
        })
        .map_err(Error::query(
            "list processing jobs last updated before",
            older_than.into_inner(),
        ))?;
        rows.into_iter().map(Job::try_from).collect()
    }

    /// Marks a stale job `failed` like [`Store::fail_job`], but only while it
    /// is still `processing` and was last updated before `older_than`, so a
    /// job that made progress since it was listed is left alone.
    pub async fn fail_stale_job(
        &self,
        job_id: &JobId,
        older_than: OffsetDateTime,
        message: &str,
    ) -> Result<Transition, Error> {
        const SQL: &str = "UPDATE insights_jobs SET status = 'failed', error_message = $2, \
             completed_at = $3, updated_at = $3 \
             WHERE id = $1 AND status = 'processing' AND updated_at < $4";

        let rows = on_pool!(self, pool => {
            sqlx::query(SQL)
                .bind(job_id.as_str())
                .bind(message)
                .bind(Timestamp::now())
                .bind(Timestamp::from(older_than))
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })
        .map_err(Error::query("fail stale job", job_id))?;
        Ok(transition(rows))
    }
}
