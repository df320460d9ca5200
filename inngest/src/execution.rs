//! Runs one call request: replays memoized steps, then either finishes the
//! function, runs one step, or reports the new steps it found.
//!
//! The driver polls the function future directly. When the future is pending
//! and steps have recorded work, the driver returns that work and drops the
//! future. Parallel branches (`join!`, `join_all`, `select!`) are all polled
//! within one poll of the root future, so their steps are reported together.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use serde_json::Value;

use crate::error::{Error, RetryAfter};
use crate::function::{BoxFuture, Handler, Invocation};
use crate::step::Step;
use crate::step::state::{ExecState, Mode, SharedState};
use crate::step_id::StepHash;
use crate::wire::{CallRequest, Op};

/// How long a targeted request waits for its step before giving up, as the
/// official SDK does. Long enough for code outside steps to do some I/O.
pub const DEFAULT_TARGET_TIMEOUT: Duration = Duration::from_secs(10);

/// Result of one call request, before it becomes an HTTP response.
#[derive(Debug)]
pub enum Outcome {
    /// The function returned (200) or raised (400/500).
    Finished(Result<Value, Error>),
    /// Work for the executor (206).
    Ops {
        ops: Vec<Op>,
        /// `X-Inngest-No-Retry` for a step error; absent for plain reports.
        no_retry: Option<bool>,
        retry_after: Option<RetryAfter>,
    },
    /// The targeted step never showed up.
    StepNotFound {
        requested: StepHash,
        found: Vec<FoundSummary>,
    },
}

/// A step found while looking for a targeted one.
#[derive(Debug, Clone)]
pub struct FoundSummary {
    pub id: StepHash,
    pub name: String,
    pub display_name: String,
}

/// Runs `handler` for one request.
pub(crate) async fn execute(
    handler: &Handler,
    request: &CallRequest,
    step_id: &str,
    default_max_attempts: u32,
    target_timeout: Duration,
    client: Option<crate::client::EventClient>,
) -> Outcome {
    let mode = if step_id == "step" || step_id.is_empty() {
        Mode::Discovery {
            immediate_allowed: !request.ctx.disable_immediate_execution,
        }
    } else {
        Mode::Targeted(StepHash::from_hex(step_id))
    };
    let max_attempts = request
        .ctx
        .max_attempts
        .unwrap_or(default_max_attempts)
        .max(1);
    let mut exec_state = ExecState::new(mode, &request.steps, request.ctx.attempt, max_attempts);
    exec_state.client = client;
    exec_state.stack_positions = request
        .ctx
        .stack
        .stack
        .iter()
        .enumerate()
        .map(|(position, hash)| (StepHash::from_hex(hash.clone()), position))
        .collect();
    let state = SharedState::new(exec_state);

    let invocation = Invocation {
        events: request.trigger_events(),
        run_id: request.ctx.run_id.clone(),
        attempt: request.ctx.attempt,
        max_attempts,
    };
    let future = handler(invocation, Step::new(state.clone()));

    Driver {
        future: Some(future),
        state,
        settling: None,
        target_deadline: None,
        target_timeout,
    }
    .await
}

/// Polls the function until it finishes or has work to report.
struct Driver {
    future: Option<BoxFuture<Result<Value, Error>>>,
    state: SharedState,
    /// Found-step count at the previous poll, while waiting for it to settle.
    settling: Option<usize>,
    target_deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    target_timeout: Duration,
}

impl Future for Driver {
    type Output = Outcome;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        loop {
            let Some(future) = self.future.as_mut() else {
                return Poll::Pending;
            };
            let polled = std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx)));
            match polled {
                Ok(Poll::Ready(result)) => {
                    self.future = None;
                    return Poll::Ready(Outcome::Finished(result));
                }
                Err(panic) => {
                    self.future = None;
                    return Poll::Ready(Outcome::Finished(Err(panic_error(&panic))));
                }
                Ok(Poll::Pending) => {}
            }

            match self.decide(cx) {
                Decision::Done(outcome) => {
                    self.future = None;
                    return Poll::Ready(outcome);
                }
                Decision::PollAgain => continue,
                Decision::Wait => return Poll::Pending,
            }
        }
    }
}

enum Decision {
    Done(Outcome),
    PollAgain,
    Wait,
}

impl Driver {
    fn decide(&mut self, cx: &mut Context<'_>) -> Decision {
        let mut state = self.state.lock();

        if let Some(executed) = state.executed.take() {
            return Decision::Done(Outcome::Ops {
                ops: vec![executed.op],
                no_retry: executed.no_retry,
                retry_after: executed.retry_after,
            });
        }
        if state.found.is_empty() || state.run_now.is_some() {
            return Decision::Wait;
        }

        // Poll once more after new steps appear, so that sibling branches
        // started in the same tick can register theirs.
        let found = state.found.len();
        if self.settling != Some(found) {
            self.settling = Some(found);
            return Decision::PollAgain;
        }

        match state.mode.clone() {
            Mode::Targeted(requested) => {
                drop(state);
                self.wait_for_target(cx, requested)
            }
            Mode::Discovery { immediate_allowed } => {
                let only_runnable = found == 1 && state.found[0].runs_in_sdk;
                if immediate_allowed && only_runnable {
                    let chosen = &mut state.found[0];
                    state.run_now = Some(chosen.id.hash.clone());
                    if let Some(waker) = state.found[0].waker.take() {
                        waker.wake();
                    }
                    return Decision::PollAgain;
                }
                let ops = state
                    .found
                    .iter()
                    .map(|found| found.planned.clone())
                    .collect();
                Decision::Done(Outcome::Ops {
                    ops,
                    no_retry: None,
                    retry_after: None,
                })
            }
        }
    }

    /// Waits up to the target timeout for the requested step to appear.
    fn wait_for_target(&mut self, cx: &mut Context<'_>, requested: StepHash) -> Decision {
        let timeout = self.target_timeout;
        let deadline = self
            .target_deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        if deadline.as_mut().poll(cx).is_pending() {
            return Decision::Wait;
        }

        let state = self.state.lock();
        let found = state
            .found
            .iter()
            .map(|found| FoundSummary {
                id: found.id.hash.clone(),
                name: found.id.user_id.clone(),
                display_name: found.display_name.clone(),
            })
            .collect();
        Decision::Done(Outcome::StepNotFound { requested, found })
    }
}

/// Turns a caught panic into a retriable error with the panic message.
pub(crate) fn panic_error(panic: &Box<dyn Any + Send>) -> Error {
    let message = panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic payload".to_owned());
    Error::new(format!("the function panicked: {message}")).with_name("Panic")
}
