//! The instructions and messages sent to the model.
//!
//! The fields are described in words as well as in the schema, because some
//! OpenAI-compatible servers (llama.cpp) only use the schema to constrain
//! sampling and never show it to the model.

use super::output::PartialInsights;
use super::validate::Violation;

/// Version of these prompts, stored with the insights. Raise it when a
/// change alters the output for the same transcript.
pub const PROMPT_VERSION: &str = "1";

/// System message of every request.
pub(super) const SYSTEM: &str = "\
You analyze transcripts of business calls and meetings and return one JSON object.
Fields:
- summary: two to five sentences on what the call was about and how it ended.
- key_points: the most important facts, each a short sentence.
- sentiment: overall and per speaker, a label (positive, neutral, negative, mixed) and a score from -1 to 1.
- topics: subjects discussed, with how many times each came up and the time it first did.
- action_items: commitments, each with a description, owner (speaker name or null), owner_side \
(rep, customer or unknown), due date as YYYY-MM-DD or null, the due wording or null, and a quote \
from the transcript with its time as evidence.
- next_steps, decisions, risks: short sentences.
- questions: questions asked, who asked, whether they were answered, and when.
- objections: concerns raised, with category (price, timing, authority, need, competition, other), \
who raised them, whether they were addressed, and when.
Times are seconds from the start of the call, taken from the [t=...] marks; use null when a line has no mark.
Use only what the transcript says, quote it exactly for evidence, and use empty arrays when there is nothing to report.";

/// User message asking for the analysis of one chunk.
pub(super) fn chunk_request(
    index: usize,
    count: usize,
    speakers: &[String],
    lines: &str,
) -> String {
    let part = if count > 1 {
        format!(
            "This is part {} of {count} of one call; analyze only this part.\n",
            index + 1
        )
    } else {
        String::new()
    };
    format!(
        "{part}Speakers: {}.\nTranscript:\n{lines}",
        speakers.join(", ")
    )
}

/// User message asking to combine the analyses of consecutive chunks.
pub(super) fn merge_request(speakers: &[String], partials: &[PartialInsights]) -> String {
    let analyses = serde_json::to_string_pretty(partials).unwrap_or_default();
    format!(
        "The call was analyzed in {count} consecutive parts. Combine the analyses below, in call \
         order, into one analysis of the whole call: write a summary of two to five sentences for \
         the whole call, keep every action item, question, objection, decision and risk (merge \
         only exact duplicates), add up the mentions of the same topic and keep its earliest time, \
         and give overall and per-speaker sentiment for the whole call.\n\
         Speakers: {speakers}.\nAnalyses:\n{analyses}",
        count = partials.len(),
        speakers = speakers.join(", "),
    )
}

/// Adds the reason a previous reply was rejected, so the next one can avoid it.
pub(super) fn with_correction(request: &str, violation: &Violation) -> String {
    format!(
        "{request}\n\nA previous answer to this request was rejected because {violation}. \
         Return one JSON object that follows the schema exactly."
    )
}
