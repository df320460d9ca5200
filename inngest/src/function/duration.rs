//! Inngest time strings (`"30s"`, `"1h30m"`, `"2d"`) for function options.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};

/// A duration written as an Inngest time string, such as `"30s"`, `"1h30m"`
/// or `"2d"`.
///
/// Strings from the JavaScript option shape are kept as written, because the
/// official SDK passes them to the executor unchanged. They are parsed only
/// by validation. A JSON number is read as milliseconds, as the JavaScript
/// SDK reads it. An empty value means the option was left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct TimeString(String);

/// Reason a time string does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeStringError {
    /// The string is empty.
    #[error("the duration is missing; set one such as \"30s\", \"5m\" or \"1h\"")]
    Missing,
    /// The string is not a sequence of `<number><unit>` groups.
    #[error(
        "`{0}` is not a duration; write it as number-unit groups such as \"30s\", \"5m\" or \"1h30m\" (units: ms, s, m, h, d, w)"
    )]
    Malformed(String),
    /// The duration is too long to represent.
    #[error("`{0}` is too long a duration")]
    Overflow(String),
}

/// Units the executor accepts, longest suffix first so `ms` wins over `m`.
const UNITS: [(&str, f64); 6] = [
    ("ms", 0.001),
    ("s", 1.0),
    ("m", 60.0),
    ("h", 3_600.0),
    ("d", 86_400.0),
    ("w", 604_800.0),
];

/// Units of a formatted time string, largest first, as the JavaScript SDK
/// writes them.
const FORMAT_UNITS: [(&str, u64); 5] = [
    ("w", 604_800),
    ("d", 86_400),
    ("h", 3_600),
    ("m", 60),
    ("s", 1),
];

impl TimeString {
    /// Returns the string as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Returns whether no duration was given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Parses the string into a duration.
    pub fn to_duration(&self) -> Result<Duration, TimeStringError> {
        let text = self.0.trim();
        if text.is_empty() {
            return Err(TimeStringError::Missing);
        }
        let malformed = || TimeStringError::Malformed(self.0.clone());

        let mut seconds = 0.0_f64;
        let mut rest = text;
        while !rest.is_empty() {
            let number_len = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .ok_or_else(malformed)?;
            let number: f64 = rest[..number_len].parse().map_err(|_| malformed())?;
            rest = &rest[number_len..];

            let unit_len = rest
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(rest.len());
            let unit = &rest[..unit_len];
            let (_, size) = UNITS
                .iter()
                .find(|(name, _)| *name == unit)
                .ok_or_else(malformed)?;
            seconds += number * size;
            rest = &rest[unit_len..];
        }

        Duration::try_from_secs_f64(seconds).map_err(|_| TimeStringError::Overflow(self.0.clone()))
    }

    /// Rewrites the string in the canonical form (`"90m"` becomes
    /// `"1h30m"`), as the JavaScript SDK does for cancellation timeouts. A
    /// string that does not parse is kept as written so validation can name it.
    pub(crate) fn normalized(&self) -> TimeString {
        match self.to_duration() {
            Ok(duration) => Self::from(duration),
            Err(_) => self.clone(),
        }
    }
}

impl From<Duration> for TimeString {
    /// Formats a duration with the units w, d, h, m and s. A sub-second
    /// remainder rounds up to the next second, because the executor's
    /// smallest unit for these options is the second.
    fn from(duration: Duration) -> Self {
        let mut seconds = duration.as_secs();
        if duration.subsec_nanos() > 0 {
            seconds += 1;
        }
        if seconds == 0 {
            return Self("0s".to_owned());
        }

        let mut text = String::new();
        for (unit, size) in FORMAT_UNITS {
            let count = seconds / size;
            if count > 0 {
                text.push_str(&count.to_string());
                text.push_str(unit);
                seconds %= size;
            }
        }
        Self(text)
    }
}

impl From<&str> for TimeString {
    fn from(text: &str) -> Self {
        Self(text.to_owned())
    }
}

impl From<String> for TimeString {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl fmt::Display for TimeString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for TimeString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Millis(u64),
        }

        Ok(match Raw::deserialize(deserializer)? {
            Raw::Text(text) => Self(text),
            Raw::Millis(millis) => Self::from(Duration::from_millis(millis)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_durations_like_javascript() {
        assert_eq!(TimeString::from(Duration::from_secs(30)).as_str(), "30s");
        assert_eq!(
            TimeString::from(Duration::from_secs(5_400)).as_str(),
            "1h30m"
        );
        assert_eq!(
            TimeString::from(Duration::from_secs(2 * 86_400)).as_str(),
            "2d"
        );
        assert_eq!(
            TimeString::from(Duration::from_secs(8 * 86_400)).as_str(),
            "1w1d"
        );
        assert_eq!(
            TimeString::from(Duration::from_millis(1_500)).as_str(),
            "2s"
        );
    }

    #[test]
    fn parses_compound_strings() {
        assert_eq!(
            TimeString::from("1h30m").to_duration(),
            Ok(Duration::from_secs(5_400))
        );
        assert_eq!(
            TimeString::from("1.5h").to_duration(),
            Ok(Duration::from_secs(5_400))
        );
        assert_eq!(
            TimeString::from("250ms").to_duration(),
            Ok(Duration::from_millis(250))
        );
        assert_eq!(
            TimeString::from("1w").to_duration(),
            Ok(Duration::from_secs(604_800))
        );
    }

    #[test]
    fn rejects_malformed_strings() {
        for text in ["5", "m", "5 minutes", "1y", "-1s", "1h 30m"] {
            let error = TimeString::from(text).to_duration().unwrap_err();
            assert_eq!(error, TimeStringError::Malformed(text.to_owned()), "{text}");
        }
        assert_eq!(
            TimeString::default().to_duration(),
            Err(TimeStringError::Missing)
        );
    }

    #[test]
    fn normalizes_like_javascript() {
        assert_eq!(TimeString::from("90m").normalized().as_str(), "1h30m");
        assert_eq!(TimeString::from("1h").normalized().as_str(), "1h");
        assert_eq!(TimeString::from("bogus").normalized().as_str(), "bogus");
    }

    #[test]
    fn reads_numbers_as_milliseconds() {
        let parsed: TimeString = serde_json::from_str("90000").unwrap();
        assert_eq!(parsed.as_str(), "1m30s");
    }
}
