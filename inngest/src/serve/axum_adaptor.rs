//! The axum adaptor: one router that owns every method on the serve path.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use http::{Request, StatusCode};

use super::{ServeHandler, ServeRequest, ServeResponse};

/// A router serving `handler` at `path` and `path/`, for every method.
///
/// The body is read here, under the configured limit, so an oversize body
/// gets the same JSON error shape and SDK headers as everything else.
pub fn router(path: &str, handler: ServeHandler) -> Router {
    let trimmed = path.trim_end_matches('/');
    let mut router = Router::new().route(&format!("{trimmed}/"), any(serve));
    if !trimmed.is_empty() {
        router = router.route(trimmed, any(serve));
    }
    router.with_state(handler)
}

async fn serve(State(handler): State<ServeHandler>, request: Request<Body>) -> Response {
    let (parts, body) = request.into_parts();
    let limit = handler.config().body_limit;
    let Ok(body) = axum::body::to_bytes(body, limit).await else {
        let message = format!(
            "the request body is larger than the {limit}-byte limit; raise INNGEST_BODY_LIMIT"
        );
        return into_response(ServeResponse::message(
            StatusCode::PAYLOAD_TOO_LARGE,
            &message,
        ));
    };

    let request = ServeRequest {
        method: parts.method,
        uri: parts.uri,
        headers: parts.headers,
        body,
    };
    if handler.should_stream(&request) {
        let (head, stream) = handler.handle_streaming(request);
        let mut out = (head.status, Body::from_stream(stream)).into_response();
        *out.headers_mut() = head.headers;
        return out;
    }
    into_response(handler.handle(request).await)
}

fn into_response(response: ServeResponse) -> Response {
    let mut out = (response.status, response.body).into_response();
    *out.headers_mut() = response.headers;
    out
}
