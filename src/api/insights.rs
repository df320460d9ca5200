//! Routes of a call's insights: start the job, and read its result.
//!
//! `GET` responds by the status of the call's latest job: 200 with the
//! insights when it completed, 202 with its status and stage while it is
//! pending or processing, and 200 with `status: "failed"` and the job's
//! error when it failed. A failed job is a result the request found, not a
//! failed request, so it is not a 4xx or 5xx.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use functions::domain::{CallId, JobStatus};
use serde_json::json;

use super::ApiState;
use super::error::{ApiError, call_not_found};
use super::events;
use super::extract::{ApiPath, checked_id};
use super::views::JobView;

/// Routes under `/api/calls/{id}/insights`.
pub(super) fn routes() -> Router<ApiState> {
    Router::new().route(
        "/api/calls/{id}/insights",
        post(start_insights).get(get_insights),
    )
}

/// Creates the call's insights job, or finds its active one, and sends
/// `insights/start` with the job id as event id.
async fn start_insights(
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let call_id = CallId::from(checked_id("call", &id)?);
    check_transcript_ready(&state, &call_id).await?;

    let active = state.store.create_or_get_active_job(&call_id).await?;
    let job = active.job;

    // A new job needs its event. A pending job found here gets it again in
    // case the first send was lost, and the job id as event id makes the
    // repeat start no second run. A processing job already has its run.
    if active.created || job.status == JobStatus::Pending {
        let event = events::insights_start(&job.id, &call_id);
        state
            .events
            .send(event)
            .await
            .map_err(|error| ApiError::event_not_sent("insights/start", &error))?;
    }

    let status = if active.created {
        tracing::info!(call_id = %call_id, job_id = %job.id, "started insights job");
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(JobView::from(job))).into_response())
}

/// Rejects a call that does not exist (404) or has no final transcript to
/// analyze yet (409).
async fn check_transcript_ready(state: &ApiState, call_id: &CallId) -> Result<(), ApiError> {
    if state.store.get_call(call_id).await?.is_none() {
        return Err(call_not_found(call_id.as_str()));
    }
    match state.store.get_transcript(call_id).await? {
        Some(stored) if stored.is_final => Ok(()),
        Some(_) => Err(ApiError::conflict(
            "transcription_running",
            format!(
                "the transcript of call {call_id} is still being written; \
                 its insights job starts when transcription finishes"
            ),
        )),
        None => Err(ApiError::conflict(
            "transcript_missing",
            format!(
                "call {call_id} has no transcript yet; POST /api/calls/{call_id}/transcribe first, \
                 which starts the insights job when it finishes"
            ),
        )),
    }
}

async fn get_insights(
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let call_id = CallId::from(checked_id("call", &id)?);
    if state.store.get_call(&call_id).await?.is_none() {
        return Err(call_not_found(&id));
    }
    let job = state
        .store
        .latest_job_for_call(&call_id)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                "job_not_found",
                format!(
                    "call {id} has no insights job; start one with POST /api/calls/{id}/insights"
                ),
            )
        })?;

    match job.status {
        JobStatus::Pending | JobStatus::Processing => {
            let body = json!({
                "status": job.status,
                "stage": job.stage,
                "job": JobView::from(job),
            });
            Ok((StatusCode::ACCEPTED, Json(body)).into_response())
        }
        JobStatus::Failed => {
            let message = job
                .error_message
                .clone()
                .unwrap_or_else(|| "the job failed without an error message".to_owned());
            let body = json!({
                "status": job.status,
                "job": JobView::from(job),
                "error": { "code": "job_failed", "message": message },
            });
            Ok((StatusCode::OK, Json(body)).into_response())
        }
        JobStatus::Completed => {
            let stored = state
                .store
                .get_insights_by_job(&job.id)
                .await?
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "insights_missing",
                        format!(
                            "job {} completed but its insights are not stored; start a new job with POST /api/calls/{id}/insights",
                            job.id
                        ),
                    )
                })?;
            let body = json!({
                "status": job.status,
                "job": JobView::from(job),
                "insights": stored.insights,
            });
            Ok((StatusCode::OK, Json(body)).into_response())
        }
    }
}
