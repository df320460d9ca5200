//! Analyzer-level tests on the sample call and small transcripts.

use functions::domain::{Segment, Transcript};
use functions::insights::{Insights, ObjectionCategory, SentimentLabel};
use functions::ports::{AnalyzeError, Analyzer};

use super::HeuristicAnalyzer;
use super::text::split_sentences;
use crate::transcript;

fn sample_call() -> Transcript {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/discovery-call.txt");
    let input = std::fs::read_to_string(path).expect("the sample call is part of the repository");
    transcript::parse(&input, None).expect("the sample call parses")
}

fn analyze(transcript: &Transcript) -> Insights {
    HeuristicAnalyzer::new()
        .analyze_transcript(transcript)
        .expect("analysis succeeds")
}

fn segment(speaker: &str, text: &str) -> Segment {
    Segment {
        speaker: speaker.to_owned(),
        start: None,
        end: None,
        text: text.to_owned(),
    }
}

#[test]
fn sample_call_shape() {
    let transcript = sample_call();
    assert_eq!(transcript.segments.len(), 40);
    assert_eq!(
        transcript.speakers(),
        ["Maya Chen", "Daniel Ortiz", "Priya Nair"]
    );
}

#[test]
fn sample_call_extracts_sales_signals() {
    let insights = analyze(&sample_call());

    let price = insights
        .objections
        .iter()
        .find(|objection| objection.category == ObjectionCategory::Price)
        .expect("the price objection is found");
    assert_eq!(price.raised_by.as_deref(), Some("Daniel Ortiz"));

    let proposal = insights
        .action_items
        .iter()
        .find(|item| item.description.contains("pilot proposal"))
        .expect("the proposal commitment is found");
    assert_eq!(proposal.owner.as_deref(), Some("Maya Chen"));
    assert_eq!(proposal.due_text.as_deref(), Some("by Friday"));

    assert!(
        insights
            .decisions
            .iter()
            .any(|decision| decision.contains("Rotterdam")),
        "decisions: {:?}",
        insights.decisions
    );
    assert!(
        insights.questions.len() >= 10,
        "questions: {}",
        insights.questions.len()
    );
    assert!(insights.topics.iter().any(|topic| topic.name == "pilot"));
}

#[test]
fn sample_call_metadata() {
    let insights = analyze(&sample_call());
    assert_eq!(insights.schema_version, "1");
    assert_eq!(insights.analyzer.name, "heuristic");
    assert_eq!(insights.analyzer.model, None);
    assert_eq!(insights.analyzer.version, "1");

    let sentences = split_sentences(&insights.summary);
    assert!(
        (2..=5).contains(&sentences.len()),
        "summary: {}",
        insights.summary
    );
    let speakers: Vec<&str> = insights
        .talk_metrics
        .iter()
        .map(|m| m.speaker.as_str())
        .collect();
    assert_eq!(speakers, ["Maya Chen", "Daniel Ortiz", "Priya Nair"]);
}

#[test]
fn empty_transcript_is_permanent_error() {
    let error = HeuristicAnalyzer::new()
        .analyze_transcript(&Transcript::default())
        .unwrap_err();
    let AnalyzeError::Permanent { message, .. } = &error else {
        panic!("expected a permanent error, got {error:?}");
    };
    assert!(message.contains("empty"), "{message}");
}

#[test]
fn wordless_transcript_is_permanent_error() {
    let transcript = Transcript {
        segments: vec![segment("A", "  ")],
    };
    let error = HeuristicAnalyzer::new()
        .analyze_transcript(&transcript)
        .unwrap_err();
    assert!(matches!(error, AnalyzeError::Permanent { .. }), "{error:?}");
}

#[test]
fn one_sentence_still_two_summary_sentences() {
    let transcript = Transcript {
        segments: vec![segment("Ana", "Hello"), segment("Bo", "hi")],
    };
    let insights = analyze(&transcript);
    assert_eq!(insights.summary, "Hello. Hi.");

    let single = Transcript {
        segments: vec![segment("Ana", "Hello there")],
    };
    let insights = analyze(&single);
    assert_eq!(insights.summary, "Hello there. Ana spoke 2 words in total.");
}

#[test]
fn sentiment_per_speaker_labels() {
    let transcript = Transcript {
        segments: vec![
            segment("Ana", "This is a great product and the demo was excellent."),
            segment("Bo", "The setup was terrible and support was awful."),
            segment("Cy", "We meet on Tuesday."),
        ],
    };
    let insights = analyze(&transcript);
    let labels: Vec<(&str, SentimentLabel)> = insights
        .sentiment
        .by_speaker
        .iter()
        .map(|s| (s.speaker.as_str(), s.label))
        .collect();
    assert_eq!(
        labels,
        [
            ("Ana", SentimentLabel::Positive),
            ("Bo", SentimentLabel::Negative),
            ("Cy", SentimentLabel::Neutral)
        ]
    );
    assert_eq!(insights.sentiment.overall.label, SentimentLabel::Mixed);
}

#[tokio::test]
async fn trait_reports_name_and_analyzes() {
    let analyzer: Box<dyn Analyzer> = Box::new(HeuristicAnalyzer::new());
    assert_eq!(analyzer.name(), "heuristic");
    assert_eq!(analyzer.model(), None);

    let transcript = sample_call();
    let via_trait = analyzer.analyze(&transcript).await.unwrap();
    assert_eq!(via_trait, analyze(&transcript));
}
