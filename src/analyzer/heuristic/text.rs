//! Sentences, tokens and word lists shared by the heuristic passes.

use functions::domain::Transcript;

use super::stopwords::STOPWORDS;

/// Short words that end with a period without ending a sentence.
const ABBREVIATIONS: &[&str] = &[
    "approx", "dr", "e.g", "etc", "i.e", "inc", "jr", "mr", "mrs", "ms", "prof", "sr", "st", "vs",
];

/// Hesitation sounds counted as filler words. "like", "so" and "you know"
/// are left out because they are often not fillers, and no rule here can
/// separate the two uses.
const FILLERS: &[&str] = &["er", "erm", "uh", "uhh", "uhm", "um", "umm"];

/// Words that open a spoken sentence without carrying content. They are
/// trimmed from sentences quoted in the summary and lists.
const LEADING_FILLERS: &[&str] = &[
    "alright", "and", "anyway", "but", "er", "erm", "mm", "oh", "ok", "okay", "right", "so", "uh",
    "um", "umm", "well", "yeah", "yes",
];

/// One sentence of the transcript with where it came from.
#[derive(Debug, Clone)]
pub(super) struct Sentence {
    /// The sentence as written, with its end punctuation.
    pub(super) text: String,
    /// Index of the speaker in [`Document::speakers`].
    pub(super) speaker: usize,
    /// Index of the turn (run of consecutive segments by one speaker).
    pub(super) turn: usize,
    /// Start time of the segment the sentence is in, in seconds.
    pub(super) at_s: Option<f64>,
    /// Lowercase word tokens.
    pub(super) tokens: Vec<String>,
}

/// A transcript split into sentences and turns.
#[derive(Debug)]
pub(super) struct Document<'a> {
    pub(super) transcript: &'a Transcript,
    /// Distinct speakers in order of first appearance.
    pub(super) speakers: Vec<String>,
    /// Speaker index of every segment.
    pub(super) segment_speakers: Vec<usize>,
    pub(super) sentences: Vec<Sentence>,
    /// For each turn, the range of its sentences in `sentences`.
    pub(super) turns: Vec<std::ops::Range<usize>>,
}

impl<'a> Document<'a> {
    /// Splits every segment into sentences and groups consecutive segments of
    /// one speaker into turns.
    pub(super) fn new(transcript: &'a Transcript) -> Self {
        let speakers = transcript.speakers();
        let mut segment_speakers = Vec::with_capacity(transcript.segments.len());
        let mut sentences = Vec::new();
        let mut turns: Vec<std::ops::Range<usize>> = Vec::new();

        for (index, segment) in transcript.segments.iter().enumerate() {
            let speaker = speakers
                .iter()
                .position(|name| *name == segment.speaker)
                .unwrap_or_default();
            let continues_turn = index > 0 && segment_speakers.last() == Some(&speaker);
            segment_speakers.push(speaker);
            if !continues_turn {
                turns.push(sentences.len()..sentences.len());
            }

            let turn = turns.len() - 1;
            for text in split_sentences(&segment.text) {
                sentences.push(Sentence {
                    text: text.to_owned(),
                    speaker,
                    turn,
                    at_s: segment.start,
                    tokens: tokenize(text),
                });
            }
            if let Some(range) = turns.last_mut() {
                range.end = sentences.len();
            }
        }

        Self {
            transcript,
            speakers,
            segment_speakers,
            sentences,
            turns,
        }
    }
}

/// Splits text after `.`, `?` or `!` (with any closing quotes or brackets)
/// when whitespace or the end follows, except after common abbreviations
/// and single-letter initials.
pub(super) fn split_sentences(text: &str) -> Vec<&str> {
    let mut sentences = Vec::new();
    let mut start = 0;
    let mut characters = text.char_indices().peekable();
    while let Some((index, character)) = characters.next() {
        if !matches!(character, '.' | '?' | '!') {
            continue;
        }
        let mut end = index + character.len_utf8();
        while let Some(&(next_index, next)) = characters.peek() {
            if !matches!(next, '.' | '?' | '!' | '"' | '\'' | ')' | ']' | '”' | '’') {
                break;
            }
            end = next_index + next.len_utf8();
            characters.next();
        }
        let at_boundary = characters
            .peek()
            .is_none_or(|(_, next)| next.is_whitespace());
        if at_boundary && !(character == '.' && ends_with_abbreviation(&text[start..index])) {
            push_trimmed(&mut sentences, &text[start..end]);
            start = end;
        }
    }
    push_trimmed(&mut sentences, &text[start..]);
    sentences
}

fn push_trimmed<'t>(sentences: &mut Vec<&'t str>, text: &'t str) {
    let trimmed = text.trim();
    if trimmed.chars().any(char::is_alphanumeric) {
        sentences.push(trimmed);
    }
}

fn ends_with_abbreviation(before_period: &str) -> bool {
    let last_word = before_period
        .rsplit(char::is_whitespace)
        .next()
        .unwrap_or_default();
    let single_initial =
        last_word.chars().count() == 1 && last_word.starts_with(char::is_uppercase);
    single_initial || ABBREVIATIONS.contains(&last_word.to_lowercase().as_str())
}

/// Splits text into lowercase words. Apostrophes inside words are kept and
/// typographic apostrophes become `'`, so "We’ll" and "we'll" are one token.
pub(super) fn tokenize(text: &str) -> Vec<String> {
    lowercase(text)
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|word| word.trim_matches('\''))
        .filter(|word| !word.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Lowercases text and turns typographic apostrophes into `'`, the form
/// that phrase lists use.
pub(super) fn lowercase(text: &str) -> String {
    text.to_lowercase().replace('’', "'")
}

/// Byte offset of `needle` in `haystack` where it starts a word.
pub(super) fn find_at_word_start(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .match_indices(needle)
        .map(|(start, _)| start)
        .find(|&start| {
            haystack[..start]
                .chars()
                .next_back()
                .is_none_or(|before| !before.is_alphanumeric() && before != '\'')
        })
}

/// Returns `true` if lowercase text contains `phrase` at the start of a word.
pub(super) fn contains_phrase(lower: &str, phrase: &str) -> bool {
    find_at_word_start(lower, phrase).is_some()
}

/// Returns `true` for short words and stopwords.
pub(super) fn is_stopword(token: &str) -> bool {
    token.chars().count() < 3 || STOPWORDS.binary_search(&token).is_ok()
}

/// Returns `true` if a lowercase token can name a topic or carry a summary.
pub(super) fn is_content_word(token: &str) -> bool {
    !is_stopword(token) && !is_filler(token) && token.chars().any(char::is_alphabetic)
}

/// Returns `true` if a lowercase token is a hesitation sound such as "um".
pub(super) fn is_filler(token: &str) -> bool {
    FILLERS.contains(&token)
}

/// Reduces a lowercase word to a key shared by its plural: "batteries" and
/// "battery" both give "battery". Not a full stemmer.
pub(super) fn stem(token: &str) -> String {
    let length = token.chars().count();
    if length > 4 && token.ends_with("ies") {
        return format!("{}y", &token[..token.len() - 3]);
    }
    let keeps_s = ["ss", "us", "is", "'s"]
        .iter()
        .any(|end| token.ends_with(end));
    if length > 3 && token.ends_with('s') && !keeps_s {
        return token[..token.len() - 1].to_owned();
    }
    token.to_owned()
}

/// Trims leading hesitations and discourse words ("Um, so we ...") and
/// capitalizes the first letter, keeping the original when little is left.
pub(super) fn tidy_sentence(sentence: &str) -> String {
    let mut rest = sentence.trim();
    loop {
        let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = rest[..word_end].trim_end_matches(',').to_lowercase();
        if !LEADING_FILLERS.contains(&word.as_str()) || word_end == rest.len() {
            break;
        }
        rest = rest[word_end..].trim_start();
    }
    if rest.split_whitespace().count() < 3 {
        rest = sentence.trim();
    }

    let mut characters = rest.chars();
    match characters.next() {
        Some(first) => first.to_uppercase().chain(characters).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_on_end_punctuation() {
        let sentences = split_sentences("Hi Dr. Roe. Is it 2.5 now?! Yes (really.) ok");
        assert_eq!(
            sentences,
            ["Hi Dr. Roe.", "Is it 2.5 now?!", "Yes (really.)", "ok"]
        );
    }

    #[test]
    fn split_skips_punctuation_only() {
        assert_eq!(split_sentences("... . ok. ?"), ["ok."]);
    }

    #[test]
    fn tokenize_keeps_contractions() {
        assert_eq!(
            tokenize("We’ll ship 'it', OK-ish?"),
            ["we'll", "ship", "it", "ok", "ish"]
        );
    }

    #[test]
    fn stem_merges_plurals() {
        assert_eq!(stem("batteries"), "battery");
        assert_eq!(stem("controls"), "control");
        assert_eq!(stem("business"), "business");
        assert_eq!(stem("bus"), "bus");
    }

    #[test]
    fn tidy_trims_openers() {
        assert_eq!(
            tidy_sentence("Um, so we need the report."),
            "We need the report."
        );
        assert_eq!(tidy_sentence("okay so"), "Okay so");
        assert_eq!(tidy_sentence("yes we can do it"), "We can do it");
    }

    #[test]
    fn document_groups_turns() {
        let transcript: Transcript = serde_json::from_str(
            r#"{"segments": [
                {"speaker": "A", "start": 0, "end": 1, "text": "Hi. How are you?"},
                {"speaker": "A", "start": 1, "end": 2, "text": "Still me."},
                {"speaker": "B", "start": 2, "end": 3, "text": "Fine."}
            ]}"#,
        )
        .unwrap();
        let document = Document::new(&transcript);
        assert_eq!(document.speakers, ["A", "B"]);
        assert_eq!(document.segment_speakers, [0, 0, 1]);
        assert_eq!(document.turns, [0..3, 3..4]);
        assert_eq!(document.sentences[2].at_s, Some(1.0));
        assert_eq!(document.sentences[3].speaker, 1);
    }
}
