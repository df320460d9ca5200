//! Optional bearer-token authentication of the jobs API.
//!
//! When `API_TOKEN` is set, every `/api/calls` and `/api/jobs` request must
//! carry `Authorization: Bearer <token>`. The serve endpoint is not behind
//! this token because Inngest authenticates its calls with signatures.

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;

use super::error::ApiError;

/// The secret that API clients send as a bearer token. Its `Debug` output
/// hides the value so settings can be logged.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken(String);

impl ApiToken {
    /// Wraps a token value.
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// Compares `candidate` with the token in time that depends only on the
    /// token's length, so response timing does not reveal how many leading
    /// bytes of a guess were right.
    pub fn matches(&self, candidate: &str) -> bool {
        let expected = self.0.as_bytes();
        let candidate = candidate.as_bytes();
        let mut difference = u8::from(expected.len() != candidate.len());
        for (index, byte) in expected.iter().enumerate() {
            let other = candidate.get(index).copied().unwrap_or(!byte);
            difference |= byte ^ other;
        }
        difference == 0
    }
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiToken(***)")
    }
}

/// Middleware that rejects requests without the configured bearer token.
/// With no token configured every request passes.
pub(super) async fn require_token(
    State(token): State<Option<ApiToken>>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let Some(token) = token else {
        return Ok(next.run(request).await);
    };

    let presented = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(bearer_token);
    match presented {
        Some(presented) if token.matches(presented) => Ok(next.run(request).await),
        Some(_) => Err(ApiError::unauthorized(
            "the bearer token is invalid; send the value of API_TOKEN as `Authorization: Bearer <token>`",
        )),
        None => Err(ApiError::unauthorized(
            "missing bearer token; send `Authorization: Bearer <token>` with the value of API_TOKEN",
        )),
    }
}

/// Extracts the token of an `Authorization: Bearer <token>` value. The
/// scheme is case-insensitive, as HTTP authentication schemes are.
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_matches_only_itself() {
        let token = ApiToken::new("s3cret");
        assert!(token.matches("s3cret"));
        assert!(!token.matches("s3cre"));
        assert!(!token.matches("s3cret!"));
        assert!(!token.matches("S3cret"));
        assert!(!token.matches(""));
    }

    #[test]
    fn bearer_token_reads_scheme() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearer"), None);
    }

    #[test]
    fn token_debug_hides_value() {
        assert_eq!(format!("{:?}", ApiToken::new("s3cret")), "ApiToken(***)");
    }
}
