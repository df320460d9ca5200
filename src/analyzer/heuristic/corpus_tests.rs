//! Tests on the twenty real QMSum product meetings (validation split).
//!
//! The meetings ship with the repository in `tests/data/qmsum-product/val`;
//! `QMSUM_VAL_DIR` points elsewhere. A missing folder fails the tests, because
//! skipping would hide a broken checkout.

use std::collections::BTreeSet;
use std::path::PathBuf;

use functions::domain::Transcript;
use functions::insights::Insights;
use serde_json::Value;

use super::HeuristicAnalyzer;
use super::text::split_sentences;
use crate::transcript::{self, Format};

/// Number of meetings in the validation split.
const MEETING_COUNT: usize = 20;

/// One meeting file: its name, raw JSON and parsed transcript.
pub(super) struct Meeting {
    pub(super) name: String,
    pub(super) json: Value,
    pub(super) transcript: Transcript,
}

/// Loads every meeting. Returns an `Option` so callers keep one shape; the
/// folder is part of the repository, so it is always `Some`.
pub(super) fn load_meetings() -> Option<Vec<Meeting>> {
    let directory = std::env::var_os("QMSUM_VAL_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/qmsum-product/val"),
        PathBuf::from,
    );
    assert!(
        directory.is_dir(),
        "QMSum meetings not found at {}; set QMSUM_VAL_DIR to the folder with the validation JSON files",
        directory.display()
    );

    let mut paths: Vec<PathBuf> = std::fs::read_dir(&directory)
        .expect("the meeting folder is readable")
        .map(|entry| entry.expect("the meeting folder lists").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "json")
        })
        .collect();
    paths.sort();

    let meetings = paths
        .into_iter()
        .map(|path| {
            let input = std::fs::read_to_string(&path).expect("the meeting file is readable");
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let transcript = transcript::parse(&input, None)
                .unwrap_or_else(|error| panic!("{name} does not parse: {error}"));
            let json = serde_json::from_str(&input).expect("the meeting file is JSON");
            Meeting {
                name,
                json,
                transcript,
            }
        })
        .collect();
    Some(meetings)
}

fn analyze(meeting: &Meeting) -> Insights {
    HeuristicAnalyzer::new()
        .analyze_transcript(&meeting.transcript)
        .unwrap_or_else(|error| panic!("{} fails to analyze: {error}", meeting.name))
}

/// Lowercase text without trailing punctuation, for containment checks.
fn comparable(text: &str) -> String {
    text.trim_end_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}

#[test]
fn corpus_has_twenty_meetings() {
    let Some(meetings) = load_meetings() else {
        return;
    };
    assert_eq!(meetings.len(), MEETING_COUNT);
}

#[test]
fn corpus_parses_with_all_speakers() {
    let Some(meetings) = load_meetings() else {
        return;
    };
    for meeting in &meetings {
        let input = serde_json::to_string(&meeting.json).unwrap();
        assert_eq!(
            transcript::Format::detect(&input),
            Format::QmsumJson,
            "{}",
            meeting.name
        );

        let expected: BTreeSet<&str> = meeting.json["meeting_transcripts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|turn| turn["speaker"].as_str().unwrap())
            .collect();
        let speakers = meeting.transcript.speakers();
        let actual: BTreeSet<&str> = speakers.iter().map(String::as_str).collect();
        assert_eq!(actual, expected, "{}", meeting.name);

        for segment in &meeting.transcript.segments {
            let text = &segment.text;
            assert!(
                !text.contains('{'),
                "{} keeps annotator marks: {text:?}",
                meeting.name
            );
            assert!(
                !text.contains(" ."),
                "{} keeps a space before a period: {text:?}",
                meeting.name
            );
        }
    }
}

#[test]
fn corpus_metrics_are_consistent() {
    let Some(meetings) = load_meetings() else {
        return;
    };
    for meeting in &meetings {
        let insights = analyze(meeting);
        let speakers = meeting.transcript.speakers();

        let metric_speakers: Vec<&String> =
            insights.talk_metrics.iter().map(|m| &m.speaker).collect();
        let sentiment_speakers: Vec<&String> = insights
            .sentiment
            .by_speaker
            .iter()
            .map(|s| &s.speaker)
            .collect();
        assert_eq!(
            metric_speakers,
            speakers.iter().collect::<Vec<_>>(),
            "{}",
            meeting.name
        );
        assert_eq!(
            sentiment_speakers,
            speakers.iter().collect::<Vec<_>>(),
            "{}",
            meeting.name
        );

        let ratio_sum: f64 = insights.talk_metrics.iter().map(|m| m.talk_ratio).sum();
        assert!(
            (ratio_sum - 1.0).abs() < 1e-9,
            "{}: ratios sum to {ratio_sum}",
            meeting.name
        );
        let words: u32 = insights.talk_metrics.iter().map(|m| m.words).sum();
        assert_eq!(
            words as usize,
            meeting.transcript.word_count(),
            "{}",
            meeting.name
        );

        for metrics in &insights.talk_metrics {
            assert!(
                metrics.turns > 0,
                "{}: {} has no turns",
                meeting.name,
                metrics.speaker
            );
            assert!(
                metrics.longest_monologue_s <= metrics.talk_time_s,
                "{}",
                meeting.name
            );
        }
        let scores = std::iter::once(insights.sentiment.overall.score)
            .chain(insights.sentiment.by_speaker.iter().map(|s| s.score));
        for score in scores {
            assert!(
                (-1.0..=1.0).contains(&score),
                "{}: score {score}",
                meeting.name
            );
        }
    }
}

#[test]
fn corpus_summary_quotes_transcript() {
    let Some(meetings) = load_meetings() else {
        return;
    };
    for meeting in &meetings {
        let insights = analyze(meeting);
        let sentences = split_sentences(&insights.summary);
        assert!(
            (2..=5).contains(&sentences.len()),
            "{}: {} summary sentences",
            meeting.name,
            sentences.len()
        );

        let full_text = meeting.transcript.to_text().to_lowercase();
        for sentence in sentences {
            assert!(
                full_text.contains(&comparable(sentence)),
                "{}: summary sentence not in the transcript: {sentence:?}",
                meeting.name
            );
        }
        assert!(
            !insights.topics.is_empty(),
            "{} has no topics",
            meeting.name
        );
    }
}

#[test]
fn corpus_output_is_deterministic() {
    let Some(meetings) = load_meetings() else {
        return;
    };
    for meeting in &meetings {
        let first = analyze(meeting);
        let second = analyze(meeting);
        assert_eq!(first, second, "{}", meeting.name);

        let json = serde_json::to_string(&first).unwrap();
        assert_eq!(
            json,
            serde_json::to_string(&second).unwrap(),
            "{}",
            meeting.name
        );
        let round_trip: Insights = serde_json::from_str(&json).unwrap();
        assert_eq!(round_trip, first, "{}", meeting.name);
    }
}
