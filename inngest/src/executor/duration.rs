//! Inngest time strings (`30s`, `1h30m`, `2d`, `1w`) and ISO times, as sleeps
//! and timeouts carry them.

use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Maximum sleep or wait, one year as in Inngest (366 days here).
const MAX_PAUSE: Duration = Duration::from_secs(366 * 24 * 3600);

/// Why a sleep or timeout value was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error(
        "{value:?} is neither a time string such as `30s`, `1h30m` or `2d` nor an RFC 3339 time"
    )]
    Invalid { value: String },
    #[error("{value:?} is longer than the one-year maximum for sleeps and waits")]
    TooLong { value: String },
}

/// Reads a sleep or timeout as the Unix milliseconds it ends at. Strings of
/// 10 characters or more are tried as an RFC 3339 time first; a time in the
/// past ends now.
///
/// # Errors
/// [`DurationError`] for unreadable values and pauses over one year.
pub fn pause_until(value: &str, now_millis: i64) -> Result<i64, DurationError> {
    let value = value.trim();
    if value.len() >= 10
        && let Ok(at) = OffsetDateTime::parse(value, &Rfc3339)
    {
        let at = crate::time_fmt::unix_millis(at).max(now_millis);
        return check_length(value, at - now_millis).map(|()| at);
    }
    let duration = parse_duration(value).ok_or_else(|| DurationError::Invalid {
        value: value.to_owned(),
    })?;
    let millis = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
    check_length(value, millis)?;
    Ok(now_millis.saturating_add(millis))
}

fn check_length(value: &str, millis: i64) -> Result<(), DurationError> {
    if millis > MAX_PAUSE.as_millis() as i64 {
        return Err(DurationError::TooLong {
            value: value.to_owned(),
        });
    }
    Ok(())
}

/// Parses `1w2d3h4m5s` style strings; `ms` is milliseconds.
fn parse_duration(value: &str) -> Option<Duration> {
    if value.is_empty() {
        return None;
    }
    let mut total = Duration::ZERO;
    let mut rest = value;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let amount: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86_400.0,
            "w" => 604_800.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += Duration::try_from_secs_f64(amount * seconds).ok()?;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_time_strings() {
        assert_eq!(pause_until("1h30m", 0), Ok(5_400_000));
        assert_eq!(pause_until("2d", 0), Ok(172_800_000));
        assert_eq!(pause_until("1w", 0), Ok(604_800_000));
        assert_eq!(pause_until("0s", 5), Ok(5));
        assert_eq!(pause_until("250ms", 0), Ok(250));
    }

    #[test]
    fn reads_iso_times_and_clamps_the_past() {
        assert_eq!(pause_until("1970-01-01T00:00:10.000Z", 0), Ok(10_000));
        assert_eq!(pause_until("1970-01-01T00:00:10Z", 20_000), Ok(20_000));
    }

    #[test]
    fn rejects_bad_and_long_values() {
        assert!(matches!(
            pause_until("soon", 0),
            Err(DurationError::Invalid { .. })
        ));
        assert!(matches!(
            pause_until("", 0),
            Err(DurationError::Invalid { .. })
        ));
        assert!(matches!(
            pause_until("400d", 0),
            Err(DurationError::TooLong { .. })
        ));
    }
}
