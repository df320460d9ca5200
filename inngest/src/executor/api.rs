//! The executor's HTTP API, the subset of Inngest's that SDKs call:
//! registration, the event API, `use_api` state and a health check.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderMap, StatusCode};
use serde_json::{Map, Value, json};

use super::{Executor, ExecutorError};
use crate::signing::SigningKey;
use crate::wire::Event;

/// Largest request body: 5,000 events of up to 3 MiB each are allowed by
/// Inngest, but one request is capped here to keep memory bounded.
const BODY_LIMIT: usize = 64 * 1024 * 1024;

impl Executor {
    /// The API router: `POST /fn/register`, `POST /e/{key}`,
    /// `GET /v0/runs/{id}/batch`, `GET /v0/runs/{id}/actions` and `GET /health`.
    ///
    /// With a signing key configured, registration and run state need
    /// `Authorization: Bearer` with the key or its hashed form.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/fn/register", post(register))
            .route("/e/{key}", post(send_events))
            .route("/v0/runs/{id}/batch", get(run_batch))
            .route("/v0/runs/{id}/actions", get(run_actions))
            .route("/health", get(health))
            .layer(DefaultBodyLimit::max(BODY_LIMIT))
            .with_state(self.clone())
    }

    fn authorized(&self, headers: &HeaderMap) -> bool {
        let Some(key) = &self.inner.options.signing_key else {
            return true;
        };
        let token = headers
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .unwrap_or_default();
        !token.is_empty()
            && accepted_tokens(key)
                .iter()
                .any(|accepted| constant_time_eq(accepted, token))
    }
}

/// The raw key, the hashed key, and both without their `signkey-<env>-` prefix.
fn accepted_tokens(key: &SigningKey) -> Vec<String> {
    let mut tokens = vec![key.expose().to_owned(), key.hashed()];
    let prefixed: Vec<String> = tokens
        .iter()
        .filter_map(|token| strip_key_prefix(token).map(str::to_owned))
        .collect();
    tokens.extend(prefixed);
    tokens
}

fn strip_key_prefix(token: &str) -> Option<&str> {
    let rest = token.strip_prefix("signkey-")?;
    let dash = rest.find('-')?;
    Some(&rest[dash + 1..])
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn unauthorized() -> Response {
    json_response(
        StatusCode::UNAUTHORIZED,
        json!({ "status": 401, "error": "missing or invalid Authorization: Bearer token; send the signing key or its hashed form" }),
    )
}

async fn register(State(executor): State<Executor>, headers: HeaderMap, body: Bytes) -> Response {
    if !executor.authorized(&headers) {
        return unauthorized();
    }
    let payload: Value = match serde_json::from_slice(&body) {
        Ok(payload) => payload,
        Err(error) => {
            return json_response(
                StatusCode::BAD_REQUEST,
                json!({ "ok": false, "error": format!("the body is not JSON: {error}") }),
            );
        }
    };
    match executor.register(&payload).await {
        Ok(registration) => json_response(
            StatusCode::OK,
            json!({ "ok": true, "modified": registration.modified, "app_id": registration.app.id }),
        ),
        Err(ExecutorError::Register(error)) => {
            tracing::warn!(%error, "rejected a registration");
            json_response(
                StatusCode::BAD_REQUEST,
                json!({ "ok": false, "error": error_chain(&error) }),
            )
        }
        Err(error) => {
            tracing::warn!(%error, "registration failed");
            json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({ "ok": false, "error": error.to_string() }),
            )
        }
    }
}

async fn send_events(
    State(executor): State<Executor>,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    let keys = &executor.inner.options.event_keys;
    if key.is_empty() || (!keys.is_empty() && !keys.contains(&key)) {
        return json_response(
            StatusCode::UNAUTHORIZED,
            json!({ "status": 401, "error": "Event key not found" }),
        );
    }
    let bad_request = |error: String| {
        json_response(
            StatusCode::BAD_REQUEST,
            json!({ "ids": [], "status": 400, "error": error }),
        )
    };

    let events = match parse_events(&body) {
        Ok(events) => events,
        Err(error) => return bad_request(error),
    };
    match executor.send(events).await {
        Ok(ids) => json_response(StatusCode::OK, json!({ "ids": ids, "status": 200 })),
        Err(ExecutorError::InvalidEvent(error)) => bad_request(error),
        Err(error) => {
            tracing::warn!(%error, "storing events failed");
            json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({ "ids": [], "status": 500, "error": error.to_string() }),
            )
        }
    }
}

/// Reads one event object or an array of them.
fn parse_events(body: &[u8]) -> Result<Vec<Event>, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|error| format!("the body is not JSON: {error}"))?;
    let items = match value {
        Value::Array(items) => items,
        object @ Value::Object(_) => vec![object],
        other => {
            return Err(format!(
                "the body must be an event object or an array of events, got {other}"
            ));
        }
    };
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            serde_json::from_value::<Event>(item)
                .map_err(|error| format!("event {index} is invalid: {error}; an event needs a string `name` and an object `data`"))
        })
        .collect()
}

async fn run_batch(
    State(executor): State<Executor>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !executor.authorized(&headers) {
        return unauthorized();
    }
    match executor.inner.store.run(&id).await {
        Ok(Some(run)) => json_response(StatusCode::OK, json!(run.events)),
        Ok(None) => run_not_found(&id),
        Err(error) => store_failed(&error.into()),
    }
}

async fn run_actions(
    State(executor): State<Executor>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !executor.authorized(&headers) {
        return unauthorized();
    }
    match executor.inner.store.run(&id).await {
        Ok(Some(_)) => {}
        Ok(None) => return run_not_found(&id),
        Err(error) => return store_failed(&error.into()),
    }
    match executor.inner.store.steps(&id).await {
        Ok(steps) => {
            let actions: Map<String, Value> = steps
                .into_iter()
                .map(|entry| (entry.hash, entry.value))
                .collect();
            json_response(StatusCode::OK, Value::Object(actions))
        }
        Err(error) => store_failed(&error.into()),
    }
}

async fn health() -> Response {
    json_response(StatusCode::OK, json!({ "status": 200, "message": "OK" }))
}

fn run_not_found(id: &str) -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        json!({ "status": 404, "error": format!("run {id:?} not found") }),
    )
}

fn store_failed(error: &ExecutorError) -> Response {
    tracing::warn!(%error, "reading run state failed");
    json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        json!({ "status": 500, "error": error.to_string() }),
    )
}

/// The error and its sources, joined with `: `.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
