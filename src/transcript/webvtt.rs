//! WebVTT captions.

use functions::domain::Transcript;

use super::cue;
use super::{Format, TranscriptError};

/// Parses a WebVTT file. The `WEBVTT` header, `NOTE`, `STYLE` and `REGION`
/// blocks are skipped. Every other block must contain a cue timing line.
pub(super) fn parse(input: &str) -> Result<Transcript, TranscriptError> {
    let blocks = cue::blocks(input);
    let mut cues = Vec::new();
    for (position, block) in blocks.iter().enumerate() {
        let Some(&(first_line, first_text)) = block.first() else {
            continue;
        };
        if position == 0 && first_text.starts_with("WEBVTT") {
            continue;
        }
        if ["NOTE", "STYLE", "REGION"]
            .iter()
            .any(|keyword| first_text == *keyword || first_text.starts_with(&format!("{keyword} ")))
        {
            continue;
        }

        // The timing line is the first line, or the second after a cue identifier.
        let Some(timing_index) = block
            .iter()
            .take(2)
            .position(|(_, line)| line.contains("-->"))
        else {
            return Err(TranscriptError::InvalidTiming {
                format: Format::WebVtt,
                line: first_line,
                value: first_text.to_owned(),
                reason: "expected a cue timing line such as `00:00:01.000 --> 00:00:04.000`, \
                         optionally after a cue identifier line"
                    .to_owned(),
            });
        };
        cues.push(cue::read_cue(Format::WebVtt, block, timing_index)?);
    }
    Ok(cue::into_transcript(cues))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "WEBVTT - call export\n\nNOTE exported by the recorder\n\n\
        intro\n00:00:00.000 --> 00:00:02.500\n<v Ana>Hi, thanks for joining.</v>\n\n\
        00:00:02.500 --> 00:00:06.000 align:start\n<v Bo>Happy to be here.\nLet's start.</v>\n\n\
        00:06.000 --> 00:08.000\nAna: Great, so first question.\n\n\
        00:08.000 --> 00:09.000\nand a follow-up\n";

    #[test]
    fn parse_voice_tags_and_prefixes() {
        let transcript = parse(SAMPLE).unwrap();
        let segments = &transcript.segments;
        assert_eq!(segments.len(), 4);
        assert_eq!(segments[0].speaker, "Ana");
        assert_eq!(segments[0].text, "Hi, thanks for joining.");
        assert_eq!(segments[1].speaker, "Bo");
        assert_eq!(segments[1].text, "Happy to be here. Let's start.");
        assert_eq!((segments[1].start, segments[1].end), (Some(2.5), Some(6.0)));
        assert_eq!(segments[2].speaker, "Ana");
        assert_eq!(segments[2].text, "Great, so first question.");
        assert_eq!(segments[3].speaker, "Ana");
        assert_eq!(segments[3].start, Some(8.0));
    }

    #[test]
    fn parse_bad_timing_names_line() {
        let error = parse("WEBVTT\n\n00:00:01.000 --> soon\nhello\n").unwrap_err();
        let TranscriptError::InvalidTiming { line, value, .. } = &error else {
            panic!("unexpected error {error:?}");
        };
        assert_eq!(*line, 3);
        assert_eq!(value, "00:00:01.000 --> soon");
    }

    #[test]
    fn parse_block_without_timing_fails() {
        let error = parse("WEBVTT\n\njust some words\nmore words\n").unwrap_err();
        assert!(error.to_string().contains("line 3"), "{error}");
    }
}
