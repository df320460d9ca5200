//! Streamed POST responses: `201` at once, a keep-alive space about every
//! three seconds, then one JSON envelope with the real status, headers and
//! body. Proxies that close idle connections (some serverless platforms cut
//! at 10 to 60 s) then keep long steps alive.

use bytes::Bytes;
use futures::StreamExt;
use http::StatusCode;
use serde_json::{Map, Value, json};

use super::auth::Auth;
use super::{ServeHandler, ServeRequest, ServeResponse};
use crate::wire::{REQUEST_VERSION, headers};

impl ServeHandler {
    /// Whether this request is answered as a stream: a POST call request
    /// (not a probe) that passes authentication, with streaming enabled.
    pub fn should_stream(&self, request: &ServeRequest) -> bool {
        self.inner.config.streaming
            && request.method == http::Method::POST
            && request.query("probe").is_none()
            && !request.body.iter().all(u8::is_ascii_whitespace)
            && matches!(
                self.authenticate(request),
                Auth::NotRequired | Auth::Verified(_)
            )
    }

    /// Starts handling `request` and returns the `201` head and its body
    /// stream. The stream ends with the envelope of the real response.
    pub fn handle_streaming(
        &self,
        request: ServeRequest,
    ) -> (
        ServeResponse,
        impl futures::Stream<Item = Result<Bytes, std::convert::Infallible>> + Send + 'static,
    ) {
        let mut head = ServeResponse::json(StatusCode::CREATED, &Value::Null);
        head.body = Bytes::new();
        head.headers.remove(headers::REQ_VERSION);

        let keep_alive = self.inner.config.stream_keep_alive;
        let handler = self.clone();
        let (sender, receiver) = tokio::sync::mpsc::channel::<Bytes>(4);
        tokio::spawn(async move {
            let work = handler.handle(request);
            tokio::pin!(work);
            let mut ticks =
                tokio::time::interval_at(tokio::time::Instant::now() + keep_alive, keep_alive);
            let response = loop {
                tokio::select! {
                    response = &mut work => break response,
                    _ = ticks.tick() => {
                        if sender.send(Bytes::from_static(b" ")).await.is_err() {
                            // The caller went away; finishing the step is still
                            // useful because its result is lost either way.
                            return;
                        }
                    }
                }
            };
            let _ = sender.send(envelope(&response)).await;
        });

        let stream = tokio_stream_from(receiver).map(Ok);
        (head, stream)
    }
}

/// `{"status", "headers", "body": "<body as a string>", "version"}`.
fn envelope(response: &ServeResponse) -> Bytes {
    let mut header_map = Map::new();
    for (name, value) in &response.headers {
        if let Ok(value) = value.to_str() {
            header_map.insert(name.as_str().to_owned(), json!(value));
        }
    }
    let body = String::from_utf8_lossy(&response.body).into_owned();
    let envelope = json!({
        "status": response.status.as_u16(),
        "headers": header_map,
        "body": body,
        "version": REQUEST_VERSION,
    });
    Bytes::from(serde_json::to_vec(&envelope).unwrap_or_default())
}

fn tokio_stream_from(
    mut receiver: tokio::sync::mpsc::Receiver<Bytes>,
) -> impl futures::Stream<Item = Bytes> {
    futures::stream::poll_fn(move |cx| receiver.poll_recv(cx))
}
