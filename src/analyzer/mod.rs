//! Analyzers: turn a transcript into insights.

pub mod anthropic;
pub mod heuristic;
pub mod llm;
pub mod openai;

pub use heuristic::HeuristicAnalyzer;
pub use llm::{ChunkedAnalyzer, LlmAnalyzer};

use std::sync::Arc;

use functions::ports::{Analyzer, ProviderError};

use crate::providers::{AnalyzerChoice, ProviderSettings};
use crate::vendor::{Redactor, VendorClient};

/// Analyzer names accepted by the `ANALYZER` setting.
pub const KNOWN: [&str; 3] = ["heuristic", "openai", "anthropic"];

/// Failure to build the configured analyzer.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The vendor's HTTP client could not be created.
    #[error("could not set up the {name} analyzer: {source}")]
    Client {
        name: &'static str,
        #[source]
        source: ProviderError,
    },
}

/// Builds the analyzer selected by the settings.
///
/// # Errors
/// [`BuildError::Client`] when the HTTP client cannot be created.
pub fn build(settings: &ProviderSettings) -> Result<Arc<dyn Analyzer>, BuildError> {
    match build_llm(settings)? {
        Some(analyzer) => Ok(Arc::new(analyzer)),
        None => Ok(Arc::new(HeuristicAnalyzer::new())),
    }
}

/// Builds the selected analyzer as a [`ChunkedAnalyzer`], or `None` for the
/// heuristic analyzer, which needs no chunking.
///
/// # Errors
/// As [`build`].
pub fn build_chunked(
    settings: &ProviderSettings,
) -> Result<Option<Arc<dyn ChunkedAnalyzer>>, BuildError> {
    let analyzer = build_llm(settings)?;
    Ok(analyzer.map(|analyzer| Arc::new(analyzer) as Arc<dyn ChunkedAnalyzer>))
}

fn build_llm(settings: &ProviderSettings) -> Result<Option<LlmAnalyzer>, BuildError> {
    let redactor = Redactor::new(settings.secrets());
    let model = settings.analyzer_model.clone();
    let backend: Arc<dyn llm::ChatBackend> = match settings.analyzer {
        AnalyzerChoice::Heuristic => return Ok(None),
        AnalyzerChoice::OpenAi => {
            let client = client(openai::API, settings, redactor)?;
            Arc::new(openai::OpenAiChat::new(
                client,
                settings.openai.clone(),
                model,
            ))
        }
        AnalyzerChoice::Anthropic => {
            let client = client(anthropic::API, settings, redactor)?;
            Arc::new(anthropic::AnthropicMessages::new(
                client,
                settings.anthropic.clone(),
                model,
            ))
        }
    };
    Ok(Some(LlmAnalyzer::new(
        backend,
        settings.max_output_retries,
        settings.chunk_chars,
    )))
}

fn client(
    api: crate::vendor::VendorApi,
    settings: &ProviderSettings,
    redactor: Redactor,
) -> Result<VendorClient, BuildError> {
    VendorClient::new(api, settings.timeout, redactor).map_err(|source| BuildError::Client {
        name: api.name,
        source,
    })
}
