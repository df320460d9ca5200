//! GET: introspection. Unsigned callers get the public body; a valid
//! signature unlocks the authenticated body. Key material appears only as
//! short hashes.

use http::StatusCode;
use serde_json::{Map, Value, json};

use super::auth::{Auth, sign_response};
use super::url::ServeUrl;
use super::{ServeHandler, ServeRequest, ServeResponse, ServerMode};
use crate::signing::event_key_hash;
use crate::wire::headers;

/// Introspection schema version the Inngest server accepts.
pub(crate) const SCHEMA_VERSION: &str = "2024-05-24";

impl ServeHandler {
    pub(crate) fn introspect(&self, request: &ServeRequest) -> ServeResponse {
        let signed = request.header(headers::SIGNATURE).is_some();
        match self.authenticate(request) {
            Auth::Verified(key) => {
                let body = self.authenticated_introspection(request);
                let mut response = ServeResponse::json(StatusCode::OK, &Value::Object(body));
                sign_response(&mut response, &key);
                response
            }
            Auth::NotRequired | Auth::NoKey => {
                let body = self.public_introspection(Value::Null);
                ServeResponse::json(StatusCode::OK, &Value::Object(body))
            }
            Auth::Rejected => {
                let succeeded = if signed {
                    Value::Bool(false)
                } else {
                    Value::Null
                };
                ServeResponse::json(
                    StatusCode::OK,
                    &Value::Object(self.public_introspection(succeeded)),
                )
            }
        }
    }

    /// The body any caller may see.
    pub(crate) fn public_introspection(
        &self,
        authentication_succeeded: Value,
    ) -> Map<String, Value> {
        let config = &self.inner.config;
        let mut body = Map::new();
        body.insert(
            "authentication_succeeded".to_owned(),
            authentication_succeeded,
        );
        body.insert("extra".to_owned(), json!({ "native_crypto": true }));
        body.insert(
            "function_count".to_owned(),
            json!(self.inner.app.config_count()),
        );
        body.insert(
            "has_event_key".to_owned(),
            json!(config.event_key.is_some()),
        );
        body.insert(
            "has_signing_key".to_owned(),
            json!(config.signing_key.is_some()),
        );
        body.insert(
            "has_signing_key_fallback".to_owned(),
            json!(config.signing_key_fallback.is_some()),
        );
        body.insert("mode".to_owned(), json!(config.mode.as_str()));
        body.insert("schema_version".to_owned(), json!(SCHEMA_VERSION));
        body
    }

    /// The body for a verified caller (and for in-band sync).
    pub(crate) fn authenticated_introspection(&self, request: &ServeRequest) -> Map<String, Value> {
        let config = &self.inner.config;
        let serve_url = ServeUrl::infer(
            &path_and_query(request),
            &request.headers,
            config.serve_origin.as_deref(),
            config.serve_path.as_deref(),
        );

        let mut body = self.public_introspection(Value::Bool(true));
        body.insert("api_origin".to_owned(), json!(config.api_base_url.as_str()));
        body.insert("app_id".to_owned(), json!(self.inner.app.id()));
        body.insert("capabilities".to_owned(), capabilities());
        body.insert("env".to_owned(), json!(config.env));
        body.insert(
            "event_api_origin".to_owned(),
            json!(config.event_api_base_url.as_str()),
        );
        body.insert(
            "event_key_hash".to_owned(),
            json!(config.event_key.as_deref().map(event_key_hash)),
        );
        body.insert(
            "extra".to_owned(),
            json!({ "is_streaming": config.streaming, "native_crypto": true }),
        );
        body.insert("framework".to_owned(), json!("axum"));
        body.insert("sdk_language".to_owned(), json!("rust"));
        body.insert("sdk_version".to_owned(), json!(env!("CARGO_PKG_VERSION")));
        body.insert(
            "serve_origin".to_owned(),
            json!(
                serve_url
                    .as_ref()
                    .map(|url| url.as_url().origin().ascii_serialization())
            ),
        );
        body.insert(
            "serve_path".to_owned(),
            json!(serve_url.as_ref().map(|url| url.as_url().path().to_owned())),
        );
        body.insert(
            "signing_key_hash".to_owned(),
            json!(config.signing_key.as_ref().map(|key| key.short_hash())),
        );
        body.insert(
            "signing_key_fallback_hash".to_owned(),
            json!(
                config
                    .signing_key_fallback
                    .as_ref()
                    .map(|key| key.short_hash())
            ),
        );
        if config.mode == ServerMode::Dev {
            body.insert("authentication_succeeded".to_owned(), Value::Null);
        }
        body
    }
}

/// Capabilities advertised at sync and in introspection. Connect (WebSocket
/// workers) is not implemented, so unlike the official SDK it is not listed.
pub(crate) fn capabilities() -> Value {
    json!({ "trust_probe": "v1" })
}

/// The request's path and query, as received.
pub(crate) fn path_and_query(request: &ServeRequest) -> String {
    request.uri.path_and_query().map_or_else(
        || request.uri.path().to_owned(),
        |value| value.as_str().to_owned(),
    )
}
