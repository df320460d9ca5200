//! Cue blocks shared by WebVTT and SRT: timings, voice tags and speakers.

use functions::domain::{Segment, Transcript};

use super::plain::split_speaker_prefix;
use super::{Format, TranscriptError, UNKNOWN_SPEAKER, collapse_whitespace};

/// One caption cue, before speakers are filled in.
#[derive(Debug)]
pub(super) struct Cue {
    pub(super) start: f64,
    pub(super) end: f64,
    pub(super) speaker: Option<String>,
    pub(super) text: String,
}

/// A run of non-blank lines, each with its 1-based line number.
pub(super) type Block<'a> = Vec<(usize, &'a str)>;

/// Splits the input into blocks separated by blank lines.
pub(super) fn blocks(input: &str) -> Vec<Block<'_>> {
    let mut blocks = Vec::new();
    let mut current: Block<'_> = Vec::new();
    for (index, line) in input.lines().enumerate() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                blocks.push(std::mem::take(&mut current));
            }
            continue;
        }
        current.push((index + 1, line.trim_end()));
    }
    if !current.is_empty() {
        blocks.push(current);
    }
    blocks
}

/// Reads the cue whose timing line is `block[timing_index]`; the lines after
/// it are the payload.
pub(super) fn read_cue(
    format: Format,
    block: &[(usize, &str)],
    timing_index: usize,
) -> Result<Cue, TranscriptError> {
    let (line_number, timing_line) = block[timing_index];
    let (start, end) = parse_timing(format, line_number, timing_line)?;
    let (speaker, text) = read_payload(&block[timing_index + 1..]);
    Ok(Cue {
        start,
        end,
        speaker,
        text,
    })
}

/// Parses a cue timing line such as `00:00:01.000 --> 00:00:04.000 align:start`
/// into start and end seconds. Accepts `.` or `,` before the milliseconds and
/// an omitted hours field.
pub(super) fn parse_timing(
    format: Format,
    line_number: usize,
    line: &str,
) -> Result<(f64, f64), TranscriptError> {
    let invalid = |reason: &str| TranscriptError::InvalidTiming {
        format,
        line: line_number,
        value: line.to_owned(),
        reason: reason.to_owned(),
    };
    let expected = "expected `00:00:01.000 --> 00:00:04.000` (hours optional)";

    let (left, right) = line.split_once("-->").ok_or_else(|| invalid(expected))?;
    let end_text = right.split_whitespace().next().unwrap_or_default();
    let start = parse_timestamp(left.trim()).ok_or_else(|| invalid(expected))?;
    let end = parse_timestamp(end_text).ok_or_else(|| invalid(expected))?;
    if end < start {
        return Err(invalid(
            "the end time is before the start time; swap or fix them",
        ));
    }
    Ok((start, end))
}

/// Parses `hh:mm:ss.mmm` or `mm:ss.mmm` (or with `,`) into seconds.
fn parse_timestamp(text: &str) -> Option<f64> {
    let normalized = text.replace(',', ".");
    let fields: Vec<&str> = normalized.split(':').collect();
    let (hours, minutes, seconds) = match fields.as_slice() {
        [hours, minutes, seconds] => (parse_whole(hours)?, parse_whole(minutes)?, *seconds),
        [minutes, seconds] => (0, parse_whole(minutes)?, *seconds),
        _ => return None,
    };
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let (whole, fraction) = seconds.split_once('.').unwrap_or((seconds, "0"));
    if !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let seconds: f64 = seconds.parse().ok()?;
    if minutes >= 60 || seconds >= 60.0 {
        return None;
    }
    Some(f64::from(hours) * 3600.0 + f64::from(minutes) * 60.0 + seconds)
}

fn parse_whole(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Reads the speaker and text of a cue payload: a `<v Speaker>` voice tag
/// first, then a `Speaker:` prefix. Other markup (`<i>`, `<c.x>`, inline
/// timestamps) is removed.
fn read_payload(lines: &[(usize, &str)]) -> (Option<String>, String) {
    let joined = lines
        .iter()
        .map(|(_, line)| line.trim())
        .collect::<Vec<_>>()
        .join(" ");

    let voice = voice_speaker(&joined);
    let text = collapse_whitespace(&strip_tags(&joined));
    if voice.is_some() {
        return (voice, text);
    }
    match split_speaker_prefix(&text) {
        Some((speaker, rest)) => (Some(speaker.to_owned()), rest.to_owned()),
        None => (None, text),
    }
}

/// The name in the first `<v Name>` or `<v.class Name>` tag, if any.
fn voice_speaker(text: &str) -> Option<String> {
    let start = text.find("<v")?;
    let tag = &text[start + 2..];
    if !tag.starts_with([' ', '.', '\t']) {
        return None;
    }
    let tag = &tag[..tag.find('>')?];
    let name = tag.split_once(char::is_whitespace)?.1.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

/// Removes `<...>` markup and decodes the few entities captions use.
fn strip_tags(text: &str) -> String {
    let mut output = String::with_capacity(text.len());
    let mut in_tag = false;
    for character in text.chars() {
        match character {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => output.push(character),
            _ => {}
        }
    }
    output
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
}

/// Builds segments from cues. A cue without a speaker keeps the speaker of the
/// cue before it, because captioners name a speaker only when it changes. Cues
/// before any named speaker get [`UNKNOWN_SPEAKER`]. Cues without text are dropped.
pub(super) fn into_transcript(cues: Vec<Cue>) -> Transcript {
    let mut segments = Vec::with_capacity(cues.len());
    let mut previous: Option<String> = None;
    for cue in cues {
        if let Some(speaker) = cue.speaker {
            previous = Some(speaker);
        }
        if cue.text.is_empty() {
            continue;
        }
        let speaker = previous
            .clone()
            .unwrap_or_else(|| UNKNOWN_SPEAKER.to_owned());
        segments.push(Segment {
            speaker,
            start: Some(cue.start),
            end: Some(cue.end),
            text: cue.text,
        });
    }
    Transcript { segments }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_forms() {
        assert_eq!(parse_timestamp("00:00:01.500"), Some(1.5));
        assert_eq!(parse_timestamp("01:02:03,250"), Some(3723.25));
        assert_eq!(parse_timestamp("02:03.000"), Some(123.0));
        assert_eq!(parse_timestamp("00:61:00.000"), None);
        assert_eq!(parse_timestamp("1.5"), None);
        assert_eq!(parse_timestamp("aa:bb.cc"), None);
        assert_eq!(parse_timestamp("00:01:-1.0"), None);
    }

    #[test]
    fn timing_line_with_settings() {
        let timing =
            parse_timing(Format::WebVtt, 3, "00:01.000 --> 00:04.250 align:start").unwrap();
        assert_eq!(timing, (1.0, 4.25));
    }

    #[test]
    fn timing_line_backwards_fails() {
        let error = parse_timing(Format::Srt, 7, "00:00:05,000 --> 00:00:04,000").unwrap_err();
        let message = error.to_string();
        assert!(message.contains("line 7"), "{message}");
        assert!(message.contains("before the start"), "{message}");
    }

    #[test]
    fn payload_voice_tag() {
        let lines = [(1, "<v.loud Ana Lima>Hello <i>there</i></v>")];
        let (speaker, text) = read_payload(&lines);
        assert_eq!(speaker.as_deref(), Some("Ana Lima"));
        assert_eq!(text, "Hello there");
    }

    #[test]
    fn payload_speaker_prefix() {
        let (speaker, text) = read_payload(&[(1, "Bo: we can"), (2, "start at 10:30")]);
        assert_eq!(speaker.as_deref(), Some("Bo"));
        assert_eq!(text, "we can start at 10:30");
    }

    #[test]
    fn cues_inherit_previous_speaker() {
        let cue = |speaker: Option<&str>, text: &str| Cue {
            start: 0.0,
            end: 1.0,
            speaker: speaker.map(str::to_owned),
            text: text.to_owned(),
        };
        let transcript = into_transcript(vec![
            cue(None, "hi"),
            cue(Some("Ana"), "one"),
            cue(None, "two"),
            cue(Some("Bo"), ""),
        ]);
        let speakers: Vec<&str> = transcript
            .segments
            .iter()
            .map(|s| s.speaker.as_str())
            .collect();
        assert_eq!(speakers, [UNKNOWN_SPEAKER, "Ana", "Ana"]);
    }
}
