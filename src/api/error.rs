//! The one error shape of the jobs API:
//! `{ "error": { "code": "...", "message": "..." } }`.
//!
//! Every failure, extractor rejections included, is turned into this shape
//! with a status code, a stable machine-readable `code` and a message that
//! names the value and the fix.

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::http::StatusCode;
use axum::http::header::WWW_AUTHENTICATE;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::store;

/// An API failure, sent as JSON with its status code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable identifier such as `call_not_found`, for clients to branch on.
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    /// Creates an error with any status and code.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 for a request value that fails validation.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404 for a missing resource.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 409 for a request that conflicts with the resource's current state.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// 401 for a missing or wrong bearer token.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 500 for a failure inside the service. The cause chain is logged here,
    /// and the message names what failed without internal detail.
    pub fn internal(message: impl Into<String>, cause: &(dyn std::error::Error + 'static)) -> Self {
        let message = message.into();
        tracing::error!(error = %ErrorChain(cause), "{message}");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    /// 502 for an event that the event API did not accept.
    pub fn event_not_sent(event: &str, cause: &(dyn std::error::Error + 'static)) -> Self {
        tracing::error!(event, error = %ErrorChain(cause), "failed to send event");
        Self::new(
            StatusCode::BAD_GATEWAY,
            "event_not_sent",
            format!(
                "failed to send the {event} event: {}; the request can be retried because \
                 the event id makes a repeated send start no second run",
                ErrorChain(cause)
            ),
        )
    }

    /// 404 for a path that no route of the API serves.
    pub fn no_route(method: &axum::http::Method, path: &str) -> Self {
        Self::not_found(
            "route_not_found",
            format!("no route serves {method} {path}; see docs/api.md for the routes"),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = axum::Json(json!({
            "error": { "code": self.code, "message": self.message }
        }));
        let mut response = (self.status, body).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let detail = rejection.body_text();
        match rejection {
            JsonRejection::MissingJsonContentType(_) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the request body must be JSON; send `Content-Type: application/json`",
            ),
            JsonRejection::JsonSyntaxError(_) => Self::invalid(
                "invalid_json",
                format!("the request body is not valid JSON: {detail}"),
            ),
            JsonRejection::JsonDataError(_) => Self::invalid(
                "invalid_body",
                format!("the request body has the wrong shape: {detail}; see docs/api.md"),
            ),
            other => Self::new(
                other.status(),
                "invalid_body",
                format!("failed to read the request body: {detail}"),
            ),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::invalid(
            "invalid_path",
            format!("invalid path parameter: {}", rejection.body_text()),
        )
    }
}

impl From<store::Error> for ApiError {
    fn from(error: store::Error) -> Self {
        match &error {
            store::Error::CallNotFound(call_id) => call_not_found(call_id.as_str()),
            store::Error::ActiveJobContention(_) => {
                Self::conflict("job_contention", error.to_string())
            }
            _ => Self::internal("the database request failed", &error),
        }
    }
}

/// 404 for a call id that no call has.
pub fn call_not_found(call_id: &str) -> ApiError {
    ApiError::not_found(
        "call_not_found",
        format!("call {call_id} not found; create it with POST /api/calls"),
    )
}

/// Formats an error and its sources joined by `: `, for logs and messages.
pub fn chain<'a>(error: &'a (dyn std::error::Error + 'static)) -> impl std::fmt::Display + 'a {
    ErrorChain(error)
}

struct ErrorChain<'a>(&'a (dyn std::error::Error + 'static));

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}
