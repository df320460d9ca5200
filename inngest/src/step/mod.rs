//! The step API: durable, memoized units of work inside a function.
//!
//! Each method computes the step's hashed id and looks for a memoized result.
//! A memoized step returns at once. A new step either runs (when this request
//! targets it, or the driver picks it for immediate execution) or registers
//! the op the executor must handle. Either way the future of a new step never
//! resolves: the driver finds the function pending with work recorded, drops
//! the function future and returns 206. User code therefore cannot swallow
//! the interrupt with `?` or `match`.

mod invoke;
mod race;
mod run;
mod send_event;
mod sleep;
pub(crate) mod state;
mod wait_for_event;

use std::future::Future;
use std::task::Poll;

use serde_json::Value;

pub use invoke::Invoke;
pub use race::Branch;
pub use run::RunOptions;
pub use send_event::SentEvents;
pub use wait_for_event::WaitForEvent;

use crate::step_id::{ResolvedStepId, StepHash};
use crate::wire::{Memo, Op, Opcode, Userland};
use state::{FoundStep, Mode, SharedState};

/// Handle to the step API, passed to every function. Cheap to clone, so
/// parallel branches can each hold one.
#[derive(Debug, Clone)]
pub struct Step {
    state: SharedState,
}

/// What a step call found when it looked up its id.
pub(crate) enum Reached {
    Memoized(ResolvedStepId, Memo),
    New(ResolvedStepId),
}

impl Step {
    pub(crate) fn new(state: SharedState) -> Self {
        Self { state }
    }

    pub(crate) fn shared(&self) -> &SharedState {
        &self.state
    }

    /// Whether the function is still replaying memoized steps.
    pub fn is_replaying(&self) -> bool {
        self.state.lock().memos_pending > 0
    }

    /// Resolves the next use of `user_id` and looks up its memo.
    pub(crate) fn reach(&self, user_id: &str) -> Reached {
        let mut state = self.state.lock();
        let id = state.ids.allocate(user_id);
        match state.memos.get(&id.hash).cloned() {
            Some(memo) => {
                state.memos_pending = state.memos_pending.saturating_sub(1);
                let position = state
                    .stack_positions
                    .get(&id.hash)
                    .copied()
                    .unwrap_or(usize::MAX);
                if let Some(race) = state.race.as_mut()
                    && let Some(branch) = race.current
                {
                    let latest = race.latest.entry(branch).or_insert(0);
                    *latest = (*latest).max(position);
                }
                Reached::Memoized(id, memo)
            }
            None => Reached::New(id),
        }
    }

    /// Records an op the executor handles (sleep, wait, invoke) and suspends
    /// the calling branch for the rest of this request.
    pub(crate) async fn suspend_with<T>(
        &self,
        id: ResolvedStepId,
        display_name: String,
        op: Op,
    ) -> T {
        let found = FoundStep {
            id,
            display_name,
            planned: op,
            runs_in_sdk: false,
            waker: None,
        };
        self.state.lock().found.push(found);
        park().await
    }

    /// The mode of this request.
    pub(crate) fn mode(&self) -> Mode {
        self.state.lock().mode.clone()
    }

    /// Waits until the driver picks `hash` for immediate execution.
    pub(crate) fn chosen(&self, hash: StepHash) -> impl Future<Output = ()> + '_ {
        std::future::poll_fn(move |cx| {
            let mut state = self.state.lock();
            if state.run_now.as_ref() == Some(&hash) {
                return Poll::Ready(());
            }
            if let Some(found) = state.found.iter_mut().find(|found| found.id.hash == hash) {
                found.waker = Some(cx.waker().clone());
            }
            Poll::Pending
        })
    }
}

/// A future that never resolves: the branch ends here for this request.
pub(crate) async fn park<T>() -> T {
    std::future::pending::<T>().await
}

/// The op fields every step kind shares.
pub(crate) fn base_op(id: &ResolvedStepId, code: Opcode, display_name: &str) -> Op {
    let mut op = Op::new(id.hash.as_str(), code);
    op.name = Some(id.user_id.clone());
    op.display_name = Some(display_name.to_owned());
    op.userland = Some(Userland {
        id: id.user_id.clone(),
        index: id.index,
    });
    op
}

/// Converts a memoized value into the step's output type.
pub(crate) fn decode_memo<T: serde::de::DeserializeOwned>(
    id: &ResolvedStepId,
    value: Value,
) -> Result<T, crate::Error> {
    serde_json::from_value(value).map_err(|error| {
        crate::Error::non_retriable(format!(
            "the memoized output of step `{}` does not match the type the code expects now: {error}; \
             was the function changed while this run was in flight?",
            id.user_id
        ))
    })
}
