//! The public URL of the serve endpoint, as reported at sync.
//!
//! Precedence: `INNGEST_SERVE_ORIGIN` and `INNGEST_SERVE_PATH`, then
//! `X-Forwarded-Proto` and `X-Forwarded-Host`, then `Host`. The scheme is
//! https unless the host is loopback. User query parameters (a Vercel
//! protection-bypass token, for one) are kept; `deployId` is removed.

use http::HeaderMap;
use url::Url;

/// The serve URL with the query parameters every step URL keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeUrl {
    url: Url,
}

/// Query parameters that belong to one request, never to the registered URL.
const TRANSIENT_PARAMS: [&str; 4] = ["deployId", "fnId", "stepId", "probe"];

impl ServeUrl {
    /// Wraps a URL, dropping transient query parameters.
    pub fn new(mut url: Url) -> Self {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(key, _)| !TRANSIENT_PARAMS.contains(&key.as_ref()))
            .map(|(key, value)| (key.into_owned(), value.into_owned()))
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
        Self { url }
    }

    /// Infers the URL from a request's path, query and headers, then applies
    /// the configured origin and path.
    pub fn infer(
        path_and_query: &str,
        headers: &HeaderMap,
        serve_origin: Option<&str>,
        serve_path: Option<&str>,
    ) -> Option<Self> {
        let host = header(headers, "x-forwarded-host").or_else(|| header(headers, "host"))?;
        let host = host.split(',').next().unwrap_or(host).trim();
        let scheme = header(headers, "x-forwarded-proto")
            .map(|proto| proto.split(',').next().unwrap_or(proto).trim().to_owned())
            .unwrap_or_else(|| default_scheme(host).to_owned());

        let url = Url::parse(&format!("{scheme}://{host}{path_and_query}")).ok()?;
        Some(Self::new(url).with_overrides(serve_origin, serve_path))
    }

    /// Replaces the origin and path with configured values.
    pub fn with_overrides(mut self, serve_origin: Option<&str>, serve_path: Option<&str>) -> Self {
        if let Some(origin) = serve_origin {
            let origin = if origin.contains("://") {
                origin.to_owned()
            } else {
                format!("{}://{origin}", default_scheme(origin))
            };
            if let Ok(origin) = Url::parse(&origin) {
                let _ = self.url.set_scheme(origin.scheme());
                let _ = self.url.set_host(origin.host_str());
                let _ = self.url.set_port(origin.port());
            }
        }
        if let Some(path) = serve_path {
            self.url.set_path(path);
        }
        self
    }

    /// The URL as registered.
    pub fn as_url(&self) -> &Url {
        &self.url
    }

    /// The step URL of a function: the serve URL plus `fnId` and `stepId=step`.
    pub fn step_url(&self, composite_id: &str) -> String {
        let mut url = self.url.clone();
        url.query_pairs_mut()
            .append_pair("fnId", composite_id)
            .append_pair("stepId", "step");
        url.to_string()
    }

    /// Whether the host is a loopback name or address.
    pub fn is_loopback(&self) -> bool {
        self.url.host_str().is_some_and(is_loopback_host)
    }
}

impl std::fmt::Display for ServeUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.url.as_str())
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .filter(|value| !value.is_empty())
}

fn default_scheme(host: &str) -> &'static str {
    let bare = host.rsplit_once(':').map_or(host, |(name, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            name
        } else {
            host
        }
    });
    if is_loopback_host(bare) {
        "http"
    } else {
        "https"
    }
}

/// Loopback hosts: `localhost`, `127.0.0.0/8`, `::1` (bracketed or not).
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn loopback_host_is_http() {
        let url = ServeUrl::infer(
            "/api/inngest",
            &headers(&[("host", "127.0.0.1:3000")]),
            None,
            None,
        )
        .unwrap();
        assert_eq!(url.to_string(), "http://127.0.0.1:3000/api/inngest");
    }

    #[test]
    fn public_host_is_https_and_keeps_bypass_token() {
        let url = ServeUrl::infer(
            "/api/inngest?x-vercel-protection-bypass=s3cret&deployId=dpl_1",
            &headers(&[("host", "calls.example.com")]),
            None,
            None,
        )
        .unwrap();
        assert_eq!(
            url.step_url("app-fn"),
            "https://calls.example.com/api/inngest?x-vercel-protection-bypass=s3cret&fnId=app-fn&stepId=step"
        );
    }

    #[test]
    fn forwarded_headers_beat_host_and_config_beats_both() {
        let map = headers(&[
            ("host", "localhost:3000"),
            ("x-forwarded-host", "proxy.example.com"),
            ("x-forwarded-proto", "https"),
        ]);
        let inferred = ServeUrl::infer("/api/inngest", &map, None, None).unwrap();
        assert_eq!(
            inferred.to_string(),
            "https://proxy.example.com/api/inngest"
        );

        let configured = ServeUrl::infer(
            "/api/inngest",
            &map,
            Some("http://app:3000"),
            Some("/inngest"),
        )
        .unwrap();
        assert_eq!(configured.to_string(), "http://app:3000/inngest");
    }
}
