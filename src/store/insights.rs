//! Stored insights, one row per job.

use functions::domain::{CallId, JobId};
use functions::insights::Insights;
use functions::ports::Transition;
use sqlx::types::Json;
use time::OffsetDateTime;

use super::connection::on_pool;
use super::timestamp::Timestamp;
use super::{Error, Store};

/// A row of `insights`.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredInsights {
    pub id: String,
    pub call_id: CallId,
    pub job_id: JobId,
    pub insights: Insights,
    pub created_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct InsightsRow {
    id: String,
    call_id: String,
    job_id: String,
    insights: Json<Insights>,
    created_at: Timestamp,
}

impl From<InsightsRow> for StoredInsights {
    fn from(row: InsightsRow) -> Self {
        Self {
            id: row.id,
            call_id: CallId::new(row.call_id),
            job_id: JobId::new(row.job_id),
            insights: row.insights.0,
            created_at: row.created_at.into_inner(),
        }
    }
}

/// Columns read into [`InsightsRow`], as a literal for `concat!`. The summary,
/// sentiment and analyzer columns are copies of fields inside `insights`.
macro_rules! insights_columns {
    () => {
        "id, call_id, job_id, insights, created_at"
    };
}

impl Store {
    /// Stores the insights of a job and marks the job `completed` at stage
    /// `done`, in one transaction.
    ///
    /// Only a `processing` job of this call is completed. For any other job
    /// nothing is written and the result is `Skipped`, so a replayed save
    /// after the job completed keeps the first insights. The insights row is
    /// upserted by `job_id`, so a job never has two rows.
    pub async fn save_insights(
        &self,
        job_id: &JobId,
        call_id: &CallId,
        insights: &Insights,
    ) -> Result<Transition, Error> {
        // The update comes first because it locks the job row on PostgreSQL
        // and takes the write lock on SQLite. Concurrent saves of one job
        // therefore serialize, and only the first finds it `processing`.
        const COMPLETE_JOB: &str = "UPDATE insights_jobs SET status = 'completed', \
             stage = 'done', error_message = NULL, completed_at = $3, updated_at = $3 \
             WHERE id = $1 AND call_id = $2 AND status = 'processing'";
        const UPSERT: &str = "INSERT INTO insights \
             (id, call_id, job_id, insights, summary, sentiment_label, sentiment_score, \
             analyzer, model, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (job_id) DO UPDATE SET \
             insights = excluded.insights, summary = excluded.summary, \
             sentiment_label = excluded.sentiment_label, \
             sentiment_score = excluded.sentiment_score, \
             analyzer = excluded.analyzer, model = excluded.model";

        let now = Timestamp::now();
        let insights_id = inngest::ids::new_ulid().to_lowercase();
        let result: Result<u64, sqlx::Error> = on_pool!(self, pool => async {
            let mut tx = pool.begin().await?;
            let completed = sqlx::query(COMPLETE_JOB)
                .bind(job_id.as_str())
                .bind(call_id.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if completed == 0 {
                tx.rollback().await?;
                return Ok(0);
            }

            sqlx::query(UPSERT)
                .bind(&insights_id)
                .bind(call_id.as_str())
                .bind(job_id.as_str())
                .bind(Json(insights))
                .bind(&insights.summary)
                .bind(insights.sentiment.overall.label.as_str())
                .bind(insights.sentiment.overall.score)
                .bind(&insights.analyzer.name)
                .bind(&insights.analyzer.model)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(completed)
        }
        .await);

        let completed = result.map_err(Error::query("save insights of job", job_id))?;
        if completed == 0 {
            return Ok(Transition::Skipped);
        }
        Ok(Transition::Applied)
    }

    /// Loads the insights a job produced; `Ok(None)` when it has none.
    pub async fn get_insights_by_job(
        &self,
        job_id: &JobId,
    ) -> Result<Option<StoredInsights>, Error> {
        const SQL: &str = concat!(
            "SELECT ",
            insights_columns!(),
            " FROM insights WHERE job_id = $1"
        );

        let row: Option<InsightsRow> = self
            .fetch_optional_by_key(SQL, job_id.as_str(), "load insights of job")
            .await?;
        Ok(row.map(StoredInsights::from))
    }

    /// Loads the most recent insights of a call; `Ok(None)` when it has none.
    pub async fn get_insights_by_call(
        &self,
        call_id: &CallId,
    ) -> Result<Option<StoredInsights>, Error> {
        const SQL: &str = concat!(
            "SELECT ",
            insights_columns!(),
            " FROM insights WHERE call_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1"
        );

        let row: Option<InsightsRow> = self
            .fetch_optional_by_key(SQL, call_id.as_str(), "load insights of call")
            .await?;
        Ok(row.map(StoredInsights::from))
    }
}
