//! Registration: reads the `/fn/register` payload (the same JSON an in-band
//! sync returns) into function records, rejecting what the executor cannot run.

use serde_json::{Map, Value};

use super::expression::{Expression, ExpressionError};
use super::model::{AppRecord, EventTrigger, FunctionRecord};
use super::{cancel, concurrency};
use crate::function::{DEFAULT_RETRIES, MAX_RETRIES};

/// Function options the local executor does not implement. Registering a
/// function that sets one fails rather than silently ignoring it.
const UNSUPPORTED_OPTIONS: [(&str, &str); 9] = [
    ("batchEvents", "event batching"),
    ("debounce", "debounce"),
    ("rateLimit", "rate limiting"),
    ("throttle", "throttling"),
    ("idempotency", "idempotency keys"),
    ("priority", "run priority"),
    ("timeouts", "start and finish timeouts"),
    ("singleton", "singleton runs"),
    ("checkpoint", "checkpointing"),
];

/// Why a registration was rejected.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// The payload is not the expected JSON.
    #[error("invalid registration: {0}")]
    Payload(String),
    /// A function's configuration is invalid.
    #[error("function {function:?} is invalid: {reason}")]
    Function { function: String, reason: String },
    /// A function uses a feature the local executor does not run.
    #[error(
        "function {function:?} uses {feature} (`{option}`), which the local executor does not support; \
         remove it, or run the Inngest dev server (npx inngest-cli dev) and point the app at it"
    )]
    Unsupported {
        function: String,
        feature: &'static str,
        option: &'static str,
    },
    /// A trigger, cancel or concurrency key expression is outside the
    /// supported subset.
    #[error("function {function:?} has an unsupported expression")]
    Expression {
        function: String,
        #[source]
        source: ExpressionError,
    },
}

/// Reads a registration payload: `appName`, `url` and `functions`.
///
/// # Errors
/// [`RegisterError`] naming the first invalid or unsupported function.
pub fn parse_register(payload: &Value) -> Result<AppRecord, RegisterError> {
    let Value::Object(payload) = payload else {
        return Err(RegisterError::Payload(
            "the body must be a JSON object".to_owned(),
        ));
    };
    let app_id = payload
        .get("appName")
        .and_then(Value::as_str)
        .filter(|name| !name.is_empty())
        .ok_or_else(|| {
            RegisterError::Payload("`appName` is missing or empty; set the app id".to_owned())
        })?;
    let url = payload
        .get("url")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let functions = match payload.get("functions") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(functions)) => functions.clone(),
        Some(_) => {
            return Err(RegisterError::Payload(
                "`functions` must be an array".to_owned(),
            ));
        }
    };

    let mut records = Vec::new();
    for function in &functions {
        let record = parse_function(app_id, function)?;
        if records
            .iter()
            .any(|existing: &FunctionRecord| existing.id == record.id)
        {
            return Err(RegisterError::Function {
                function: record.id,
                reason: "the id is used by two functions; function ids must be unique".to_owned(),
            });
        }
        records.push(record);
    }
    link_failure_handlers(&mut records);

    Ok(AppRecord {
        id: app_id.to_owned(),
        url: url.to_owned(),
        functions: records,
    })
}

fn parse_function(app_id: &str, function: &Value) -> Result<FunctionRecord, RegisterError> {
    let Value::Object(config) = function else {
        return Err(RegisterError::Payload(
            "each entry of `functions` must be an object".to_owned(),
        ));
    };
    let name = config
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let id = config
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .unwrap_or(name)
        .to_owned();
    let invalid = |reason: &str| RegisterError::Function {
        function: id.clone(),
        reason: reason.to_owned(),
    };
    if name.is_empty() {
        return Err(invalid("`name` is missing or empty"));
    }

    for (option, feature) in UNSUPPORTED_OPTIONS {
        if config.get(option).is_some_and(|value| !value.is_null()) {
            return Err(RegisterError::Unsupported {
                function: id,
                feature,
                option,
            });
        }
    }

    let triggers = parse_triggers(&id, config)?;
    let (url, retries) = parse_step(config).map_err(|reason| invalid(&reason))?;
    let concurrency = concurrency::parse_concurrency(&id, config)?;
    let cancel = cancel::parse_cancel(&id, config)?;
    Ok(FunctionRecord {
        id: id.clone(),
        app_id: app_id.to_owned(),
        name: name.to_owned(),
        triggers,
        url,
        retries,
        failure_handler: None,
        concurrency,
        cancel,
    })
}

fn parse_triggers(
    id: &str,
    config: &Map<String, Value>,
) -> Result<Vec<EventTrigger>, RegisterError> {
    let invalid = |reason: String| RegisterError::Function {
        function: id.to_owned(),
        reason,
    };
    let triggers = match config.get("triggers") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(triggers)) => triggers,
        Some(_) => return Err(invalid("`triggers` must be an array".to_owned())),
    };

    let mut parsed = Vec::new();
    for trigger in triggers {
        if trigger.get("cron").is_some_and(|cron| !cron.is_null()) {
            return Err(RegisterError::Unsupported {
                function: id.to_owned(),
                feature: "cron schedules",
                option: "triggers[].cron",
            });
        }
        let Some(event) = trigger
            .get("event")
            .and_then(Value::as_str)
            .filter(|event| !event.is_empty())
        else {
            return Err(invalid(format!("the trigger {trigger} has no event name")));
        };
        let expression = trigger
            .get("expression")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if let Some(text) = &expression {
            Expression::compile(text).map_err(|source| RegisterError::Expression {
                function: id.to_owned(),
                source,
            })?;
        }
        parsed.push(EventTrigger {
            event: event.to_owned(),
            expression,
        });
    }
    Ok(parsed)
}

/// Reads the single step's URL and the retry count: `steps.step.retries.attempts`,
/// else a top-level `retries`, else the default; capped at the maximum.
fn parse_step(config: &Map<String, Value>) -> Result<(String, u32), String> {
    let Some(Value::Object(steps)) = config.get("steps") else {
        return Err(
            "`steps` is missing; it must hold exactly one step with a runtime URL".to_owned(),
        );
    };
    if steps.len() != 1 {
        return Err(format!(
            "`steps` has {} entries; it must have exactly one",
            steps.len()
        ));
    }
    let Some((_, step)) = steps.iter().next() else {
        return Err("`steps` is empty".to_owned());
    };

    let url = step
        .pointer("/runtime/url")
        .and_then(Value::as_str)
        .ok_or("the step has no `runtime.url`")?;
    let parsed = url::Url::parse(url)
        .map_err(|error| format!("the step URL {url:?} is invalid: {error}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("the step URL {url:?} must use http or https"));
    }

    let retries = step
        .pointer("/retries/attempts")
        .or_else(|| config.get("retries"))
        .and_then(Value::as_u64)
        .map_or(DEFAULT_RETRIES, |retries| {
            retries.min(u64::from(MAX_RETRIES)) as u32
        });
    Ok((url.to_owned(), retries))
}

/// Links `<id>-failure` companions to the function they handle.
fn link_failure_handlers(records: &mut [FunctionRecord]) {
    let ids: Vec<String> = records.iter().map(|record| record.id.clone()).collect();
    for record in records.iter_mut() {
        let handler = format!("{}-failure", record.id);
        if ids.contains(&handler) {
            record.failure_handler = Some(handler);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn payload(function: Value) -> Value {
        json!({"appName": "app", "url": "http://localhost:1/api/inngest", "functions": [function]})
    }

    fn function() -> Value {
        json!({
            "id": "app-fn", "name": "fn",
            "triggers": [{"event": "a/b", "expression": "event.data.x == 'y'"}],
            "steps": {"step": {"id": "step", "name": "step",
                "runtime": {"type": "http", "url": "http://localhost:1/api/inngest?fnId=app-fn&stepId=step"},
                "retries": {"attempts": 2}}}
        })
    }

    #[test]
    fn reads_functions() {
        let app = parse_register(&payload(function())).expect("valid payload");
        assert_eq!(app.id, "app");
        assert_eq!(app.functions[0].retries, 2);
        assert_eq!(
            app.functions[0].triggers[0].expression.as_deref(),
            Some("event.data.x == 'y'")
        );
    }

    #[test]
    fn rejects_unsupported_features() {
        let mut with_debounce = function();
        with_debounce["debounce"] = json!({"period": "5s"});
        let error = parse_register(&payload(with_debounce)).expect_err("debounce is unsupported");
        assert!(error.to_string().contains("debounce"), "{error}");
        assert!(error.to_string().contains("dev server"), "{error}");

        let mut with_cron = function();
        with_cron["triggers"] = json!([{"cron": "* * * * *"}]);
        let error = parse_register(&payload(with_cron)).expect_err("cron is unsupported");
        assert!(error.to_string().contains("cron"), "{error}");
    }

    #[test]
    fn reads_concurrency_and_cancel() {
        let mut limited = function();
        limited["concurrency"] = json!({"limit": 5, "key": "event.data.account_id"});
        limited["cancel"] =
            json!([{"event": "cancel/please", "if": "async.data.id == event.data.id"}]);
        let app = parse_register(&payload(limited)).expect("both options are supported");
        assert_eq!(app.functions[0].concurrency[0].limit, 5);
        assert_eq!(app.functions[0].cancel[0].event, "cancel/please");
    }

    #[test]
    fn rejects_unsupported_expressions() {
        let mut with_function_call = function();
        with_function_call["triggers"] =
            json!([{"event": "a", "expression": "size(event.data) > 1"}]);
        let error =
            parse_register(&payload(with_function_call)).expect_err("size() is unsupported");
        let chain = format!(
            "{error}: {}",
            std::error::Error::source(&error)
                .map(ToString::to_string)
                .unwrap_or_default()
        );
        assert!(chain.contains("size(event.data) > 1"), "{chain}");
    }
}
