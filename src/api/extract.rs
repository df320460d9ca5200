//! Extractors whose rejections come out in the API's JSON error shape.

use axum::extract::{FromRequest, FromRequestParts};

use super::error::ApiError;

/// A JSON request body; a wrong content type, invalid JSON or a body of the
/// wrong shape is rejected as an [`ApiError`].
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub(super) struct ApiJson<T>(pub T);

/// Path parameters; a rejection comes out as an [`ApiError`].
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub(super) struct ApiPath<T>(pub T);

/// Maximum length of an id in a path.
const MAX_ID_LEN: usize = 128;

/// Checks an id from the path: 1 to 128 ASCII letters, digits, `-` or `_`,
/// the same rule the event schemas state for `call_id` and `job_id`.
///
/// # Errors
/// 400 `invalid_id` naming the value and the rule.
pub(super) fn checked_id<'a>(kind: &str, id: &'a str) -> Result<&'a str, ApiError> {
    let valid = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
    if valid {
        return Ok(id);
    }
    Err(ApiError::invalid(
        "invalid_id",
        format!(
            "invalid {kind} id {id:?}: expected 1 to {MAX_ID_LEN} ASCII letters, digits, `-` or `_`"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_id_accepts_ulids_and_uuids() {
        assert!(checked_id("call", "01hz3k5v6w7x8y9z0a1b2c3d4e").is_ok());
        assert!(checked_id("call", "0b6f9c1e-3a8d-4f2b-9c7e-5d1a2b3c4d5e").is_ok());
        assert!(checked_id("call", "job_1").is_ok());
    }

    #[test]
    fn checked_id_rejects_other_text() {
        for id in ["", "a b", "a/b", "é", &"x".repeat(129)] {
            let error = checked_id("call", id).unwrap_err();
            assert_eq!(error.code, "invalid_id", "{id:?}");
        }
    }
}
