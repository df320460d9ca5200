//! The vendor providers against local mock servers that speak each vendor's
//! request and response formats: settings, the `openai` and `anthropic`
//! analyzers, the `local`, `openai` and `deepgram` transcribers, error
//! classification, and chunking of long transcripts.

#[path = "support/vendors.rs"]
mod mock;

use std::collections::HashMap;
use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use call_insights::analyzer::{self, llm};
use call_insights::providers::{AnalyzerChoice, ProviderSettings, TranscriberChoice};
use call_insights::{transcriber, transcript};
use functions::domain::Transcript;
use functions::ports::{Analyzer, MediaSource, ProviderError, Transcriber};
use mock::{Dialect, MockVendor, Reply};
use serde_json::{Value, json};

const OPENAI_KEY: &str = "sk-test-openai-4f1c9a77e2";
const ANTHROPIC_KEY: &str = "sk-ant-test-8d2b6e10c4";
const DEEPGRAM_KEY: &str = "dg-test-1a7e3f90b5";

/// A timeout far below the mock's delay, so the timeout tests finish quickly.
const SHORT_TIMEOUT: Duration = Duration::from_millis(300);
/// How long a mock waits before replying in the timeout tests.
const SLOW_REPLY: Duration = Duration::from_secs(10);

const SHORT_CALL: &str = "\
Ana: Thanks for joining. What budget do you have for the rollout?
Bo: About ten thousand euros, but the price you quoted feels high.
Ana: I will send a revised quote by Friday.
Bo: Great, then we can decide next week.
";

fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

fn settings(pairs: &[(&str, &str)]) -> ProviderSettings {
    ProviderSettings::from_lookup(lookup(pairs)).unwrap()
}

fn short_call() -> Transcript {
    transcript::parse(SHORT_CALL, None).unwrap()
}

fn meeting(name: &str) -> Transcript {
    let path = format!(
        "{}/tests/data/qmsum-product/val/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    transcript::parse(&std::fs::read_to_string(path).unwrap(), None).unwrap()
}

/// The Display and Debug of an error and all its sources.
fn full_text(error: &ProviderError) -> String {
    let mut text = format!("{error} | {error:?}");
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(" | {cause} | {cause:?}"));
        source = cause.source();
    }
    text
}

fn assert_retryable(error: &ProviderError, expected_delay: Option<Duration>) {
    match error {
        ProviderError::Retryable { retry_after, .. } => {
            assert_eq!(*retry_after, expected_delay, "{error}")
        }
        ProviderError::Permanent { .. } => {
            panic!("expected a retryable error, got permanent: {error}")
        }
    }
}

fn assert_permanent(error: &ProviderError, expected_text: &str) {
    assert!(
        matches!(error, ProviderError::Permanent { .. }),
        "expected permanent, got {error:?}"
    );
    assert!(
        error.to_string().contains(expected_text),
        "{error} should contain {expected_text:?}"
    );
}

// ---------------------------------------------------------------- analyzers

/// The two LLM vendors, so each analyzer test runs against both.
#[derive(Debug, Clone, Copy)]
enum Llm {
    OpenAi,
    Anthropic,
}

const LLMS: [Llm; 2] = [Llm::OpenAi, Llm::Anthropic];

impl Llm {
    fn dialect(self) -> Dialect {
        match self {
            Self::OpenAi => Dialect::OpenAiChat,
            Self::Anthropic => Dialect::AnthropicMessages,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Self::OpenAi => OPENAI_KEY,
            Self::Anthropic => ANTHROPIC_KEY,
        }
    }

    fn success(self, insights: &Value) -> Reply {
        match self {
            Self::OpenAi => mock::openai_chat(&insights.to_string(), "stop"),
            Self::Anthropic => mock::anthropic_tool(insights),
        }
    }

    fn refusal(self, text: &str) -> Reply {
        match self {
            Self::OpenAi => mock::openai_refusal(text),
            Self::Anthropic => mock::anthropic_refusal(text),
        }
    }

    fn error(self, status: u16, kind: &str, code: Option<&str>, message: &str) -> Reply {
        match self {
            Self::OpenAi => Reply::json(status, &mock::openai_error_body(message, kind, code)),
            Self::Anthropic => Reply::json(status, &mock::anthropic_error_body(kind, message)),
        }
    }

    /// The vendor's body for an exhausted quota or credit balance.
    fn quota_exhausted(self) -> Reply {
        match self {
            Self::OpenAi => self.error(
                429,
                "insufficient_quota",
                Some("insufficient_quota"),
                "You exceeded your current quota, please check your plan and billing details.",
            ),
            Self::Anthropic => self.error(
                402,
                "billing_error",
                None,
                "Your credit balance is too low to access the Anthropic API.",
            ),
        }
    }

    fn settings(self, mock: &MockVendor, extra: &[(&str, &str)]) -> ProviderSettings {
        let mut pairs = match self {
            Self::OpenAi => vec![
                ("ANALYZER", "openai"),
                ("OPENAI_BASE_URL", mock.base_url.as_str()),
                ("OPENAI_API_KEY", OPENAI_KEY),
            ],
            Self::Anthropic => vec![
                ("ANALYZER", "anthropic"),
                ("ANTHROPIC_BASE_URL", mock.base_url.as_str()),
                ("ANTHROPIC_API_KEY", ANTHROPIC_KEY),
            ],
        };
        pairs.extend_from_slice(extra);
        settings(&pairs)
    }

    async fn start(self, replies: Vec<Reply>) -> MockVendor {
        MockVendor::start(self.dialect(), Some(self.key()), replies).await
    }

    fn analyzer(self, mock: &MockVendor) -> Arc<dyn Analyzer> {
        analyzer::build(&self.settings(mock, &[])).unwrap()
    }

    /// The transcript text a request sent to the model.
    fn user_message(self, request: &mock::Received) -> String {
        let body = request.json();
        let message = match self {
            Self::OpenAi => &body["messages"][1]["content"],
            Self::Anthropic => &body["messages"][0]["content"],
        };
        message.as_str().unwrap().to_owned()
    }

    /// The output schema a request sent.
    fn schema(self, request: &mock::Received) -> Value {
        let body = request.json();
        match self {
            Self::OpenAi => body["response_format"]["json_schema"]["schema"].clone(),
            Self::Anthropic => body["tools"][0]["input_schema"].clone(),
        }
    }
}

#[tokio::test]
async fn analyzers_return_model_insights() {
    for llm in LLMS {
        let mock = llm.start(vec![llm.success(&mock::valid_insights())]).await;
        let transcript = short_call();

        let insights = llm.analyzer(&mock).analyze(&transcript).await.unwrap();

        assert_eq!(
            insights.summary,
            mock::valid_insights()["summary"],
            "{llm:?}"
        );
        assert_eq!(insights.analyzer.name, format!("{llm:?}").to_lowercase());
        assert_eq!(insights.schema_version, functions::insights::SCHEMA_VERSION);
        let heuristic = analyzer::HeuristicAnalyzer::new()
            .analyze_transcript(&transcript)
            .unwrap();
        assert_eq!(
            insights.talk_metrics, heuristic.talk_metrics,
            "{llm:?}: metrics come from the transcript"
        );

        let received = mock.received();
        assert_eq!(received.len(), 1, "{llm:?}");
        assert!(
            llm.user_message(&received[0])
                .contains("I will send a revised quote by Friday.")
        );
        assert_eq!(llm.schema(&received[0]), llm::insights_schema(), "{llm:?}");
    }
}

#[tokio::test]
async fn openai_request_has_strict_schema_and_model() {
    let mock = Llm::OpenAi
        .start(vec![Llm::OpenAi.success(&mock::valid_insights())])
        .await;
    let settings = Llm::OpenAi.settings(&mock, &[("ANALYZER_MODEL", "llama3.1:8b")]);
    let insights = analyzer::build(&settings)
        .unwrap()
        .analyze(&short_call())
        .await
        .unwrap();

    let request = &mock.received()[0];
    assert_eq!(request.path, "/v1/chat/completions");
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {OPENAI_KEY}").as_str())
    );
    let body = request.json();
    assert_eq!(body["model"], "llama3.1:8b");
    assert_eq!(body["response_format"]["type"], "json_schema");
    assert_eq!(body["response_format"]["json_schema"]["strict"], true);
    assert_eq!(
        body["response_format"]["json_schema"]["name"],
        llm::SCHEMA_NAME
    );
    assert_eq!(insights.analyzer.model.as_deref(), Some("llama3.1:8b"));
}

#[tokio::test]
async fn openai_base_with_v1_and_no_key() {
    let mock = MockVendor::start(
        Dialect::OpenAiChat,
        None,
        vec![Llm::OpenAi.success(&mock::valid_insights())],
    )
    .await;
    let base = format!("{}/v1/", mock.base_url);
    let settings = settings(&[("ANALYZER", "openai"), ("OPENAI_BASE_URL", &base)]);
    analyzer::build(&settings)
        .unwrap()
        .analyze(&short_call())
        .await
        .unwrap();

    let request = &mock.received()[0];
    assert_eq!(request.path, "/v1/chat/completions");
    assert_eq!(request.header("authorization"), None);
}

#[tokio::test]
async fn anthropic_request_forces_tool() {
    let mock = Llm::Anthropic
        .start(vec![Llm::Anthropic.success(&mock::valid_insights())])
        .await;
    let insights = Llm::Anthropic
        .analyzer(&mock)
        .analyze(&short_call())
        .await
        .unwrap();

    let request = &mock.received()[0];
    assert_eq!(request.path, "/v1/messages");
    assert_eq!(request.header("x-api-key"), Some(ANTHROPIC_KEY));
    assert_eq!(request.header("anthropic-version"), Some("2023-06-01"));
    let body = request.json();
    assert_eq!(
        body["model"],
        call_insights::providers::ANTHROPIC_DEFAULT_MODEL
    );
    assert_eq!(
        body["tool_choice"],
        json!({"type": "tool", "name": "record_insights"})
    );
    assert!(body["max_tokens"].as_u64().unwrap() > 0);
    assert_eq!(
        insights.analyzer.model.as_deref(),
        Some(call_insights::providers::ANTHROPIC_DEFAULT_MODEL)
    );
}

#[tokio::test]
async fn analyzers_retry_after_429() {
    for llm in LLMS {
        let reply = llm
            .error(
                429,
                "rate_limit_error",
                Some("rate_limit_exceeded"),
                "Rate limit reached for requests",
            )
            .with_header("retry-after", "7");
        let mock = llm.start(vec![reply]).await;
        let error = llm
            .analyzer(&mock)
            .analyze(&short_call())
            .await
            .unwrap_err();
        assert_retryable(&error, Some(Duration::from_secs(7)));
        assert!(error.to_string().contains("Rate limit reached"), "{error}");
    }
}

#[tokio::test]
async fn analyzers_retry_server_errors() {
    for llm in LLMS {
        let mock = llm
            .start(vec![llm.error(
                500,
                "api_error",
                None,
                "Internal server error",
            )])
            .await;
        let error = llm
            .analyzer(&mock)
            .analyze(&short_call())
            .await
            .unwrap_err();
        assert_retryable(&error, None);
        assert!(error.to_string().contains("HTTP 500"), "{error}");
    }
}

#[tokio::test]
async fn anthropic_overloaded_is_retryable() {
    let reply = Llm::Anthropic.error(529, "overloaded_error", None, "Overloaded");
    let mock = Llm::Anthropic.start(vec![reply]).await;
    let error = Llm::Anthropic
        .analyzer(&mock)
        .analyze(&short_call())
        .await
        .unwrap_err();
    assert_retryable(&error, None);
    assert!(error.to_string().contains("overloaded"), "{error}");
}

#[tokio::test]
async fn analyzers_time_out_retryably() {
    for llm in LLMS {
        let mock = llm
            .start(vec![
                llm.success(&mock::valid_insights()).delayed(SLOW_REPLY),
            ])
            .await;
        let mut settings = llm.settings(&mock, &[]);
        settings.timeout = SHORT_TIMEOUT;
        let error = analyzer::build(&settings)
            .unwrap()
            .analyze(&short_call())
            .await
            .unwrap_err();
        assert_retryable(&error, None);
        assert!(error.to_string().contains("timed out"), "{error}");
    }
}

#[tokio::test]
async fn malformed_body_is_retryable() {
    for llm in LLMS {
        let mock = llm
            .start(vec![Reply::text(200, "<html>upstream proxy error</html>")])
            .await;
        let error = llm
            .analyzer(&mock)
            .analyze(&short_call())
            .await
            .unwrap_err();
        assert_retryable(&error, None);
        assert!(
            error.to_string().contains("not in its documented format"),
            "{error}"
        );
        assert_eq!(
            mock.received().len(),
            1,
            "{llm:?}: a malformed body is left to the step retry"
        );
    }
}

#[tokio::test]
async fn refusal_is_permanent_with_text() {
    for llm in LLMS {
        let mock = llm
            .start(vec![
                llm.refusal("I can't help with analyzing this conversation."),
            ])
            .await;
        let error = llm
            .analyzer(&mock)
            .analyze(&short_call())
            .await
            .unwrap_err();
        assert_permanent(&error, "I can't help with analyzing this conversation.");
        assert_eq!(
            mock.received().len(),
            1,
            "{llm:?}: a refusal is not re-requested"
        );
    }
}

#[tokio::test]
async fn invalid_output_rerequested_then_permanent() {
    for llm in LLMS {
        let mut invalid = mock::valid_insights();
        invalid["sentiment"]["overall"]["score"] = json!(1.7);
        let mock = llm.start(vec![llm.success(&invalid)]).await;
        let settings = llm.settings(&mock, &[("LLM_MAX_OUTPUT_RETRIES", "2")]);

        let error = analyzer::build(&settings)
            .unwrap()
            .analyze(&short_call())
            .await
            .unwrap_err();

        assert_permanent(&error, "sentiment.overall.score");
        assert!(error.to_string().contains("3 times"), "{error}");
        let received = mock.received();
        assert_eq!(
            received.len(),
            3,
            "{llm:?}: one request and two re-requests"
        );
        assert!(!llm.user_message(&received[0]).contains("rejected because"));
        assert!(
            llm.user_message(&received[1])
                .contains("sentiment.overall.score: 1.7 is outside -1..=1")
        );
    }
}

#[tokio::test]
async fn invalid_output_then_valid_succeeds() {
    for llm in LLMS {
        let mut invalid = mock::valid_insights();
        invalid["risks"] = json!("none");
        let mock = llm
            .start(vec![
                llm.success(&invalid),
                llm.success(&mock::valid_insights()),
            ])
            .await;
        let insights = llm.analyzer(&mock).analyze(&short_call()).await.unwrap();
        assert_eq!(insights.risks, ["The budget may be too small"], "{llm:?}");
        assert_eq!(mock.received().len(), 2, "{llm:?}");
    }
}

#[tokio::test]
async fn openai_output_not_json_rerequested() {
    let mock = Llm::OpenAi
        .start(vec![mock::openai_chat(
            "Here are the insights: none",
            "stop",
        )])
        .await;
    let settings = Llm::OpenAi.settings(&mock, &[("LLM_MAX_OUTPUT_RETRIES", "1")]);
    let error = analyzer::build(&settings)
        .unwrap()
        .analyze(&short_call())
        .await
        .unwrap_err();
    assert_permanent(&error, "not valid JSON");
    assert_eq!(mock.received().len(), 2);
}

#[tokio::test]
async fn unknown_model_is_permanent() {
    for llm in LLMS {
        let message = "The model `gpt-9-ultra` does not exist or you do not have access to it.";
        let mock = llm
            .start(vec![llm.error(
                404,
                "not_found_error",
                Some("model_not_found"),
                message,
            )])
            .await;
        let error = llm
            .analyzer(&mock)
            .analyze(&short_call())
            .await
            .unwrap_err();
        assert_permanent(&error, message);
        assert!(error.to_string().contains("ANALYZER_MODEL"), "{error}");
    }
}

#[tokio::test]
async fn exhausted_quota_is_permanent() {
    for llm in LLMS {
        let mock = llm
            .start(vec![llm.quota_exhausted().with_header("retry-after", "20")])
            .await;
        let error = llm
            .analyzer(&mock)
            .analyze(&short_call())
            .await
            .unwrap_err();
        assert_permanent(&error, "quota or credit is exhausted");
    }
}

#[tokio::test]
async fn invalid_key_is_permanent() {
    for llm in LLMS {
        let mock = llm.start(vec![llm.success(&mock::valid_insights())]).await;
        let mut settings = llm.settings(&mock, &[]);
        let wrong = call_insights::providers::ApiKey::new("wrong-key");
        settings.openai.api_key = Some(wrong.clone());
        settings.anthropic.api_key = Some(wrong);
        let error = analyzer::build(&settings)
            .unwrap()
            .analyze(&short_call())
            .await
            .unwrap_err();
        assert_permanent(&error, "rejected the credentials (HTTP 401)");
        assert!(
            mock.received().is_empty(),
            "the mock rejects before recording"
        );
    }
}

// ------------------------------------------------------------------ secrets

#[tokio::test]
async fn api_keys_never_in_errors() {
    let echo = format!(
        "Incorrect API key provided: {OPENAI_KEY}. You can find your API key at the dashboard."
    );
    let openai = MockVendor::start(
        Dialect::OpenAiChat,
        None,
        vec![Reply::json(
            401,
            &mock::openai_error_body(&echo, "invalid_request_error", Some("invalid_api_key")),
        )],
    )
    .await;
    let anthropic_echo = format!("invalid x-api-key {ANTHROPIC_KEY}");
    let anthropic = MockVendor::start(
        Dialect::AnthropicMessages,
        None,
        vec![Reply::json(
            401,
            &mock::anthropic_error_body("authentication_error", &anthropic_echo),
        )],
    )
    .await;
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let deepgram_base = format!("http://user:{DEEPGRAM_KEY}@127.0.0.1:{closed_port}");

    let keys = [
        ("OPENAI_API_KEY", OPENAI_KEY),
        ("ANTHROPIC_API_KEY", ANTHROPIC_KEY),
        ("DEEPGRAM_API_KEY", DEEPGRAM_KEY),
    ];
    let with = |extra: &[(&str, &str)]| {
        let mut pairs = keys.to_vec();
        pairs.extend_from_slice(extra);
        settings(&pairs)
    };

    let mut errors = Vec::new();
    let openai_settings = with(&[
        ("ANALYZER", "openai"),
        ("OPENAI_BASE_URL", &openai.base_url),
    ]);
    errors.push(
        analyzer::build(&openai_settings)
            .unwrap()
            .analyze(&short_call())
            .await
            .unwrap_err(),
    );
    let anthropic_settings = with(&[
        ("ANALYZER", "anthropic"),
        ("ANTHROPIC_BASE_URL", &anthropic.base_url),
    ]);
    errors.push(
        analyzer::build(&anthropic_settings)
            .unwrap()
            .analyze(&short_call())
            .await
            .unwrap_err(),
    );
    let deepgram_settings = with(&[
        ("TRANSCRIBER", "deepgram"),
        ("DEEPGRAM_BASE_URL", &deepgram_base),
    ]);
    let source = MediaSource {
        recording_url: Some(format!("https://cdn.example/call.mp3?token={DEEPGRAM_KEY}")),
        ..MediaSource::default()
    };
    errors.push(
        transcriber::build(&deepgram_settings)
            .unwrap()
            .transcribe(&source)
            .await
            .unwrap_err(),
    );

    assert_eq!(errors.len(), 3);
    for error in &errors {
        let text = full_text(error);
        for (_, key) in keys {
            assert!(!text.contains(key), "key {key} leaked in: {text}");
        }
    }
    assert!(
        errors[0].to_string().contains("[REDACTED]"),
        "{}",
        errors[0]
    );
    assert_retryable(&errors[2], None);

    let debug = format!("{openai_settings:?}");
    for (_, key) in keys {
        assert!(!debug.contains(key), "settings Debug shows {key}: {debug}");
    }
}

// ----------------------------------------------------------------- chunking

#[test]
fn meeting_chunks_cover_every_segment_once() {
    let transcript = meeting("ES2006a");
    let budget = 5_000;
    let chunks = llm::plan(&transcript, budget);
    let total_chars = llm::render(&transcript.segments).chars().count();

    assert_eq!(transcript.segments.len(), 242);
    assert_eq!(chunks.len(), 4);
    assert!(
        chunks.len() >= total_chars.div_ceil(budget),
        "{total_chars} characters"
    );
    let mut owners = vec![0usize; transcript.segments.len()];
    for (position, chunk) in chunks.iter().enumerate() {
        assert_eq!(chunk.index, position);
        assert_eq!(chunk.count, chunks.len());
        assert!(chunk.start < chunk.end, "chunk {position} is empty");
        let single = chunk.end - chunk.start == 1;
        assert!(
            chunk.chars <= budget || single,
            "chunk {position} has {} characters",
            chunk.chars
        );
        assert_eq!(
            chunk.chars,
            llm::render(chunk.segments(&transcript)).chars().count()
        );
        for owner in &mut owners[chunk.start..chunk.end] {
            *owner += 1;
        }
        if let Some(next) = chunks.get(position + 1) {
            let next_first = llm::render(&transcript.segments[next.start..next.start + 1])
                .chars()
                .count();
            assert!(
                chunk.chars + next_first > budget,
                "chunk {position} could have taken one more segment"
            );
        }
    }
    assert!(
        owners.iter().all(|&count| count == 1),
        "every segment in exactly one chunk"
    );
}

#[tokio::test]
async fn long_meeting_analyzed_per_chunk_then_merged() {
    let transcript = meeting("ES2006a");
    let mock = Llm::OpenAi
        .start(vec![Llm::OpenAi.success(&mock::valid_insights())])
        .await;
    let settings = Llm::OpenAi.settings(&mock, &[("ANALYZER_CHUNK_CHARS", "5000")]);
    let chunked = analyzer::build_chunked(&settings)
        .unwrap()
        .expect("openai analyzer is chunked");

    let chunks = chunked.plan(&transcript);
    assert_eq!(chunks.len(), 4);
    let mut partials = Vec::new();
    for chunk in &chunks {
        partials.push(chunked.analyze_chunk(&transcript, chunk).await.unwrap());
    }
    let insights = chunked.merge(&transcript, partials).await.unwrap();

    let received = mock.received();
    assert_eq!(
        received.len(),
        chunks.len() + 1,
        "one request per chunk and one merge"
    );
    for (chunk, request) in chunks.iter().zip(&received) {
        let message = Llm::OpenAi.user_message(request);
        assert!(
            message.contains(&format!("part {} of 4", chunk.index + 1)),
            "{message}"
        );
        let segments = chunk.segments(&transcript);
        assert!(message.contains(&segments[0].text));
        assert!(message.contains(&segments[segments.len() - 1].text));
    }
    let merge = Llm::OpenAi.user_message(&received[chunks.len()]);
    assert!(merge.contains("analyzed in 4 consecutive parts"), "{merge}");
    assert!(
        merge.contains("Send the minutes"),
        "the merge request carries the chunk results"
    );
    assert_eq!(insights.talk_metrics.len(), transcript.speakers().len());

    let whole = analyzer::build(&settings)
        .unwrap()
        .analyze(&transcript)
        .await
        .unwrap();
    assert_eq!(
        whole, insights,
        "analyze runs the same plan, chunks and merge"
    );
}

// -------------------------------------------------------------- transcribers

fn recording_file(dir: &tempfile::TempDir) -> String {
    let path = dir.path().join("call.wav");
    std::fs::write(&path, b"RIFF0000WAVEfmt fake audio bytes").unwrap();
    path.display().to_string()
}

fn transcriber_settings(kind: &str, mock: &MockVendor) -> ProviderSettings {
    match kind {
        "openai" => settings(&[
            ("TRANSCRIBER", "openai"),
            ("OPENAI_BASE_URL", &mock.base_url),
            ("OPENAI_API_KEY", OPENAI_KEY),
        ]),
        _ => settings(&[
            ("TRANSCRIBER", "deepgram"),
            ("DEEPGRAM_BASE_URL", &mock.base_url),
            ("DEEPGRAM_API_KEY", DEEPGRAM_KEY),
        ]),
    }
}

#[tokio::test]
async fn openai_transcriber_uploads_multipart() {
    let dir = tempfile::tempdir().unwrap();
    let reply = mock::whisper_verbose(&[
        (0.0, 4.2, "Hello, thanks for joining."),
        (4.2, 9.5, "Happy to be here."),
    ]);
    let mock = MockVendor::start(Dialect::OpenAiAudio, Some(OPENAI_KEY), vec![reply]).await;
    let source = MediaSource {
        recording_url: Some(recording_file(&dir)),
        ..MediaSource::default()
    };

    let transcript = transcriber::build(&transcriber_settings("openai", &mock))
        .unwrap()
        .transcribe(&source)
        .await
        .unwrap();

    assert_eq!(transcript.segments.len(), 2);
    assert_eq!(transcript.segments[0].speaker, "Speaker 1");
    assert_eq!(transcript.segments[0].text, "Hello, thanks for joining.");
    assert_eq!(
        (transcript.segments[1].start, transcript.segments[1].end),
        (Some(4.2), Some(9.5))
    );

    let request = &mock.received()[0];
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {OPENAI_KEY}").as_str())
    );
    let form = request.form();
    let field = |name: &str| form.iter().find(|part| part.name == name).unwrap();
    assert_eq!(field("file").file_name.as_deref(), Some("call.wav"));
    assert_eq!(field("file").content_type.as_deref(), Some("audio/wav"));
    assert_eq!(field("file").data, b"RIFF0000WAVEfmt fake audio bytes");
    assert_eq!(field("model").data, b"whisper-1");
    assert_eq!(field("response_format").data, b"verbose_json");
}

#[tokio::test]
async fn deepgram_sends_url_as_json() {
    let reply = mock::deepgram_listen(&[
        (0, 0.0, 3.1, "Hi, this is Ana."),
        (1, 3.4, 6.0, "Hello Ana, Bo here."),
    ]);
    let mock = MockVendor::start(Dialect::Deepgram, Some(DEEPGRAM_KEY), vec![reply]).await;
    let source = MediaSource {
        recording_url: Some("https://cdn.example/calls/42.mp3".to_owned()),
        ..MediaSource::default()
    };

    let transcript = transcriber::build(&transcriber_settings("deepgram", &mock))
        .unwrap()
        .transcribe(&source)
        .await
        .unwrap();

    assert_eq!(transcript.speakers(), ["Speaker 1", "Speaker 2"]);
    assert_eq!(transcript.segments[1].text, "Hello Ana, Bo here.");
    assert_eq!(transcript.segments[1].start, Some(3.4));

    let request = &mock.received()[0];
    assert_eq!(
        request.header("authorization"),
        Some(format!("Token {DEEPGRAM_KEY}").as_str())
    );
    for parameter in [
        "model=nova-3",
        "diarize=true",
        "utterances=true",
        "punctuate=true",
    ] {
        assert!(
            request.query.split('&').any(|pair| pair == parameter),
            "{parameter} in {}",
            request.query
        );
    }
    assert_eq!(
        request.json(),
        json!({"url": "https://cdn.example/calls/42.mp3"})
    );
}

#[tokio::test]
async fn deepgram_uploads_local_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let reply = mock::deepgram_listen(&[(0, 0.0, 2.0, "Only one speaker.")]);
    let mock = MockVendor::start(Dialect::Deepgram, Some(DEEPGRAM_KEY), vec![reply]).await;
    let source = MediaSource {
        recording_url: Some(format!("file://{}", recording_file(&dir))),
        ..MediaSource::default()
    };

    let transcript = transcriber::build(&transcriber_settings("deepgram", &mock))
        .unwrap()
        .transcribe(&source)
        .await
        .unwrap();

    assert_eq!(transcript.segments.len(), 1);
    let request = &mock.received()[0];
    assert_eq!(request.header("content-type"), Some("audio/wav"));
    assert_eq!(request.body, b"RIFF0000WAVEfmt fake audio bytes");
}

/// Vendor failures of both speech-to-text vendors, in their own formats.
#[tokio::test]
async fn transcriber_failures_classified() {
    let dir = tempfile::tempdir().unwrap();
    let source = MediaSource {
        recording_url: Some(recording_file(&dir)),
        ..MediaSource::default()
    };
    let openai_error = |status: u16, kind: &str, code: Option<&str>, message: &str| {
        Reply::json(status, &mock::openai_error_body(message, kind, code))
    };
    let deepgram_error = |status: u16, code: &str, message: &str| {
        Reply::json(
            status,
            &json!({"err_code": code, "err_msg": message, "request_id": "mock"}),
        )
    };

    for (kind, dialect) in [
        ("openai", Dialect::OpenAiAudio),
        ("deepgram", Dialect::Deepgram),
    ] {
        let key = if kind == "openai" {
            OPENAI_KEY
        } else {
            DEEPGRAM_KEY
        };
        let rate_limited = match kind {
            "openai" => openai_error(
                429,
                "requests",
                Some("rate_limit_exceeded"),
                "Rate limit reached",
            ),
            _ => deepgram_error(429, "TOO_MANY_REQUESTS", "Too many requests"),
        }
        .with_header("retry-after", "3");
        let server_error = match kind {
            "openai" => openai_error(
                503,
                "server_error",
                Some("server_is_overloaded"),
                "Overloaded",
            ),
            _ => deepgram_error(500, "INTERNAL_SERVER_ERROR", "Something went wrong"),
        };
        let unknown_model = match kind {
            "openai" => openai_error(
                404,
                "invalid_request_error",
                Some("model_not_found"),
                "The model `whisper-9` does not exist",
            ),
            _ => deepgram_error(
                404,
                "MODEL_NOT_FOUND",
                "No such model/language/tier combination found.",
            ),
        };
        let quota = match kind {
            "openai" => openai_error(
                429,
                "insufficient_quota",
                Some("insufficient_quota"),
                "You exceeded your current quota",
            ),
            _ => deepgram_error(
                402,
                "ASR_PAYMENT_REQUIRED",
                "Project does not have enough credits",
            ),
        };
        let slow = mock::whisper_verbose(&[(0.0, 1.0, "late")]).delayed(SLOW_REPLY);
        let malformed = Reply::text(200, "{\"unexpected\": true");

        let cases: Vec<(&str, Reply)> = vec![
            ("429", rate_limited),
            ("5xx", server_error),
            ("404", unknown_model),
            ("quota", quota),
            ("timeout", slow),
            ("malformed", malformed),
        ];
        for (case, reply) in cases {
            let mock = MockVendor::start(dialect, Some(key), vec![reply]).await;
            let mut settings = transcriber_settings(kind, &mock);
            settings.timeout = SHORT_TIMEOUT;
            let error = transcriber::build(&settings)
                .unwrap()
                .transcribe(&source)
                .await
                .unwrap_err();
            match case {
                "429" => assert_retryable(&error, Some(Duration::from_secs(3))),
                "5xx" | "timeout" | "malformed" => assert_retryable(&error, None),
                "404" => assert_permanent(&error, "TRANSCRIBER_MODEL"),
                _ => assert_permanent(&error, "quota or credit is exhausted"),
            }
            assert_eq!(mock.received().len(), 1, "{kind} {case}");
        }
    }
}

#[tokio::test]
async fn vendor_transcriber_needs_recording() {
    let mock = MockVendor::start(
        Dialect::Deepgram,
        Some(DEEPGRAM_KEY),
        vec![mock::deepgram_listen(&[])],
    )
    .await;
    let source = MediaSource {
        transcript_source: Some("call.vtt".to_owned()),
        ..MediaSource::default()
    };
    let error = transcriber::build(&transcriber_settings("deepgram", &mock))
        .unwrap()
        .transcribe(&source)
        .await
        .unwrap_err();
    assert_permanent(&error, "no recording_url");
}

fn local() -> Arc<dyn Transcriber> {
    transcriber::build(&settings(&[])).unwrap()
}

#[tokio::test]
async fn local_reads_path_and_file_url() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("call.vtt");
    std::fs::write(&path, "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Ana>Hello there.\n\n00:00:03.500 --> 00:00:05.000\n<v Bo>Hi Ana.\n").unwrap();

    for source in [
        path.display().to_string(),
        format!("file://{}", path.display()),
    ] {
        let media = MediaSource {
            transcript_source: Some(source.clone()),
            ..MediaSource::default()
        };
        let transcript = local().transcribe(&media).await.unwrap();
        assert_eq!(transcript.speakers(), ["Ana", "Bo"], "{source}");
        assert_eq!(transcript.segments[1].start, Some(3.5), "{source}");
    }
}

#[tokio::test]
async fn local_reads_qmsum_over_http() {
    let body = std::fs::read_to_string(format!(
        "{}/tests/data/qmsum-product/val/ES2006a.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let host = MockVendor::start(Dialect::FileHost, None, vec![Reply::text(200, &body)]).await;
    let media = MediaSource {
        transcript_source: Some(format!("{}/meetings/ES2006a", host.base_url)),
        transcript_format: Some("qmsum".to_owned()),
        ..MediaSource::default()
    };

    let transcript = local().transcribe(&media).await.unwrap();

    assert_eq!(transcript, meeting("ES2006a"));
    assert_eq!(host.received()[0].path, "/meetings/ES2006a");
}

#[tokio::test]
async fn local_honours_transcript_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("call.data");
    std::fs::write(
        &path,
        "[{\"speaker\": \"Ana\", \"start\": 0, \"end\": 2, \"text\": \"Hi.\"}]",
    )
    .unwrap();
    let media = |format: &str| MediaSource {
        transcript_source: Some(path.display().to_string()),
        transcript_format: Some(format.to_owned()),
        ..MediaSource::default()
    };

    let transcript = local().transcribe(&media("segments")).await.unwrap();
    assert_eq!(transcript.segments[0].end, Some(2.0));

    let error = local().transcribe(&media("plain")).await.unwrap_err();
    assert_permanent(&error, "could not read the transcript");
    let error = local().transcribe(&media("docx")).await.unwrap_err();
    assert_permanent(&error, "unknown transcript_format \"docx\"");
}

#[tokio::test]
async fn local_recording_only_names_fix() {
    let media = MediaSource {
        recording_url: Some("https://cdn.example/calls/42.mp3".to_owned()),
        ..MediaSource::default()
    };
    let error = local().transcribe(&media).await.unwrap_err();
    assert_permanent(&error, "set TRANSCRIBER=openai or TRANSCRIBER=deepgram");
}

#[tokio::test]
async fn local_fetch_failures_classified() {
    let missing = MediaSource {
        transcript_source: Some("/nonexistent/dir/call.vtt".to_owned()),
        ..MediaSource::default()
    };
    assert_permanent(
        &local().transcribe(&missing).await.unwrap_err(),
        "not found",
    );

    for (status, retryable) in [(404, false), (503, true)] {
        let host =
            MockVendor::start(Dialect::FileHost, None, vec![Reply::text(status, "nope")]).await;
        let media = MediaSource {
            transcript_source: Some(format!("{}/call.vtt", host.base_url)),
            ..MediaSource::default()
        };
        let error = local().transcribe(&media).await.unwrap_err();
        assert_eq!(
            matches!(error, ProviderError::Retryable { .. }),
            retryable,
            "{status}: {error}"
        );
        assert!(
            error.to_string().contains(&format!("HTTP {status}")),
            "{error}"
        );
    }
}

// ----------------------------------------------------------------- settings

#[test]
fn settings_defaults() {
    let settings = settings(&[]);
    assert_eq!(settings.analyzer, AnalyzerChoice::Heuristic);
    assert_eq!(settings.transcriber, TranscriberChoice::Local);
    assert_eq!(settings.timeout, Duration::from_secs(120));
    assert_eq!(settings.max_output_retries, 2);
    assert_eq!(settings.analyzer_model, "gpt-4o-mini");
    assert_eq!(settings.transcriber_model, "whisper-1");
    assert_eq!(
        settings.openai.url("/v1/chat/completions"),
        "https://api.openai.com/v1/chat/completions"
    );
}

#[test]
fn settings_per_vendor_model_defaults() {
    let anthropic = settings(&[
        ("ANALYZER", "anthropic"),
        ("ANTHROPIC_API_KEY", "k"),
        ("TRANSCRIBER", "deepgram"),
        ("DEEPGRAM_API_KEY", "k"),
    ]);
    assert_eq!(
        anthropic.analyzer_model,
        call_insights::providers::ANTHROPIC_DEFAULT_MODEL
    );
    assert_eq!(anthropic.transcriber_model, "nova-3");
}

#[test]
fn settings_reject_unknown_provider() {
    let error = ProviderSettings::from_lookup(lookup(&[("ANALYZER", "gpt")])).unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown ANALYZER value \"gpt\"; use one of: heuristic, openai, anthropic"
    );
    let error = ProviderSettings::from_lookup(lookup(&[("TRANSCRIBER", "whisper")])).unwrap_err();
    assert!(error.to_string().contains("TRANSCRIBER"), "{error}");
}

#[test]
fn settings_name_missing_keys() {
    let cases = [
        (
            vec![("ANALYZER", "openai")],
            "ANALYZER=openai needs OPENAI_API_KEY; set it, or set OPENAI_BASE_URL to a local server such as Ollama that needs no key",
        ),
        (
            vec![("ANALYZER", "anthropic")],
            "ANALYZER=anthropic needs ANTHROPIC_API_KEY",
        ),
        (
            vec![("TRANSCRIBER", "openai")],
            "TRANSCRIBER=openai needs OPENAI_API_KEY",
        ),
        (
            vec![("TRANSCRIBER", "deepgram")],
            "TRANSCRIBER=deepgram needs DEEPGRAM_API_KEY",
        ),
        (
            vec![
                ("ANALYZER", "openai"),
                ("OPENAI_BASE_URL", "https://api.openai.com/v1"),
            ],
            "ANALYZER=openai needs OPENAI_API_KEY",
        ),
    ];
    for (pairs, expected) in cases {
        let error = ProviderSettings::from_lookup(lookup(&pairs)).unwrap_err();
        assert!(
            error.to_string().starts_with(expected),
            "{pairs:?}: {error}"
        );
    }
}

#[test]
fn settings_local_server_needs_no_key() {
    let settings = settings(&[
        ("ANALYZER", "openai"),
        ("OPENAI_BASE_URL", "http://localhost:11434/v1"),
    ]);
    assert_eq!(settings.openai.api_key, None);
    assert_eq!(
        settings.openai.url("/v1/chat/completions"),
        "http://localhost:11434/v1/chat/completions"
    );
}

#[test]
fn settings_reject_invalid_values() {
    let cases = [
        (
            ("OPENAI_BASE_URL", "localhost:11434"),
            "OPENAI_BASE_URL must be an http:// or https:// URL",
        ),
        (
            ("DEEPGRAM_BASE_URL", "ftp://example.com"),
            "DEEPGRAM_BASE_URL must be an http:// or https:// URL",
        ),
        (
            ("VENDOR_TIMEOUT_SECS", "0"),
            "VENDOR_TIMEOUT_SECS must be seconds greater than 0",
        ),
        (
            ("VENDOR_TIMEOUT_SECS", "soon"),
            "VENDOR_TIMEOUT_SECS must be",
        ),
        (
            ("LLM_MAX_OUTPUT_RETRIES", "-1"),
            "LLM_MAX_OUTPUT_RETRIES must be a whole number from 0 to 10",
        ),
        (
            ("ANALYZER_CHUNK_CHARS", "10"),
            "ANALYZER_CHUNK_CHARS must be a whole number from 1000",
        ),
    ];
    for ((name, value), expected) in cases {
        let error = ProviderSettings::from_lookup(lookup(&[(name, value)])).unwrap_err();
        assert!(
            error.to_string().starts_with(expected),
            "{name}={value}: {error}"
        );
    }
}

#[test]
fn settings_read_numbers() {
    let settings = settings(&[
        ("VENDOR_TIMEOUT_SECS", "2.5"),
        ("LLM_MAX_OUTPUT_RETRIES", "0"),
        ("ANALYZER_CHUNK_CHARS", "5000"),
    ]);
    assert_eq!(settings.timeout, Duration::from_millis(2500));
    assert_eq!(settings.max_output_retries, 0);
    assert_eq!(settings.chunk_chars, 5000);
}
