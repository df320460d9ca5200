//! The delay a vendor asks for before the next request.
//!
//! `Retry-After` takes delta-seconds or an HTTP date (RFC 9110). OpenAI and
//! Anthropic also send `retry-after-ms`, and OpenAI sends
//! `x-ratelimit-reset-requests` and `x-ratelimit-reset-tokens` as durations
//! such as `1s`, `6m0s` or `20ms`.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

/// Longest delay taken from a vendor; a larger value is ignored as implausible.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// IMF-fixdate, the HTTP date form senders must use: `Sun, 06 Nov 1994 08:49:37 GMT`.
const HTTP_DATE: &[BorrowedFormatItem<'static>] = format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

/// Reads the delay from the response headers: `retry-after-ms`, then
/// `retry-after`, then the longer of OpenAI's rate-limit reset headers.
/// Returns `None` when no header gives a positive delay up to [`MAX_RETRY_AFTER`].
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());

    if let Some(milliseconds) =
        header("retry-after-ms").and_then(|value| value.trim().parse::<f64>().ok())
    {
        let delay = plausible(milliseconds / 1000.0);
        if delay.is_some() {
            return delay;
        }
    }
    if let Some(delay) = header("retry-after").and_then(|value| parse_retry_after(value, now)) {
        return Some(delay);
    }
    ["x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"]
        .into_iter()
        .filter_map(|name| header(name).and_then(parse_reset_duration))
        .max()
}

/// Parses a `Retry-After` value: delta-seconds (decimals accepted) or an HTTP
/// date, measured from `now`. A date in the past gives `None`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return plausible(seconds);
    }
    let date = PrimitiveDateTime::parse(value, HTTP_DATE)
        .ok()?
        .assume_utc();
    let now = OffsetDateTime::from(now);
    plausible((date - now).as_seconds_f64())
}

/// Parses a Go-style duration such as `1s`, `6m0s`, `1m2.5s` or `20ms`.
pub fn parse_reset_duration(value: &str) -> Option<Duration> {
    let mut rest = value.trim();
    if rest.is_empty() {
        return None;
    }
    let mut seconds = 0.0;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..number_end].parse().ok()?;
        rest = &rest[number_end..];
        let (scale, unit_len) = if rest.starts_with("ms") {
            (0.001, 2)
        } else if rest.starts_with('h') {
            (3600.0, 1)
        } else if rest.starts_with('m') {
            (60.0, 1)
        } else if rest.starts_with('s') {
            (1.0, 1)
        } else {
            return None;
        };
        seconds += number * scale;
        rest = &rest[unit_len..];
    }
    plausible(seconds)
}

fn plausible(seconds: f64) -> Option<Duration> {
    let valid = seconds.is_finite() && seconds > 0.0 && seconds <= MAX_RETRY_AFTER.as_secs_f64();
    valid.then(|| Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    /// 2024-06-01T00:00:00Z.
    fn fixed_now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_717_200_000)
    }

    #[test]
    fn seconds_and_decimals_parse() {
        assert_eq!(
            parse_retry_after("7", fixed_now()),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after(" 1.5 ", fixed_now()),
            Some(Duration::from_millis(1500))
        );
    }

    #[test]
    fn zero_negative_and_huge_ignored() {
        for value in ["0", "-3", "86400", "soon"] {
            assert_eq!(parse_retry_after(value, fixed_now()), None, "{value}");
        }
    }

    #[test]
    fn http_date_measured_from_now() {
        let delay = parse_retry_after("Sat, 01 Jun 2024 00:00:30 GMT", fixed_now());
        assert_eq!(delay, Some(Duration::from_secs(30)));
        let past = parse_retry_after("Fri, 31 May 2024 23:59:00 GMT", fixed_now());
        assert_eq!(past, None);
    }

    #[test]
    fn reset_durations_parse() {
        assert_eq!(parse_reset_duration("1s"), Some(Duration::from_secs(1)));
        assert_eq!(parse_reset_duration("6m0s"), Some(Duration::from_secs(360)));
        assert_eq!(
            parse_reset_duration("20ms"),
            Some(Duration::from_millis(20))
        );
        assert_eq!(
            parse_reset_duration("1m2.5s"),
            Some(Duration::from_secs_f64(62.5))
        );
        assert_eq!(parse_reset_duration("1h2m3s"), None, "over the 1 h cap");
        assert_eq!(parse_reset_duration("5x"), None);
    }

    #[test]
    fn headers_prefer_milliseconds_then_retry_after() {
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-reset-requests", HeaderValue::from_static("2s"));
        headers.insert("x-ratelimit-reset-tokens", HeaderValue::from_static("6m0s"));
        assert_eq!(
            retry_after(&headers, fixed_now()),
            Some(Duration::from_secs(360))
        );

        headers.insert("retry-after", HeaderValue::from_static("9"));
        assert_eq!(
            retry_after(&headers, fixed_now()),
            Some(Duration::from_secs(9))
        );

        headers.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(
            retry_after(&headers, fixed_now()),
            Some(Duration::from_millis(250))
        );
    }
}
