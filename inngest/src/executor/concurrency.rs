//! Concurrency limits: reading them at registration, evaluating the slot
//! keys of a run when it starts, and admitting due calls within the limits
//! when a store claims jobs.
//!
//! A limit counts calls in flight, that is call jobs claimed and not yet
//! done, because Inngest limits step execution rather than started runs.
//! Parallel steps of one run each take a slot, and a run that sleeps or waits
//! for an event takes none. Scope `fn` gives each function its own slots per
//! evaluated key. Scopes `env` and `account` share the slots of one evaluated
//! key between every function that uses them. A single executor serves one
//! environment of one account, so the two behave alike here.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::expression::Expression;
use super::model::{ConcurrencyKey, ConcurrencyLimit, FunctionRecord};
use super::registry::RegisterError;
use crate::function::{ConcurrencyOption, MAX_CONCURRENCY_LIMITS, Scope};

/// Reads the `concurrency` option: a number, one object, or a list of up to
/// two `{limit, key?, scope?}` objects. A limit of 0 means no limit, as in
/// Inngest, so it is left out.
///
/// # Errors
/// [`RegisterError`] for another shape, too many limits, or a key outside
/// the expression subset.
pub(super) fn parse_concurrency(
    id: &str,
    config: &Map<String, Value>,
) -> Result<Vec<ConcurrencyLimit>, RegisterError> {
    let invalid = |reason: String| RegisterError::Function {
        function: id.to_owned(),
        reason,
    };
    let option = match config.get("concurrency") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(value) => {
            serde_json::from_value::<ConcurrencyOption>(value.clone()).map_err(|_| {
                invalid(format!(
                    "`concurrency` is {value}; it must be a number, an object \
                 `{{limit, key?, scope?}}` or a list of up to {MAX_CONCURRENCY_LIMITS} such objects"
                ))
            })?
        }
    };
    let limits = option.limits();
    if limits.len() > MAX_CONCURRENCY_LIMITS {
        return Err(invalid(format!(
            "`concurrency` has {} limits; the maximum is {MAX_CONCURRENCY_LIMITS}",
            limits.len()
        )));
    }

    let mut parsed = Vec::new();
    for limit in limits.into_iter().filter(|limit| limit.limit > 0) {
        let key = limit.key.filter(|key| !key.is_empty());
        if let Some(text) = &key {
            Expression::compile(text).map_err(|source| RegisterError::Expression {
                function: id.to_owned(),
                source,
            })?;
        }
        parsed.push(ConcurrencyLimit {
            limit: limit.limit,
            key,
            scope: limit.scope.unwrap_or(Scope::Fn),
        });
    }
    Ok(parsed)
}

/// Evaluates the slot keys of a run of `function` triggered by `event`. A key
/// expression that no longer compiles, or a path that is missing, evaluates
/// to `null`, so those runs share one pool rather than escaping the limit.
pub(super) fn run_keys(function: &FunctionRecord, event: &Value) -> Vec<ConcurrencyKey> {
    function
        .concurrency
        .iter()
        .map(|limit| {
            let value = limit.key.as_deref().map(|text| match Expression::compile(text) {
                Ok(expression) => expression.evaluate(event, &Value::Null),
                Err(error) => {
                    tracing::warn!(function_id = %function.id, %error, "a concurrency key no longer compiles; using null");
                    Value::Null
                }
            });
            let evaluated = value.map(|value| value.to_string()).unwrap_or_default();
            let key = match limit.scope {
                Scope::Fn => format!(
                    "fn:{}:{}={evaluated}",
                    function.id,
                    limit.key.as_deref().unwrap_or_default()
                ),
                Scope::Env => format!("env:{evaluated}"),
                Scope::Account => format!("account:{evaluated}"),
            };
            ConcurrencyKey {
                key,
                limit: limit.limit,
            }
        })
        .collect()
}

/// Calls in flight per slot key while a claim admits due calls. Stores build
/// one from the keys of every call job that is claimed and not yet done, then
/// ask [`ConcurrencySlots::try_take`] for each due call in due order.
#[derive(Debug, Default, Clone)]
pub struct ConcurrencySlots {
    in_flight: HashMap<String, u32>,
}

impl ConcurrencySlots {
    /// Counts the keys of calls already in flight, one list per call.
    pub fn new<'a>(in_flight: impl IntoIterator<Item = &'a [ConcurrencyKey]>) -> Self {
        let mut slots = Self::default();
        for keys in in_flight {
            slots.take(keys);
        }
        slots
    }

    /// Takes a slot of every key when each has one free, and returns whether
    /// the call may start. A call without keys always may.
    pub fn try_take(&mut self, keys: &[ConcurrencyKey]) -> bool {
        let free = keys
            .iter()
            .all(|key| self.in_flight.get(&key.key).copied().unwrap_or_default() < key.limit);
        if free {
            self.take(keys);
        }
        free
    }

    fn take(&mut self, keys: &[ConcurrencyKey]) {
        for key in keys {
            *self.in_flight.entry(key.key.clone()).or_default() += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(concurrency: Value) -> Map<String, Value> {
        let Value::Object(map) = json!({ "concurrency": concurrency }) else {
            unreachable!("a JSON object literal")
        };
        map
    }

    fn function(concurrency: Vec<ConcurrencyLimit>) -> FunctionRecord {
        FunctionRecord {
            id: "app-fn".to_owned(),
            app_id: "app".to_owned(),
            name: "fn".to_owned(),
            triggers: Vec::new(),
            url: "http://127.0.0.1:1/api/inngest".to_owned(),
            retries: 0,
            failure_handler: None,
            concurrency,
            cancel: Vec::new(),
        }
    }

    #[test]
    fn reads_every_shape() {
        let number = parse_concurrency("f", &config(json!(3))).expect("a number is valid");
        assert_eq!(number[0].limit, 3);
        assert_eq!(number[0].scope, Scope::Fn);

        let object = parse_concurrency(
            "f",
            &config(json!({"limit": 5, "key": "event.data.account_id"})),
        )
        .expect("an object is valid");
        assert_eq!(object[0].key.as_deref(), Some("event.data.account_id"));

        let list = parse_concurrency(
            "f",
            &config(json!([{"limit": 1, "key": "event.data.a"}, {"limit": 9, "scope": "env", "key": "'openai'"}])),
        )
        .expect("a list of two is valid");
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].scope, Scope::Env);

        let zero = parse_concurrency("f", &config(json!(0))).expect("zero means no limit");
        assert!(zero.is_empty());
    }

    #[test]
    fn rejects_invalid_limits() {
        let three = json!([{"limit": 1}, {"limit": 2}, {"limit": 3}]);
        let error = parse_concurrency("f", &config(three)).expect_err("three limits");
        assert!(error.to_string().contains("maximum is 2"), "{error}");

        let error = parse_concurrency("f", &config(json!("five"))).expect_err("a string");
        assert!(error.to_string().contains("must be a number"), "{error}");

        let error = parse_concurrency("f", &config(json!({"limit": 1, "key": "size(event)"})))
            .expect_err("an unsupported key");
        assert!(matches!(error, RegisterError::Expression { .. }), "{error}");
    }

    #[test]
    fn keys_follow_scope_and_event() {
        let limits = vec![
            ConcurrencyLimit {
                limit: 1,
                key: Some("event.data.call_id".to_owned()),
                scope: Scope::Fn,
            },
            ConcurrencyLimit {
                limit: 4,
                key: Some("event.data.vendor".to_owned()),
                scope: Scope::Env,
            },
        ];
        let keys = run_keys(
            &function(limits),
            &json!({"data": {"call_id": "c1", "vendor": "openai"}}),
        );
        assert_eq!(keys[0].key, "fn:app-fn:event.data.call_id=\"c1\"");
        assert_eq!(keys[0].limit, 1);
        assert_eq!(keys[1].key, "env:\"openai\"");
    }

    #[test]
    fn slots_admit_up_to_the_limit() {
        let key = |name: &str, limit| ConcurrencyKey {
            key: name.to_owned(),
            limit,
        };
        let busy = [key("a", 2)];
        let mut slots = ConcurrencySlots::new([&busy[..]]);

        assert!(slots.try_take(&[key("a", 2)]), "one of two slots is free");
        assert!(!slots.try_take(&[key("a", 2)]), "both slots are taken");
        assert!(
            !slots.try_take(&[key("b", 1), key("a", 2)]),
            "a call needs a slot of every key"
        );
        assert!(
            slots.try_take(&[key("b", 1)]),
            "the failed call took no slot of b"
        );
        assert!(slots.try_take(&[]), "a call without keys is never limited");
    }
}
