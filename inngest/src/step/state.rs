//! State shared by the step API and the driver during one call request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;

use serde_json::Value;

use crate::step_id::{ResolvedStepId, StepHash, StepIdAllocator};
use crate::wire::{Memo, Op};

/// A step the function reached that has no memoized result yet.
#[derive(Debug)]
pub(crate) struct FoundStep {
    pub(crate) id: ResolvedStepId,
    pub(crate) display_name: String,
    /// The op reported when the step is planned rather than run.
    pub(crate) planned: Op,
    /// Whether the SDK runs this step itself (`step.run`, `send_event`), which
    /// makes it eligible for immediate execution.
    pub(crate) runs_in_sdk: bool,
    /// Woken when the driver picks this step for immediate execution.
    pub(crate) waker: Option<Waker>,
}

/// How this request was targeted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `stepId=step`: discover new steps, maybe run one inline.
    Discovery { immediate_allowed: bool },
    /// `stepId=<hash>`: run exactly this planned step.
    Targeted(StepHash),
}

/// Per-request execution state.
#[derive(Debug)]
pub(crate) struct ExecState {
    pub(crate) mode: Mode,
    pub(crate) memos: HashMap<StepHash, Memo>,
    pub(crate) ids: StepIdAllocator,
    pub(crate) found: Vec<FoundStep>,
    /// The step chosen for immediate execution.
    pub(crate) run_now: Option<StepHash>,
    /// The op produced by running a step in this request.
    pub(crate) executed: Option<super::run::Executed>,
    pub(crate) attempt: u32,
    pub(crate) max_attempts: u32,
    /// Client for `send_event` steps, when the handler has one.
    pub(crate) client: Option<crate::client::EventClient>,
    /// Position of each memoized step in the executor's completion order.
    pub(crate) stack_positions: HashMap<StepHash, usize>,
    /// The race branch being polled and, per branch, the latest completion
    /// position of the memos it consumed.
    pub(crate) race: Option<RaceTracker>,
    /// Memoized steps not yet reached; replay is over when this hits zero.
    pub(crate) memos_pending: usize,
}

impl ExecState {
    pub(crate) fn new(
        mode: Mode,
        steps: &serde_json::Map<String, Value>,
        attempt: u32,
        max_attempts: u32,
    ) -> Self {
        let memos: HashMap<StepHash, Memo> = steps
            .iter()
            .map(|(hash, value)| (StepHash::from_hex(hash.clone()), Memo::parse(value)))
            .filter(|(_, memo)| !matches!(memo, Memo::Input(_)))
            .collect();
        let memos_pending = memos.len();
        Self {
            mode,
            memos,
            ids: StepIdAllocator::default(),
            found: Vec::new(),
            run_now: None,
            executed: None,
            client: None,
            stack_positions: HashMap::new(),
            race: None,
            attempt,
            max_attempts,
            memos_pending,
        }
    }

    /// Whether a step error at this attempt is the last chance.
    pub(crate) fn is_final_attempt(&self) -> bool {
        self.attempt + 1 >= self.max_attempts
    }
}

/// Bookkeeping of one `Step::race` while its branches are polled.
#[derive(Debug, Default)]
pub(crate) struct RaceTracker {
    pub(crate) current: Option<usize>,
    pub(crate) latest: HashMap<usize, usize>,
}

/// Cheap handle on [`ExecState`].
#[derive(Debug, Clone)]
pub(crate) struct SharedState(Arc<Mutex<ExecState>>);

impl SharedState {
    pub(crate) fn new(state: ExecState) -> Self {
        Self(Arc::new(Mutex::new(state)))
    }

    /// Locks the state. A poisoned lock is recovered, because no user code
    /// runs under the lock and every write is a short field update or push.
    pub(crate) fn lock(&self) -> MutexGuard<'_, ExecState> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
