//! `GET /api/jobs/{id}`: one insights job.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use functions::domain::JobId;

use super::ApiState;
use super::error::ApiError;
use super::extract::{ApiPath, checked_id};
use super::views::JobView;

/// Routes under `/api/jobs`.
pub(super) fn routes() -> Router<ApiState> {
    Router::new().route("/api/jobs/{id}", get(get_job))
}

async fn get_job(
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<JobView>, ApiError> {
    let job_id = JobId::from(checked_id("job", &id)?);
    let job = state.store.get_job(&job_id).await?.ok_or_else(|| {
        ApiError::not_found(
            "job_not_found",
            format!("job {id} not found; jobs are created by POST /api/calls/{{call id}}/insights"),
        )
    })?;
    Ok(Json(job.into()))
}
