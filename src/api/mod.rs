//! The jobs HTTP API: JSON routes under `/api/calls` and `/api/jobs` that
//! create calls, start transcription and insights jobs, and report results.
//!
//! Every response body is JSON, errors included (see [`error`]). When
//! `API_TOKEN` is set, every route here requires it as a bearer token
//! (see [`auth`]).

pub mod auth;
mod calls;
pub mod error;
pub mod events;
mod extract;
mod insights;
mod jobs;
pub mod views;

use axum::extract::{DefaultBodyLimit, OriginalUri};
use axum::http::Method;
use axum::{Router, middleware};

use crate::service::Service;
use crate::store::Store;
use error::ApiError;
use events::EventSink;

/// Largest request body, which bounds an inline transcript.
pub const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// State shared by the route handlers.
#[derive(Clone)]
pub(crate) struct ApiState {
    store: Store,
    events: EventSink,
}

/// The API routes of `service`, ready to merge next to the serve endpoint.
///
/// The router also sets the service-wide fallback, which returns a JSON 404
/// for any path that no route serves, and returns a JSON 405 for a wrong
/// method on an API route.
pub fn router(service: &Service) -> Router {
    let state = ApiState {
        store: service.store.clone(),
        events: EventSink::for_service(service),
    };
    let token = service.settings.api_token.clone();

    Router::new()
        .merge(calls::routes())
        .merge(insights::routes())
        .merge(jobs::routes())
        .method_not_allowed_fallback(method_not_allowed)
        .route_layer(middleware::from_fn_with_state(token, auth::require_token))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
        .fallback(no_route)
}

async fn no_route(method: Method, OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::no_route(&method, uri.path())
}

async fn method_not_allowed(method: Method, OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!(
            "{method} is not allowed on {}; see docs/api.md for the methods of each route",
            uri.path()
        ),
    )
}
