//! `step.race`: the first of several branches to finish wins.
//!
//! On replay several branches may already be finished. The winner is the
//! branch whose steps the executor completed first (the lowest position in
//! `ctx.stack`), so every replay picks the same branch the first run did.
//! New steps of a race carry `opts.parallelMode: "race"`, which makes the
//! executor call back after each branch's step instead of after all of them.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use super::Step;
use super::state::RaceTracker;
use crate::error::Error;

/// A branch of a race.
pub type Branch<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

impl Step {
    /// Runs `branches` concurrently and returns the index and result of the
    /// first to finish.
    ///
    /// # Errors
    /// The winning branch's error.
    ///
    /// # Panics
    /// When `branches` is empty.
    pub async fn race<'a, T>(&self, mut branches: Vec<Branch<'a, T>>) -> Result<(usize, T), Error> {
        assert!(!branches.is_empty(), "step.race needs at least one branch");

        let mut latest = HashMap::new();
        std::future::poll_fn(move |cx| {
            self.shared().lock().race = Some(RaceTracker {
                current: None,
                latest: std::mem::take(&mut latest),
            });

            let mut finished = Vec::new();
            for (index, branch) in branches.iter_mut().enumerate() {
                if let Some(race) = self.shared().lock().race.as_mut() {
                    race.current = Some(index);
                }
                if let Poll::Ready(result) = branch.as_mut().poll(cx) {
                    finished.push((index, result));
                }
            }

            let tracker = self.shared().lock().race.take().unwrap_or_default();
            latest = tracker.latest;
            let winner = finished.into_iter().min_by_key(|(index, _)| {
                (latest.get(index).copied().unwrap_or(usize::MAX), *index)
            });
            match winner {
                Some((index, result)) => Poll::Ready(result.map(|value| (index, value))),
                None => Poll::Pending,
            }
        })
        .await
    }
}
