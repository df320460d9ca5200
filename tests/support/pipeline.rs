//! Starting the service in local mode for end-to-end tests, with analyzers
//! that fail on purpose.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use async_trait::async_trait;
use call_insights::analyzer::HeuristicAnalyzer;
use call_insights::config::Settings;
use call_insights::local::LocalService;
use functions::domain::Transcript;
use functions::insights::Insights;
use functions::ports::{AnalyzeError, Analyzer};

/// Settings for a test: a fresh SQLite file and 50 ms retries.
pub(crate) fn settings(database: &Path) -> Settings {
    settings_for_url(&format!("sqlite://{}?mode=rwc", database.display()), &[])
}

/// Settings for a test on any database URL: 50 ms retries, three retries
/// per step, plus `extra` variables.
pub(crate) fn settings_for_url(url: &str, extra: &[(&'static str, &str)]) -> Settings {
    let mut values: HashMap<&str, String> = HashMap::new();
    values.insert("DATABASE_URL", url.to_owned());
    values.insert("RETRY_INTERVAL_MS", "50".to_owned());
    values.insert("STEP_RETRIES", "3".to_owned());
    for (name, value) in extra {
        values.insert(name, (*value).to_owned());
    }
    Settings::from_lookup(|name| values.get(name).cloned()).expect("test settings are valid")
}

/// A started local service on a database in `directory`.
pub(crate) async fn start(directory: &Path, analyzer: Arc<dyn Analyzer>) -> LocalService {
    let providers = call_insights::service::Providers::with_analyzer(analyzer)
        .expect("offline providers build");
    LocalService::start(settings(&directory.join("test.db")), providers)
        .await
        .expect("the local service starts")
}

/// The QMSum meetings shipped with the repository.
pub(crate) fn meeting(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/qmsum-product/val")
        .join(name)
}

/// Fails the first `failures` calls with a retryable error, then analyzes.
pub(crate) struct FlakyAnalyzer {
    pub(crate) failures: u32,
    pub(crate) calls: AtomicU32,
    pub(crate) permanent: bool,
}

impl FlakyAnalyzer {
    pub(crate) fn failing(failures: u32) -> Arc<Self> {
        Arc::new(Self {
            failures,
            calls: AtomicU32::new(0),
            permanent: false,
        })
    }

    pub(crate) fn always_failing() -> Arc<Self> {
        Arc::new(Self {
            failures: u32::MAX,
            calls: AtomicU32::new(0),
            permanent: false,
        })
    }

    pub(crate) fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl Analyzer for FlakyAnalyzer {
    fn name(&self) -> &str {
        "flaky"
    }

    fn model(&self) -> Option<&str> {
        None
    }

    async fn analyze(&self, transcript: &Transcript) -> Result<Insights, AnalyzeError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        if call < self.failures {
            let message = format!("vendor unavailable (call {})", call + 1);
            return Err(if self.permanent {
                AnalyzeError::Permanent {
                    message,
                    source: None,
                }
            } else {
                AnalyzeError::Retryable {
                    message,
                    retry_after: None,
                    source: None,
                }
            });
        }
        HeuristicAnalyzer::new().analyze(transcript).await
    }
}
