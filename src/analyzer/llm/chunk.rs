//! Splitting a transcript into consecutive chunks that each fit one request.
//!
//! The budget counts the characters of the rendered transcript lines, not
//! the prompt around them. At roughly 4 characters per English token this
//! estimates the tokens a chunk costs; it is an estimate, not a tokenizer.

pub use functions::chunked::Chunk;
use functions::domain::{Segment, Transcript};

/// Packs segments in order into chunks of at most `budget_chars` characters.
/// Every segment lands in exactly one chunk. A segment longer than the
/// budget gets a chunk of its own, which then exceeds the budget.
pub fn plan(transcript: &Transcript, budget_chars: usize) -> Vec<Chunk> {
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut current: Option<Chunk> = None;

    for (index, segment) in transcript.segments.iter().enumerate() {
        let chars = render_segment(segment).chars().count();
        current = match current {
            Some(mut chunk) if chunk.chars + chars <= budget_chars => {
                chunk.end = index + 1;
                chunk.chars += chars;
                Some(chunk)
            }
            previous => {
                chunks.extend(previous);
                Some(Chunk {
                    index: chunks.len(),
                    count: 0,
                    start: index,
                    end: index + 1,
                    chars,
                })
            }
        };
    }
    chunks.extend(current);

    let count = chunks.len();
    for chunk in &mut chunks {
        chunk.count = count;
    }
    chunks
}

/// Renders the segments as `[t=12.5] Speaker: text` lines; the time mark is
/// left out when the segment has no start time.
pub fn render(segments: &[Segment]) -> String {
    segments.iter().map(render_segment).collect()
}

fn render_segment(segment: &Segment) -> String {
    match segment.start {
        Some(start) => format!("[t={start:.1}] {}: {}\n", segment.speaker, segment.text),
        None => format!("{}: {}\n", segment.speaker, segment.text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transcript(texts: &[&str]) -> Transcript {
        Transcript {
            segments: texts
                .iter()
                .map(|text| Segment {
                    speaker: "A".to_owned(),
                    start: None,
                    end: None,
                    text: (*text).to_owned(),
                })
                .collect(),
        }
    }

    #[test]
    fn plan_packs_greedily() {
        // Each line is "A: " + text + "\n", so 10 characters for 6-character texts.
        let transcript = transcript(&["aaaaaa", "bbbbbb", "cccccc", "dddddd", "eeeeee"]);
        let chunks = plan(&transcript, 25);
        let ranges: Vec<(usize, usize)> = chunks
            .iter()
            .map(|chunk| (chunk.start, chunk.end))
            .collect();
        assert_eq!(ranges, [(0, 2), (2, 4), (4, 5)]);
        assert!(chunks.iter().all(|chunk| chunk.count == 3));
        assert_eq!(chunks[1].index, 1);
        assert_eq!(chunks[0].chars, 20);
    }

    #[test]
    fn oversized_segment_gets_own_chunk() {
        let transcript = transcript(&["a", &"x".repeat(100), "b"]);
        let chunks = plan(&transcript, 20);
        let ranges: Vec<(usize, usize)> = chunks
            .iter()
            .map(|chunk| (chunk.start, chunk.end))
            .collect();
        assert_eq!(ranges, [(0, 1), (1, 2), (2, 3)]);
    }

    #[test]
    fn empty_transcript_has_no_chunks() {
        assert!(plan(&Transcript::default(), 100).is_empty());
    }

    #[test]
    fn render_marks_start_times() {
        let segment = Segment {
            speaker: "Ana".to_owned(),
            start: Some(12.5),
            end: Some(13.0),
            text: "Hi.".to_owned(),
        };
        assert_eq!(render(&[segment]), "[t=12.5] Ana: Hi.\n");
    }
}
