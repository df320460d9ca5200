//! The error raised for an invalid function option.

use super::duration::TimeStringError;

/// An invalid function option. The message names the function, the option
/// (in the JavaScript option spelling, such as `batchEvents.timeout`) and how
/// to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("function {function_id:?}: invalid option `{option}`: {kind}")]
pub struct FunctionConfigError {
    /// The function id, as given in its options.
    pub function_id: String,
    /// Path of the invalid option, such as `triggers[2].cron`.
    pub option: String,
    /// Kind of problem, with how to fix it.
    pub kind: FunctionConfigErrorKind,
}

/// Kind of problem with an option.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FunctionConfigErrorKind {
    /// The function id is empty.
    #[error("the id is empty; give the function an id that is unique in the app")]
    EmptyId,
    /// The display name is set but empty.
    #[error("the name is empty; set a display name or leave it out to use the id")]
    EmptyName,
    /// Two functions, or a function and a failure handler, share a composite id.
    #[error(
        "another function in the app also has the composite id `{0}`; give each function a unique id, and note that \
         a function with a failure handler also takes `<id>-failure`"
    )]
    DuplicateId(String),
    /// More triggers than the server accepts.
    #[error("{0} triggers are set but at most 10 are allowed; split the function into several")]
    TooManyTriggers(usize),
    /// The same trigger appears twice.
    #[error("the trigger is the same as an earlier one; remove the duplicate")]
    DuplicateTrigger,
    /// An event name is empty.
    #[error("the event name is empty; set the name of the event, such as \"calls/uploaded\"")]
    EmptyEventName,
    /// An event name or cron schedule is too long.
    #[error("the value is {0} bytes long but at most 255 are allowed; shorten it")]
    TooLong(usize),
    /// A cron schedule does not have five fields.
    #[error(
        "the schedule {schedule:?} has {fields} fields; write 5 (minute hour day-of-month month day-of-week), \
         optionally after a \"TZ=Zone/Name \" prefix"
    )]
    MalformedCron {
        /// The schedule as given.
        schedule: String,
        /// Whitespace-separated fields after any `TZ=` prefix.
        fields: usize,
    },
    /// More retries than the maximum of 20.
    #[error("{0} is more than the maximum of 20; set retries between 0 and 20")]
    TooManyRetries(u32),
    /// More than two concurrency limits.
    #[error("{0} limits are set but at most 2 are allowed; remove the extra ones")]
    TooManyConcurrencyLimits(usize),
    /// A limit of 0, or a missing limit.
    #[error("the limit is 0 or missing; set a limit of at least 1")]
    ZeroLimit,
    /// A duration that does not parse.
    #[error("{0}")]
    Duration(TimeStringError),
    /// A duration of zero where a positive one is needed.
    #[error("the duration is 0; set a duration of at least 1s")]
    ZeroDuration,
    /// A duration outside its allowed range.
    #[error(
        "the duration {value:?} is outside the allowed range {min} to {max}; set one within it"
    )]
    DurationOutOfRange {
        /// The duration as given.
        value: String,
        /// Minimum allowed duration.
        min: &'static str,
        /// Maximum allowed duration.
        max: &'static str,
    },
    /// A number outside its allowed range.
    #[error("{value} is outside the allowed range {min} to {max}; set one within it")]
    OutOfRange {
        /// The number as given.
        value: u32,
        /// Minimum allowed value.
        min: u32,
        /// Maximum allowed value.
        max: u32,
    },
    /// Batching combined with an option the server does not allow with it.
    #[error("batching cannot be combined with `{0}`; remove one of the two options")]
    BatchConflict(&'static str),
    /// More `cancelOn` entries than the server accepts.
    #[error("{0} cancellation events are set but at most 5 are allowed; remove the extra ones")]
    TooManyCancels(usize),
    /// `priority` without `run`.
    #[error(
        "`run` is missing; set a CEL expression returning the seconds to move a run ahead, such as \
         \"event.data.plan == 'enterprise' ? 120 : 0\""
    )]
    MissingPriorityRun,
    /// An expression option set to an empty string.
    #[error("the expression is empty; set a CEL expression or leave the option out")]
    EmptyExpression,
}
