//! SubRip (SRT) captions.

use functions::domain::Transcript;

use super::cue;
use super::{Format, TranscriptError};

/// Parses an SRT file: blocks of a cue number, a timing line and text lines.
/// The cue number is optional, because some exporters leave it out.
pub(super) fn parse(input: &str) -> Result<Transcript, TranscriptError> {
    let mut cues = Vec::new();
    for block in cue::blocks(input) {
        let Some(&(first_line, first_text)) = block.first() else {
            continue;
        };
        let has_number = first_text.trim().bytes().all(|b| b.is_ascii_digit());
        let timing_index = usize::from(has_number);
        if block.get(timing_index).is_none() {
            return Err(TranscriptError::InvalidTiming {
                format: Format::Srt,
                line: first_line,
                value: first_text.to_owned(),
                reason: "the cue has a number but no timing line; expected \
                         `00:00:01,000 --> 00:00:04,000` on the next line"
                    .to_owned(),
            });
        }
        cues.push(cue::read_cue(Format::Srt, &block, timing_index)?);
    }
    Ok(cue::into_transcript(cues))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_numbered_cues() {
        let input = "1\n00:00:01,000 --> 00:00:03,000\nAna: Hello <i>Bo</i>.\n\n\
                     2\n00:00:03,500 --> 00:00:05,000\nBo: Hi Ana,\nall good.\n\n\
                     3\n00:00:05,000 --> 00:00:06,000\nstill me\n";
        let transcript = parse(input).unwrap();
        let segments = &transcript.segments;
        assert_eq!(segments.len(), 3);
        assert_eq!(segments[0].text, "Hello Bo.");
        assert_eq!(segments[1].speaker, "Bo");
        assert_eq!(segments[1].text, "Hi Ana, all good.");
        assert_eq!(segments[2].speaker, "Bo");
        assert_eq!((segments[2].start, segments[2].end), (Some(5.0), Some(6.0)));
    }

    #[test]
    fn parse_without_numbers() {
        let transcript = parse("00:00:01,000 --> 00:00:02,000\nAna: hi\n").unwrap();
        assert_eq!(transcript.segments.len(), 1);
    }

    #[test]
    fn parse_missing_timing_names_line() {
        let error =
            parse("1\n00:00:01,000 --> 00:00:02,000\nAna: hi\n\n2\nBo: oops\n").unwrap_err();
        let TranscriptError::InvalidTiming { line, .. } = &error else {
            panic!("unexpected error {error:?}");
        };
        assert_eq!(*line, 6);
    }
}
