//! Stopwords: words that never name a topic or carry a summary.

/// English function words, number words, and words that are frequent in
/// conversation but name no topic. Sorted, so lookups can use binary search.
#[rustfmt::skip]
pub(super) const STOPWORDS: &[&str] = &[
    "able", "about", "above", "actually", "after", "again", "against", "ago", "agree", "ahead",
    "all", "almost", "along", "already", "alright", "also", "although", "always", "among", "and",
    "another", "any", "anybody", "anyone", "anything", "anyway", "anyways", "are", "aren't",
    "around", "ask", "bad", "basically", "because", "been", "before", "being", "below", "best",
    "better", "between", "big", "bit", "both", "but", "call", "came", "can", "can't", "cannot",
    "cause", "certainly", "come", "coming", "cool", "could", "couldn't", "course", "definitely",
    "did", "didn't", "does", "doesn't", "doing", "don't", "done", "down", "during", "each", "easy",
    "eight", "eighteen", "eighty", "either", "eleven", "else", "enough", "especially", "even",
    "ever", "every", "everybody", "everyone", "everything", "exactly", "far", "few", "fifteen",
    "fifty", "fine", "first", "five", "for", "forty", "four", "fourteen", "from", "further", "get",
    "gets", "getting", "give", "go", "goes", "going", "gonna", "good", "gosh", "got", "gotta",
    "great", "guess", "guys", "had", "hadn't", "half", "has", "hasn't", "have", "haven't",
    "having", "he'd", "he'll", "he's", "hello", "her", "here", "here's", "hers", "herself", "hey",
    "him", "himself", "his", "hmm", "how", "how's", "huh", "hundred", "i'd", "i'll", "i'm", "i've",
    "idea", "into", "isn't", "it's", "its", "itself", "just", "keep", "kind", "kinda", "know",
    "last", "later", "least", "less", "let", "let's", "like", "little", "long", "look", "lot",
    "lots", "made", "make", "makes", "making", "many", "may", "maybe", "mean", "mhm", "might",
    "million", "mine", "minute", "minutes", "mm-hmm", "more", "most", "much", "must", "myself",
    "need", "needs", "never", "new", "next", "nice", "nine", "nineteen", "ninety", "nobody",
    "none", "nope", "nor", "not", "nothing", "now", "obviously", "off", "okay", "once", "one",
    "only", "onto", "ooh", "other", "others", "otherwise", "ought", "our", "ours", "ourselves",
    "out", "over", "own", "part", "people", "perhaps", "please", "point", "pretty", "probably",
    "put", "quite", "rather", "really", "remember", "right", "said", "same", "say", "saying",
    "says", "second", "see", "seem", "seems", "seven", "seventeen", "seventy", "shall", "she",
    "she'd", "she'll", "she's", "should", "shouldn't", "since", "six", "sixteen", "sixty", "some",
    "somebody", "someone", "something", "sometimes", "somewhat", "sorry", "sort", "sorta", "start",
    "still", "stuff", "such", "sure", "take", "talk", "talking", "tell", "ten", "than", "thank",
    "thanks", "that", "that's", "the", "their", "theirs", "them", "themselves", "then", "there",
    "there's", "these", "they", "they'd", "they'll", "they're", "they've", "thing", "things",
    "think", "thirteen", "thirty", "this", "those", "though", "thousand", "three", "through",
    "time", "today", "too", "towards", "try", "twelve", "twenty", "two", "uh-huh", "under",
    "until", "upon", "use", "used", "very", "wanna", "want", "wanted", "was", "wasn't", "way",
    "we'd", "we'll", "we're", "we've", "well", "went", "were", "weren't", "what", "what's",
    "whatever", "when", "where", "whether", "which", "while", "who", "who's", "whole", "whom",
    "whose", "why", "will", "with", "within", "without", "won't", "work", "would", "wouldn't",
    "wow", "yeah", "yep", "yes", "yet", "you", "you'd", "you'll", "you're", "you've", "your",
    "yours", "yourself", "zero",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopwords_are_sorted() {
        assert!(STOPWORDS.windows(2).all(|pair| pair[0] < pair[1]));
    }
}
