//! Questions, objections, decisions, next steps and risks, found by phrase.

use functions::insights::{Objection, ObjectionCategory, Question};

use super::text::{Document, Sentence, contains_phrase, lowercase, tidy_sentence};

/// Maximum number of questions reported; the first ones in the call are kept. Per-speaker
/// question counts in the talk metrics cover all of them.
const MAX_QUESTIONS: usize = 30;
/// Maximum number of objections reported; the first ones are kept.
const MAX_OBJECTIONS: usize = 20;
/// Maximum number of decisions, next steps and risks reported, each.
const MAX_STATEMENTS: usize = 10;
/// Minimum number of words for a sentence ending in "?" to count as a question, so
/// that tags such as "Right?" do not.
const MIN_QUESTION_WORDS: usize = 3;
/// Minimum number of words for a decision, next step or risk, so that a bare
/// "Agreed." is not listed without what was agreed.
const MIN_STATEMENT_WORDS: usize = 4;

/// Objection phrases, checked in this order; the first category that
/// matches wins.
const OBJECTIONS: &[(ObjectionCategory, &[&str])] = &[
    (
        ObjectionCategory::Price,
        &[
            "too expensive",
            "expensive",
            "over budget",
            "over our budget",
            "out of our budget",
            "beyond our budget",
            "no budget",
            "tight budget",
            "budget is tight",
            "can't afford",
            "cannot afford",
            "costs too much",
            "cost too much",
            "too pricey",
            "pricey",
            "price is too high",
            "cheaper",
        ],
    ),
    (
        ObjectionCategory::Timing,
        &[
            "not right now",
            "not a priority",
            "next quarter",
            "next year",
            "bad time",
            "not the right time",
            "too busy",
            "no bandwidth",
            "not ready",
            "too soon",
        ],
    ),
    (
        ObjectionCategory::Authority,
        &[
            "need to check with",
            "have to check with",
            "need to talk to",
            "run it by",
            "run this by",
            "not my decision",
            "not my call",
            "sign off",
            "sign-off",
            "needs approval",
            "need approval",
            "procurement",
            "my boss",
        ],
    ),
    (
        ObjectionCategory::Need,
        &[
            "don't need",
            "do not need",
            "don't see the need",
            "not sure we need",
            "not a problem for us",
            "happy with what we have",
            "not convinced",
            "works fine for us",
        ],
    ),
    (
        ObjectionCategory::Competition,
        &[
            "already use",
            "already using",
            "currently use",
            "currently using",
            "competitor",
            "another vendor",
            "other vendor",
            "other vendors",
            "another tool",
            "alternative",
        ],
    ),
];

const DECISION_PHRASES: &[&str] = &[
    "we decided",
    "we've decided",
    "we have decided",
    "decided to",
    "decision is",
    "let's go with",
    "we'll go with",
    "we will go with",
    "we're going with",
    "we are going with",
    "go ahead with",
    "agreed",
    "we agree",
    "settled on",
    "final decision",
];
const UNDECIDED_PHRASES: &[&str] = &[
    "not decided",
    "haven't decided",
    "undecided",
    "not agreed",
    "n't agree",
    "not agree",
];
const NEXT_STEP_PHRASES: &[&str] = &[
    "next step",
    "follow up",
    "follow-up",
    "next meeting",
    "next call",
    "circle back",
    "reconvene",
    "get back to",
    "schedule",
    "set up a call",
    "set up a meeting",
    "send over",
];
const RISK_PHRASES: &[&str] = &[
    "risk",
    "concern",
    "worried",
    "worry",
    "blocker",
    "blocked",
    "bottleneck",
    "delay",
    "problem",
    "issue",
    "deadline",
    "might not",
    "may not",
    "won't work",
    "can't guarantee",
];
/// Phrases that deny a risk ("no problem"), which cancel a risk match.
const NO_RISK_PHRASES: &[&str] = &[
    "no problem",
    "not a problem",
    "no issue",
    "not an issue",
    "no risk",
    "no concern",
    "no worries",
    "not worried",
    "don't worry",
];

/// Returns `true` if a sentence is a question: it ends with "?" and has at least
/// three words.
pub(super) fn is_question(sentence: &Sentence) -> bool {
    let text = sentence.text.trim_end_matches(['"', '\'', ')', '”', '’']);
    text.ends_with('?') && sentence.tokens.len() >= MIN_QUESTION_WORDS
}

/// Returns `true` if another speaker replies right after a sentence: its turn is
/// followed by another turn, and at most one sentence of its own turn comes
/// after it (a question buried mid-monologue does not count as answered).
fn gets_reply(document: &Document<'_>, index: usize) -> bool {
    let sentence = &document.sentences[index];
    let has_next_turn = sentence.turn + 1 < document.turns.len();
    let turn_end = document.turns[sentence.turn].end;
    has_next_turn && turn_end - index <= 2
}

/// Lists the first thirty questions with who asked them and whether another
/// speaker replied.
pub(super) fn questions(document: &Document<'_>) -> Vec<Question> {
    document
        .sentences
        .iter()
        .enumerate()
        .filter(|(_, sentence)| is_question(sentence))
        .take(MAX_QUESTIONS)
        .map(|(index, sentence)| Question {
            text: sentence.text.clone(),
            asked_by: Some(document.speakers[sentence.speaker].clone()),
            answered: Some(gets_reply(document, index)),
            at_s: sentence.at_s,
        })
        .collect()
}

/// Lists objections by category, with who raised them and whether another
/// speaker replied.
pub(super) fn objections(document: &Document<'_>) -> Vec<Objection> {
    let mut found = Vec::new();
    for (index, sentence) in document.sentences.iter().enumerate() {
        let lower = lowercase(&sentence.text);
        let category = OBJECTIONS.iter().find_map(|(category, phrases)| {
            let matches = phrases.iter().any(|phrase| contains_phrase(&lower, phrase));
            matches.then_some(*category)
        });
        let Some(category) = category else {
            continue;
        };
        found.push(Objection {
            text: sentence.text.clone(),
            category,
            raised_by: Some(document.speakers[sentence.speaker].clone()),
            addressed: Some(gets_reply(document, index)),
            at_s: sentence.at_s,
        });
        if found.len() == MAX_OBJECTIONS {
            break;
        }
    }
    found
}

/// Lists statements that record a decision.
pub(super) fn decisions(document: &Document<'_>) -> Vec<String> {
    statements(document, DECISION_PHRASES, UNDECIDED_PHRASES)
}

/// Lists statements about what happens after the call.
pub(super) fn next_steps(document: &Document<'_>) -> Vec<String> {
    statements(document, NEXT_STEP_PHRASES, &[])
}

/// Lists statements that name a risk, concern or blocker.
pub(super) fn risks(document: &Document<'_>) -> Vec<String> {
    statements(document, RISK_PHRASES, NO_RISK_PHRASES)
}

/// Collects the first ten distinct non-question sentences of four or more
/// words that contain one of `phrases` and none of `exclusions`, tidied for
/// display.
fn statements(document: &Document<'_>, phrases: &[&str], exclusions: &[&str]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for sentence in &document.sentences {
        let too_short = sentence.tokens.len() < MIN_STATEMENT_WORDS;
        if too_short || sentence.text.trim_end().ends_with('?') {
            continue;
        }
        let lower = lowercase(&sentence.text);
        let matches = phrases.iter().any(|phrase| contains_phrase(&lower, phrase));
        let excluded = exclusions.iter().any(|phrase| lower.contains(phrase));
        let text = tidy_sentence(&sentence.text);
        if matches && !excluded && !found.contains(&text) {
            found.push(text);
        }
        if found.len() == MAX_STATEMENTS {
            break;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use functions::domain::Transcript;

    use super::*;

    fn document_of(input: &str) -> Transcript {
        crate::transcript::parse(input, None).unwrap()
    }

    #[test]
    fn questions_and_replies() {
        let transcript = document_of(
            "Ana: What is your budget? Also, right?\nBo: Around ten thousand.\n\
             Ana: Who signs the contract? Let me explain our plans first. \
             They come in three sizes. Any questions so far?\n",
        );
        let document = Document::new(&transcript);
        let found = questions(&document);
        let texts: Vec<&str> = found.iter().map(|q| q.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "What is your budget?",
                "Who signs the contract?",
                "Any questions so far?"
            ]
        );
        assert_eq!(found[0].asked_by.as_deref(), Some("Ana"));
        assert_eq!(found[0].answered, Some(true));
        assert_eq!(found[1].answered, Some(false), "buried mid-turn");
        assert_eq!(found[2].answered, Some(false), "last turn");
    }

    #[test]
    fn objections_by_category() {
        let transcript = document_of(
            "Bo: Honestly this is too expensive for us.\nAna: I see.\n\
             Bo: I need to check with my boss first.\nBo: We already use another tool.\n",
        );
        let document = Document::new(&transcript);
        let found = objections(&document);
        let categories: Vec<ObjectionCategory> = found.iter().map(|o| o.category).collect();
        assert_eq!(
            categories,
            [
                ObjectionCategory::Price,
                ObjectionCategory::Authority,
                ObjectionCategory::Competition
            ]
        );
        assert_eq!(found[0].raised_by.as_deref(), Some("Bo"));
        assert_eq!(found[0].addressed, Some(true));
        assert_eq!(found[2].addressed, Some(false));
    }

    #[test]
    fn decisions_skip_negated_and_bare() {
        let transcript = document_of(
            "Ana: Agreed.\nBo: We decided to start with the pilot.\n\
             Ana: We have not decided on pricing yet.\nBo: Should we go ahead with it?\n",
        );
        let document = Document::new(&transcript);
        assert_eq!(
            decisions(&document),
            ["We decided to start with the pilot."]
        );
    }

    #[test]
    fn risks_skip_denials() {
        let transcript = document_of(
            "Ana: No problem at all, we can do that.\n\
             Bo: My main concern is the migration deadline.\n",
        );
        let document = Document::new(&transcript);
        assert_eq!(
            risks(&document),
            ["My main concern is the migration deadline."]
        );
    }

    #[test]
    fn next_steps_found() {
        let transcript =
            document_of("Ana: The next step is a demo for your team.\nBo: Sounds good.\n");
        let document = Document::new(&transcript);
        assert_eq!(
            next_steps(&document),
            ["The next step is a demo for your team."]
        );
    }
}
