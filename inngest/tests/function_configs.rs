//! Function options: sync JSON against the official JavaScript SDK's output,
//! typed builders, and validation at registration time.

use std::path::PathBuf;
use std::time::Duration;

use inngest::app::url_util::ServeUrl;
use inngest::function::{
    BatchEvents, Cancel, Concurrency, Debounce, FlowControl, FunctionConfigError,
    FunctionConfigErrorKind, FunctionOptions, Priority, RateLimit, Scope, Singleton, SingletonMode,
    Throttle, Timeouts,
};
use inngest::serve::ServeConfig;
use inngest::serve::ServeHandler;
use inngest::{App, Context, Error, Function, FunctionFailed, Step, Trigger};
use serde_json::{Value, json};

const APP_ID: &str = "call-insights";
const SERVE_URL: &str = "http://localhost:3000/api/inngest";

fn vector_cases() -> Vec<Value> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/function_configs.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let vectors: Value = serde_json::from_str(&text).expect("the vector file is JSON");
    assert_eq!(vectors["app_id"], APP_ID);
    assert_eq!(vectors["serve_url"], SERVE_URL);
    vectors["cases"]
        .as_array()
        .expect("`cases` is an array")
        .clone()
}

/// Builds a function with a no-op body, and a failure handler when asked.
fn function(options: FunctionOptions, with_failure_handler: bool) -> Function {
    let mut builder = Function::builder(options.id.clone()).options(options);
    if with_failure_handler {
        builder = builder
            .on_failure(|_: Context<FunctionFailed<Value>>, _: Step| async { Ok::<_, Error>(()) });
    }
    builder.build(|_: Context<Value>, _: Step| async { Ok::<_, Error>(()) })
}

fn sync_configs(app: &App) -> Value {
    let serve_url = ServeUrl::new(SERVE_URL.parse().expect("the serve URL parses"));
    Value::Array(app.sync_functions(&serve_url))
}

fn sync_configs_of(options: FunctionOptions) -> Value {
    sync_configs(&App::new(APP_ID).function(function(options, false)))
}

/// Returns the sync configs the JavaScript SDK produced for the case with this id.
fn expected_configs(id: &str) -> Value {
    vector_cases()
        .into_iter()
        .find(|case| case["input_options"]["id"] == id)
        .unwrap_or_else(|| panic!("no vector case has the id {id:?}"))["sync_configs"]
        .clone()
}

#[test]
fn vector_cases_match_javascript() {
    let cases = vector_cases();
    assert!(!cases.is_empty());

    for case in cases {
        let input = &case["input_options"];
        let id = input["id"].as_str().expect("every case has an id");
        // The vector writes a failure handler as a placeholder string, since a
        // JavaScript function cannot be recorded.
        let with_failure_handler = input.get("onFailure").is_some();
        let options: FunctionOptions = serde_json::from_value(input.clone())
            .unwrap_or_else(|error| panic!("case {id}: options: {error}"));
        options
            .validate()
            .unwrap_or_else(|error| panic!("case {id}: valid options rejected: {error}"));

        let app = App::new(APP_ID).function(function(options, with_failure_handler));
        app.validate()
            .unwrap_or_else(|error| panic!("case {id}: valid app rejected: {error}"));
        assert_eq!(sync_configs(&app), case["sync_configs"], "case {id}");
    }
}

#[test]
fn options_round_trip_through_serde() {
    for case in vector_cases() {
        let options: FunctionOptions =
            serde_json::from_value(case["input_options"].clone()).unwrap();
        let written = serde_json::to_value(&options).unwrap();
        let read: FunctionOptions = serde_json::from_value(written).unwrap();
        assert_eq!(read, options, "case {}", case["input_options"]["id"]);
    }
}

// Typed builders produce the same JSON as the JavaScript options.

#[test]
fn builder_matches_multi_trigger() {
    let mut options = FunctionOptions::new("multi-trigger");
    options.triggers = vec![
        Trigger::event("a/b"),
        Trigger::event_if("c/d", "event.data.x == 1"),
        Trigger::cron("*/5 * * * *"),
    ];
    assert_eq!(sync_configs_of(options), expected_configs("multi-trigger"));
}

#[test]
fn builder_matches_concurrency_number() {
    let mut options = FunctionOptions::new("concurrency-number");
    options.triggers = vec![Trigger::event("a/b")];
    options.flow = FlowControl::new().concurrency(10);
    assert_eq!(
        sync_configs_of(options),
        expected_configs("concurrency-number")
    );
}

#[test]
fn builder_matches_concurrency_array() {
    let mut options = FunctionOptions::new("concurrency-array");
    options.triggers = vec![Trigger::event("a/b")];
    options.flow = FlowControl::new().concurrency([
        Concurrency::new(5)
            .key("event.data.account_id")
            .scope(Scope::Fn),
        Concurrency::new(100)
            .key("\"openai\"")
            .scope(Scope::Account),
    ]);
    assert_eq!(
        sync_configs_of(options),
        expected_configs("concurrency-array")
    );
}

#[test]
fn builder_matches_throttle() {
    let mut options = FunctionOptions::new("throttle");
    options.triggers = vec![Trigger::event("a/b")];
    let throttle = Throttle::new(10, Duration::from_secs(60))
        .burst(2)
        .key("event.data.account_id");
    options.flow = FlowControl::new().throttle(throttle);
    assert_eq!(sync_configs_of(options), expected_configs("throttle"));
}

#[test]
fn builder_matches_rate_limit() {
    let mut options = FunctionOptions::new("rate-limit");
    options.triggers = vec![Trigger::event("a/b")];
    let rate_limit = RateLimit::new(1, Duration::from_secs(4 * 3_600)).key("event.data.user_id");
    options.flow = FlowControl::new().rate_limit(rate_limit);
    assert_eq!(sync_configs_of(options), expected_configs("rate-limit"));
}

#[test]
fn builder_matches_debounce() {
    let mut options = FunctionOptions::new("debounce");
    options.triggers = vec![Trigger::event("a/b")];
    let debounce = Debounce::new(Duration::from_secs(300))
        .key("event.data.user_id")
        .timeout(Duration::from_secs(1_800));
    options.flow = FlowControl::new().debounce(debounce);
    assert_eq!(sync_configs_of(options), expected_configs("debounce"));
}

#[test]
fn builder_matches_batch() {
    let mut options = FunctionOptions::new("batch");
    options.triggers = vec![Trigger::event("a/b")];
    let batch = BatchEvents::new(100, Duration::from_secs(5))
        .key("event.data.account_id")
        .expression("event.data.kind == 'x'");
    options.flow = FlowControl::new().batch_events(batch);
    assert_eq!(sync_configs_of(options), expected_configs("batch"));
}

#[test]
fn builder_matches_priority_timeouts_singleton() {
    let mut priority = FunctionOptions::new("priority");
    priority.triggers = vec![Trigger::event("a/b")];
    priority.flow =
        FlowControl::new().priority(Priority::run("event.data.plan == 'enterprise' ? 120 : 0"));
    assert_eq!(sync_configs_of(priority), expected_configs("priority"));

    let mut timeouts = FunctionOptions::new("timeouts");
    timeouts.triggers = vec![Trigger::event("a/b")];
    let limits = Timeouts::new()
        .start(Duration::from_secs(10))
        .finish(Duration::from_secs(3_600));
    timeouts.flow = FlowControl::new().timeouts(limits);
    assert_eq!(sync_configs_of(timeouts), expected_configs("timeouts"));

    let mut singleton = FunctionOptions::new("singleton");
    singleton.triggers = vec![Trigger::event("a/b")];
    singleton.flow = FlowControl::new()
        .singleton(Singleton::new(SingletonMode::Cancel).key("event.data.user_id"));
    assert_eq!(sync_configs_of(singleton), expected_configs("singleton"));
}

#[test]
fn builder_matches_cancel_on() {
    let mut options = FunctionOptions::new("cancel-on");
    options.triggers = vec![Trigger::event("a/b")];
    options.flow = FlowControl::new()
        .cancel_on(Cancel::new("calls/deleted").match_field("data.call_id"))
        .cancel_on(
            Cancel::new("accounts/closed")
                .expression("async.data.account_id == event.data.account_id")
                .timeout(Duration::from_secs(3_600)),
        );
    assert_eq!(sync_configs_of(options), expected_configs("cancel-on"));
}

#[test]
fn builder_matches_failure_handler() {
    let function = Function::builder("with-on-failure")
        .trigger(Trigger::event("a/b"))
        .retries(5)
        .on_failure(|_: Context<FunctionFailed<Value>>, _: Step| async { Ok::<_, Error>(()) })
        .build(|_: Context<Value>, _: Step| async { Ok::<_, Error>(()) });
    let app = App::new(APP_ID).function(function);
    assert_eq!(sync_configs(&app), expected_configs("with-on-failure"));
}

#[test]
fn cancel_timeout_is_normalized() {
    let options: FunctionOptions = serde_json::from_value(json!({
        "id": "cancel-normalized",
        "cancelOn": [{ "event": "a/b", "timeout": "90m" }, { "event": "c/d", "timeout": 7_200_000 }],
    }))
    .unwrap();
    let configs = sync_configs_of(options);
    assert_eq!(
        configs[0]["cancel"][0],
        json!({ "event": "a/b", "timeout": "1h30m" })
    );
    assert_eq!(
        configs[0]["cancel"][1],
        json!({ "event": "c/d", "timeout": "2h" })
    );
}

// Validation: one test per rule. Each checks the option named and the kind.

fn options(value: Value) -> FunctionOptions {
    serde_json::from_value(value).expect("the options deserialize")
}

fn rejected(value: Value) -> FunctionConfigError {
    options(value)
        .validate()
        .expect_err("the options are invalid")
}

/// Asserts that the message names the function and the option.
fn assert_names(error: &FunctionConfigError, function_id: &str, option: &str) {
    let message = error.to_string();
    assert_eq!(error.option, option, "{message}");
    assert!(message.contains(&format!("{function_id:?}")), "{message}");
    assert!(message.contains(&format!("`{option}`")), "{message}");
}

#[test]
fn rejects_empty_id() {
    let error = rejected(json!({ "id": "" }));
    assert_names(&error, "", "id");
    assert_eq!(error.kind, FunctionConfigErrorKind::EmptyId);
}

#[test]
fn rejects_duplicate_function_ids() {
    let app = App::new(APP_ID)
        .function(function(FunctionOptions::new("summarize"), false))
        .function(function(FunctionOptions::new("summarize"), false));
    let error = app.validate().unwrap_err();
    assert_names(&error, "summarize", "id");
    assert_eq!(
        error.kind,
        FunctionConfigErrorKind::DuplicateId("call-insights-summarize".to_owned())
    );
}

#[test]
fn rejects_id_taken_by_failure_handler() {
    let app = App::new(APP_ID)
        .function(function(FunctionOptions::new("summarize"), true))
        .function(function(FunctionOptions::new("summarize-failure"), false));
    let error = app.validate().unwrap_err();
    assert_names(&error, "summarize-failure", "id");
    assert_eq!(
        error.kind,
        FunctionConfigErrorKind::DuplicateId("call-insights-summarize-failure".to_owned())
    );
}

#[test]
fn rejects_more_than_ten_triggers() {
    let triggers: Vec<Value> = (0..11)
        .map(|index| json!({ "event": format!("a/{index}") }))
        .collect();
    let error = rejected(json!({ "id": "many", "triggers": triggers }));
    assert_names(&error, "many", "triggers");
    assert_eq!(error.kind, FunctionConfigErrorKind::TooManyTriggers(11));
}

#[test]
fn rejects_empty_event_name() {
    let error = rejected(json!({ "id": "f", "triggers": [{ "event": "a/b" }, { "event": "" }] }));
    assert_names(&error, "f", "triggers[1].event");
    assert_eq!(error.kind, FunctionConfigErrorKind::EmptyEventName);
}

#[test]
fn rejects_long_event_name() {
    let error = rejected(json!({ "id": "f", "triggers": [{ "event": "e".repeat(256) }] }));
    assert_names(&error, "f", "triggers[0].event");
    assert_eq!(error.kind, FunctionConfigErrorKind::TooLong(256));
}

#[test]
fn rejects_long_cron() {
    let schedule = format!("0 9 * * {}", "1,".repeat(130));
    let error = rejected(json!({ "id": "f", "triggers": [{ "cron": schedule }] }));
    assert_names(&error, "f", "triggers[0].cron");
    assert!(
        matches!(error.kind, FunctionConfigErrorKind::TooLong(_)),
        "{error}"
    );
}

#[test]
fn rejects_malformed_cron() {
    for (schedule, fields) in [("0 9 * *", 4), ("TZ=Europe/Paris 0 0 9 * * 1", 6), ("", 0)] {
        let error = rejected(json!({ "id": "f", "triggers": [{ "cron": schedule }] }));
        assert_names(&error, "f", "triggers[0].cron");
        let expected = FunctionConfigErrorKind::MalformedCron {
            schedule: schedule.to_owned(),
            fields,
        };
        assert_eq!(error.kind, expected);
    }
}

#[test]
fn accepts_cron_with_time_zone() {
    let options =
        options(json!({ "id": "f", "triggers": [{ "cron": "TZ=Europe/Paris 0 9 * * 1-5" }] }));
    assert_eq!(options.validate(), Ok(()));
}

#[test]
fn rejects_duplicate_trigger() {
    let error = rejected(
        json!({ "id": "f", "triggers": [{ "cron": "0 * * * *" }, { "cron": "0 * * * *" }] }),
    );
    assert_names(&error, "f", "triggers[1]");
    assert_eq!(error.kind, FunctionConfigErrorKind::DuplicateTrigger);
}

#[test]
fn rejects_retries_over_twenty() {
    let error = rejected(json!({ "id": "f", "retries": 21 }));
    assert_names(&error, "f", "retries");
    assert_eq!(error.kind, FunctionConfigErrorKind::TooManyRetries(21));
}

#[test]
fn rejects_three_concurrency_limits() {
    let limits = [
        json!({ "limit": 1 }),
        json!({ "limit": 2 }),
        json!({ "limit": 3 }),
    ];
    let error = rejected(json!({ "id": "f", "concurrency": limits }));
    assert_names(&error, "f", "concurrency");
    assert_eq!(
        error.kind,
        FunctionConfigErrorKind::TooManyConcurrencyLimits(3)
    );
}

#[test]
fn rejects_concurrency_limit_zero() {
    let cases = [
        (json!(0), "concurrency"),
        (
            json!({ "limit": 0, "key": "event.data.x" }),
            "concurrency.limit",
        ),
        (
            json!([{ "limit": 5 }, { "limit": 0 }]),
            "concurrency[1].limit",
        ),
    ];
    for (concurrency, option) in cases {
        let error = rejected(json!({ "id": "f", "concurrency": concurrency }));
        assert_names(&error, "f", option);
        assert_eq!(error.kind, FunctionConfigErrorKind::ZeroLimit);
    }
}

#[test]
fn rejects_throttle_without_period() {
    let error = rejected(json!({ "id": "f", "throttle": { "limit": 10 } }));
    assert_names(&error, "f", "throttle.period");
    assert!(error.to_string().contains("missing"), "{error}");
}

#[test]
fn rejects_throttle_limit_zero() {
    let error = rejected(json!({ "id": "f", "throttle": { "limit": 0, "period": "1m" } }));
    assert_names(&error, "f", "throttle.limit");
    assert_eq!(error.kind, FunctionConfigErrorKind::ZeroLimit);
}

#[test]
fn rejects_rate_limit_without_period() {
    let error = rejected(json!({ "id": "f", "rateLimit": { "limit": 1 } }));
    assert_names(&error, "f", "rateLimit.period");
    assert!(error.to_string().contains("missing"), "{error}");
}

#[test]
fn rejects_rate_limit_limit_zero() {
    let error = rejected(json!({ "id": "f", "rateLimit": { "limit": 0, "period": "1h" } }));
    assert_names(&error, "f", "rateLimit.limit");
    assert_eq!(error.kind, FunctionConfigErrorKind::ZeroLimit);
}

#[test]
fn rejects_debounce_period_out_of_range() {
    for period in ["500ms", "8d"] {
        let error = rejected(json!({ "id": "f", "debounce": { "period": period } }));
        assert_names(&error, "f", "debounce.period");
        assert!(
            matches!(
                error.kind,
                FunctionConfigErrorKind::DurationOutOfRange { .. }
            ),
            "{error}"
        );
    }
}

#[test]
fn accepts_debounce_period_bounds() {
    for period in ["1s", "7d", "1w"] {
        let options = options(json!({ "id": "f", "debounce": { "period": period } }));
        assert_eq!(options.validate(), Ok(()), "{period}");
    }
}

#[test]
fn rejects_batch_size_out_of_range() {
    for size in [0, 101] {
        let error =
            rejected(json!({ "id": "f", "batchEvents": { "maxSize": size, "timeout": "5s" } }));
        assert_names(&error, "f", "batchEvents.maxSize");
        assert!(
            matches!(error.kind, FunctionConfigErrorKind::OutOfRange { .. }),
            "{error}"
        );
    }
}

#[test]
fn rejects_batch_timeout_out_of_range() {
    for timeout in ["0s", "61s", "2m"] {
        let error =
            rejected(json!({ "id": "f", "batchEvents": { "maxSize": 10, "timeout": timeout } }));
        assert_names(&error, "f", "batchEvents.timeout");
        assert!(
            matches!(
                error.kind,
                FunctionConfigErrorKind::DurationOutOfRange { .. }
            ),
            "{error}"
        );
    }
}

#[test]
fn rejects_batching_with_conflicting_options() {
    let conflicts = [
        ("cancelOn", json!([{ "event": "a/cancel" }])),
        ("debounce", json!({ "period": "5m" })),
        ("singleton", json!({ "mode": "skip" })),
        ("priority", json!({ "run": "0" })),
    ];
    for (option, value) in conflicts {
        let mut input = json!({ "id": "f", "batchEvents": { "maxSize": 10, "timeout": "5s" } });
        input[option] = value;
        let error = rejected(input);
        assert_names(&error, "f", "batchEvents");
        assert_eq!(
            error.kind,
            FunctionConfigErrorKind::BatchConflict(option),
            "{option}"
        );
        assert!(
            error.to_string().contains(&format!("`{option}`")),
            "{error}"
        );
    }
}

#[test]
fn rejects_more_than_five_cancels() {
    let cancels: Vec<Value> = (0..6)
        .map(|index| json!({ "event": format!("a/{index}") }))
        .collect();
    let error = rejected(json!({ "id": "f", "cancelOn": cancels }));
    assert_names(&error, "f", "cancelOn");
    assert_eq!(error.kind, FunctionConfigErrorKind::TooManyCancels(6));
}

#[test]
fn rejects_cancel_without_event() {
    let error = rejected(json!({ "id": "f", "cancelOn": [{ "match": "data.id" }] }));
    assert_names(&error, "f", "cancelOn[0].event");
    assert_eq!(error.kind, FunctionConfigErrorKind::EmptyEventName);
}

#[test]
fn rejects_priority_without_run() {
    let error = rejected(json!({ "id": "f", "priority": {} }));
    assert_names(&error, "f", "priority.run");
    assert_eq!(error.kind, FunctionConfigErrorKind::MissingPriorityRun);
}

#[test]
fn rejects_unparsable_durations() {
    let cases = [
        (
            json!({ "throttle": { "limit": 1, "period": "1 minute" } }),
            "throttle.period",
        ),
        (
            json!({ "rateLimit": { "limit": 1, "period": "4hours" } }),
            "rateLimit.period",
        ),
        (
            json!({ "debounce": { "period": "5m", "timeout": "soon" } }),
            "debounce.timeout",
        ),
        (
            json!({ "timeouts": { "start": "10", "finish": "1h" } }),
            "timeouts.start",
        ),
        (json!({ "timeouts": { "finish": "1y" } }), "timeouts.finish"),
        (
            json!({ "cancelOn": [{ "event": "a/b", "timeout": "1h 30m" }] }),
            "cancelOn[0].timeout",
        ),
    ];
    for (mut input, option) in cases {
        input["id"] = json!("f");
        let error = rejected(input);
        assert_names(&error, "f", option);
        assert!(
            matches!(error.kind, FunctionConfigErrorKind::Duration(_)),
            "{error}"
        );
    }
}

#[test]
fn rejects_empty_idempotency() {
    let error = rejected(json!({ "id": "f", "idempotency": "" }));
    assert_names(&error, "f", "idempotency");
    assert_eq!(error.kind, FunctionConfigErrorKind::EmptyExpression);
}

#[test]
fn serve_handler_rejects_invalid_app() {
    let app = App::new(APP_ID).function(function(
        options(json!({ "id": "f", "retries": 50 })),
        false,
    ));
    let error = ServeHandler::try_new(
        app.clone(),
        ServeConfig::dev("http://localhost:8288".parse().unwrap()),
    )
    .unwrap_err();
    assert_names(&error, "f", "retries");

    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ServeHandler::new(
            app,
            ServeConfig::dev("http://localhost:8288".parse().unwrap()),
        )
    }))
    .unwrap_err();
    let message = panic
        .downcast_ref::<String>()
        .expect("the panic carries a message");
    assert!(message.contains("`retries`"), "{message}");
}

#[test]
fn error_message_says_how_to_fix() {
    let error = rejected(json!({ "id": "summarize", "retries": 21 }));
    assert_eq!(
        error.to_string(),
        "function \"summarize\": invalid option `retries`: 21 is more than the maximum of 20; set retries between 0 and 20"
    );
}
