//! Routes of calls: create one from a transcript or a recording, read it,
//! and start its transcription.

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use functions::domain::{CallId, Transcript};
use serde::Deserialize;
use serde_json::json;
use url::Url;

use super::ApiState;
use super::error::{ApiError, call_not_found};
use super::events;
use super::extract::{ApiJson, ApiPath, checked_id};
use super::views::CallView;
use crate::store::NewCall;
use crate::transcript::{self, Format};

/// Maximum title length, in characters.
const MAX_TITLE_CHARS: usize = 500;

/// Title of a call created without one.
const DEFAULT_TITLE: &str = "Untitled call";

/// Transcriber name stored with a transcript sent inline.
const INLINE_PROVIDER: &str = "inline";

/// Routes under `/api/calls`, except the insights routes.
pub(super) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/calls", post(create_call))
        .route("/api/calls/{id}", get(get_call))
        .route("/api/calls/{id}/transcribe", post(transcribe_call))
}

/// Body of `POST /api/calls`: a title and exactly one source.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateCall {
    title: Option<String>,
    /// Transcript text, parsed at once.
    transcript: Option<String>,
    /// Format of `transcript` or of the file at `transcript_url`; detected
    /// from the content when absent.
    format: Option<String>,
    /// URL or server path of a transcript file that transcription reads.
    transcript_url: Option<String>,
    /// URL of the recording that transcription reads.
    recording_url: Option<String>,
    duration_s: Option<f64>,
}

/// The one source of a new call.
enum Source {
    Inline(Transcript),
    TranscriptUrl(String),
    Recording(Url),
}

async fn create_call(
    State(state): State<ApiState>,
    ApiJson(body): ApiJson<CreateCall>,
) -> Result<Response, ApiError> {
    let title = checked_title(body.title.as_deref())?;
    let duration_s = checked_duration(body.duration_s)?;
    let format = body.format.as_deref().map(parse_format).transpose()?;
    let source = checked_source(&body, format)?;

    let mut call = NewCall::new(title);
    call.duration_s = duration_s;
    match &source {
        Source::Inline(_) => {}
        Source::TranscriptUrl(location) => {
            call.transcript_source = Some(location.clone());
            call.transcript_format = body
                .format
                .as_deref()
                .map(|name| name.trim().to_ascii_lowercase());
        }
        Source::Recording(url) => call.recording_url = Some(url.to_string()),
    }

    let call = state.store.create_call(&call).await?;
    let transcript = match source {
        Source::Inline(transcript) => {
            // NOTE: the call and its transcript are two writes, so a failure
            // of the second leaves a call without a transcript; POST again.
            state
                .store
                .save_transcript(&call.id, &transcript, INLINE_PROVIDER, true)
                .await?;
            Some(transcript)
        }
        _ => None,
    };

    tracing::info!(call_id = %call.id, "created call");
    let location = format!("/api/calls/{}", call.id);
    let view = CallView::new(call, transcript.as_ref());
    Ok((StatusCode::CREATED, [(LOCATION, location)], Json(view)).into_response())
}

async fn get_call(
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CallView>, ApiError> {
    let call_id = CallId::from(checked_id("call", &id)?);
    let call = state
        .store
        .get_call(&call_id)
        .await?
        .ok_or_else(|| call_not_found(&id))?;
    let transcript = state.store.get_transcript(&call_id).await?;
    Ok(Json(CallView::new(
        call,
        transcript.as_ref().map(|stored| &stored.transcript),
    )))
}

/// Sends `calls/uploaded` for a call that has a recording or transcript file.
async fn transcribe_call(
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let call_id = CallId::from(checked_id("call", &id)?);
    let call = state
        .store
        .get_call(&call_id)
        .await?
        .ok_or_else(|| call_not_found(&id))?;
    if call.recording_url.is_none() && call.transcript_source.is_none() {
        return Err(ApiError::conflict(
            "nothing_to_transcribe",
            format!(
                "call {id} has neither a recording_url nor a transcript_url to transcribe; \
                 its transcript was sent inline, so start insights with POST /api/calls/{id}/insights"
            ),
        ));
    }

    // The job is created now, so the insights route reports it as queued
    // while transcription runs, and a failed transcription fails it.
    let active = state.store.create_or_get_active_job(&call_id).await?;
    let event = events::call_uploaded(&call_id, &active.job.id);
    let event_id = event.id.clone();
    state
        .events
        .send(event)
        .await
        .map_err(|error| ApiError::event_not_sent("calls/uploaded", &error))?;

    tracing::info!(call_id = %call_id, "sent calls/uploaded");
    let body = json!({
        "call_id": call_id,
        "job_id": active.job.id,
        "event": { "name": "calls/uploaded", "id": event_id },
    });
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

fn checked_title(title: Option<&str>) -> Result<String, ApiError> {
    let title = title.map(str::trim).unwrap_or_default();
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(ApiError::invalid(
            "invalid_title",
            format!("title is longer than {MAX_TITLE_CHARS} characters; shorten it"),
        ));
    }
    if title.is_empty() {
        return Ok(DEFAULT_TITLE.to_owned());
    }
    Ok(title.to_owned())
}

fn checked_duration(duration_s: Option<f64>) -> Result<Option<f64>, ApiError> {
    match duration_s {
        Some(seconds) if !seconds.is_finite() || seconds < 0.0 => Err(ApiError::invalid(
            "invalid_duration",
            format!("duration_s must be a number of seconds of at least 0, got {seconds}"),
        )),
        other => Ok(other),
    }
}

/// Names accepted in `format`, with the parser each selects.
const FORMATS: &[(&str, Format)] = &[
    ("plain", Format::Plain),
    ("webvtt", Format::WebVtt),
    ("vtt", Format::WebVtt),
    ("srt", Format::Srt),
    ("segments", Format::SegmentsJson),
    ("qmsum", Format::QmsumJson),
];

fn parse_format(name: &str) -> Result<Format, ApiError> {
    let lower = name.trim().to_ascii_lowercase();
    FORMATS
        .iter()
        .find(|(known, _)| *known == lower)
        .map(|(_, format)| *format)
        .ok_or_else(|| {
            ApiError::invalid(
                "invalid_format",
                format!(
                    "unknown transcript format {name:?}; expected one of plain, webvtt, srt, \
                     segments or qmsum, or leave it out to detect the format"
                ),
            )
        })
}

/// Checks that exactly one source is present and valid; an inline transcript
/// is parsed here, so a broken one is rejected before anything is stored.
fn checked_source(body: &CreateCall, format: Option<Format>) -> Result<Source, ApiError> {
    let present: Vec<&str> = [
        ("transcript", body.transcript.is_some()),
        ("transcript_url", body.transcript_url.is_some()),
        ("recording_url", body.recording_url.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, is_set)| is_set.then_some(name))
    .collect();
    if present.len() != 1 {
        let got = if present.is_empty() {
            "none".to_owned()
        } else {
            present.join(" and ")
        };
        return Err(ApiError::invalid(
            "invalid_source",
            format!("send exactly one of transcript, transcript_url or recording_url; got {got}"),
        ));
    }

    if let Some(text) = &body.transcript {
        return parse_inline(text, format).map(Source::Inline);
    }
    if let Some(location) = &body.transcript_url {
        return checked_transcript_url(location).map(Source::TranscriptUrl);
    }
    let recording = body.recording_url.as_deref().unwrap_or_default();
    if format.is_some() {
        return Err(ApiError::invalid(
            "invalid_format",
            "format applies to transcript and transcript_url only; remove it for recording_url",
        ));
    }
    checked_http_url("recording_url", recording).map(Source::Recording)
}

fn parse_inline(text: &str, format: Option<Format>) -> Result<Transcript, ApiError> {
    let transcript = transcript::parse(text, format).map_err(|error| {
        ApiError::invalid(
            "invalid_transcript",
            format!("invalid transcript: {}", error_chain(&error)),
        )
    })?;
    if transcript.segments.is_empty() {
        return Err(ApiError::invalid(
            "empty_transcript",
            "transcript is empty; send the text of the call as `Speaker: text` lines, WebVTT, SRT or JSON",
        ));
    }
    Ok(transcript)
}

/// Checks a transcript location: an http(s) URL, or a path on the server
/// when it has no `scheme://` prefix.
fn checked_transcript_url(location: &str) -> Result<String, ApiError> {
    let location = location.trim();
    if location.is_empty() {
        return Err(ApiError::invalid(
            "invalid_transcript_url",
            "transcript_url is empty; send an http(s) URL or a file path",
        ));
    }
    if location.contains("://") {
        return checked_http_url("transcript_url", location).map(|url| url.to_string());
    }
    Ok(location.to_owned())
}

fn checked_http_url(field: &str, value: &str) -> Result<Url, ApiError> {
    let invalid = |reason: String| {
        ApiError::invalid(
            "invalid_url",
            format!("{field} {value:?} is not a valid http(s) URL: {reason}"),
        )
    };
    let url = Url::parse(value.trim()).map_err(|error| invalid(error.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(format!("the scheme is {:?}", url.scheme())));
    }
    Ok(url)
}

/// The error and its causes, joined with `: `.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
