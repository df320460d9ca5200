//! JSON segment lists: `[{speaker, start, end, text}]` or `{"segments": [...]}`.

use functions::domain::{Segment, Transcript};
use serde::Deserialize;
use serde_json::Value;

use super::{Format, TranscriptError, UNKNOWN_SPEAKER, collapse_whitespace};

#[derive(Deserialize)]
#[serde(untagged)]
enum Document {
    List(Vec<Value>),
    Object { segments: Vec<Value> },
}

/// One input segment. `content`, `start_s` and `end_s` are accepted as
/// aliases because other exporters use those names.
#[derive(Deserialize)]
struct RawSegment {
    #[serde(default)]
    speaker: Option<String>,
    #[serde(default, alias = "start_s")]
    start: Option<f64>,
    #[serde(default, alias = "end_s")]
    end: Option<f64>,
    #[serde(alias = "content")]
    text: String,
}

/// Parses JSON segments. Segments without a speaker get [`UNKNOWN_SPEAKER`],
/// because transcription services without diarization return none. Segments
/// with blank text are dropped.
pub(super) fn parse(input: &str) -> Result<Transcript, TranscriptError> {
    let document: Document =
        serde_json::from_str(input).map_err(|source| TranscriptError::InvalidJson {
            format: Format::SegmentsJson,
            hint: "expected an array of {\"speaker\", \"start\", \"end\", \"text\"} objects \
                   or an object with such a `segments` array",
            source,
        })?;
    let values = match document {
        Document::List(values) | Document::Object { segments: values } => values,
    };

    let mut segments = Vec::with_capacity(values.len());
    for (index, value) in values.into_iter().enumerate() {
        let invalid =
            |reason: &str, source: Option<serde_json::Error>| TranscriptError::InvalidSegment {
                format: Format::SegmentsJson,
                index,
                reason: reason.to_owned(),
                source,
            };
        let raw: RawSegment = serde_json::from_value(value).map_err(|source| {
            invalid(
                "expected an object with a string `text` and optional `speaker`, `start`, `end`",
                Some(source),
            )
        })?;

        for time in [raw.start, raw.end].into_iter().flatten() {
            if !time.is_finite() || time < 0.0 {
                return Err(invalid(
                    "times must be seconds from the start, 0 or more",
                    None,
                ));
            }
        }
        if let (Some(start), Some(end)) = (raw.start, raw.end)
            && end < start
        {
            return Err(invalid("`end` is before `start`; swap or fix them", None));
        }

        let text = collapse_whitespace(&raw.text);
        if text.is_empty() {
            continue;
        }
        let speaker = raw
            .speaker
            .map(|speaker| collapse_whitespace(&speaker))
            .filter(|speaker| !speaker.is_empty())
            .unwrap_or_else(|| UNKNOWN_SPEAKER.to_owned());
        segments.push(Segment {
            speaker,
            start: raw.start,
            end: raw.end,
            text,
        });
    }
    Ok(Transcript { segments })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_array_form() {
        let input = r#"[
            {"speaker": "Ana", "start": 0, "end": 2.5, "text": " Hello  there "},
            {"start": 2.5, "end": 3, "text": "no speaker"},
            {"speaker": "Bo", "text": "   "}
        ]"#;
        let transcript = parse(input).unwrap();
        assert_eq!(transcript.segments.len(), 2);
        assert_eq!(transcript.segments[0].text, "Hello there");
        assert_eq!(transcript.segments[0].end, Some(2.5));
        assert_eq!(transcript.segments[1].speaker, UNKNOWN_SPEAKER);
    }

    #[test]
    fn parse_object_form_round_trips() {
        let original = Transcript {
            segments: vec![Segment {
                speaker: "Ana".to_owned(),
                start: Some(1.0),
                end: None,
                text: "Hi.".to_owned(),
            }],
        };
        let json = serde_json::to_string(&original).unwrap();
        assert_eq!(parse(&json).unwrap(), original);
    }

    #[test]
    fn parse_rejects_backwards_times() {
        let error = parse(r#"[{"speaker": "A", "start": 3, "end": 1, "text": "x"}]"#).unwrap_err();
        assert!(matches!(
            error,
            TranscriptError::InvalidSegment { index: 0, .. }
        ));
        assert!(error.to_string().contains("segment 0"), "{error}");
    }

    #[test]
    fn parse_bad_segment_keeps_cause() {
        let error = parse(r#"[{"speaker": "A", "text": "ok"}, {"speaker": "B"}]"#).unwrap_err();
        assert!(matches!(
            error,
            TranscriptError::InvalidSegment { index: 1, .. }
        ));
        let cause = std::error::Error::source(&error).unwrap().to_string();
        assert!(cause.contains("text"), "{cause}");
    }

    #[test]
    fn parse_wrong_shape_fails() {
        let error = parse(r#"{"items": []}"#).unwrap_err();
        assert!(matches!(error, TranscriptError::InvalidJson { .. }));
        assert!(error.to_string().contains("`segments`"), "{error}");
    }
}
