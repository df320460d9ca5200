//! Checks of function options at registration time, so that options the
//! Inngest server would reject, or that cannot mean what was intended, are
//! reported at startup instead of failing a sync.

use std::collections::HashSet;
use std::time::Duration;

use super::batch::BatchEvents;
use super::cancel::Cancel;
use super::concurrency::ConcurrencyOption;
use super::config::{FunctionOptions, MAX_RETRIES};
use super::config_error::{FunctionConfigError, FunctionConfigErrorKind};
use super::duration::TimeString;
use super::flow::FlowControl;
use super::trigger::Trigger;

/// Triggers allowed per function by the Inngest server.
pub const MAX_TRIGGERS: usize = 10;

/// Maximum length of an event name or cron schedule, in bytes, that the
/// Inngest server accepts.
pub const MAX_NAME_LEN: usize = 255;

/// Concurrency limits allowed per function.
pub const MAX_CONCURRENCY_LIMITS: usize = 2;

/// `cancelOn` entries allowed per function by the Inngest server.
pub const MAX_CANCELS: usize = 5;

const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);
const WEEK: Duration = Duration::from_secs(7 * 86_400);

/// Builds the errors of one function, each naming its id.
struct Checker<'a> {
    function_id: &'a str,
}

impl Checker<'_> {
    fn error(
        &self,
        option: impl Into<String>,
        kind: FunctionConfigErrorKind,
    ) -> FunctionConfigError {
        FunctionConfigError {
            function_id: self.function_id.to_owned(),
            option: option.into(),
            kind,
        }
    }

    fn duration(&self, option: &str, value: &TimeString) -> Result<Duration, FunctionConfigError> {
        value
            .to_duration()
            .map_err(|error| self.error(option, FunctionConfigErrorKind::Duration(error)))
    }

    fn positive_duration(
        &self,
        option: &str,
        value: &TimeString,
    ) -> Result<Duration, FunctionConfigError> {
        let duration = self.duration(option, value)?;
        if duration.is_zero() {
            return Err(self.error(option, FunctionConfigErrorKind::ZeroDuration));
        }
        Ok(duration)
    }

    fn duration_within(
        &self,
        option: &str,
        value: &TimeString,
        (min, max): (Duration, Duration),
        (min_text, max_text): (&'static str, &'static str),
    ) -> Result<(), FunctionConfigError> {
        let duration = self.duration(option, value)?;
        if duration < min || duration > max {
            let kind = FunctionConfigErrorKind::DurationOutOfRange {
                value: value.to_string(),
                min: min_text,
                max: max_text,
            };
            return Err(self.error(option, kind));
        }
        Ok(())
    }

    fn event_name(&self, option: &str, name: &str) -> Result<(), FunctionConfigError> {
        if name.is_empty() {
            return Err(self.error(option, FunctionConfigErrorKind::EmptyEventName));
        }
        if name.len() > MAX_NAME_LEN {
            return Err(self.error(option, FunctionConfigErrorKind::TooLong(name.len())));
        }
        Ok(())
    }

    fn expression(
        &self,
        option: &str,
        expression: Option<&String>,
    ) -> Result<(), FunctionConfigError> {
        match expression {
            Some(expression) if expression.trim().is_empty() => {
                Err(self.error(option, FunctionConfigErrorKind::EmptyExpression))
            }
            _ => Ok(()),
        }
    }
}

/// Checks one function's options; the first invalid option is returned.
pub(crate) fn validate_options(options: &FunctionOptions) -> Result<(), FunctionConfigError> {
    let checker = Checker {
        function_id: &options.id,
    };

    if options.id.trim().is_empty() {
        return Err(checker.error("id", FunctionConfigErrorKind::EmptyId));
    }
    if options
        .name
        .as_deref()
        .is_some_and(|name| name.trim().is_empty())
    {
        return Err(checker.error("name", FunctionConfigErrorKind::EmptyName));
    }
    validate_triggers(&checker, &options.triggers)?;
    if let Some(retries) = options.retries.filter(|retries| *retries > MAX_RETRIES) {
        return Err(checker.error("retries", FunctionConfigErrorKind::TooManyRetries(retries)));
    }
    validate_flow(&checker, options)
}

fn validate_triggers(
    checker: &Checker<'_>,
    triggers: &[Trigger],
) -> Result<(), FunctionConfigError> {
    if triggers.len() > MAX_TRIGGERS {
        return Err(checker.error(
            "triggers",
            FunctionConfigErrorKind::TooManyTriggers(triggers.len()),
        ));
    }

    let mut seen = HashSet::new();
    for (index, trigger) in triggers.iter().enumerate() {
        match trigger {
            Trigger::Event { event, expression } => {
                checker.event_name(&format!("triggers[{index}].event"), event)?;
                checker.expression(&format!("triggers[{index}].if"), expression.as_ref())?;
            }
            Trigger::Cron { cron } => {
                validate_cron(checker, &format!("triggers[{index}].cron"), cron)?
            }
        }
        if !seen.insert(trigger) {
            return Err(checker.error(
                format!("triggers[{index}]"),
                FunctionConfigErrorKind::DuplicateTrigger,
            ));
        }
    }
    Ok(())
}

/// Checks the length and the field count of a schedule. The fields
/// themselves are left to the server's cron parser.
fn validate_cron(
    checker: &Checker<'_>,
    option: &str,
    schedule: &str,
) -> Result<(), FunctionConfigError> {
    if schedule.len() > MAX_NAME_LEN {
        return Err(checker.error(option, FunctionConfigErrorKind::TooLong(schedule.len())));
    }

    let mut fields = schedule.split_whitespace().peekable();
    if fields
        .peek()
        .is_some_and(|first| first.starts_with("TZ=") || first.starts_with("CRON_TZ="))
    {
        fields.next();
    }
    // NOTE: descriptors such as `@daily` or `@every 5m` pass unchecked,
    // because the server's parser may accept them.
    if fields.peek().is_some_and(|first| first.starts_with('@')) {
        return Ok(());
    }
    let count = fields.count();
    if count != 5 {
        let kind = FunctionConfigErrorKind::MalformedCron {
            schedule: schedule.to_owned(),
            fields: count,
        };
        return Err(checker.error(option, kind));
    }
    Ok(())
}

fn validate_flow(
    checker: &Checker<'_>,
    options: &FunctionOptions,
) -> Result<(), FunctionConfigError> {
    let flow = &options.flow;

    checker.expression("idempotency", flow.idempotency.as_ref())?;
    if let Some(batch) = &flow.batch_events {
        validate_batch(checker, batch)?;
        validate_batch_conflicts(checker, options)?;
    }
    validate_time_windows(checker, flow)?;
    if let Some(concurrency) = &flow.concurrency {
        validate_concurrency(checker, concurrency)?;
    }
    if let Some(priority) = &flow.priority
        && priority
            .run
            .as_deref()
            .is_none_or(|run| run.trim().is_empty())
    {
        return Err(checker.error("priority.run", FunctionConfigErrorKind::MissingPriorityRun));
    }
    if let Some(cancel_on) = &flow.cancel_on {
        validate_cancel_on(checker, cancel_on)?;
    }
    Ok(())
}

fn validate_batch(checker: &Checker<'_>, batch: &BatchEvents) -> Result<(), FunctionConfigError> {
    if !(1..=100).contains(&batch.max_size) {
        let kind = FunctionConfigErrorKind::OutOfRange {
            value: batch.max_size,
            min: 1,
            max: 100,
        };
        return Err(checker.error("batchEvents.maxSize", kind));
    }
    checker.duration_within(
        "batchEvents.timeout",
        &batch.timeout,
        (SECOND, MINUTE),
        ("1s", "60s"),
    )?;
    checker.expression("batchEvents.key", batch.key.as_ref())?;
    checker.expression("batchEvents.if", batch.expression.as_ref())
}

/// Checks the options measured in time: rate limit, throttle, debounce and
/// timeouts.
fn validate_time_windows(
    checker: &Checker<'_>,
    flow: &FlowControl,
) -> Result<(), FunctionConfigError> {
    if let Some(rate_limit) = &flow.rate_limit {
        if rate_limit.limit == 0 {
            return Err(checker.error("rateLimit.limit", FunctionConfigErrorKind::ZeroLimit));
        }
        checker.positive_duration("rateLimit.period", &rate_limit.period)?;
    }
    if let Some(throttle) = &flow.throttle {
        if throttle.limit == 0 {
            return Err(checker.error("throttle.limit", FunctionConfigErrorKind::ZeroLimit));
        }
        checker.positive_duration("throttle.period", &throttle.period)?;
    }
    if let Some(debounce) = &flow.debounce {
        checker.duration_within(
            "debounce.period",
            &debounce.period,
            (SECOND, WEEK),
            ("1s", "7d"),
        )?;
        if let Some(timeout) = &debounce.timeout {
            checker.positive_duration("debounce.timeout", timeout)?;
        }
    }
    if let Some(timeouts) = &flow.timeouts {
        if let Some(start) = &timeouts.start {
            checker.positive_duration("timeouts.start", start)?;
        }
        if let Some(finish) = &timeouts.finish {
            checker.positive_duration("timeouts.finish", finish)?;
        }
    }
    Ok(())
}

/// Rejects batching combined with cancellation, debouncing,
/// singleton or a priority expression, which the server rejects too.
fn validate_batch_conflicts(
    checker: &Checker<'_>,
    options: &FunctionOptions,
) -> Result<(), FunctionConfigError> {
    let flow = &options.flow;
    let conflicts = [
        (
            "cancelOn",
            flow.cancel_on
                .as_ref()
                .is_some_and(|cancel_on| !cancel_on.is_empty()),
        ),
        ("debounce", flow.debounce.is_some()),
        ("singleton", flow.singleton.is_some()),
        ("priority", flow.priority.is_some()),
    ];
    match conflicts.iter().find(|(_, present)| *present) {
        Some((other, _)) => {
            Err(checker.error("batchEvents", FunctionConfigErrorKind::BatchConflict(other)))
        }
        None => Ok(()),
    }
}

fn validate_concurrency(
    checker: &Checker<'_>,
    concurrency: &ConcurrencyOption,
) -> Result<(), FunctionConfigError> {
    let list = match concurrency {
        ConcurrencyOption::Limit(0) => {
            return Err(checker.error("concurrency", FunctionConfigErrorKind::ZeroLimit));
        }
        ConcurrencyOption::Single(single) if single.limit == 0 => {
            return Err(checker.error("concurrency.limit", FunctionConfigErrorKind::ZeroLimit));
        }
        ConcurrencyOption::Limit(_) | ConcurrencyOption::Single(_) => return Ok(()),
        ConcurrencyOption::List(list) => list,
    };

    if list.len() > MAX_CONCURRENCY_LIMITS {
        return Err(checker.error(
            "concurrency",
            FunctionConfigErrorKind::TooManyConcurrencyLimits(list.len()),
        ));
    }
    for (index, limit) in list.iter().enumerate() {
        if limit.limit == 0 {
            return Err(checker.error(
                format!("concurrency[{index}].limit"),
                FunctionConfigErrorKind::ZeroLimit,
            ));
        }
    }
    Ok(())
}

fn validate_cancel_on(
    checker: &Checker<'_>,
    cancel_on: &[Cancel],
) -> Result<(), FunctionConfigError> {
    if cancel_on.len() > MAX_CANCELS {
        return Err(checker.error(
            "cancelOn",
            FunctionConfigErrorKind::TooManyCancels(cancel_on.len()),
        ));
    }
    for (index, cancel) in cancel_on.iter().enumerate() {
        checker.event_name(&format!("cancelOn[{index}].event"), &cancel.event)?;
        // An empty timeout is left out of the sync, as in JavaScript.
        if let Some(timeout) = cancel
            .timeout
            .as_ref()
            .filter(|timeout| !timeout.is_empty())
        {
            checker.positive_duration(&format!("cancelOn[{index}].timeout"), timeout)?;
        }
    }
    Ok(())
}

/// Checks that composite ids, failure handlers' included, are unique in an
/// app. The server rejects a sync with duplicates.
pub(crate) fn validate_unique_ids<'a>(
    entries: impl IntoIterator<Item = (&'a str, String)>,
) -> Result<(), FunctionConfigError> {
    let mut seen = HashSet::new();
    for (function_id, composite_id) in entries {
        if !seen.insert(composite_id.clone()) {
            return Err(FunctionConfigError {
                function_id: function_id.to_owned(),
                option: "id".to_owned(),
                kind: FunctionConfigErrorKind::DuplicateId(composite_id),
            });
        }
    }
    Ok(())
}
