//! PUT: sync. Out of band, the handler registers its functions with the
//! Inngest API; in band, it returns its configuration in the response.

use http::StatusCode;
use reqwest::Method;
use serde_json::{Map, Value, json};

use super::auth::{Auth, sign_response};
use super::introspect::{capabilities, path_and_query};
use super::url::ServeUrl;
use super::{ServeHandler, ServeRequest, ServeResponse};
use crate::wire::headers;

impl ServeHandler {
    pub(crate) async fn sync(&self, request: &ServeRequest) -> ServeResponse {
        let in_band = self.inner.config.allow_in_band_sync
            && request
                .header(headers::SYNC_KIND)
                .is_some_and(|kind| kind.eq_ignore_ascii_case("in_band"));
        if in_band {
            return self.sync_in_band(request);
        }
        self.sync_out_of_band(request).await
    }

    fn sync_in_band(&self, request: &ServeRequest) -> ServeResponse {
        let key = match self.authenticate(request) {
            Auth::NotRequired => None,
            Auth::Verified(key) => Some(key),
            Auth::Rejected | Auth::NoKey => return ServeResponse::unauthorized(),
        };
        let url = match in_band_url(&request.body) {
            Ok(url) => url,
            Err(message) => {
                return ServeResponse::json(
                    StatusCode::BAD_REQUEST,
                    &json!({ "code": "invalid_request", "message": message }),
                );
            }
        };

        let config = &self.inner.config;
        let serve_url = ServeUrl::new(url)
            .with_overrides(config.serve_origin.as_deref(), config.serve_path.as_deref());
        let authenticated = key.is_some() || config.mode == super::ServerMode::Dev;
        let mut body = Map::new();
        body.insert("app_id".to_owned(), json!(self.inner.app.id()));
        body.insert("capabilities".to_owned(), capabilities());
        body.insert("env".to_owned(), json!(config.env));
        body.insert("framework".to_owned(), json!("axum"));
        body.insert(
            "functions".to_owned(),
            json!(self.inner.app.sync_functions(&serve_url)),
        );
        body.insert(
            "inspection".to_owned(),
            Value::Object(self.authenticated_introspection(request)),
        );
        if let Some(platform) = &config.platform {
            body.insert("platform".to_owned(), json!(platform));
        }
        body.insert("sdk_author".to_owned(), json!("inngest"));
        let (language, version) = if authenticated {
            ("rust", env!("CARGO_PKG_VERSION"))
        } else {
            ("", "")
        };
        body.insert("sdk_language".to_owned(), json!(language));
        body.insert("sdk_version".to_owned(), json!(version));
        body.insert("sdk".to_owned(), json!(crate::SDK_SYNC_VALUE));
        body.insert("url".to_owned(), json!(serve_url.to_string()));

        let mut response = ServeResponse::json(StatusCode::OK, &Value::Object(body));
        response.set(headers::SYNC_KIND, "in_band");
        if let Some(key) = key {
            sign_response(&mut response, &key);
        }
        response
    }

    async fn sync_out_of_band(&self, request: &ServeRequest) -> ServeResponse {
        let config = &self.inner.config;
        let signed = request.header(headers::SIGNATURE).is_some();
        let mut verified_key = None;
        let authenticated = match self.authenticate(request) {
            Auth::NotRequired => true,
            Auth::Verified(key) => {
                verified_key = Some(key);
                true
            }
            Auth::Rejected if signed || !config.enable_unauthed_sync => {
                return ServeResponse::unauthorized();
            }
            Auth::NoKey if !config.enable_unauthed_sync => return ServeResponse::unauthorized(),
            Auth::Rejected | Auth::NoKey => false,
        };

        let Some(serve_url) = ServeUrl::infer(
            &path_and_query(request),
            &request.headers,
            config.serve_origin.as_deref(),
            config.serve_path.as_deref(),
        ) else {
            return sync_failed(
                "",
                "the request has no Host header, so the serve URL is unknown; set INNGEST_SERVE_ORIGIN",
            );
        };
        warn_about_unreachable_url(config, &serve_url, request);
        let deploy_id = request.query("deployId");
        let mut response = self
            .register(&serve_url, deploy_id, request.header(headers::SERVER_KIND))
            .await;
        response.set(headers::SYNC_KIND, "out_of_band");
        if !authenticated {
            // The official SDK hides its identity from unauthenticated callers.
            response.strip_sdk_headers();
        }
        if let Some(key) = verified_key {
            sign_response(&mut response, &key);
        }
        response
    }

    /// Posts the app's configuration to `/fn/register`.
    async fn register(
        &self,
        serve_url: &ServeUrl,
        deploy_id: Option<String>,
        server_kind: Option<&str>,
    ) -> ServeResponse {
        let config = &self.inner.config;
        let payload = self.register_payload(serve_url, deploy_id.as_deref());

        let mut url = self.inner.api.url("fn/register");
        if let Some(deploy_id) = &deploy_id {
            url.query_pairs_mut().append_pair("deployId", deploy_id);
        }
        let mut extra = vec![
            (headers::FRAMEWORK, "axum".to_owned()),
            (headers::SYNC_KIND, "out_of_band".to_owned()),
        ];
        if let Some(kind) = server_kind {
            extra.push((headers::EXPECTED_SERVER_KIND, kind.to_owned()));
        } else {
            extra.push((
                headers::EXPECTED_SERVER_KIND,
                config.mode.as_str().to_owned(),
            ));
        }
        if let Some(platform) = &config.platform {
            extra.push((headers::PLATFORM, platform.clone()));
        }

        let reply = self
            .inner
            .api
            .send(Method::POST, url.clone(), Some(&payload), &extra)
            .await;
        match reply {
            Ok((status, body)) if status.is_success() && body.get("error").is_none() => {
                let modified = body
                    .get("modified")
                    .and_then(Value::as_bool)
                    .unwrap_or(true);
                tracing::info!(url = %serve_url, %modified, "registered functions with Inngest");
                // `url` and `functions` go beyond the official SDK's reply so
                // an operator sees what was registered where.
                let functions: Vec<Value> = payload["functions"]
                    .as_array()
                    .map(|configs| configs.iter().map(|config| config["id"].clone()).collect())
                    .unwrap_or_default();
                ServeResponse::json(
                    StatusCode::OK,
                    &json!({
                        "message": "Successfully registered",
                        "modified": modified,
                        "url": serve_url.to_string(),
                        "functions": functions,
                    }),
                )
            }
            Ok((status, body)) => {
                let reason = format!(
                    "{} answered {status}: {}",
                    url,
                    super::api::error_text(&body)
                );
                sync_failed(&serve_url.to_string(), &reason)
            }
            Err(error) => sync_failed(&serve_url.to_string(), &error.to_string()),
        }
    }

    /// The `/fn/register` body.
    pub(crate) fn register_payload(&self, serve_url: &ServeUrl, deploy_id: Option<&str>) -> Value {
        let mut payload = Map::new();
        payload.insert("url".to_owned(), json!(serve_url.to_string()));
        payload.insert("deployType".to_owned(), json!("ping"));
        payload.insert("framework".to_owned(), json!("axum"));
        payload.insert("appName".to_owned(), json!(self.inner.app.id()));
        payload.insert(
            "functions".to_owned(),
            json!(self.inner.app.sync_functions(serve_url)),
        );
        payload.insert("sdk".to_owned(), json!(crate::SDK_SYNC_VALUE));
        payload.insert("v".to_owned(), json!("0.1"));
        if let Some(deploy_id) = deploy_id {
            payload.insert("deployId".to_owned(), json!(deploy_id));
        }
        payload.insert("capabilities".to_owned(), capabilities());
        Value::Object(payload)
    }
}

/// Warns about a serve URL Inngest is unlikely to reach. A loopback origin
/// registered with a remote API cannot be called back. A request that
/// arrived on another host than the configured origin hints at a redirect,
/// such as a bare domain that redirects to `www`.
fn warn_about_unreachable_url(
    config: &super::ServeConfig,
    serve_url: &ServeUrl,
    request: &ServeRequest,
) {
    let api_is_remote = config
        .api_base_url
        .host_str()
        .is_some_and(|host| !super::url::is_loopback_host(host));
    if serve_url.is_loopback() && api_is_remote {
        tracing::warn!(
            url = %serve_url,
            api = %config.api_base_url,
            "registering a loopback URL with a remote Inngest API, which cannot reach it; set INNGEST_SERVE_ORIGIN to this service's public origin"
        );
    }

    let Some(origin) = &config.serve_origin else {
        return;
    };
    let host = request
        .header("x-forwarded-host")
        .or_else(|| request.header("host"));
    if let Some(host) = host
        && !origin.contains(host)
    {
        tracing::warn!(
            request_host = host,
            serve_origin = %origin,
            "the sync request arrived on another host than INNGEST_SERVE_ORIGIN; Inngest will call the configured origin and does not follow redirects"
        );
    }
}

/// A failed sync: never 2xx, and the message names the URL and the reason.
fn sync_failed(serve_url: &str, reason: &str) -> ServeResponse {
    tracing::warn!(url = %serve_url, %reason, "sync failed");
    let message = format!("Failed to register {serve_url}: {reason}");
    ServeResponse::json(
        StatusCode::INTERNAL_SERVER_ERROR,
        &json!({ "message": message, "modified": false }),
    )
}

/// Reads an in-band sync body, which must be exactly `{"url": "<serve url>"}`.
fn in_band_url(body: &[u8]) -> Result<url::Url, String> {
    let value: Value = serde_json::from_slice(body).map_err(|error| {
        format!("the in-band sync body is not JSON ({error}); send {{\"url\": \"<serve url>\"}}")
    })?;
    let Value::Object(map) = value else {
        return Err(
            "the in-band sync body must be an object {\"url\": \"<serve url>\"}".to_owned(),
        );
    };
    if let Some(extra) = map.keys().find(|key| key.as_str() != "url") {
        return Err(format!(
            "unexpected key {extra:?} in the in-band sync body; only \"url\" is allowed"
        ));
    }
    let Some(Value::String(url)) = map.get("url") else {
        return Err("the in-band sync body needs a string \"url\"".to_owned());
    };
    url::Url::parse(url)
        .map_err(|error| format!("the in-band sync url {url:?} is invalid: {error}"))
}
