//! An app: an id and the functions it serves.

use std::collections::BTreeMap;

use crate::function::{Function, FunctionConfigError, Handler, validate_unique_ids};

/// The functions served under one app id.
#[derive(Debug, Clone)]
pub struct App {
    id: String,
    functions: Vec<Function>,
}

/// A function entry addressed by its composite id.
#[derive(Clone)]
pub(crate) struct Entry {
    pub(crate) handler: Handler,
    /// Attempts when the request does not carry them: retries plus one.
    pub(crate) max_attempts: u32,
}

impl App {
    /// An app with an id; function ids are prefixed with it (`<app>-<fn>`).
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            functions: Vec::new(),
        }
    }

    /// Adds a function.
    pub fn function(mut self, function: Function) -> Self {
        self.functions.push(function);
        self
    }

    /// Checks every function's options, and that composite ids are unique
    /// with failure handlers counted. Returns the first invalid option.
    /// [`ServeHandler::new`](crate::serve::ServeHandler::new) runs this, so
    /// an invalid option stops the app at startup instead of failing a sync.
    pub fn validate(&self) -> Result<(), FunctionConfigError> {
        for function in &self.functions {
            function.options.validate()?;
        }

        let mut ids = Vec::new();
        for function in &self.functions {
            let composite = self.composite_id(&function.options.id);
            if function.on_failure.is_some() {
                ids.push((function.options.id.as_str(), format!("{composite}-failure")));
            }
            ids.push((function.options.id.as_str(), composite));
        }
        validate_unique_ids(ids)
    }

    /// The app id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The functions as defined.
    pub fn functions(&self) -> &[Function] {
        &self.functions
    }

    /// `<app id>-<function id>`: a plain join, with no slugging.
    pub fn composite_id(&self, function_id: &str) -> String {
        format!("{}-{function_id}", self.id)
    }

    /// Number of registered configs, failure companions included.
    pub fn config_count(&self) -> usize {
        self.functions
            .iter()
            .map(|function| 1 + usize::from(function.on_failure.is_some()))
            .sum()
    }

    /// Every callable entry by composite id, failure companions included.
    pub(crate) fn entries(&self) -> BTreeMap<String, Entry> {
        let mut entries = BTreeMap::new();
        for function in &self.functions {
            let composite = self.composite_id(&function.options.id);
            entries.insert(
                composite.clone(),
                Entry {
                    handler: function.handler.clone(),
                    max_attempts: function.options.max_attempts(),
                },
            );
            if let Some(on_failure) = &function.on_failure {
                entries.insert(
                    format!("{composite}-failure"),
                    Entry {
                        handler: on_failure.clone(),
                        max_attempts: 2,
                    },
                );
            }
        }
        entries
    }

    /// The `functions` array of the sync payload, for a serve URL.
    pub fn sync_functions(&self, serve_url: &url_util::ServeUrl) -> Vec<serde_json::Value> {
        let mut configs = Vec::new();
        for function in &self.functions {
            let composite = self.composite_id(&function.options.id);
            configs.push(
                function
                    .options
                    .to_sync(&composite, &serve_url.step_url(&composite)),
            );
            if function.on_failure.is_some() {
                let failure_id = format!("{composite}-failure");
                configs.push(
                    function
                        .options
                        .failure_sync(&composite, &serve_url.step_url(&failure_id)),
                );
            }
        }
        configs
    }
}

pub use crate::serve::url as url_util;
