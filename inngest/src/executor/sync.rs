//! In-band sync: asks a serve endpoint for its configuration with a signed
//! PUT and registers the functions it returns.

use serde_json::{Value, json};

use super::{Executor, ExecutorError, Registration};
use crate::wire::headers;

impl Executor {
    /// Sends an in-band sync PUT to the serve URL `url` and registers the
    /// functions in the reply.
    ///
    /// # Errors
    /// [`ExecutorError::SyncRequest`] when the app is unreachable,
    /// [`ExecutorError::SyncReply`] for an error status or a reply without
    /// `app_id` and `functions`, and registration errors.
    pub async fn sync_app(&self, url: &str) -> Result<Registration, ExecutorError> {
        let body = serde_json_canonicalizer::to_vec(&json!({ "url": url })).unwrap_or_default();
        let key = self.inner.options.signing_key.as_ref();
        let mut request = self
            .inner
            .http
            .put(url)
            .timeout(std::time::Duration::from_secs(10))
            .header("content-type", "application/json")
            .header(headers::SYNC_KIND, "in_band")
            .header(
                headers::SERVER_KIND,
                if key.is_some() { "cloud" } else { "dev" },
            );
        if let Some(key) = key {
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            request = request.header(headers::SIGNATURE, key.sign(&body, now));
        }

        let request_failed = |source| ExecutorError::SyncRequest {
            url: url.to_owned(),
            source,
        };
        let response = request.body(body).send().await.map_err(request_failed)?;
        let status = response.status();
        let text = response.text().await.map_err(request_failed)?;
        let reply_failed = |reason: String| ExecutorError::SyncReply {
            url: url.to_owned(),
            reason,
        };
        if !status.is_success() {
            return Err(reply_failed(format!("the app answered {status}: {text}")));
        }
        let reply: Value = serde_json::from_str(&text).map_err(|error| {
            reply_failed(format!(
                "the reply is not JSON ({error}); is {url} a serve endpoint?"
            ))
        })?;

        let Some(app_id) = reply
            .get("app_id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
        else {
            return Err(reply_failed(
                "the reply has no `app_id`; the app may not support in-band sync, so let it register with POST /fn/register".to_owned(),
            ));
        };
        let payload = json!({
            "appName": app_id,
            "url": reply.get("url").and_then(Value::as_str).unwrap_or(url),
            "functions": reply.get("functions").cloned().unwrap_or_else(|| json!([])),
            "sdk": reply.get("sdk").cloned().unwrap_or(Value::Null),
        });
        self.register(&payload).await
    }
}
