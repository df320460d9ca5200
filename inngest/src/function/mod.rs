//! Function definitions: options, triggers and the type-erased handler.

mod batch;
mod cancel;
mod concurrency;
mod config;
mod config_error;
mod duration;
mod flow;
mod limits;
mod run_control;
mod trigger;
mod validate;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use batch::BatchEvents;
pub use cancel::Cancel;
pub use concurrency::{Concurrency, ConcurrencyOption, Scope};
pub use config::{DEFAULT_RETRIES, FunctionOptions, MAX_RETRIES};
pub use config_error::{FunctionConfigError, FunctionConfigErrorKind};
pub use duration::{TimeString, TimeStringError};
pub use flow::FlowControl;
pub use limits::{Debounce, RateLimit, Throttle};
pub use run_control::{Priority, Singleton, SingletonMode, Timeouts};
pub use trigger::Trigger;
pub(crate) use validate::validate_unique_ids;
pub use validate::{MAX_CANCELS, MAX_CONCURRENCY_LIMITS, MAX_NAME_LEN, MAX_TRIGGERS};

use crate::context::{Context, FunctionFailed, TypedEvent};
use crate::error::Error;
use crate::log::Logger;
use crate::step::Step;
use crate::wire::Event;

/// A boxed, sendable future.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Inputs of one execution, independent of the event type.
#[derive(Debug, Clone)]
pub(crate) struct Invocation {
    pub(crate) events: Vec<Event>,
    pub(crate) run_id: String,
    pub(crate) attempt: u32,
    pub(crate) max_attempts: u32,
}

pub(crate) type Handler =
    Arc<dyn Fn(Invocation, Step) -> BoxFuture<Result<Value, Error>> + Send + Sync>;

/// A durable function: its options, its body and an optional failure handler.
#[derive(Clone)]
pub struct Function {
    pub(crate) options: FunctionOptions,
    pub(crate) handler: Handler,
    pub(crate) on_failure: Option<Handler>,
}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Function")
            .field("options", &self.options)
            .field("on_failure", &self.on_failure.is_some())
            .finish_non_exhaustive()
    }
}

impl Function {
    /// Starts a function definition with its id (unique within the app).
    pub fn builder(id: impl Into<String>) -> FunctionBuilder {
        FunctionBuilder {
            options: FunctionOptions::new(id),
            on_failure: None,
        }
    }

    /// The function's options.
    pub fn options(&self) -> &FunctionOptions {
        &self.options
    }
}

/// Builds a [`Function`].
pub struct FunctionBuilder {
    options: FunctionOptions,
    on_failure: Option<Handler>,
}

impl FunctionBuilder {
    /// Replaces all options at once (triggers, retries, flow control).
    pub fn options(mut self, options: FunctionOptions) -> Self {
        self.options = options;
        self
    }

    /// Sets the display name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.options.name = Some(name.into());
        self
    }

    /// Adds a trigger.
    pub fn trigger(mut self, trigger: Trigger) -> Self {
        self.options.triggers.push(trigger);
        self
    }

    /// Sets the number of retries after the first attempt (default 4, at most 20).
    pub fn retries(mut self, retries: u32) -> Self {
        self.options.retries = Some(retries);
        self
    }

    /// Sets flow control (concurrency, throttle, debounce, ...).
    pub fn flow_control(mut self, flow: FlowControl) -> Self {
        self.options.flow = flow;
        self
    }

    /// Adds a failure handler, run once when a run of this function fails
    /// for good. It is registered as a companion function `<id>-failure`.
    pub fn on_failure<T, F, Fut, O>(mut self, handler: F) -> Self
    where
        T: DeserializeOwned + Send + 'static,
        F: Fn(Context<FunctionFailed<T>>, Step) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<O, Error>> + Send + 'static,
        O: Serialize,
    {
        self.on_failure = Some(typed_handler(handler));
        self
    }

    /// Finishes the definition with the function body.
    pub fn build<T, F, Fut, O>(self, handler: F) -> Function
    where
        T: DeserializeOwned + Send + 'static,
        F: Fn(Context<T>, Step) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<O, Error>> + Send + 'static,
        O: Serialize,
    {
        Function {
            options: self.options,
            handler: typed_handler(handler),
            on_failure: self.on_failure,
        }
    }
}

/// Wraps a typed body: parses the first event into `T`, then runs the body and
/// serializes its output. An event that does not parse is non-retriable,
/// because retrying cannot change it.
fn typed_handler<T, F, Fut, O>(handler: F) -> Handler
where
    T: DeserializeOwned + Send + 'static,
    F: Fn(Context<T>, Step) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<O, Error>> + Send + 'static,
    O: Serialize,
{
    let handler = Arc::new(handler);
    Arc::new(move |invocation: Invocation, step: Step| {
        let handler = Arc::clone(&handler);
        Box::pin(async move {
            let context = build_context::<T>(invocation, &step)?;
            let output = handler(context, step).await?;
            serde_json::to_value(output).map_err(|error| {
                Error::non_retriable(format!(
                    "the function output cannot be serialized as JSON: {error}"
                ))
            })
        })
    })
}

fn build_context<T: DeserializeOwned>(
    invocation: Invocation,
    step: &Step,
) -> Result<Context<T>, Error> {
    let Some(first) = invocation.events.first() else {
        return Err(Error::non_retriable(
            "the call request carries no event; the executor must send `event` or `events`",
        ));
    };
    let event = TypedEvent::parse(first).map_err(|error| {
        Error::non_retriable(format!(
            "the data of event `{}` does not match the function's input type: {error}",
            first.name
        ))
        .with_source(error)
    })?;

    Ok(Context {
        event,
        events: invocation.events,
        run_id: invocation.run_id,
        attempt: invocation.attempt,
        max_attempts: invocation.max_attempts,
        log: Logger::new(step.clone()),
    })
}
