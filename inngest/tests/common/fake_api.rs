//! A stand-in for the Inngest API on loopback: records every request and
//! answers from a script of `(method, path prefix) -> (status, JSON body)`.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use serde_json::Value;

/// A request the fake API received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: Method,
    pub path_and_query: String,
    pub headers: HeaderMap,
    pub body: Value,
}

/// One scripted reply.
#[derive(Debug, Clone)]
pub struct Reply {
    pub method: Method,
    pub path_prefix: String,
    pub status: u16,
    pub body: Value,
    /// Only answer requests with this bearer token; others fall through.
    pub bearer: Option<String>,
}

#[derive(Default)]
struct Shared {
    replies: Vec<Reply>,
    received: Vec<Received>,
}

/// A running fake API.
#[derive(Clone)]
pub struct FakeApi {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
}

impl FakeApi {
    /// Starts the server with its script.
    pub async fn start(replies: Vec<Reply>) -> Self {
        let shared = Arc::new(Mutex::new(Shared {
            replies,
            received: Vec::new(),
        }));
        let app = Router::new()
            .fallback(answer)
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, shared }
    }

    /// Requests received so far.
    pub fn received(&self) -> Vec<Received> {
        self.shared.lock().unwrap().received.clone()
    }
}

async fn answer(
    State(shared): State<Arc<Mutex<Shared>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let path_and_query = uri
        .path_and_query()
        .map(|value| value.to_string())
        .unwrap_or_default();
    let authorization = headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);

    let mut shared = shared.lock().unwrap();
    shared.received.push(Received {
        method: method.clone(),
        path_and_query: path_and_query.clone(),
        headers,
        body: json,
    });
    let reply = shared.replies.iter().find(|reply| {
        reply.method == method
            && path_and_query.starts_with(&reply.path_prefix)
            && reply
                .bearer
                .as_ref()
                .is_none_or(|token| authorization.as_deref() == Some(&format!("Bearer {token}")))
    });
    match reply {
        Some(reply) => (
            StatusCode::from_u16(reply.status).unwrap(),
            [("content-type", "application/json")],
            reply.body.to_string(),
        ),
        None => (
            StatusCode::UNAUTHORIZED,
            [("content-type", "application/json")],
            r#"{"error":"unauthorized"}"#.to_owned(),
        ),
    }
}
