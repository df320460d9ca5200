//! Analyzers: turn a transcript into insights.

pub mod heuristic;

pub use heuristic::HeuristicAnalyzer;

use std::sync::Arc;

use functions::ports::Analyzer;

/// Analyzer names accepted by the `ANALYZER` setting.
pub const KNOWN: [&str; 1] = ["heuristic"];

/// Why the configured analyzer cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("unknown analyzer {name:?} in ANALYZER; use one of: {known}", known = KNOWN.join(", "))]
    Unknown { name: String },
}

/// Builds the analyzer named by the `ANALYZER` setting.
///
/// # Errors
/// [`BuildError::Unknown`] for a name not in [`KNOWN`].
pub fn build(name: &str) -> Result<Arc<dyn Analyzer>, BuildError> {
    match name {
        "heuristic" => Ok(Arc::new(HeuristicAnalyzer::new())),
        other => Err(BuildError::Unknown {
            name: other.to_owned(),
        }),
    }
}
