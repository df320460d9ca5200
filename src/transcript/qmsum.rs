//! QMSum meeting JSON: `{"meeting_transcripts": [{"speaker", "content"}]}`.

use functions::domain::{Segment, Transcript};
use serde::Deserialize;

use super::{Format, TranscriptError, collapse_whitespace};

#[derive(Deserialize)]
struct Meeting {
    meeting_transcripts: Vec<Turn>,
}

#[derive(Deserialize)]
struct Turn {
    speaker: String,
    content: String,
}

/// Parses a QMSum meeting. Annotator marks such as `{vocalsound}` are removed,
/// tokenization spaces before punctuation are closed, and turns left without
/// any letter or digit are dropped. Other keys of the file are ignored.
pub(super) fn parse(input: &str) -> Result<Transcript, TranscriptError> {
    let meeting: Meeting =
        serde_json::from_str(input).map_err(|source| TranscriptError::InvalidJson {
            format: Format::QmsumJson,
            hint: "expected an object with `meeting_transcripts: [{\"speaker\", \"content\"}]`",
            source,
        })?;

    let mut segments = Vec::with_capacity(meeting.meeting_transcripts.len());
    for (index, turn) in meeting.meeting_transcripts.into_iter().enumerate() {
        let speaker = collapse_whitespace(&turn.speaker);
        if speaker.is_empty() {
            return Err(TranscriptError::InvalidSegment {
                format: Format::QmsumJson,
                index,
                reason: "the speaker is empty; give every turn a speaker name".to_owned(),
                source: None,
            });
        }
        let text = clean_content(&turn.content);
        if !text.chars().any(char::is_alphanumeric) {
            continue;
        }
        segments.push(Segment {
            speaker,
            start: None,
            end: None,
            text,
        });
    }
    Ok(Transcript { segments })
}

/// Removes `{...}` annotator marks and closes the space QMSum leaves before
/// punctuation ("yes , ok ." becomes "yes, ok.").
fn clean_content(content: &str) -> String {
    let mut without_marks = String::with_capacity(content.len());
    let mut in_mark = false;
    for character in content.chars() {
        match character {
            '{' => in_mark = true,
            '}' if in_mark => {
                in_mark = false;
                without_marks.push(' ');
            }
            _ if !in_mark => without_marks.push(character),
            _ => {}
        }
    }

    let collapsed = collapse_whitespace(&without_marks);
    let mut cleaned = String::with_capacity(collapsed.len());
    for character in collapsed.chars() {
        if matches!(character, ',' | '.' | '?' | '!' | ';' | ':') && cleaned.ends_with(' ') {
            cleaned.pop();
        }
        cleaned.push(character);
    }
    // A turn that began with a mark can be left starting with its punctuation.
    let cleaned = cleaned.trim_start_matches([',', '.', ';', ':', ' ']);
    cleaned.replace(",.", ".").replace(",?", "?")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_removes_marks_and_spaces() {
        assert_eq!(
            clean_content("I didn't receive it yet {vocalsound} ."),
            "I didn't receive it yet."
        );
        assert_eq!(clean_content("Maybe not . Anyway ,"), "Maybe not. Anyway,");
        assert_eq!(clean_content("to {disfmarker} so that"), "to so that");
        assert_eq!(clean_content("so , {gap} ."), "so.");
        assert_eq!(clean_content("any questions ?"), "any questions?");
        assert_eq!(clean_content("{vocalsound} . Yeah ."), "Yeah.");
    }

    #[test]
    fn parse_drops_empty_turns() {
        let input = r#"{"topic_list": [], "meeting_transcripts": [
            {"speaker": "User Interface", "content": ".. ."},
            {"speaker": "Project Manager", "content": "Okay . So , this is it ."},
            {"speaker": "Marketing", "content": "{vocalsound} {gap}"},
            {"speaker": "Marketing", "content": "Mm , yeah ."}
        ]}"#;
        let transcript = parse(input).unwrap();
        assert_eq!(transcript.segments.len(), 2);
        assert_eq!(transcript.segments[0].speaker, "Project Manager");
        assert_eq!(transcript.segments[0].text, "Okay. So, this is it.");
        assert_eq!(transcript.speakers(), ["Project Manager", "Marketing"]);
    }

    #[test]
    fn parse_missing_field_fails() {
        let error = parse(r#"{"meeting_transcripts": [{"speaker": "A"}]}"#).unwrap_err();
        assert!(matches!(
            error,
            TranscriptError::InvalidJson {
                format: Format::QmsumJson,
                ..
            }
        ));
        let cause = std::error::Error::source(&error).unwrap().to_string();
        assert!(cause.contains("content"), "{cause}");
    }

    #[test]
    fn parse_empty_speaker_names_turn() {
        let error =
            parse(r#"{"meeting_transcripts": [{"speaker": " ", "content": "hi"}]}"#).unwrap_err();
        assert!(matches!(
            error,
            TranscriptError::InvalidSegment { index: 0, .. }
        ));
    }
}
