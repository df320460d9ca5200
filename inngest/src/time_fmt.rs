//! Time formatting in the forms the protocol uses.

use time::OffsetDateTime;

/// `2030-01-01T00:00:00.000Z`: UTC, milliseconds, as JavaScript's `toISOString`.
pub fn iso_millis(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// Milliseconds since the Unix epoch.
pub fn unix_millis(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

/// An Inngest time string such as `30s`, `1m30s`, `1h30m` or `2d`.
///
/// Sub-second remainders round up to the next second, because the executor's
/// smallest unit for sleeps and timeouts is the second.
pub fn duration_string(duration: std::time::Duration) -> String {
    let mut secs = duration.as_secs();
    if duration.subsec_nanos() > 0 {
        secs += 1;
    }
    if secs == 0 {
        return "0s".to_owned();
    }

    let mut text = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        let count = secs / size;
        if count > 0 {
            text.push_str(&count.to_string());
            text.push_str(unit);
            secs %= size;
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn duration_strings_match_inngest_forms() {
        assert_eq!(duration_string(Duration::from_secs(5400)), "1h30m");
        assert_eq!(duration_string(Duration::from_secs(90)), "1m30s");
        assert_eq!(duration_string(Duration::from_secs(2 * 86_400)), "2d");
        assert_eq!(duration_string(Duration::from_millis(1500)), "2s");
    }

    #[test]
    fn iso_millis_matches_javascript() {
        let at = time::macros::datetime!(2030-01-01 00:00:00 UTC);
        assert_eq!(iso_millis(at), "2030-01-01T00:00:00.000Z");
    }
}
