//! POST: execute a function, or one step of it.

use http::StatusCode;
use serde_json::{Value, json};
use tracing::Instrument;

use super::auth::{Auth, sign_response};
use super::{ServeHandler, ServeRequest, ServeResponse};
use crate::error::{Error, Retry, SerializedError};
use crate::execution::{self, Outcome};
use crate::wire::{CallRequest, Op};

impl ServeHandler {
    pub(crate) async fn call(&self, request: &ServeRequest) -> ServeResponse {
        // The official SDK rejects a POST without a body before it reads
        // anything else, the trust probe included.
        if request.body.iter().all(u8::is_ascii_whitespace) {
            return match self.inner.config.mode {
                super::ServerMode::Dev => {
                    ServeResponse::message(StatusCode::UNAUTHORIZED, "Unauthorized")
                }
                super::ServerMode::Cloud => ServeResponse::unauthorized(),
            };
        }

        let key = match self.authenticate(request) {
            Auth::NotRequired => None,
            Auth::Verified(key) => Some(key),
            Auth::Rejected => return ServeResponse::unauthorized(),
            Auth::NoKey => return missing_key(),
        };

        let mut response = match request.query("probe") {
            Some(probe) => probe_response(&probe),
            None => self.execute_call(request).await,
        };
        if let Some(key) = key {
            sign_response(&mut response, &key);
        }
        response
    }

    async fn execute_call(&self, request: &ServeRequest) -> ServeResponse {
        if let Some(content_type) = request.header("content-type")
            && !content_type
                .to_ascii_lowercase()
                .starts_with("application/json")
        {
            return ServeResponse::message(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                &format!("unsupported content type {content_type:?}; send application/json"),
            );
        }
        let Some(function_id) = request.query("fnId") else {
            return ServeResponse::message(
                StatusCode::BAD_REQUEST,
                "missing the fnId query parameter; the executor calls the step URL registered at sync",
            );
        };
        let mut call: CallRequest = match serde_json::from_slice(&request.body) {
            Ok(call) => call,
            Err(error) => {
                return ServeResponse::message(
                    StatusCode::BAD_REQUEST,
                    &format!("the request body is not a valid call request: {error}"),
                );
            }
        };

        let Some(entry) = self.inner.entries.get(&function_id).cloned() else {
            tracing::warn!(fn_id = %function_id, "call for a function this app does not serve");
            let message = format!(
                "Function \"{function_id}\" was not found in this app; is the app synced correctly?"
            );
            return error_response(StatusCode::INTERNAL_SERVER_ERROR, &internal_error(&message));
        };

        let step_id = request.query("stepId").unwrap_or_else(|| "step".to_owned());
        let span = tracing::info_span!(
            "inngest.call",
            inngest.fn_id = %function_id,
            inngest.run_id = %call.ctx.run_id,
            inngest.step_id = %step_id,
            inngest.attempt = call.ctx.attempt,
        );

        async {
            if call.wants_api_state()
                && let Err(response) = self.hydrate(&mut call).await
            {
                return *response;
            }
            let timeout = self.inner.config.target_timeout;
            let client = Some(self.inner.events.clone());
            let outcome = execution::execute(
                &entry.handler,
                &call,
                &step_id,
                entry.max_attempts,
                timeout,
                client,
            )
            .await;
            outcome_response(outcome, &call)
        }
        .instrument(span)
        .await
    }

    /// Replaces trimmed `events` and `steps` with the run's state from the API.
    async fn hydrate(&self, call: &mut CallRequest) -> Result<(), Box<ServeResponse>> {
        match self.inner.api.run_state(&call.ctx.run_id).await {
            Ok((events, steps)) => {
                if let Some(first) = events.first() {
                    call.event = Some(first.clone());
                }
                call.events = events;
                call.steps = steps;
                Ok(())
            }
            Err(error) => {
                let message =
                    format!("failed to load the run state for a trimmed request: {error}");
                Err(Box::new(
                    error_response(StatusCode::INTERNAL_SERVER_ERROR, &internal_error(&message))
                        .no_retry(false),
                ))
            }
        }
    }
}

/// Maps an execution outcome onto status, headers and body.
fn outcome_response(outcome: Outcome, call: &CallRequest) -> ServeResponse {
    match outcome {
        Outcome::Finished(Ok(output)) => ServeResponse::json(StatusCode::OK, &output),
        Outcome::Finished(Err(error)) => function_error(&error, call),
        Outcome::Ops {
            ops,
            no_retry,
            retry_after,
        } => {
            let mut response = ServeResponse::json(StatusCode::PARTIAL_CONTENT, &ops_body(&ops));
            if let Some(no_retry) = no_retry {
                response = response.no_retry(no_retry);
            }
            if let Some(after) = retry_after {
                response.set("retry-after", &after.header_value());
            }
            response
        }
        Outcome::StepNotFound { requested, found } => {
            let listing: String = found
                .iter()
                .map(|step| format!("\n{} ({})", step.display_name, step.id))
                .collect();
            let body = json!({
                "error": format!("Could not find step \"{requested}\" to run; timed out. Found new steps: {listing}."),
                "requestedStep": requested,
                "foundSteps": found.iter().map(|step| json!({
                    "id": step.id,
                    "name": step.name,
                    "displayName": step.display_name,
                })).collect::<Vec<_>>(),
                "totalFoundSteps": found.len(),
            });
            ServeResponse::json(StatusCode::INTERNAL_SERVER_ERROR, &body).no_retry(false)
        }
    }
}

fn ops_body(ops: &[Op]) -> Value {
    serde_json::to_value(ops).unwrap_or_else(|_| Value::Array(Vec::new()))
}

/// A function-level error: 400 and no retry when final, else 500 and retry.
fn function_error(error: &Error, call: &CallRequest) -> ServeResponse {
    let max_attempts = call.ctx.max_attempts.unwrap_or(u32::MAX);
    let final_attempt = call.ctx.attempt.saturating_add(1) >= max_attempts;
    let no_retry =
        error.is_step_failure() || matches!(error.retry(), Retry::Never) || final_attempt;

    if no_retry {
        return error_response(StatusCode::BAD_REQUEST, &error.to_serialized()).no_retry(true);
    }
    let mut response =
        error_response(StatusCode::INTERNAL_SERVER_ERROR, &error.to_serialized()).no_retry(false);
    if let Retry::After(after) = error.retry() {
        response.set("retry-after", &after.header_value());
    }
    response
}

fn error_response(status: StatusCode, error: &SerializedError) -> ServeResponse {
    let body = serde_json::to_value(error).unwrap_or(Value::Null);
    ServeResponse::json(status, &body)
}

fn internal_error(message: &str) -> SerializedError {
    let mut error = SerializedError::new("Error", message);
    error.stack = Some(format!("Error: {message}"));
    let mut error = error.with_serialized_marker();
    error
        .extra
        .shift_insert(0, "type".to_owned(), Value::String("internal".to_owned()));
    error
}

fn probe_response(probe: &str) -> ServeResponse {
    if probe == "trust" {
        let mut response = ServeResponse::json(StatusCode::OK, &Value::Null);
        response.body = bytes::Bytes::new();
        return response;
    }
    let message = format!("Unknown probe \"{probe}\"");
    let mut error = SerializedError::new("Error", &message);
    error.stack = Some(format!("Error: {message}"));
    error_response(StatusCode::BAD_REQUEST, &error.with_serialized_marker())
}

/// Cloud mode without a key cannot verify anything, so it runs nothing.
fn missing_key() -> ServeResponse {
    let error = SerializedError::new(
        "Error",
        "this app runs in cloud mode but has no signing key; set INNGEST_SIGNING_KEY, or set INNGEST_DEV=1 to use the local dev server",
    );
    error_response(StatusCode::INTERNAL_SERVER_ERROR, &error)
}
