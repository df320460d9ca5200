//! Errors of the store.

use std::path::PathBuf;

use functions::domain::CallId;

/// An error from connecting to, migrating or querying the database.
///
/// Messages name the value involved (URL scheme, path, host, row id) but never
/// a password.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database URL has a scheme the store does not support.
    #[error(
        "unsupported database URL scheme {scheme:?}: expected sqlite://PATH, sqlite::memory:, \
         a file path, postgres://... or postgresql://..."
    )]
    UnsupportedScheme { scheme: String },

    /// The database URL could not be parsed into connect options.
    #[error("invalid {backend} database URL")]
    InvalidUrl {
        backend: &'static str,
        #[source]
        source: sqlx::Error,
    },

    /// The directory that contains the SQLite file could not be created.
    #[error("failed to create database directory {}", path.display())]
    CreateDirectory {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The first connection to the database failed.
    #[error("failed to connect to {target}")]
    Connect {
        target: String,
        #[source]
        source: sqlx::Error,
    },

    /// Applying the embedded migrations failed.
    #[error("failed to run database migrations on {target}")]
    Migrate {
        target: String,
        #[source]
        source: sqlx::migrate::MigrateError,
    },

    /// A query failed. `operation` and `subject` identify it, for example
    /// "load job" and the job id.
    #[error("failed to {operation} {subject}")]
    Query {
        operation: &'static str,
        subject: String,
        #[source]
        source: sqlx::Error,
    },

    /// No row in `calls` has this id.
    #[error("call {0} not found")]
    CallNotFound(CallId),

    /// The call exists but has no row in `transcripts`.
    #[error("transcript of call {0} not found")]
    TranscriptNotFound(CallId),

    /// Another request kept finishing the call's active job between this
    /// request's insert and read, several times in a row.
    #[error("failed to create or find the active job of call {0} because it kept changing; retry")]
    ActiveJobContention(CallId),

    /// A stored value is outside the set the service accepts, which means the
    /// database was written by something that does not follow the schema.
    #[error("invalid {column} value {value:?} in row {id}")]
    InvalidValue {
        column: &'static str,
        value: String,
        id: String,
    },
}

impl Error {
    /// Builds the mapper for a failed query on `subject`.
    pub(crate) fn query(
        operation: &'static str,
        subject: impl std::fmt::Display,
    ) -> impl FnOnce(sqlx::Error) -> Self {
        move |source| Self::Query {
            operation,
            subject: subject.to_string(),
            source,
        }
    }
}

/// Returns `true` for a foreign key violation, which the store reports as a
/// missing parent row.
pub(crate) fn is_foreign_key_violation(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(database_error) => database_error.is_foreign_key_violation(),
        _ => false,
    }
}
