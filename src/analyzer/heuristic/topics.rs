//! Topics: frequent content words and two-word phrases.

use std::collections::{BTreeMap, BTreeSet};

use functions::insights::Topic;

use super::text::{Document, is_content_word, stem, tokenize};

/// Maximum number of topics reported, so the list stays readable.
const MAX_TOPICS: usize = 8;
/// Minimum number of mentions for a word or phrase to count as a topic.
const MIN_MENTIONS: u32 = 2;
/// Weight of a two-word phrase over a single word with the same count,
/// because phrases name topics more precisely.
const PHRASE_WEIGHT: f64 = 1.5;

/// A chosen topic with the stems that identify it in sentences.
#[derive(Debug, Clone)]
pub(super) struct FoundTopic {
    pub(super) name: String,
    pub(super) stems: Vec<String>,
    pub(super) mentions: u32,
    pub(super) first_sentence: usize,
}

#[derive(Debug)]
struct Candidate {
    surface: String,
    stems: Vec<String>,
    mentions: u32,
    first_sentence: usize,
}

impl Candidate {
    fn score(&self) -> f64 {
        let weight = if self.stems.len() > 1 {
            PHRASE_WEIGHT
        } else {
            1.0
        };
        f64::from(self.mentions) * weight
    }
}

/// Finds up to eight topics, ranked by weighted mentions, ties broken by
/// first appearance. A word is dropped in favour of a phrase containing it
/// when the phrase accounts for at least half of the word's mentions.
pub(super) fn find(document: &Document<'_>) -> Vec<FoundTopic> {
    let candidates = count_candidates(document);
    let mut ranked: Vec<&Candidate> = candidates
        .values()
        .filter(|candidate| candidate.mentions >= MIN_MENTIONS)
        .collect();
    ranked.sort_by(|a, b| {
        b.score()
            .total_cmp(&a.score())
            .then(a.first_sentence.cmp(&b.first_sentence))
            .then(a.surface.cmp(&b.surface))
    });

    let phrases: Vec<&Candidate> = ranked
        .iter()
        .copied()
        .filter(|c| c.stems.len() > 1)
        .collect();
    let covered_by_phrase = |word: &Candidate| {
        phrases.iter().any(|phrase| {
            phrase.stems.contains(&word.stems[0]) && phrase.mentions * 2 >= word.mentions
        })
    };

    ranked
        .into_iter()
        .filter(|candidate| candidate.stems.len() > 1 || !covered_by_phrase(candidate))
        .take(MAX_TOPICS)
        .map(|candidate| FoundTopic {
            name: candidate.surface.clone(),
            stems: candidate.stems.clone(),
            mentions: candidate.mentions,
            first_sentence: candidate.first_sentence,
        })
        .collect()
}

/// Counts every content word and every pair of adjacent content words, keyed
/// by stems. Words of speaker names are skipped, because people address each
/// other by name without that being a topic.
fn count_candidates(document: &Document<'_>) -> BTreeMap<String, Candidate> {
    let name_words: BTreeSet<String> = document
        .speakers
        .iter()
        .flat_map(|speaker| tokenize(speaker))
        .collect();
    let is_topic_word = |token: &String| is_content_word(token) && !name_words.contains(token);

    let mut candidates: BTreeMap<String, Candidate> = BTreeMap::new();
    let mut record = |words: &[&String], sentence: usize| {
        let stems: Vec<String> = words.iter().map(|word| stem(word)).collect();
        let entry = candidates
            .entry(stems.join(" "))
            .or_insert_with(|| Candidate {
                surface: words
                    .iter()
                    .map(|word| word.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                stems,
                mentions: 0,
                first_sentence: sentence,
            });
        entry.mentions += 1;
    };

    for (index, sentence) in document.sentences.iter().enumerate() {
        let tokens = &sentence.tokens;
        for (position, token) in tokens.iter().enumerate() {
            if !is_topic_word(token) {
                continue;
            }
            record(&[token], index);
            if let Some(next) = tokens.get(position + 1).filter(|next| is_topic_word(next))
                && stem(next) != stem(token)
            {
                record(&[token, next], index);
            }
        }
    }
    candidates
}

/// Converts found topics into the insights shape, with the start time of the
/// first mention when the transcript has times.
pub(super) fn to_insights(document: &Document<'_>, found: &[FoundTopic]) -> Vec<Topic> {
    found
        .iter()
        .map(|topic| Topic {
            name: topic.name.clone(),
            mentions: topic.mentions,
            first_at_s: document.sentences[topic.first_sentence].at_s,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use functions::domain::Transcript;

    use super::*;

    fn transcript(lines: &str) -> Transcript {
        crate::transcript::parse(lines, None).unwrap()
    }

    fn topic_names(lines: &str) -> Vec<String> {
        let transcript = transcript(lines);
        let document = Document::new(&transcript);
        find(&document)
            .into_iter()
            .map(|topic| topic.name)
            .collect()
    }

    #[test]
    fn phrase_replaces_its_words() {
        let input = "Ana: The remote control needs batteries.\n\
                     Bo: A remote control with one battery is fine.\n\
                     Ana: The remote control should glow.\n";
        let names = topic_names(input);
        assert_eq!(names, ["remote control", "batteries"]);
    }

    #[test]
    fn speaker_names_are_not_topics() {
        let input = "Ana: Thanks Bo.\nBo: Thanks Ana, pricing first.\nAna: Bo, pricing is key.\n";
        let names = topic_names(input);
        assert_eq!(names, ["pricing"]);
    }

    #[test]
    fn first_mention_time() {
        let input = r#"[{"speaker": "A", "start": 4, "end": 5, "text": "Budget talk."},
                        {"speaker": "B", "start": 9, "end": 10, "text": "The budget is set."}]"#;
        let transcript = transcript(input);
        let document = Document::new(&transcript);
        let topics = to_insights(&document, &find(&document));
        assert_eq!(topics.len(), 1);
        assert_eq!(topics[0].name, "budget");
        assert_eq!(topics[0].mentions, 2);
        assert_eq!(topics[0].first_at_s, Some(4.0));
    }
}
