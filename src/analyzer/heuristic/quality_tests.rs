//! Quality of the summary and topics on the QMSum meetings, printed as a
//! table. Run with `--nocapture` to see it. No thresholds are asserted, so
//! that tuning the heuristics does not break the build.

use std::collections::{BTreeMap, BTreeSet};

use super::HeuristicAnalyzer;
use super::corpus_tests::{Meeting, load_meetings};
use super::text::{is_content_word, split_sentences, stem, tokenize};

/// ROUGE-1 recall: the share of reference words (with repeats) that the
/// candidate contains, counting each candidate word at most as often as it
/// occurs. Lowercase words, no stemming, no stopword removal.
fn rouge1_recall(candidate: &str, reference: &str) -> f64 {
    let count = |text: &str| {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for token in tokenize(text) {
            *counts.entry(token).or_default() += 1;
        }
        counts
    };
    let candidate = count(candidate);
    let reference = count(reference);
    let total: usize = reference.values().sum();
    if total == 0 {
        return 0.0;
    }
    let overlap: usize = reference
        .iter()
        .map(|(token, &wanted)| wanted.min(candidate.get(token).copied().unwrap_or(0)))
        .sum();
    overlap as f64 / total as f64
}

fn content_stems(text: &str) -> BTreeSet<String> {
    tokenize(text)
        .iter()
        .filter(|t| is_content_word(t))
        .map(|t| stem(t))
        .collect()
}

/// Share of the labelled topics' content words found among the words of
/// the predicted topic names, and share of labelled topics with at least
/// one such word found.
fn topic_recall(predicted: &[String], labelled: &[String]) -> (f64, f64) {
    let predicted: BTreeSet<String> = predicted
        .iter()
        .flat_map(|name| content_stems(name))
        .collect();
    let wanted: BTreeSet<String> = labelled
        .iter()
        .flat_map(|topic| content_stems(topic))
        .collect();
    let found = wanted.intersection(&predicted).count();
    let keyword_recall = if wanted.is_empty() {
        0.0
    } else {
        found as f64 / wanted.len() as f64
    };
    let hit = labelled
        .iter()
        .filter(|topic| !content_stems(topic).is_disjoint(&predicted))
        .count();
    (keyword_recall, hit as f64 / labelled.len().max(1) as f64)
}

/// Joins the first `count` sentences of six or more words, as a baseline summary.
fn lead_sentences(meeting: &Meeting, count: usize) -> String {
    let mut lead = Vec::new();
    for segment in &meeting.transcript.segments {
        lead.extend(
            split_sentences(&segment.text)
                .into_iter()
                .filter(|s| s.split_whitespace().count() >= 6),
        );
        if lead.len() >= count {
            break;
        }
    }
    lead.truncate(count);
    lead.join(" ")
}

#[test]
fn quality_table_over_corpus() {
    let Some(meetings) = load_meetings() else {
        return;
    };
    let mut totals = [0.0f64; 4];
    println!("meeting   words  rouge1_recall  lead5_rouge1  topic_kw_recall  topic_hit");
    for meeting in &meetings {
        let insights = HeuristicAnalyzer::new()
            .analyze_transcript(&meeting.transcript)
            .expect("analysis succeeds");
        let reference = meeting.json["general_query_list"][0]["answer"]
            .as_str()
            .unwrap_or_default();
        let labelled: Vec<String> = meeting.json["topic_list"]
            .as_array()
            .map(|topics| {
                topics
                    .iter()
                    .filter_map(|t| t["topic"].as_str())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let predicted: Vec<String> = insights
            .topics
            .iter()
            .map(|topic| topic.name.clone())
            .collect();

        let row = [
            rouge1_recall(&insights.summary, reference),
            rouge1_recall(&lead_sentences(meeting, 5), reference),
            topic_recall(&predicted, &labelled).0,
            topic_recall(&predicted, &labelled).1,
        ];
        for value in row {
            assert!((0.0..=1.0).contains(&value), "{}: {value}", meeting.name);
        }
        for (total, value) in totals.iter_mut().zip(row) {
            *total += value;
        }
        println!(
            "{:<8} {:>6}  {:>13.3}  {:>12.3}  {:>15.3}  {:>9.3}",
            meeting.name,
            meeting.transcript.word_count(),
            row[0],
            row[1],
            row[2],
            row[3]
        );
    }
    let count = meetings.len() as f64;
    println!(
        "{:<8} {:>6}  {:>13.3}  {:>12.3}  {:>15.3}  {:>9.3}",
        "mean",
        "",
        totals[0] / count,
        totals[1] / count,
        totals[2] / count,
        totals[3] / count
    );
}

#[test]
fn rouge1_recall_counts_clipped_overlap() {
    assert_eq!(rouge1_recall("the cat sat", "the cat the dog"), 0.5);
    assert_eq!(rouge1_recall("", "anything"), 0.0);
    assert_eq!(rouge1_recall("same words", "Same words."), 1.0);
}

#[test]
fn topic_recall_matches_stems() {
    let predicted = ["remote control".to_owned(), "batteries".to_owned()];
    let labelled = ["Battery design".to_owned(), "Price of remote".to_owned()];
    let (keywords, hits) = topic_recall(&predicted, &labelled);
    assert_eq!(keywords, 2.0 / 4.0);
    assert_eq!(hits, 1.0);
}
