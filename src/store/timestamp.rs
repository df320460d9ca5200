//! The one timestamp representation shared by both databases.
//!
//! PostgreSQL columns are `TIMESTAMPTZ`. SQLite columns are UTC text in RFC 3339
//! form with exactly three fractional digits (`2024-05-01T12:00:00.000Z`), the
//! form `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')` writes in the schema defaults.
//! Fixed width and one offset make text order equal time order, so range
//! queries such as the stale-job scan work the same on both. Values are
//! truncated to milliseconds on write to both databases, so a timestamp reads
//! back the same whichever database stored it.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Postgres, Sqlite, Type};
use time::format_description::BorrowedFormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// SQLite text form: RFC 3339, UTC, milliseconds.
const SQLITE_FORMAT: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// A point in time as stored in the database, in UTC with millisecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// Returns the current time, truncated to milliseconds.
    pub(crate) fn now() -> Self {
        Self::from(OffsetDateTime::now_utc())
    }

    /// Converts into an `OffsetDateTime` in UTC.
    pub(crate) fn into_inner(self) -> OffsetDateTime {
        self.0
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(time: OffsetDateTime) -> Self {
        let utc = time.to_offset(UtcOffset::UTC);
        // `millisecond()` is always below 1000, so the replacement cannot fail.
        let truncated = utc.replace_millisecond(utc.millisecond()).unwrap_or(utc);
        Self(truncated)
    }
}

impl Type<Sqlite> for Timestamp {
    fn type_info() -> SqliteTypeInfo {
        <str as Type<Sqlite>>::type_info()
    }

    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <str as Type<Sqlite>>::compatible(ty)
    }
}

impl Encode<'_, Sqlite> for Timestamp {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Sqlite>::encode(self.0.format(SQLITE_FORMAT)?, buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Timestamp {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<Sqlite>>::decode(value)?;
        let time = OffsetDateTime::parse(text, &Rfc3339)
            .map_err(|error| format!("invalid RFC 3339 timestamp {text:?}: {error}"))?;
        Ok(Self::from(time))
    }
}

impl Type<Postgres> for Timestamp {
    fn type_info() -> PgTypeInfo {
        <OffsetDateTime as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <OffsetDateTime as Type<Postgres>>::compatible(ty)
    }
}

impl Encode<'_, Postgres> for Timestamp {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Postgres>::encode(self.0, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Timestamp {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        let time = <OffsetDateTime as Decode<Postgres>>::decode(value)?;
        Ok(Self::from(time))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn sqlite_text_sorts_like_time() {
        let earlier = Timestamp::from(datetime!(2024-05-01 09:59:59.999 +02:00));
        let later = Timestamp::from(datetime!(2024-05-01 08:00:00.001 UTC));

        let earlier_text = earlier.0.format(SQLITE_FORMAT).unwrap();
        let later_text = later.0.format(SQLITE_FORMAT).unwrap();

        assert_eq!(earlier_text, "2024-05-01T07:59:59.999Z");
        assert_eq!(later_text, "2024-05-01T08:00:00.001Z");
        assert!(earlier < later);
        assert!(earlier_text < later_text);
    }

    #[test]
    fn truncates_to_milliseconds() {
        let time = Timestamp::from(datetime!(2024-05-01 10:00:00.123_456_789 UTC));

        assert_eq!(time.into_inner(), datetime!(2024-05-01 10:00:00.123 UTC));
    }
}
