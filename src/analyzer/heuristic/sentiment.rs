//! Lexicon sentiment with negation, degree words and "but", per sentence,
//! per speaker and overall.

use functions::insights::{Sentiment, SentimentLabel, SentimentScore, SpeakerSentiment};

use super::lexicon;
use super::text::Document;

/// Factor applied to a word's valence when a negation precedes it: negated
/// praise reads as mildly negative, not as strongly negative.
const NEGATION_FACTOR: f64 = -0.74;
/// How many words before a sentiment word a negation still applies to.
const NEGATION_WINDOW: usize = 3;
/// Normalization constant: a raw sum `x` maps to `x / sqrt(x² + 15)`, as in VADER.
const NORMALIZATION_ALPHA: f64 = 15.0;
/// Mean scores at or beyond ±0.05 are labelled positive or negative, and
/// smaller ones neutral (VADER's usual threshold).
const LABEL_THRESHOLD: f64 = 0.05;
/// Sentence scores at or beyond this size count as strong for the `mixed` label.
const STRONG_THRESHOLD: f64 = 0.5;
/// The `mixed` label needs the rarer strong polarity to be at least this
/// share of the more common one, so one stray remark does not make a call mixed.
const MIXED_MIN_SHARE: f64 = 1.0 / 3.0;

/// Scores one sentence in -1..=1 from its lowercase tokens, or 0 when no
/// lexicon word occurs.
pub(super) fn score_tokens(tokens: &[String]) -> f64 {
    let but_position = tokens.iter().position(|token| token == "but");
    let mut sum = 0.0;
    for (index, token) in tokens.iter().enumerate() {
        let Some(mut value) = lexicon::valence(token) else {
            continue;
        };

        if let Some(boost) = index
            .checked_sub(1)
            .and_then(|before| lexicon::intensity(&tokens[before]))
        {
            value += boost * value.signum() * value.abs().min(1.0);
        }
        let window = &tokens[index.saturating_sub(NEGATION_WINDOW)..index];
        if window.iter().any(|word| lexicon::is_negation(word)) {
            value *= NEGATION_FACTOR;
        }

        // "but" shifts weight to the clause after it, as speakers stress that part.
        match but_position {
            Some(position) if index < position => value *= 0.5,
            Some(position) if index > position => value *= 1.5,
            _ => {}
        }
        sum += value;
    }
    normalize(sum)
}

fn normalize(sum: f64) -> f64 {
    if sum == 0.0 {
        return 0.0;
    }
    (sum / (sum * sum + NORMALIZATION_ALPHA).sqrt()).clamp(-1.0, 1.0)
}

/// Computes overall and per-speaker sentiment. A score is the mean over the
/// sentences that contain a lexicon word, so long neutral stretches do not
/// drown out the remarks that carry sentiment.
pub(super) fn analyze(document: &Document<'_>) -> Sentiment {
    let scores: Vec<(usize, f64)> = document
        .sentences
        .iter()
        .map(|sentence| (sentence.speaker, score_tokens(&sentence.tokens)))
        .filter(|(_, score)| *score != 0.0)
        .collect();

    let all: Vec<f64> = scores.iter().map(|(_, score)| *score).collect();
    let overall = summarize(&all);
    let by_speaker = document
        .speakers
        .iter()
        .enumerate()
        .map(|(index, speaker)| {
            let own: Vec<f64> = scores
                .iter()
                .filter(|(owner, _)| *owner == index)
                .map(|(_, score)| *score)
                .collect();
            let SentimentScore { label, score } = summarize(&own);
            SpeakerSentiment {
                speaker: speaker.clone(),
                label,
                score,
            }
        })
        .collect();
    Sentiment {
        overall,
        by_speaker,
    }
}

/// Labels a set of sentence scores, rounding the mean to three decimals.
fn summarize(scores: &[f64]) -> SentimentScore {
    if scores.is_empty() {
        return SentimentScore {
            label: SentimentLabel::Neutral,
            score: 0.0,
        };
    }

    let mean = scores.iter().sum::<f64>() / scores.len() as f64;
    let strong_positive = scores.iter().filter(|s| **s >= STRONG_THRESHOLD).count() as f64;
    let strong_negative = scores.iter().filter(|s| **s <= -STRONG_THRESHOLD).count() as f64;
    let rarer = strong_positive.min(strong_negative);
    let label = if rarer > 0.0 && rarer >= MIXED_MIN_SHARE * strong_positive.max(strong_negative) {
        SentimentLabel::Mixed
    } else if mean >= LABEL_THRESHOLD {
        SentimentLabel::Positive
    } else if mean <= -LABEL_THRESHOLD {
        SentimentLabel::Negative
    } else {
        SentimentLabel::Neutral
    };
    SentimentScore {
        label,
        score: (mean * 1000.0).round() / 1000.0,
    }
}

#[cfg(test)]
mod tests {
    use super::super::text::tokenize;
    use super::*;

    fn score(text: &str) -> f64 {
        score_tokens(&tokenize(text))
    }

    #[test]
    fn polarity_of_plain_words() {
        assert!(score("This is great") > 0.5);
        assert!(score("That was a terrible demo") < -0.5);
        assert_eq!(score("We meet on Tuesday"), 0.0);
    }

    #[test]
    fn negation_flips_polarity() {
        assert!(score("This is not good") < 0.0);
        assert!(score("No problem at all") > 0.0);
        assert!(score("I don't think it's bad") > 0.0);
    }

    #[test]
    fn intensifier_strengthens() {
        assert!(score("very good") > score("good"));
        assert!(score("slightly bad") > score("bad"));
    }

    #[test]
    fn but_weights_second_clause() {
        assert!(score("The demo was good but the price is terrible") < 0.0);
        assert!(score("The price is terrible but the demo was great") > 0.0);
    }

    #[test]
    fn scores_stay_in_range() {
        let text = "great great great amazing wonderful perfect excellent love love";
        assert!(score(text) <= 1.0);
        assert!(score(&text.replace("great", "terrible")) <= 1.0);
    }

    #[test]
    fn summarize_labels() {
        assert_eq!(summarize(&[]).label, SentimentLabel::Neutral);
        assert_eq!(summarize(&[0.6, 0.2]).label, SentimentLabel::Positive);
        assert_eq!(summarize(&[-0.6, -0.2]).label, SentimentLabel::Negative);
        assert_eq!(summarize(&[0.7, -0.7, 0.1]).label, SentimentLabel::Mixed);
        assert_eq!(
            summarize(&[0.7, 0.7, 0.7, 0.7, -0.6]).label,
            SentimentLabel::Positive
        );
        assert_eq!(summarize(&[0.02, -0.01]).label, SentimentLabel::Neutral);
    }
}
