//! Model output for one request and its checks: JSON syntax, the schema,
//! serde with `deny_unknown_fields`, then value ranges.

use serde_json::Value;

use super::validate::{Violation, validate};

pub use functions::chunked::PartialInsights;

/// A vendor's reply to one request.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelReply {
    /// Output as text that should be JSON (chat completion content).
    Text(String),
    /// Output already parsed by the vendor (a tool call's input).
    Json(Value),
    /// The model declined; the vendor's explanation.
    Refusal(String),
    /// The output stopped at the token limit, so its JSON is incomplete.
    Truncated(String),
}

/// Parses and checks a reply that is not a refusal.
///
/// # Errors
/// A [`Violation`] naming the first invalid field, or the root for
/// unparseable or truncated output.
pub fn parse_reply(reply: ModelReply, schema: &Value) -> Result<PartialInsights, Violation> {
    let root = |reason: String| Violation {
        path: String::new(),
        reason,
    };
    let value = match reply {
        ModelReply::Json(value) => value,
        ModelReply::Text(text) => serde_json::from_str(strip_wrapping(&text))
            .map_err(|error| root(format!("not valid JSON: {error}")))?,
        ModelReply::Truncated(detail) => return Err(root(format!("truncated: {detail}"))),
        ModelReply::Refusal(text) => return Err(root(format!("refused: {text}"))),
    };

    validate(schema, &value)?;
    let insights: PartialInsights = serde_json::from_value(value)
        .map_err(|error| root(format!("does not match the insights fields: {error}")))?;
    check_ranges(&insights)?;
    Ok(insights)
}

/// Removes a leading `<think>…</think>` block and a Markdown code fence,
/// which some local servers add around JSON even when asked for a schema.
fn strip_wrapping(text: &str) -> &str {
    let mut text = text.trim();
    if text.starts_with("<think>")
        && let Some(end) = text.find("</think>")
    {
        text = text[end + "</think>".len()..].trim();
    }
    if let Some(fenced) = text.strip_prefix("```") {
        let body = fenced.split_once('\n').map_or("", |(_, body)| body);
        text = body.trim_end().strip_suffix("```").unwrap_or(body).trim();
    }
    text
}

/// Checks the bounds the schema cannot state: scores in -1..=1, times
/// finite and not negative, a non-empty summary.
fn check_ranges(insights: &PartialInsights) -> Result<(), Violation> {
    let invalid = |path: String, reason: String| Err(Violation { path, reason });

    if insights.summary.trim().is_empty() {
        return invalid("summary".to_owned(), "is empty".to_owned());
    }
    let overall = insights.sentiment.overall.score;
    if !(-1.0..=1.0).contains(&overall) {
        return invalid(
            "sentiment.overall.score".to_owned(),
            format!("{overall} is outside -1..=1"),
        );
    }
    for (index, speaker) in insights.sentiment.by_speaker.iter().enumerate() {
        if !(-1.0..=1.0).contains(&speaker.score) {
            return invalid(
                format!("sentiment.by_speaker[{index}].score"),
                format!("{} is outside -1..=1", speaker.score),
            );
        }
    }

    let times = insights
        .topics
        .iter()
        .enumerate()
        .map(|(index, topic)| (format!("topics[{index}].first_at_s"), topic.first_at_s))
        .chain(
            insights
                .action_items
                .iter()
                .enumerate()
                .map(|(index, item)| {
                    (
                        format!("action_items[{index}].evidence.at_s"),
                        item.evidence.at_s,
                    )
                }),
        )
        .chain(
            insights
                .questions
                .iter()
                .enumerate()
                .map(|(index, question)| (format!("questions[{index}].at_s"), question.at_s)),
        )
        .chain(
            insights
                .objections
                .iter()
                .enumerate()
                .map(|(index, objection)| (format!("objections[{index}].at_s"), objection.at_s)),
        );
    for (path, seconds) in times {
        if let Some(seconds) = seconds
            && !(seconds.is_finite() && seconds >= 0.0)
        {
            return invalid(
                path,
                format!("{seconds} is not a time in seconds from the start"),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::schema::insights_schema;
    use super::*;

    fn sample() -> Value {
        json!({
            "summary": "The team chose a remote design.",
            "key_points": ["Remote design chosen"],
            "sentiment": {"overall": {"label": "positive", "score": 0.4},
                          "by_speaker": [{"speaker": "A", "label": "neutral", "score": 0.0}]},
            "topics": [{"name": "design", "mentions": 3, "first_at_s": 12.5}],
            "action_items": [{"description": "Send the spec", "owner": "A", "owner_side": "rep",
                              "due": null, "due_text": "next week",
                              "evidence": {"quote": "I will send the spec", "at_s": null}}],
            "next_steps": ["Meet again"],
            "decisions": ["Remote design"],
            "questions": [{"text": "Is it cheap?", "asked_by": "B", "answered": true, "at_s": 3.0}],
            "objections": [{"text": "Too pricey", "category": "price", "raised_by": "B",
                            "addressed": null, "at_s": null}],
            "risks": []
        })
    }

    #[test]
    fn sample_parses_and_round_trips() {
        let parsed = parse_reply(ModelReply::Json(sample()), &insights_schema()).unwrap();
        assert_eq!(serde_json::to_value(&parsed).unwrap(), sample());
    }

    #[test]
    fn fenced_text_parses() {
        let text = format!("<think>hmm</think>\n```json\n{}\n```", sample());
        assert!(parse_reply(ModelReply::Text(text), &insights_schema()).is_ok());
    }

    #[test]
    fn out_of_range_score_named() {
        let mut value = sample();
        value["sentiment"]["by_speaker"][0]["score"] = json!(1.5);
        let violation = parse_reply(ModelReply::Json(value), &insights_schema()).unwrap_err();
        assert_eq!(violation.path, "sentiment.by_speaker[0].score");
    }

    #[test]
    fn negative_time_named() {
        let mut value = sample();
        value["questions"][0]["at_s"] = json!(-2.0);
        let violation = parse_reply(ModelReply::Json(value), &insights_schema()).unwrap_err();
        assert_eq!(violation.path, "questions[0].at_s");
    }

    #[test]
    fn unknown_field_named() {
        let mut value = sample();
        value["topics"][0]["weight"] = json!(1);
        let violation = parse_reply(ModelReply::Json(value), &insights_schema()).unwrap_err();
        assert_eq!(violation.path, "topics[0]");
        assert_eq!(violation.reason, "unknown field `weight`");
    }

    #[test]
    fn invalid_json_reported() {
        let violation = parse_reply(
            ModelReply::Text("{\"summary\": ".to_owned()),
            &insights_schema(),
        )
        .unwrap_err();
        assert!(
            violation.reason.starts_with("not valid JSON"),
            "{violation}"
        );
    }
}
