//! Reading a call's media: a local path, a `file://` URL, or an `http(s)://`
//! URL fetched over HTTP, with a size limit.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use functions::ports::ProviderError;
use url::Url;

use crate::vendor::{Redactor, retry_after};

/// Location of a piece of media.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// Fetched with an HTTP GET.
    Http(Url),
    /// Read from the file system.
    File(PathBuf),
}

impl Location {
    /// Reads `source`: `http://` and `https://` URLs, `file://` URLs, or a
    /// path. Which setting or field it came from is named in errors as `what`.
    ///
    /// # Errors
    /// [`ProviderError::Permanent`] for other URL schemes and invalid `file://` URLs.
    pub fn parse(source: &str, what: &str) -> Result<Self, ProviderError> {
        let source = source.trim();
        let Ok(url) = Url::parse(source) else {
            return Ok(Self::File(PathBuf::from(source)));
        };
        match url.scheme() {
            "http" | "https" => Ok(Self::Http(url)),
            "file" => url.to_file_path().map(Self::File).map_err(|()| {
                permanent(format!(
                    "{what} {source:?} is not a valid file URL; use file:///absolute/path or a plain path"
                ))
            }),
            // A one-letter scheme is a Windows drive such as `C:\calls\a.vtt`.
            scheme if scheme.len() == 1 => Ok(Self::File(PathBuf::from(source))),
            scheme => Err(permanent(format!(
                "{what} uses the unsupported scheme {scheme:?}; use an http(s):// URL, a file:// URL or a path"
            ))),
        }
    }

    /// Returns the path part, for guessing the format and content type from the extension.
    pub fn path(&self) -> &Path {
        match self {
            Self::Http(url) => Path::new(url.path()),
            Self::File(path) => path,
        }
    }

    /// Returns the file name, when the location has one.
    pub fn file_name(&self) -> Option<String> {
        self.path()
            .file_name()
            .and_then(|name| name.to_str())
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
    }
}

/// Reads media with a shared HTTP client and the secrets to hide.
#[derive(Debug, Clone)]
pub struct MediaReader {
    http: reqwest::Client,
    timeout: Duration,
    redactor: Redactor,
}

impl MediaReader {
    /// Creates a reader whose HTTP fetches time out after `timeout`.
    ///
    /// # Errors
    /// [`ProviderError::Permanent`] when the HTTP client cannot be created.
    pub fn new(timeout: Duration, redactor: Redactor) -> Result<Self, ProviderError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|error| {
                permanent(format!(
                    "could not create the HTTP client for media: {error}"
                ))
            })?;
        Ok(Self {
            http,
            timeout,
            redactor,
        })
    }

    /// Reads the whole content, failing when it is larger than `max_bytes`.
    ///
    /// # Errors
    /// Permanent for a missing or unreadable file, an HTTP 4xx, or content over
    /// the limit. Retryable for an HTTP 429 or 5xx, a timeout or a failed connection.
    pub async fn read(
        &self,
        location: &Location,
        max_bytes: u64,
    ) -> Result<Vec<u8>, ProviderError> {
        match location {
            Location::File(path) => read_file(path, max_bytes).await,
            Location::Http(url) => self.fetch(url, max_bytes).await,
        }
    }

    async fn fetch(&self, url: &Url, max_bytes: u64) -> Result<Vec<u8>, ProviderError> {
        let shown = self.redactor.redact_url(url.as_str());
        let transport = |error: reqwest::Error| {
            let timed_out = error.is_timeout();
            let detail = self.redactor.redact(&error.without_url().to_string());
            let message = if timed_out {
                format!(
                    "fetching {shown} timed out after {:.1} s; retry, or raise VENDOR_TIMEOUT_SECS",
                    self.timeout.as_secs_f64()
                )
            } else {
                format!("fetching {shown} failed: {detail}; check that the URL is reachable")
            };
            ProviderError::Retryable {
                message,
                retry_after: None,
                source: None,
            }
        };

        let response = self.http.get(url.clone()).send().await.map_err(transport)?;
        let status = response.status();
        if !status.is_success() {
            let message = format!("fetching {shown} returned HTTP {status}");
            let retryable = status.as_u16() == 429 || status.is_server_error();
            return Err(if retryable {
                ProviderError::Retryable {
                    message,
                    retry_after: retry_after(response.headers(), SystemTime::now()),
                    source: None,
                }
            } else {
                permanent(format!("{message}; check that the URL is right and public"))
            });
        }
        if let Some(length) = response.content_length()
            && length > max_bytes
        {
            return Err(too_large(&shown, length, max_bytes));
        }
        let body = response.bytes().await.map_err(transport)?;
        if body.len() as u64 > max_bytes {
            return Err(too_large(&shown, body.len() as u64, max_bytes));
        }
        Ok(body.to_vec())
    }
}

async fn read_file(path: &Path, max_bytes: u64) -> Result<Vec<u8>, ProviderError> {
    let shown = path.display();
    let io_error = |error: std::io::Error| {
        let message = format!("could not read {shown}: {error}");
        match error.kind() {
            ErrorKind::NotFound => permanent(format!(
                "{shown} not found; check the path and the working directory"
            )),
            ErrorKind::PermissionDenied | ErrorKind::IsADirectory | ErrorKind::InvalidInput => {
                permanent(message)
            }
            _ => ProviderError::Retryable {
                message,
                retry_after: None,
                source: Some(Box::new(error)),
            },
        }
    };

    let metadata = tokio::fs::metadata(path).await.map_err(io_error)?;
    if metadata.len() > max_bytes {
        return Err(too_large(&shown.to_string(), metadata.len(), max_bytes));
    }
    tokio::fs::read(path).await.map_err(io_error)
}

fn too_large(shown: &str, size: u64, max_bytes: u64) -> ProviderError {
    permanent(format!(
        "{shown} is {size} bytes, over the limit of {max_bytes} bytes; compress or split it"
    ))
}

pub(crate) fn permanent(message: String) -> ProviderError {
    ProviderError::Permanent {
        message,
        source: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse() {
        let http = Location::parse("https://cdn.example/a/call.mp3?x=1", "recording_url").unwrap();
        assert_eq!(http.file_name().as_deref(), Some("call.mp3"));
        assert_eq!(
            Location::parse("file:///tmp/a.vtt", "t").unwrap(),
            Location::File(PathBuf::from("/tmp/a.vtt"))
        );
        assert_eq!(
            Location::parse("calls/a.srt", "t").unwrap(),
            Location::File(PathBuf::from("calls/a.srt"))
        );
        let error = Location::parse("s3://bucket/a.mp3", "recording_url").unwrap_err();
        assert!(error.to_string().contains("s3"), "{error}");
    }
}
