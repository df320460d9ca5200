//! Action items: commitments and requests, with their owner and due date.

use functions::insights::{ActionItem, Evidence, OwnerSide};

use super::text::{Document, Sentence, find_at_word_start, lowercase, tidy_sentence};

/// Maximum number of action items reported. Items with a due date are kept first.
const MAX_ACTION_ITEMS: usize = 20;
/// How many words after a commitment phrase may come before its verb
/// ("I'll *quickly* send").
const VERB_WINDOW: usize = 3;

/// Owner of an action item, as implied by its commitment phrase.
#[derive(Clone, Copy)]
enum Owner {
    /// "I'll ...": the speaker.
    Speaker,
    /// "We need to ...", "action item: ...": no named owner.
    Team,
    /// "Can you ...": the next speaker, who is being asked.
    Listener,
}

/// Phrases that open a commitment, matched at word starts in lowercase text.
const PHRASES: &[(&str, Owner)] = &[
    ("i'll ", Owner::Speaker),
    ("i will ", Owner::Speaker),
    ("i'm going to ", Owner::Speaker),
    ("i am going to ", Owner::Speaker),
    ("i can ", Owner::Speaker),
    ("let me ", Owner::Speaker),
    ("we'll ", Owner::Team),
    ("we will ", Owner::Team),
    ("we need to ", Owner::Team),
    ("we have to ", Owner::Team),
    ("we should ", Owner::Team),
    ("let's ", Owner::Team),
    ("can you ", Owner::Listener),
    ("could you ", Owner::Listener),
    ("would you ", Owner::Listener),
    ("please ", Owner::Listener),
];

/// Verbs of work that turn a phrase such as "I'll" into a commitment, so
/// that "I'll be honest" is not an action item.
const ACTION_VERBS: &[&str] = &[
    "book",
    "bring",
    "build",
    "call",
    "check",
    "circulate",
    "confirm",
    "create",
    "design",
    "draft",
    "email",
    "file",
    "find",
    "finish",
    "fix",
    "follow",
    "forward",
    "get",
    "introduce",
    "invite",
    "loop",
    "look",
    "make",
    "organize",
    "prepare",
    "reach",
    "research",
    "review",
    "run",
    "schedule",
    "send",
    "set",
    "share",
    "sort",
    "test",
    "update",
    "work",
    "write",
];

/// Finds action items in transcript order. Questions count only as requests
/// ("Can you send it by Friday?"), and a sentence yields at most one item.
pub(super) fn find(document: &Document<'_>) -> Vec<ActionItem> {
    let mut items: Vec<(usize, ActionItem)> = Vec::new();
    for (index, sentence) in document.sentences.iter().enumerate() {
        let Some(owner) = commitment_owner(sentence) else {
            continue;
        };
        let speaker = match owner {
            Owner::Speaker => Some(document.speakers[sentence.speaker].clone()),
            Owner::Team => None,
            Owner::Listener => next_speaker(document, sentence),
        };
        let due_text = due_text(&sentence.text);
        items.push((
            index,
            ActionItem {
                description: tidy_sentence(&sentence.text),
                owner: speaker,
                // NOTE: which speaker is the rep is not known from the transcript alone.
                owner_side: OwnerSide::Unknown,
                due: due_text.as_deref().and_then(iso_date),
                due_text,
                evidence: Evidence {
                    quote: sentence.text.clone(),
                    at_s: sentence.at_s,
                },
            },
        ));
    }

    items.sort_by_key(|(index, item)| (item.due_text.is_none(), *index));
    items.truncate(MAX_ACTION_ITEMS);
    items.sort_by_key(|(index, _)| *index);
    items.into_iter().map(|(_, item)| item).collect()
}

fn commitment_owner(sentence: &Sentence) -> Option<Owner> {
    let lower = lowercase(&sentence.text);
    let is_question = lower.trim_end().ends_with('?');
    // An explicit "action item" label marks the sentence without any verb.
    if !is_question && find_at_word_start(&lower, "action item").is_some() {
        return Some(Owner::Team);
    }
    for &(phrase, owner) in PHRASES {
        if is_question && !matches!(owner, Owner::Listener) {
            continue;
        }
        let Some(start) = find_at_word_start(&lower, phrase) else {
            continue;
        };
        let after = &lower[start + phrase.len()..];
        let has_verb = after
            .split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .take(VERB_WINDOW)
            .any(|word| ACTION_VERBS.contains(&word));
        if has_verb {
            return Some(owner);
        }
    }
    None
}

/// Returns the speaker of the next turn, when it is someone else.
fn next_speaker(document: &Document<'_>, sentence: &Sentence) -> Option<String> {
    let next_turn = document.turns.get(sentence.turn + 1)?;
    let first = document.sentences.get(next_turn.start)?;
    (first.speaker != sentence.speaker).then(|| document.speakers[first.speaker].clone())
}

const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];
const RELATIVE_DAYS: &[&str] = &[
    "end of day",
    "end of the day",
    "end of the month",
    "end of the quarter",
    "end of the week",
    "end of month",
    "end of week",
    "eod",
    "next month",
    "next week",
    "this afternoon",
    "this week",
    "today",
    "tomorrow",
    "tonight",
];
/// Words that introduce a due date and belong in its text.
const DUE_PREFIXES: &[&str] = &["the ", "by ", "before ", "until ", "on ", "next ", "this "];

/// Finds the words that state when an item is due ("by Friday", "tomorrow",
/// "by 2024-06-03"), as written. The earliest such phrase wins.
pub(super) fn due_text(sentence: &str) -> Option<String> {
    // ASCII lowercasing keeps byte offsets, so matches index the original text.
    let lower = sentence.to_ascii_lowercase();
    let mut best: Option<(usize, usize)> = None;
    let anchors = WEEKDAYS.iter().chain(RELATIVE_DAYS);
    for anchor in anchors {
        if let Some(start) = find_at_word_start(&lower, anchor) {
            let end = start + anchor.len();
            let at_word_end = lower[end..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric());
            if at_word_end && best.is_none_or(|(best_start, _)| start < best_start) {
                best = Some((start, end));
            }
        }
    }
    if let Some((start, end)) = find_iso_date(&lower)
        && best.is_none_or(|(best_start, _)| start < best_start)
    {
        best = Some((start, end));
    }

    // Two rounds, so "by the end of the week" keeps both "by" and "the".
    let (mut start, end) = best?;
    for _ in 0..2 {
        if let Some(prefix) = DUE_PREFIXES
            .iter()
            .find(|prefix| lower[..start].ends_with(*prefix))
        {
            start -= prefix.len();
        }
    }
    Some(sentence[start..end].to_owned())
}

/// Byte range of the first `YYYY-MM-DD` date in the text.
fn find_iso_date(text: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(9)).find_map(|start| {
        let candidate = text.get(start..start + 10)?;
        iso_date(candidate).map(|_| (start, start + 10))
    })
}

/// Resolves a due text to an ISO date, when it contains one that exists in
/// the calendar. Relative dates ("by Friday") stay unresolved because the
/// transcript carries no call date.
fn iso_date(due_text: &str) -> Option<String> {
    let candidate = due_text.split_whitespace().last()?;
    let parts: Vec<&str> = candidate.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return None;
    };
    let digits = |part: &str, length: usize| {
        part.len() == length && part.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(year, 4) || !digits(month, 2) || !digits(day, 2) {
        return None;
    }
    let month = time::Month::try_from(month.parse::<u8>().ok()?).ok()?;
    let date = time::Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok()?;
    Some(date.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(input: &str) -> Vec<ActionItem> {
        let transcript = crate::transcript::parse(input, None).unwrap();
        find(&Document::new(&transcript))
    }

    #[test]
    fn owners_follow_the_phrase() {
        let found = items(
            "Ana: I'll send the proposal by Friday.\n\
             Bo: Can you share the security docs by 2025-03-14?\n\
             Ana: Sure. We need to schedule a call with IT.\n",
        );
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].owner.as_deref(), Some("Ana"));
        assert_eq!(found[0].due_text.as_deref(), Some("by Friday"));
        assert_eq!(found[0].due, None, "relative dates stay unresolved");
        assert_eq!(
            found[1].owner.as_deref(),
            Some("Ana"),
            "a request goes to the listener"
        );
        assert_eq!(found[1].due.as_deref(), Some("2025-03-14"));
        assert_eq!(found[2].owner, None);
        assert_eq!(
            found[2].evidence.quote,
            "We need to schedule a call with IT."
        );
    }

    #[test]
    fn explicit_label_needs_no_verb() {
        let found = items("Ana: Action item: pricing sheet for Bo.\nBo: Noted.\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].owner, None);
    }

    #[test]
    fn phrases_without_work_are_skipped() {
        let found = items("Ana: I'll be honest with you.\nBo: Could you hear me?\nAna: I will.\n");
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn due_text_forms() {
        let cases = [
            (
                "I'll send it by the end of the week.",
                Some("by the end of the week"),
            ),
            ("Let's meet next Tuesday.", Some("next Tuesday")),
            ("I can do that tomorrow morning.", Some("tomorrow")),
            ("We ship on 2025-02-30 maybe.", None),
            ("Send it whenever.", None),
            ("Saturdays are quiet.", None),
        ];
        for (sentence, expected) in cases {
            assert_eq!(due_text(sentence).as_deref(), expected, "{sentence:?}");
        }
    }
}
