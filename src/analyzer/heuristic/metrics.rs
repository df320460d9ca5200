//! Talk metrics per speaker, computed from the transcript.

use functions::domain::Segment;
use functions::insights::TalkMetrics;

use super::cues::is_question;
use super::text::{Document, is_filler, lowercase};

/// Speaking rate used to estimate durations when segments have no times,
/// in words per minute. A common figure for conversational English.
const WORDS_PER_MINUTE: f64 = 150.0;
/// Two-word fillers, counted only before a comma because elsewhere they are
/// usually meant ("do you know the price").
const FILLER_PHRASES: &[&str] = &["you know,", "i mean,"];

/// Seconds of speech in a segment: its end minus its start when both are
/// known, otherwise estimated from its word count.
fn duration_s(segment: &Segment) -> f64 {
    match (segment.start, segment.end) {
        (Some(start), Some(end)) if end >= start => end - start,
        _ => segment.text.split_whitespace().count() as f64 * 60.0 / WORDS_PER_MINUTE,
    }
}

/// Counts hesitation sounds and comma-marked filler phrases in a text.
fn count_fillers(text: &str, tokens: &[String]) -> u32 {
    let sounds = tokens.iter().filter(|token| is_filler(token)).count();
    let lower = lowercase(text);
    let phrases: usize = FILLER_PHRASES
        .iter()
        .map(|phrase| lower.matches(phrase).count())
        .sum();
    u32::try_from(sounds + phrases).unwrap_or(u32::MAX)
}

/// Computes talk metrics for every speaker, in order of first appearance.
/// `talk_ratio` is the speaker's share of all words, so the ratios sum to 1
/// when the transcript has any words. A turn is a run of consecutive
/// segments by one speaker, and a monologue is the duration of one turn.
pub(super) fn compute(document: &Document<'_>) -> Vec<TalkMetrics> {
    let speaker_count = document.speakers.len();
    let mut words = vec![0usize; speaker_count];
    let mut talk_time = vec![0.0f64; speaker_count];
    let mut turns = vec![0u32; speaker_count];
    let mut longest = vec![0.0f64; speaker_count];

    let mut current_turn: Option<(usize, f64)> = None;
    let segments = &document.transcript.segments;
    for (segment, &speaker) in segments.iter().zip(&document.segment_speakers) {
        let duration = duration_s(segment);
        words[speaker] += segment.text.split_whitespace().count();
        talk_time[speaker] += duration;

        current_turn = match current_turn {
            Some((owner, elapsed)) if owner == speaker => Some((owner, elapsed + duration)),
            _ => {
                turns[speaker] += 1;
                Some((speaker, duration))
            }
        };
        if let Some((owner, elapsed)) = current_turn {
            longest[owner] = longest[owner].max(elapsed);
        }
    }

    let mut questions = vec![0u32; speaker_count];
    let mut fillers = vec![0u32; speaker_count];
    for sentence in &document.sentences {
        questions[sentence.speaker] += u32::from(is_question(sentence));
        fillers[sentence.speaker] += count_fillers(&sentence.text, &sentence.tokens);
    }

    let total_words: usize = words.iter().sum();
    document
        .speakers
        .iter()
        .enumerate()
        .map(|(index, speaker)| TalkMetrics {
            speaker: speaker.clone(),
            talk_time_s: round_tenths(talk_time[index]),
            talk_ratio: if total_words == 0 {
                0.0
            } else {
                words[index] as f64 / total_words as f64
            },
            words: u32::try_from(words[index]).unwrap_or(u32::MAX),
            turns: turns[index],
            longest_monologue_s: round_tenths(longest[index]),
            questions_asked: questions[index],
            filler_words: fillers[index],
        })
        .collect()
}

fn round_tenths(seconds: f64) -> f64 {
    (seconds * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use functions::domain::Transcript;

    use super::*;

    #[test]
    fn metrics_from_times() {
        let transcript: Transcript = crate::transcript::parse(
            r#"[{"speaker": "A", "start": 0, "end": 10, "text": "Um, how is it going?"},
                {"speaker": "A", "start": 10, "end": 15, "text": "You know, fine."},
                {"speaker": "B", "start": 15, "end": 18, "text": "Good, uh, thanks."},
                {"speaker": "A", "start": 18, "end": 20, "text": "Great."}]"#,
            None,
        )
        .unwrap();
        let metrics = compute(&Document::new(&transcript));
        assert_eq!(metrics.len(), 2);
        let (a, b) = (&metrics[0], &metrics[1]);
        assert_eq!((a.speaker.as_str(), b.speaker.as_str()), ("A", "B"));
        assert_eq!((a.words, b.words), (9, 3));
        assert_eq!((a.turns, b.turns), (2, 1));
        assert_eq!(a.talk_time_s, 17.0);
        assert_eq!(a.longest_monologue_s, 15.0);
        assert_eq!(a.questions_asked, 1);
        assert_eq!((a.filler_words, b.filler_words), (2, 1));
        assert!((a.talk_ratio + b.talk_ratio - 1.0).abs() < 1e-12);
        assert_eq!(b.talk_ratio, 3.0 / 12.0);
    }

    #[test]
    fn durations_estimated_without_times() {
        let transcript =
            crate::transcript::parse("A: one two three four five\nB: six\n", None).unwrap();
        let metrics = compute(&Document::new(&transcript));
        assert_eq!(metrics[0].talk_time_s, 2.0, "5 words at 150 per minute");
        assert_eq!(metrics[1].talk_time_s, 0.4);
    }

    #[test]
    fn filler_phrases_need_comma() {
        let tokens = super::super::text::tokenize("Do you know the price? I mean, yes");
        assert_eq!(
            count_fillers("Do you know the price? I mean, yes", &tokens),
            1
        );
    }
}
