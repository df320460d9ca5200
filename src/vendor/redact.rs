//! Removal of secrets from text before it reaches an error, a log or a user.

use std::fmt;
use std::sync::Arc;

use url::Url;

/// What replaces a secret.
pub const REDACTED: &str = "[REDACTED]";

/// Query parameters whose values are treated as secrets in URLs.
const SECRET_QUERY_KEYS: &[&str] = &[
    "key",
    "api_key",
    "apikey",
    "token",
    "access_token",
    "sig",
    "signature",
    "x-amz-signature",
    "x-amz-credential",
    "x-goog-signature",
];

/// The secrets to hide. Cheap to clone; its `Debug` shows only the count.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Longest first, so a secret that contains another is replaced whole.
    secrets: Arc<[String]>,
}

impl Redactor {
    /// Creates a redactor for the given secrets; empty strings are ignored.
    pub fn new<S: Into<String>>(secrets: impl IntoIterator<Item = S>) -> Self {
        let mut secrets: Vec<String> = secrets
            .into_iter()
            .map(Into::into)
            .filter(|secret| !secret.is_empty())
            .collect();
        secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
        secrets.dedup();
        Self {
            secrets: secrets.into(),
        }
    }

    /// Replaces every occurrence of a secret in `text` with [`REDACTED`].
    pub fn redact(&self, text: &str) -> String {
        let mut output = text.to_owned();
        for secret in self.secrets.iter() {
            if output.contains(secret.as_str()) {
                output = output.replace(secret.as_str(), REDACTED);
            }
        }
        output
    }

    /// Renders a URL without its password, secret-looking query values or
    /// any known secret.
    pub fn redact_url(&self, url: &str) -> String {
        let Ok(mut parsed) = Url::parse(url) else {
            return self.redact(url);
        };
        if parsed.password().is_some() {
            let _ = parsed.set_password(Some(REDACTED));
        }
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(name, value)| {
                let secret = SECRET_QUERY_KEYS.contains(&name.to_ascii_lowercase().as_str());
                let value = if secret {
                    REDACTED.to_owned()
                } else {
                    value.into_owned()
                };
                (name.into_owned(), value)
            })
            .collect();
        if !pairs.is_empty() {
            parsed.query_pairs_mut().clear().extend_pairs(pairs);
        }
        self.redact(parsed.as_str())
    }
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_replaces_every_secret() {
        let redactor = Redactor::new(["sk-abc", "sk-abcdef", ""]);
        let text = redactor.redact("key sk-abcdef then sk-abc and sk-abc");
        assert_eq!(text, "key [REDACTED] then [REDACTED] and [REDACTED]");
    }

    #[test]
    fn redact_url_hides_password_and_query() {
        let redactor = Redactor::new(["tok-1"]);
        let url = redactor.redact_url("https://user:pw@host/v1/x?api_key=zzz&model=a&q=tok-1");
        assert!(!url.contains("pw@"), "{url}");
        assert!(!url.contains("zzz"), "{url}");
        assert!(!url.contains("tok-1"), "{url}");
        assert!(url.contains("model=a"), "{url}");
    }

    #[test]
    fn debug_shows_only_count() {
        let redactor = Redactor::new(["secret-value"]);
        let debug = format!("{redactor:?}");
        assert!(!debug.contains("secret-value"));
        assert!(debug.contains('1'));
    }
}
