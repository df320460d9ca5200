//! An HTTP client for one vendor: sends a request, and turns every failure
//! into a classified [`ProviderError`] with secrets removed.

use std::time::Duration;

use functions::ports::ProviderError;
use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;

use super::{Redactor, VendorApi, VendorError, classify_status, classify_transport};

/// A successful (2xx) vendor response, read in full.
#[derive(Debug)]
pub struct VendorResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// Request URL with secrets removed, for messages.
    pub url: String,
}

/// The HTTP client of one vendor with its timeout and the secrets to hide.
#[derive(Debug, Clone)]
pub struct VendorClient {
    http: reqwest::Client,
    api: VendorApi,
    timeout: Duration,
    redactor: Redactor,
}

impl VendorClient {
    /// Creates a client whose requests time out after `timeout`, counted from
    /// sending to the last body byte.
    ///
    /// # Errors
    /// [`ProviderError::Permanent`] when the TLS backend cannot be set up.
    pub fn new(
        api: VendorApi,
        timeout: Duration,
        redactor: Redactor,
    ) -> Result<Self, ProviderError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("call-insights/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| ProviderError::Permanent {
                message: format!("could not create the HTTP client for {}: {error}", api.name),
                source: None,
            })?;
        Ok(Self {
            http,
            api,
            timeout,
            redactor,
        })
    }

    /// The underlying client, for building requests.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The vendor this client talks to.
    pub fn api(&self) -> VendorApi {
        self.api
    }

    /// The secrets this client hides.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Sends the request and reads the whole body.
    ///
    /// # Errors
    /// A classified [`ProviderError`] for a non-2xx status or a request that
    /// did not complete (timeouts are retryable).
    pub async fn send(&self, request: RequestBuilder) -> Result<VendorResponse, ProviderError> {
        let request = request.build().map_err(|error| {
            classify_transport(
                self.api,
                "(unbuilt request)",
                error,
                self.timeout,
                &self.redactor,
            )
        })?;
        let url = self.redactor.redact_url(request.url().as_str());

        let response = self.http.execute(request).await.map_err(|error| {
            classify_transport(self.api, &url, error, self.timeout, &self.redactor)
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|error| {
                classify_transport(self.api, &url, error, self.timeout, &self.redactor)
            })?
            .to_vec();

        if !status.is_success() {
            return Err(classify_status(
                self.api,
                &url,
                status,
                &headers,
                &body,
                &self.redactor,
            ));
        }
        Ok(VendorResponse {
            status,
            headers,
            body,
            url,
        })
    }

    /// Parses a 2xx body as the vendor's documented JSON.
    ///
    /// # Errors
    /// [`ProviderError::Retryable`] when the body does not parse: a 2xx body
    /// in the wrong shape usually comes from a proxy or a cut connection, and
    /// the step's retry limit bounds the retries.
    pub fn parse_json<T: DeserializeOwned>(
        &self,
        response: &VendorResponse,
    ) -> Result<T, ProviderError> {
        serde_json::from_slice(&response.body).map_err(|error| {
            let detail = self.redactor.redact(&error.to_string());
            self.malformed(&response.url, detail)
        })
    }

    /// A retryable error for a 2xx response that lacks what the API documents.
    pub fn malformed(&self, url: &str, detail: String) -> ProviderError {
        let message = format!(
            "{} returned a response that is not in its documented format: {detail}; \
             check that {} points at a {} API",
            self.api.name, self.api.base_setting, self.api.name
        );
        tracing::warn!(vendor = self.api.name, error = %message, "malformed vendor response");
        ProviderError::Retryable {
            message,
            retry_after: None,
            source: Some(Box::new(VendorError::Malformed {
                url: url.to_owned(),
                detail,
            })),
        }
    }
}
