//! Request authentication for the serve endpoint.

use super::{ServeHandler, ServeRequest, ServerMode};
use crate::signing::{self, KeyUsed, SigningKey};
use crate::wire::headers;

/// Result of checking a request's signature.
#[derive(Debug)]
pub(crate) enum Auth {
    /// Dev mode: signatures are not checked.
    NotRequired,
    /// The signature matched this key, which also signs the response.
    Verified(SigningKey),
    /// Cloud mode and the signature is missing or wrong.
    Rejected,
    /// Cloud mode with no signing key configured.
    NoKey,
}

impl ServeHandler {
    pub(crate) fn authenticate(&self, request: &ServeRequest) -> Auth {
        let config = &self.inner.config;
        if config.mode == ServerMode::Dev {
            // The dev server never signs, so a dev-mode handler must not
            // reject over signatures, even with a key in the environment.
            if request
                .header(headers::SERVER_KIND)
                .is_some_and(|kind| kind != "dev")
            {
                tracing::warn!(
                    "a request from a cloud-mode Inngest server reached this dev-mode handler; unset INNGEST_DEV to verify signatures"
                );
            }
            return Auth::NotRequired;
        }
        let Some(primary) = &config.signing_key else {
            return Auth::NoKey;
        };

        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let header = request.header(headers::SIGNATURE);
        match signing::verify(
            header,
            &request.body,
            now,
            primary,
            config.signing_key_fallback.as_ref(),
        ) {
            Ok(KeyUsed::Primary) => Auth::Verified(primary.clone()),
            Ok(KeyUsed::Fallback) => Auth::Verified(
                config
                    .signing_key_fallback
                    .clone()
                    .expect("the fallback key verified the request"),
            ),
            Err(error) => {
                tracing::warn!(error = %error, "rejected a request to the serve endpoint");
                Auth::Rejected
            }
        }
    }
}

/// Signs a response body with the key that verified the request.
pub(crate) fn sign_response(response: &mut super::ServeResponse, key: &SigningKey) {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let signature = key.sign(&response.body, now);
    response.set(headers::SIGNATURE, &signature);
}
