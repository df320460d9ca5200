//! Calls and their transcripts.

use functions::domain::{CallId, Segment, Transcript};
use sqlx::types::Json;
use time::OffsetDateTime;

use super::connection::on_pool;
use super::error::is_foreign_key_violation;
use super::timestamp::Timestamp;
use super::{Error, Store};

/// A call to insert with [`Store::create_call`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewCall {
    pub id: CallId,
    pub title: String,
    pub recording_url: Option<String>,
    /// Path or URL of a transcript file, for calls that come with one.
    pub transcript_source: Option<String>,
    /// Format of `transcript_source` when its name does not tell it.
    pub transcript_format: Option<String>,
    pub duration_s: Option<f64>,
}

impl NewCall {
    /// Creates a call with a fresh id, the given title and no optional fields.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            id: CallId::generate(),
            title: title.into(),
            recording_url: None,
            transcript_source: None,
            transcript_format: None,
            duration_s: None,
        }
    }
}

/// A row of `calls`.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub id: CallId,
    pub title: String,
    pub recording_url: Option<String>,
    /// Path or URL of a transcript file, for calls that come with one.
    pub transcript_source: Option<String>,
    /// Format of `transcript_source` when its name does not tell it.
    pub transcript_format: Option<String>,
    pub duration_s: Option<f64>,
    pub created_at: OffsetDateTime,
}

/// A row of `transcripts`: the transcript of one call.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTranscript {
    pub call_id: CallId,
    /// The segments as `Speaker: text` lines.
    pub text: String,
    pub transcript: Transcript,
    /// Transcriber that produced it (`local`, `openai`, ...).
    pub provider: String,
    /// Whether the transcriber has finished; a partial transcript may still change.
    pub is_final: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct CallRow {
    id: String,
    title: String,
    recording_url: Option<String>,
    transcript_source: Option<String>,
    transcript_format: Option<String>,
    duration_s: Option<f64>,
    created_at: Timestamp,
}

impl From<CallRow> for Call {
    fn from(row: CallRow) -> Self {
        Self {
            id: CallId::new(row.id),
            title: row.title,
            recording_url: row.recording_url,
            transcript_source: row.transcript_source,
            transcript_format: row.transcript_format,
            duration_s: row.duration_s,
            created_at: row.created_at.into_inner(),
        }
    }
}

#[derive(sqlx::FromRow)]
struct TranscriptRow {
    call_id: String,
    text: String,
    segments: Json<Vec<Segment>>,
    provider: String,
    is_final: bool,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<TranscriptRow> for StoredTranscript {
    fn from(row: TranscriptRow) -> Self {
        Self {
            call_id: CallId::new(row.call_id),
            text: row.text,
            transcript: Transcript {
                segments: row.segments.0,
            },
            provider: row.provider,
            is_final: row.is_final,
            created_at: row.created_at.into_inner(),
            updated_at: row.updated_at.into_inner(),
        }
    }
}

/// Columns read into [`CallRow`], as a literal for `concat!`.
macro_rules! call_columns {
    () => {
        "id, title, recording_url, transcript_source, transcript_format, duration_s, created_at"
    };
}

/// Columns read into [`TranscriptRow`], as a literal for `concat!`.
macro_rules! transcript_columns {
    () => {
        "call_id, text, segments, provider, is_final, created_at, updated_at"
    };
}

impl Store {
    /// Inserts a call and returns the stored row.
    pub async fn create_call(&self, call: &NewCall) -> Result<Call, Error> {
        const SQL: &str = concat!(
            "INSERT INTO calls (",
            call_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ",
            call_columns!()
        );

        let row: CallRow = on_pool!(self, pool => {
            sqlx::query_as(SQL)
                .bind(call.id.as_str())
                .bind(&call.title)
                .bind(&call.recording_url)
                .bind(&call.transcript_source)
                .bind(&call.transcript_format)
                .bind(call.duration_s)
                .bind(Timestamp::now())
                .fetch_one(pool)
                .await
        })
        .map_err(Error::query("insert call", &call.id))?;
        Ok(row.into())
    }

    /// Loads a call; `Ok(None)` when no call has this id.
    pub async fn get_call(&self, call_id: &CallId) -> Result<Option<Call>, Error> {
        const SQL: &str = concat!("SELECT ", call_columns!(), " FROM calls WHERE id = $1");

        let row: Option<CallRow> = self
            .fetch_optional_by_key(SQL, call_id.as_str(), "load call")
            .await?;
        Ok(row.map(Call::from))
    }

    /// Inserts or replaces the transcript of a call and returns the stored
    /// row. A replacement keeps `created_at` and sets `updated_at`.
    ///
    /// Fails with [`Error::CallNotFound`] when the call does not exist.
    pub async fn save_transcript(
        &self,
        call_id: &CallId,
        transcript: &Transcript,
        provider: &str,
        is_final: bool,
    ) -> Result<StoredTranscript, Error> {
        const SQL: &str = concat!(
            "INSERT INTO transcripts (",
            transcript_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $6) \
             ON CONFLICT (call_id) DO UPDATE SET \
             text = excluded.text, segments = excluded.segments, provider = excluded.provider, \
             is_final = excluded.is_final, updated_at = excluded.updated_at \
             RETURNING ",
            transcript_columns!()
        );

        let text = transcript.to_text();
        let segments = Json(&transcript.segments);
        let result: Result<TranscriptRow, sqlx::Error> = on_pool!(self, pool => {
            sqlx::query_as(SQL)
                .bind(call_id.as_str())
                .bind(&text)
                .bind(segments)
                .bind(provider)
                .bind(is_final)
                .bind(Timestamp::now())
                .fetch_one(pool)
                .await
        });

        match result {
            Ok(row) => Ok(row.into()),
            Err(error) if is_foreign_key_violation(&error) => {
                Err(Error::CallNotFound(call_id.clone()))
            }
            Err(error) => Err(Error::query("save transcript of call", call_id)(error)),
        }
    }

    /// Marks the transcript of a call final.
    ///
    /// Fails with [`Error::TranscriptNotFound`] when the call has no transcript.
    pub async fn mark_transcript_final(&self, call_id: &CallId) -> Result<(), Error> {
        const SQL: &str =
            "UPDATE transcripts SET is_final = $2, updated_at = $3 WHERE call_id = $1";

        let result = on_pool!(self, pool => {
            sqlx::query(SQL)
                .bind(call_id.as_str())
                .bind(true)
                .bind(Timestamp::now())
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })
        .map_err(Error::query("mark transcript final for call", call_id))?;

        if result == 0 {
            return Err(Error::TranscriptNotFound(call_id.clone()));
        }
        Ok(())
    }

    /// Loads the transcript of a call; `Ok(None)` when it has none, whether
    /// or not the call exists.
    pub async fn get_transcript(
        &self,
        call_id: &CallId,
    ) -> Result<Option<StoredTranscript>, Error> {
        const SQL: &str = concat!(
            "SELECT ",
            transcript_columns!(),
            " FROM transcripts WHERE call_id = $1"
        );

        let row: Option<TranscriptRow> = self
            .fetch_optional_by_key(SQL, call_id.as_str(), "load transcript of call")
            .await?;
        Ok(row.map(StoredTranscript::from))
    }

    /// Loads the transcript segments of a call: `Ok(None)` when the call has
    /// no transcript yet, [`Error::CallNotFound`] when the call does not exist.
    pub async fn load_call_transcript(
        &self,
        call_id: &CallId,
    ) -> Result<Option<Transcript>, Error> {
        if let Some(stored) = self.get_transcript(call_id).await? {
            return Ok(Some(stored.transcript));
        }
        match self.get_call(call_id).await? {
            Some(_) => Ok(None),
            None => Err(Error::CallNotFound(call_id.clone())),
        }
    }
}
