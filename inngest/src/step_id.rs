//! Step ids: the user's id, its repeat suffix and its SHA-1 hash.
//!
//! The executor keys memoized results by the lowercase hex SHA-1 of the step
//! id. An id used more than once in one execution gets `:1`, `:2`, ... appended
//! before hashing, taking the first index whose hash is not already in use, so
//! a loop calling `step.run("item", ..)` ten times yields ten distinct steps.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

/// Lowercase hex SHA-1 of a step id, as the executor stores it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StepHash(String);

impl StepHash {
    /// Hashes a (possibly suffixed) step id.
    pub fn of(id: &str) -> Self {
        Self(hex::encode(Sha1::digest(id.as_bytes())))
    }

    /// Wraps a hash received from the executor.
    pub fn from_hex(hash: impl Into<String>) -> Self {
        Self(hash.into())
    }

    /// The hash as hex text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StepHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A step id resolved within one execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedStepId {
    /// The id the user wrote.
    pub user_id: String,
    /// The id after repeat resolution (`item`, `item:1`, ...).
    pub final_id: String,
    /// The repeat index, absent for the first use.
    pub index: Option<u32>,
    /// SHA-1 of `final_id`.
    pub hash: StepHash,
}

/// Resolves repeated step ids deterministically within one execution.
#[derive(Debug, Default)]
pub struct StepIdAllocator {
    used: HashSet<StepHash>,
    next_index: HashMap<String, u32>,
}

impl StepIdAllocator {
    /// Resolves the next use of `user_id`.
    pub fn allocate(&mut self, user_id: &str) -> ResolvedStepId {
        let bare = StepHash::of(user_id);
        if self.used.insert(bare.clone()) {
            return ResolvedStepId {
                user_id: user_id.to_owned(),
                final_id: user_id.to_owned(),
                index: None,
                hash: bare,
            };
        }

        let mut index = self.next_index.get(user_id).copied().unwrap_or(1);
        loop {
            let final_id = format!("{user_id}:{index}");
            let hash = StepHash::of(&final_id);
            if self.used.insert(hash.clone()) {
                self.next_index.insert(user_id.to_owned(), index + 1);
                return ResolvedStepId {
                    user_id: user_id.to_owned(),
                    final_id,
                    index: Some(index),
                    hash,
                };
            }
            index += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_matches_known_sha1() {
        assert_eq!(
            StepHash::of("my-step-id").as_str(),
            "e7d8a2f140845095749d60246ff1110c9d01d76a"
        );
        assert_eq!(
            StepHash::of("").as_str(),
            "da39a3ee5e6b4b0d3255bfef95601890afd80709"
        );
    }

    #[test]
    fn repeats_past_ten_stay_unique() {
        let mut ids = StepIdAllocator::default();
        let hashes: HashSet<StepHash> = (0..25).map(|_| ids.allocate("item").hash).collect();

        assert_eq!(hashes.len(), 25);
        assert_eq!(ids.allocate("item").final_id, "item:25");
    }
}
