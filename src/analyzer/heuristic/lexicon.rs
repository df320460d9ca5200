//! A small hand-written sentiment lexicon for business conversation.
//!
//! Valences run from -4 (very negative) to +4 (very positive), the scale
//! VADER uses, so the same normalization applies. The words were chosen for
//! sales and project calls, and ambiguous words ("like", "fine", "okay")
//! are left out on purpose.

/// Word valences, sorted by word so lookups can use binary search.
const VALENCES: &[(&str, f64)] = &[
    ("afraid", -1.8),
    ("agree", 1.4),
    ("amazing", 2.8),
    ("angry", -2.5),
    ("annoying", -2.0),
    ("appreciate", 1.8),
    ("awesome", 3.0),
    ("awful", -3.0),
    ("bad", -2.3),
    ("beautiful", 2.6),
    ("benefit", 1.6),
    ("best", 2.8),
    ("better", 1.7),
    ("blocked", -1.6),
    ("blocker", -1.8),
    ("bored", -1.5),
    ("boring", -1.5),
    ("broken", -2.2),
    ("bug", -1.4),
    ("buggy", -2.0),
    ("clear", 1.0),
    ("comfortable", 1.5),
    ("complicated", -1.2),
    ("concern", -1.3),
    ("concerned", -1.5),
    ("confused", -1.3),
    ("confusing", -1.5),
    ("cool", 1.3),
    ("costly", -1.4),
    ("crash", -2.0),
    ("delay", -1.4),
    ("delayed", -1.5),
    ("difficult", -1.5),
    ("disappointed", -2.2),
    ("disappointing", -2.2),
    ("easier", 1.3),
    ("easy", 1.5),
    ("effective", 1.6),
    ("efficient", 1.5),
    ("excellent", 3.0),
    ("excited", 2.2),
    ("exciting", 2.2),
    ("expensive", -1.5),
    ("fail", -2.3),
    ("failed", -2.3),
    ("failure", -2.5),
    ("fantastic", 3.0),
    ("fast", 1.0),
    ("frustrated", -2.1),
    ("frustrating", -2.1),
    ("fun", 2.0),
    ("glad", 2.0),
    ("good", 1.9),
    ("great", 3.1),
    ("happy", 2.7),
    ("hard", -0.8),
    ("hate", -2.7),
    ("helpful", 1.8),
    ("horrible", -3.0),
    ("impossible", -1.8),
    ("impressed", 2.1),
    ("impressive", 2.3),
    ("improve", 1.3),
    ("improved", 1.5),
    ("interested", 1.5),
    ("interesting", 1.6),
    ("issue", -1.0),
    ("issues", -1.0),
    ("love", 3.2),
    ("loved", 3.0),
    ("mess", -1.8),
    ("messy", -1.6),
    ("nervous", -1.4),
    ("painful", -2.0),
    ("perfect", 2.7),
    ("pleased", 2.2),
    ("poor", -2.1),
    ("positive", 1.6),
    ("pricey", -1.3),
    ("problem", -1.4),
    ("problems", -1.5),
    ("risk", -1.2),
    ("risky", -1.5),
    ("sad", -2.1),
    ("simple", 1.0),
    ("slow", -1.3),
    ("smooth", 1.4),
    ("solid", 1.4),
    ("sorry", -0.6),
    ("stuck", -1.5),
    ("success", 2.5),
    ("successful", 2.4),
    ("terrible", -3.0),
    ("thank", 1.5),
    ("thanks", 1.6),
    ("tricky", -0.9),
    ("ugly", -2.2),
    ("unfortunately", -1.6),
    ("unhappy", -2.2),
    ("upset", -2.0),
    ("useful", 1.7),
    ("useless", -2.3),
    ("valuable", 2.0),
    ("waste", -1.9),
    ("wonderful", 2.9),
    ("worried", -1.8),
    ("worry", -1.6),
    ("worse", -2.1),
    ("worst", -3.0),
    ("wrong", -2.1),
];

/// Words that flip the valence of a word up to three words after them.
const NEGATIONS: &[&str] = &[
    "aren't",
    "can't",
    "cannot",
    "couldn't",
    "didn't",
    "doesn't",
    "don't",
    "hardly",
    "isn't",
    "neither",
    "never",
    "no",
    "nobody",
    "nor",
    "not",
    "nothing",
    "shouldn't",
    "wasn't",
    "weren't",
    "without",
    "won't",
    "wouldn't",
];

/// Degree words and how much they add to (or, when negative, take from) the
/// size of the valence of the word after them.
const INTENSIFIERS: &[(&str, f64)] = &[
    ("absolutely", 0.3),
    ("barely", -0.3),
    ("completely", 0.3),
    ("extremely", 0.3),
    ("highly", 0.3),
    ("incredibly", 0.3),
    ("pretty", 0.15),
    ("quite", 0.15),
    ("really", 0.3),
    ("slightly", -0.3),
    ("so", 0.3),
    ("somewhat", -0.3),
    ("super", 0.3),
    ("too", 0.2),
    ("totally", 0.3),
    ("very", 0.3),
];

/// Returns the valence of a lowercase word, if the lexicon has it.
pub(super) fn valence(word: &str) -> Option<f64> {
    let index = VALENCES
        .binary_search_by(|(entry, _)| entry.cmp(&word))
        .ok()?;
    Some(VALENCES[index].1)
}

/// Returns `true` if a lowercase word negates what follows it.
pub(super) fn is_negation(word: &str) -> bool {
    NEGATIONS.binary_search(&word).is_ok()
}

/// Returns the boost of a lowercase degree word, if it is one.
pub(super) fn intensity(word: &str) -> Option<f64> {
    let index = INTENSIFIERS
        .binary_search_by(|(entry, _)| entry.cmp(&word))
        .ok()?;
    Some(INTENSIFIERS[index].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted() {
        assert!(VALENCES.windows(2).all(|pair| pair[0].0 < pair[1].0));
        assert!(NEGATIONS.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(INTENSIFIERS.windows(2).all(|pair| pair[0].0 < pair[1].0));
    }

    #[test]
    fn valences_in_range() {
        for (word, value) in VALENCES {
            assert!((-4.0..=4.0).contains(value), "{word} has {value}");
        }
    }

    #[test]
    fn lookups_find_entries() {
        assert_eq!(valence("great"), Some(3.1));
        assert_eq!(valence("like"), None);
        assert!(is_negation("don't"));
        assert!(!is_negation("do"));
        assert_eq!(intensity("very"), Some(0.3));
    }
}
