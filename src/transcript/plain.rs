//! Plain text transcripts: `Speaker: text` lines.

use functions::domain::{Segment, Transcript};

use super::{TranscriptError, collapse_whitespace};

/// Maximum speaker name length accepted before a colon, in characters.
const MAX_SPEAKER_CHARS: usize = 40;
/// Most words accepted in a speaker name.
const MAX_SPEAKER_WORDS: usize = 5;

/// Labels that people write with a colon inside a turn ("Note: ...") and
/// that would otherwise read as speaker names. Compared case-insensitively.
const LABELS: &[&str] = &[
    "action item",
    "action items",
    "agenda",
    "answer",
    "decision",
    "example",
    "fyi",
    "important",
    "next step",
    "next steps",
    "note",
    "notes",
    "ps",
    "question",
    "re",
    "reminder",
    "subject",
    "summary",
    "tip",
    "todo",
    "update",
    "warning",
];

/// Words of running sentences that do not occur in speaker names, so a prefix
/// such as "The problem is" stays part of the text.
const SENTENCE_WORDS: &[&str] = &[
    "a", "about", "am", "an", "and", "are", "as", "asked", "at", "be", "because", "but", "for",
    "guess", "have", "here", "i", "if", "in", "is", "it", "mean", "my", "not", "on", "our", "said",
    "says", "so", "that", "the", "then", "there", "think", "this", "to", "was", "we", "were",
    "what", "when", "which", "with", "you", "your",
];

/// Splits `Speaker: text` into the speaker and the rest of the line.
///
/// A prefix counts as a speaker only when it starts the line with a letter,
/// is at most 40 characters and 5 words, and is followed by a colon and then
/// whitespace or the end of the line. So times such as `10:30`, URLs,
/// labels such as `Note:` and clauses such as `The problem is:` stay text.
pub(super) fn split_speaker_prefix(line: &str) -> Option<(&str, &str)> {
    if !line.starts_with(|c: char| c.is_alphabetic()) {
        return None;
    }
    let colon = line.find(':')?;
    let (prefix, rest) = (&line[..colon], &line[colon + 1..]);
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return None;
    }

    let speaker = prefix.trim();
    let words: Vec<&str> = speaker.split_whitespace().collect();
    let plausible = speaker.chars().count() <= MAX_SPEAKER_CHARS
        && words.len() <= MAX_SPEAKER_WORDS
        && !speaker.contains(['?', '!', ';', ',', '"'])
        && !LABELS
            .iter()
            .any(|label| label.eq_ignore_ascii_case(speaker))
        && !words.iter().any(|word| is_sentence_word(word));
    plausible.then(|| (speaker, rest.trim()))
}

/// Whether a word marks running text. A single capital letter other than
/// "I" is a name ("Speaker A"), never a sentence word.
fn is_sentence_word(word: &str) -> bool {
    let single_capital = word.len() == 1 && word != "I" && word.starts_with(char::is_uppercase);
    if single_capital {
        return false;
    }
    let lower = word.to_lowercase();
    SENTENCE_WORDS.contains(&lower.as_str())
}

/// Parses `Speaker: text` lines. Lines without a prefix continue the previous
/// turn and blank lines are ignored. Text before the first speaker is an error,
/// because it would otherwise be dropped or attributed to no speaker.
pub(super) fn parse(input: &str) -> Result<Transcript, TranscriptError> {
    let mut segments: Vec<Segment> = Vec::new();
    for (index, line) in input.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }

        if let Some((speaker, text)) = split_speaker_prefix(line) {
            segments.push(Segment {
                speaker: speaker.to_owned(),
                start: None,
                end: None,
                text: text.to_owned(),
            });
            continue;
        }

        let Some(current) = segments.last_mut() else {
            return Err(TranscriptError::MissingSpeaker {
                line: index + 1,
                text: line.trim().to_owned(),
            });
        };
        current.text.push(' ');
        current.text.push_str(line.trim());
    }

    for segment in &mut segments {
        segment.text = collapse_whitespace(&segment.text);
    }
    segments.retain(|segment| !segment.text.is_empty());
    Ok(Transcript { segments })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_accepts_names() {
        assert_eq!(split_speaker_prefix("Ana: hi"), Some(("Ana", "hi")));
        assert_eq!(
            split_speaker_prefix("Speaker A: ok"),
            Some(("Speaker A", "ok"))
        );
        assert_eq!(
            split_speaker_prefix("SPEAKER_01: ok"),
            Some(("SPEAKER_01", "ok"))
        );
        assert_eq!(
            split_speaker_prefix("Dr. Jane Roe:"),
            Some(("Dr. Jane Roe", ""))
        );
        assert_eq!(
            split_speaker_prefix("Head of Sales (Acme): yes"),
            Some(("Head of Sales (Acme)", "yes"))
        );
    }

    #[test]
    fn prefix_rejects_text_colons() {
        let cases = [
            "Note: the demo moved",
            "NOTE: the demo moved",
            "We meet at 10:30 tomorrow",
            "10:30 works for me",
            "See https://example.com/a for details",
            "The problem is: nobody owns it",
            "I think: maybe",
            "This sentence has far too many words to be a name: really",
            "  Ana: indented lines continue the turn",
            "Why not? Because: reasons",
        ];
        for line in cases {
            assert_eq!(split_speaker_prefix(line), None, "line {line:?}");
        }
    }

    #[test]
    fn parse_joins_continuations() {
        let input =
            "Ana: First line\ncontinues here.\n\nBo: Note: this is mine.\n  Still Bo at 10:30.\n";
        let transcript = parse(input).unwrap();
        assert_eq!(transcript.segments.len(), 2);
        assert_eq!(transcript.segments[0].text, "First line continues here.");
        assert_eq!(transcript.segments[1].speaker, "Bo");
        assert_eq!(
            transcript.segments[1].text,
            "Note: this is mine. Still Bo at 10:30."
        );
        assert_eq!(transcript.segments[1].start, None);
    }

    #[test]
    fn parse_drops_empty_turns() {
        let transcript = parse("Ana:\nBo: hello\nAna:   \n").unwrap();
        assert_eq!(transcript.segments.len(), 1);
        assert_eq!(transcript.segments[0].speaker, "Bo");
    }

    #[test]
    fn parse_without_prefix_names_line() {
        let error = parse("\n\nhello there\nAna: hi").unwrap_err();
        let TranscriptError::MissingSpeaker { line, text } = &error else {
            panic!("unexpected error {error:?}");
        };
        assert_eq!(*line, 3);
        assert_eq!(text, "hello there");
        assert!(error.to_string().contains("`Speaker: text`"), "{error}");
    }
}
