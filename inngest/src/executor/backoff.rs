//! Retry delays: Inngest's backoff table, a fixed interval for tests, and
//! the `Retry-After` header.

use std::time::Duration;

use rand::Rng;
use time::OffsetDateTime;
use time::format_description::well_known::{Rfc2822, Rfc3339};

/// Delay before retrying after failed attempt 0, 1, 2, ...; attempts past
/// the end of the table wait 2 hours.
const TABLE: [Duration; 9] = [
    Duration::from_secs(15),
    Duration::from_secs(30),
    Duration::from_secs(60),
    Duration::from_secs(120),
    Duration::from_secs(300),
    Duration::from_secs(600),
    Duration::from_secs(1200),
    Duration::from_secs(2400),
    Duration::from_secs(3600),
];
const AFTER_TABLE: Duration = Duration::from_secs(7200);

/// Random extra delay added to table entries, at most this long.
const MAX_JITTER: Duration = Duration::from_secs(30);

/// Bounds of a delay requested with `Retry-After`.
const MIN_RETRY_AFTER: Duration = Duration::from_secs(1);
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// How long to wait before retrying a failed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backoff {
    /// Inngest's table (15 s, 30 s, 1 min, ... 1 h, then 2 h) plus up to 30 s
    /// of random jitter.
    Table,
    /// The same delay after every attempt, without jitter.
    Fixed(Duration),
}

impl Backoff {
    /// Delay after the failed zero-based `attempt`.
    pub fn delay(&self, attempt: u32) -> Duration {
        match self {
            Self::Fixed(delay) => *delay,
            Self::Table => {
                let base = TABLE.get(attempt as usize).copied().unwrap_or(AFTER_TABLE);
                let jitter = rand::rng().random_range(0..=MAX_JITTER.as_millis() as u64);
                base + Duration::from_millis(jitter)
            }
        }
    }
}

/// Reads a `Retry-After` value at `now`: up to 7 characters are whole
/// seconds, longer values are an RFC 3339 or RFC 2822 (HTTP) date. The
/// delay is clamped to 1 s .. 24 h; an unreadable value gives `None`.
pub fn retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    let delay = if value.len() <= 7 {
        let seconds: i64 = value.parse().ok()?;
        if seconds <= 0 {
            return None;
        }
        Duration::from_secs(seconds.unsigned_abs())
    } else {
        let at = OffsetDateTime::parse(value, &Rfc3339)
            .or_else(|_| OffsetDateTime::parse(value, &Rfc2822))
            .ok()?;
        Duration::try_from(at - now).unwrap_or(Duration::ZERO)
    };
    Some(delay.clamp(MIN_RETRY_AFTER, MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn table_grows_then_stays_at_two_hours() {
        let backoff = Backoff::Table;
        for (attempt, base) in [(0, 15), (1, 30), (4, 300), (8, 3600), (9, 7200), (30, 7200)] {
            let delay = backoff.delay(attempt);
            assert!(
                delay >= Duration::from_secs(base),
                "attempt {attempt}: {delay:?}"
            );
            assert!(
                delay <= Duration::from_secs(base) + MAX_JITTER,
                "attempt {attempt}: {delay:?}"
            );
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = datetime!(2030-01-01 00:00:00 UTC);
        assert_eq!(retry_after("30", now), Some(Duration::from_secs(30)));
        assert_eq!(
            retry_after("2030-01-01T00:01:00.000Z", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            retry_after("Tue, 01 Jan 2030 00:00:10 +0000", now),
            Some(Duration::from_secs(10))
        );
    }

    #[test]
    fn retry_after_is_clamped() {
        let now = datetime!(2030-01-01 00:00:00 UTC);
        assert_eq!(
            retry_after("2029-01-01T00:00:00Z", now),
            Some(MIN_RETRY_AFTER)
        );
        assert_eq!(retry_after("9999999", now), Some(MAX_RETRY_AFTER));
        assert_eq!(retry_after("0", now), None);
        assert_eq!(retry_after("soon", now), None);
    }
}
