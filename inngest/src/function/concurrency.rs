//! Concurrency limits: how many steps of a function may run at once.

use serde::{Deserialize, Serialize};

/// Scope of a concurrency limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Runs of this function only (the executor's default).
    Fn,
    /// Every function in the environment that uses the same key.
    Env,
    /// Every function in the account that uses the same key.
    Account,
}

/// One concurrency limit: `{limit, key?, scope?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concurrency {
    /// Steps allowed to run at once; 0 is rejected by validation.
    #[serde(default)]
    pub limit: u32,
    /// CEL expression that splits the limit into one queue per value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Scope of the limit; `fn` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
}

impl Concurrency {
    /// A limit of `limit` concurrent steps for this function.
    pub fn new(limit: u32) -> Self {
        Self {
            limit,
            key: None,
            scope: None,
        }
    }

    /// Applies the limit per value of a CEL expression, such as
    /// `event.data.account_id`.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Sets where the limit applies.
    pub fn scope(mut self, scope: Scope) -> Self {
        self.scope = Some(scope);
        self
    }
}

/// The `concurrency` option in any of the three shapes the SDKs accept. The
/// shape is kept in the sync payload, as the JavaScript SDK keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ConcurrencyOption {
    /// A bare number: `"concurrency": 10`.
    Limit(u32),
    /// One object.
    Single(Concurrency),
    /// A list of at most two objects.
    List(Vec<Concurrency>),
}

impl ConcurrencyOption {
    /// Returns the limits as objects, whatever the shape.
    pub fn limits(&self) -> Vec<Concurrency> {
        match self {
            Self::Limit(limit) => vec![Concurrency::new(*limit)],
            Self::Single(concurrency) => vec![concurrency.clone()],
            Self::List(list) => list.clone(),
        }
    }
}

impl From<u32> for ConcurrencyOption {
    fn from(limit: u32) -> Self {
        Self::Limit(limit)
    }
}

impl From<Concurrency> for ConcurrencyOption {
    fn from(concurrency: Concurrency) -> Self {
        Self::Single(concurrency)
    }
}

impl From<Vec<Concurrency>> for ConcurrencyOption {
    fn from(list: Vec<Concurrency>) -> Self {
        Self::List(list)
    }
}

impl<const N: usize> From<[Concurrency; N]> for ConcurrencyOption {
    fn from(list: [Concurrency; N]) -> Self {
        Self::List(list.into())
    }
}
