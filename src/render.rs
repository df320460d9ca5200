//! Human-readable insights for the terminal.

use std::io::{self, Write};

use functions::insights::Insights;

/// Writes the insights as sections of plain text.
///
/// # Errors
/// Errors of the writer.
pub fn write_insights(out: &mut impl Write, title: &str, insights: &Insights) -> io::Result<()> {
    writeln!(out, "{title}")?;
    writeln!(out, "{}", "=".repeat(title.chars().count().max(3)))?;
    writeln!(out)?;
    writeln!(out, "Summary")?;
    writeln!(out, "  {}", insights.summary)?;

    list(out, "Key points", insights.key_points.iter().cloned())?;

    let overall = &insights.sentiment.overall;
    writeln!(out)?;
    writeln!(
        out,
        "Sentiment: {} ({:+.2})",
        overall.label.as_str(),
        overall.score
    )?;
    for speaker in &insights.sentiment.by_speaker {
        writeln!(
            out,
            "  {}: {} ({:+.2})",
            speaker.speaker,
            speaker.label.as_str(),
            speaker.score
        )?;
    }

    let topics = insights
        .topics
        .iter()
        .map(|topic| format!("{} ({} mentions)", topic.name, topic.mentions));
    list(out, "Topics", topics)?;

    let actions = insights.action_items.iter().map(|item| {
        let owner = item.owner.as_deref().unwrap_or("unassigned");
        match &item.due_text {
            Some(due) => format!("{} — {owner}, {due}", item.description),
            None => format!("{} — {owner}", item.description),
        }
    });
    list(out, "Action items", actions)?;
    list(out, "Decisions", insights.decisions.iter().cloned())?;

    let questions = insights
        .questions
        .iter()
        .map(|question| match &question.asked_by {
            Some(speaker) => format!("{speaker}: {}", question.text),
            None => question.text.clone(),
        });
    list(out, "Questions", questions)?;

    let objections = insights.objections.iter().map(|objection| {
        format!(
            "[{}] {}",
            format!("{:?}", objection.category).to_lowercase(),
            objection.text
        )
    });
    list(out, "Objections", objections)?;
    list(out, "Risks", insights.risks.iter().cloned())?;

    writeln!(out)?;
    writeln!(out, "Talk metrics")?;
    writeln!(
        out,
        "  {:<28} {:>6} {:>7} {:>7} {:>10}",
        "speaker", "turns", "words", "share", "questions"
    )?;
    for metrics in &insights.talk_metrics {
        writeln!(
            out,
            "  {:<28} {:>6} {:>7} {:>6.1}% {:>10}",
            metrics.speaker,
            metrics.turns,
            metrics.words,
            metrics.talk_ratio * 100.0,
            metrics.questions_asked
        )?;
    }
    Ok(())
}

fn list(
    out: &mut impl Write,
    heading: &str,
    items: impl Iterator<Item = String>,
) -> io::Result<()> {
    let items: Vec<String> = items.collect();
    if items.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "{heading}")?;
    for item in items {
        writeln!(out, "  - {item}")?;
    }
    Ok(())
}
