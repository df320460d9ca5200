//! Extractive summary and key points: sentences scored by how frequent
//! their content words are in the whole call.

use std::collections::{BTreeMap, BTreeSet};

use super::text::{Document, Sentence, is_content_word, is_filler, stem, tidy_sentence};
use super::topics::FoundTopic;

/// Shortest and longest sentences, in words, that may enter the summary.
/// Shorter ones are backchannel ("yeah, that's right"), longer ones are
/// usually several unpunctuated sentences run together.
const MIN_WORDS: usize = 6;
const MAX_WORDS: usize = 60;
/// Highest share of hesitation sounds in a summary sentence.
const MAX_FILLER_SHARE: f64 = 0.1;
/// Score factor for sentences without final `.` or `!`: in speech these
/// are usually cut off or interrupted.
const FRAGMENT_FACTOR: f64 = 0.5;
/// Score factor for sentences with a stutter ("the the"), which read badly.
const STUTTER_FACTOR: f64 = 0.6;
/// Share of the call, from its start, whose sentences get the opening bonus,
/// because meetings and calls tend to state their purpose first.
const OPENING_SHARE: f64 = 0.15;
const OPENING_BONUS: f64 = 1.25;
/// Overlap of content words above which a sentence repeats one already chosen.
const MAX_OVERLAP: f64 = 0.5;
/// Score factor for sentences that state an outcome or a purpose.
const CUE_BONUS: f64 = 1.3;
const CUE_PHRASES: &[&str] = &[
    "agreed",
    "conclusion",
    "decided",
    "goal",
    "main",
    "next step",
    "plan",
    "summar",
    "the aim",
    "the point",
];
/// Maximum number of key points reported.
const MAX_KEY_POINTS: usize = 5;

/// Sentence scores from the call-wide frequency of content words.
pub(super) struct Scorer {
    /// Score of each sentence, `None` for sentences that cannot be quoted.
    scores: Vec<Option<f64>>,
    /// Distinct content stems of each sentence.
    stems: Vec<BTreeSet<String>>,
}

impl Scorer {
    /// Scores every sentence of the document: the summed relative frequency of
    /// its distinct content stems, divided by the square root of its length
    /// so that long sentences do not win on length alone.
    pub(super) fn new(document: &Document<'_>) -> Self {
        let stems: Vec<BTreeSet<String>> = document
            .sentences
            .iter()
            .map(|sentence| content_stems(sentence).collect())
            .collect();

        let mut frequency: BTreeMap<String, u32> = BTreeMap::new();
        for sentence in &document.sentences {
            for stem in content_stems(sentence) {
                *frequency.entry(stem).or_default() += 1;
            }
        }
        let max_frequency = f64::from(frequency.values().copied().max().unwrap_or(1));

        let mut scores = Vec::with_capacity(document.sentences.len());
        let sentence_count = document.sentences.len() as f64;
        for (index, (sentence, own_stems)) in document.sentences.iter().zip(&stems).enumerate() {
            if !is_quotable(sentence, own_stems) {
                scores.push(None);
                continue;
            }
            let weight: f64 = own_stems
                .iter()
                .map(|stem| f64::from(frequency.get(stem).copied().unwrap_or(0)) / max_frequency)
                .sum();
            let factor = style_factor(sentence)
                * if (index as f64) < OPENING_SHARE * sentence_count {
                    OPENING_BONUS
                } else {
                    1.0
                };
            scores.push(Some(
                weight / (sentence.tokens.len() as f64).sqrt() * factor,
            ));
        }
        Self { scores, stems }
    }

    /// Indexes of quotable sentences, best first, ties broken by position.
    fn ranked(&self) -> Vec<usize> {
        let mut ranked: Vec<(usize, f64)> = self
            .scores
            .iter()
            .enumerate()
            .filter_map(|(index, score)| score.map(|score| (index, score)))
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.into_iter().map(|(index, _)| index).collect()
    }

    /// Returns `true` if a sentence shares more than half of its content stems with one
    /// already chosen.
    fn repeats(&self, index: usize, chosen: &[usize]) -> bool {
        let own = &self.stems[index];
        chosen.iter().any(|&other| {
            let other = &self.stems[other];
            let union = own.union(other).count();
            union > 0 && own.intersection(other).count() as f64 / union as f64 > MAX_OVERLAP
        })
    }
}

fn content_stems(sentence: &Sentence) -> impl Iterator<Item = String> + '_ {
    let content = sentence
        .tokens
        .iter()
        .filter(|token| is_content_word(token));
    content.map(|token| stem(token))
}

/// Multiplies the cue bonus and the fragment and stutter penalties.
fn style_factor(sentence: &Sentence) -> f64 {
    let lower = sentence.text.to_lowercase();
    let mut factor = 1.0;
    if CUE_PHRASES.iter().any(|cue| lower.contains(cue)) {
        factor *= CUE_BONUS;
    }
    if !sentence.text.trim_end().ends_with(['.', '!']) {
        factor *= FRAGMENT_FACTOR;
    }
    if sentence.tokens.windows(2).any(|pair| pair[0] == pair[1]) {
        factor *= STUTTER_FACTOR;
    }
    factor
}

fn is_quotable(sentence: &Sentence, stems: &BTreeSet<String>) -> bool {
    let words = sentence.tokens.len();
    let fillers = sentence
        .tokens
        .iter()
        .filter(|token| is_filler(token))
        .count();
    (MIN_WORDS..=MAX_WORDS).contains(&words)
        && !sentence.text.trim_end().ends_with('?')
        && stems.len() >= 3
        && (fillers as f64) <= MAX_FILLER_SHARE * words as f64
}

/// Returns the number of summary sentences: two for short calls, up to five
/// for long meetings.
fn summary_length(total_words: usize) -> usize {
    match total_words {
        0..300 => 2,
        300..800 => 3,
        800..1500 => 4,
        _ => 5,
    }
}

/// Chooses summary sentences, returned as indexes in transcript order.
/// Short transcripts without enough quotable sentences fall back to any
/// sentences in order.
pub(super) fn choose(document: &Document<'_>, scorer: &Scorer) -> Vec<usize> {
    let target = summary_length(document.transcript.word_count());
    let mut chosen: Vec<usize> = Vec::new();
    for index in scorer.ranked() {
        if chosen.len() == target {
            break;
        }
        if !scorer.repeats(index, &chosen) {
            chosen.push(index);
        }
    }
    for index in 0..document.sentences.len() {
        if chosen.len() >= 2 {
            break;
        }
        if !chosen.contains(&index) {
            chosen.push(index);
        }
    }
    chosen.sort_unstable();
    chosen
}

/// Writes the summary from the chosen sentences. When the transcript has a
/// single sentence, a second sentence naming the speakers and word count is
/// added, because the summary always has at least two sentences.
pub(super) fn write(document: &Document<'_>, chosen: &[usize]) -> String {
    let mut sentences: Vec<String> = chosen
        .iter()
        .map(|&index| with_end_punctuation(tidy_sentence(&document.sentences[index].text)))
        .collect();
    if sentences.len() < 2 {
        sentences.push(format!(
            "{} spoke {} words in total.",
            document.speakers.join(", "),
            document.transcript.word_count()
        ));
    }
    sentences.join(" ")
}

fn with_end_punctuation(mut sentence: String) -> String {
    if !sentence.ends_with(['.', '?', '!', '"', '\'', ')']) {
        sentence.push('.');
    }
    sentence
}

/// Picks, for each of the first five topics, the best-scored sentence that
/// mentions it and is not in the summary, and returns them in transcript order.
pub(super) fn key_points(
    document: &Document<'_>,
    scorer: &Scorer,
    topics: &[FoundTopic],
    summary: &[usize],
) -> Vec<String> {
    let ranked = scorer.ranked();
    let mut picked: Vec<usize> = Vec::new();
    for topic in topics.iter().take(MAX_KEY_POINTS) {
        let best = ranked.iter().copied().find(|&index| {
            let mentions_topic = topic
                .stems
                .iter()
                .all(|stem| scorer.stems[index].contains(stem));
            mentions_topic && !summary.contains(&index) && !picked.contains(&index)
        });
        picked.extend(best);
    }
    picked.sort_unstable();
    picked
        .into_iter()
        .map(|index| tidy_sentence(&document.sentences[index].text))
        .collect()
}
